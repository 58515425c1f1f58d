package postgres_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

// createObjects plans s's objects for schema db and creates the early
// ones (before the tables) or the rest, returning those created.
func createObjects(t *testing.T, p *postgres.Provider, db string, s providers.DBSchema, early bool) []providers.DBObject {
	t.Helper()
	create, _, err := p.PlanObjects(t.Context(), db, s)
	if err != nil {
		t.Fatal(err)
	}
	var out []providers.DBObject
	for _, o := range create {
		if o.Early != early {
			continue
		}
		created, err := p.CreateObject(t.Context(), db, o)
		if err != nil {
			t.Fatalf("create %s %s: %v", o.Kind, o.Name, err)
		}
		if created {
			out = append(out, o)
		}
	}
	return out
}

// objectsSchema loads the fixture into a database of its own and reads
// schema app.
func objectsSchema(t *testing.T) (*postgres.Provider, providers.DBSchema) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, pgtest.ObjectsFixture)
	p := configure(t, url)
	s, err := p.Schema(t.Context(), "app")
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func TestSchemaObjectsRead(t *testing.T) {
	_, s := objectsSchema(t)
	var order []string
	obj := map[string]providers.DBObject{}
	for _, o := range s.Objects {
		order = append(order, o.Kind+":"+o.Name)
		obj[o.Kind+":"+o.Name] = o
	}
	// Each object comes after what it needs.
	want := []string{"extension:citext", "enum:mood", "sequence:invoice_no", "function:log_order", "function:raw_len", "function:total_of",
		"materialized_view:big_spenders", "view:outsiders", "view:person_totals", "trigger:orders_audit"}
	for _, w := range want {
		if !slices.Contains(order, w) {
			t.Errorf("objects %v lack %s", order, w)
		}
	}
	if slices.Index(order, "view:person_totals") > slices.Index(order, "materialized_view:big_spenders") {
		t.Errorf("the materialized view comes before the view it reads: %v", order)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"mood labels", strings.Join(obj["enum:mood"].Labels, ","), "sad,ok,happy"},
		{"sequence position", fmt.Sprint(obj["sequence:invoice_no"].Value, obj["sequence:invoice_no"].Called), "1003 true"},
		{"extension elsewhere", strings.Join(obj["extension:citext"].External, ","), "public"},
		{"trigger needs", strings.Join(obj["trigger:orders_audit"].DependsOn, ","), "function:log_order,table:orders"},
		{"matview needs", strings.Join(obj["materialized_view:big_spenders"].DependsOn, ","), "view:person_totals"},
		{"view over another schema", strings.Join(obj["view:outsiders"].External, ","), "public"},
		{"language", obj["function:raw_len"].Language, "internal"},
		{"identity", obj["function:total_of"].Identity, "total_of(p integer)"},
		{"trigger function late", obj["function:log_order"].Early, false},
		{"checked function early", obj["function:positive"].Early, true},
		{"function header unqualified", strings.HasPrefix(obj["function:log_order"].Definition, "CREATE FUNCTION log_order()"), true},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v; want %v", tc.name, tc.got, tc.want)
		}
	}
	var people providers.Table
	for _, tb := range s.Tables {
		if tb.Name == "people" {
			people = tb
		}
	}
	for _, c := range people.Columns {
		switch c.Name {
		case "mood":
			if c.Type.UserType != "mood" || c.Default != "'ok'::mood" {
				t.Errorf("mood = %+v; want the schema's enum type, unqualified", c)
			}
		case "invoice":
			if c.Identity || c.Default != "nextval('invoice_no'::regclass)" {
				t.Errorf("invoice = %+v; want a default on the standalone sequence, not an identity", c)
			}
		}
	}
}

// TestObjectsGolden records the statements PlanObjects runs, and what it
// reports instead, for the fixture moved as it is and into another
// schema: testdata/objects.golden (-update rewrites it).
func TestObjectsGolden(t *testing.T) {
	p, s := objectsSchema(t)
	var b strings.Builder
	for _, target := range []string{"app", "moved"} {
		create, skipped, err := p.PlanObjects(t.Context(), target, s)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "== app into %s\n", target)
		for _, o := range create {
			stage := "after the load"
			if o.Early {
				stage = "before the tables"
			}
			fmt.Fprintf(&b, "-- %s %s (%s)\n%s;\n", o.Kind, o.Name, stage, o.Definition)
		}
		for _, sk := range skipped {
			fmt.Fprintf(&b, "-- not created: %s %s: %s\n", sk.Object.Kind, sk.Object.Name, sk.Reason)
		}
		b.WriteString("\n")
	}
	postgres.CheckGolden(t, "objects.golden", b.String())
}

