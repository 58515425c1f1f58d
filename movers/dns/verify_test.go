package dns_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// serveZone runs a DNS server on 127.0.0.1 (UDP and TCP on one port)
// whose answers to questions about zone come from answer at query time.
func serveZone(t *testing.T, zone string, auth bool, answer func(q mdns.Question) ([]string, int)) string {
	t.Helper()
	mux := mdns.NewServeMux()
	mux.HandleFunc(zone, func(w mdns.ResponseWriter, req *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(req)
		m.Authoritative, m.RecursionAvailable = auth, !auth
		q := req.Question[0]
		lines, rcode := answer(q)
		m.Rcode = rcode
		for _, l := range lines {
			if rr, err := mdns.NewRR(l); err == nil {
				m.Answer = append(m.Answer, rr)
			}
		}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp := &mdns.Server{PacketConn: pc, Handler: mux}, &mdns.Server{Listener: l, Handler: mux}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() { _ = udp.Shutdown(); _ = tcp.Shutdown() })
	return pc.LocalAddr().String()
}

// authServer is an authoritative server that answers every query from
// d's records of zone as they are at that moment, so the check compares
// with the destination, not with a fixture.
func authServer(t *testing.T, d providers.DNS, zone string) string {
	t.Helper()
	return serveZone(t, zone, true, func(q mdns.Question) ([]string, int) {
		sets, err := d.Records(context.Background(), zone)
		if err != nil {
			return nil, mdns.RcodeServerFailure
		}
		var out []string
		for _, s := range sets {
			if s.Name == strings.ToLower(q.Name) && s.Type == mdns.TypeToString[q.Qtype] {
				for _, v := range s.Values {
					out = append(out, fmt.Sprintf("%s %d IN %s %s", s.Name, s.TTL, s.Type, v))
				}
			}
		}
		return out, mdns.RcodeSuccess
	})
}

// TestCutoverAnswerCheck: the fixture zone moves from Route 53; at
// cutover the destination's server answers every set as the source holds
// it (long TXT over EDNS, wildcards, flattened aliases); a set the
// destination holds differently (someone's, acknowledged) fails the check
// with the set named.
func TestCutoverAnswerCheck(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	fixtureRoute53(t, h)
	dst := h.Mem("mem")
	server := authServer(t, dst, "shop.example.com.")
	m := &lang.Move{Kind: providers.KindDNS, Name: "shop", From: "aws", To: "mem",
		Settings: &dns.Settings{FlattenAlias: true, VerifyServers: []string{server}}}
	p := h.Plan(h.Config(m))
	v := movertest.ActionAt(t, p, `move.dns.shop.answers["shop.example.com"]`)
	if v.Phase != planner.PhaseCutover || v.Action != planner.ActVerify || !strings.Contains(v.Check, server) {
		t.Errorf("answer check %+v", v)
	}
	if a := movertest.ActionAt(t, p, `move.dns.shop.delegation["shop.example.com"]`); len(a.DependsOn) != 2 || a.DependsOn[1] != v.Address {
		t.Errorf("the name-server switch does not wait for the answer check: %v", a.DependsOn)
	}
	for _, f := range p.Audit {
		if f.Severity == planner.SevBlocker {
			m.Acknowledge = append(m.Acknowledge, f.ID)
		}
	}
	h.Apply(h.Config(m))
	h.Cutover(h.Config(m))

	// The destination's answers against a source that differs: named.
	want := []providers.RecordSet{
		{Name: "www.shop.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.200", "192.0.2.201"}},
		{Name: "host000.shop.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.99"}},
		{Name: "gone.shop.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.98"}},
	}
	bad, compared, _, err := dns.VerifyAnswers(h.Ctx, []string{server}, "shop.example.com.", want)
	if err != nil || compared != 3 || len(bad) != 2 {
		t.Fatalf("check against a different source: %v compared %d mismatches %v", err, compared, bad)
	}
	if bad[0].Key != "host000.shop.example.com. A" || bad[0].Got[0] != "300 192.0.2.1" || bad[1].Key != "gone.shop.example.com. A" || len(bad[1].Got) != 0 {
		t.Errorf("mismatches %v", bad)
	}
}

// TestCutoverAnswerCheckFails: a destination set that differs from the
// source (someone else's, acknowledged as a conflict, so the copy left
// it) makes the cutover fail at the answer check, naming it.
func TestCutoverAnswerCheckFails(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	zoneWith(t, dst, wwwSet("198.51.100.9"))
	server := authServer(t, dst, "example.com.")
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst",
		Settings: &dns.Settings{Zones: []string{"example.com"}, VerifyServers: []string{server}}}
	p := h.Plan(h.Config(m))
	m.Acknowledge = []string{movertest.FindingByCode(t, p, "dns.dest_conflict").ID}
	h.Apply(h.Config(m))
	err := h.CutoverErr(h.Config(m))
	if err == nil || !strings.Contains(err.Error(), "www.example.com. A at "+server+": answers [300 198.51.100.9], the source holds [300 192.0.2.1]") {
		t.Fatalf("cutover with a destination answering differently: %v", err)
	}
}

