package dns_test

// A real-world-sized fixture zone (200+ record sets of every common type,
// long DKIM and SPF TXT, SRV, CAA, a wildcard, aliases and weighted sets)
// moved between Route 53 and zone files, each direction checked against a
// golden file of what the destination holds and what the audit said.
// go test ./movers/dns -run Fixture -update rewrites them.

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureSets is the fixture zone shop.example.com without apex SOA/NS;
// aliasZone is the hosted zone id its in-zone aliases name ("" leaves
// the aliases out, for sources without them).
func fixtureSets(aliasZone string) []providers.RecordSet {
	const z = "shop.example.com."
	var out []providers.RecordSet
	add := func(name, typ string, ttl uint32, vals ...string) {
		out = append(out, providers.RecordSet{Name: name, Type: typ, TTL: ttl, Values: vals})
	}
	for i := range 150 {
		add(fmt.Sprintf("host%03d.%s", i, z), "A", 300, fmt.Sprintf("192.0.2.%d", i+1))
	}
	for i := range 20 {
		add(fmt.Sprintf("v6-%02d.%s", i, z), "AAAA", 3600, fmt.Sprintf("2001:db8::%x", i+1))
	}
	for i := range 10 {
		add(fmt.Sprintf("alias%02d.%s", i, z), "CNAME", 3600, fmt.Sprintf("host%03d.%s", i, z))
	}
	add("www."+z, "A", 60, "192.0.2.200", "192.0.2.201")
	add("www."+z, "AAAA", 60, "2001:db8::200")
	add("*.preview."+z, "A", 300, "192.0.2.250")
	add(z, "MX", 3600, "10 mx1.shop.example.com.", "20 mx2.shop.example.com.")
	add("mx1."+z, "A", 3600, "192.0.2.240")
	add("mx2."+z, "A", 3600, "192.0.2.241")
	add(z, "TXT", 3600, `"v=spf1 ip4:192.0.2.0/24 include:_spf.mailer.example.net include:spf.protection.example.org ~all"`,
		`"google-site-verification=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"`)
	key := strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 9)
	add("s1._domainkey."+z, "TXT", 3600, `"v=DKIM1; k=rsa; p=`+key[:200]+`" "`+key[200:]+`"`)
	add("_dmarc."+z, "TXT", 3600, `"v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.example.com; pct=100"`)
	add(z, "CAA", 3600, `0 iodef "mailto:security@shop.example.com"`, `0 issue "letsencrypt.org"`, `0 issuewild ";"`)
	add("_sip._tcp."+z, "SRV", 3600, "10 60 5060 sip1.shop.example.com.", "20 40 5060 sip2.shop.example.com.")
	add("_xmpp-server._tcp."+z, "SRV", 3600, "5 0 5269 xmpp.shop.example.com.")
	add("_imaps._tcp."+z, "SRV", 3600, "0 1 993 mx1.shop.example.com.")
	add("_submission._tcp."+z, "SRV", 3600, "0 1 587 mx1.shop.example.com.")
	add("_autodiscover._tcp."+z, "SRV", 3600, "0 0 443 mx1.shop.example.com.")
	add("_443._tcp.www."+z, "TLSA", 3600, "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6")
	add("bastion."+z, "SSHFP", 3600, "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789")
	add("legacy."+z, "NS", 86400, "ns1.legacy-dns.example.net.", "ns2.legacy-dns.example.net.")
	if aliasZone != "" {
		w := func(n int64) *int64 { return &n }
		out = append(out,
			providers.RecordSet{Name: z, Type: "A", Alias: &providers.Alias{Zone: aliasZone, Target: "www." + z}},
			providers.RecordSet{Name: "cdn." + z, Type: "A", Alias: &providers.Alias{Zone: "Z2FDTNDATAQYW2", Target: "d111111abcdef8.cloudfront.net."}},
			providers.RecordSet{Name: "api." + z, Type: "A", TTL: 60, SetID: "blue", Values: []string{"192.0.2.230"}, Routing: &providers.Routing{Weight: w(80)}},
			providers.RecordSet{Name: "api." + z, Type: "A", TTL: 60, SetID: "green", Values: []string{"192.0.2.231"}, Routing: &providers.Routing{Weight: w(20)}},
		)
	}
	return out
}

