package hcloud_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/hcloud"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
)

func project() *hcloudfake.Compute {
	c := hcloudfake.NewCompute("hc-inventory-token")
	fsn1 := schema.Location{ID: 1, Name: "fsn1", NetworkZone: "eu-central"}
	id := func(n int64) *int64 { return &n }
	c.AddServer(
		schema.Server{ID: 42, Name: "web-1", Status: "running", Location: fsn1,
			ServerType: schema.ServerType{ID: 22, Name: "cx22", Cores: 2, Memory: 4, Disk: 40, Architecture: "x86", CPUType: "shared"},
			PublicNet: schema.ServerPublicNet{IPv4: schema.ServerPublicNetIPv4{ID: 7, IP: "203.0.113.42"},
				Firewalls: []schema.ServerFirewall{{ID: 5, Status: "applied"}}}},
		schema.Server{ID: 43, Name: "arm-1", Status: "off", Location: fsn1,
			ServerType: schema.ServerType{ID: 45, Name: "cax21", Cores: 4, Memory: 8, Disk: 80, Architecture: "arm", CPUType: "shared"}},
		schema.Server{ID: 44, Name: "db-1", Status: "running", Location: fsn1,
			ServerType: schema.ServerType{ID: 96, Name: "ccx13", Cores: 2, Memory: 8, Disk: 80, Architecture: "x86", CPUType: "dedicated"}},
	)
	c.AddVolume(schema.Volume{ID: 9, Name: "data", Server: id(44), Status: "available", Location: fsn1, Size: 100})
	c.AddLoadBalancer(schema.LoadBalancer{ID: 3, Name: "web", Location: fsn1,
		LoadBalancerType: schema.LoadBalancerType{ID: 1, Name: "lb11"},
		PublicNet:        schema.LoadBalancerPublicNet{Enabled: true, IPv4: schema.LoadBalancerPublicNetIPv4{IP: "203.0.113.3"}},
		Targets: []schema.LoadBalancerTarget{{Type: "server", Server: &schema.LoadBalancerTargetServer{ID: 42}},
			{Type: "server", Server: &schema.LoadBalancerTargetServer{ID: 43}}}})
	c.AddPrimaryIP(schema.PrimaryIP{ID: 7, Name: "web-1-v4", IP: "203.0.113.42", Type: "ipv4", AssigneeID: id(42), AssigneeType: "server", Location: fsn1})
	c.AddFloatingIP(schema.FloatingIP{ID: 8, Name: "vip", IP: "203.0.113.8", Type: "ipv4", Server: id(42), HomeLocation: fsn1})
	c.AddFirewall(schema.Firewall{ID: 5, Name: "web", Rules: []schema.FirewallRule{{Direction: "in", Protocol: "tcp", SourceIPs: []string{"0.0.0.0/0"}}},
		AppliedTo: []schema.FirewallResource{{Type: "server", Server: &schema.FirewallResourceServer{ID: 42}}}})
	c.AddCertificate(schema.Certificate{ID: 11, Name: "shop", Type: "managed", DomainNames: []string{"shop.example.com", "www.shop.example.com"}})
	return c
}

func configure(t *testing.T, url, token string) providers.Provider {
	t.Helper()
	p := hcloud.Factory().New()
	err := p.Configure(context.Background(), providers.Config{Env: "hetzner", Value: cty.ObjectVal(map[string]cty.Value{
		"token": cty.StringVal(token), "location": cty.StringVal("fsn1"), "endpoint": cty.StringVal(url),
		"object_storage": cty.ObjectVal(map[string]cty.Value{"endpoint": cty.StringVal("http://127.0.0.1:1")}),
	})})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInventory lists the project through hcloud-go, one item a page.
func TestInventory(t *testing.T) {
	c := project()
	c.PageLimit = 1
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	inv, err := configure(t, srv.URL, "hc-inventory-token").Discover(context.Background(),
		providers.Scope{Kinds: []providers.Kind{"none"}, Source: true, Full: true})
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
		{"instance", "servers/42", "web-1", map[string]string{"product": "server", "region": "fsn1", "state": "running", "public_ip": "203.0.113.42",
			"class": "cx22", "vcpus": "2", "memory_mib": "4096", "arch": "x86_64", "size_gib": "40"}, []string{"firewalls/5"}},
		{"instance", "servers/43", "arm-1", map[string]string{"product": "server", "region": "fsn1", "state": "off",
			"class": "cax21", "vcpus": "4", "memory_mib": "8192", "arch": "arm64", "size_gib": "80"}, nil},
		{"instance", "servers/44", "db-1", map[string]string{"product": "server", "region": "fsn1", "state": "running",
			"class": "ccx13", "vcpus": "2", "memory_mib": "8192", "arch": "x86_64", "size_gib": "80"}, nil},
		{"volume", "volumes/9", "data", map[string]string{"product": "volume", "class": "volume", "size_gib": "100", "region": "fsn1", "state": "available"},
			[]string{"servers/44"}},
		{"load_balancer", "load_balancers/3", "web", map[string]string{"product": "load_balancer", "region": "fsn1", "class": "lb11", "lb_type": "lb11",
			"public_ip": "203.0.113.3", "endpoint": "203.0.113.3"}, []string{"servers/42", "servers/43"}},
		{"ip", "primary_ips/7", "web-1-v4", map[string]string{"product": "primary_ip", "class": "primary_ipv4", "public_ip": "203.0.113.42", "region": "fsn1"},
			[]string{"servers/42"}},
		{"ip", "floating_ips/8", "vip", map[string]string{"product": "floating_ip", "class": "floating_ipv4", "public_ip": "203.0.113.8", "region": "fsn1"},
			[]string{"servers/42"}},
		{"firewall", "firewalls/5", "web", map[string]string{"product": "firewall", "rules": "1"}, []string{"servers/42"}},
		{"certificate", "certificates/11", "shop", map[string]string{"product": "certificate", "class": "managed",
			"domains": "shop.example.com,www.shop.example.com"}, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
	if n := c.Calls("/servers"); n != 3 {
		t.Errorf("%d requests for /servers; want 3 pages of one", n)
	}
}

func TestInventoryErrors(t *testing.T) {
	tests := []struct {
		name, token, fail, want string
		retryable               bool
	}{
		{"unauthorized", "wrong-token", "", "hcloud: discover servers: unable to authenticate (unauthorized", false},
		{"unavailable", "hc-inventory-token", "/firewalls", "hcloud: discover firewalls: error within the API backend (server_error", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := project()
			c.Fail = tc.fail
			srv := httptest.NewServer(c)
			t.Cleanup(srv.Close)
			_, err := configure(t, srv.URL, tc.token).Discover(context.Background(),
				providers.Scope{Kinds: []providers.Kind{"none"}, Source: true, Full: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
			if providers.IsRetryable(err) != tc.retryable {
				t.Errorf("retryable = %v; want %v", !tc.retryable, tc.retryable)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Error("the token is in the error")
			}
		})
	}
}
