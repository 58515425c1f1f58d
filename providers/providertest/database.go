package providertest

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/sqlite"

	_ "modernc.org/sqlite" // the partner SQLite files are seeded through database/sql
)

// DatabaseOpt describes a database provider's test server.
type DatabaseOpt struct {
	// New returns the configuration of a fresh environment, the database
	// (schema) the suite works in, which exists and is empty, and a
	// function running SQL statements in that database: the fixture is
	// seeded with it, so a source-only provider is covered too.
	New func(t *testing.T) (env cty.Value, db string, exec func(t *testing.T, stmts ...string))
	// KnownBugs names sub-checks of the contract the provider fails today
	// ("order/nums", "order/words", "order/prices", "fingerprint"), each
	// with its bug; they are skipped with that text, to be removed when
	// the fix lands.
	KnownBugs map[string]string
}

// databaseFixture is the data the database part moves, in SQL every
// engine takes: keys that sort differently as numbers and as text (9, 10,
// 100), text keys in byte order ('B' < 'a' < 'ab' < 'b'; a MySQL database
// for the suite uses a binary collation), decimal keys, NULLs and
// unicode.
var databaseFixture = []string{
	`CREATE TABLE nums (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(40), amount DECIMAL(12,2))`,
	`INSERT INTO nums (id, v, amount) VALUES (100, 'hundred', 100.00), (9, 'nine ✓', 9.50), (10, NULL, -10.25), (1, 'one', NULL)`,
	`CREATE TABLE words (k VARCHAR(10) NOT NULL PRIMARY KEY, n INTEGER)`,
	`INSERT INTO words (k, n) VALUES ('b', 1), ('B', 2), ('a', 3), ('ab', 4)`,
	`CREATE TABLE prices (p DECIMAL(10,2) NOT NULL PRIMARY KEY, label VARCHAR(20))`,
	`INSERT INTO prices (p, label) VALUES (100.00, 'c'), (9.50, 'a'), (10.25, 'b')`,
}

// fixtureOrder is each fixture table's keys in KeyRange order.
var fixtureOrder = map[string][]string{
	"nums":   {"1", "9", "10", "100"},
	"words":  {"B", "a", "ab", "b"},
	"prices": {"9.5", "10.25", "100"},
}

var fixtureTables = []string{"nums", "prices", "words"}

// sqliteFile returns a fresh SQLite file's environment, seeded with stmts.
func sqliteFile(t *testing.T, stmts ...string) cty.Value {
	t.Helper()
	path := filepath.Join(t.TempDir(), "partner.db")
	ExecSQLite(t, path, stmts...)
	return cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal(path)})
}

// ExecSQLite runs SQL statements, in order, on the SQLite file at path
// (created if missing), failing the test on an error.
func ExecSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("exec %q in %s: %v", s, path, err)
		}
	}
}

