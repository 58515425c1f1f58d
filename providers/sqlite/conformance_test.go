package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/sqlite"
)

// TestConformance runs the provider conformance suite's database part,
// each check on a fresh file.
func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: sqlite.Factory(),
		Database: &providertest.DatabaseOpt{
			New: func(t *testing.T) (cty.Value, string, func(*testing.T, ...string)) {
				path := filepath.Join(t.TempDir(), "conformance.db")
				return cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal(path)}), "main",
					func(t *testing.T, stmts ...string) { t.Helper(); providertest.ExecSQLite(t, path, stmts...) }
			},
		},
	})
}
