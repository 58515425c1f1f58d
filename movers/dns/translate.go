package dns

// Translation: what the destination will hold for the source's record
// sets, through the destination's capability table. Every rule either
// changes a set the same way on every run (canonical values, punycode
// names, TTLs inside the destination's limits, TXT strings split at 255
// bytes, flattened aliases) and says so, or leaves the set out as a
// blocker naming it. Nothing is dropped silently.

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/rehome/rehome/providers"
)

// Rules of the translation: the finding codes they report under.
const (
	ruleBadName      = "dns.bad_name"          // blocker: an owner name with no ASCII form
	ruleBadValue     = "dns.bad_value"         // blocker: a value that is not valid data of its type
	ruleApexCNAME    = "dns.apex_cname"        // blocker: a CNAME at the zone apex
	ruleWildcard     = "dns.wildcard"          // blocker: the destination has no wildcards
	ruleCAATag       = "dns.caa_tag"           // blocker: a CAA tag the destination refuses
	ruleTXTLong      = "dns.txt_too_long"      // blocker: a TXT record above the destination's size
	ruleAlias        = "dns.alias_unsupported" // blocker: an alias set, flatten_alias off
	ruleAliasTarget  = "dns.alias_unresolved"  // blocker: an alias whose target rehome cannot read
	ruleRoutingOther = "dns.routing_unmodelled"
	ruleHealthCheck  = "dns.health_check"    // blocker: a health check of another account
	ruleFlattened    = "dns.alias_flattened" // warning
	ruleTTLRaised    = "dns.ttl_raised"      // warning
	ruleTTLCapped    = "dns.ttl_capped"      // warning
	ruleIDN          = "dns.idn_punycode"    // info
	ruleTXTSplit     = "dns.txt_normalised"  // info
	ruleTXTJoined    = "dns.txt_joined"      // warning: strings joined for a destination holding one text
)

// signerTypes are the records a DNSSEC signer makes: never copied as
// data; a zone holding them is signed.
var signerTypes = map[string]bool{"RRSIG": true, "NSEC": true, "NSEC3": true, "NSEC3PARAM": true, "DNSKEY": true, "CDS": true, "CDNSKEY": true}

// IsSignerType reports whether t is a type a DNSSEC signer writes.
func IsSignerType(t string) bool { return signerTypes[strings.ToUpper(t)] }

// TranslateInput parameterises Translate.
type TranslateInput struct {
	Zone string // fully qualified
	Src  []providers.RecordSet
	Caps providers.DNSCaps // the destination's
	// FlattenAlias turns alias sets the destination cannot hold into
	// plain sets holding their targets' current values, where the target
	// is a record set of the zone.
	FlattenAlias bool
	// DstZoneID is the destination zone's id, where it exists: an alias
	// kept as an alias whose target is in the zone points at the
	// destination's zone instead of the source's.
	DstZoneID string
	// SameAccount: source and destination are one account, so health
	// check ids stay valid. Otherwise a set referencing one is blocked,
	// or, with DropHealthChecks (the finding acknowledged), written
	// without it.
	SameAccount, DropHealthChecks bool
}

// Translation is what Translate made of a zone.
type Translation struct {
	// Sets are the sets to write, translated.
	Sets []providers.RecordSet
	// Blocked maps a rule to the keys of the sets it leaves out.
	Blocked map[string][]string
	// Changed maps a warning or info rule to the keys of the sets it
	// changed.
	Changed map[string][]string
	// Why holds a detail per blocked or changed key ("tag issuevmc",
	// "target lb.example.com. is outside the zone").
	Why map[string]string
	// Signer lists the signer record sets left out; non-empty: the
	// source zone is signed.
	Signer []string
}

func (t *Translation) block(rule, key, why string) {
	t.Blocked[rule] = append(t.Blocked[rule], key)
	if why != "" {
		t.Why[key] = why
	}
}

func (t *Translation) note(rule, key, why string) {
	t.Changed[rule] = append(t.Changed[rule], key)
	if why != "" {
		t.Why[key] = why
	}
}