func configure(t *testing.T, f providers.Factory, env string, v cty.Value) providers.DatabaseStore {
	t.Helper()
	p := f.New()
	if err := p.Configure(t.Context(), providers.Config{Env: env, Dir: t.TempDir(), Value: v, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatalf("configure %s: %v", env, err)
	}
	ds, ok := p.(providers.DatabaseStore)
	if !ok {
		t.Fatalf("%s is not a providers.DatabaseStore", f.Name)
	}
	return ds
}

// keyBase is each fixture table's key type.
var keyBase = map[string]string{"nums": "int64", "words": "varchar", "prices": "decimal"}

// keyText is a row's first value as the fixture's order lists it.
func keyText(v any, base string) string {
	s, err := providers.CanonicalValue(v, base)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(s) == 9 && s[0] == 'i' { // an integer's eight bytes
		return strconv.FormatInt(int64(binary.BigEndian.Uint64([]byte(s[1:]))), 10)
	}
	return s[min(1, len(s)):] // the type tag
}

func readKeys(t *testing.T, ds providers.DatabaseStore, db, table string, r providers.KeyRange) []string {
	t.Helper()
	rs, err := ds.ReadRows(t.Context(), db, table, r)
	if err != nil {
		t.Fatalf("ReadRows %s.%s: %v", db, table, err)
	}
	defer rs.Close()
	var out []string
	for {
		row, ok := rs.Next(t.Context())
		if !ok {
			break
		}
		out = append(out, keyText(row[0], keyBase[table]))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("ReadRows %s.%s: %v", db, table, err)
	}
	return out
}

func fingerprints(t *testing.T, ds providers.DatabaseStore, db string, tables []string) map[string]providers.Fingerprint {
	t.Helper()
	out := map[string]providers.Fingerprint{}
	for _, n := range tables {
		fp, err := ds.Fingerprint(t.Context(), db, n)
		if err != nil {
			t.Fatalf("Fingerprint %s.%s: %v", db, n, err)
		}
		out[n] = fp
	}
	return out
}

func (o Opt) skipKnown(t *testing.T, check string) {
	t.Helper()
	if bug, ok := o.Database.KnownBugs[check]; ok {
		t.Skipf("known bug: %s", bug)
	}
}

// brokenRows yields its rows, then fails: a stream cut short.
type brokenRows struct{ providers.SliceRows }

func (b *brokenRows) Err() error { return errors.New("the stream broke off") }

// runDatabaseContract calls the provider directly on the seeded fixture.
func runDatabaseContract(t *testing.T, o Opt) {
	ctx := t.Context()
	v, db, exec := o.Database.New(t)
	exec(t, databaseFixture...)
	ds := configure(t, o.Factory, "contract", v)
	partner := configure(t, sqlite.Factory(), "partner", sqliteFile(t, databaseFixture...))

	t.Run("not-found", func(t *testing.T) {
		_, err := ds.Schema(ctx, "rehome_no_such_db")
		wantIs(t, "Schema of a missing database", err, providers.ErrNotFound)
		_, err = ds.ReadRows(ctx, db, "no_such_table", providers.KeyRange{})
		wantIs(t, "ReadRows of a missing table", err, providers.ErrNotFound)
		_, err = ds.Fingerprint(ctx, db, "no_such_table")
		wantIs(t, "Fingerprint of a missing table", err, providers.ErrNotFound)
	})
	t.Run("schema", func(t *testing.T) {
		s, err := ds.Schema(ctx, db)
		if err != nil {
			t.Fatalf("Schema %s: %v", db, err)
		}
		var names []string
		for _, tb := range s.Tables {
			names = append(names, tb.Name)
			if len(tb.PrimaryKey) != 1 {
				t.Errorf("table %s: primary key %v; want one column", tb.Name, tb.PrimaryKey)
			}
		}
		sort.Strings(names)
		if !slices.Equal(names, fixtureTables) {
			t.Errorf("tables of %s = %v; want %v", db, names, fixtureTables)
		}
	})
	for _, table := range fixtureTables {
		t.Run("order/"+table, func(t *testing.T) {
			o.skipKnown(t, "order/"+table)
			if got := readKeys(t, ds, db, table, providers.KeyRange{}); !slices.Equal(got, fixtureOrder[table]) {
				t.Errorf("ReadRows %s keys = %q; want %q (numbers by value, text in byte order)", table, got, fixtureOrder[table])
			}
		})
	}
	t.Run("order/ranges", func(t *testing.T) {
		if got := readKeys(t, ds, db, "nums", providers.KeyRange{From: providers.Row{int64(9)}, To: providers.Row{int64(100)}}); !slices.Equal(got, []string{"10", "100"}) {
			t.Errorf("nums in (9, 100] = %q; want [10 100]", got)
		}
		if got := readKeys(t, ds, db, "words", providers.KeyRange{From: providers.Row{"B"}, To: providers.Row{"ab"}}); !slices.Equal(got, []string{"a", "ab"}) {
			t.Errorf("words in ('B', 'ab'] = %q; want [a ab]", got)
		}
	})
	t.Run("fingerprint", func(t *testing.T) {
		o.skipKnown(t, "fingerprint")
		got, want := fingerprints(t, ds, db, fixtureTables), fingerprints(t, partner, "main", fixtureTables)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("fingerprints differ from SQLite's for the same rows (-sqlite +%s):\n%s", o.Factory.Name, d)
		}
	})
	if !o.Factory.Caps.Role(providers.KindDatabase).Can(providers.Destination) {
		return
	}
	t.Run("exists", func(t *testing.T) {
		if h, ok := ds.(providers.DatabaseHome); !ok || !h.SingleDatabase() {
			wantIs(t, "CreateDatabase of an existing database", ds.CreateDatabase(ctx, db), providers.ErrExists)
			wantIs(t, "DropDatabase of a missing database", ds.DropDatabase(ctx, "rehome_no_such_db"), providers.ErrNotFound)
		}
		if td, ok := ds.(providers.TableDropper); ok {
			wantIs(t, "DropTable of a missing table", td.DropTable(ctx, db, "no_such_table"), providers.ErrNotFound)
		}
		_, err := ds.WriteRows(ctx, db, "no_such_table", providers.KeyRange{}, &providers.SliceRows{Cols: []string{"id"}})
		wantIs(t, "WriteRows into a missing table", err, providers.ErrNotFound)
	})
	t.Run("write-range", func(t *testing.T) {
		cols := []string{"id", "v", "amount"}
		// (9, 100] becomes exactly 50 and 100: 10 goes, 100 is replaced.
		n, err := ds.WriteRows(ctx, db, "nums", providers.KeyRange{From: providers.Row{int64(9)}, To: providers.Row{int64(100)}},
			&providers.SliceRows{Cols: cols, Rows: []providers.Row{{int64(50), "fifty", "50.00"}, {int64(100), "new hundred", nil}}})
		if err != nil || n != 2 {
			t.Fatalf("WriteRows (9, 100] = %d, %v; want 2 rows", n, err)
		}
		if got := readKeys(t, ds, db, "nums", providers.KeyRange{}); !slices.Equal(got, []string{"1", "9", "50", "100"}) {
			t.Errorf("after replacing (9, 100] the keys are %q; want [1 9 50 100]", got)
		}
		before := fingerprints(t, ds, db, []string{"nums"})
		// A stream that breaks off leaves the range as it was.
		_, err = ds.WriteRows(ctx, db, "nums", providers.KeyRange{From: providers.Row{int64(1)}},
			&brokenRows{providers.SliceRows{Cols: cols, Rows: []providers.Row{{int64(2), "two", nil}, {int64(3), "three", nil}}}})
		if err == nil {
			t.Fatalf("WriteRows of a stream that broke off succeeded")
		}
		if after := fingerprints(t, ds, db, []string{"nums"}); after["nums"] != before["nums"] {
			t.Errorf("a failed WriteRows changed the range: fingerprint %v, was %v", after["nums"], before["nums"])
		}
		// The open range replaces the whole table.
		if _, err := ds.WriteRows(ctx, db, "words", providers.KeyRange{}, &providers.SliceRows{Cols: []string{"k", "n"},
			Rows: []providers.Row{{"z", int64(1)}}}); err != nil {
			t.Fatalf("WriteRows of the whole table: %v", err)
		}
		if got := readKeys(t, ds, db, "words", providers.KeyRange{}); !slices.Equal(got, []string{"z"}) {
			t.Errorf("after replacing the whole table the keys are %q; want [z]", got)
		}
	})
}