// parent is a resolver on 127.0.0.1 answering the NS and DS records the
// test says the parent zone (the registrar's side) serves for a zone.
type parent struct {
	mu     sync.Mutex
	ns, ds []string
}

func (pz *parent) set(ns, ds []string) {
	pz.mu.Lock()
	pz.ns, pz.ds = ns, ds
	pz.mu.Unlock()
}

func parentServer(t *testing.T, zone string, pz *parent) string {
	t.Helper()
	return serveZone(t, zone, false, func(q mdns.Question) ([]string, int) {
		pz.mu.Lock()
		vals := map[uint16][]string{mdns.TypeNS: pz.ns, mdns.TypeDS: pz.ds}[q.Qtype]
		pz.mu.Unlock()
		var out []string
		for _, v := range vals {
			out = append(out, fmt.Sprintf("%s 3600 IN %s %s", zone, mdns.TypeToString[q.Qtype], v))
		}
		return out, mdns.RcodeSuccess
	})
}

// TestCutoverRegistrarChecks: with a resolver named, the cutover's
// registrar steps check the parent zone: a signed source's DS must be
// gone before the name-server switch, and the delegation must name the
// destination's servers; each refusal says what is still there, and the
// cutover run again after the registrar change goes through.
func TestCutoverRegistrarChecks(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, fake := route53Env(t, h, "aws")
	h.Mem("mem")
	z, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	applySets(t, src, "example.com.", rs("www.example.com.", "A", 300, "192.0.2.1"))
	if err := fake.SetSigning(z.ID, true); err != nil {
		t.Fatal(err)
	}
	st, err := src.DNSSEC(h.Ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	pz := &parent{}
	pz.set(z.Nameservers, st.DS)
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "aws", To: "mem",
		Settings: &dns.Settings{Resolver: parentServer(t, "example.com.", pz)}}
	p := h.Plan(h.Config(m))
	m.Acknowledge = []string{movertest.FindingByCode(t, p, "dns.dnssec_unsigned_destination").ID}
	h.Apply(h.Config(m))

	err = h.CutoverErr(h.Config(m))
	if err == nil || !strings.Contains(err.Error(), "still serves the source's DS record "+st.DS[0]) {
		t.Fatalf("cutover with the DS still at the parent: %v", err)
	}
	pz.set(z.Nameservers, nil)
	err = h.CutoverErr(h.Config(m))
	if err == nil || !strings.Contains(err.Error(), "delegates example.com to "+strings.ToLower(z.Nameservers[0])) ||
		!strings.Contains(err.Error(), "not to ns1.memory.example.") {
		t.Fatalf("cutover with the old delegation: %v", err)
	}
	pz.set([]string{"ns1.memory.example."}, nil)
	h.Cutover(h.Config(m))
}

// TestDNSSafetyThreshold: replacing more than 30% of a destination zone
// of 10 or more record sets is a warning in the plan and refused by apply
// without -force.
func TestDNSSafetyThreshold(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	var srcSets, dstSets []*providers.RecordSet
	for i := range 12 {
		name := fmt.Sprintf("h%02d.example.com.", i)
		srcSets = append(srcSets, &providers.RecordSet{Name: name, Type: "A", TTL: 300, Values: []string{"192.0.2.1"}})
		dstSets = append(dstSets, &providers.RecordSet{Name: name, Type: "A", TTL: 300, Values: []string{fmt.Sprintf("198.51.100.%d", i+1)}})
	}
	zoneWith(t, src, srcSets...)
	zoneWith(t, dst, dstSets[:10]...)
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", Overwrite: true, Settings: &dns.Settings{Zones: []string{"example.com"}}}
	p := h.Plan(h.Config(m))
	if f := movertest.FindingByCode(t, p, "dns.threshold"); !strings.Contains(f.Message, "updates or deletes 10 of the 10 record sets") {
		t.Errorf("threshold finding %+v", f)
	}
	if err := h.ApplyErr(h.Config(m)); err == nil || !strings.Contains(err.Error(), "run with -force") {
		t.Fatalf("apply over the threshold: %v", err)
	}
	if v := setMap(t, dst, "example.com.", true)["h00.example.com. A"].Values; len(v) != 1 || v[0] != "198.51.100.1" {
		t.Errorf("a refused apply changed the destination: h00 = %v", v)
	}
	h.Force = true
	h.Apply(h.Config(m))
	if sets := setMap(t, dst, "example.com.", true); len(sets) != 12 || sets["h00.example.com. A"].Values[0] != "192.0.2.1" {
		t.Errorf("destination after a forced apply: %+v", sets)
	}
}
