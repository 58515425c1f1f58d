package database_test

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/sqlite"
)

// TestMySQLToPostgres moves the MariaDB shop fixture (unsigned keys,
// enums, sets, zero dates, JSON, blobs, emoji, a self reference, a view, a
// trigger and a procedure) into PostgreSQL: a schema of the database's
// name, every object reported, bad values nulled, validation green.
func TestMySQLToPostgres(t *testing.T) {
	h := movertest.New(t)
	h.Reg = providers.NewRegistry(h.Store.Factory(), postgres.Factory(), sqlite.Factory(), mysql.Factory())
	name, myURL := mysqltest.NewDatabase(t)
	mysqltest.Exec(t, myURL, append(mysqltest.Shop(300), mysqltest.ShopObjects()...)...)
	pgURL := pgtest.NewDatabase(t)
	h.Env("old", "mysql", map[string]cty.Value{"url": cty.StringVal(myURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(pgURL)})
	m := move(&database.Settings{Databases: []string{name}, OnBadValue: database.PolicyNull, Parallelism: 3})
	cfg := h.Config(m)
	p := h.Plan(cfg)
	var objects []string
	for _, f := range p.Audit {
		if f.Severity != planner.SevBlocker {
			continue
		}
		if f.Code != "database.object_not_translated" {
			t.Errorf("unexpected blocker %s: %s", f.Code, f.Message)
		}
		objects = append(objects, f.Message)
		if !strings.Contains(f.Message, "its source definition, to port by hand:\n") {
			t.Errorf("finding without the source definition: %s", f.Message)
		}
		m.Acknowledge = append(m.Acknowledge, f.ID)
	}
	all := strings.Join(objects, "\n")
	for _, want := range []string{"view " + name + ".customer_totals", "trigger " + name + ".orders_stock", "procedure " + name + ".cancel_order"} {
		if !strings.Contains(all, want) {
			t.Errorf("blockers lack %q:\n%s", want, all)
		}
	}
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if strings.Contains(out, "MISMATCH") || !strings.Contains(out, "validation") {
		t.Errorf("validation:\n%s", out)
	}
	for _, tb := range mysqltest.ShopTables() {
		a := mysqltest.Query(t, myURL, "SELECT COUNT(*) FROM `"+tb+"`")
		b := pgtest.Query(t, pgURL, `SELECT count(*)::text FROM "`+name+`"."`+tb+`"`)
		if a[0] != b[0] {
			t.Errorf("table %s: %s rows at MariaDB, %s at PostgreSQL", tb, a[0], b[0])
		}
	}
}

// TestMySQLBadValuesByQuery: a MariaDB table too big for the plan-time
// scan has its bad values (zero dates, tinyint(1) other than 0 and 1)
// counted by query at the source, with the counts and sample keys the
// scan of a small table gives.
func TestMySQLBadValuesByQuery(t *testing.T) {
	name, myURL := mysqltest.NewDatabase(t)
	mysqltest.Exec(t, myURL, "SET SESSION sql_mode = ''",
		"CREATE TABLE ev (id INT PRIMARY KEY, d DATE, ok TINYINT(1))",
		"INSERT INTO ev VALUES (1, '2024-01-02', 1), (2, '0000-00-00', 0), (3, '2024-02-03', 7), (4, '0000-00-00', 1), (5, NULL, NULL)")
	plan := func(limit int64) []string {
		defer database.SetScanLimit(limit)()
		h := movertest.New(t)
		h.Reg = providers.NewRegistry(h.Store.Factory(), postgres.Factory(), mysql.Factory())
		h.Env("old", "mysql", map[string]cty.Value{"url": cty.StringVal(myURL)})
		h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(pgtest.NewDatabase(t))})
		var got []string
		for _, f := range h.Plan(h.Config(move(&database.Settings{Databases: []string{name}, OnBadValue: database.PolicyFail, Parallelism: 1}))).Audit {
			if f.Code == "database.bad_values" {
				got = append(got, string(f.Severity)+" "+f.Message)
			}
		}
		return got
	}
	scanned, queried := plan(1000), plan(1)
	if len(scanned) != 2 || len(queried) != 2 {
		t.Fatalf("bad_values findings: scanned %q, by query %q; want two each", scanned, queried)
	}
	for i, w := range []string{" holds 2 value(s) with no exact form at new (", " holds 1 value(s) with no exact form at new ("} {
		for _, got := range []string{scanned[i], queried[i]} {
			if !strings.HasPrefix(got, "blocker column "+name+".ev.") || !strings.Contains(got, w) {
				t.Errorf("finding %q lacks %q", got, w)
			}
		}
	}
	if !strings.Contains(queried[0], "found by query at the source, sample keys 2, 4;") || !strings.Contains(queried[1], "found by query at the source, sample keys 3;") {
		t.Errorf("by-query findings %q", queried)
	}
}

// TestMySQLSplitCopy: a MariaDB table over the split threshold is cut into
// key ranges (providers/mysql SplitKeys) that several workers copy at once
// from the one snapshot; the validation is green.
func TestMySQLSplitCopy(t *testing.T) {
	defer database.SetSplitRows(10)()
	name, myURL := mysqltest.NewDatabase(t)
	mysqltest.Exec(t, myURL, "CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(20))",
		"INSERT INTO big WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 900) SELECT i, CONCAT('v', i) FROM s",
		"ANALYZE TABLE big")
	h := movertest.New(t)
	h.Reg = providers.NewRegistry(h.Store.Factory(), postgres.Factory(), mysql.Factory())
	pgURL := pgtest.NewDatabase(t)
	h.Env("old", "mysql", map[string]cty.Value{"url": cty.StringVal(myURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(pgURL)})
	_, out, err := apply(t, h, h.Config(move(&database.Settings{Databases: []string{name}, OnBadValue: database.PolicyFail, Parallelism: 3})))
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "table big copied in 3 key ranges at once: 900 rows") || strings.Contains(out, "MISMATCH") {
		t.Errorf("apply output:\n%s", out)
	}
	if got := pgtest.Query(t, pgURL, `SELECT count(*)::text || ' ' || sum(id)::text FROM "`+name+`".big`); got[0] != "900 405450" {
		t.Errorf("destination holds %v", got)
	}
}
