package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/sqlite"
)

const fixture = `
CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(100) NOT NULL UNIQUE, name TEXT, vip BOOLEAN DEFAULT 0,
  created DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE products (sku TEXT PRIMARY KEY, price DECIMAL(10,2), weight REAL, photo BLOB, meta JSON, anything) WITHOUT ROWID;
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE, day DATE,
  qty INT, total_cents INTEGER GENERATED ALWAYS AS (qty * 100) VIRTUAL);
CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), sku TEXT NOT NULL REFERENCES products(sku), n INT,
  PRIMARY KEY (order_id, sku));
CREATE TABLE log (line TEXT);
CREATE INDEX orders_day ON orders(day);
CREATE INDEX customers_lower ON customers(lower(email));
CREATE VIEW vips AS SELECT * FROM customers WHERE vip;
CREATE TRIGGER orders_log AFTER INSERT ON orders BEGIN INSERT INTO log VALUES ('order'); END;
INSERT INTO customers (id, email, name, vip, created) VALUES (1, 'a@example.com', 'Ann 😀 Ünïcode', 1, '2024-01-02 03:04:05'),
  (2, 'b@example.com', NULL, 0, '2024-01-02T03:04:05.5+02:00'), (7, 'c@example.com', 'Cy', 'yes', NULL);
INSERT INTO products VALUES ('p1', 12.5, 1.25, x'00ff', '{"b":1,"a":2}', 42), ('p2', '99.99', NULL, NULL, NULL, 'text'),
  ('p3', NULL, 2, 'abc', '[1,2]', x'C3A9');
INSERT INTO orders (id, customer_id, day, qty) VALUES (1, 1, '2024-02-29', 3), (2, 2, NULL, NULL);
INSERT INTO order_items VALUES (1, 'p1', 2), (1, 'p2', 1), (2, 'p3', 5);
`

func newFile(t *testing.T, sqls ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shop.db")
	providertest.ExecSQLite(t, path, sqls...)
	return path
}

func configure(t *testing.T, path string) *sqlite.Provider {
	t.Helper()
	p := sqlite.Factory().New().(*sqlite.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "lite", Dir: t.TempDir(),
		Value: cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal(path)}), Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestSchema(t *testing.T) {
	p := configure(t, newFile(t, fixture))
	s, err := p.Schema(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, tb := range s.Tables {
		order = append(order, tb.Name)
	}
	if slices.Index(order, "customers") > slices.Index(order, "orders") || slices.Index(order, "orders") > slices.Index(order, "order_items") {
		t.Errorf("order %v: referenced tables must come first", order)
	}
	find := func(n string) providers.Table {
		for _, tb := range s.Tables {
			if tb.Name == n {
				return tb
			}
		}
		t.Fatalf("no table %s", n)
		return providers.Table{}
	}
	cu, pr, or, oi := find("customers"), find("products"), find("orders"), find("order_items")
	bases := func(tb providers.Table) string {
		var b []string
		for _, c := range tb.Columns {
			b = append(b, c.Name+":"+c.Type.Base)
		}
		return strings.Join(b, " ")
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"customers types", bases(cu), "id:int64 email:text name:text vip:bool created:timestamp"},
		{"products types", bases(pr), "sku:text price:decimal weight:float64 photo:bytes meta:json anything:other"},
		{"rowid is identity", cu.Columns[0].Identity && cu.Columns[0].AutoIncrement, true},
		{"next value", cu.Columns[0].NextValue, int64(8)},
		{"without rowid", pr.WithoutRowID, true},
		{"composite key", strings.Join(oi.PrimaryKey, ","), "order_id,sku"},
		{"fks", len(oi.ForeignKeys), 2},
		{"fk action", or.ForeignKeys[0].OnDelete, "CASCADE"},
		{"generated", or.Columns[4].Generated, "qty * 100"},
		{"email not null", cu.Columns[1].Nullable, false},
		{"rows", or.Rows, int64(2)},
		{"precision", pr.Columns[1].Type.Precision*100 + pr.Columns[1].Type.Scale, 1002},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v; want %v", tc.name, tc.got, tc.want)
		}
	}
	var objs []string
	for _, o := range s.Objects {
		objs = append(objs, o.Kind+":"+o.Name)
	}
	if strings.Join(objs, ",") != "trigger:orders_log,view:vips" {
		t.Errorf("objects = %v", objs)
	}
	var idx []string
	for _, ix := range cu.Indexes {
		idx = append(idx, ix.Name+":"+boolText(ix.Unique)+":"+boolText(ix.Expr != ""))
	}
	if strings.Join(idx, ",") != "customers_lower:n:y,customers_email_key:y:n" {
		t.Errorf("customer indexes = %v", idx)
	}
}

