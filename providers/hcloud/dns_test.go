package hcloud_test

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	hcapi "github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/hcloud"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
	"github.com/rehome/rehome/providers/providertest"
)

const testToken = "hc-test-token"

// dnsEnv returns the environment value of an hcloud environment on api.
func dnsEnv(api string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"token":    cty.StringVal(testToken),
		"location": cty.StringVal("fsn1"),
		"endpoint": cty.StringVal(api),
	})
}

// newDNS starts a Hetzner DNS fake and a provider configured against it
// through the real hcloud-go client.
func newDNS(t *testing.T) (*hcloud.Provider, *hcloudfake.DNS) {
	t.Helper()
	fake := hcloudfake.NewDNS(testToken)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	p := hcloud.Factory().New().(*hcloud.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "hz", Value: dnsEnv(ts.URL),
		Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return p, fake
}

func TestDNSZoneLifecycle(t *testing.T) {
	p, _ := newDNS(t)
	ctx := t.Context()
	z, err := p.CreateZone(ctx, providers.Zone{Name: "Example.COM.", Nameservers: []string{"ns1.source.example."}})
	if err != nil {
		t.Fatal(err)
	}
	if z.Name != "example.com." || !slices.Equal(z.Nameservers, hcloudfake.AssignedNameservers) {
		t.Fatalf("created zone = %+v, want example.com. with Hetzner's assigned name servers", z)
	}
	if _, err := p.CreateZone(ctx, providers.Zone{Name: "example.com."}); !errors.Is(err, providers.ErrExists) {
		t.Fatalf("second create = %v, want ErrExists", err)
	}
	zs, err := p.Zones(ctx)
	if err != nil || len(zs) != 1 || zs[0].Name != "example.com." || zs[0].ID == "" {
		t.Fatalf("Zones = %+v, %v", zs, err)
	}
	got := providertest.SetsByKey(t, p, "example.com.")
	ns := got["example.com. NS"]
	if !slices.Equal(ns.Values, slices.Sorted(slices.Values(hcloudfake.AssignedNameservers))) {
		t.Errorf("apex NS = %v, want the assigned name servers", ns.Values)
	}
	if soa, ok := got["example.com. SOA"]; !ok || !strings.HasPrefix(soa.Values[0], "hydrogen.ns.hetzner.com. dns.hetzner.com. ") {
		t.Errorf("apex SOA = %+v", soa)
	}
	inv, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindDNS}})
	if err != nil || len(inv.Resources) != 1 {
		t.Fatalf("discover = %+v, %v", inv, err)
	}
	r := inv.Resources[0]
	if r.Type != providers.TypeZone || r.Name != "example.com" || r.Attrs["nameservers"] != strings.Join(hcloudfake.AssignedNameservers, ",") || r.Usage.Records != 4 {
		t.Errorf("discovered %+v", r)
	}
	if err := p.DeleteZone(ctx, "example.com."); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(ctx, "example.com."); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Records after delete = %v, want ErrNotFound", err)
	}
	if err := p.DeleteZone(ctx, "example.com."); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("DeleteZone of a missing zone = %v, want ErrNotFound", err)
	}
}

