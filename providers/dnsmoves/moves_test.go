package dnsmoves_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
	"github.com/rehome/rehome/providers/providertest"
)

const (
	zone     = "shop.example."
	hcToken  = "hc-move-token"
	doToken  = "do-move-token"
	longDKIM = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwq7bxbJ0m6Xc1vQk1Yw2e8p3Y9QpA0qK3lYc8k6H8k2zXoYw5N0e9mXWkXb3dY3Wm2Qm7u1Q9YlV3QkKm3u0tL2nZ7G5n9v5q3lY7Z8p0k9wJm2r1x6c5f4e3d2a1b0c9d8e7f6g5h4i3j2k1l0m9n8o7p6q5r4s3t2u1v0w9x8y7z6A5B4C3D2E1F0G9H8I7J6K5L4M3N2O1P0Q9R8S7T6U5V4W3X2Y1Z0IDAQAB"
)

// zoneFile is a source zone: apex SOA and NS (the destination's own, not
// copied), MX, SRV, CAA, a DKIM TXT longer than 255 characters (split by
// the zone file), SPF, a wildcard, an IDN label as punycode, a
// delegation.
var zoneFile = `$ORIGIN shop.example.
$TTL 3600
@        IN SOA ns1.example.net. hostmaster.shop.example. 2025010101 3600 900 1209600 300
@        IN NS  ns1.example.net.
@        IN NS  ns2.example.net.
@   300  IN A   192.0.2.10
@   300  IN A   192.0.2.11
@        IN AAAA 2001:db8::10
@        IN MX  10 mail.shop.example.
@        IN MX  20 mx.backup.example.
@        IN TXT "v=spf1 include:_spf.example.net -all"
@        IN CAA 0 issue "letsencrypt.org"
@        IN CAA 128 iodef "mailto:security@shop.example"
mail     IN A   192.0.2.25
www      IN CNAME shop.example.
*.static IN CNAME cdn.example.net.
_sip._tcp IN SRV 10 60 5060 sip.shop.example.
sip      IN A   192.0.2.30
xn--mnchen-3ya IN A 192.0.2.40
sel._domainkey IN TXT "` + longDKIM + `"
sub      86400 IN NS ns1.sub-dns.example.
`

type cloud struct {
	name        string
	nameservers []string // the apex NS the cloud writes
	// env declares the cloud environment on a fresh fake and returns its
	// provider.
	env func(t *testing.T, h *movertest.Harness, name string) providers.DNS
}

var clouds = []cloud{
	{"hcloud", hcloudfake.AssignedNameservers, func(t *testing.T, h *movertest.Harness, name string) providers.DNS {
		ts := httptest.NewServer(hcloudfake.NewDNS(hcToken))
		t.Cleanup(ts.Close)
		return h.Env(name, "hcloud", map[string]cty.Value{"token": cty.StringVal(hcToken), "location": cty.StringVal("fsn1"),
			"endpoint": cty.StringVal(ts.URL)}).(providers.DNS)
	}},
	{"digitalocean", []string{"ns1.digitalocean.com.", "ns2.digitalocean.com.", "ns3.digitalocean.com."}, func(t *testing.T, h *movertest.Harness, name string) providers.DNS {
		api, _ := dofake.WithDomains(doToken, "3a9c54c0-4b5e-4cf3-9d8e-4d9f0a1b2c3d")
		ts := httptest.NewServer(api)
		t.Cleanup(ts.Close)
		return h.Env(name, "digitalocean", map[string]cty.Value{"token": cty.StringVal(doToken), "region": cty.StringVal("fra1"),
			"endpoint": cty.StringVal(ts.URL)}).(providers.DNS)
	}},
}

func move(from, to string) *lang.Move {
	return &lang.Move{Kind: providers.KindDNS, Name: "zones", From: from, To: to, Settings: &dns.Settings{Zones: []string{strings.TrimSuffix(zone, ".")}}}
}

