package dns_test

// Route 53 to the other clouds' DNS: Hetzner (hcloudfake) and
// DigitalOcean (dofake), each through its real SDK client.

import (
	"net/http/httptest"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
)

func TestFixtureRoute53ToClouds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, provider string
		env            func(t *testing.T) map[string]cty.Value
	}{
		{"hcloud", "hcloud", func(t *testing.T) map[string]cty.Value {
			api := httptest.NewServer(hcloudfake.NewDNS("hc-token"))
			t.Cleanup(api.Close)
			return map[string]cty.Value{"token": cty.StringVal("hc-token"), "location": cty.StringVal("fsn1"), "endpoint": cty.StringVal(api.URL)}
		}},
		{"digitalocean", "digitalocean", func(t *testing.T) map[string]cty.Value {
			h, _ := dofake.WithDomains("do-token", "b6fr89dbf6d9156cace5f3c78dc9851d957381ef")
			api := httptest.NewServer(h)
			t.Cleanup(api.Close)
			return map[string]cty.Value{"token": cty.StringVal("do-token"), "region": cty.StringVal("fra1"), "endpoint": cty.StringVal(api.URL)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := movertest.New(t)
			fixtureRoute53(t, h)
			dst := h.Env("cloud", tc.provider, tc.env(t)).(providers.DNS)
			m := &lang.Move{Kind: providers.KindDNS, Name: "shop", From: "aws", To: "cloud", Settings: &dns.Settings{FlattenAlias: true}}
			golden(t, "route53-to-"+tc.name+".golden", moveFixture(t, h, m, dst))
			h.Rollback(h.Config(m))
			if zs, err := dst.Zones(h.Ctx); err != nil || len(zs) != 0 {
				t.Errorf("after rollback %s holds %+v (%v)", tc.name, zs, err)
			}
		})
	}
}
