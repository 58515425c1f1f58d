package database_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/sqlite"

	_ "modernc.org/sqlite"
)

// sqliteFixture has every type of the translation table, NULLs, unicode
// and big values, in a shop schema with a composite key, a self
// reference and a table without a primary key.
const sqliteFixture = `
CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email VARCHAR(100) NOT NULL UNIQUE, name TEXT, vip BOOLEAN NOT NULL DEFAULT 0,
  born DATE, created DATETIME DEFAULT CURRENT_TIMESTAMP, wakes TIME, balance DECIMAL(12,2), score REAL, photo BLOB,
  prefs JSON, token UUID, extra);
CREATE TABLE products (sku TEXT PRIMARY KEY, title TEXT NOT NULL, price NUMERIC(10,2) NOT NULL) WITHOUT ROWID;
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), parent_id INTEGER REFERENCES orders(id),
  day DATE, note TEXT);
CREATE TABLE order_items (order_id INTEGER NOT NULL REFERENCES orders(id), sku TEXT NOT NULL REFERENCES products(sku), qty INTEGER NOT NULL CHECK (qty > 0),
  PRIMARY KEY (order_id, sku), CONSTRAINT few CHECK (qty < 1000));
CREATE TABLE events (at DATETIME, what TEXT);
CREATE INDEX orders_day ON orders(day);
INSERT INTO customers (id, email, name, vip, born, created, wakes, balance, score, photo, prefs, token, extra) VALUES
  (1, 'ann@example.com', 'Ann 😀 Ünïcode ✓', 1, '1980-02-29', '2024-01-02 03:04:05', '07:30:00', 1234567890.25, 1.5, x'00ff7f', '{"b":[1,2],"a":null}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 42),
  (2, 'bob@example.com', NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 'cy@example.com', 'tab	newline
backslash \ quote '' end', 1, '2000-01-01', '2024-06-30T23:59:59.999999Z', '23:59:59.5', -0.01, -1e300, zeroblob(300000), '[]', NULL, 'text');
INSERT INTO products VALUES ('p1', 'Mug', 9.99), ('p2', 'Tee ☕', 19.5), ('p3', 'Big', 100000000.01);
INSERT INTO orders (id, customer_id, parent_id, day, note) VALUES (1, 1, NULL, '2024-02-29', NULL), (2, 1, 1, '2024-03-01', 'refill'), (3, 3, NULL, NULL, 'gift');
INSERT INTO order_items VALUES (1, 'p1', 2), (1, 'p2', 1), (2, 'p1', 1), (3, 'p3', 1);
INSERT INTO events VALUES ('2024-01-01 00:00:00', 'open'), ('2024-01-01 00:00:00', 'open');
`

func sqliteFile(t *testing.T, dir string, sqls ...string) string {
	t.Helper()
	path := filepath.Join(dir, "shop.db")
	providertest.ExecSQLite(t, path, sqls...)
	return path
}

// harness returns a harness whose registry knows postgres and sqlite
// (with the given postgres factory, to wrap it).
func harness(t *testing.T, pg providers.Factory) *movertest.Harness {
	t.Helper()
	h := movertest.New(t)
	h.Reg = providers.NewRegistry(h.Store.Factory(), pg, sqlite.Factory())
	return h
}

// sink collects the messages of a run.
type sink struct {
	mu  sync.Mutex
	msg []string
}

func (s *sink) Event(e exec.Event) {
	if e.Type == exec.EvMessage {
		s.mu.Lock()
		s.msg = append(s.msg, e.Message)
		s.mu.Unlock()
	}
}

func (s *sink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.msg, "\n")
}

func move(s *database.Settings) *lang.Move {
	return &lang.Move{Kind: providers.KindDatabase, Name: "shop", From: "old", To: "new", Settings: s}
}

func defaults() *database.Settings {
	return &database.Settings{OnBadValue: database.PolicyFail, Parallelism: 3}
}

