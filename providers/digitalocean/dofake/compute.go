package dofake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/digitalocean/godo"
)

// Compute is a stateful fake of DigitalOcean's listings of an account's
// compute, each a GET answering {"<key>": [...], "links": {"pages":
// {"first","prev","next","last"}}, "meta": {"total": N}} with page and
// per_page (default 20, at most 200, as the API reference says;
// PageLimit caps it further): /v2/droplets, /v2/volumes,
// /v2/load_balancers, /v2/reserved_ips, /v2/kubernetes/clusters,
// /v2/apps, and /v2/databases (served by DB, a Databases). Items are godo's own types, whose JSON
// fields are the API's. Errors are DigitalOcean's {"id","message",
// "request_id"}: 401 unauthorized without the bearer token, 400
// bad_request for a bad page, 404 not_found, and 500 server_error for
// the path in Fail.
type Compute struct {
	Token     string
	PageLimit int
	// Fail, when set, answers that path with 500 server_error.
	Fail string

	mu       sync.Mutex
	droplets []godo.Droplet
	volumes  []godo.Volume
	lbs      []godo.LoadBalancer
	ips      []godo.ReservedIP
	clusters []godo.KubernetesCluster
	apps     []godo.App
	calls    map[string]int
	// DB serves /v2/databases...
	DB *Databases
}

// NewCompute returns an empty account for the token.
func NewCompute(token string) *Compute {
	return &Compute{Token: token, calls: map[string]int{}, DB: NewDatabases(token)}
}

// AddDroplet adds droplets (and so on for each type below).
func (c *Compute) AddDroplet(d ...godo.Droplet) {
	c.mu.Lock()
	c.droplets = append(c.droplets, d...)
	c.mu.Unlock()
}

// AddVolume adds block storage volumes.
func (c *Compute) AddVolume(v ...godo.Volume) {
	c.mu.Lock()
	c.volumes = append(c.volumes, v...)
	c.mu.Unlock()
}

// AddLoadBalancer adds load balancers.
func (c *Compute) AddLoadBalancer(l ...godo.LoadBalancer) {
	c.mu.Lock()
	c.lbs = append(c.lbs, l...)
	c.mu.Unlock()
}

// AddReservedIP adds reserved IPs.
func (c *Compute) AddReservedIP(i ...godo.ReservedIP) {
	c.mu.Lock()
	c.ips = append(c.ips, i...)
	c.mu.Unlock()
}

// AddCluster adds Kubernetes clusters.
func (c *Compute) AddCluster(k ...godo.KubernetesCluster) {
	c.mu.Lock()
	c.clusters = append(c.clusters, k...)
	c.mu.Unlock()
}

// AddApp adds App Platform apps.
func (c *Compute) AddApp(a ...godo.App) { c.mu.Lock(); c.apps = append(c.apps, a...); c.mu.Unlock() }

// AddDatabase adds managed database clusters.
func (c *Compute) AddDatabase(d ...godo.Database) { c.DB.Add(d...) }

// Calls returns how many requests the path got.
func (c *Compute) Calls(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[path]
}

func computeError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"id": id, "message": msg, "request_id": "4d9d8375-3c56-4925-a3e7-eb137fed17e9"})
}

func (c *Compute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+c.Token {
		computeError(w, http.StatusUnauthorized, "unauthorized", "Unable to authenticate you")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[r.URL.Path]++
	if r.URL.Path == c.Fail {
		computeError(w, http.StatusInternalServerError, "server_error", "Server was unable to give you a response.")
		return
	}
	if r.URL.Path == "/v2/databases" || strings.HasPrefix(r.URL.Path, "/v2/databases/") {
		c.DB.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet {
		computeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
		return
	}
	switch r.URL.Path {
	case "/v2/droplets":
		doPage(w, r, "droplets", c.droplets, c.PageLimit)
	case "/v2/volumes":
		doPage(w, r, "volumes", c.volumes, c.PageLimit)
	case "/v2/load_balancers":
		doPage(w, r, "load_balancers", c.lbs, c.PageLimit)
	case "/v2/reserved_ips":
		doPage(w, r, "reserved_ips", c.ips, c.PageLimit)
	case "/v2/kubernetes/clusters":
		doPage(w, r, "kubernetes_clusters", c.clusters, c.PageLimit)
	case "/v2/apps":
		doPage(w, r, "apps", c.apps, c.PageLimit)
	default:
		computeError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
	}
}

func doPage[T any](w http.ResponseWriter, r *http.Request, key string, items []T, limit int) {
	num := func(name string, def int) (int, bool) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n > 0
	}
	page, ok1 := num("page", 1)
	per, ok2 := num("per_page", 20)
	if !ok1 || !ok2 {
		computeError(w, http.StatusBadRequest, "bad_request", "page and per_page must be positive integers")
		return
	}
	per = min(per, 200)
	if limit > 0 {
		per = min(per, limit)
	}
	last := max(1, (len(items)+per-1)/per)
	from := min((page-1)*per, len(items))
	to := min(from+per, len(items))
	link := func(p int) string {
		return fmt.Sprintf("http://%s%s?page=%d&per_page=%d", r.Host, r.URL.Path, p, per)
	}
	pages := map[string]string{}
	if page > 1 {
		pages["first"], pages["prev"] = link(1), link(page-1)
	}
	if page < last {
		pages["next"], pages["last"] = link(page+1), link(last)
	}
	out := map[string]any{key: append([]T{}, items[from:to]...), "links": map[string]any{"pages": pages},
		"meta": map[string]int{"total": len(items)}}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
