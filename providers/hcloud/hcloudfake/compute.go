package hcloudfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// Compute is a stateful fake of the Cloud API's listings of a project's
// compute: GET /servers, /volumes, /load_balancers, /primary_ips,
// /floating_ips, /firewalls and /certificates, each answering
// {"<resources>": [...], "meta": {"pagination": {...}}} with page and
// per_page (default 25, at most 50, as the API reference says; PageLimit
// caps it further so clients follow several pages). A page past the last
// is empty. A request without "Authorization: Bearer TOKEN" gets 401
// {"error":{"code":"unauthorized"}}; per_page or page that is not a
// positive number gets 400 invalid_input; another path 404 not_found.
// Fill the lists before serving (Add) and count requests with Calls.
type Compute struct {
	Token     string
	PageLimit int

	mu           sync.Mutex
	servers      []schema.Server
	volumes      []schema.Volume
	lbs          []schema.LoadBalancer
	primaryIPs   []schema.PrimaryIP
	floatingIPs  []schema.FloatingIP
	firewalls    []schema.Firewall
	certificates []schema.Certificate
	calls        map[string]int
	// Fail, when set, answers that path with 500 server_error.
	Fail string
}

// NewCompute returns an empty project for the token.
func NewCompute(token string) *Compute { return &Compute{Token: token, calls: map[string]int{}} }

// AddServer adds servers (and so on for each resource type below).
func (c *Compute) AddServer(s ...schema.Server) {
	c.mu.Lock()
	c.servers = append(c.servers, s...)
	c.mu.Unlock()
}

// AddVolume adds volumes.
func (c *Compute) AddVolume(v ...schema.Volume) {
	c.mu.Lock()
	c.volumes = append(c.volumes, v...)
	c.mu.Unlock()
}

// AddLoadBalancer adds load balancers.
func (c *Compute) AddLoadBalancer(l ...schema.LoadBalancer) {
	c.mu.Lock()
	c.lbs = append(c.lbs, l...)
	c.mu.Unlock()
}

// AddPrimaryIP adds primary IPs.
func (c *Compute) AddPrimaryIP(p ...schema.PrimaryIP) {
	c.mu.Lock()
	c.primaryIPs = append(c.primaryIPs, p...)
	c.mu.Unlock()
}

// AddFloatingIP adds floating IPs.
func (c *Compute) AddFloatingIP(f ...schema.FloatingIP) {
	c.mu.Lock()
	c.floatingIPs = append(c.floatingIPs, f...)
	c.mu.Unlock()
}

// AddFirewall adds firewalls.
func (c *Compute) AddFirewall(f ...schema.Firewall) {
	c.mu.Lock()
	c.firewalls = append(c.firewalls, f...)
	c.mu.Unlock()
}

// AddCertificate adds certificates.
func (c *Compute) AddCertificate(x ...schema.Certificate) {
	c.mu.Lock()
	c.certificates = append(c.certificates, x...)
	c.mu.Unlock()
}

// Calls returns how many requests the path got.
func (c *Compute) Calls(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[path]
}

func computeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "details": nil}})
}

func (c *Compute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+c.Token {
		computeError(w, http.StatusUnauthorized, "unauthorized", "unable to authenticate")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[r.URL.Path]++
	if r.URL.Path == c.Fail {
		computeError(w, http.StatusInternalServerError, "server_error", "error within the API backend")
		return
	}
	if r.Method != http.MethodGet {
		computeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
		return
	}
	switch r.URL.Path {
	case "/servers":
		listPage(w, r, "servers", c.servers, c.PageLimit)
	case "/volumes":
		listPage(w, r, "volumes", c.volumes, c.PageLimit)
	case "/load_balancers":
		listPage(w, r, "load_balancers", c.lbs, c.PageLimit)
	case "/primary_ips":
		listPage(w, r, "primary_ips", c.primaryIPs, c.PageLimit)
	case "/floating_ips":
		listPage(w, r, "floating_ips", c.floatingIPs, c.PageLimit)
	case "/firewalls":
		listPage(w, r, "firewalls", c.firewalls, c.PageLimit)
	case "/certificates":
		listPage(w, r, "certificates", c.certificates, c.PageLimit)
	default:
		computeError(w, http.StatusNotFound, "not_found", "not found")
	}
}

// listPage writes one page of items under key, with meta.pagination.
func listPage[T any](w http.ResponseWriter, r *http.Request, key string, items []T, limit int) {
	num := func(name string, def int) (int, bool) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n > 0
	}
	page, ok1 := num("page", 1)
	per, ok2 := num("per_page", 25)
	if !ok1 || !ok2 {
		computeError(w, http.StatusBadRequest, "invalid_input", "invalid input in fields 'page', 'per_page'")
		return
	}
	per = min(per, 50)
	if limit > 0 {
		per = min(per, limit)
	}
	last := max(1, (len(items)+per-1)/per)
	from := min((page-1)*per, len(items))
	to := min(from+per, len(items))
	p := schema.MetaPagination{Page: page, PerPage: per, LastPage: last, TotalEntries: len(items)}
	if page > 1 {
		p.PreviousPage = page - 1
	}
	if page < last {
		p.NextPage = page + 1
	}
	out := map[string]any{key: append([]T{}, items[from:to]...), "meta": schema.Meta{Pagination: &p}}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
