package dofake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/digitalocean/godo"
)

// Values the fake accepts on a cluster create, after DigitalOcean's API
// reference (https://docs.digitalocean.com/reference/api/api-reference/#tag/Databases)
// and its supported-versions pages: anything else is 422.
var (
	dbEngines = map[string][]string{
		"pg": {"13", "14", "15", "16", "17"}, "mysql": {"8"}, "valkey": {"8"}, "mongodb": {"6.0", "7.0"},
		"kafka": {"3.7", "3.8"}, "opensearch": {"2"},
	}
	dbRegions = []string{"nyc1", "nyc3", "ams3", "sfo2", "sfo3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1", "atl1"}
	dbSize    = regexp.MustCompile(`^(db-s|db-intel|db-amd|gd|so1_5|m)-[0-9]+vcpu-[0-9]+gb(-[0-9]+gb)?$`)
	dbName    = regexp.MustCompile(`^[a-z][a-z0-9-]{1,61}[a-z0-9]$`)
)

// Databases is a stateful fake of DigitalOcean's managed database
// clusters: POST /v2/databases (201 {"database": {...}} with status
// "creating", a uuid id and the connection), GET /v2/databases (every
// cluster, tag_name filtering; the reference gives it no pages), GET and
// DELETE /v2/databases/{id} (404 not_found; 204), and GET and POST
// /v2/databases/{id}/dbs. A cluster turns "online" once it was read
// OnlineAfter times (GET of it, or a listing holding it) or OnlineDelay
// after its create, whichever comes first. A create with an unknown
// engine, version, size or region, a node count outside 1..3 or a name
// already in use is 422 unprocessable_entity; a request without the
// bearer token 401 Unauthorized.
type Databases struct {
	Token string
	// OnlineAfter is how many reads a new cluster answers "creating" to
	// (0: online at the first read); OnlineDelay, when set, makes it
	// online that long after its create instead.
	OnlineAfter int
	OnlineDelay time.Duration
	// Connect, when set, gives a new cluster its connection (a test
	// points it at a real PostgreSQL database); otherwise the fake makes
	// one up the way DigitalOcean shapes them.
	Connect func(d godo.Database) (godo.DatabaseConnection, error)
	// Deleted, when set, is told of each cluster deleted.
	Deleted func(d godo.Database)

	mu       sync.Mutex
	clusters []*cluster
	creates  int
}

type cluster struct {
	db      godo.Database
	reads   int
	created time.Time
}

// NewDatabases returns an account without clusters answering requests
// bearing token.
func NewDatabases(token string) *Databases { return &Databases{Token: token} }

// Add adds clusters as they are (status and connection included).
func (f *Databases) Add(ds ...godo.Database) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range ds {
		f.clusters = append(f.clusters, &cluster{db: d, created: time.Now()})
	}
}

// Clusters returns the clusters as stored.
func (f *Databases) Clusters() []godo.Database {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]godo.Database, 0, len(f.clusters))
	for _, c := range f.clusters {
		out = append(out, c.db)
	}
	return out
}

// Creates counts the clusters created through the API.
func (f *Databases) Creates() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates
}

// ServeHTTP serves /v2/databases...
func (f *Databases) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.Token {
		send(w, http.StatusUnauthorized, map[string]string{"id": "Unauthorized", "message": "Unable to authenticate you"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v2/databases"), "/"), "/")
	var err *doError
	switch {
	case parts[0] == "" && r.Method == http.MethodGet:
		err = f.list(w, r)
	case parts[0] == "" && r.Method == http.MethodPost:
		err = f.create(w, r)
	case parts[0] != "":
		i := slices.IndexFunc(f.clusters, func(c *cluster) bool { return c.db.ID == parts[0] })
		if i < 0 {
			err = errNotFound
			break
		}
		err = f.clusterRoute(w, r, i, parts[1:])
	default:
		err = errNotFound
	}
	if err != nil {
		send(w, err.status, map[string]string{"id": err.id, "message": err.msg, "request_id": "fake-databases"})
	}
}

func (f *Databases) clusterRoute(w http.ResponseWriter, r *http.Request, i int, rest []string) *doError {
	c := f.clusters[i]
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		send(w, http.StatusOK, map[string]any{"database": f.read(c)})
	case len(rest) == 0 && r.Method == http.MethodDelete:
		f.clusters = slices.Delete(f.clusters, i, i+1)
		if f.Deleted != nil {
			f.Deleted(c.db)
		}
		send(w, http.StatusNoContent, nil)
	case len(rest) == 1 && rest[0] == "dbs" && r.Method == http.MethodGet:
		dbs := []godo.DatabaseDB{}
		for _, n := range c.db.DBNames {
			dbs = append(dbs, godo.DatabaseDB{Name: n})
		}
		send(w, http.StatusOK, map[string]any{"dbs": dbs})
	case len(rest) == 1 && rest[0] == "dbs" && r.Method == http.MethodPost:
		if f.read(c).Status != "online" {
			return &doError{status: http.StatusPreconditionFailed, id: "precondition_failed", msg: "The cluster is not online yet."}
		}
		var req godo.DatabaseCreateDBRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" {
			return unprocessable("name is required")
		}
		if slices.Contains(c.db.DBNames, req.Name) {
			return unprocessable("database %s already exists", req.Name)
		}
		c.db.DBNames = append(c.db.DBNames, req.Name)
		send(w, http.StatusCreated, map[string]any{"db": godo.DatabaseDB{Name: req.Name}})
	default:
		return errNotFound
	}
	return nil
}

