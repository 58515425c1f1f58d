package dns_test

// Moves from and to Route 53: the aws provider's real SDK client against
// awsfake's Route 53 on 127.0.0.1.

import (
	"net/http/httptest"
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
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
)

// route53Env declares an aws environment whose Route 53 is a fresh fake.
func route53Env(t *testing.T, h *movertest.Harness, name string, account ...string) (*aws.Provider, *awsfake.Route53Server) {
	t.Helper()
	fake := awsfake.NewRoute53()
	r53 := httptest.NewServer(fake)
	t.Cleanup(r53.Close)
	acct := "123456789012"
	if len(account) > 0 {
		acct = account[0]
	}
	sts := httptest.NewServer(awsfake.STS(acct))
	t.Cleanup(sts.Close)
	p := h.Env(name, "aws", map[string]cty.Value{
		"region":     cty.StringVal("eu-central-1"),
		"access_key": cty.StringVal("AKID"),
		"secret_key": cty.StringVal("SECRET"),
		"endpoints":  cty.MapVal(map[string]cty.Value{"route53": cty.StringVal(r53.URL), "sts": cty.StringVal(sts.URL)}),
	}).(*aws.Provider)
	return p, fake
}

func applySets(t *testing.T, d providers.DNS, zone string, sets ...providers.RecordSet) {
	t.Helper()
	var cs []providers.RecordChange
	for i := range sets {
		cs = append(cs, providers.RecordChange{Op: providers.ChangeCreate, New: &sets[i]})
	}
	if err := d.ApplyRecords(t.Context(), zone, cs); err != nil {
		t.Fatal(err)
	}
}

func setMap(t *testing.T, d providers.DNS, zone string, skipApex bool) map[string]providers.RecordSet {
	t.Helper()
	sets, err := d.Records(t.Context(), zone)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]providers.RecordSet{}
	for _, s := range sets {
		if skipApex && s.Name == zone && (s.Type == "SOA" || s.Type == "NS") {
			continue
		}
		out[s.Key()] = s
	}
	return out
}

func rs(name, typ string, ttl uint32, vals ...string) providers.RecordSet {
	return providers.RecordSet{Name: name, Type: typ, TTL: ttl, Values: vals}
}

