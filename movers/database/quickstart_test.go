package database_test

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/sqlite"
)

var update = flag.Bool("update", false, "rewrite the quickstart's shop.db from shop.sql")

// TestQuickstartDatabase checks that the quickstart's committed shop.db is
// what shop.sql makes (table by table, by fingerprint), and with -update
// makes it again.
func TestQuickstartDatabase(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "quickstart", "legacy", "databases")
	sqlText, err := os.ReadFile(filepath.Join(dir, "shop.sql"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := sqliteFile(t, t.TempDir(), string(sqlText))
	if *update {
		data, err := os.ReadFile(fresh)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "shop.db"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, got := openSQLite(t, fresh), openSQLite(t, filepath.Join(dir, "shop.db"))
	s, err := want.Schema(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := got.Schema(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(gs.Tables) != len(s.Tables) {
		t.Fatalf("shop.db has %d tables, shop.sql makes %d: run go test ./movers/database -run TestQuickstartDatabase -update", len(gs.Tables), len(s.Tables))
	}
	for i, tb := range s.Tables {
		if gs.Tables[i].Definition != tb.Definition {
			t.Errorf("table %s: shop.db declares\n%s\nshop.sql declares\n%s\n(rerun with -update)", tb.Name, gs.Tables[i].Definition, tb.Definition)
		}
		a, b := readAll(t, want, tb.Name), readAll(t, got, tb.Name)
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("table %s: shop.db holds %v, shop.sql makes %v (rerun with -update)", tb.Name, b, a)
		}
	}
}

// readAll reads a table's rows as the provider returns them (bad values
// included, as BadValue).
func readAll(t *testing.T, s providers.DatabaseStore, table string) []providers.Row {
	t.Helper()
	rs, err := s.ReadRows(t.Context(), "main", table, providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []providers.Row
	for {
		r, ok := rs.Next(t.Context())
		if !ok {
			break
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func openSQLite(t *testing.T, path string) providers.DatabaseStore {
	t.Helper()
	p := sqlite.Factory().New()
	if err := p.Configure(t.Context(), providers.Config{Env: "q", Value: cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal(path)})}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.(*sqlite.Provider).Close() })
	return p.(providers.DatabaseStore)
}