// dbView is a comparable picture of a database environment: its
// inventory entry for db, its tables and their fingerprints.
type dbView struct {
	Resources    []string
	Tables       []string
	Fingerprints map[string]providers.Fingerprint
}

func databaseView(t *testing.T, p providers.Provider, db string) dbView {
	t.Helper()
	ctx := t.Context()
	inv, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindDatabase}})
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	var v dbView
	for _, r := range inv.Resources {
		if r.Kind == providers.KindDatabase && r.Name == db {
			v.Resources = append(v.Resources, r.Type+" "+r.Name)
		}
	}
	ds := p.(providers.DatabaseStore)
	s, err := ds.Schema(ctx, db)
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("schema %s: %v", db, err)
	}
	for _, tb := range s.Tables {
		v.Tables = append(v.Tables, tb.Name)
	}
	sort.Strings(v.Tables)
	v.Fingerprints = fingerprints(t, ds, db, v.Tables)
	return v
}

// runDatabaseCycle moves the fixture between the provider under test
// and a SQLite file (into it when asDest, out of it otherwise): apply,
// a re-plan with no prepare-phase changes, the rows arrived (equal
// fingerprints), rollback gives back the destination as it was (a table
// that stood there before untouched), and the source never changed.
func runDatabaseCycle(t *testing.T, o Opt, asDest bool) {
	h := newHarness(t, o)
	h.reg = providers.NewRegistry(sqlite.Factory())
	if o.Factory.Name != sqlite.Name {
		h.reg = providers.NewRegistry(sqlite.Factory(), o.Factory)
	}
	v, db, exec := o.Database.New(t)
	var srcDB, dstDB string
	var src, dst providers.Provider
	if asDest {
		exec(t, `CREATE TABLE keep_me (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(10))`, `INSERT INTO keep_me (id, v) VALUES (1, 'mine')`)
		src = h.addEnv("src", sqlite.Name, sqliteFile(t, databaseFixture...))
		dst = h.addEnv("dst", o.Factory.Name, v)
		srcDB, dstDB = "main", db
	} else {
		exec(t, databaseFixture...)
		src = h.addEnv("src", o.Factory.Name, v)
		dst = h.addEnv("dst", sqlite.Name, sqliteFile(t, `CREATE TABLE keep_me (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(10))`,
			`INSERT INTO keep_me (id, v) VALUES (1, 'mine')`))
		srcDB, dstDB = db, "main"
	}
	m := &lang.Move{Kind: providers.KindDatabase, Name: "conf", From: "src", To: "dst",
		Settings: &database.Settings{Databases: []string{srcDB}, TargetSchema: dstDB, OnBadValue: database.PolicyFail, Parallelism: 2}}
	cfg := &lang.Config{Dir: h.dir, Hash: "conformance", Migration: &lang.Migration{Name: "conformance", StatePath: filepath.Join(h.dir, "state")},
		Environments: h.envs, Moves: []*lang.Move{m}}
	before, srcBefore := databaseView(t, dst, dstDB), databaseView(t, src, srcDB)

	p := h.apply(cfg)
	if p.Summary.Changes == 0 {
		t.Fatalf("first plan had no changes")
	}
	if again := h.plan(cfg); again.Summary.Changes != 0 {
		t.Fatalf("re-plan after apply has %d change(s): %s", again.Summary.Changes, changed(again))
	}
	got := fingerprints(t, dst.(providers.DatabaseStore), dstDB, fixtureTables)
	if d := cmp.Diff(fingerprints(t, src.(providers.DatabaseStore), srcDB, fixtureTables), got); d != "" {
		t.Fatalf("the destination's rows differ from the source's (-source +destination fingerprints):\n%s", d)
	}
	h.rollback(cfg)
	if d := cmp.Diff(before, databaseView(t, dst, dstDB)); d != "" {
		t.Fatalf("apply -> rollback did not restore the destination (-before +after):\n%s", d)
	}
	if d := cmp.Diff(srcBefore, databaseView(t, src, srcDB)); d != "" {
		t.Fatalf("the source changed (-before +after):\n%s", d)
	}
	if full := h.plan(cfg); full.Summary.Changes == 0 {
		t.Fatalf("after rollback a new plan shows no changes; want the full move again")
	}
}
