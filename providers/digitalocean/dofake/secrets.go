package dofake

// DigitalOcean's Secrets Manager API (/v2/security/secrets), from the API
// reference: a secret is a named container of key-value pairs in a
// region, versioned (every write is a new version, numbered from 1).
//
//	GET    /v2/security/secrets?page=&per_page=     list (no values), links.pages.next, meta.total
//	POST   /v2/security/secrets                     create {name, region, values} -> 201 {name, region, version}
//	GET    /v2/security/secrets/NAME?region=        the secret with its values
//	GET    /v2/security/secrets/NAME/versions?region=
//	PUT    /v2/security/secrets/NAME                update {region, version, values}: version must be the current one
//	DELETE /v2/security/secrets/NAME?region=        request deletion (soft: delete_requested_at)
//	POST   /v2/security/secrets/NAME/restore?region=
//
// Errors are {"id", "message", "request_id"}: 401 Unauthorized without the
// bearer token, 404 not_found, 409 conflict (a name taken; a stale
// version), 422 unprocessable_entity (a bad name, region or values).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Secrets is a stateful fake of the Secrets API; it is an http.Handler.
type Secrets struct {
	token string
	mux   *http.ServeMux

	mu      sync.Mutex
	secrets map[string]*doSecret // by region/name
	// Writes counts successful creates and updates.
	Writes int
}

type doSecret struct {
	name, region     string
	versions         []doVersion // oldest first
	created, updated time.Time
	deleteRequested  *time.Time
}

type doVersion struct {
	values  map[string]string
	created time.Time
}