func apply(t *testing.T, h *movertest.Harness, cfg *lang.Config) (*planner.Plan, string, error) {
	t.Helper()
	r := h.Runner()
	s := &sink{}
	r.Options.Sink = s
	sess := r.Open(t, cfg, "apply")
	defer sess.Close()
	p, err := sess.Plan(r.Ctx, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	rep, err := sess.Apply(r.Ctx, p, r.Options)
	if err == nil {
		err = rep.Err()
	}
	return p, s.text(), err
}

func TestSQLiteToPostgres(t *testing.T) {
	h := harness(t, postgres.Factory())
	url := pgtest.NewDatabase(t)
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, sqliteFixture))})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	cfg := h.Config(move(defaults()))
	p := h.Plan(cfg)
	// The translation is on each table's create.
	a := movertest.ActionAt(t, p, `move.database.shop.table["public.customers"]`)
	opts := map[string]string{}
	for _, o := range a.Options {
		opts[o.Name] = o.Value
	}
	for col, want := range map[string]string{"id": "INTEGER → bigint", "vip": "BOOLEAN → boolean", "balance": "DECIMAL(12,2) → numeric",
		"born": "DATE → date", "created": "DATETIME → timestamp", "photo": "BLOB → bytea", "prefs": "JSON → jsonb", "token": "UUID → uuid",
		"extra": "(no declared type) → text", "score": "REAL → double precision", "wakes": "TIME → time"} {
		if !strings.HasPrefix(opts[col], want) {
			t.Errorf("translation of %s = %q; want %q", col, opts[col], want)
		}
	}
	codes := map[string]bool{}
	for _, f := range p.Audit {
		codes[f.Code] = true
		if f.Severity == planner.SevBlocker {
			t.Errorf("unexpected blocker %s: %s", f.Code, f.Message)
		}
	}
	for _, c := range []string{"database.lossy_type", "database.no_primary_key"} {
		if !codes[c] {
			t.Errorf("plan lacks a %s finding", c)
		}
	}
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	for _, want := range []string{"validation", "customers", "order_items", "data quality", "table customers copied: 3 rows in ",
		"integrity in public at new: 4 foreign keys hold, "} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "MISMATCH") || strings.Contains(out, "FAILED") {
		t.Errorf("validation failed:\n%s", out)
	}
	// Values arrived as they were.
	checks := map[string]string{
		"SELECT name FROM public.customers WHERE id = 1":                        "Ann 😀 Ünïcode ✓",
		"SELECT length(photo)::text FROM public.customers WHERE id = 3":         "300000",
		"SELECT prefs::text FROM public.customers WHERE id = 1":                 `{"a": null, "b": [1, 2]}`,
		"SELECT balance::text FROM public.customers WHERE id = 1":               "1234567890.25",
		"SELECT created::text FROM public.customers WHERE id = 3":               "2024-06-30 23:59:59.999999",
		"SELECT count(*)::text FROM public.events":                              "2",
		"SELECT extra FROM public.customers WHERE id = 1":                       "42",
		"SELECT COALESCE(name, '<null>') FROM public.customers WHERE id = 2":    "<null>",
		"SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f')::text": "4",
		"SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' ORDER BY conname) FROM pg_constraint WHERE contype = 'c' AND conrelid = 'public.order_items'::regclass": "order_items_check1 CHECK ((qty > 0)); order_items_few CHECK ((qty < 1000))",
	}
	for q, want := range checks {
		if got := pgtest.Query(t, url, q); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q; want %q", q, got, want)
		}
	}
	if got := pgtest.Query(t, url, "INSERT INTO public.customers (email) VALUES ('new@example.com') RETURNING id::text"); got[0] != "4" {
		t.Errorf("next customer id = %v; want 4", got)
	}
	// A second plan has nothing left to prepare.
	p2 := h.Plan(cfg)
	for _, a := range p2.Actions {
		if a.Action != planner.ActNoop && a.Phase == planner.PhasePrepare {
			t.Errorf("after apply, %s is %s (%s)", a.Address, a.Action, a.Reason)
		}
	}
}

