package digitalocean_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/providertest"
)

// apiFake answers GET /v2/account as DigitalOcean's API does, and 401 to
// a request without the bearer token.
func apiFake(token, uuid string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/account", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"id": "Unauthorized", "message": "Unable to authenticate you"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"account": map[string]any{
			"droplet_limit": 25, "floating_ip_limit": 3, "email": "ops@example.com", "uuid": uuid,
			"email_verified": true, "status": "active", "status_message": ""}})
	})
	return mux
}

func TestConformance(t *testing.T) {
	api := httptest.NewServer(apiFake("do-test-token", "b6fr89dbf6d9156cace5f3c78dc9851d957381ef"))
	t.Cleanup(api.Close)
	providertest.Run(t, providertest.Opt{
		Factory: digitalocean.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
			t.Cleanup(s3.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"token":    cty.StringVal("do-test-token"),
				"region":   cty.StringVal("fra1"),
				"endpoint": cty.StringVal(api.URL),
				"spaces": cty.ObjectVal(map[string]cty.Value{
					"endpoint":   cty.StringVal(s3.URL),
					"access_key": cty.StringVal("AKID"),
					"secret_key": cty.StringVal("SECRET"),
				}),
			})
		},
	})
}
