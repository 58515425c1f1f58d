package database_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/sqlite"
)

// TestPlanChecksKeysOfBigTablesByQuery: with the scan limit lowered, the
// orders table is too big to scan; its duplicates under a unique index
// (invalid at the source) and the orphans of its foreign keys (NOT VALID
// there, one composite, NULLs no orphans), and the orphans of a small
// table's foreign key to it, are found by query at the source, while two
// small tables are still compared by the scan.
func TestPlanChecksKeysOfBigTablesByQuery(t *testing.T) {
	defer database.SetScanLimit(5)()
	h := harness(t, postgres.Factory())
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY);
CREATE TABLE shop.parents (a int, b text, PRIMARY KEY (a, b));
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int, pa int, pb text, code text);
CREATE TABLE shop.notes (id int PRIMARY KEY, order_id int);
CREATE TABLE shop.kids (id int PRIMARY KEY, customer_id int);
INSERT INTO shop.customers VALUES (1), (2);
INSERT INTO shop.parents VALUES (1, 'x'), (2, 'y');
INSERT INTO shop.orders VALUES
  (1, 1, 1, 'x', 'A'), (10, 7, 1, 'x', 'B'), (9, 8, 2, 'y', 'A'), (3, NULL, 1, 'y', 'A'),
  (4, 2, NULL, 'z', NULL), (5, 9, 3, NULL, NULL), (6, 2, 2, 'x', 'B');
INSERT INTO shop.notes VALUES (1, 1), (2, 42), (3, NULL);
INSERT INTO shop.kids VALUES (1, 1), (2, 5);
ALTER TABLE shop.orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES shop.customers NOT VALID;
ALTER TABLE shop.orders ADD CONSTRAINT orders_parent FOREIGN KEY (pa, pb) REFERENCES shop.parents NOT VALID;
ALTER TABLE shop.notes ADD CONSTRAINT notes_order FOREIGN KEY (order_id) REFERENCES shop.orders NOT VALID;
ALTER TABLE shop.kids ADD CONSTRAINT kids_customer FOREIGN KEY (customer_id) REFERENCES shop.customers NOT VALID;
ANALYZE;`)
	pgtest.InvalidUniqueIndex(t, srcURL, "orders_code ON shop.orders (code)")
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	p := h.Plan(h.Config(move(&database.Settings{Databases: []string{"shop"}, OnBadValue: database.PolicyFail, Parallelism: 2})))
	got := map[string][]string{}
	for _, f := range p.Audit {
		got[f.Code] = append(got[f.Code], string(f.Severity)+" "+f.Message)
	}
	for code, want := range map[string][]string{
		"database.duplicate_keys": {"blocker table shop.orders: 3 row(s) repeat a key of unique orders_code (code), found by query at the source, sample keys 3, 9, 10;"},
		"database.orphan_rows": {
			"blocker table shop.orders: 3 row(s), found by query at the source, whose values of (customer_id) have no row in customers (id), sample keys 5, 9, 10;",
			"blocker table shop.orders: 2 row(s), found by query at the source, whose values of (pa, pb) have no row in parents (a, b), sample keys 3, 6;",
			"blocker table shop.notes: 1 row(s), found by query at the source, whose values of (order_id) have no row in orders (id), sample keys 2;",
			"blocker table shop.kids: 1 value(s) of (customer_id) have no row in customers (id), sample keys 2;",
		},
		"database.not_scanned": {"info table shop.orders holds about 7 rows, too many to scan at plan time; its unique orders_code, foreign key orders_customer, foreign key orders_parent and the foreign keys referencing it are checked by query at the source instead; "},
	} {
		if len(got[code]) != len(want) {
			t.Errorf("%s findings:\n%s\nwant %d", code, strings.Join(got[code], "\n"), len(want))
			continue
		}
		for _, w := range want {
			found := false
			for _, g := range got[code] {
				found = found || strings.HasPrefix(g, w)
			}
			if !found {
				t.Errorf("%s findings:\n%s\nlack %q", code, strings.Join(got[code], "\n"), w)
			}
		}
	}
	for _, f := range p.Audit {
		if f.Code == "database.orphan_rows" && !strings.Contains(f.Message, "adding the foreign key at the destination would fail") {
			t.Errorf("orphan finding %q does not say what fails", f.Message)
		}
	}
}

// TestPlanChecksKeysByQueryFromMySQLAndSQLite: a table too big to scan,
// holding orphans a source let in (MariaDB loaded with foreign_key_checks
// off, SQLite checking none), has them counted by query, with sample
// keys: a blocker into PostgreSQL, a warning into SQLite.
func TestPlanChecksKeysByQueryFromMySQLAndSQLite(t *testing.T) {
	defer database.SetScanLimit(5)()
	const rows = "(1, 1), (2, 7), (3, NULL), (4, 8), (5, 2), (6, 7), (7, 1)"
	for _, c := range []struct {
		name string
		env  func(t *testing.T, h *movertest.Harness) (db string)
		want string
	}{
		{"mysql to postgres", func(t *testing.T, h *movertest.Harness) string {
			name, url := mysqltest.NewDatabase(t)
			mysqltest.Exec(t, url, "SET SESSION foreign_key_checks = 0",
				"CREATE TABLE customers (id int NOT NULL PRIMARY KEY)",
				"CREATE TABLE orders (id int NOT NULL PRIMARY KEY, customer_id int, CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id))",
				"INSERT INTO customers VALUES (1), (2)", "INSERT INTO orders VALUES "+rows, "ANALYZE TABLE customers, orders")
			h.Env("old", "mysql", map[string]cty.Value{"url": cty.StringVal(url)})
			h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(pgtest.NewDatabase(t))})
			return name
		}, "blocker table %s.orders: 3 row(s), found by query at the source, whose values of (customer_id) have no row in customers (id), sample keys 2, 4, 6; adding the foreign key at the destination would fail"},
		{"sqlite to sqlite", func(t *testing.T, h *movertest.Harness) string {
			h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, `