func TestPostgresToPostgres(t *testing.T) {
	h := harness(t, postgres.Factory())
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE SCHEMA shop`, `
CREATE TABLE shop.customers (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name text,
  vip boolean, small smallint, n integer, price numeric(12,2), ratio real, big double precision, day date, at time, stamp timestamp,
  stampz timestamptz, doc jsonb, token uuid, raw bytea, code char(3), label varchar(20), addr inet, tags text[])`,
		`INSERT INTO shop.customers (email, name, vip, small, n, price, ratio, big, day, at, stamp, stampz, doc, token, raw, code, label, addr, tags)
  VALUES ('a@x', 'Ann 😀', true, -32768, 2147483647, 9999999999.99, 0.5, 1e308, '0001-01-01', '24:00:00', '2024-02-29 12:00:00.000001',
  '2024-02-29 12:00:00+05:30', '{"k": "v"}', gen_random_uuid(), repeat('x', 100000)::bytea, 'ab', 'label', '::1', '{a,b}'),
  ('b@x', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO shop.customers (email) SELECT 'c' || g || '@x' FROM generate_series(1, 2500) g`,
		`CREATE TABLE shop.orders (id serial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES shop.customers(id), total numeric CHECK (total > 0))`,
		`INSERT INTO shop.orders (customer_id, total) SELECT 1 + g % 100, g FROM generate_series(1, 3000) g`,
		// Only built-in scalar types: its rows are passed through
		// (RangeCopier), in chunks and key ranges.
		`CREATE TABLE shop.events (id bigint PRIMARY KEY, at timestamptz, note text, n int)`,
		`INSERT INTO shop.events SELECT g, timestamptz '2024-01-01' + g * interval '1 second', 'event ' || g, NULLIF(g % 5, 0) FROM generate_series(1, 2500) g`,
		`ANALYZE shop.events`)
	defer database.SetChunkRows(400)()
	defer database.SetSplitRows(1000)()
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	cfg := h.Config(move(&database.Settings{Databases: []string{"shop"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	// Its rows pass through: into PostgreSQL 15 or older, as one stream.
	if v, _ := strconv.Atoi(pgtest.Query(t, dstURL, "SHOW server_version_num")[0]); v < 160000 {
		if !strings.Contains(out, "table events is copied as one stream, not in key ranges at once: its rows pass through unchanged into PostgreSQL 1") {
			t.Errorf("events was not copied as one stream, or without saying why:\n%s", out)
		}
	} else if !strings.Contains(out, "table events copied in 2 key ranges at once: 2500 rows") {
		t.Errorf("events was not copied in 2 key ranges:\n%s", out)
	}
	for _, q := range []string{"SELECT count(*)::text FROM shop.customers", "SELECT count(*)::text FROM shop.orders",
		"SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM shop.events e",
		"SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM shop.customers c", "SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM shop.orders o"} {
		a, b := pgtest.Query(t, srcURL, q), pgtest.Query(t, dstURL, q)
		if !slices.Equal(a, b) {
			t.Errorf("%s: source %v, destination %v", q, a, b)
		}
	}
	// events and orders, passed through, are summed by the destination on
	// its server; customers (bytea, inet, arrays: no native sum) is read
	// back.
	for _, want := range []string{`(?m)^\s+events\s+2500\s+2500\s+[0-9a-f]+\s+ok \(destination hashed on its server\)$`,
		`(?m)^\s+orders\s+3000\s+3000\s+[0-9a-f]+\s+ok \(destination hashed on its server\)$`,
		`(?m)^\s+customers\s+2502\s+2502\s+[0-9a-f]+\s+ok$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the validation table lacks %s:\n%s", want, out)
		}
	}
	if got := pgtest.Query(t, dstURL, "INSERT INTO shop.orders (customer_id, total) VALUES (1, 1) RETURNING id::text"); got[0] != "3001" {
		t.Errorf("next order id = %v; want 3001", got)
	}
}

// crashing wraps the postgres provider: WriteRows fails, as a killed
// process would leave it, once the countdown reaches zero.
type crashing struct {
	*postgres.Provider
	left   *atomic.Int64
	writes *atomic.Int64
}

var errCrash = errors.New("injected crash")

// crashAfterCommit makes the crashing write commit its rows first, as a
// process killed after the commit but before it recorded the range does.
var crashAfterCommit atomic.Bool

func (c *crashing) WriteRows(ctx context.Context, db, table string, r providers.KeyRange, rows providers.RowStream) (int64, error) {
	c.writes.Add(1)
	if c.left.Add(-1) == 0 {
		if crashAfterCommit.Load() {
			if _, err := c.Provider.WriteRows(ctx, db, table, r, rows); err != nil {
				return 0, err
			}
		}
		return 0, errCrash
	}
	return c.Provider.WriteRows(ctx, db, table, r, rows)
}

// crashingHarness is a harness whose postgres environments crash a write
// once left counts down to zero; writes counts them.
func crashingHarness(t *testing.T) (*movertest.Harness, *atomic.Int64, *atomic.Int64) {
	t.Helper()
	left, writes := &atomic.Int64{}, &atomic.Int64{}
	f := postgres.Factory()
	inner := f.New
	f.New = func() providers.Provider {
		return &crashing{Provider: inner().(*postgres.Provider), left: left, writes: writes}
	}
	return harness(t, f), left, writes
}

