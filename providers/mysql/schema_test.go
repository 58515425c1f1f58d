package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func findColumn(t *testing.T, s providers.DBSchema, table, col string) providers.Column {
	t.Helper()
	for _, tb := range s.Tables {
		if tb.Name != table {
			continue
		}
		for _, c := range tb.Columns {
			if c.Name == col {
				return c
			}
		}
	}
	t.Fatalf("no column %s.%s in the schema", table, col)
	return providers.Column{}
}

func findTable(t *testing.T, s providers.DBSchema, table string) providers.Table {
	t.Helper()
	for _, tb := range s.Tables {
		if tb.Name == table {
			return tb
		}
	}
	t.Fatalf("no table %s in the schema", table)
	return providers.Table{}
}

// TestSchemaColumns checks, against the real server, that every column of
// the fixture translates to exactly the expected portable column.
func TestSchemaColumns(t *testing.T) {
	p, db := testDB(t, fixture...)
	s, err := p.Schema(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	type ct = providers.ColumnType
	ci := func(c providers.Column, coll string) providers.Column {
		c.Collation, c.CaseInsensitive = coll, strings.HasSuffix(coll, "_ci")
		return c
	}
	const gci = "utf8mb4_general_ci"
	tests := []struct {
		table, col string
		want       providers.Column
	}{
		{"ints", "id", providers.Column{Name: "id", Type: ct{Base: "int32", Native: "int(11)"}, AutoIncrement: true, Identity: true, NextValue: 100}},
		{"ints", "flag", providers.Column{Name: "flag", Type: ct{Base: "bool", Native: "tinyint(1)"}, Default: "0", Comment: "a boolean"}},
		{"ints", "ti", providers.Column{Name: "ti", Type: ct{Base: "int16", Native: "tinyint(4)"}, Nullable: true}},
		{"ints", "tiu", providers.Column{Name: "tiu", Type: ct{Base: "int16", Unsigned: true, Native: "tinyint(3) unsigned"}, Nullable: true}},
		{"ints", "si", providers.Column{Name: "si", Type: ct{Base: "int16", Native: "smallint(6)"}, Nullable: true}},
		{"ints", "siu", providers.Column{Name: "siu", Type: ct{Base: "int16", Unsigned: true, Native: "smallint(5) unsigned"}, Nullable: true}},
		{"ints", "mi", providers.Column{Name: "mi", Type: ct{Base: "int32", Native: "mediumint(9)"}, Nullable: true}},
		{"ints", "miu", providers.Column{Name: "miu", Type: ct{Base: "int32", Unsigned: true, Native: "mediumint(8) unsigned"}, Nullable: true}},
		{"ints", "i", providers.Column{Name: "i", Type: ct{Base: "int32", Native: "int(11)"}, Nullable: true, Default: "42"}},
		{"ints", "iu", providers.Column{Name: "iu", Type: ct{Base: "int32", Unsigned: true, Native: "int(10) unsigned"}, Nullable: true}},
		{"ints", "bi", providers.Column{Name: "bi", Type: ct{Base: "int64", Native: "bigint(20)"}, Nullable: true}},
		{"ints", "biu", providers.Column{Name: "biu", Type: ct{Base: "int64", Unsigned: true, Native: "bigint(20) unsigned"}, Nullable: true}},
		{"ints", "y", providers.Column{Name: "y", Type: ct{Base: "int16", Native: "year(4)"}, Nullable: true}},
		{"ints", "b1", providers.Column{Name: "b1", Type: ct{Base: "bool", Native: "bit(1)"}, Nullable: true}},
		{"ints", "b12", providers.Column{Name: "b12", Type: ct{Base: "bytes", Length: 12, Native: "bit(12)"}, Nullable: true, Default: "b'101'"}},
		{"nums", "f", providers.Column{Name: "f", Type: ct{Base: "float32", Native: "float"}, Nullable: true}},
		{"nums", "d", providers.Column{Name: "d", Type: ct{Base: "float64", Native: "double"}, Nullable: true}},
		{"nums", "dec20", providers.Column{Name: "dec20", Type: ct{Base: "decimal", Precision: 20, Scale: 6, Native: "decimal(20,6)"}, Default: "0.500000"}},
		{"nums", "decu", providers.Column{Name: "decu", Type: ct{Base: "decimal", Precision: 5, Scale: 2, Unsigned: true, Native: "decimal(5,2) unsigned"}, Nullable: true}},
		{"texts", "id", ci(providers.Column{Name: "id", Type: ct{Base: "varchar", Length: 20, Native: "varchar(20)"}}, "utf8mb4_bin")},
		{"texts", "c", ci(providers.Column{Name: "c", Type: ct{Base: "char", Length: 10, Native: "char(10)"}, Nullable: true, Default: "'x''y'"}, gci)},
		{"texts", "v", ci(providers.Column{Name: "v", Type: ct{Base: "varchar", Length: 255, Native: "varchar(255)"}, Nullable: true}, "utf8mb4_unicode_ci")},
		{"texts", "t", ci(providers.Column{Name: "t", Type: ct{Base: "text", Native: "text"}, Nullable: true}, gci)},
		{"texts", "lt", ci(providers.Column{Name: "lt", Type: ct{Base: "text", Native: "longtext"}, Nullable: true}, gci)},
		{"texts", "j", providers.Column{Name: "j", Type: ct{Base: "json", Native: "longtext"}, Nullable: true}},
		{"texts", "e", ci(providers.Column{Name: "e", Type: ct{Base: "enum", Enum: []string{"small", "medium", "it's"}, Native: "enum('small','medium','it''s')"}, Nullable: true, Default: "'small'"}, gci)},
		{"texts", "s", ci(providers.Column{Name: "s", Type: ct{Base: "text", Native: "set('a','b','c')"}, Nullable: true}, gci)},
		{"texts", "l", ci(providers.Column{Name: "l", Type: ct{Base: "varchar", Length: 10, Native: "varchar(10)"}, Nullable: true}, "latin1_swedish_ci")},
		{"texts", "u", providers.Column{Name: "u", Type: ct{Base: "uuid", Native: "uuid"}, Nullable: true}},
		{"bins", "b", providers.Column{Name: "b", Type: ct{Base: "bytes", Length: 4, Native: "binary(4)"}, Nullable: true}},
		{"bins", "vb", providers.Column{Name: "vb", Type: ct{Base: "bytes", Length: 16, Native: "varbinary(16)"}, Nullable: true}},
		{"bins", "bl", providers.Column{Name: "bl", Type: ct{Base: "bytes", Native: "blob"}, Nullable: true}},
		{"times", "d", providers.Column{Name: "d", Type: ct{Base: "date", Native: "date"}, Nullable: true}},
		{"times", "dt", providers.Column{Name: "dt", Type: ct{Base: "timestamp", Native: "datetime"}, Nullable: true}},
		{"times", "dt6", providers.Column{Name: "dt6", Type: ct{Base: "timestamp", Precision: 6, Native: "datetime(6)"}, Nullable: true}},
		{"times", "ts", providers.Column{Name: "ts", Type: ct{Base: "timestamptz", Native: "timestamp"}, Nullable: true}},
		{"times", "ts3", providers.Column{Name: "ts3", Type: ct{Base: "timestamptz", Precision: 3, Native: "timestamp(3)"}, Default: "CURRENT_TIMESTAMP(3)"}},
		{"times", "tm", providers.Column{Name: "tm", Type: ct{Base: "time", Native: "time"}, Nullable: true}},
		{"times", "tm6", providers.Column{Name: "tm6", Type: ct{Base: "time", Precision: 6, Native: "time(6)"}, Nullable: true}},
		{"gen", "b", providers.Column{Name: "b", Type: ct{Base: "int32", Native: "int(11)"}, Nullable: true, Generated: "`a` * 2"}},
		{"gen", "c", providers.Column{Name: "c", Type: ct{Base: "int32", Native: "int(11)"}, Nullable: true, Generated: "`a` + 1", GeneratedStored: true}},
		{"customers", "id", providers.Column{Name: "id", Type: ct{Base: "int64", Unsigned: true, Native: "bigint(20) unsigned"}, AutoIncrement: true, Identity: true, NextValue: 1}},
		{"customers", "name", ci(providers.Column{Name: "name", Type: ct{Base: "varchar", Length: 100, Native: "varchar(100)"}, Default: "''"}, "utf8mb4_bin")},
		{"orders", "created_at", providers.Column{Name: "created_at", Type: ct{Base: "timestamp", Native: "datetime"}, Default: "CURRENT_TIMESTAMP"}},
		{"places", "pos", providers.Column{Name: "pos", Type: ct{Base: "other", Native: "point"}}},
	}
	for _, tt := range tests {
		t.Run(tt.table+"."+tt.col, func(t *testing.T) {
			got := findColumn(t, s, tt.table, tt.col)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("column (-want +got):\n%s", d)
			}
		})
	}
}