// TestObjectsCreatedAfterTheLoadAndDropped moves the fixture into another
// database the way the mover does (objects the tables need, tables,
// rows, constraints, then the rest), checks that the audit trigger did
// not fire during the copy but fires afterwards, then drops what was
// created, newest first, leaving what was there before.
func TestObjectsCreatedAfterTheLoadAndDropped(t *testing.T) {
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, pgtest.ObjectsFixture)
	pgtest.Exec(t, dstURL, `CREATE EXTENSION hstore`, `CREATE TABLE public.outside (id int PRIMARY KEY)`, `CREATE SCHEMA app`,
		`CREATE TABLE app.keep (id int)`)
	src, dst := configure(t, srcURL), configure(t, dstURL)
	ctx := t.Context()
	s, err := src.Schema(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	created := createObjects(t, dst, "app", s, true)
	if err := dst.ApplySchema(ctx, "app", s, true); err != nil {
		t.Fatal(err)
	}
	for _, tb := range s.Tables {
		rs, err := src.ReadRows(ctx, "app", tb.Name, providers.KeyRange{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dst.WriteRows(ctx, "app", tb.Name, providers.KeyRange{}, rs); err != nil {
			t.Fatalf("write %s: %v", tb.Name, err)
		}
		rs.Close()
	}
	if err := dst.FinishSchema(ctx, "app", s); err != nil {
		t.Fatal(err)
	}
	created = append(created, createObjects(t, dst, "app", s, false)...)
	for _, o := range s.Objects {
		if o.Kind == "sequence" {
			if err := dst.SetSequence(ctx, "app", o); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{
		"SELECT count(*)::text FROM app.audit",
		"SELECT string_agg(id || ' ' || email || ' ' || mood || ' ' || total || ' ' || orders, '; ' ORDER BY id) FROM app.person_totals",
		"SELECT string_agg(id || ' ' || total, '; ' ORDER BY id) FROM app.big_spenders",
		"SELECT nextval('app.invoice_no')::text",
		"SELECT app.total_of(1)::text",
		"SELECT (SELECT count(*) FROM app.people WHERE email = 'ann@EXAMPLE.com')::text",
		"SELECT string_agg(indexname, ',') FROM pg_indexes WHERE schemaname = 'app' AND tablename = 'big_spenders'",
	} {
		a, b := pgtest.Query(t, srcURL, q), pgtest.Query(t, dstURL, q)
		if !slices.Equal(a, b) {
			t.Errorf("%s: source %v, destination %v", q, a, b)
		}
	}
	// The trigger fires from now on.
	pgtest.Exec(t, dstURL, "INSERT INTO app.orders VALUES (5, 2, 9.99)")
	if got := pgtest.Query(t, dstURL, "SELECT op || ' ' || order_id FROM app.audit ORDER BY id DESC LIMIT 1"); got[0] != "INSERT 5" {
		t.Errorf("last audit row = %v; want the trigger's INSERT 5", got)
	}
	var names []string
	for _, o := range created {
		names = append(names, o.Kind+":"+o.Name)
	}
	if strings.Join(names, ",") != "extension:citext,enum:mood,sequence:invoice_no,function:positive,function:log_order,function:total_of,view:person_totals,materialized_view:big_spenders,trigger:orders_audit" {
		t.Errorf("created %v", names)
	}
	// A second create of an object is ErrExists; hstore was there already.
	if _, err := dst.CreateObject(ctx, "app", created[1]); !errors.Is(err, providers.ErrExists) {
		t.Errorf("CreateObject again = %v; want ErrExists", err)
	}
	// The enum type is needed by a table: kept until the tables go.
	if err := dst.DropObject(ctx, "app", created[1]); !errors.Is(err, providers.ErrNotEmpty) {
		t.Errorf("DropObject of a type in use = %v; want ErrNotEmpty", err)
	}
	late, early := created[4:], created[:4]
	for i := len(late) - 1; i >= 0; i-- {
		if err := dst.DropObject(ctx, "app", late[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, tb := range s.Tables {
		if err := dst.DropTable(ctx, "app", tb.Name); err != nil {
			t.Fatal(err)
		}
	}
	for i := len(early) - 1; i >= 0; i-- {
		if err := dst.DropObject(ctx, "app", early[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := dst.DropObject(ctx, "app", early[0]); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("DropObject twice = %v; want ErrNotFound", err)
	}
	got := pgtest.Query(t, dstURL, `SELECT string_agg(x, ',' ORDER BY x) FROM (
  SELECT 'rel:' || n.nspname || '.' || c.relname AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('app', 'public')
  UNION ALL SELECT 'ext:' || extname FROM pg_extension
  UNION ALL SELECT 'type:' || typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'app' AND t.typtype = 'e'
  UNION ALL SELECT 'proc:' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'app') s`)
	if got[0] != "ext:hstore,ext:plpgsql,rel:app.keep,rel:public.outside,rel:public.outside_pkey" {
		t.Errorf("after dropping, the destination holds %v; want only what was there before", got)
	}
}