// TestRoute53ToMemory: a Route 53 zone with aliases, weighted routing and
// DNSSEC moves to a destination without any of them: each is a blocker
// naming the sets; flatten_alias flattens what the zone's own data
// resolves and names what it cannot; acknowledged, the rest moves exactly,
// a re-plan is empty and rollback leaves the destination as it was.
func TestRoute53ToMemory(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, fake := route53Env(t, h, "aws")
	dst := h.Mem("dst")
	z, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	zid := strings.TrimPrefix(z.ID, "/hostedzone/")
	w := func(n int64) *int64 { return &n }
	dkim := `"v=DKIM1; k=rsa; p=` + strings.Repeat("A", 230) + `" "` + strings.Repeat("B", 150) + `"`
	applySets(t, src, "example.com.",
		rs("www.example.com.", "A", 300, "192.0.2.1", "192.0.2.2"),
		rs("*.example.com.", "A", 300, "192.0.2.9"),
		rs("example.com.", "MX", 3600, "10 mail.example.com.", "20 mx.example.net."),
		rs("example.com.", "TXT", 3600, `"v=spf1 include:_spf.example.net ~all"`),
		rs("sel._domainkey.example.com.", "TXT", 3600, dkim),
		rs("example.com.", "CAA", 3600, `0 issue "letsencrypt.org"`),
		rs("_sip._tcp.example.com.", "SRV", 3600, "10 5 5060 sip.example.com."),
		providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 60, SetID: "blue", Values: []string{"192.0.2.11"}, Routing: &providers.Routing{Weight: w(90)}},
		providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 60, SetID: "green", Values: []string{"192.0.2.12"}, Routing: &providers.Routing{Weight: w(10)}},
	)
	applySets(t, src, "example.com.",
		providers.RecordSet{Name: "example.com.", Type: "A", Alias: &providers.Alias{Zone: zid, Target: "www.example.com."}},
		providers.RecordSet{Name: "lb.example.com.", Type: "AAAA", Alias: &providers.Alias{Zone: "Z215JYRZR1TBD5", Target: "dualstack.shop-1.eu-central-1.elb.amazonaws.com.", EvaluateHealth: true}},
	)
	if err := fake.SetSigning(z.ID, true); err != nil {
		t.Fatal(err)
	}
	srcBefore := setMap(t, src, "example.com.", false)
	const recAddr = `move.dns.zones.records["example.com"]`
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "aws", To: "dst", Settings: &dns.Settings{Zones: []string{"example.com"}}}

	p := h.Plan(h.Config(m))
	f := movertest.FindingByCode(t, p, "dns.alias_unsupported")
	if f.Severity != planner.SevBlocker || !strings.Contains(f.Message, "example.com. A (target www.example.com.)") ||
		!strings.Contains(f.Message, "lb.example.com. AAAA") || !strings.Contains(f.Remedy, "flatten_alias = true") {
		t.Errorf("alias finding %+v", f)
	}
	if f := movertest.FindingByCode(t, p, "dns.routing_unsupported"); !strings.Contains(f.Message, "api.example.com. A blue") ||
		!strings.Contains(f.Message, "api.example.com. A green") {
		t.Errorf("routing finding %+v", f)
	}
	ds := movertest.FindingByCode(t, p, "dns.dnssec_unsigned_destination")
	if ds.Severity != planner.SevBlocker || !strings.Contains(ds.Message, "SIGNING") {
		t.Errorf("DNSSEC finding %+v", ds)
	}
	if a := movertest.ActionAt(t, p, `move.dns.zones.registrar_ds["example.com"]`); a.Phase != planner.PhaseCutover ||
		!strings.Contains(a.Reason, "remove the DS record(s) 12345 13 2 ") || !strings.Contains(a.Check, "serves no DS") {
		t.Errorf("DS step %+v", a)
	}
	if a := movertest.ActionAt(t, p, `move.dns.zones.delegation["example.com"]`); !slices.Contains(a.DependsOn, `move.dns.zones.registrar_ds["example.com"]`) {
		t.Errorf("the name-server switch does not wait for the DS step: %v", a.DependsOn)
	}

	m.Settings = &dns.Settings{Zones: []string{"example.com"}, FlattenAlias: true}
	p = h.Plan(h.Config(m))
	if f := movertest.FindingByCode(t, p, "dns.alias_flattened"); f.Severity != planner.SevWarning ||
		!strings.Contains(f.Message, "example.com. A (from www.example.com.)") || !strings.Contains(f.Message, "no longer follow") {
		t.Errorf("flattened finding %+v", f)
	}
	unres := movertest.FindingByCode(t, p, "dns.alias_unresolved")
	if unres.Severity != planner.SevBlocker || !strings.Contains(unres.Message, "lb.example.com. AAAA (target dualstack.shop-1.eu-central-1.elb.amazonaws.com. (hosted zone Z215JYRZR1TBD5)") {
		t.Errorf("unresolved alias finding %+v", unres)
	}
	for _, code := range []string{"dns.alias_unresolved", "dns.routing_unsupported", "dns.dnssec_unsigned_destination"} {
		m.Acknowledge = append(m.Acknowledge, movertest.FindingByCode(t, p, code).ID)
	}
	p = h.Plan(h.Config(m))
	if p.Summary.Blockers != 0 {
		t.Fatalf("blockers left after acknowledging: %+v", p.Audit)
	}
	if d := cmp.Diff([]string{"api.example.com. A blue", "api.example.com. A green", "lb.example.com. AAAA"},
		movertest.ActionAt(t, p, recAddr).Skipped); d != "" {
		t.Errorf("skipped sets (-want +got):\n%s", d)
	}
	h.Apply(h.Config(m))
	want := map[string]providers.RecordSet{
		"example.com. A":                  rs("example.com.", "A", 300, "192.0.2.1", "192.0.2.2"),
		"www.example.com. A":              rs("www.example.com.", "A", 300, "192.0.2.1", "192.0.2.2"),
		"*.example.com. A":                rs("*.example.com.", "A", 300, "192.0.2.9"),
		"example.com. MX":                 rs("example.com.", "MX", 3600, "10 mail.example.com.", "20 mx.example.net."),
		"example.com. TXT":                rs("example.com.", "TXT", 3600, `"v=spf1 include:_spf.example.net ~all"`),
		"sel._domainkey.example.com. TXT": rs("sel._domainkey.example.com.", "TXT", 3600, dkim),
		"example.com. CAA":                rs("example.com.", "CAA", 3600, `0 issue "letsencrypt.org"`),
		"_sip._tcp.example.com. SRV":      rs("_sip._tcp.example.com.", "SRV", 3600, "10 5 5060 sip.example.com."),
	}
	if d := cmp.Diff(want, setMap(t, dst, "example.com.", true)); d != "" {
		t.Errorf("destination after apply (-want +got):\n%s", d)
	}
	again := h.Plan(h.Config(m))
	if again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply: %d changes: %+v", again.Summary.Changes, movertest.ActionAt(t, again, recAddr))
	}
	if a := movertest.ActionAt(t, again, `move.dns.zones.delegation["example.com"]`); !strings.Contains(a.Reason, "ns1.memory.example") {
		t.Errorf("the name-server step does not name the destination's servers: %q", a.Reason)
	}
	h.Rollback(h.Config(m))
	if zs, _ := dst.Zones(h.Ctx); len(zs) != 0 {
		t.Errorf("rollback left zones at the destination: %+v", zs)
	}
	if d := cmp.Diff(srcBefore, setMap(t, src, "example.com.", false)); d != "" {
		t.Errorf("the source changed (-before +after):\n%s", d)
	}
}