// NewSecrets returns an empty Secrets API that takes the bearer token.
func NewSecrets(token string) *Secrets {
	s := &Secrets{token: token, secrets: map[string]*doSecret{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /v2/security/secrets", s.list)
	s.mux.HandleFunc("POST /v2/security/secrets", s.create)
	s.mux.HandleFunc("GET /v2/security/secrets/{name}", s.get)
	s.mux.HandleFunc("GET /v2/security/secrets/{name}/versions", s.versions)
	s.mux.HandleFunc("PUT /v2/security/secrets/{name}", s.update)
	s.mux.HandleFunc("DELETE /v2/security/secrets/{name}", s.delete)
	s.mux.HandleFunc("POST /v2/security/secrets/{name}/restore", s.restore)
	return s
}

// ServeHTTP answers one request.
func (s *Secrets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		fail(w, http.StatusUnauthorized, "Unauthorized", "Unable to authenticate you")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func fail(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "message": msg, "request_id": "req-" + strconv.Itoa(status)})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var regions = map[string]bool{"ams1": true, "ams2": true, "ams3": true, "blr1": true, "fra1": true, "lon1": true, "nyc1": true,
	"nyc2": true, "nyc3": true, "sfo1": true, "sfo2": true, "sfo3": true, "sgp1": true, "tor1": true, "syd1": true}

// validName: 1 to 255 letters, digits, '-' and '_'.
func validName(n string) bool {
	if n == "" || len(n) > 255 {
		return false
	}
	return strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

const rfc3339 = time.RFC3339

func (x *doSecret) wire(values bool) map[string]any {
	cur := x.versions[len(x.versions)-1]
	m := map[string]any{"secret": x.name, "region": x.region, "version": len(x.versions),
		"created_at": x.created.UTC().Format(rfc3339), "updated_at": x.updated.UTC().Format(rfc3339)}
	if values {
		m["values"] = cur.values
	}
	if x.deleteRequested != nil {
		m["delete_requested_at"] = x.deleteRequested.UTC().Format(rfc3339)
	}
	return m
}

// find returns the secret the request names (region from the query, or
// the only secret of that name); s.mu is held.
func (s *Secrets) find(w http.ResponseWriter, r *http.Request, region string) *doSecret {
	name := r.PathValue("name")
	if region == "" {
		region = r.URL.Query().Get("region")
	}
	if region == "" {
		for _, x := range s.secrets {
			if x.name == name {
				return x
			}
		}
	}
	if x := s.secrets[region+"/"+name]; x != nil {
		return x
	}
	fail(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
	return nil
}

func (s *Secrets) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, per := 1, 20
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("per_page"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	if page < 1 || per < 1 || per > 200 {
		fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", "page must be at least 1 and per_page from 1 to 200")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.secrets))
	for k := range s.secrets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start, end := min((page-1)*per, len(keys)), min(page*per, len(keys))
	out := []any{}
	for _, k := range keys[start:end] {
		out = append(out, s.secrets[k].wire(false))
	}
	links := map[string]any{}
	if end < len(keys) {
		links["pages"] = map[string]string{"next": fmt.Sprintf("https://api.digitalocean.com/v2/security/secrets?page=%d&per_page=%d", page+1, per),
			"last": fmt.Sprintf("https://api.digitalocean.com/v2/security/secrets?page=%d&per_page=%d", (len(keys)+per-1)/per, per)}
	}
	reply(w, http.StatusOK, map[string]any{"secrets": out, "links": links, "meta": map[string]int{"total": len(keys)}})
}

type writeReq struct {
	Name    string            `json:"name"`
	Region  string            `json:"region"`
	Version int               `json:"version"`
	Values  map[string]string `json:"values"`
}

func readWrite(w http.ResponseWriter, r *http.Request) (writeReq, bool) {
	var in writeReq
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "bad_request", "the body is not JSON: "+err.Error())
		return in, false
	}
	if !regions[in.Region] {
		fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", fmt.Sprintf("region %q is not a region secrets are offered in", in.Region))
		return in, false
	}
	if len(in.Values) == 0 {
		fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", "values must hold at least one key")
		return in, false
	}
	size := 0
	for k, v := range in.Values {
		if k == "" || !validName(k) {
			fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", fmt.Sprintf("key %q must be letters, digits, '-' and '_'", k))
			return in, false
		}
		size += len(k) + len(v)
	}
	if size > 64<<10 {
		fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", "a secret holds at most 64 KiB")
		return in, false
	}
	return in, true
}

func (s *Secrets) create(w http.ResponseWriter, r *http.Request) {
	in, ok := readWrite(w, r)
	if !ok {
		return
	}
	if !validName(in.Name) {
		fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", fmt.Sprintf("name %q must be 1 to 255 letters, digits, '-' and '_'", in.Name))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := in.Region + "/" + in.Name
	if s.secrets[key] != nil {
		fail(w, http.StatusConflict, "conflict", fmt.Sprintf("a secret named %s exists in %s", in.Name, in.Region))
		return
	}
	now := time.Now()
	s.secrets[key] = &doSecret{name: in.Name, region: in.Region, created: now, updated: now,
		versions: []doVersion{{values: in.Values, created: now}}}
	s.Writes++
	reply(w, http.StatusCreated, map[string]any{"name": in.Name, "region": in.Region, "version": 1})
}

func (s *Secrets) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.find(w, r, ""); x != nil {
		reply(w, http.StatusOK, x.wire(true))
	}
}

func (s *Secrets) versions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.find(w, r, "")
	if x == nil {
		return
	}
	out := []any{}
	for i, v := range x.versions {
		out = append(out, map[string]any{"version": i + 1, "created_at": v.created.UTC().Format(rfc3339)})
	}
	reply(w, http.StatusOK, map[string]any{"versions": out})
}

func (s *Secrets) update(w http.ResponseWriter, r *http.Request) {
	in, ok := readWrite(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.find(w, r, in.Region)
	if x == nil {
		return
	}
	if x.deleteRequested != nil {
		fail(w, http.StatusConflict, "conflict", "the secret is scheduled for deletion; restore it first")
		return
	}
	if in.Version != len(x.versions) {
		fail(w, http.StatusConflict, "conflict", fmt.Sprintf("version %d is not the current version %d", in.Version, len(x.versions)))
		return
	}
	now := time.Now()
	x.versions = append(x.versions, doVersion{values: in.Values, created: now})
	x.updated = now
	s.Writes++
	reply(w, http.StatusOK, map[string]any{"name": x.name, "region": x.region, "version": len(x.versions)})
}

func (s *Secrets) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.find(w, r, ""); x != nil {
		now := time.Now()
		x.deleteRequested = &now
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Secrets) restore(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.find(w, r, "")
	if x == nil {
		return
	}
	if x.deleteRequested == nil {
		fail(w, http.StatusConflict, "conflict", "the secret is not scheduled for deletion")
		return
	}
	x.deleteRequested = nil
	w.WriteHeader(http.StatusNoContent)
}

// Purge removes secrets whose deletion was requested, as the service does
// once the recovery window has passed.
func (s *Secrets) Purge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, x := range s.secrets {
		if x.deleteRequested != nil {
			delete(s.secrets, k)
		}
	}
}
