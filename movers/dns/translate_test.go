package dns_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/providers"
)

// TestTranslateRules: each translation rule on its own, against a
// destination with a strict capability table.
func TestTranslateRules(t *testing.T) {
	t.Parallel()
	strict := providers.DNSCaps{RecordTypes: []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"},
		OwnApex: true, MinTTL: 300, MaxTTL: 86400, CAATags: []string{"issue", "issuewild", "iodef"}, MaxTXT: 512}
	loose := strict
	loose.Wildcards, loose.Routing, loose.Alias = true, true, true
	a := func(name string, ttl uint32, vals ...string) providers.RecordSet {
		return providers.RecordSet{Name: name, Type: "A", TTL: ttl, Values: vals}
	}
	set := func(name, typ string, ttl uint32, vals ...string) providers.RecordSet {
		return providers.RecordSet{Name: name, Type: typ, TTL: ttl, Values: vals}
	}
	alias := func(name, target, zone string) providers.RecordSet {
		return providers.RecordSet{Name: name, Type: "A", Alias: &providers.Alias{Zone: zone, Target: target}}
	}
	w := func(n int64) *int64 { return &n }
	long := strings.Repeat("k", 300)
	tests := []struct {
		name    string
		src     []providers.RecordSet
		caps    providers.DNSCaps
		flatten bool
		want    []providers.RecordSet // translated sets
		blocked map[string][]string
		changed map[string][]string
		why     map[string]string // substrings of the details
		signer  []string
	}{
		{name: "plain sets pass in canonical form", caps: strict,
			src:  []providers.RecordSet{set("www.example.com.", "AAAA", 300, "2001:DB8::1"), set("example.com.", "MX", 300, "10 mail.example.com.")},
			want: []providers.RecordSet{set("example.com.", "MX", 300, "10 mail.example.com."), set("www.example.com.", "AAAA", 300, "2001:db8::1")}},
		{name: "signer records are left out and mark the zone signed", caps: strict,
			src: []providers.RecordSet{a("www.example.com.", 300, "192.0.2.1"),
				set("example.com.", "DNSKEY", 3600, "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="),
				set("example.com.", "NSEC3PARAM", 0, "1 0 0 -")},
			want:   []providers.RecordSet{a("www.example.com.", 300, "192.0.2.1")},
			signer: []string{"example.com. DNSKEY", "example.com. NSEC3PARAM"}},
		{name: "internationalised names become punycode", caps: strict,
			src:     []providers.RecordSet{a("bücher.example.com.", 300, "192.0.2.1"), a(`\195\164.example.com.`, 300, "192.0.2.2")},
			want:    []providers.RecordSet{a("xn--4ca.example.com.", 300, "192.0.2.2"), a("xn--bcher-kva.example.com.", 300, "192.0.2.1")},
			changed: map[string][]string{"dns.idn_punycode": {`\195\164.example.com. A`, "bücher.example.com. A"}}},
		{name: "apex CNAME is a blocker", caps: loose,
			src:     []providers.RecordSet{set("example.com.", "CNAME", 300, "www.example.net.")},
			blocked: map[string][]string{"dns.apex_cname": {"example.com. CNAME"}}},
		{name: "wildcards where the destination has none", caps: strict,
			src:     []providers.RecordSet{a("*.example.com.", 300, "192.0.2.1"), a("*.dev.example.com.", 300, "192.0.2.2")},
			blocked: map[string][]string{"dns.wildcard": {"*.dev.example.com. A", "*.example.com. A"}}},
		{name: "CAA tags the destination refuses", caps: strict,
			src: []providers.RecordSet{set("example.com.", "CAA", 300, `0 issue "letsencrypt.org"`),
				set("mail.example.com.", "CAA", 300, `0 issuevmc "vmc.example"`)},
			want:    []providers.RecordSet{set("example.com.", "CAA", 300, `0 issue "letsencrypt.org"`)},
			blocked: map[string][]string{"dns.caa_tag": {"mail.example.com. CAA"}}, why: map[string]string{"mail.example.com. CAA": `tag "issuevmc"`}},
		{name: "TXT quoting and 255-byte strings", caps: strict,
			src: []providers.RecordSet{set("example.com.", "TXT", 300, "v=spf1 include:_spf.example.net ~all"),
				set("k._domainkey.example.com.", "TXT", 300, `"`+long+`"`)},
			want: []providers.RecordSet{set("example.com.", "TXT", 300, `"v=spf1 include:_spf.example.net ~all"`),
				set("k._domainkey.example.com.", "TXT", 300, `"`+long[:255]+`" "`+long[255:]+`"`)},
			changed: map[string][]string{"dns.txt_normalised": {"example.com. TXT", "k._domainkey.example.com. TXT"}}},
		{name: "TXT strings joined where the destination holds one text", caps: func() providers.DNSCaps { c := strict; c.TXTJoined = true; return c }(),
			src: []providers.RecordSet{set("example.com.", "TXT", 300, `"v=spf1 " "-all"`), set("k.example.com.", "TXT", 300, `"`+long+`"`)},
			want: []providers.RecordSet{set("example.com.", "TXT", 300, `"v=spf1 -all"`),
				set("k.example.com.", "TXT", 300, `"`+long[:255]+`" "`+long[255:]+`"`)},
			changed: map[string][]string{"dns.txt_joined": {"example.com. TXT"}, "dns.txt_normalised": {"k.example.com. TXT"}}},
		{name: "TXT above the destination's size", caps: strict,
			src:     []providers.RecordSet{set("example.com.", "TXT", 300, `"`+long+`" "`+long+`"`)},
			blocked: map[string][]string{"dns.txt_too_long": {"example.com. TXT"}}, why: map[string]string{"example.com. TXT": "600 bytes"}},
		{name: "MX and SRV fields are checked", caps: strict,
			src: []providers.RecordSet{set("example.com.", "MX", 300, "mail.example.com."),
				set("_sip._tcp.example.com.", "SRV", 300, "10 5 sip.example.com."),
				set("_xmpp._tcp.example.com.", "SRV", 300, "10 5 5269 xmpp.example.com.")},
			want:    []providers.RecordSet{set("_xmpp._tcp.example.com.", "SRV", 300, "10 5 5269 xmpp.example.com.")},
			blocked: map[string][]string{"dns.bad_value": {"_sip._tcp.example.com. SRV", "example.com. MX"}}},
		{name: "TTLs raised to the minimum and capped at the maximum", caps: strict,
			src:     []providers.RecordSet{a("a.example.com.", 60, "192.0.2.1"), a("b.example.com.", 172800, "192.0.2.2")},
			want:    []providers.RecordSet{a("a.example.com.", 300, "192.0.2.1"), a("b.example.com.", 86400, "192.0.2.2")},
			changed: map[string][]string{"dns.ttl_raised": {"a.example.com. A"}, "dns.ttl_capped": {"b.example.com. A"}},
			why:     map[string]string{"a.example.com. A": "60 s to 300 s"}},
		{name: "alias without flatten_alias is a blocker", caps: strict,
			src:     []providers.RecordSet{a("www.example.com.", 300, "192.0.2.1"), alias("example.com.", "www.example.com.", "Z1")},
			want:    []providers.RecordSet{a("www.example.com.", 300, "192.0.2.1")},
			blocked: map[string][]string{"dns.alias_unsupported": {"example.com. A"}}},
		{name: "flatten_alias: from the zone's own sets, through alias chains", caps: strict, flatten: true,
			src: []providers.RecordSet{a("www.example.com.", 600, "192.0.2.1", "192.0.2.2"), alias("example.com.", "www.example.com.", "Z1"),
				alias("shop.example.com.", "example.com.", "Z1")},
			want: []providers.RecordSet{a("example.com.", 600, "192.0.2.1", "192.0.2.2"), a("shop.example.com.", 600, "192.0.2.1", "192.0.2.2"),
				a("www.example.com.", 600, "192.0.2.1", "192.0.2.2")},
			changed: map[string][]string{"dns.alias_flattened": {"example.com. A", "shop.example.com. A"}}},
		{name: "flatten_alias: targets outside the zone or under routing are blockers", caps: strict, flatten: true,
			src: []providers.RecordSet{alias("lb.example.com.", "dualstack.shop-1.eu-central-1.elb.amazonaws.com.", "Z215JYRZR1TBD5"),
				{Name: "api.example.com.", Type: "A", TTL: 60, SetID: "blue", Values: []string{"192.0.2.1"}, Routing: &providers.Routing{Weight: w(1)}},
				alias("x.example.com.", "api.example.com.", "Z1"), alias("y.example.com.", "none.example.com.", "Z1")},
			want:    []providers.RecordSet{{Name: "api.example.com.", Type: "A", TTL: 300, SetID: "blue", Values: []string{"192.0.2.1"}, Routing: &providers.Routing{Weight: w(1)}}},
			blocked: map[string][]string{"dns.alias_unresolved": {"lb.example.com. A", "x.example.com. A", "y.example.com. A"}},
			changed: map[string][]string{"dns.ttl_raised": {"api.example.com. A blue"}},
			why: map[string]string{"lb.example.com. A": "dualstack.shop-1.eu-central-1.elb.amazonaws.com. (hosted zone Z215JYRZR1TBD5) is outside the zone",
				"x.example.com. A": "routing policy", "y.example.com. A": "has no A record set"}},
		{name: "alias kept where the destination has aliases", caps: loose,
			src:  []providers.RecordSet{alias("lb.example.com.", "dualstack.x.elb.amazonaws.com.", "Z215JYRZR1TBD5")},
			want: []providers.RecordSet{alias("lb.example.com.", "dualstack.x.elb.amazonaws.com.", "Z215JYRZR1TBD5")}},
		{name: "health checks of another account", caps: loose,
			src: []providers.RecordSet{{Name: "ha.example.com.", Type: "A", TTL: 300, SetID: "p", Values: []string{"192.0.2.1"},
				Routing: &providers.Routing{Failover: "PRIMARY", HealthCheckID: "hc-1"}}},
			blocked: map[string][]string{"dns.health_check": {"ha.example.com. A p"}}, why: map[string]string{"ha.example.com. A p": "health check hc-1"}},
		{name: "routing rehome does not model", caps: loose,
			src:     []providers.RecordSet{{Name: "c.example.com.", Type: "A", TTL: 300, SetID: "eu", Values: []string{"192.0.2.1"}, Routing: &providers.Routing{Other: "cidr c1/eu"}}},
			blocked: map[string][]string{"dns.routing_unmodelled": {"c.example.com. A eu"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := dns.Translate(dns.TranslateInput{Zone: "example.com.", Src: tc.src, Caps: tc.caps, FlattenAlias: tc.flatten})
			if d := cmp.Diff(tc.want, tr.Sets); d != "" {
				t.Errorf("sets (-want +got):\n%s", d)
			}
			if tc.blocked == nil {
				tc.blocked = map[string][]string{}
			}
			if d := cmp.Diff(tc.blocked, tr.Blocked); d != "" {
				t.Errorf("blocked (-want +got):\n%s", d)
			}
			if tc.changed == nil {
				tc.changed = map[string][]string{}
			}
			if d := cmp.Diff(tc.changed, tr.Changed); d != "" {
				t.Errorf("changed (-want +got):\n%s", d)
			}
			for k, sub := range tc.why {
				if !strings.Contains(tr.Why[k], sub) {
					t.Errorf("why %s = %q, want it to say %q", k, tr.Why[k], sub)
				}
			}
			if d := cmp.Diff(tc.signer, tr.Signer); d != "" {
				t.Errorf("signer sets (-want +got):\n%s", d)
			}
			// Deterministic, and a fixed point: translating the result
			// again changes nothing (so a re-plan after apply is empty).
			again := dns.Translate(dns.TranslateInput{Zone: "example.com.", Src: tr.Sets, Caps: tc.caps, FlattenAlias: tc.flatten})
			if d := cmp.Diff(tr.Sets, again.Sets); d != "" {
				t.Errorf("translation is not a fixed point (-first +second):\n%s", d)
			}
		})
	}
}
