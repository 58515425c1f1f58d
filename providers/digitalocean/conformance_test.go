package digitalocean_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
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