// Translate applies the rules to every source set. It is deterministic,
// so the plan and the copy agree.
func Translate(in TranslateInput) *Translation {
	t := &Translation{Blocked: map[string][]string{}, Changed: map[string][]string{}, Why: map[string]string{}}
	src := slices.Clone(in.Src)
	sort.Slice(src, func(i, j int) bool { return src[i].Key() < src[j].Key() })
	byName := map[string][]providers.RecordSet{}
	for _, rs := range src {
		byName[rs.Name+" "+rs.Type] = append(byName[rs.Name+" "+rs.Type], rs)
	}
	caps := in.Caps
	for _, rs := range src {
		k := rs.Key()
		if signerTypes[rs.Type] {
			t.Signer = append(t.Signer, k)
			continue
		}
		name, changed, err := asciiName(rs.Name)
		if err != nil {
			t.block(ruleBadName, k, err.Error())
			continue
		}
		if changed {
			t.note(ruleIDN, k, name)
			rs.Name = name
		}
		if rs.Type == "CNAME" && rs.Name == in.Zone {
			t.block(ruleApexCNAME, k, "")
			continue
		}
		if !caps.Wildcards && (strings.HasPrefix(rs.Name, "*.") || rs.Name == "*") {
			t.block(ruleWildcard, k, "")
			continue
		}
		if rs.Routing != nil && rs.Routing.Other != "" && caps.Routing {
			t.block(ruleRoutingOther, k, rs.Routing.Other)
			continue
		}
		if ro := rs.Routing; ro != nil && ro.HealthCheckID != "" && caps.Routing && !in.SameAccount {
			if !in.DropHealthChecks {
				t.block(ruleHealthCheck, k, "health check "+ro.HealthCheckID)
				continue
			}
			r := *ro
			r.HealthCheckID = ""
			rs.Routing = &r
		}
		if rs.Alias != nil && !caps.Alias {
			if !in.FlattenAlias {
				t.block(ruleAlias, k, "target "+rs.Alias.Target)
				continue
			}
			flat, why := flatten(in.Zone, rs, byName)
			if why != "" {
				t.block(ruleAliasTarget, k, why)
				continue
			}
			t.note(ruleFlattened, k, "from "+rs.Alias.Target)
			rs = flat
		}
		if rs.Alias != nil && dns.IsSubDomain(in.Zone, strings.ToLower(dns.Fqdn(rs.Alias.Target))) {
			al := *rs.Alias
			al.Zone = strings.TrimPrefix(in.DstZoneID, "/hostedzone/")
			rs.Alias = &al
		}
		if rs.Alias == nil {
			vals, rule, why := translateValues(rs, caps)
			if rule != "" {
				t.block(rule, k, why)
				continue
			}
			if caps.TXTJoined && (rs.Type == "TXT" || rs.Type == "SPF") {
				joined, changed := joinTXT(rs.Name, rs.Type, vals)
				if changed {
					t.note(ruleTXTJoined, k, "")
					vals = joined
				}
			}
			if !slices.Equal(vals, rs.Values) && (rs.Type == "TXT" || rs.Type == "SPF") && !slices.Contains(t.Changed[ruleTXTJoined], k) {
				t.note(ruleTXTSplit, k, "")
			}
			rs.Values = vals
			if caps.MinTTL > 0 && rs.TTL < caps.MinTTL {
				t.note(ruleTTLRaised, k, fmt.Sprintf("%d s to %d s", rs.TTL, caps.MinTTL))
				rs.TTL = caps.MinTTL
			}
			if caps.MaxTTL > 0 && rs.TTL > caps.MaxTTL {
				t.note(ruleTTLCapped, k, fmt.Sprintf("%d s to %d s", rs.TTL, caps.MaxTTL))
				rs.TTL = caps.MaxTTL
			}
		}
		t.Sets = append(t.Sets, rs)
	}
	return t
}

// flatten resolves an alias set from the zone's own sets: the target
// must be a plain set (or, through at most eight aliases, lead to one) of
// the alias's type within the zone. rehome never looks names up in the
// DNS, so a target elsewhere (a load balancer, a CDN) is unresolved.
func flatten(zone string, rs providers.RecordSet, byName map[string][]providers.RecordSet) (providers.RecordSet, string) {
	cur := rs
	for range 8 {
		target := strings.ToLower(dns.Fqdn(cur.Alias.Target))
		if !dns.IsSubDomain(zone, target) {
			return rs, fmt.Sprintf("target %s (hosted zone %s) is outside the zone; rehome does not look names up, so it cannot know its addresses", target, cur.Alias.Zone)
		}
		cands := byName[target+" "+rs.Type]
		switch {
		case len(cands) == 0:
			return rs, fmt.Sprintf("target %s has no %s record set in the zone", target, rs.Type)
		case len(cands) > 1 || cands[0].SetID != "":
			return rs, fmt.Sprintf("target %s is answered by a routing policy (%d sets); no single set of values stands for it", target, len(cands))
		}
		next := cands[0]
		if next.Alias == nil {
			out := rs
			out.Alias, out.TTL, out.Values = nil, next.TTL, slices.Clone(next.Values)
			return out, ""
		}
		cur = next
	}
	return rs, "the alias chain from " + rs.Alias.Target + " is longer than 8"
}

