package digitalocean_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/sqlite"

	_ "modernc.org/sqlite"
)

const (
	dbToken    = "do-database-token"
	dbPassword = "AVNS_s3cret-cluster-pw"
	serverAddr = `move.database.shop.server["do"]`
)

// shopSQLite is a small SQLite shop: a table referencing another.
const shopSQLite = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), total NUMERIC(10,2));
INSERT INTO customers VALUES (1, 'ann@example.com', 'Ann 😀'), (2, 'bob@example.com', NULL);
INSERT INTO orders VALUES (1, 1, 9.99), (2, 1, 19.50), (3, 2, 100);
`

// clusterFake is DigitalOcean's API (the account and the database
// clusters) whose clusters are databases of the local PostgreSQL server,
// each created for the test; a cluster's connection URI carries a
// password (trust authentication ignores it) that must never show.
type clusterFake struct {
	*dofake.Databases
	srv *httptest.Server
	mu  sync.Mutex
	dbs map[string]string // cluster name -> its database's URL
	// before, when set, sees each request first (a test's crash).
	before func(r *http.Request)
}

func newClusterFake(t *testing.T) *clusterFake {
	t.Helper()
	f := &clusterFake{Databases: dofake.NewDatabases(dbToken), dbs: map[string]string{}}
	f.Connect = func(d godo.Database) (godo.DatabaseConnection, error) { return f.local(t, d.Name), nil }
	mux := http.NewServeMux()
	mux.Handle("/v2/account", dofake.API(dbToken, "acct-uuid-1"))
	mux.Handle("/v2/databases", f)
	mux.Handle("/v2/databases/", f)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.before != nil {
			f.before(r)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// local makes a fresh local database for cluster name and returns its
// connection as the API shows it.
func (f *clusterFake) local(t *testing.T, name string) godo.DatabaseConnection {
	url := pgtest.NewDatabase(t)
	f.mu.Lock()
	f.dbs[name] = url
	f.mu.Unlock()
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	uri := strings.Replace(url, "postgres@", "postgres:"+dbPassword+"@", 1)
	return godo.DatabaseConnection{Protocol: "postgresql", URI: uri, Database: db, Host: "127.0.0.1", Port: 5432, User: "postgres",
		Password: dbPassword}
}

func (f *clusterFake) url(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dbs[name]
}

// doHarness has a SQLite source "old" and a digitalocean destination
// "do" with a database block for cluster shop-db.
func doHarness(t *testing.T, f *clusterFake, db map[string]cty.Value) (*movertest.Harness, *lang.Config) {
	t.Helper()
	h := movertest.New(t)
	h.Reg = providers.NewRegistry(h.Store.Factory(), digitalocean.Factory(), sqlite.Factory())
	path := filepath.Join(h.Dir, "shop.db")
	providertest.ExecSQLite(t, path, shopSQLite)
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(path)})
	if db == nil {
		db = map[string]cty.Value{"name": cty.StringVal("shop-db"), "version": cty.StringVal("15"), "size": cty.StringVal("db-s-1vcpu-1gb")}
	}
	h.Env("do", "digitalocean", map[string]cty.Value{"token": cty.StringVal(dbToken), "region": cty.StringVal("fra1"),
		"endpoint": cty.StringVal(f.srv.URL), "spaces": cty.ObjectVal(map[string]cty.Value{"endpoint": cty.StringVal("http://127.0.0.1:1")}),
		"database": cty.ObjectVal(db)})
	m := &lang.Move{Kind: providers.KindDatabase, Name: "shop", From: "old", To: "do",
		Settings: &database.Settings{OnBadValue: database.PolicyFail, Parallelism: 2}}
	return h, h.Config(m)
}

// noSecret fails when the cluster's password is in text or in any file of
// the harness's folder (state, journal, progress).
func noSecret(t *testing.T, h *movertest.Harness, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, dbPassword) {
			t.Errorf("the cluster's password is shown:\n%s", s)
		}
	}
	_ = filepath.WalkDir(h.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), dbPassword) {
			t.Errorf("the cluster's password is stored in %s", path)
		}
		return nil
	})
}

func planJSON(t *testing.T, p *planner.Plan) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tables(t *testing.T, url string) string {
	t.Helper()
	return strings.Join(pgtest.Query(t, url, "SELECT COALESCE(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public'"), "")
}

// TestDatabaseCluster moves a SQLite database into a cluster rehome
// creates: the plan shows the create first, apply creates it, waits until
// it is online, copies and validates; a second plan is empty; rollback
// drops the tables and deletes the cluster.
func TestDatabaseCluster(t *testing.T) {
	f := newClusterFake(t)
	f.OnlineAfter = 2
	h, cfg := doHarness(t, f, nil)
	p := h.Plan(cfg)
	for _, fd := range p.Audit {
		if fd.Severity == planner.SevBlocker {
			t.Errorf("blocker %s: %s", fd.Code, fd.Message)
		}
	}
	if p.Actions[0].Address != serverAddr {
		t.Fatalf("first action %s; want the cluster's create", p.Actions[0].Address)
	}
	a := p.Actions[0]
	opts := map[string]string{}
	for _, o := range a.Options {
		opts[o.Name] = o.Value
	}
	if a.Action != planner.ActCreate || opts["cluster"] != "pg 15, db-s-1vcpu-1gb × 1 node, fra1" || !strings.HasPrefix(opts["price"], "15.00 USD a month (1 node × 15.00") {
		t.Errorf("cluster action %s, options %v", a.Action, opts)
	}
	// The cost section prices the moved database at the cluster's size.
	var priced bool
	for _, it := range p.Cost.Items {
		if it.Side == "destination" && it.Env == "do" && it.Type == providers.TypeDatabase {
			priced = true
			if it.Monthly != 15 || !strings.Contains(it.Resource, "db-s-1vcpu-1gb (the cluster the configuration creates)") {
				t.Errorf("the database's destination cost is %v (%s, %s); want 15 for the configured cluster", it.Monthly, it.Resource, it.Basis)
			}
		}
	}
	if !priced || p.Cost.DestTotal != 15 {
		t.Errorf("cost items %+v, destination total %v; want the cluster's 15", p.Cost.Items, p.Cost.DestTotal)
	}
	schema := movertest.ActionAt(t, p, `move.database.shop.database["public"]`)
	if len(schema.DependsOn) != 1 || schema.DependsOn[0] != serverAddr {
		t.Errorf("the schema depends on %v; want the cluster", schema.DependsOn)
	}
	if f.Creates() != 0 {
		t.Fatal("the plan created a cluster")
	}
	out, err := h.ApplyLog(cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	for _, want := range []string{`database cluster "shop-db" requested`, `database cluster "shop-db": creating`, `database cluster "shop-db": online`, "validation"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	cs := f.Clusters()
	if f.Creates() != 1 || len(cs) != 1 || cs[0].Status != "online" || cs[0].EngineSlug != "pg" || cs[0].VersionSlug != "15" ||
		cs[0].SizeSlug != "db-s-1vcpu-1gb" || cs[0].RegionSlug != "fra1" || cs[0].NumNodes != 1 {
		t.Fatalf("clusters after apply: %+v (%d creates)", cs, f.Creates())
	}
	url := f.url("shop-db")
	if got := pgtest.Query(t, url, "SELECT string_agg(email || ':' || COALESCE(name, '-'), ',' ORDER BY id) FROM public.customers"); got[0] != "ann@example.com:Ann 😀,bob@example.com:-" {
		t.Errorf("customers at the cluster: %v", got)
	}
	if got := pgtest.Query(t, url, "SELECT sum(total)::text FROM public.orders"); got[0] != "129.49" {
		t.Errorf("orders total at the cluster: %v", got)
	}
	p2 := h.Plan(cfg)
	if p2.HasChanges() {
		t.Errorf("after apply, the plan still changes: %+v", movertest.Actions(p2))
	}
	noSecret(t, h, planJSON(t, p), planJSON(t, p2), out)
	h.Rollback(cfg)
	if cs := f.Clusters(); len(cs) != 0 {
		t.Errorf("clusters after rollback: %+v", cs)
	}
}

// TestDatabaseClusterExisting uses a cluster that was there before: it is
// never deleted, only the tables rehome made are dropped.
func TestDatabaseClusterExisting(t *testing.T) {
	f := newClusterFake(t)
	conn := f.local(t, "shop-db")
	f.Add(godo.Database{ID: "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", Name: "shop-db", EngineSlug: "pg", VersionSlug: "16",
		SizeSlug: "db-s-2vcpu-4gb", RegionSlug: "fra1", NumNodes: 2, Status: "online", Connection: &conn, DBNames: []string{conn.Database}})
	pgtest.Exec(t, f.url("shop-db"), "CREATE TABLE public.keep (id int PRIMARY KEY)")
	h, cfg := doHarness(t, f, nil)
	p := h.Plan(cfg)
	a := movertest.ActionAt(t, p, serverAddr)
	if a.Action != planner.ActNoop || !strings.Contains(a.Undo, "never deleted") {
		t.Errorf("existing cluster: %s, undo %q", a.Action, a.Undo)
	}
	movertest.FindingByCode(t, p, "database.server_exists")
	if out, err := h.ApplyLog(cfg); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if got := tables(t, f.url("shop-db")); got != "customers,keep,orders" {
		t.Errorf("tables after apply: %s", got)
	}
	h.Rollback(cfg)
	if got := tables(t, f.url("shop-db")); got != "keep" {
		t.Errorf("tables after rollback: %s; want keep only", got)
	}
	if f.Creates() != 0 || len(f.Clusters()) != 1 {
		t.Errorf("rollback deleted or apply created a cluster: %d creates, %v", f.Creates(), f.Clusters())
	}
}

// TestDatabaseClusterOtherEngine: a cluster of the name running another
// engine is a blocker, and nothing is planned into it.
func TestDatabaseClusterOtherEngine(t *testing.T) {
	f := newClusterFake(t)
	f.Add(godo.Database{ID: "c5ad5c6e-0f8a-4f4b-9e2a-8b1c9b8e0c11", Name: "shop-db", EngineSlug: "mysql", VersionSlug: "8",
		SizeSlug: "db-s-1vcpu-1gb", RegionSlug: "fra1", NumNodes: 1, Status: "online"})
	h, cfg := doHarness(t, f, nil)
	p := h.Plan(cfg)
	fd := movertest.FindingByCode(t, p, "database.server_unusable")
	if fd.Severity != planner.SevBlocker || !strings.Contains(fd.Message, `runs engine "mysql"`) {
		t.Errorf("finding %+v", fd)
	}
	if len(p.Actions) != 0 {
		t.Errorf("actions planned into a mysql cluster: %v", movertest.Actions(p))
	}
}

// TestDatabaseNoBlock: a digitalocean environment without a database
// block is no database destination: a blocker saying what to add.
func TestDatabaseNoBlock(t *testing.T) {
	f := newClusterFake(t)
	h, cfg := doHarness(t, f, nil)
	h.Env("do", "digitalocean", map[string]cty.Value{"token": cty.StringVal(dbToken), "region": cty.StringVal("fra1"),
		"endpoint": cty.StringVal(f.srv.URL)})
	p := h.Plan(cfg)
	fd := movertest.FindingByCode(t, p, "database.server_unusable")
	if fd.Severity != planner.SevBlocker || !strings.Contains(fd.Message, "no database block") || len(p.Actions) != 0 {
		t.Errorf("finding %+v, actions %v", fd, movertest.Actions(p))
	}
}

// TestDatabaseClusterResume: an apply interrupted while it waits for the
// new cluster leaves it recorded as rehome's; the next apply finds it by
// name and waits again instead of creating a second one, and rollback
// deletes it.
func TestDatabaseClusterResume(t *testing.T) {
	f := newClusterFake(t)
	f.OnlineAfter = 6
	f.Add(godo.Database{ID: "0d1f0b3a-6c55-4a35-8f0e-1c1c8c8b9f01", Name: "other-db", EngineSlug: "pg", VersionSlug: "15",
		SizeSlug: "db-s-1vcpu-1gb", RegionSlug: "fra1", NumNodes: 1, Status: "online"})
	h, cfg := doHarness(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	f.before = func(r *http.Request) {
		if r.Method == http.MethodGet && strings.Count(r.URL.Path, "/") == 3 { // GET /v2/databases/{id}: the wait
			once.Do(cancel)
		}
	}
	h.Ctx = ctx
	if out, err := h.ApplyLog(cfg); err == nil {
		t.Fatalf("the interrupted apply succeeded:\n%s", out)
	}
	h.Ctx = context.Background()
	p := h.Plan(cfg)
	a := movertest.ActionAt(t, p, serverAddr)
	if a.Action != planner.ActCreate || !strings.Contains(a.Reason, "interrupted apply") {
		t.Errorf("after the interruption, the cluster is %s (%s)", a.Action, a.Reason)
	}
	out, err := h.ApplyLog(cfg)
	if err != nil {
		t.Fatalf("resumed apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "which an interrupted apply created") {
		t.Errorf("resumed apply output:\n%s", out)
	}
	if f.Creates() != 1 || len(f.Clusters()) != 2 {
		t.Fatalf("%d creates, clusters %v; want one created", f.Creates(), f.Clusters())
	}
	if got := tables(t, f.url("shop-db")); got != "customers,orders" {
		t.Errorf("tables after the resumed apply: %s", got)
	}
	h.Rollback(cfg)
	if cs := f.Clusters(); len(cs) != 1 || cs[0].Name != "other-db" {
		t.Errorf("clusters after rollback: %+v; want other-db only", cs)
	}
}

// TestDatabaseClusterRollbackAfterInterrupt: a cluster whose wait was cut
// short is still rehome's: rollback without a resumed apply deletes it.
func TestDatabaseClusterRollbackAfterInterrupt(t *testing.T) {
	f := newClusterFake(t)
	f.OnlineAfter = 100
	h, cfg := doHarness(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	f.before = func(r *http.Request) {
		if r.Method == http.MethodGet && strings.Count(r.URL.Path, "/") == 3 {
			cancel()
		}
	}
	h.Ctx = ctx
	if _, err := h.ApplyLog(cfg); err == nil {
		t.Fatal("the interrupted apply succeeded")
	}
	f.before, h.Ctx = nil, context.Background()
	if len(f.Clusters()) != 1 {
		t.Fatalf("clusters %v; want the one created", f.Clusters())
	}
	h.Rollback(cfg)
	if cs := f.Clusters(); len(cs) != 0 {
		t.Errorf("clusters after rollback: %+v", cs)
	}
}

// TestDatabaseServerCalls drives the DatabaseServer calls one by one: a
// second create of the name is ErrExists, the wait reports each status
// and creates the configured database, a delete checks the name, and a
// wrong token fails without showing it.
func TestDatabaseServerCalls(t *testing.T) {
	f := newClusterFake(t)
	f.OnlineAfter = 2 // the second create's look-up reads it once
	f.Connect = nil   // a made-up connection: nothing connects here
	configureDB := func(token string) providers.DatabaseServer {
		p := digitalocean.Factory().New()
		err := p.Configure(context.Background(), providers.Config{Env: "do", Value: cty.ObjectVal(map[string]cty.Value{
			"token": cty.StringVal(token), "region": cty.StringVal("ams3"), "endpoint": cty.StringVal(f.srv.URL),
			"database": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("orders-db"), "size": cty.StringVal("db-s-2vcpu-4gb"),
				"nodes": cty.NumberIntVal(2), "database": cty.StringVal("orders")})})})
		if err != nil {
			t.Fatal(err)
		}
		return p.(providers.DatabaseServer)
	}
	ctx := context.Background()
	srv := configureDB(dbToken)
	info, err := srv.Server(ctx)
	if err != nil || info.Exists || info.Spec != "pg 17, db-s-2vcpu-4gb × 2 nodes, ams3" ||
		info.Class != "db-s-2vcpu-4gb" || info.Nodes != 2 || info.Region != "ams3" {
		t.Fatalf("server before the create: %+v %v", info, err)
	}
	id, err := srv.CreateServer(ctx)
	if err != nil || id == "" {
		t.Fatalf("create: %q %v", id, err)
	}
	if again, err := srv.CreateServer(ctx); !errors.Is(err, providers.ErrExists) || again != id {
		t.Errorf("second create: %q %v; want ErrExists with the id", again, err)
	}
	var seen []string
	if err := srv.WaitServer(ctx, id, func(s string) { seen = append(seen, s) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "creating,online" {
		t.Errorf("statuses %v", seen)
	}
	if cs := f.Clusters(); len(cs) != 1 || !slices.Contains(cs[0].DBNames, "orders") || cs[0].NumNodes != 2 || cs[0].RegionSlug != "ams3" {
		t.Errorf("cluster after the wait: %+v", cs)
	}
	if info, err := srv.Server(ctx); err != nil || !info.Ready || info.ID != id || info.Problem != "" {
		t.Errorf("server after the wait: %+v %v", info, err)
	}
	if err := srv.DeleteServer(ctx, "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("delete of a missing cluster: %v; want ErrNotFound", err)
	}
	if err := srv.DeleteServer(ctx, id); err != nil || len(f.Clusters()) != 0 {
		t.Errorf("delete: %v, clusters %v", err, f.Clusters())
	}
	_, err = configureDB("wrong-token").Server(ctx)
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("wrong token: %v", err)
	}
}

// TestDatabaseClusterFromPostgres moves a PostgreSQL database into a
// cluster rehome creates: its rows are passed into the cluster's database
// without being built (postgres.Destination), and validated by the
// cluster's own sum of them (NativeSum).
func TestDatabaseClusterFromPostgres(t *testing.T) {
	f := newClusterFake(t)
	h, cfg := doHarness(t, f, nil)
	h.Reg = providers.NewRegistry(h.Store.Factory(), digitalocean.Factory(), sqlite.Factory(), postgres.Factory())
	src := pgtest.NewDatabase(t)
	pgtest.Exec(t, src, `CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, note text)`,
		`INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', 'event ' || g FROM generate_series(1, 3000) g`)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(src)})
	cfg = h.Config(cfg.Moves[0])
	out, err := h.ApplyLog(cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^\s+events\s+3000\s+3000\s+[0-9a-f]+\s+ok \(destination hashed on its server\)$`).MatchString(out) {
		t.Errorf("the validation table lacks events ok, hashed by the cluster:\n%s", out)
	}
	q := "SELECT count(*)::text || ' ' || md5(string_agg(e::text, ',' ORDER BY id)) FROM public.events e"
	if a, b := pgtest.Query(t, src, q), pgtest.Query(t, f.url("shop-db"), q); a[0] != b[0] {
		t.Errorf("events at the cluster %v; at the source %v", b, a)
	}
	noSecret(t, h, out)
}

// The cluster's price in the plan comes from the catalog the cost section
// uses: a price override in .rehome/prices.json changes both.
func TestDatabaseClusterPriceFollowsOverrides(t *testing.T) {
	f := newClusterFake(t)
	h, cfg := doHarness(t, f, nil)
	if err := os.MkdirAll(filepath.Join(h.Dir, ".rehome"), 0o755); err != nil {
		t.Fatal(err)
	}
	override := `{"version": 1, "groups": [{"provider": "digitalocean", "service": "database", "region": "*", "currency": "USD",
  "source_url": "https://www.digitalocean.com/pricing/managed-databases", "read": "2026-12-04", "unit": "month",
  "prices": [{"sku": "db-s-1vcpu-1gb", "price": 17.5}]}]}`
	if err := os.WriteFile(filepath.Join(h.Dir, ".rehome", "prices.json"), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	p := h.Plan(cfg)
	var price string
	for _, o := range p.Actions[0].Options {
		if o.Name == "price" {
			price = o.Value
		}
	}
	if price != "17.50 USD a month (1 node × 17.50, list price read 2026-12-04)" {
		t.Errorf("the cluster's price = %q; want the override's", price)
	}
	if p.Cost.DestTotal != 17.5 {
		t.Errorf("the cost section's destination total = %v; want the override's 17.5", p.Cost.DestTotal)
	}
}

// TestDatabaseClusterCreateAnswerLost: the apply dies after DigitalOcean
// made the cluster but before its answer was recorded. The request was
// recorded first, and the cluster is younger than it, so it is rehome's:
// a resumed apply uses it (no second create) and rollback deletes it.
func TestDatabaseClusterCreateAnswerLost(t *testing.T) {
	for _, resume := range []bool{true, false} {
		t.Run(map[bool]string{true: "resume", false: "rollback"}[resume], func(t *testing.T) {
			f := newClusterFake(t)
			h, cfg := doHarness(t, f, nil)
			ctx, cancel := context.WithCancel(context.Background())
			f.before = func(r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/v2/databases" {
					cancel() // the answer is lost; the fake makes the cluster all the same
				}
			}
			h.Ctx = ctx
			if out, err := h.ApplyLog(cfg); err == nil {
				t.Fatalf("the interrupted apply succeeded:\n%s", out)
			}
			f.before, h.Ctx = nil, context.Background()
			if len(f.Clusters()) != 1 {
				t.Fatalf("clusters %v; want the one made", f.Clusters())
			}
			if resume {
				out, err := h.ApplyLog(cfg)
				if err != nil || f.Creates() != 1 || len(f.Clusters()) != 1 {
					t.Fatalf("resumed apply (%d creates, clusters %v): %v\n%s", f.Creates(), f.Clusters(), err, out)
				}
				if got := tables(t, f.url("shop-db")); got != "customers,orders" {
					t.Errorf("tables after the resumed apply: %s", got)
				}
			}
			h.Rollback(cfg)
			if cs := f.Clusters(); len(cs) != 0 {
				t.Errorf("clusters after rollback: %+v; want none", cs)
			}
		})
	}
}
