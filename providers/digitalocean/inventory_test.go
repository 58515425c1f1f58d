package digitalocean_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
)

func account() *dofake.Compute {
	c := dofake.NewCompute("do-inventory-token")
	fra1 := &godo.Region{Slug: "fra1", Name: "Frankfurt 1"}
	c.AddDroplet(
		godo.Droplet{ID: 101, Name: "web-1", Memory: 2048, Vcpus: 2, Disk: 60, Region: fra1, Status: "active", SizeSlug: "s-2vcpu-2gb",
			Networks:  &godo.Networks{V4: []godo.NetworkV4{{IPAddress: "10.114.0.2", Type: "private"}, {IPAddress: "192.0.2.101", Type: "public"}}},
			VolumeIDs: []string{"vol-a"}},
		godo.Droplet{ID: 102, Name: "web-2", Memory: 4096, Vcpus: 2, Disk: 80, Region: fra1, Status: "off", SizeSlug: "s-2vcpu-4gb"},
		godo.Droplet{ID: 103, Name: "worker", Memory: 8192, Vcpus: 4, Disk: 160, Region: fra1, Status: "active", SizeSlug: "c-4"},
	)
	c.AddVolume(godo.Volume{ID: "vol-a", Name: "uploads", SizeGigaBytes: 100, Region: fra1, DropletIDs: []int{101}})
	c.AddLoadBalancer(godo.LoadBalancer{ID: "lb-1", Name: "web", IP: "192.0.2.10", SizeUnit: 2, Region: fra1, Status: "active", DropletIDs: []int{101, 102}})
	c.AddReservedIP(godo.ReservedIP{IP: "192.0.2.200", Region: fra1, Droplet: &godo.Droplet{ID: 103}})
	c.AddCluster(godo.KubernetesCluster{ID: "k8s-1", Name: "apps", RegionSlug: "fra1", VersionSlug: "1.31.1-do.0",
		NodePools: []*godo.KubernetesNodePool{{Name: "pool-a", Size: "s-2vcpu-4gb", Count: 3}, {Name: "pool-b", Size: "s-4vcpu-8gb", Count: 1}}})
	c.AddApp(godo.App{ID: "app-1", Spec: &godo.AppSpec{Name: "shop-web", Region: "fra"}, LiveURL: "https://shop-web-abcde.ondigitalocean.app",
		DefaultIngress: "https://shop-web-abcde.ondigitalocean.app"})
	c.AddDatabase(godo.Database{ID: "db-1", Name: "orders", EngineSlug: "pg", VersionSlug: "16", SizeSlug: "db-s-2vcpu-4gb", RegionSlug: "fra1",
		NumNodes: 2, Status: "online", StorageSizeMib: 61440,
		Connection: &godo.DatabaseConnection{Host: "orders-do-user-1.b.db.ondigitalocean.com", Port: 25060, User: "doadmin", Password: "db-password-never-shown"}})
	return c
}

func configure(t *testing.T, url, token string) providers.Provider {
	t.Helper()
	p := digitalocean.Factory().New()
	err := p.Configure(context.Background(), providers.Config{Env: "do", Value: cty.ObjectVal(map[string]cty.Value{
		"token": cty.StringVal(token), "region": cty.StringVal("fra1"), "endpoint": cty.StringVal(url),
		"spaces": cty.ObjectVal(map[string]cty.Value{"endpoint": cty.StringVal("http://127.0.0.1:1")}),
	})})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var full = providers.Scope{Kinds: []providers.Kind{"none"}, Source: true, Full: true}

// TestInventory lists the account through godo, one item a page.
func TestInventory(t *testing.T) {
	c := account()
	c.PageLimit = 1
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	inv, err := configure(t, srv.URL, "do-inventory-token").Discover(context.Background(), full)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Type, ID, Name string
		Attrs          map[string]string
		Refs           []string
	}
	var got []row
	for _, r := range inv.Resources {
		got = append(got, row{r.Type, r.ID, r.Name, r.Attrs, r.References})
	}
	want := []row{
		{"instance", "droplets/101", "web-1", map[string]string{"product": "droplet", "class": "s-2vcpu-2gb", "vcpus": "2", "memory_mib": "2048",
			"arch": "x86_64", "region": "fra1", "state": "active", "size_gib": "60", "public_ip": "192.0.2.101"}, []string{"volumes/vol-a"}},
		{"instance", "droplets/102", "web-2", map[string]string{"product": "droplet", "class": "s-2vcpu-4gb", "vcpus": "2", "memory_mib": "4096",
			"arch": "x86_64", "region": "fra1", "state": "off", "size_gib": "80"}, nil},
		{"instance", "droplets/103", "worker", map[string]string{"product": "droplet", "class": "c-4", "vcpus": "4", "memory_mib": "8192",
			"arch": "x86_64", "region": "fra1", "state": "active", "size_gib": "160"}, nil},
		{"volume", "volumes/vol-a", "uploads", map[string]string{"product": "volume", "class": "volume", "size_gib": "100", "region": "fra1"},
			[]string{"droplets/101"}},
		{"load_balancer", "load_balancers/lb-1", "web", map[string]string{"product": "load_balancer", "class": "lb-2-units", "lb_type": "REGIONAL",
			"region": "fra1", "public_ip": "192.0.2.10", "endpoint": "192.0.2.10", "state": "active", "size_unit": "2"},
			[]string{"droplets/101", "droplets/102"}},
		{"ip", "reserved_ips/192.0.2.200", "192.0.2.200", map[string]string{"product": "reserved_ip", "class": "reserved_ipv4",
			"public_ip": "192.0.2.200", "region": "fra1"}, []string{"droplets/103"}},
		{"kubernetes_cluster", "kubernetes/clusters/k8s-1", "apps", map[string]string{"product": "doks", "region": "fra1", "version": "1.31.1-do.0",
			"nodes": "4", "node_pools": "pool-a:s-2vcpu-4gb×3,pool-b:s-4vcpu-8gb×1"}, nil},
		{"app", "apps/app-1", "shop-web", map[string]string{"product": "app_platform", "region": "fra",
			"endpoint": "https://shop-web-abcde.ondigitalocean.app"}, []string{"shop-web-abcde.ondigitalocean.app"}},
		{"database_instance", "databases/db-1", "orders", map[string]string{"product": "managed_database", "class": "db-s-2vcpu-4gb", "engine": "pg",
			"version": "16", "nodes": "2", "region": "fra1", "state": "online", "endpoint": "orders-do-user-1.b.db.ondigitalocean.com",
			"storage_gib": "60"}, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
	if n := c.Calls("/v2/droplets"); n != 3 {
		t.Errorf("%d requests for /v2/droplets; want 3 pages of one", n)
	}
	raw, _ := json.Marshal(inv)
	if strings.Contains(string(raw), "never-shown") || strings.Contains(string(raw), "doadmin") {
		t.Error("database credentials reached the inventory")
	}
}

func TestInventoryErrors(t *testing.T) {
	tests := []struct {
		name, token, fail, want string
		retryable               bool
	}{
		{"unauthorized", "wrong-token", "", "digitalocean: discover droplets: GET", false},
		{"server error", "do-inventory-token", "/v2/databases", "digitalocean: discover database clusters: GET", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := account()
			c.Fail = tc.fail
			srv := httptest.NewServer(c)
			t.Cleanup(srv.Close)
			_, err := configure(t, srv.URL, tc.token).Discover(context.Background(), full)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
			if providers.IsRetryable(err) != tc.retryable {
				t.Errorf("retryable = %v; want %v (%v)", !tc.retryable, tc.retryable, err)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Error("the token is in the error")
			}
		})
	}
}