// asciiName returns a name's ASCII form: escapes (\DDD) decoded, labels
// with other than ASCII bytes as punycode (IDNA 2008, lookup profile).
func asciiName(name string) (string, bool, error) {
	raw := unescape(name)
	ascii := true
	for i := 0; i < len(raw); i++ {
		if raw[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return name, false, nil
	}
	labels := strings.Split(strings.TrimSuffix(raw, "."), ".")
	for i, l := range labels {
		if l == "*" {
			continue
		}
		a, err := idna.Lookup.ToASCII(l)
		if err != nil {
			return "", false, fmt.Errorf("label %q has no IDNA form: %v", l, err)
		}
		labels[i] = strings.ToLower(a)
	}
	return strings.Join(labels, ".") + ".", true, nil
}

// unescape decodes the \DDD and \X escapes of a presentation-format name.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

// translateValues checks and renders a set's values in the canonical
// presentation format (miekg/dns's), or names the rule that blocks it.
func translateValues(rs providers.RecordSet, caps providers.DNSCaps) ([]string, string, string) {
	out := make([]string, 0, len(rs.Values))
	for _, v := range rs.Values {
		if (rs.Type == "TXT" || rs.Type == "SPF") && !strings.HasPrefix(strings.TrimSpace(v), `"`) {
			// An unquoted value is one text (as per-record APIs give it),
			// not words split at spaces.
			v = quoteText(v)
		}
		rr, err := dns.NewRR(fmt.Sprintf("$ORIGIN .\n%s 300 IN %s %s", dns.Fqdn(rs.Name), rs.Type, v))
		if err != nil || rr == nil {
			msg := "empty"
			if err != nil {
				msg = err.Error()
			}
			return nil, ruleBadValue, fmt.Sprintf("value %q: %s", v, msg)
		}
		switch r := rr.(type) {
		case *dns.TXT:
			if n := textLen(r.Txt); caps.MaxTXT > 0 && n > caps.MaxTXT {
				return nil, ruleTXTLong, fmt.Sprintf("%d bytes of text, the destination holds %d", n, caps.MaxTXT)
			}
		case *dns.SPF:
			if n := textLen(r.Txt); caps.MaxTXT > 0 && n > caps.MaxTXT {
				return nil, ruleTXTLong, fmt.Sprintf("%d bytes of text, the destination holds %d", n, caps.MaxTXT)
			}
		case *dns.CAA:
			if len(caps.CAATags) > 0 && !slices.Contains(caps.CAATags, strings.ToLower(r.Tag)) {
				return nil, ruleCAATag, fmt.Sprintf("tag %q (the destination takes %s)", r.Tag, strings.Join(caps.CAATags, ", "))
			}
		case *dns.CNAME:
			if r.Target, err = asciiTarget(r.Target); err != nil {
				return nil, ruleBadValue, err.Error()
			}
		case *dns.MX:
			if r.Mx, err = asciiTarget(r.Mx); err != nil {
				return nil, ruleBadValue, err.Error()
			}
		case *dns.NS:
			if r.Ns, err = asciiTarget(r.Ns); err != nil {
				return nil, ruleBadValue, err.Error()
			}
		case *dns.SRV:
			if r.Target, err = asciiTarget(r.Target); err != nil {
				return nil, ruleBadValue, err.Error()
			}
		}
		s, h := rr.String(), rr.Header().String()
		val, ok := strings.CutPrefix(s, h)
		if !ok {
			return nil, ruleBadValue, fmt.Sprintf("value %q cannot be rendered", v)
		}
		out = append(out, val)
	}
	sort.Strings(out)
	return slices.Compact(out), "", ""
}

func asciiTarget(n string) (string, error) {
	a, _, err := asciiName(n)
	if err != nil {
		return n, fmt.Errorf("target %s: %w", n, err)
	}
	return a, nil
}

func textLen(ss []string) int {
	n := 0
	for _, s := range ss {
		n += len(unescape(s))
	}
	return n
}

// quoteText quotes a text as one presentation-format string.
func quoteText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// joinTXT gives each TXT value as a destination that holds one text per
// record serves it: its strings joined, split again every 255 bytes.
// changed says whether any value was split elsewhere before.
func joinTXT(owner, typ string, vals []string) ([]string, bool) {
	out := make([]string, 0, len(vals))
	changed := false
	for _, v := range vals {
		rr, err := dns.NewRR(fmt.Sprintf("$ORIGIN .\n%s 300 IN %s %s", dns.Fqdn(owner), typ, v))
		if err != nil || rr == nil {
			out = append(out, v)
			continue
		}
		var ss []string
		switch r := rr.(type) {
		case *dns.TXT:
			ss = r.Txt
		case *dns.SPF:
			ss = r.Txt
		}
		one := `"` + strings.Join(ss, "") + `"`
		jr, err := dns.NewRR(fmt.Sprintf("$ORIGIN .\n%s 300 IN %s %s", dns.Fqdn(owner), typ, one))
		if err != nil || jr == nil {
			out = append(out, v)
			continue
		}
		j, _ := strings.CutPrefix(jr.String(), jr.Header().String())
		if j != v {
			changed = true
		}
		out = append(out, j)
	}
	sort.Strings(out)
	return slices.Compact(out), changed
}
