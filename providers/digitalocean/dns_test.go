package digitalocean_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/providertest"
)

const doToken = "do-test-token"

// doAPI serves the account and the Domains fake on one test server.
func doAPI(t *testing.T, token string) (string, *dofake.Domains) {
	t.Helper()
	h, d := dofake.WithDomains(token, "b6fr89dbf6d9156cace5f3c78dc9851d957381ef")
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL, d
}

func doEnv(api string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"token":    cty.StringVal(doToken),
		"region":   cty.StringVal("fra1"),
		"endpoint": cty.StringVal(api),
	})
}

func newDNS(t *testing.T) (*digitalocean.Provider, *dofake.Domains) {
	t.Helper()
	api, fake := doAPI(t, doToken)
	p := digitalocean.Factory().New().(*digitalocean.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "do", Value: doEnv(api), Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return p, fake
}

func TestDNSDomainLifecycle(t *testing.T) {
	p, _ := newDNS(t)
	ctx := t.Context()
	z, err := p.CreateZone(ctx, providers.Zone{Name: "Example.com.", Nameservers: []string{"ns.source.example."}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ns1.digitalocean.com.", "ns2.digitalocean.com.", "ns3.digitalocean.com."}
	if z.Name != "example.com." || !slices.Equal(z.Nameservers, want) {
		t.Fatalf("created %+v", z)
	}
	if _, err := p.CreateZone(ctx, providers.Zone{Name: "example.com."}); !errors.Is(err, providers.ErrExists) {
		t.Fatalf("second create = %v, want ErrExists", err)
	}
	got := providertest.SetsByKey(t, p, "example.com.")
	if ns := got["example.com. NS"]; !slices.Equal(ns.Values, want) || ns.TTL != 1800 {
		t.Errorf("apex NS = %+v", ns)
	}
	if soa := got["example.com. SOA"]; len(soa.Values) != 1 || !strings.HasPrefix(soa.Values[0], "ns1.digitalocean.com. hostmaster.example.com. ") {
		t.Errorf("apex SOA = %+v", soa)
	}
	if len(got) != 2 {
		t.Errorf("a new domain holds %d sets, want SOA and NS: %v", len(got), got)
	}
	inv, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindDNS}})
	if err != nil || len(inv.Resources) != 1 || inv.Resources[0].Name != "example.com" || inv.Resources[0].Usage.Records != 4 {
		t.Fatalf("discover = %+v, %v", inv, err)
	}
	if err := p.DeleteZone(ctx, "example.com."); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(ctx, "example.com."); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Records after delete = %v, want ErrNotFound", err)
	}
	if err := p.DeleteZone(ctx, "example.com."); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("delete of a missing domain = %v, want ErrNotFound", err)
	}
}

func TestDNSRoundTrip(t *testing.T) {
	long := strings.Repeat("p", 200) + strings.Repeat("Q", 150)
	tests := []providertest.RoundTripCase{
		{Name: "apex A", In: providers.RecordSet{Name: "example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.2", "192.0.2.1"}}, Want: []string{"192.0.2.1", "192.0.2.2"}},
		{Name: "AAAA", In: providers.RecordSet{Name: "v6.example.com.", Type: "AAAA", TTL: 30, Values: []string{"2001:db8::1"}}},
		{Name: "MX", In: providers.RecordSet{Name: "example.com.", Type: "MX", TTL: 3600, Values: []string{"10 mail.example.com.", "20 mx.example.net."}}},
		{Name: "MX to the apex", In: providers.RecordSet{Name: "mx.example.com.", Type: "MX", TTL: 3600, Values: []string{"0 example.com."}}},
		{Name: "SRV", In: providers.RecordSet{Name: "_sip._tcp.example.com.", Type: "SRV", TTL: 3600, Values: []string{"10 5 5060 sip.example.net.", "20 0 5061 sip2.example.net."}}},
		{Name: "CAA", In: providers.RecordSet{Name: "example.com.", Type: "CAA", TTL: 3600, Values: []string{`0 issue "letsencrypt.org"`, `0 issuewild ";"`, `128 iodef "mailto:sec@example.com"`}}},
		{Name: "TXT long, split at 255", In: providers.RecordSet{Name: "sel._domainkey.example.com.", Type: "TXT", TTL: 3600, Values: []string{`"` + long + `"`}},
			Want: []string{`"` + long[:255] + `" "` + long[255:] + `"`}},
		{Name: "TXT quotes", In: providers.RecordSet{Name: "q.example.com.", Type: "TXT", TTL: 3600, Values: []string{`"say \"hi\" \\ bye"`}}},
		{Name: "wildcard", In: providers.RecordSet{Name: "*.dev.example.com.", Type: "CNAME", TTL: 3600, Values: []string{"dev.example.net."}}},
		{Name: "CNAME to the apex", In: providers.RecordSet{Name: "www.example.com.", Type: "CNAME", TTL: 3600, Values: []string{"example.com."}}},
		{Name: "IDN punycode", In: providers.RecordSet{Name: "xn--mnchen-3ya.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.9"}}},
		{Name: "delegation NS", In: providers.RecordSet{Name: "sub.example.com.", Type: "NS", TTL: 86400, Values: []string{"ns1.other.example.", "ns2.other.example."}}},
	}
	p, fake := newDNS(t)
	got := providertest.CheckRoundTrip(t, p, "example.com.", tests)
	// Applying the same sets again is a no-op: each reads back equal.
	var sets []providers.RecordSet
	for _, tc := range tests {
		if g, ok := got[tc.In.Key()]; ok {
			sets = append(sets, g)
		}
	}
	if len(sets) != len(tests) {
		t.Fatalf("read back %d of %d sets", len(sets), len(tests))
	}
	before := len(fake.Records("example.com"))
	providertest.ApplyRecords(t, p, "example.com.", providertest.Creates(sets...)...)
	if n := len(fake.Records("example.com")); n != before {
		t.Errorf("re-applying the sets changed the record count from %d to %d", before, n)
	}
}

