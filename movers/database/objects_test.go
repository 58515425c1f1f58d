package database_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

// destinationObjects lists the relations, extensions, enum types and
// routines of schemas app, moved and public at url.
func destinationObjects(t *testing.T, url string) string {
	t.Helper()
	return pgtest.Query(t, url, `SELECT COALESCE(string_agg(x, ',' ORDER BY x), '') FROM (
  SELECT 'rel:' || n.nspname || '.' || c.relname AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('app', 'moved', 'public')
  UNION ALL SELECT 'ext:' || extname FROM pg_extension
  UNION ALL SELECT 'type:' || typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname IN ('app', 'moved') AND t.typtype = 'e'
  UNION ALL SELECT 'proc:' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ('app', 'moved')
  UNION ALL SELECT 'schema:' || nspname FROM pg_namespace WHERE nspname IN ('app', 'moved')) s`)[0]
}

// TestPostgresObjects moves a schema with an enum type, an extension's
// type, a standalone sequence, views, a materialized view, routines and
// an audit trigger, as it is and into another schema: the plan lists what
// it creates and reports what it cannot (with its definition), the
// trigger does not fire during the copy, and rollback leaves exactly what
// was there before.
func TestPostgresObjects(t *testing.T) {
	tests := []struct {
		name, target string
		blockers     []string // kind:name of the objects not created
		created      []string // the apply's lines about them
	}{
		{"same schema", "", []string{"function:raw_len", "view:outsiders"}, []string{
			"schema objects in app at new: 1 enum type, 1 extension, 1 function, 1 sequence, all present",
			"schema objects in app at new: 2 functions, 1 materialized view, 1 trigger, 1 view, all present"}},
		{"target_schema", "moved", []string{"function:log_order", "function:raw_len", "function:total_of", "trigger:orders_audit", "view:outsiders"}, []string{
			"schema objects in moved at new: 1 enum type, 1 extension, 1 function, 1 sequence, all present",
			"schema objects in moved at new: 1 materialized view, 1 view, all present"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := harness(t, postgres.Factory())
			srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
			pgtest.Exec(t, srcURL, pgtest.ObjectsFixture)
			pgtest.Exec(t, dstURL, `CREATE EXTENSION hstore`, `CREATE TABLE public.outside (id int PRIMARY KEY)`)
			before := destinationObjects(t, dstURL)
			h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
			h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
			m := move(&database.Settings{Databases: []string{"app"}, TargetSchema: tc.target, OnBadValue: database.PolicyFail, Parallelism: 2})
			cfg := h.Config(m)
			p := h.Plan(cfg)
			tgt := "app"
			if tc.target != "" {
				tgt = tc.target
			}
			var blocked []string
			for _, f := range p.Audit {
				if f.Severity != planner.SevBlocker {
					continue
				}
				if f.Code != "database.object_not_translated" {
					t.Errorf("unexpected blocker %s: %s", f.Code, f.Message)
					continue
				}
				for _, k := range tc.blockers {
					kind, name, _ := strings.Cut(k, ":")
					if strings.HasPrefix(f.Message, kind+" app."+name+" ") {
						blocked = append(blocked, k)
					}
				}
				if !strings.Contains(f.Message, "its source definition, to port by hand:\n") {
					t.Errorf("finding without the source definition: %s", f.Message)
				}
				m.Acknowledge = append(m.Acknowledge, f.ID)
			}
			slices.Sort(blocked)
			if !slices.Equal(blocked, tc.blockers) {
				t.Errorf("blockers name %v; want %v", blocked, tc.blockers)
			}
			// Before the tables: the extension, the enum type and the
			// sequence; after the load the rest.
			types := movertest.ActionAt(t, p, `move.database.shop.types["app"]`)
			objs := movertest.ActionAt(t, p, `move.database.shop.objects["app"]`)
			var items []string
			for _, c := range append(types.Changes, objs.Changes...) {
				items = append(items, c.Op+" "+c.Item)
			}
			for _, want := range []string{"create extension citext", "create enum type " + tgt + ".mood", "create sequence " + tgt + ".invoice_no",
				"create view " + tgt + ".person_totals", "create materialized view " + tgt + ".big_spenders", "update sequence " + tgt + ".invoice_no"} {
				if !slices.Contains(items, want) {
					t.Errorf("the plan's object changes %v lack %q", items, want)
				}
			}
			tab := movertest.ActionAt(t, p, `move.database.shop.table["`+tgt+`.people"]`)
			if !slices.Contains(tab.DependsOn, types.Address) || !slices.Equal(objs.DependsOn, []string{`move.database.shop.rows["app"]`}) {
				t.Errorf("table depends on %v, objects on %v", tab.DependsOn, objs.DependsOn)
			}
			_, out, err := apply(t, h, cfg)
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, out)
			}
			for _, want := range tc.created {
				if !strings.Contains(out, want) || strings.Contains(out, "MISMATCH") {
					t.Errorf("apply output lacks %q:\n%s", want, out)
				}
			}
			// The audit table holds the source's rows: the trigger did not
			// fire during the copy.
			for _, q := range []string{
				"SELECT count(*)::text FROM %s.audit",
				"SELECT string_agg(id || ' ' || email || ' ' || mood || ' ' || total || ' ' || orders, '; ' ORDER BY id) FROM %s.person_totals",
				"SELECT string_agg(id || ' ' || total, '; ' ORDER BY id) FROM %s.big_spenders",
				"SELECT nextval('%s.invoice_no')::text",
				"SELECT (SELECT count(*) FROM %s.people WHERE email = 'ann@EXAMPLE.com')::text",
			} {
				a := pgtest.Query(t, srcURL, strings.ReplaceAll(q, "%s", "app"))
				b := pgtest.Query(t, dstURL, strings.ReplaceAll(q, "%s", tgt))
				if !slices.Equal(a, b) {
					t.Errorf("%s: source %v, destination %v", q, a, b)
				}
			}
			if got := pgtest.Query(t, dstURL, "SELECT atttypid::regtype::text FROM pg_attribute WHERE attrelid = '"+tgt+".people'::regclass AND attname = 'mood'"); got[0] != tgt+".mood" {
				t.Errorf("people.mood is of type %v; want %s.mood", got, tgt)
			}
			// A second plan has nothing left to create.
			for _, a := range h.Plan(cfg).Actions {
				if a.Action != planner.ActNoop && a.Phase == planner.PhasePrepare {
					t.Errorf("after apply, %s is %s (%s)", a.Address, a.Action, a.Reason)
				}
			}
			h.Rollback(cfg)
			if got := destinationObjects(t, dstURL); got != before {
				t.Errorf("after rollback the destination holds\n%s\nwant what was there before:\n%s", got, before)
			}
		})
	}
}