// rowsIntoPostgres configures h's move of a SQLite table t of n rows (id
// 1..n, v 'row <id>') into a fresh PostgreSQL database, whose URL it
// returns.
func rowsIntoPostgres(t *testing.T, h *movertest.Harness, n int) (string, *lang.Config) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	var rows []string
	for i := range n {
		rows = append(rows, "("+itoa(i+1)+", 'row "+itoa(i+1)+"')")
	}
	path := sqliteFile(t, h.Dir, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`, "INSERT INTO t VALUES "+strings.Join(rows, ", "))
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(path)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	return url, h.Config(move(defaults()))
}

func TestResumeAfterCrash(t *testing.T) {
	defer database.SetChunkRows(100)()
	h, left, writes := crashingHarness(t)
	url, cfg := rowsIntoPostgres(t, h, 2500)
	left.Store(8) // 7 ranges land, the 8th fails
	if _, _, err := apply(t, h, cfg); !errors.Is(err, errCrash) && (err == nil || !strings.Contains(err.Error(), "injected crash")) {
		t.Fatalf("first apply = %v; want the injected crash", err)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM public.t"); got[0] != "700" {
		t.Fatalf("after the crash the destination holds %v rows; want 700", got)
	}
	writes.Store(0)
	left.Store(0)
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "resumed at the first unfinished key range: t after 700 rows") {
		t.Errorf("second apply does not say it resumed:\n%s", out)
	}
	if n := writes.Load(); n != 19 {
		t.Errorf("second apply wrote %d ranges; want 19 (the 1,800 rows left, then the open last range)", n)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text || ' ' || count(DISTINCT id)::text || ' ' || sum(id)::text FROM public.t"); got[0] != "2500 2500 3126250" {
		t.Errorf("destination rows = %v; want exactly the source's", got)
	}
}

// A range committed at the destination but not recorded (the process
// died in between) is replaced by the resumed run, not appended again:
// the destination's primary key is only built after the load, so nothing
// else would stop the rows landing twice.
func TestResumeAfterCrashPastCommit(t *testing.T) {
	defer database.SetChunkRows(100)()
	crashAfterCommit.Store(true)
	defer crashAfterCommit.Store(false)
	h, left, _ := crashingHarness(t)
	url, cfg := rowsIntoPostgres(t, h, 1000)
	left.Store(4) // 3 ranges land and are recorded, the 4th lands only
	if _, _, err := apply(t, h, cfg); err == nil || !strings.Contains(err.Error(), "injected crash") {
		t.Fatalf("first apply = %v; want the injected crash", err)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM public.t"); got[0] != "400" {
		t.Fatalf("after the crash the destination holds %v rows; want 400", got)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM pg_constraint WHERE conrelid = 'public.t'::regclass AND contype = 'p'"); got[0] != "0" {
		t.Errorf("the primary key is there during the load (%v): the load maintains an index", got)
	}
	left.Store(0)
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "resumed at the first unfinished key range: t after 300 rows") {
		t.Errorf("second apply does not say it resumed after the 300 recorded rows:\n%s", out)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text || ' ' || count(DISTINCT id)::text || ' ' || sum(id)::text FROM public.t"); got[0] != "1000 1000 500500" {
		t.Errorf("destination rows = %v; want exactly the source's", got)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM pg_constraint WHERE conrelid = 'public.t'::regclass AND contype = 'p'"); got[0] != "1" {
		t.Errorf("the primary key is missing after the apply (%v)", got)
	}
}

// fingerprinting counts the tables PostgreSQL fingerprints itself.
type fingerprinting struct {
	*postgres.Provider
	calls *atomic.Int64
}

func (f *fingerprinting) FingerprintColumns(ctx context.Context, db, table string, r providers.KeyRange, cols []string, types []providers.ColumnType) (providers.Fingerprint, error) {
	f.calls.Add(1)
	return f.Provider.FingerprintColumns(ctx, db, table, r, cols, types)
}

// The validation's source side is the rows the copy read, fingerprinted
// as they passed: after the copy only the destination is read again, and
// a destination that differs from what was read still fails it.
func TestValidationReadsOnlyTheDestination(t *testing.T) {
	calls := &atomic.Int64{}
	f := postgres.Factory()
	inner := f.New
	f.New = func() providers.Provider {
		return &fingerprinting{Provider: inner().(*postgres.Provider), calls: calls}
	}
	h := harness(t, f)
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE TABLE a (id int PRIMARY KEY, v text)`, `INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 3000) g`,
		`CREATE TABLE b (v text)`, `INSERT INTO b VALUES ('x'), ('x'), (NULL)`, `ANALYZE a`)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	defer database.SetChunkRows(1000)()
	defer database.SetSplitRows(100)()
	cfg := h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "table a copied in 2 key ranges at once") {
		t.Errorf("table a was not copied in 2 key ranges:\n%s", out)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("the validation fingerprinted %d tables on the server; want 2, both at the destination", n)
	}
	for _, want := range []string{`(?m)^\s+a\s+3000\s+3000\s+[0-9a-f]+\s+ok$`, `(?m)^\s+b\s+3\s+3\s+[0-9a-f]+\s+ok$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the validation table lacks %s:\n%s", want, out)
		}
	}
}

// corrupting changes one value on its way into the destination, as a
// broken load would.
type corrupting struct{ *postgres.Provider }

type corruptRows struct{ providers.RowStream }

func (c corruptRows) Next(ctx context.Context) (providers.Row, bool) {
	row, ok := c.RowStream.Next(ctx)
	if ok && row[0] == int64(1234) {
		row = slices.Clone(row)
		row[1] = "changed"
	}
	return row, ok
}

func (c *corrupting) WriteRows(ctx context.Context, db, table string, r providers.KeyRange, rows providers.RowStream) (int64, error) {
	return c.Provider.WriteRows(ctx, db, table, r, corruptRows{rows})
}

// A destination that holds other rows than the copy read fails the
// validation, which names the table and the key.
func TestValidationFailsOnAChangedValue(t *testing.T) {
	f := postgres.Factory()
	inner := f.New
	f.New = func() providers.Provider { return &corrupting{inner().(*postgres.Provider)} }
	h := harness(t, f)
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE TABLE a (id bigint PRIMARY KEY, v text)`, `INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 3000) g`,
		`ANALYZE a`)
	defer database.SetSplitRows(100)() // the destination is read in the copy's key ranges
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	defer database.SetChunkRows(1000)()
	cfg := h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
	_, out, err := apply(t, h, cfg)
	if err == nil || !strings.Contains(err.Error(), "validation failed: table a: 3000 rows on both sides, but their content checksums differ") ||
		!strings.Contains(err.Error(), "1234") {
		t.Fatalf("apply = %v; want the validation to fail, naming table a and key 1234\n%s", err, out)
	}
}

