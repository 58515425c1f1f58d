package dofake

import (
	"encoding/json"
	"net/http"
)

// API answers GET /v2/account for the account uuid, and 401 Unauthorized
// (id "Unauthorized") to a request without the bearer token.
func API(token, uuid string) http.Handler {
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