// content is a zone's sets other than the apex SOA and NS (each side's
// own), keyed.
func content(t *testing.T, d providers.DNS) map[string]providers.RecordSet {
	t.Helper()
	out := providertest.SetsByKey(t, d, zone)
	for k, rs := range out {
		if dns.IsApexOwn(zone, rs) {
			delete(out, k)
		}
	}
	return out
}

// withoutSOA drops the SOA set, whose serial moves with every write.
func withoutSOA(sets map[string]providers.RecordSet) map[string]providers.RecordSet {
	for k, rs := range sets {
		if rs.Type == "SOA" {
			delete(sets, k)
		}
	}
	return sets
}

func zoneNames(t *testing.T, d providers.DNS) []string {
	t.Helper()
	zs, err := d.Zones(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, z := range zs {
		out = append(out, z.Name)
	}
	return out
}

// applyClean plans (no blockers), applies and re-plans, which must show
// no changes; it returns the re-plan.
func applyClean(t *testing.T, h *movertest.Harness, cfg *lang.Config) *planner.Plan {
	t.Helper()
	if b := h.Plan(cfg).Blockers(); len(b) > 0 {
		t.Fatalf("blockers: %+v", b)
	}
	h.Apply(cfg)
	again := h.Plan(cfg)
	if again.Summary.Changes != 0 {
		t.Fatalf("re-plan after apply has %d change(s)", again.Summary.Changes)
	}
	return again
}

// localSource declares a local environment holding text as the zone
// file of zone.
func localSource(t *testing.T, text string) (*movertest.Harness, providers.DNS) {
	h := movertest.New(t)
	src := h.Local("src")
	if err := os.MkdirAll(filepath.Join(h.Dir, "src", "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.Dir, "src", "zones", strings.TrimSuffix(zone, ".")+".zone"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return h, src
}

// TestLocalToCloud moves a zone file into each cloud: into a new zone
// (rollback deletes it) and into an existing one holding a record rehome
// did not write (left untouched, and the zone kept).
func TestLocalToCloud(t *testing.T) {
	for _, c := range clouds {
		for _, existing := range []bool{false, true} {
			name := c.name + "/new-zone"
			if existing {
				name = c.name + "/existing-zone"
			}
			t.Run(name, func(t *testing.T) {
				h, src := localSource(t, zoneFile)
				dst := c.env(t, h, "cloud")
				if existing {
					if _, err := dst.CreateZone(h.Ctx, providers.Zone{Name: zone}); err != nil {
						t.Fatal(err)
					}
					providertest.ApplyRecords(t, dst, zone, providertest.Creates(
						providers.RecordSet{Name: "legacy." + zone, Type: "A", TTL: 600, Values: []string{"198.51.100.8"}})...)
				}
				var before map[string]providers.RecordSet
				if existing {
					before = withoutSOA(providertest.SetsByKey(t, dst, zone))
				}
				srcBefore := providertest.SetsByKey(t, src, zone)
				cfg := h.Config(move("src", "cloud"))
				again := applyClean(t, h, cfg)
				// The plan names the name servers the destination assigned,
				// which the registrar must delegate to.
				f := movertest.FindingByCode(t, again, "dns.nameservers")
				for _, ns := range c.nameservers {
					if !strings.Contains(f.Message, ns) {
						t.Errorf("name-server finding %q does not name %s", f.Message, ns)
					}
				}
				got := content(t, dst)
				for k, want := range content(t, src) {
					if !got[k].Equal(want) {
						t.Errorf("%s at the destination = %+v, want %+v", k, got[k], want)
					}
				}
				if existing && !got["legacy."+zone+" A"].Equal(before["legacy."+zone+" A"]) {
					t.Errorf("the record rehome did not write changed: %+v", got["legacy."+zone+" A"])
				}
				// The long DKIM key arrived whole.
				txt := got["sel._domainkey."+zone+" TXT"].Values
				if len(txt) != 1 || strings.NewReplacer(`" "`, "", `"`, "").Replace(txt[0]) != longDKIM {
					t.Errorf("DKIM TXT = %v", txt)
				}
				h.Rollback(cfg)
				if !existing {
					if zs := zoneNames(t, dst); slices.Contains(zs, zone) {
						t.Fatalf("rollback left the zone rehome created: %v", zs)
					}
				} else if d := cmp.Diff(before, withoutSOA(providertest.SetsByKey(t, dst, zone))); d != "" {
					t.Fatalf("rollback did not restore the existing zone (-before +after):\n%s", d)
				}
				if d := cmp.Diff(srcBefore, providertest.SetsByKey(t, src, zone)); d != "" {
					t.Errorf("the source zone file changed (-before +after):\n%s", d)
				}
			})
		}
	}
}

// cloudToLocal declares a cloud source holding an empty zone and a local
// destination.
func cloudToLocal(t *testing.T, c cloud) (*movertest.Harness, providers.DNS, providers.DNS) {
	h := movertest.New(t)
	src := c.env(t, h, "cloud")
	dst := h.Local("dst")
	if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: zone}); err != nil {
		t.Fatal(err)
	}
	return h, src, dst
}

// TestCloudToLocal moves a cloud zone into a zone file and back out by
// rollback; the cloud side is only read.
func TestCloudToLocal(t *testing.T) {
	for _, c := range clouds {
		t.Run(c.name, func(t *testing.T) {
			h, src, dst := cloudToLocal(t, c)
			sets := []providers.RecordSet{
				{Name: zone, Type: "A", TTL: 300, Values: []string{"192.0.2.10", "192.0.2.11"}},
				{Name: zone, Type: "MX", TTL: 3600, Values: []string{"10 mail." + zone}},
				{Name: zone, Type: "CAA", TTL: 3600, Values: []string{`0 issue "letsencrypt.org"`}},
				{Name: "mail." + zone, Type: "A", TTL: 3600, Values: []string{"192.0.2.25"}},
				{Name: "*.static." + zone, Type: "CNAME", TTL: 3600, Values: []string{"cdn.example.net."}},
				{Name: "_sip._tcp." + zone, Type: "SRV", TTL: 3600, Values: []string{"10 60 5060 sip.example.net."}},
				{Name: "sel._domainkey." + zone, Type: "TXT", TTL: 3600, Values: []string{`"` + longDKIM + `"`}},
				{Name: "xn--mnchen-3ya." + zone, Type: "A", TTL: 60, Values: []string{"192.0.2.40"}},
			}
			providertest.ApplyRecords(t, src, zone, providertest.Creates(sets...)...)
			srcBefore := providertest.SetsByKey(t, src, zone)
			cfg := h.Config(move("cloud", "dst"))
			applyClean(t, h, cfg)
			if d := cmp.Diff(content(t, src), content(t, dst)); d != "" {
				t.Errorf("zone file differs from the cloud zone (-cloud +file):\n%s", d)
			}
			h.Rollback(cfg)
			if zs := zoneNames(t, dst); len(zs) != 0 {
				t.Errorf("rollback left zones in the local destination: %v", zs)
			}
			if d := cmp.Diff(srcBefore, providertest.SetsByKey(t, src, zone)); d != "" {
				t.Errorf("the cloud source changed (-before +after):\n%s", d)
			}
		})
	}
}

// TestCloudSourceTTLLowering: with cutover_ttl the prepare phase lowers
// the cloud source's TTLs (a TTL-only change there: Hetzner's change_ttl
// action, DigitalOcean's record edits), the zone file gets the records,
// and rollback puts the source's TTLs back.
func TestCloudSourceTTLLowering(t *testing.T) {
	for _, c := range clouds {
		t.Run(c.name, func(t *testing.T) {
			h, src, dst := cloudToLocal(t, c)
			sets := []providers.RecordSet{
				{Name: zone, Type: "A", TTL: 3600, Values: []string{"192.0.2.10", "192.0.2.11"}},
				{Name: "www." + zone, Type: "CNAME", TTL: 7200, Values: []string{zone}},
				{Name: "fast." + zone, Type: "A", TTL: 60, Values: []string{"192.0.2.12"}},
			}
			providertest.ApplyRecords(t, src, zone, providertest.Creates(sets...)...)
			srcBefore := providertest.SetsByKey(t, src, zone)
			m := move("cloud", "dst")
			m.Settings.(*dns.Settings).CutoverTTL = 60
			cfg := h.Config(m)
			if b := h.Plan(cfg).Blockers(); len(b) > 0 {
				t.Fatalf("blockers: %+v", b)
			}
			h.Apply(cfg)
			lowered := content(t, src)
			for _, rs := range sets {
				if got := lowered[rs.Key()]; got.TTL != 60 || !slices.Equal(got.Values, rs.Values) {
					t.Errorf("source %s after apply = %+v, want TTL 60", rs.Key(), got)
				}
			}
			// (Which TTLs the copy carries is the dns mover's policy; the
			// values are what must arrive.)
			copied := content(t, dst)
			for _, rs := range sets {
				if got := copied[rs.Key()]; !slices.Equal(got.Values, rs.Values) {
					t.Errorf("zone file %s = %+v, want the values of %+v", rs.Key(), got, rs)
				}
			}
			h.Rollback(cfg)
			if d := cmp.Diff(withoutSOA(srcBefore), withoutSOA(providertest.SetsByKey(t, src, zone))); d != "" {
				t.Errorf("rollback did not restore the source TTLs (-before +after):\n%s", d)
			}
		})
	}
}

// bigZone is a zone file of 240 record sets beyond the apex: addresses,
// TXT (some longer than 255 characters), MX, SRV, CNAME and CAA.
func bigZone() string {
	var b strings.Builder
	b.WriteString("$ORIGIN shop.example.\n$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.shop.example. 1 3600 900 1209600 300\n@ IN NS ns1.example.net.\n")
	for i := range 40 {
		fmt.Fprintf(&b, "h%d IN A 192.0.2.%d\nh%d IN AAAA 2001:db8::%x\n", i, i+1, i, i+1)
		fmt.Fprintf(&b, "t%d 300 IN TXT \"token-%d=%s\"\n", i, i, strings.Repeat("x", 100+i*7))
		fmt.Fprintf(&b, "m%d IN MX %d mail%d.example.net.\n", i, i, i)
		fmt.Fprintf(&b, "_svc%d._tcp IN SRV 10 %d %d target%d.example.net.\n", i, i, 1000+i, i)
		fmt.Fprintf(&b, "c%d IN CNAME h%d\n", i, i)
	}
	b.WriteString("@ IN CAA 0 issue \"letsencrypt.org\"\n")
	return b.String()
}

// TestLargeZone moves a zone of 241 sets (several pages of every listing)
// into each cloud: every set arrives, a re-plan is empty, rollback
// removes the zone.
func TestLargeZone(t *testing.T) {
	for _, c := range clouds {
		t.Run(c.name, func(t *testing.T) {
			h, src := localSource(t, bigZone())
			dst := c.env(t, h, "cloud")
			cfg := h.Config(move("src", "cloud"))
			applyClean(t, h, cfg)
			want := content(t, src)
			if len(want) != 241 {
				t.Fatalf("the fixture has %d sets, want 241", len(want))
			}
			if d := cmp.Diff(want, content(t, dst)); d != "" {
				t.Errorf("destination differs (-source +destination):\n%s", d)
			}
			h.Rollback(cfg)
			if zs := zoneNames(t, dst); slices.Contains(zs, zone) {
				t.Errorf("rollback left the zone: %v", zs)
			}
		})
	}
}
