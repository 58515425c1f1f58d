package database_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/sqlite"
)

// cutover runs the cutover phase and returns its messages.
func cutover(t *testing.T, h *movertest.Harness, cfg *lang.Config) (string, error) {
	t.Helper()
	r := h.Runner()
	s := &sink{}
	r.Options.Sink = s
	err := r.CutoverErr(t, cfg)
	return s.text(), err
}

const cutoverFixture = `
CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE, total INTEGER);
CREATE TABLE old_stuff (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO customers (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'di'), (5, 'ed');
INSERT INTO orders VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30), (4, 5, 40);
INSERT INTO old_stuff VALUES (1, 'x');
`

// TestCutoverRecopiesChangedTables: after the apply, one source table
// changes (a row updated, one inserted, one deleted), one is new and one
// is dropped; the plan shows which; the cutover, interrupted once, re-copies
// only the changed and the new table (a resumed run continues the
// interrupted one at its next key range), resets the sequence, validates
// every table, and the destination equals the source. Rollback afterwards
// drops every table rehome created, the new one included.
func TestCutoverRecopiesChangedTables(t *testing.T) {
	defer database.SetChunkRows(2)()
	h, left, writes := crashingHarness(t)
	url := pgtest.NewDatabase(t)
	path := sqliteFile(t, h.Dir, cutoverFixture)
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(path)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	cfg := h.Config(move(&database.Settings{OnBadValue: database.PolicyFail, Parallelism: 1}))
	// Before the apply, the cutover is estimated as the copy again at
	// most (not as objects re-listed one by one).
	before := h.Plan(cfg)
	copyEst := movertest.ActionAt(t, before, `move.database.shop.rows["main"]`).Estimate
	if e := movertest.ActionAt(t, before, `move.database.shop.cutover_sync["main"]`).Estimate; e.Items != copyEst.Items ||
		e.Seconds != copyEst.Seconds || !strings.Contains(e.Basis, "at most the copy again") {
		t.Errorf("cutover estimate before the apply = %+v; want the copy's %+v", e, copyEst)
	}
	if _, out, err := apply(t, h, cfg); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	// Change the source: customer 1 (referenced by orders) renamed, 6
	// added, 4 (unreferenced) deleted; orders untouched; a new table; a
	// table dropped.
	sqliteFile(t, h.Dir, `UPDATE customers SET name = 'ann b' WHERE id = 1`, `INSERT INTO customers (id, name) VALUES (6, 'fay')`,
		`DELETE FROM customers WHERE id = 4`, `CREATE TABLE late (k TEXT PRIMARY KEY, n INTEGER)`, `INSERT INTO late VALUES ('a', 1), ('b', 2)`,
		`DROP TABLE old_stuff`)

	p := h.Plan(cfg)
	for _, a := range p.Actions {
		if a.Phase == planner.PhasePrepare && a.Action != planner.ActNoop {
			t.Errorf("after the apply, prepare-phase %s is %s (%s)", a.Address, a.Action, a.Reason)
		}
	}
	late := movertest.ActionAt(t, p, `move.database.shop.table["public.late"]`)
	if late.Phase != planner.PhaseCutover || late.Action != planner.ActCreate {
		t.Errorf("the new table's create is %s in %s; want create in the cutover", late.Action, late.Phase)
	}
	sync := movertest.ActionAt(t, p, `move.database.shop.cutover_sync["main"]`)
	var changes []string
	for _, c := range sync.Changes {
		changes = append(changes, c.Op+" "+c.Item+": "+c.Reason)
	}
	want := []string{"replace public.customers: changed at the source since the apply: 5 rows, content changed", "create public.late: new at the source since the apply"}
	if !slices.Equal(changes, want) {
		t.Errorf("cutover changes = %q; want %q", changes, want)
	}
	if !strings.Contains(sync.Reason, "stop writes at the source first") || sync.Options[0].Name != "before" {
		t.Errorf("the cutover step does not say to stop writes first: %q %v", sync.Reason, sync.Options)
	}
	if f := movertest.FindingByCode(t, p, "database.table_gone"); !strings.Contains(f.Message, "main.old_stuff") {
		t.Errorf("finding = %+v", f)
	}

	// Interrupted: the first key range of customers lands, the second
	// fails; the one worker goes on to copy late whole.
	writes.Store(0)
	left.Store(2)
	out, err := cutover(t, h, cfg)
	if err == nil || !strings.Contains(err.Error(), "injected crash") {
		t.Fatalf("first cutover = %v; want the injected crash\n%s", err, out)
	}
	for _, w := range []string{"2 changed since the apply", "re-copying 2 table(s) changed at the source: customers (5 rows, content changed), late (new at the source)",
		"tables gone from the source since the apply, kept at the destination (rehome does not drop them): old_stuff", "table late copied: 2 rows"} {
		if !strings.Contains(out, w) {
			t.Errorf("first cutover output lacks %q:\n%s", w, out)
		}
	}
	// Resumed: late is not copied again, customers goes on after its first
	// range (ids 3 and 5, then the open last range from 6): 2 writes.
	left.Store(0)
	writes.Store(0)
	out, err = cutover(t, h, cfg)
	if err != nil {
		t.Fatalf("cutover: %v\n%s", err, out)
	}
	for _, w := range []string{"1 changed since the apply", "re-copying 1 table(s) changed at the source: customers (5 rows, content changed)",
		"resumed at the first unfinished key range: customers after 2 rows", "validation"} {
		if !strings.Contains(out, w) {
			t.Errorf("cutover output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "late") && !strings.Contains(out, "late  ") || strings.Contains(out, "orders (") || strings.Contains(out, "MISMATCH") {
		t.Errorf("the resumed cutover copied late or orders again, or validation failed:\n%s", out)
	}
	if n := writes.Load(); n != 2 {
		t.Errorf("the resumed cutover wrote %d ranges; want 2 (customers' last two)", n)
	}
	for q, want := range map[string]string{
		"SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM public.customers":                     "1:ann b,2:bob,3:cy,5:ed,6:fay",
		"SELECT string_agg(id || ':' || customer_id || ':' || total, ',' ORDER BY id) FROM public.orders": "1:1:10,2:1:20,3:2:30,4:5:40",
		"SELECT string_agg(k || n, ',' ORDER BY k) FROM public.late":                                      "a1,b2",
		"SELECT count(*)::text FROM public.old_stuff":                                                     "1",
		"SELECT count(*)::text FROM pg_constraint WHERE contype = 'f'":                                    "1",
	} {
		if got := pgtest.Query(t, url, q); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q; want %q", q, got, want)
		}
	}
	// After the cutover nothing is left to do.
	for _, a := range h.Plan(cfg).Actions {
		if a.Action != planner.ActNoop {
			t.Errorf("after the cutover, %s is %s (%s)", a.Address, a.Action, a.Reason)
		}
	}
	if got := pgtest.Query(t, url, "INSERT INTO public.customers (name) VALUES ('gus') RETURNING id::text"); got[0] != "7" {
		t.Errorf("next customer id = %v; want 7 (the sequence reset past the re-copied rows)", got)
	}
	pgtest.Exec(t, url, "DELETE FROM public.customers WHERE id = 7")

	// Rollback after the cutover (forced) drops every table rehome made.
	r := h.Runner()
	r.Options.Force = true
	r.Rollback(t, cfg)
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public'"); got[0] != "0" {
		t.Errorf("after rollback %v tables are left in public; want 0", got)
	}
}

// TestCutoverFromServers: from MariaDB and from PostgreSQL (read at one
// snapshot) into PostgreSQL, the cutover re-copies the one table changed
// since the apply (a row updated, one inserted, one deleted) and leaves
// the untouched one alone; validation is green and the destination holds
// the source's rows.
func TestCutoverFromServers(t *testing.T) {
	const agg = ",' ORDER BY id"
	tests := []struct {
		name, provider string
		source         func(t *testing.T) (env map[string]cty.Value, db string, exec func(...string), rows func(table string) string)
	}{
		{"mariadb", "mysql", func(t *testing.T) (map[string]cty.Value, string, func(...string), func(string) string) {
			name, url := mysqltest.NewDatabase(t)
			return map[string]cty.Value{"url": cty.StringVal(url)}, name,
				func(s ...string) { mysqltest.Exec(t, url, s...) },
				func(tb string) string {
					return mysqltest.Query(t, url, "SELECT GROUP_CONCAT(CONCAT(id, ':', v) ORDER BY id SEPARATOR ',') FROM "+tb)[0]
				}
		}},
		{"postgres", "postgres", func(t *testing.T) (map[string]cty.Value, string, func(...string), func(string) string) {
			url := pgtest.NewDatabase(t)
			pgtest.Exec(t, url, "CREATE SCHEMA shop")
			in := url + sep(url) + "search_path=shop" // unqualified names land in shop
			return map[string]cty.Value{"url": cty.StringVal(url)}, "shop",
				func(s ...string) { pgtest.Exec(t, in, s...) },
				func(tb string) string {
					return pgtest.Query(t, url, "SELECT string_agg(id || ':' || v, '"+agg+") FROM shop."+tb)[0]
				}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := movertest.New(t)
			h.Reg = providers.NewRegistry(h.Store.Factory(), postgres.Factory(), sqlite.Factory(), mysql.Factory())
			env, db, exec, rows := tc.source(t)
			exec(`CREATE TABLE a (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL)`, `CREATE TABLE b (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL)`)
			exec(`INSERT INTO a (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')`, `INSERT INTO b (id, v) VALUES (1, 'x'), (2, 'y')`)
			dst := pgtest.NewDatabase(t)
			h.Env("old", tc.provider, env)
			h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dst)})
			cfg := h.Config(move(&database.Settings{Databases: []string{db}, TargetSchema: "moved", OnBadValue: database.PolicyFail, Parallelism: 2}))
			if _, out, err := apply(t, h, cfg); err != nil {
				t.Fatalf("apply: %v\n%s", err, out)
			}
			exec(`UPDATE a SET v = 'TWO' WHERE id = 2`, `INSERT INTO a (id, v) VALUES (4, 'four')`, `DELETE FROM a WHERE id = 1`)
			out, err := cutover(t, h, cfg)
			if err != nil {
				t.Fatalf("cutover: %v\n%s", err, out)
			}
			if !strings.Contains(out, "re-copying 1 table(s) changed at the source: a (3 rows, content changed)") ||
				strings.Contains(out, "table b copied") || strings.Contains(out, "MISMATCH") {
				t.Errorf("cutover output:\n%s", out)
			}
			for _, tb := range []string{"a", "b"} {
				got := pgtest.Query(t, dst, "SELECT string_agg(id || ':' || v, '"+agg+") FROM moved."+tb)[0]
				if want := rows(tb); got != want {
					t.Errorf("table %s at the destination = %q; the source has %q", tb, got, want)
				}
			}
		})
	}
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

// TestCutoverValidationNamesTheRow: a destination row removed behind
// rehome's back (the source unchanged, so nothing is re-copied) fails the
// cutover's validation, naming the table and the row's key.
func TestCutoverValidationNamesTheRow(t *testing.T) {
	h := harness(t, postgres.Factory())
	src := sqliteFile(t, h.Dir, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`, `INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	dst := filepath.Join(t.TempDir(), "dst.db")
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(src)})
	h.Env("new", "sqlite", map[string]cty.Value{"path": cty.StringVal(dst)})
	cfg := h.Config(move(defaults()))
	if _, out, err := apply(t, h, cfg); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	providertest.ExecSQLite(t, dst, `UPDATE t SET v = 'B' WHERE id = 2`)
	out, err := cutover(t, h, cfg)
	want := "table t: 3 rows on both sides, but their content checksums differ; sample key 2 (its values differ)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("cutover = %v; want an error saying %q\n%s", err, want, out)
	}
	if !strings.Contains(out, "no table changed at the source since the apply: nothing to re-copy") || !strings.Contains(out, "MISMATCH") {
		t.Errorf("cutover output:\n%s", out)
	}
}