// TestPostgresObjectsAtTheDestination: an extension installed at the
// destination is used, not claimed; an object of the same name rehome did
// not create is a blocker, kept as it is when acknowledged; rollback
// leaves both.
func TestPostgresObjectsAtTheDestination(t *testing.T) {
	h := harness(t, postgres.Factory())
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, pgtest.ObjectsFixture)
	pgtest.Exec(t, dstURL, `CREATE EXTENSION citext`, `CREATE TABLE public.outside (id int PRIMARY KEY)`, `CREATE SCHEMA app`,
		`CREATE FUNCTION app.total_of(p int) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric'`)
	before := destinationObjects(t, dstURL)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	m := move(&database.Settings{Databases: []string{"app"}, OnBadValue: database.PolicyFail, Parallelism: 2})
	cfg := h.Config(m)
	p := h.Plan(cfg)
	if f := movertest.FindingByCode(t, p, "database.extension_installed"); f.Severity != planner.SevInfo || !strings.Contains(f.Message, "citext") {
		t.Errorf("finding = %+v", f)
	}
	f := movertest.FindingByCode(t, p, "database.object_exists")
	if f.Severity != planner.SevBlocker || !strings.Contains(f.Message, "function app.total_of exists at new and rehome did not create it") {
		t.Errorf("finding = %+v", f)
	}
	for _, f := range p.Audit {
		if f.Severity == planner.SevBlocker {
			m.Acknowledge = append(m.Acknowledge, f.ID)
		}
	}
	for _, c := range movertest.ActionAt(t, p, `move.database.shop.types["app"]`).Changes {
		if strings.Contains(c.Item, "citext") {
			t.Errorf("the plan creates %s, installed already", c.Item)
		}
	}
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	for _, want := range []string{"function app.total_of exists at new and rehome did not create it; kept as it is",
		"extension citext was at new already; used, and rollback keeps it"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if got := pgtest.Query(t, dstURL, "SELECT app.total_of(1)::text"); got[0] != "0" {
		t.Errorf("the destination's own total_of was replaced: it returns %v", got)
	}
	h.Rollback(cfg)
	if got := destinationObjects(t, dstURL); got != before {
		t.Errorf("after rollback the destination holds\n%s\nwant what was there before:\n%s", got, before)
	}
}