func boolText(b bool) string {
	if b {
		return "y"
	}
	return "n"
}

func TestPortableValues(t *testing.T) {
	tests := []struct {
		v    any
		base string
		want any
	}{
		{int64(5), "int64", int64(5)},
		{"5x", "int64", providers.BadValue{Raw: "5x", Reason: "not an integer"}},
		{float64(2), "int64", int64(2)},
		{float64(2.5), "int64", providers.BadValue{Raw: "2.5", Reason: "a fraction in an integer column"}},
		{int64(1), "bool", true},
		{"no", "bool", false},
		{int64(2), "bool", providers.BadValue{Raw: "2", Reason: "not a boolean"}},
		{float64(12.5), "decimal", "12.5"},
		{"99.990", "decimal", "99.990"},
		{"abc", "decimal", providers.BadValue{Raw: "abc", Reason: "not a number"}},
		{"2024-02-29", "date", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"2024-02-29 10:00", "date", providers.BadValue{Raw: "2024-02-29 10:00:00", Reason: "a time of day in a date column"}},
		{"2024-01-02T03:04:05.5+02:00", "timestamp", time.Date(2024, 1, 2, 1, 4, 5, 500000000, time.UTC)},
		{"yesterday", "timestamp", providers.BadValue{Raw: "yesterday", Reason: "not a timestamp"}},
		{"13:14:15.5", "time", time.Time{}.Add(13*time.Hour + 14*time.Minute + 15500*time.Millisecond)},
		{int64(42), "other", "42"},
		{[]byte{0xc3, 0xa9}, "other", "é"},
		{[]byte{0xff}, "text", providers.BadValue{Raw: "x'ff'", Reason: "invalid UTF-8"}},
		{"{bad", "json", providers.BadValue{Raw: "{bad", Reason: "not JSON"}},
		{"abc", "bytes", []byte("abc")},
	}
	for _, tc := range tests {
		got := sqlite.Portable(tc.v, tc.base)
		if b, ok := tc.want.([]byte); ok {
			if g, _ := got.([]byte); string(g) != string(b) {
				t.Errorf("Portable(%#v, %s) = %#v; want %#v", tc.v, tc.base, got, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("Portable(%#v, %s) = %#v; want %#v", tc.v, tc.base, got, tc.want)
		}
	}
}

// copyAll copies every table of src's main into dst's database db, in key
// ranges split at the first row, and returns the source schema.
func copyAll(t *testing.T, src providers.DatabaseStore, dst providers.DatabaseStore, db string) providers.DBSchema {
	t.Helper()
	ctx := t.Context()
	s, err := src.Schema(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.ApplySchema(ctx, db, s, true); err != nil {
		t.Fatal(err)
	}
	for _, tb := range s.Tables {
		rs, err := src.ReadRows(ctx, "main", tb.Name, providers.KeyRange{})
		if err != nil {
			t.Fatal(err)
		}
		var rows []providers.Row
		for {
			r, ok := rs.Next(ctx)
			if !ok {
				break
			}
			rows = append(rows, r)
		}
		rs.Close()
		if rs.Err() != nil {
			t.Fatal(rs.Err())
		}
		if len(tb.PrimaryKey) == 0 || len(rows) < 2 {
			if _, err := dst.WriteRows(ctx, db, tb.Name, providers.KeyRange{}, &providers.SliceRows{Cols: rs.Columns(), Rows: rows}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var key providers.Row
		for _, k := range tb.PrimaryKey {
			key = append(key, rows[0][slices.Index(rs.Columns(), k)])
		}
		for i, r := range []providers.KeyRange{{To: key, Key: tb.PrimaryKey}, {From: key, Key: tb.PrimaryKey}} {
			part := rows[:1]
			if i == 1 {
				part = rows[1:]
			}
			for range 2 { // written twice: the second replaces the first
				if _, err := dst.WriteRows(ctx, db, tb.Name, r, &providers.SliceRows{Cols: rs.Columns(), Rows: part}); err != nil {
					t.Fatalf("write %s: %v", tb.Name, err)
				}
			}
		}
	}
	if err := dst.FinishSchema(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCopyToSQLiteAndPostgres(t *testing.T) {
	src := configure(t, newFile(t, fixture))
	pgURL := pgtest.NewDatabase(t)
	pg := postgres.Factory().New().(*postgres.Provider)
	if err := pg.Configure(t.Context(), providers.Config{Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(pgURL)})}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Close() })
	lite := configure(t, filepath.Join(t.TempDir(), "new", "copy.db"))
	if err := lite.CreateDatabase(t.Context(), "main"); err != nil {
		t.Fatal(err)
	}
	dests := []struct {
		name string
		dst  providers.DatabaseStore
		db   string
	}{{"sqlite", lite, "main"}, {"postgres", pg, "public"}}
	for _, d := range dests {
		t.Run(d.name, func(t *testing.T) {
			s := copyAll(t, src, d.dst, d.db)
			for _, tb := range s.Tables {
				a, err := src.Fingerprint(t.Context(), "main", tb.Name)
				if err != nil {
					t.Fatal(err)
				}
				b, err := d.dst.Fingerprint(t.Context(), d.db, tb.Name)
				if err != nil {
					t.Fatal(err)
				}
				if a != b {
					t.Errorf("table %s: source %+v, destination %+v", tb.Name, a, b)
				}
			}
			ds, err := d.dst.Schema(t.Context(), d.db)
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range ds.Tables {
				if tb.Name == "order_items" && (len(tb.ForeignKeys) != 2 || len(tb.PrimaryKey) != 2) {
					t.Errorf("order_items at %s: keys %v, foreign keys %v", d.name, tb.PrimaryKey, tb.ForeignKeys)
				}
			}
		})
	}
	if got := pgtest.Query(t, pgURL, "INSERT INTO public.customers (email) VALUES ('d@example.com') RETURNING id::text"); got[0] != "8" {
		t.Errorf("next id at postgres = %v; want 8 (past sqlite_sequence)", got)
	}
	for _, tb := range []string{"order_items", "orders", "products", "customers", "log"} {
		if err := lite.DropTable(t.Context(), "main", tb); err != nil {
			t.Fatal(err)
		}
	}
	if err := lite.DropTable(t.Context(), "main", "log"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("DropTable twice = %v; want ErrNotFound", err)
	}
}

func TestMissingFile(t *testing.T) {
	p := configure(t, filepath.Join(t.TempDir(), "none.db"))
	ctx := context.Background()
	if _, err := p.Discover(ctx, providers.Scope{Source: true}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Discover of a missing source = %v; want ErrNotFound", err)
	}
	inv, err := p.Discover(ctx, providers.Scope{})
	if err != nil || len(inv.Resources) != 0 {
		t.Errorf("Discover of a missing destination = %v, %v; want empty", inv, err)
	}
	if _, err := p.Schema(ctx, "main"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Schema of a missing file = %v", err)
	}
}

func TestChecksAreRead(t *testing.T) {
	p := configure(t, newFile(t, `CREATE TABLE t (a INT CHECK (a > 0), b TEXT CHECK (b <> ')'), c INT, CONSTRAINT "pair" CHECK ((a + c) < 10))`))
	s, err := p.Schema(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Tables[0].Checks
	want := []providers.Check{{Expr: "a > 0"}, {Expr: "b <> ')'"}, {Name: "pair", Expr: "(a + c) < 10"}}
	if !slices.Equal(got, want) {
		t.Errorf("checks = %+v; want %+v", got, want)
	}
}

func TestSplitKeys(t *testing.T) {
	var vals []string
	for i := 1; i <= 1000; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'k%04d')", i, i))
	}
	p := configure(t, newFile(t, `CREATE TABLE t (n INTEGER, k TEXT, PRIMARY KEY (k, n))`, "INSERT INTO t VALUES "+strings.Join(vals, ", ")))
	keys, err := p.SplitKeys(t.Context(), "main", "t", 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.Row{{"k0250", int64(250)}, {"k0500", int64(500)}, {"k0750", int64(750)}}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("SplitKeys = %v; want %v", keys, want)
	}
}
