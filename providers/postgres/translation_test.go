package postgres

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// translationSchema is one table with a column of every portable type, as
// each engine reports them.
func translationSchema(engine string) providers.DBSchema {
	col := func(name string, t providers.ColumnType, opts ...func(*providers.Column)) providers.Column {
		c := providers.Column{Name: name, Type: t, Nullable: true}
		for _, o := range opts {
			o(&c)
		}
		return c
	}
	notNull := func(c *providers.Column) { c.Nullable = false }
	cols := []providers.Column{
		col("id", providers.ColumnType{Base: "int64", Native: "bigint"}, notNull, func(c *providers.Column) { c.Identity, c.AutoIncrement, c.NextValue = true, true, 42 }),
		col("flag", providers.ColumnType{Base: "bool", Native: "tinyint(1)"}, func(c *providers.Column) { c.Default = "1" }),
		col("small", providers.ColumnType{Base: "int16", Native: "smallint"}),
		col("small_u", providers.ColumnType{Base: "int16", Native: "smallint unsigned", Unsigned: true}),
		col("n", providers.ColumnType{Base: "int32", Native: "int"}),
		col("n_u", providers.ColumnType{Base: "int32", Native: "int unsigned", Unsigned: true}),
		col("big_u", providers.ColumnType{Base: "int64", Native: "bigint unsigned", Unsigned: true}),
		col("ratio", providers.ColumnType{Base: "float32", Native: "float"}),
		col("amount", providers.ColumnType{Base: "float64", Native: "double"}),
		col("price", providers.ColumnType{Base: "decimal", Native: "decimal(12,2)", Precision: 12, Scale: 2}, func(c *providers.Column) { c.Default = "0.00" }),
		col("body", providers.ColumnType{Base: "text", Native: "longtext"}),
		col("email", providers.ColumnType{Base: "varchar", Native: "varchar(200)", Length: 200}, notNull,
			func(c *providers.Column) { c.Collation, c.CaseInsensitive = "utf8mb4_general_ci", true }),
		col("code", providers.ColumnType{Base: "char", Native: "char(3)", Length: 3}),
		col("photo", providers.ColumnType{Base: "bytes", Native: "blob"}),
		col("born", providers.ColumnType{Base: "date", Native: "date"}),
		col("wakes", providers.ColumnType{Base: "time", Native: "time(3)", Precision: 3}),
		col("created", providers.ColumnType{Base: "timestamp", Native: "datetime"}, func(c *providers.Column) { c.Default = "CURRENT_TIMESTAMP" }),
		col("seen", providers.ColumnType{Base: "timestamptz", Native: "timestamp"}),
		col("doc", providers.ColumnType{Base: "json", Native: "json"}),
		col("token", providers.ColumnType{Base: "uuid", Native: "uuid"}),
		col("state", providers.ColumnType{Base: "enum", Native: "enum('new','paid')", Enum: []string{"new", "paid"}}, func(c *providers.Column) { c.Default = "'new'" }),
		col("tags", providers.ColumnType{Base: "other", Native: "set('a','b')"}),
		col("total", providers.ColumnType{Base: "decimal", Native: "decimal(14,2)", Precision: 14, Scale: 2},
			func(c *providers.Column) { c.Generated, c.GeneratedStored = "price * 2", true }),
		col("note", providers.ColumnType{Base: "text", Native: "text"}, func(c *providers.Column) { c.Comment, c.DestType = "free text", "varchar(500)" }),
	}
	if engine == "postgres" {
		// A PostgreSQL enum type of the schema, which the destination
		// creates with the schema's objects, and one of another schema.
		cols[20].Type = providers.ColumnType{Base: "enum", Native: "state", UserType: "state", Enum: []string{"new", "paid"}}
		cols[20].Default = "'new'::state"
		cols = append(cols, col("mood", providers.ColumnType{Base: "enum", Native: "other.mood", Enum: []string{"sad", "ok"}},
			func(c *providers.Column) { c.Default = "'ok'::other.mood" }))
	}
	return providers.DBSchema{Database: "shop", Engine: engine, Tables: []providers.Table{{Name: "orders", Columns: cols, PrimaryKey: []string{"id"},
		Comment: "one order", Checks: []providers.Check{{Name: "positive", Expr: "(`price` >= 0)"}},
		Indexes: []providers.Index{{Name: "email", Columns: []string{"email"}, Unique: true}}}}}
}

// TestTranslationGolden records, per source engine, the translation table
// and the DDL this provider creates: testdata/translation.golden (-update
// rewrites it).
func TestTranslationGolden(t *testing.T) {
	var b strings.Builder
	p := &Provider{}
	for _, engine := range []string{"mysql", "sqlite", "postgres"} {
		s := translationSchema(engine)
		fmt.Fprintf(&b, "== from %s\n", engine)
		cols, notes := p.TranslateSchema(s, engine)
		for _, c := range cols {
			lossy := ""
			if c.Lossy {
				lossy = " LOSSY"
			}
			fmt.Fprintf(&b, "%-8s %-22s -> %-28s%s %s\n", c.Column, c.From, c.To, lossy, c.Note)
		}
		for _, n := range notes {
			fmt.Fprintf(&b, "note: %s\n", n)
		}
		fmt.Fprintf(&b, "%s\n\n", createTable("shop", s.Tables[0], engine, false))
	}
	CheckGolden(t, "translation.golden", b.String())
}

// CheckGolden compares got with testdata/name, which -update rewrites.
func CheckGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (rerun with -update if intended):\n%s", path, got)
	}
}