// read counts a read of c and returns it as the API shows it now.
func (f *Databases) read(c *cluster) godo.Database {
	c.reads++
	if c.db.Status == "creating" && (c.reads > f.OnlineAfter || (f.OnlineDelay > 0 && time.Since(c.created) >= f.OnlineDelay)) {
		c.db.Status = "online"
	}
	return c.db
}

// list answers every cluster (tag_name filters): the API reference gives
// this call no pagination, and godo's List reads no links from it.
func (f *Databases) list(w http.ResponseWriter, r *http.Request) *doError {
	var sel []*cluster
	for _, c := range f.clusters {
		if t := r.URL.Query().Get("tag_name"); t == "" || slices.Contains(c.db.Tags, t) {
			sel = append(sel, c)
		}
	}
	out := []godo.Database{}
	for _, c := range sel {
		out = append(out, f.read(c))
	}
	send(w, http.StatusOK, map[string]any{"databases": out})
	return nil
}

func (f *Databases) create(w http.ResponseWriter, r *http.Request) *doError {
	var req godo.DatabaseCreateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return unprocessable("invalid JSON: %v", err)
	}
	versions, ok := dbEngines[req.EngineSlug]
	switch {
	case !dbName.MatchString(req.Name):
		return unprocessable("name must be 3 to 63 lowercase letters, digits and dashes, starting with a letter")
	case slices.ContainsFunc(f.clusters, func(c *cluster) bool { return c.db.Name == req.Name }):
		return unprocessable("name is already in use by another cluster")
	case !ok:
		return unprocessable("engine %q is not a supported engine", req.EngineSlug)
	case req.Version != "" && !slices.Contains(versions, req.Version):
		return unprocessable("version %q is not available for engine %s", req.Version, req.EngineSlug)
	case !dbSize.MatchString(req.SizeSlug):
		return unprocessable("size %q is not a valid database size", req.SizeSlug)
	case !slices.Contains(dbRegions, req.Region):
		return unprocessable("region %q is not available for databases", req.Region)
	case req.NumNodes < 1 || req.NumNodes > 3:
		return unprocessable("num_nodes must be between 1 and 3")
	}
	version := req.Version
	if version == "" {
		version = versions[len(versions)-1]
	}
	d := godo.Database{ID: uuid(), Name: req.Name, EngineSlug: req.EngineSlug, VersionSlug: version, SizeSlug: req.SizeSlug,
		RegionSlug: req.Region, NumNodes: req.NumNodes, Status: "creating", CreatedAt: time.Now().UTC().Truncate(time.Second),
		Tags: req.Tags, ProjectID: req.ProjectID, PrivateNetworkUUID: req.PrivateNetworkUUID}
	var conn godo.DatabaseConnection
	if f.Connect != nil {
		var err error
		if conn, err = f.Connect(d); err != nil {
			return &doError{status: http.StatusInternalServerError, id: "server_error", msg: err.Error()}
		}
	} else {
		conn = madeUpConnection(d)
	}
	d.Connection = &conn
	d.DBNames = []string{conn.Database}
	d.Users = []godo.DatabaseUser{{Name: conn.User, Role: "primary", Password: conn.Password}}
	f.clusters = append(f.clusters, &cluster{db: d, created: time.Now()})
	f.creates++
	send(w, http.StatusCreated, map[string]any{"database": d})
	return nil
}

// madeUpConnection is a connection shaped like DigitalOcean's: user
// doadmin on port 25060 of a host in db.ondigitalocean.com, database
// defaultdb, TLS required.
func madeUpConnection(d godo.Database) godo.DatabaseConnection {
	host := d.Name + "-do-user-1-0.b.db.ondigitalocean.com"
	pw := "AVNS_" + uuid()[:20]
	return godo.DatabaseConnection{Protocol: "postgresql", Host: host, Port: 25060, User: "doadmin", Password: pw, Database: "defaultdb", SSL: true,
		URI: fmt.Sprintf("postgresql://doadmin:%s@%s:25060/defaultdb?sslmode=require", pw, host)}
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