func TestDNSRoundTrip(t *testing.T) {
	long := strings.Repeat("k", 200) + strings.Repeat("K", 150) // one DKIM-sized key, 350 characters
	tests := []providertest.RoundTripCase{
		{Name: "apex A", In: providers.RecordSet{Name: "example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.2", "192.0.2.1"}}, Want: []string{"192.0.2.1", "192.0.2.2"}},
		{Name: "AAAA", In: providers.RecordSet{Name: "v6.example.com.", Type: "AAAA", TTL: 300, Values: []string{"2001:db8::1"}}},
		{Name: "MX", In: providers.RecordSet{Name: "example.com.", Type: "MX", TTL: 3600, Values: []string{"10 mail.example.com.", "20 mx.example.net."}}},
		{Name: "SRV", In: providers.RecordSet{Name: "_sip._tcp.example.com.", Type: "SRV", TTL: 3600, Values: []string{"10 5 5060 sip.example.net."}}},
		{Name: "CAA", In: providers.RecordSet{Name: "example.com.", Type: "CAA", TTL: 3600, Values: []string{`0 issue "letsencrypt.org"`, `0 issuewild ";"`, `128 iodef "mailto:sec@example.com"`}}},
		{Name: "TXT long, split at 255", In: providers.RecordSet{Name: "sel._domainkey.example.com.", Type: "TXT", TTL: 3600, Values: []string{`"` + long + `"`}},
			Want: []string{`"` + long[:255] + `" "` + long[255:] + `"`}},
		{Name: "TXT multi-string kept", In: providers.RecordSet{Name: "multi.example.com.", Type: "TXT", TTL: 3600, Values: []string{`"v=spf1 " "-all"`, `"say \"hi\""`}}},
		{Name: "wildcard", In: providers.RecordSet{Name: "*.dev.example.com.", Type: "CNAME", TTL: 3600, Values: []string{"dev.example.net."}}},
		{Name: "IDN punycode", In: providers.RecordSet{Name: "xn--mnchen-3ya.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.9"}}},
		{Name: "delegation NS", In: providers.RecordSet{Name: "sub.example.com.", Type: "NS", TTL: 86400, Values: []string{"ns1.other.example.", "ns2.other.example."}}},
		{Name: "TLSA", In: providers.RecordSet{Name: "_443._tcp.example.com.", Type: "TLSA", TTL: 3600, Values: []string{"3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}},
	}
	p, _ := newDNS(t)
	got := providertest.CheckRoundTrip(t, p, "example.com.", tests)
	// The joined TXT is the original string, exactly.
	txt := got["sel._domainkey.example.com. TXT"].Values[0]
	if j := strings.NewReplacer(`" "`, "", `"`, "").Replace(txt); j != long {
		t.Errorf("joined TXT differs from the original (%d vs %d characters)", len(j), len(long))
	}
}

func TestDNSPagination(t *testing.T) {
	p, fake := newDNS(t)
	if _, err := p.CreateZone(t.Context(), providers.Zone{Name: "big.example."}); err != nil {
		t.Fatal(err)
	}
	var sets []providers.RecordSet
	for i := range 130 {
		sets = append(sets, providers.RecordSet{Name: "h" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "-" + strconv.Itoa(i) + ".big.example.", Type: "A", TTL: 300, Values: []string{"192.0.2." + strconv.Itoa(i%250)}})
	}
	providertest.ApplyRecords(t, p, "big.example.", providertest.Creates(sets...)...)
	before := len(fake.Requests())
	got := providertest.SetsByKey(t, p, "big.example.")
	if len(got) != 132 { // 130 + SOA + NS
		t.Fatalf("read %d record sets, want 132", len(got))
	}
	for _, rs := range sets {
		if !got[rs.Key()].Equal(rs) {
			t.Fatalf("%s = %+v, want %+v", rs.Key(), got[rs.Key()], rs)
		}
	}
	pages := 0
	id := zoneID(t, p, "big.example.")
	for _, r := range fake.Requests()[before:] {
		if r == "GET /zones/"+id+"/rrsets" {
			pages++
		}
	}
	// 132 RRSets are three pages of at most 50.
	if pages != 3 {
		t.Errorf("%d RRSet list requests, want three pages per listing: %v", pages, fake.Requests())
	}
}

func zoneID(t *testing.T, p *hcloud.Provider, name string) string {
	zs, err := p.Zones(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zs {
		if z.Name == name {
			return z.ID
		}
	}
	return ""
}

func TestDNSUpdateDelete(t *testing.T) {
	p, fake := newDNS(t)
	ctx := t.Context()
	const zone = "example.com."
	if _, err := p.CreateZone(ctx, providers.Zone{Name: zone}); err != nil {
		t.Fatal(err)
	}
	www := providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}}
	old := providers.RecordSet{Name: "old.example.com.", Type: "TXT", TTL: 300, Values: []string{`"bye"`}}
	providertest.ApplyRecords(t, p, zone, providertest.Creates(www, old)...)
	nw := www
	nw.TTL, nw.Values = 120, []string{"192.0.2.2", "192.0.2.3"}
	// Record edits take effect when their actions complete: reading the
	// new values back right after shows the provider waited.
	err := p.ApplyRecords(ctx, zone, []providers.RecordChange{
		{Op: providers.ChangeUpdate, Old: &www, New: &nw},
		{Op: providers.ChangeDelete, Old: &old},
	})
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, r := range fake.Requests() {
		if strings.Contains(r, "/actions") {
			calls = append(calls, r)
		}
	}
	// The edits (set_records, change_ttl, a delete) were posted, then
	// their actions polled until done.
	if n := len(calls); n < 3 || calls[n-1] != "GET /actions" {
		t.Errorf("action calls %v: want the edits posted and then polled", calls)
	}
	got := providertest.SetsByKey(t, p, zone)
	if !got[nw.Key()].Equal(nw) {
		t.Errorf("updated set = %+v, want %+v", got[nw.Key()], nw)
	}
	if _, ok := got[old.Key()]; ok {
		t.Errorf("deleted set still there")
	}
	// A stale update is refused and changes nothing.
	stale := www
	err = p.ApplyRecords(ctx, zone, []providers.RecordChange{{Op: providers.ChangeUpdate, Old: &stale, New: &www}})
	if !errors.Is(err, providers.ErrChanged) || !strings.Contains(err.Error(), "www.example.com. A") {
		t.Fatalf("stale update = %v, want ErrChanged naming the set", err)
	}
	// A create over an identical set (a resumed apply) is a no-op.
	providertest.ApplyRecords(t, p, zone, providertest.Creates(nw)...)
}