// TestLocalToRoute53: zone files move into Route 53, one zone new there
// and one already holding a record set of someone else's; a re-plan is
// empty; rollback deletes the zone rehome created and only its own sets
// in the other, and the cutover_ttl staging lowers and restores TTLs.
func TestLocalToRoute53(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Local("legacy")
	dst, _ := route53Env(t, h, "aws")
	for _, z := range []string{"example.com.", "example.org."} {
		if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: z}); err != nil {
			t.Fatal(err)
		}
	}
	applySets(t, src, "example.com.",
		rs("www.example.com.", "A", 3600, "192.0.2.1"),
		rs("example.com.", "MX", 7200, "10 mail.example.com."),
		rs("mail.example.com.", "A", 300, "192.0.2.25"),
		rs("example.com.", "TXT", 3600, `"v=spf1 mx -all"`),
		rs("*.dev.example.com.", "CNAME", 3600, "www.example.com."),
	)
	applySets(t, src, "example.org.", rs("www.example.org.", "AAAA", 3600, "2001:db8::1"))
	if _, err := dst.CreateZone(h.Ctx, providers.Zone{Name: "example.org."}); err != nil {
		t.Fatal(err)
	}
	foreign := rs("legacy.example.org.", "A", 300, "198.51.100.7")
	applySets(t, dst, "example.org.", foreign)
	srcBefore := setMap(t, src, "example.com.", false)
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "legacy", To: "aws", Settings: &dns.Settings{CutoverTTL: 60}}
	cfg := h.Config(m)

	p := h.Plan(cfg)
	ttl := movertest.ActionAt(t, p, `move.dns.zones.source_ttl["example.com"]`)
	if ttl.Action != planner.ActLowerTTL || ttl.Estimate.Items != 6 { // the apex NS too
		t.Errorf("lower_ttl step %s %+v", ttl.Action, ttl.Estimate)
	}
	h.Apply(cfg)
	got := setMap(t, dst, "example.com.", true)
	wantKeys := []string{"*.dev.example.com. CNAME", "example.com. MX", "example.com. TXT", "mail.example.com. A", "www.example.com. A"}
	if d := cmp.Diff(wantKeys, slices.Sorted(func(y func(string) bool) {
		for k := range got {
			if !y(k) {
				return
			}
		}
	})); d != "" {
		t.Fatalf("Route 53 sets after apply (-want +got):\n%s", d)
	}
	if g := got["example.com. MX"]; !slices.Equal(g.Values, []string{"10 mail.example.com."}) {
		t.Errorf("MX at Route 53: %+v", g)
	}
	if g := setMap(t, dst, "example.org.", true); len(g) != 2 || !g[foreign.Key()].Equal(foreign) {
		t.Errorf("example.org at Route 53 after apply: %+v", g)
	}
	if again := h.Plan(cfg); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply: %d changes", again.Summary.Changes)
	}
	h.Rollback(cfg)
	zs, err := dst.Zones(h.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 1 || zs[0].Name != "example.org." {
		t.Errorf("Route 53 zones after rollback: %+v (want only the one that existed)", zs)
	}
	if g := setMap(t, dst, "example.org.", true); len(g) != 1 || !g[foreign.Key()].Equal(foreign) {
		t.Errorf("example.org at Route 53 after rollback: %+v, want only the foreign set", g)
	}
	// The zone file's SOA serial goes up with every write, as secondaries
	// need; everything else is as it was.
	srcAfter := setMap(t, src, "example.com.", false)
	delete(srcBefore, "example.com. SOA")
	delete(srcAfter, "example.com. SOA")
	if d := cmp.Diff(srcBefore, srcAfter); d != "" {
		t.Errorf("source TTLs after rollback (-before +after):\n%s", d)
	}
}