func TestDNSPagination(t *testing.T) {
	p, fake := newDNS(t)
	if _, err := p.CreateZone(t.Context(), providers.Zone{Name: "big.example."}); err != nil {
		t.Fatal(err)
	}
	var sets []providers.RecordSet
	for i := range 110 {
		sets = append(sets, providers.RecordSet{Name: fmt.Sprintf("h%03d.big.example.", i), Type: "A", TTL: 300,
			Values: []string{fmt.Sprintf("192.0.2.%d", i%250), fmt.Sprintf("198.51.100.%d", i%250)}})
	}
	providertest.ApplyRecords(t, p, "big.example.", providertest.Creates(sets...)...)
	if n := len(fake.Records("big.example")); n != 224 {
		t.Fatalf("the fake holds %d records, want 224", n)
	}
	got := providertest.SetsByKey(t, p, "big.example.")
	if len(got) != 112 {
		t.Fatalf("read %d sets, want 112", len(got))
	}
	for _, rs := range sets {
		if !got[rs.Key()].Equal(rs) {
			t.Fatalf("%s = %+v, want %+v", rs.Key(), got[rs.Key()], rs)
		}
	}
}

func TestDNSUpdateKeepsRecordIDs(t *testing.T) {
	p, fake := newDNS(t)
	const zone = "example.com."
	if _, err := p.CreateZone(t.Context(), providers.Zone{Name: zone}); err != nil {
		t.Fatal(err)
	}
	api := providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1", "192.0.2.2"}}
	gone := providers.RecordSet{Name: "gone.example.com.", Type: "TXT", TTL: 300, Values: []string{`"bye"`}}
	providertest.ApplyRecords(t, p, zone, providertest.Creates(api, gone)...)
	ids := func(name string) map[string]int {
		out := map[string]int{}
		for _, r := range fake.Records("example.com") {
			if r.Name == name {
				out[r.Data] = r.ID
			}
		}
		return out
	}
	before := ids("api")
	tests := []struct {
		name string
		to   providers.RecordSet
		same map[string]string // new value -> old value whose record it keeps
	}{
		{"one value replaced", providers.RecordSet{Name: api.Name, Type: "A", TTL: 300, Values: []string{"192.0.2.2", "192.0.2.3"}},
			map[string]string{"192.0.2.2": "192.0.2.2", "192.0.2.3": "192.0.2.1"}},
		{"TTL changed in place", providers.RecordSet{Name: api.Name, Type: "A", TTL: 60, Values: []string{"192.0.2.2", "192.0.2.3"}},
			map[string]string{"192.0.2.2": "192.0.2.2", "192.0.2.3": "192.0.2.1"}},
	}
	cur := api
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			to := tc.to
			providertest.ApplyRecords(t, p, zone, providers.RecordChange{Op: providers.ChangeUpdate, Old: &cur, New: &to})
			if g := providertest.SetsByKey(t, p, zone)[to.Key()]; !g.Equal(to) {
				t.Fatalf("read back %+v, want %+v", g, to)
			}
			after := ids("api")
			for nv, ov := range tc.same {
				if after[nv] != before[ov] {
					t.Errorf("value %s has record %d, want %d (the record of %s)", nv, after[nv], before[ov], ov)
				}
			}
			cur = to
		})
	}
	providertest.ApplyRecords(t, p, zone, providers.RecordChange{Op: providers.ChangeDelete, Old: &gone})
	if _, ok := providertest.SetsByKey(t, p, zone)[gone.Key()]; ok {
		t.Error("deleted set still there")
	}
	stale := api
	err := p.ApplyRecords(t.Context(), zone, []providers.RecordChange{{Op: providers.ChangeUpdate, Old: &stale, New: &api}})
	if !errors.Is(err, providers.ErrChanged) || !strings.Contains(err.Error(), "api.example.com. A") {
		t.Fatalf("stale update = %v, want ErrChanged naming the set", err)
	}
}