// TestSchemaTables checks keys, indexes, foreign keys, checks, order and
// objects; the whole schema is also kept as a golden file.
func TestSchemaTables(t *testing.T) {
	p, db := testDB(t, fixture...)
	s, err := p.Schema(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if s.Charset != "utf8mb4" || s.Collation != "utf8mb4_general_ci" {
		t.Errorf("charset, collation = %q, %q", s.Charset, s.Collation)
	}
	var order []string
	for _, tb := range s.Tables {
		order = append(order, tb.Name)
	}
	pos := func(n string) int {
		for i, x := range order {
			if x == n {
				return i
			}
		}
		t.Fatalf("table %s missing from %v", n, order)
		return -1
	}
	if !(pos("customers") < pos("orders") && pos("orders") < pos("items")) {
		t.Errorf("tables not in dependency order: %v", order)
	}
	if len(order) != 12 {
		t.Errorf("tables = %v, want the 12 base tables (no views)", order)
	}

	items := findTable(t, s, "items")
	if d := cmp.Diff([]string{"order_id", "line"}, items.PrimaryKey); d != "" {
		t.Errorf("items primary key (-want +got):\n%s", d)
	}
	wantIdx := []providers.Index{
		{Name: "PRIMARY", Columns: []string{"order_id", "line"}, Unique: true, Primary: true},
		{Name: "sku_order", Columns: []string{"sku", "order_id"}, Unique: true},
	}
	if d := cmp.Diff(wantIdx, items.Indexes); d != "" {
		t.Errorf("items indexes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]providers.Check{{Name: "qty", Expr: "`qty` > 0"}}, items.Checks); d != "" {
		t.Errorf("items checks (-want +got):\n%s", d)
	}
	orders := findTable(t, s, "orders")
	wantFK := []providers.ForeignKey{
		{Name: "orders_customer", Columns: []string{"customer_id"}, RefTable: "customers", RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "RESTRICT"},
		{Name: "orders_parent", Columns: []string{"parent_id"}, RefTable: "orders", RefColumns: []string{"id"}, OnDelete: "SET NULL", OnUpdate: "RESTRICT"},
	}
	if d := cmp.Diff(wantFK, orders.ForeignKeys); d != "" {
		t.Errorf("orders foreign keys (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]providers.Check{{Name: "total_positive", Expr: "`total` >= 0"}}, orders.Checks); d != "" {
		t.Errorf("orders checks (-want +got):\n%s", d)
	}
	texts := findTable(t, s, "texts")
	if len(texts.Checks) != 0 {
		t.Errorf("texts checks = %v; MariaDB's json_valid check belongs to the json type", texts.Checks)
	}
	if got := findTable(t, s, "ints").Comment; got != "integer edges" {
		t.Errorf("ints comment = %q", got)
	}
	if got := findTable(t, s, "logs"); got.PrimaryKey != nil || got.Indexes != nil {
		t.Errorf("logs has keys %v %v", got.PrimaryKey, got.Indexes)
	}
	sales := findTable(t, s, "sales")
	if !strings.HasPrefix(sales.Partitioned, "PARTITION BY RANGE (`y`)") || !strings.Contains(sales.Partitioned, "MAXVALUE") {
		t.Errorf("sales Partitioned = %q", sales.Partitioned)
	}
	if d := cmp.Diff([]string{"big_orders"}, s.Views); d != "" {
		t.Errorf("views (-want +got):\n%s", d)
	}
	kinds := map[string]string{}
	for _, o := range s.Objects {
		kinds[o.Kind+" "+o.Table+"."+o.Name] = o.Definition
	}
	for _, want := range []string{
		"view .big_orders", "trigger orders.orders_touch", "procedure .add_order", "function .twice",
		"event .nightly", "partition sales.sales", "spatial_column places.pos", "index places.pos",
		"index places.body", "index items.sku_prefix", "trigger times.ts3_on_update",
	} {
		if _, ok := kinds[want]; !ok {
			t.Errorf("no object %q among %v", want, keys(kinds))
		}
	}
	if d := kinds["procedure .add_order"]; !strings.Contains(d, "PROCEDURE `add_order`(IN c bigint unsigned)") {
		t.Errorf("procedure definition = %q", d)
	}

	// The golden file holds everything, with the database's random name
	// and the size estimates taken out.
	for i := range s.Tables {
		s.Tables[i].Rows, s.Tables[i].Bytes = 0, 0
	}
	s.Database = "DB"
	got, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = []byte(strings.ReplaceAll(string(got), db, "DB") + "\n")
	golden := filepath.Join("testdata", "schema.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("schema differs from %s (-want +got):\n%s", golden, d)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSchemaMissingDatabase(t *testing.T) {
	p, _ := testDB(t)
	_, err := p.Schema(context.Background(), "rehome_test_does_not_exist")
	if !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Schema of a missing database = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "rehome_test_does_not_exist") {
		t.Errorf("error does not name the database: %v", err)
	}
}
