package digitalocean_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: digitalocean.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := s3fake.New()
			t.Cleanup(s3.Close)
			srv := httptest.NewServer(apiWithSecrets("do-test-token"))
			t.Cleanup(srv.Close)
			api := srv.URL
			return cty.ObjectVal(map[string]cty.Value{
				"token":    cty.StringVal("do-test-token"),
				"region":   cty.StringVal("fra1"),
				"endpoint": cty.StringVal(api),
				"spaces": cty.ObjectVal(map[string]cty.Value{
					"endpoint":   cty.StringVal(s3.URL),
					"access_key": cty.StringVal("AKID"),
					"secret_key": cty.StringVal("SECRET"),
				}),
			})
		},
		// The database part: an online cluster of the fake whose database
		// is a fresh one on the local PostgreSQL server.
		Database: &providertest.DatabaseOpt{
			New: func(t *testing.T) (cty.Value, string, func(*testing.T, ...string)) {
				f := newClusterFake(t)
				conn := f.local(t, "conformance-db")
				f.Add(godo.Database{ID: "5b1e0f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b", Name: "conformance-db", EngineSlug: "pg", VersionSlug: "15",
					SizeSlug: "db-s-1vcpu-1gb", RegionSlug: "fra1", NumNodes: 1, Status: "online", Connection: &conn, DBNames: []string{conn.Database}})
				url := f.url("conformance-db")
				return cty.ObjectVal(map[string]cty.Value{
						"token": cty.StringVal(dbToken), "region": cty.StringVal("fra1"), "endpoint": cty.StringVal(f.srv.URL),
						"spaces": cty.ObjectVal(map[string]cty.Value{"endpoint": cty.StringVal("http://127.0.0.1:1")}),
						"database": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("conformance-db"), "version": cty.StringVal("15"),
							"size": cty.StringVal("db-s-1vcpu-1gb")}),
					}), "public",
					func(t *testing.T, stmts ...string) { t.Helper(); pgtest.Exec(t, url, stmts...) }
			},
		},
	})
}

// apiWithSecrets serves the account, the domains and, below
// /v2/security/, a Secrets API, each of its own.
func apiWithSecrets(token string) http.Handler {
	h, _ := dofake.WithDomains(token, "b6fr89dbf6d9156cace5f3c78dc9851d957381ef")
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle("/v2/security/", dofake.NewSecrets(token))
	return mux
}