func TestDNSErrors(t *testing.T) {
	const zone = "example.com."
	tests := []struct {
		name string
		op   providers.ChangeOp
		set  providers.RecordSet
		want []string
	}{
		{"TXT split where DigitalOcean cannot hold it", providers.ChangeCreate,
			providers.RecordSet{Name: "spf.example.com.", Type: "TXT", TTL: 300, Values: []string{`"v=spf1 " "-all"`}},
			[]string{"spf.example.com. TXT", "cannot hold the value", `"v=spf1 -all"`}},
		{"TTL under the minimum", providers.ChangeCreate,
			providers.RecordSet{Name: "fast.example.com.", Type: "A", TTL: 10, Values: []string{"192.0.2.1"}},
			[]string{"fast.example.com. A", "TTL 10", "30"}},
		{"unsupported type", providers.ChangeCreate,
			providers.RecordSet{Name: "_443._tcp.example.com.", Type: "TLSA", TTL: 300, Values: []string{"3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
			[]string{"_443._tcp.example.com. TLSA", "cannot hold TLSA"}},
		{"SOA edit", providers.ChangeUpdate,
			providers.RecordSet{Name: "example.com.", Type: "SOA", TTL: 300, Values: []string{"ns.example.net. h.example.com. 1 2 3 4 5"}},
			[]string{"example.com. SOA", "cannot be edited"}},
		{"the API refuses (422)", providers.ChangeCreate,
			providers.RecordSet{Name: "sip.example.com.", Type: "SRV", TTL: 300, Values: []string{"10 5 5060 sip.example.net."}},
			[]string{"sip.example.com. SRV", "422", "underscore"}},
		{"CNAME beside other data (422)", providers.ChangeCreate,
			providers.RecordSet{Name: "taken.example.com.", Type: "CNAME", TTL: 300, Values: []string{"x.example.net."}},
			[]string{"taken.example.com. CNAME", "cannot share a name"}},
		{"unicode name", providers.ChangeCreate,
			providers.RecordSet{Name: "münchen.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}},
			[]string{"punycode"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newDNS(t)
			if _, err := p.CreateZone(t.Context(), providers.Zone{Name: zone}); err != nil {
				t.Fatal(err)
			}
			providertest.ApplyRecords(t, p, zone, providertest.Creates(providers.RecordSet{Name: "taken.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.7"}})...)
			c := providers.RecordChange{Op: tc.op, New: &tc.set}
			if tc.op == providers.ChangeUpdate {
				old := providertest.SetsByKey(t, p, zone)[tc.set.Key()]
				c.Old = &old
			}
			err := p.ApplyRecords(t.Context(), zone, []providers.RecordChange{c})
			providertest.WantError(t, err, doToken, tc.want...)
		})
	}
}

func TestDNSRateLimitIsTransient(t *testing.T) {
	p, fake := newDNS(t)
	fake.RateLimit(1)
	_, err := p.Zones(t.Context())
	if err == nil || !providers.IsRetryable(err) {
		t.Fatalf("Zones under a 429 = %v, want a transient error", err)
	}
	if _, err := p.Zones(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestDNSUnauthorized(t *testing.T) {
	api, _ := doAPI(t, "another-token")
	p := digitalocean.Factory().New().(*digitalocean.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "do", Value: doEnv(api)}); err != nil {
		t.Fatal(err)
	}
	_, err := p.Zones(t.Context())
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), doToken) {
		t.Fatalf("Zones with a wrong token = %v", err)
	}
}