// summing is a postgres environment that still passes rows through to
// its own kind (postgres.Destination) but whose server sums go wrong:
// lie reports another sum than the server's; change first changes a row
// of the destination, as a broken load would have left it.
type summing struct {
	*postgres.Provider
	lie    bool
	change func()
	sums   *atomic.Int64
}

func (s *summing) PostgresDestination(context.Context) (*postgres.Provider, func(error) error, error) {
	return s.Provider, func(err error) error { return err }, nil
}

func (s *summing) NativeSum(ctx context.Context, db, table string, r providers.KeyRange, cols []string, method string) (providers.NativeSum, error) {
	s.sums.Add(1)
	if s.change != nil {
		s.change()
	}
	sum, err := s.Provider.NativeSum(ctx, db, table, r, cols, method)
	if s.lie {
		sum.Sum += "1"
	}
	return sum, err
}

// ranging is a postgres environment whose rows still pass through to its
// own kind, but which always has a big table cut into key ranges (as a
// PostgreSQL 16 destination does).
type ranging struct{ *postgres.Provider }

func (r *ranging) PostgresDestination(context.Context) (*postgres.Provider, func(error) error, error) {
	return r.Provider, func(err error) error { return err }, nil
}

func (r *ranging) SplitPays(context.Context, providers.DatabaseStore, string, string, string, []string) (bool, string, error) {
	return true, "", nil
}

// Rows passed through in key ranges at once add up, chunk by chunk and
// range by range, to the destination's own sum of them, taken in the
// same ranges.
func TestPassThroughInKeyRanges(t *testing.T) {
	f := postgres.Factory()
	inner := f.New
	f.New = func() providers.Provider { return &ranging{inner().(*postgres.Provider)} }
	h := harness(t, f)
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, note text, n int)`,
		`INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 second', 'event ' || g, NULLIF(g % 5, 0) FROM generate_series(1, 2500) g`,
		`ANALYZE events`)
	defer database.SetChunkRows(400)()
	defer database.SetSplitRows(1000)()
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	cfg := h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "table events copied in 2 key ranges at once: 2500 rows") {
		t.Errorf("events was not copied in 2 key ranges:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\s+events\s+2500\s+2500\s+[0-9a-f]+\s+ok \(destination hashed on its server\)$`).MatchString(out) {
		t.Errorf("events was not validated by the destination's own sum:\n%s", out)
	}
	q := "SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM events e"
	if a, b := pgtest.Query(t, srcURL, q), pgtest.Query(t, dstURL, q); !slices.Equal(a, b) {
		t.Errorf("events: source %v, destination %v", a, b)
	}
}

