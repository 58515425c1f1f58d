package postgres_test

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/providertest"
)

// TestConformance runs the provider conformance suite's database part,
// each check in a freshly created database on the local server.
func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: postgres.Factory(),
		Database: &providertest.DatabaseOpt{
			New: func(t *testing.T) (cty.Value, string, func(*testing.T, ...string)) {
				url := pgtest.NewDatabase(t)
				return cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)}), "public",
					func(t *testing.T, stmts ...string) { t.Helper(); pgtest.Exec(t, url, stmts...) }
			},
		},
	})
}