func TestDNSErrors(t *testing.T) {
	const zone = "example.com."
	tests := []struct {
		name  string
		setup func(*hcloudfake.DNS)
		set   providers.RecordSet
		want  []string // substrings of the error
	}{
		{"API refuses a value", nil,
			providers.RecordSet{Name: "two.example.com.", Type: "CNAME", TTL: 300, Values: []string{"a.example.net.", "b.example.net."}},
			[]string{"two.example.com. CNAME", "invalid_input"}},
		{"protected RRSet", func(f *hcloudfake.DNS) { f.ProtectRRSet("example.com", "@", "NS") },
			providers.RecordSet{Name: "example.com.", Type: "NS", TTL: 300, Values: []string{"ns.example.net."}},
			[]string{"example.com. NS", "protected"}},
		{"failed action", func(f *hcloudfake.DNS) { f.FailActions("create_rrset") },
			providers.RecordSet{Name: "x.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}},
			[]string{"zone example.com", "action failed"}},
		{"TTL under Hetzner's minimum", nil,
			providers.RecordSet{Name: "fast.example.com.", Type: "A", TTL: 30, Values: []string{"192.0.2.1"}},
			[]string{"fast.example.com. A", "TTL 30"}},
		{"unsupported type", nil,
			providers.RecordSet{Name: "n.example.com.", Type: "NAPTR", TTL: 300, Values: []string{`100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .`}},
			[]string{"n.example.com. NAPTR", "cannot hold NAPTR"}},
		{"unicode name", nil,
			providers.RecordSet{Name: "münchen.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}},
			[]string{"punycode"}},
		{"bad value", nil,
			providers.RecordSet{Name: "bad.example.com.", Type: "A", TTL: 300, Values: []string{"not-an-ip"}},
			[]string{"bad.example.com. A", "not-an-ip"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, fake := newDNS(t)
			if _, err := p.CreateZone(t.Context(), providers.Zone{Name: zone}); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(fake)
			}
			var c providers.RecordChange
			if tc.set.Type == "NS" {
				cur := providertest.SetsByKey(t, p, zone)[tc.set.Key()]
				c = providers.RecordChange{Op: providers.ChangeUpdate, Old: &cur, New: &tc.set}
			} else {
				c = providers.RecordChange{Op: providers.ChangeCreate, New: &tc.set}
			}
			err := p.ApplyRecords(t.Context(), zone, []providers.RecordChange{c})
			providertest.WantError(t, err, testToken, tc.want...)
		})
	}
}

func TestDNSRateLimitRetried(t *testing.T) {
	p, fake := newDNS(t)
	fake.RateLimit(1)
	if _, err := p.CreateZone(t.Context(), providers.Zone{Name: "example.com."}); err != nil {
		t.Fatalf("create after one 429: %v", err)
	}
}

func TestDNSUnauthorized(t *testing.T) {
	fake := hcloudfake.NewDNS("another-token")
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	p := hcloud.Factory().New().(*hcloud.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "hz", Value: dnsEnv(ts.URL)}); err != nil {
		t.Fatal(err)
	}
	_, err := p.Zones(t.Context())
	if err == nil || !strings.Contains(err.Error(), "unauthorized") || strings.Contains(err.Error(), testToken) {
		t.Fatalf("Zones with a wrong token = %v", err)
	}
}

// TestDNSWithoutToken: an environment with no API token (Object Storage
// only) discovers no zones when nothing in particular is asked for, and
// a DNS call says what is missing.
func TestDNSWithoutToken(t *testing.T) {
	fake := hcloudfake.NewDNS(testToken)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	p := hcloud.Factory().New().(*hcloud.Provider)
	v := cty.ObjectVal(map[string]cty.Value{"location": cty.StringVal("fsn1"), "endpoint": cty.StringVal(ts.URL)})
	if err := p.Configure(t.Context(), providers.Config{Env: "hz", Value: v, Getenv: func(string) (string, bool) { return "", false }}); err != nil {
		t.Fatal(err)
	}
	_, err := p.Zones(t.Context())
	providertest.WantError(t, err, "", "HCLOUD_TOKEN")
	_, err = p.Discover(t.Context(), providers.Scope{Kinds: []providers.Kind{providers.KindDNS}})
	providertest.WantError(t, err, "", "HCLOUD_TOKEN")
	if len(fake.Requests()) != 0 {
		t.Errorf("calls made without a token: %v", fake.Requests())
	}
}

// TestDNSDeleteProtectedZone: Hetzner refuses to delete a zone under
// delete protection; the error names the zone and the API's code.
func TestDNSDeleteProtectedZone(t *testing.T) {
	p, _ := newDNS(t)
	ctx := t.Context()
	if _, err := p.CreateZone(ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	z, _, err := p.API().Zone.GetByName(ctx, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	on := true
	a, _, err := p.API().Zone.ChangeProtection(ctx, z, hcapi.ZoneChangeProtectionOpts{Delete: &on})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.API().Action.WaitFor(ctx, a); err != nil {
		t.Fatal(err)
	}
	providertest.WantError(t, p.DeleteZone(ctx, "example.com."), testToken, "example.com", "protected")
	if _, err := p.Records(ctx, "example.com."); err != nil {
		t.Errorf("the protected zone is gone: %v", err)
	}
}
