package dns_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/providers"
)

// FuzzTranslate: any record set translates without a panic, into sets
// the translation leaves as they are (a fixed point, so a re-plan after
// apply is empty), or into a blocker.
func FuzzTranslate(f *testing.F) {
	for _, s := range [][3]string{
		{"www.example.com.", "A", "192.0.2.1"},
		{"bücher.example.com.", "AAAA", "2001:DB8::1"},
		{"example.com.", "TXT", "v=spf1 include:_spf.example.net ~all"},
		{"k.example.com.", "TXT", `"a\"b" "c\\d" "\195\164"`},
		{"example.com.", "CAA", `0 issue "letsencrypt.org"`},
		{"_sip._tcp.example.com.", "SRV", "10 5 5060 sip.example.com."},
		{"example.com.", "MX", "10 mail.example.com."},
		{`\042.example.com.`, "CNAME", "x.example.net."},
	} {
		f.Add(s[0], s[1], s[2], uint32(300))
	}
	caps := providers.DNSCaps{RecordTypes: []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT"}, OwnApex: true,
		Wildcards: true, MinTTL: 60, MaxTTL: 86400, CAATags: []string{"issue", "issuewild", "iodef"}, MaxTXT: 4000, TXTJoined: true}
	f.Fuzz(func(t *testing.T, name, typ, value string, ttl uint32) {
		in := dns.TranslateInput{Zone: "example.com.", Caps: caps,
			Src: []providers.RecordSet{{Name: name, Type: typ, TTL: ttl, Values: []string{value}}}}
		tr := dns.Translate(in)
		in.Src = tr.Sets
		again := dns.Translate(in)
		if d := cmp.Diff(tr.Sets, again.Sets); d != "" {
			t.Errorf("not a fixed point (-first +second):\n%s", d)
		}
	})
}