// A native sum that differs from the copy's is never taken as a
// failure by itself: the validation reads the rows back, which passes
// when the rows are the source's and fails, naming a key, when a row
// differs.
func TestNativeSumMismatchReadsTheRowsBack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lie    bool
		change bool
	}{{"wrong sum, right rows", true, false}, {"a row changed", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
			sums := &atomic.Int64{}
			f := postgres.Factory()
			inner := f.New
			f.New = func() providers.Provider {
				s := &summing{Provider: inner().(*postgres.Provider), lie: tc.lie, sums: sums}
				if tc.change {
					s.change = func() { pgtest.Exec(t, dstURL, "UPDATE a SET v = 'changed' WHERE id = 1234") }
				}
				return s
			}
			h := harness(t, f)
			pgtest.Exec(t, srcURL, `CREATE TABLE a (id bigint PRIMARY KEY, v text)`, `INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 3000) g`)
			h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
			h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
			defer database.SetChunkRows(1000)()
			cfg := h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
			_, out, err := apply(t, h, cfg)
			if sums.Load() == 0 {
				t.Fatalf("the destination was never asked for its sum:\n%s", out)
			}
			if tc.change {
				if err == nil || !strings.Contains(err.Error(), "table a: 3000 rows on both sides, but their content checksums differ") ||
					!strings.Contains(err.Error(), "1234") {
					t.Fatalf("apply = %v; want the validation to fail, naming table a and key 1234\n%s", err, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, out)
			}
			if !regexp.MustCompile(`(?m)^\s+a\s+3000\s+3000\s+[0-9a-f]+\s+ok$`).MatchString(out) {
				t.Errorf("table a was not validated by its rows read back:\n%s", out)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRollbackKeepsWhatWasThere(t *testing.T) {
	h := harness(t, postgres.Factory())
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE public.keepme (id int PRIMARY KEY)`, `INSERT INTO public.keepme VALUES (1)`)
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, sqliteFixture))})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	cfg := h.Config(move(&database.Settings{OnBadValue: database.PolicyFail, Parallelism: 2, TargetSchema: "shop"}))
	if _, out, err := apply(t, h, cfg); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'shop'"); got[0] != "5" {
		t.Fatalf("tables in shop = %v; want 5", got)
	}
	h.Rollback(cfg)
	if got := pgtest.Query(t, url, "SELECT string_agg(schemaname || '.' || tablename, ',') FROM pg_tables WHERE schemaname IN ('public', 'shop')"); got[0] != "public.keepme" {
		t.Errorf("after rollback the destination holds %v; want only public.keepme", got)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text FROM pg_namespace WHERE nspname = 'shop'"); got[0] != "0" {
		t.Errorf("schema shop survived the rollback")
	}
	// A destination table of the same name that rehome did not create is a
	// blocker, and rollback never touches it.
	pgtest.Exec(t, url, `CREATE TABLE public.orders (id int PRIMARY KEY)`)
	cfg = h.Config(move(defaults()))
	p := h.Plan(cfg)
	f := movertest.FindingByCode(t, p, "database.table_exists")
	if f.Severity != planner.SevBlocker || !strings.Contains(f.Message, "public.orders") {
		t.Errorf("finding = %+v", f)
	}
}

func TestBadValues(t *testing.T) {
	const bad = `CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, d DATE NOT NULL, s TEXT);
INSERT INTO t VALUES (1, 1, '2024-01-01', 'ok'), (2, 'two', '2024-01-02', 'ok'), (3, 3, '2024-01-03 10:00', 'ok'),
  (4, 4, '2024-01-04', CAST(x'ff' AS TEXT)), (5, 5, '2024-01-05', 'nul' || char(0) || 'byte');`
	tests := []struct {
		policy   string
		wantErr  string
		rows     string
		wantNote string
	}{
		{database.PolicyFail, "column n, row 2", "", ""},
		{database.PolicyNull, "cannot null a NOT NULL column", "", ""},
		{database.PolicySkipRow, "", "1", "t.n: 1 rows skipped"},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			h := harness(t, postgres.Factory())
			url := pgtest.NewDatabase(t)
			h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, bad))})
			h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
			s := defaults()
			s.OnBadValue = tc.policy
			m := move(s)
			cfg := h.Config(m)
			p := h.Plan(cfg)
			var ids []string
			for _, f := range p.Audit {
				if f.Code == "database.bad_values" {
					ids = append(ids, f.ID)
					if !strings.Contains(f.Message, "sample keys") {
						t.Errorf("finding without sample keys: %s", f.Message)
					}
				}
			}
			if len(ids) != 3 {
				t.Fatalf("bad-value findings = %d; want 3 (n, d, s): %+v", len(ids), p.Audit)
			}
			if tc.policy == database.PolicyFail {
				m.Acknowledge = ids // accepted, so the copy itself must stop
			}
			_, out, err := apply(t, h, cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("apply = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, out)
			}
			if got := pgtest.Query(t, url, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.t"); got[0] != tc.rows {
				t.Errorf("rows = %v; want %s", got, tc.rows)
			}
			if !strings.Contains(out, tc.wantNote) || !strings.Contains(out, "ok (4 source rows skipped") {
				t.Errorf("output lacks the report:\n%s", out)
			}
		})
	}
}

// TestPasswordNeverShown moves with a password in the destination URL (the
// test server trusts local connections, so any password is accepted) and
// looks for it in the plan, its JSON, the apply's messages and the state.
func TestPasswordNeverShown(t *testing.T) {
	const pw = "s3cret-Pa55word"
	h := harness(t, postgres.Factory())
	url := strings.Replace(pgtest.NewDatabase(t), "postgres@", "postgres:"+pw+"@", 1)
	if !strings.Contains(url, pw) {
		t.Fatalf("test URL %q has no password", url)
	}
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, sqliteFixture))})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	cfg := h.Config(move(defaults()))
	p, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	doc, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), pw) || strings.Contains(out, pw) {
		t.Errorf("the password appears in the plan or the apply's messages")
	}
	files := 0
	err = filepath.WalkDir(filepath.Join(h.Dir, "state"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), pw) {
			t.Errorf("the password appears in %s", path)
		}
		return err
	})
	if err != nil || files < 2 {
		t.Fatalf("walk the state: %v (%d files)", err, files)
	}
}

func TestPlanFindsDuplicatesOrphansAndObjects(t *testing.T) {
	h := harness(t, postgres.Factory())
	url := pgtest.NewDatabase(t)
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, `
CREATE TABLE parents (id INTEGER PRIMARY KEY, code UNIQUE);
CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents);
INSERT INTO parents VALUES (1, 1), (2, '1'), (3, 'x');
INSERT INTO kids VALUES (10, 1), (11, 7), (12, NULL), (13, 9);
CREATE VIEW v AS SELECT * FROM kids;
CREATE TRIGGER tr AFTER INSERT ON kids BEGIN SELECT 1; END;`))})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	p := h.Plan(h.Config(move(defaults())))
	got := map[string]string{}
	for _, f := range p.Audit {
		if f.Severity == planner.SevBlocker {
			got[f.Code] += f.Message + "\n"
		}
	}
	for code, want := range map[string][]string{
		"database.duplicate_keys": {"table main.parents: 1 row(s) repeat a key of unique parents_code_key (code)", "sample keys 2"},
		"database.orphan_rows":    {"table main.kids: 2 value(s) of (parent_id) have no row in parents (id)", "sample keys 11, 13"},
		"database.object_not_translated": {"view main.v", "trigger main.tr on table kids", "rehome does not translate views from sqlite to PostgreSQL",
			"its source definition, to port by hand:\nCREATE VIEW v AS SELECT * FROM kids", "CREATE TRIGGER tr AFTER INSERT ON kids BEGIN SELECT 1; END"},
	} {
		for _, w := range want {
			if !strings.Contains(got[code], w) {
				t.Errorf("%s findings %q lack %q", code, got[code], w)
			}
		}
	}
}

// TestSplitTableResume copies one big table as three key ranges at once,
// crashes one range's write, and resumes: exactly the source rows arrive.
func TestSplitTableResume(t *testing.T) {
	defer database.SetChunkRows(100)()
	defer database.SetSplitRows(1000)()
	h, left, _ := crashingHarness(t)
	url := pgtest.NewDatabase(t)
	var rows []string
	for i := range 3000 {
		rows = append(rows, "('k"+itoa(100000+i)+"', "+itoa(i)+")")
	}
	path := sqliteFile(t, h.Dir, `CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)`, "INSERT INTO t VALUES "+strings.Join(rows, ", "))
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(path)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(url)})
	cfg := h.Config(move(defaults()))
	left.Store(5)
	if _, _, err := apply(t, h, cfg); err == nil || !strings.Contains(err.Error(), "injected crash") {
		t.Fatalf("first apply = %v; want the injected crash", err)
	}
	got := pgtest.Query(t, url, "SELECT count(*)::text FROM public.t")
	if got[0] == "0" || got[0] == "3000" {
		t.Fatalf("after the crash the destination holds %v rows; want a part", got)
	}
	left.Store(0)
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "(range ") || !strings.Contains(out, "table t copied in 3 key ranges at once: ") {
		t.Errorf("the second apply does not name the resumed range:\n%s", out)
	}
	if got := pgtest.Query(t, url, "SELECT count(*)::text || ' ' || count(DISTINCT k)::text || ' ' || sum(n)::text FROM public.t"); got[0] != "3000 3000 4498500" {
		t.Errorf("destination rows = %v; want exactly the source's", got)
	}
}

func TestPostgresToSQLite(t *testing.T) {
	h := harness(t, postgres.Factory())
	srcURL := pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE TABLE public.items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sku text NOT NULL UNIQUE,
  price numeric(10,2), flag boolean, at timestamptz, day date, doc jsonb, token uuid, raw bytea, addr inet, state text CHECK (state IN ('a', 'b')))`,
		`INSERT INTO public.items (sku, price, flag, at, day, doc, token, raw, addr, state) VALUES
  ('a', 12.50, true, '2024-01-02 03:04:05.123456+01', '2024-02-29', '{"x": [1, 2]}', gen_random_uuid(), '\x00ff', '10.0.0.0/8', 'a'),
  ('b ☕', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`CREATE TABLE public.lines (item_id bigint NOT NULL REFERENCES public.items(id), n int NOT NULL, PRIMARY KEY (item_id, n))`,
		`INSERT INTO public.lines VALUES (1, 1), (1, 2), (2, 1)`)
	dst := filepath.Join(h.Dir, "new", "copy.db")
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "sqlite", map[string]cty.Value{"path": cty.StringVal(dst)})
	cfg := h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "items") || strings.Contains(out, "MISMATCH") {
		t.Errorf("validation:\n%s", out)
	}
	db, err := sql.Open("sqlite", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sku string
	var fks int
	if err := db.QueryRow(`SELECT sku FROM items WHERE id = 2`).Scan(&sku); err != nil || sku != "b ☕" {
		t.Errorf("sku = %q, %v", sku, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM pragma_foreign_key_list('lines')`).Scan(&fks); err != nil || fks != 1 {
		t.Errorf("foreign keys of lines = %d, %v", fks, err)
	}
	h.Rollback(cfg)
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rollback left the SQLite file rehome created (stat: %v)", err)
	}
}