// TestRoute53ToRoute53: between two accounts, aliases and routing stay
// as they are; an alias into the zone points at the destination's zone; a
// health check of the source account is a blocker, acknowledged the set
// is written without it;
// a re-plan is empty and rollback deletes the zone rehome created.
func TestRoute53ToRoute53(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, _ := route53Env(t, h, "old", "111111111111")
	dst, _ := route53Env(t, h, "new", "222222222222")
	z, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	applySets(t, src, "example.com.",
		rs("www.example.com.", "A", 300, "192.0.2.1"),
		providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 60, SetID: "eu", Values: []string{"192.0.2.11"},
			Routing: &providers.Routing{Region: "eu-central-1", HealthCheckID: "hc-1"}},
		providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 60, SetID: "us", Values: []string{"192.0.2.12"},
			Routing: &providers.Routing{Region: "us-east-1"}},
	)
	applySets(t, src, "example.com.",
		providers.RecordSet{Name: "example.com.", Type: "A", Alias: &providers.Alias{Zone: strings.TrimPrefix(z.ID, "/hostedzone/"), Target: "www.example.com."}},
		providers.RecordSet{Name: "cdn.example.com.", Type: "A", Alias: &providers.Alias{Zone: "Z2FDTNDATAQYW2", Target: "d111111abcdef8.cloudfront.net."}},
	)
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "old", To: "new", Settings: &dns.Settings{}}
	p := h.Plan(h.Config(m))
	hc := movertest.FindingByCode(t, p, "dns.health_check")
	if !strings.Contains(hc.Message, "api.example.com. A eu (health check hc-1)") || p.Summary.Blockers != 1 {
		t.Fatalf("between two accounts: health check finding %+v, %d blockers", hc, p.Summary.Blockers)
	}
	m.Acknowledge = []string{hc.ID}
	if p = h.Plan(h.Config(m)); p.Summary.Blockers != 0 {
		t.Fatalf("blockers left: %+v", p.Audit)
	}
	h.Apply(h.Config(m))
	zs, err := dst.Zones(h.Ctx)
	if err != nil || len(zs) != 1 {
		t.Fatalf("destination zones %+v %v", zs, err)
	}
	got := setMap(t, dst, "example.com.", true)
	srcSets := setMap(t, src, "example.com.", true)
	apex := srcSets["example.com. A"]
	apex.Alias = &providers.Alias{Zone: strings.TrimPrefix(zs[0].ID, "/hostedzone/"), Target: "www.example.com."}
	srcSets["example.com. A"] = apex
	eu := srcSets["api.example.com. A eu"]
	eu.Routing = &providers.Routing{Region: "eu-central-1"} // written without the other account's health check
	srcSets["api.example.com. A eu"] = eu
	if d := cmp.Diff(srcSets, got); d != "" {
		t.Errorf("destination (-want +got):\n%s", d)
	}
	if again := h.Plan(h.Config(m)); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply: %d changes", again.Summary.Changes)
	}
	h.Rollback(h.Config(m))
	if zs, _ := dst.Zones(h.Ctx); len(zs) != 0 {
		t.Errorf("rollback left %+v", zs)
	}
}