// failingObjects wraps the postgres provider: CreateObject fails once
// left counts down to zero, as a crash would leave it.
type failingObjects struct {
	*postgres.Provider
	left *atomic.Int64
}

func (f *failingObjects) CreateObject(ctx context.Context, db string, o providers.DBObject) (bool, error) {
	if f.left.Add(-1) == 0 {
		return false, errCrash
	}
	return f.Provider.CreateObject(ctx, db, o)
}

// TestPostgresObjectsResume: an apply that fails midway through the
// objects after the load resumes with the objects not yet created, and
// rollback drops every one rehome created, in either run.
func TestPostgresObjectsResume(t *testing.T) {
	left := &atomic.Int64{}
	f := postgres.Factory()
	inner := f.New
	f.New = func() providers.Provider { return &failingObjects{Provider: inner().(*postgres.Provider), left: left} }
	h := harness(t, f)
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, pgtest.ObjectsFixture)
	before := destinationObjects(t, dstURL)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	m := move(&database.Settings{Databases: []string{"app"}, OnBadValue: database.PolicyFail, Parallelism: 2})
	cfg := h.Config(m)
	for _, f := range h.Plan(cfg).Audit {
		if f.Severity == planner.SevBlocker {
			m.Acknowledge = append(m.Acknowledge, f.ID)
		}
	}
	left.Store(7) // the 4 before the tables, 2 after the load, then a failure
	if _, out, err := apply(t, h, cfg); err == nil || !strings.Contains(err.Error(), "injected crash") {
		t.Fatalf("first apply = %v; want the injected crash\n%s", err, out)
	}
	if got := pgtest.Query(t, dstURL, "SELECT count(*)::text FROM pg_views WHERE schemaname = 'app'"); got[0] != "0" {
		t.Errorf("views after the failure = %v; want none yet (the routines come first)", got)
	}
	left.Store(0)
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "schema objects in app at new: 2 functions, 1 materialized view, 1 trigger, 1 view, all present") {
		t.Errorf("second apply:\n%s", out)
	}
	if a, b := pgtest.Query(t, srcURL, "SELECT count(*)::text FROM app.audit"), pgtest.Query(t, dstURL, "SELECT count(*)::text FROM app.audit"); a[0] != b[0] {
		t.Errorf("audit rows: source %v, destination %v", a, b)
	}
	h.Rollback(cfg)
	if got := destinationObjects(t, dstURL); got != before {
		t.Errorf("after rollback the destination holds\n%s\nwant what was there before:\n%s", got, before)
	}
}

// TestPostgresObjectsCutover: after an apply created the source's
// trigger and sequence at the destination, the cutover's re-copy of a
// table with that trigger fires it for none of the copied rows (the audit
// table arrives by its own copy, equal to the source's), and the
// standalone sequence is set to where the source's has moved since.
func TestPostgresObjectsCutover(t *testing.T) {
	h := harness(t, postgres.Factory())
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, pgtest.ObjectsFixture)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	m := move(&database.Settings{Databases: []string{"app"}, OnBadValue: database.PolicyFail, Parallelism: 2})
	cfg := h.Config(m)
	for _, f := range h.Plan(cfg).Audit {
		if f.Code == "database.object_not_translated" {
			m.Acknowledge = append(m.Acknowledge, f.ID)
		}
	}
	if _, out, err := apply(t, h, cfg); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	pgtest.Exec(t, srcURL, `INSERT INTO app.orders VALUES (5, 2, 7.00)`, `UPDATE app.orders SET total = 2.00 WHERE id = 2`,
		`SELECT nextval('app.invoice_no')`, `SELECT nextval('app.invoice_no')`)
	out, err := cutover(t, h, cfg)
	if err != nil {
		t.Fatalf("cutover: %v\n%s", err, out)
	}
	if !strings.Contains(out, "orders") || strings.Contains(out, "MISMATCH") {
		t.Errorf("cutover output:\n%s", out)
	}
	for _, q := range []string{
		"SELECT string_agg(op || ' ' || order_id, '; ' ORDER BY id) FROM app.audit",
		"SELECT string_agg(id || ' ' || total, '; ' ORDER BY id) FROM app.orders",
		"SELECT last_value || ' ' || is_called FROM app.invoice_no",
	} {
		if a, b := pgtest.Query(t, srcURL, q), pgtest.Query(t, dstURL, q); !slices.Equal(a, b) {
			t.Errorf("%s: source %v, destination %v", q, a, b)
		}
	}
}