// render is a golden file's text: the audit's findings, then the
// destination's record sets but its own apex SOA/NS, one line each.
func render(t *testing.T, p *planner.Plan, d providers.DNS, zone string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# audit\n")
	for _, f := range p.Audit {
		fmt.Fprintf(&b, "%s %s acknowledged=%v\n  %s\n", f.Severity, f.Code, f.Acknowledged, f.Message)
	}
	b.WriteString("# destination\n")
	sets, err := d.Records(t.Context(), zone)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range sets {
		if s.Name == zone && (s.Type == "SOA" || s.Type == "NS") {
			continue
		}
		head := fmt.Sprintf("%s %d %s", s.Name, s.TTL, s.Type)
		if s.SetID != "" {
			head += " [" + s.SetID + "]"
		}
		if s.Alias != nil {
			lines = append(lines, fmt.Sprintf("%s ALIAS %s (zone %s)", head, s.Alias.Target, s.Alias.Zone))
			continue
		}
		for _, v := range s.Values {
			lines = append(lines, head+" "+v)
		}
	}
	sort.Strings(lines)
	b.WriteString(strings.Join(lines, "\n") + "\n")
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from what the move produced; run with -update and review the diff.\n--- got\n%s", path, got)
	}
}

// moveFixture plans, acknowledges every blocker, applies, checks the
// re-plan is empty and returns the golden text.
func moveFixture(t *testing.T, h *movertest.Harness, m *lang.Move, dst providers.DNS) string {
	t.Helper()
	p := h.Plan(h.Config(m))
	for _, f := range p.Audit {
		if f.Severity == planner.SevBlocker {
			m.Acknowledge = append(m.Acknowledge, f.ID)
		}
	}
	p = h.Plan(h.Config(m))
	if p.Summary.Blockers != 0 {
		t.Fatalf("blockers after acknowledging all: %+v", p.Audit)
	}
	h.Apply(h.Config(m))
	if again := h.Plan(h.Config(m)); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply: %d changes", again.Summary.Changes)
	}
	return render(t, p, dst, "shop.example.com.")
}

// fixtureRoute53 is an aws environment holding the fixture zone.
func fixtureRoute53(t *testing.T, h *movertest.Harness) (*aws.Provider, *awsfake.Route53Server, providers.Zone) {
	t.Helper()
	src, fake := route53Env(t, h, "aws")
	z, err := src.CreateZone(h.Ctx, providers.Zone{Name: "shop.example.com."})
	if err != nil {
		t.Fatal(err)
	}
	applySets(t, src, "shop.example.com.", fixtureSets(strings.TrimPrefix(z.ID, "/hostedzone/"))...)
	return src, fake, z
}

func TestFixtureRoute53ToLocal(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	_, fake, z := fixtureRoute53(t, h)
	dst := h.Local("files")
	if err := fake.SetSigning(z.ID, true); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindDNS, Name: "shop", From: "aws", To: "files", Settings: &dns.Settings{FlattenAlias: true}}
	got := moveFixture(t, h, m, dst)
	// The zone id of the in-zone alias differs run to run; the flattened
	// records do not show it.
	golden(t, "route53-to-local.golden", got)
}

func TestFixtureLocalToRoute53(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Local("files")
	dst, _ := route53Env(t, h, "aws")
	if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: "shop.example.com."}); err != nil {
		t.Fatal(err)
	}
	applySets(t, src, "shop.example.com.", fixtureSets("")...)
	m := &lang.Move{Kind: providers.KindDNS, Name: "shop", From: "files", To: "aws", Settings: &dns.Settings{}}
	golden(t, "local-to-route53.golden", moveFixture(t, h, m, dst))
	h.Rollback(h.Config(m))
	if zs, _ := dst.Zones(h.Ctx); len(zs) != 0 {
		t.Errorf("rollback left %+v at Route 53", zs)
	}
}

func TestFixtureRoute53ToMemory(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	fixtureRoute53(t, h)
	dst := h.Mem("mem")
	m := &lang.Move{Kind: providers.KindDNS, Name: "shop", From: "aws", To: "mem", Settings: &dns.Settings{}}
	golden(t, "route53-to-memory.golden", moveFixture(t, h, m, dst))
}