CREATE TABLE customers (id INTEGER PRIMARY KEY);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id));
INSERT INTO customers VALUES (1), (2);
INSERT INTO orders VALUES `+rows))})
			h.Env("new", "sqlite", map[string]cty.Value{"path": cty.StringVal(filepath.Join(h.Dir, "new", "copy.db"))})
			return "main"
		}, "warning table %s.orders: 3 row(s), found by query at the source, whose values of (customer_id) have no row in customers (id), sample keys 2, 4, 6; SQLite does not check foreign keys unless asked, so they move as they are"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := movertest.New(t)
			h.Reg = providers.NewRegistry(h.Store.Factory(), postgres.Factory(), sqlite.Factory(), mysql.Factory())
			db := c.env(t, h)
			p := h.Plan(h.Config(move(&database.Settings{Databases: []string{db}, OnBadValue: database.PolicyFail, Parallelism: 2})))
			var got []string
			for _, f := range p.Audit {
				switch f.Code {
				case "database.orphan_rows", "database.duplicate_keys":
					got = append(got, string(f.Severity)+" "+f.Message)
				case "database.not_scanned":
					if !strings.Contains(f.Message, "table "+db+".orders holds about 7 rows") || !strings.Contains(f.Message, "checked by query at the source") {
						t.Errorf("not_scanned: %s", f.Message)
					}
				}
			}
			if want := fmt.Sprintf(c.want, db); len(got) != 1 || got[0] != want {
				t.Errorf("key findings:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
			}
		})
	}
}

// TestPlanScanStopsAtTheLimit: a table whose estimate is low (never
// analysed, so PostgreSQL says 0 rows) is read through Go only up to the
// scan limit; then it is checked as the big table it is, by query.
func TestPlanScanStopsAtTheLimit(t *testing.T) {
	defer database.SetScanLimit(5)()
	h := harness(t, postgres.Factory())
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY);
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int);
INSERT INTO shop.customers VALUES (1), (2);
INSERT INTO shop.orders SELECT g, CASE WHEN g = 8 THEN 99 ELSE 1 END FROM generate_series(1, 12) g;
ALTER TABLE shop.orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES shop.customers NOT VALID;`)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	p := h.Plan(h.Config(move(&database.Settings{Databases: []string{"shop"}, OnBadValue: database.PolicyFail, Parallelism: 2})))
	var notScanned, orphans []string
	for _, f := range p.Audit {
		switch f.Code {
		case "database.not_scanned":
			notScanned = append(notScanned, f.Message)
		case "database.orphan_rows":
			orphans = append(orphans, f.Message)
		}
	}
	if len(notScanned) != 1 || !strings.HasPrefix(notScanned[0], "table shop.orders holds more than 5 rows (more than the source's estimate), too many to scan") {
		t.Errorf("not_scanned findings %q", notScanned)
	}
	if len(orphans) != 1 || !strings.Contains(orphans[0], "1 row(s), found by query at the source, whose values of (customer_id) have no row in customers (id), sample keys 8;") {
		t.Errorf("orphan findings %q", orphans)
	}
}