func TestPlanBlockers(t *testing.T) {
	tests := []struct {
		name string
		s    *database.Settings
		code string
	}{
		{"target schema in a sqlite file", &database.Settings{TargetSchema: "shop"}, "database.single_database"},
		{"missing source database", &database.Settings{Databases: []string{"nope"}}, "database.source_missing"},
		{"override of no column", &database.Settings{TypeOverrides: map[string]string{"main.orders.nope": "text"}}, "database.override_unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := harness(t, postgres.Factory())
			h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, sqliteFixture))})
			h.Env("new", "sqlite", map[string]cty.Value{"path": cty.StringVal(filepath.Join(h.Dir, "new.db"))})
			tc.s.OnBadValue, tc.s.Parallelism = database.PolicyFail, 2
			p := h.Plan(h.Config(move(tc.s)))
			if f := movertest.FindingByCode(t, p, tc.code); f.Severity != planner.SevBlocker {
				t.Errorf("%s is a %s", tc.code, f.Severity)
			}
		})
	}
}

// TestIntegrityAtSQLite: orphan rows of a SQLite source moved into a
// SQLite file (which does not enforce foreign keys) arrive as they were:
// the integrity line names them as at the source and the apply passes
// (into PostgreSQL the plan's orphan_rows finding is a blocker instead).
func TestIntegrityAtSQLite(t *testing.T) {
	h := harness(t, postgres.Factory())
	h.Env("old", "sqlite", map[string]cty.Value{"path": cty.StringVal(sqliteFile(t, h.Dir, `
CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents);
INSERT INTO parents VALUES (1, 'p');
INSERT INTO kids VALUES (10, 1), (11, 7), (12, NULL);`))})
	h.Env("new", "sqlite", map[string]cty.Value{"path": cty.StringVal(filepath.Join(h.Dir, "new", "shop.db"))})
	cfg := h.Config(move(defaults()))
	movertest.FindingByCode(t, h.Plan(cfg), "database.orphan_rows")
	_, out, err := apply(t, h, cfg)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	want := "integrity in main at new: 0 foreign keys hold\n  kids: foreign key to parents: as at the source (the destination does not enforce foreign keys): 1 row(s) whose (parent_id) find no row in parents, sample rowid 11"
	if !strings.Contains(out, want) {
		t.Errorf("apply output lacks\n%s\n:\n%s", want, out)
	}
}

// failingFinish fails FinishSchema, as a constraint the destination
// rejects would.
type failingFinish struct{ *postgres.Provider }

func (f *failingFinish) FinishSchema(ctx context.Context, db string, s providers.DBSchema) error {
	if err := f.Provider.FinishSchema(ctx, db, s); err != nil {
		return err
	}
	return errors.New("constraint c_small is violated by some row")
}

// A failure to add the keys, indexes and constraints fails the apply
// while the validation reads the destination meanwhile: the error names
// the step, and nothing hangs.
func TestFinishSchemaFailsDuringValidation(t *testing.T) {
	f := postgres.Factory()
	inner := f.New
	f.New = func() providers.Provider { return &failingFinish{inner().(*postgres.Provider)} }
	h := harness(t, f)
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE TABLE c (id int PRIMARY KEY, x int)`, `INSERT INTO c SELECT g, g FROM generate_series(1, 20000) g`)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(srcURL)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dstURL)})
	cfg := h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 2}))
	_, out, err := apply(t, h, cfg)
	if err == nil || !strings.Contains(err.Error(), "add indexes, checks, foreign keys and sequences") || !strings.Contains(err.Error(), "c_small") {
		t.Fatalf("apply = %v; want the step's failure\n%s", err, out)
	}
}
