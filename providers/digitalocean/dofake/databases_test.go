package dofake_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"golang.org/x/oauth2"

	"github.com/rehome/rehome/providers/digitalocean/dofake"
)

func godoClient(t *testing.T, url, token string) *godo.Client {
	t.Helper()
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
	c, err := godo.New(hc, godo.SetBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func status(err error) (int, string) {
	var er *godo.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode, er.Message
	}
	return 0, ""
}

// TestDatabasesLifecycle drives the fake with godo: a cluster is created
// "creating", turns online after the configured reads, is listed (and
// filtered by tag), gets a database, and is deleted.
func TestDatabasesLifecycle(t *testing.T) {
	f := dofake.NewDatabases("tok")
	f.OnlineAfter = 2
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	c := godoClient(t, ts.URL, "tok")
	ctx := context.Background()
	d, resp, err := c.Databases.Create(ctx, &godo.DatabaseCreateRequest{Name: "shop-db", EngineSlug: "pg", Version: "15",
		SizeSlug: "db-s-1vcpu-1gb", Region: "fra1", NumNodes: 1, Tags: []string{"rehome"}})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %v", err)
	}
	if d.Status != "creating" || len(d.ID) != 36 || d.Connection == nil || d.Connection.Port != 25060 || d.Connection.Database != "defaultdb" ||
		!strings.HasPrefix(d.Connection.URI, "postgresql://doadmin:"+d.Connection.Password+"@") || !strings.HasSuffix(d.Connection.URI, "?sslmode=require") {
		t.Fatalf("created cluster %+v, connection %+v", d, d.Connection)
	}
	var seen []string
	for range 3 {
		g, _, err := c.Databases.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, g.Status)
	}
	if strings.Join(seen, ",") != "creating,creating,online" {
		t.Errorf("statuses %v; want online at the third read", seen)
	}
	f.Add(godo.Database{ID: "0d1f0b3a-6c55-4a35-8f0e-1c1c8c8b9f01", Name: "other", EngineSlug: "mysql", Status: "online"})
	all, _, err := c.Databases.List(ctx, nil)
	if err != nil || len(all) != 2 {
		t.Fatalf("list: %v %v", all, err)
	}
	// godo has no tag filter for clusters: its own request, then.
	req, err := c.NewRequest(ctx, http.MethodGet, "/v2/databases?tag_name=rehome", nil)
	if err != nil {
		t.Fatal(err)
	}
	var tagged struct {
		Databases []godo.Database `json:"databases"`
	}
	if _, err := c.Do(ctx, req, &tagged); err != nil || len(tagged.Databases) != 1 || tagged.Databases[0].Name != "shop-db" {
		t.Errorf("list by tag: %v %v", tagged, err)
	}
	if _, _, err := c.Databases.CreateDB(ctx, d.ID, &godo.DatabaseCreateDBRequest{Name: "shop"}); err != nil {
		t.Fatal(err)
	}
	dbs, _, err := c.Databases.ListDBs(ctx, d.ID, nil)
	if err != nil || len(dbs) != 2 || dbs[1].Name != "shop" {
		t.Errorf("databases: %v %v", dbs, err)
	}
	if resp, err := c.Databases.Delete(ctx, d.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	if _, _, err := c.Databases.Get(ctx, d.ID); func() bool { code, _ := status(err); return code != 404 }() {
		t.Errorf("get after delete: %v; want 404", err)
	}
	if f.Creates() != 1 || len(f.Clusters()) != 1 {
		t.Errorf("%d creates, clusters %v", f.Creates(), f.Clusters())
	}
}

// TestDatabasesOnlineDelay: with OnlineDelay a cluster is online that
// long after its create, however few reads it had.
func TestDatabasesOnlineDelay(t *testing.T) {
	f := dofake.NewDatabases("tok")
	f.OnlineAfter, f.OnlineDelay = 1000, 20*time.Millisecond
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	c := godoClient(t, ts.URL, "tok")
	ctx := context.Background()
	d, _, err := c.Databases.Create(ctx, &godo.DatabaseCreateRequest{Name: "slow-db", EngineSlug: "pg", SizeSlug: "db-s-1vcpu-1gb", Region: "nyc1", NumNodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if g, _, _ := c.Databases.Get(ctx, d.ID); g.Status != "creating" || g.VersionSlug != "17" {
		t.Errorf("at once: %s, version %s; want creating, the newest version", g.Status, g.VersionSlug)
	}
	time.Sleep(30 * time.Millisecond)
	if g, _, _ := c.Databases.Get(ctx, d.ID); g.Status != "online" {
		t.Errorf("after the delay: %s", g.Status)
	}
}

// TestDatabasesErrors: what the API refuses, with its status and id.
func TestDatabasesErrors(t *testing.T) {
	f := dofake.NewDatabases("tok")
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	ok := godo.DatabaseCreateRequest{Name: "taken", EngineSlug: "pg", Version: "16", SizeSlug: "db-s-2vcpu-4gb", Region: "ams3", NumNodes: 2}
	if _, _, err := godoClient(t, ts.URL, "tok").Databases.Create(ctx, &ok); err != nil {
		t.Fatal(err)
	}
	with := func(change func(r *godo.DatabaseCreateRequest)) *godo.DatabaseCreateRequest {
		r := ok
		r.Name = "fresh"
		change(&r)
		return &r
	}
	tests := []struct {
		name  string
		token string
		req   *godo.DatabaseCreateRequest
		code  int
		want  string
	}{
		{"bad token", "wrong", with(func(*godo.DatabaseCreateRequest) {}), 401, "Unable to authenticate you"},
		{"name in use", "tok", with(func(r *godo.DatabaseCreateRequest) { r.Name = "taken" }), 422, "already in use"},
		{"bad name", "tok", with(func(r *godo.DatabaseCreateRequest) { r.Name = "Shop_DB" }), 422, "name must be"},
		{"engine", "tok", with(func(r *godo.DatabaseCreateRequest) { r.EngineSlug = "oracle" }), 422, "engine"},
		{"version", "tok", with(func(r *godo.DatabaseCreateRequest) { r.Version = "11" }), 422, "version"},
		{"size", "tok", with(func(r *godo.DatabaseCreateRequest) { r.SizeSlug = "s-1vcpu-1gb" }), 422, "size"},
		{"region", "tok", with(func(r *godo.DatabaseCreateRequest) { r.Region = "mars1" }), 422, "region"},
		{"nodes", "tok", with(func(r *godo.DatabaseCreateRequest) { r.NumNodes = 4 }), 422, "num_nodes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := godoClient(t, ts.URL, tc.token).Databases.Create(ctx, tc.req)
			code, msg := status(err)
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Errorf("create = %d %q (%v); want %d with %q", code, msg, err, tc.code, tc.want)
			}
		})
	}
	if f.Creates() != 1 {
		t.Errorf("%d creates; the refused ones made clusters", f.Creates())
	}
	_, _, err := godoClient(t, ts.URL, "tok").Databases.Get(ctx, "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30")
	var er *godo.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 404 || er.Message == "" {
		t.Errorf("get of a missing cluster: %v; want 404 not_found", err)
	}
}
