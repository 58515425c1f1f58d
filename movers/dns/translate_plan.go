package dns

// The plan's side of the translation: its findings, and the cutover steps
// at the registrar (DS records, name servers) that rehome cannot make
// itself and lists with their checks.

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Action types of the registrar steps.
const (
	typeDS         = "registrar_ds"
	typeDelegation = "delegation"
)

// ruleText is each rule's finding text: what happened, and the remedy.
var ruleText = map[string][2]string{
	ruleBadName:      {"have owner names with no ASCII (IDNA) form", "rename the records at the source, or acknowledge to leave them out"},
	ruleBadValue:     {"hold values that are not valid data of their type", "correct the values at the source, or acknowledge to leave the sets out"},
	ruleApexCNAME:    {"are CNAMEs at the zone apex, which DNS forbids beside the apex SOA and NS", "replace the apex CNAME by A/AAAA records at the source, or acknowledge to leave it out"},
	ruleWildcard:     {"have wildcard owner names, which the destination cannot hold", "replace the wildcards by explicit names, or acknowledge to leave them out"},
	ruleCAATag:       {"hold CAA tags the destination does not accept", "remove the tags at the source, or acknowledge to leave the sets out"},
	ruleTXTLong:      {"hold more TXT text than the destination accepts", "shorten the records (e.g. a shorter DKIM key), or acknowledge to leave them out"},
	ruleAlias:        {"are alias records, which the destination has no equivalent of", "set flatten_alias = true to write them as plain records of their targets' current values, or acknowledge to leave them out"},
	ruleAliasTarget:  {"are alias records whose targets rehome cannot read from the source's own data (flatten_alias)", "replace the aliases by plain records at the source, or acknowledge to leave them out"},
	ruleHealthCheck:  {"reference health checks of the source's account, which the destination's account cannot use", "create equivalent health checks at the destination, or acknowledge to write the sets without health checks (always answered)"},
	ruleRoutingOther: {"use routing rehome cannot write (CIDR, geoproximity, traffic policies)", "recreate the routing at the destination yourself, or acknowledge to leave the sets out"},
	ruleFlattened:    {"are alias records written as plain records of their targets' current values; they will no longer follow their targets when those change", "none needed if intended; re-run the copy after a target changes"},
	ruleTXTJoined:    {"hold TXT records of several strings split other than every 255 bytes; the destination holds one text per record, so their strings are joined (resolvers reading SPF or DKIM see the same text; records whose strings mean something apart change)", "check the records are SPF/DKIM-like text, or acknowledge"},
	ruleTTLRaised:    {"have TTLs below the destination's minimum; they are raised", "none needed"},
	ruleTTLCapped:    {"have TTLs above the destination's maximum; they are lowered", "none needed"},
	ruleIDN:          {"have internationalised owner names; they are written as punycode", "none needed"},
	ruleTXTSplit:     {"hold TXT text rewritten in canonical form (quoted, strings of at most 255 bytes); resolvers read the same text", "none needed"},
}

func ruleSeverity(rule string) planner.Severity {
	switch rule {
	case ruleFlattened, ruleTTLRaised, ruleTTLCapped, ruleTXTJoined:
		return planner.SevWarning
	case ruleIDN, ruleTXTSplit:
		return planner.SevInfo
	}
	return planner.SevBlocker
}

// listKeys names every set with its detail.
func listKeys(tr *Translation, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if w := tr.Why[k]; w != "" {
			parts[i] += " (" + w + ")"
		}
	}
	return strings.Join(parts, "; ")
}

// reportTranslation adds the translation's findings, one per rule, naming
// every set; it returns the rules whose blockers are acknowledged.
func reportTranslation(mc *planner.MoveContext, recAddr, zone string, tr *Translation) []string {
	var skip []string
	report := func(rule string, keys []string) {
		txt := ruleText[rule]
		f := mc.Finding(ruleSeverity(rule), recAddr, rule, "",
			fmt.Sprintf("in %s, the record sets that %s (%d, for %s): %s", zone, txt[0], len(keys), mc.Move.To, listKeys(tr, keys)), txt[1])
		if f.Severity == planner.SevBlocker && f.Acknowledged {
			skip = append(skip, rule)
		}
	}
	for _, rule := range slices.Sorted(mapKeys(tr.Blocked)) {
		report(rule, tr.Blocked[rule])
	}
	for _, rule := range slices.Sorted(mapKeys(tr.Changed)) {
		report(rule, tr.Changed[rule])
	}
	return skip
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// skippedByRules lists the sets acknowledged blockers leave out.
func skippedByRules(tr *Translation, rules []string) []string {
	var out []string
	for _, r := range rules {
		out = append(out, tr.Blocked[r]...)
	}
	sort.Strings(out)
	return out
}

// unacknowledged returns the blocked sets no acknowledged rule covers.
func unacknowledged(tr *Translation, rules []string) []string {
	var out []string
	for r, keys := range tr.Blocked {
		if !slices.Contains(rules, r) {
			out = append(out, keys...)
		}
	}
	sort.Strings(out)
	return out
}

// delegationParams are the inputs of a registrar step.
type delegationParams struct {
	Zone string `json:"zone"`
	// Nameservers the registrar must delegate to (known once the zone
	// exists at the destination).
	Nameservers []string `json:"nameservers,omitempty"`
	// DS: the source's DS records to remove; DestSigns: the destination
	// signs, so its DS replaces them.
	DS        []string `json:"ds,omitempty"`
	DestSigns bool     `json:"dest_signs,omitempty"`
	// Resolver, when set, is asked for the zone's DS and NS to check the
	// step.
	Resolver string `json:"resolver,omitempty"`
}

// planCutoverSteps adds the zone's DNSSEC finding and registrar steps:
// the DS record's removal or replacement (a signed source) and the
// name-server switch, after the cutover's final sync.
func planCutoverSteps(ctx context.Context, mc *planner.MoveContext, zone string, sd providers.DNS,
	srcSets, dstSets []providers.RecordSet, tr *Translation, after []string) error {
	m, dst := mc.Move, mc.To
	dcaps := dst.Factory.Caps.DNS
	fq := Fqdn(zone)
	from := planner.Endpoint{Env: m.From, Name: zone}
	to := planner.Endpoint{Env: m.To, Name: zone}
	var ns []string
	for _, rs := range dstSets {
		if rs.Name == fq && rs.Type == "NS" {
			ns = slices.Clone(rs.Values)
		}
	}
	signed, status := len(tr.Signer) > 0, ""
	var ds []string
	if r, ok := sd.(providers.DNSSECReader); ok {
		st, err := r.DNSSEC(ctx, fq)
		if err != nil {
			return fmt.Errorf("read the DNSSEC status of %s at %s: %w", zone, m.From, err)
		}
		signed = signed || st.Signed
		status, ds = st.Status, st.DS
	}
	deps := slices.Clone(after)
	if signed {
		dsAddr := mc.Addr(typeDS, zone)
		why := "its zone holds signer records (" + planner.First(tr.Signer, 5) + "), which are never copied"
		if status != "" {
			why = "its provider reports " + status
		}
		p := delegationParams{Zone: zone, DS: ds, DestSigns: dcaps.DNSSEC, Resolver: settings(m).Resolver}
		a := planner.Action{Address: dsAddr, Type: typeDS, Action: planner.ActSwitch, Phase: planner.PhaseCutover,
			DependsOn: slices.Clone(after), From: from, To: to, Params: planner.EncodeParams(p)}
		dsText := "the DS record(s)"
		if len(ds) > 0 {
			dsText = "the DS record(s) " + strings.Join(ds, ", ")
		}
		if dcaps.DNSSEC {
			a.Reason = fmt.Sprintf("at the registrar, replace %s of %s by the ones %s gives once signing is enabled there, before the name-server switch", dsText, zone, m.To)
			a.Check = fmt.Sprintf("the parent zone serves only %s's DS for %s, and %s answers %s signed", m.To, zone, m.To, zone)
			a.Undo = fmt.Sprintf("put %s back at the registrar", dsText)
			mc.Finding(planner.SevWarning, dsAddr, "dns.dnssec", "",
				fmt.Sprintf("%s is signed at %s (%s); the signer's records are not copied: enable signing at %s and replace the DS at the registrar before switching name servers, or validating resolvers will fail the zone", zone, m.From, why, m.To),
				"follow the registrar_ds cutover step")
		} else {
			a.Reason = fmt.Sprintf("at the registrar, remove %s of %s and wait out the parent's DS TTL before the name-server switch (%s cannot sign)", dsText, zone, m.To)
			a.Check = fmt.Sprintf("the parent zone serves no DS for %s, and the DS TTL has passed since", zone)
			a.Undo = fmt.Sprintf("put %s back at the registrar (after the name servers are the source's again)", dsText)
			mc.Finding(planner.SevBlocker, dsAddr, "dns.dnssec_unsigned_destination", "",
				fmt.Sprintf("%s is signed at %s (%s) but %s (%s) cannot sign zones: the zone will be served unsigned, so the DS record must be removed at the registrar before the name-server switch", zone, m.From, why, m.To, dst.Factory.Name),
				"acknowledge to move the zone unsigned (the registrar_ds step then removes the DS first)")
		}
		if r := settings(m).Resolver; r != "" {
			a.Check += "; rehome asks " + r + " and refuses to go on until it answers so"
		}
		if mc.CutoverDone() {
			a.Action, a.Reason = planner.ActNoop, "cutover already ran"
		}
		mc.Add(a)
		deps = append(deps, dsAddr)
	}
	p := delegationParams{Zone: zone, Nameservers: ns, Resolver: settings(m).Resolver}
	a := planner.Action{Address: mc.Addr(typeDelegation, zone), Type: typeDelegation, Action: planner.ActSwitch, Phase: planner.PhaseCutover,
		DependsOn: deps, From: from, To: to, Params: planner.EncodeParams(p),
		Undo: fmt.Sprintf("point the registrar's name servers for %s back at %s's", zone, m.From)}
	if len(ns) > 0 {
		a.Reason = fmt.Sprintf("change the registrar's name servers for %s to %s", zone, strings.Join(ns, ", "))
		a.Check = fmt.Sprintf("the parent zone delegates %s to exactly %s, and each answers for it authoritatively", zone, strings.Join(ns, ", "))
	} else {
		a.Reason = fmt.Sprintf("change the registrar's name servers for %s to those %s assigns when it creates the zone (shown here after apply)", zone, m.To)
		a.Check = fmt.Sprintf("the parent zone delegates %s to %s's name servers for it, and each answers for it authoritatively", zone, m.To)
	}
	if r := settings(m).Resolver; r != "" {
		a.Check += "; rehome asks " + r + " and refuses to go on until it answers so"
	}
	if mc.CutoverDone() {
		a.Action, a.Reason = planner.ActNoop, "cutover already ran"
	}
	mc.Add(a)
	if len(ns) > 0 {
		mc.Finding(planner.SevInfo, a.Address, "dns.nameservers", "",
			fmt.Sprintf("%s's name servers for %s: %s; the registrar must delegate to them at cutover", m.To, zone, strings.Join(ns, ", ")),
			"change the name servers at the registrar during the cutover")
	}
	return nil
}

// registrarStep runs a registrar step: rehome cannot change the
// registrar, so it reads the destination's name servers for the zone,
// records them with the DS records concerned in the state (`rehome state
// show`), and tells the operator what to change there.
func registrarStep(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p delegationParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, err := r.Env(a.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	dd, err := dnsOf(dst)
	if err != nil {
		return state.Result{}, err
	}
	fq := Fqdn(p.Zone)
	sets, err := records(ctx, r.Caller, dd, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read the name servers of %s at %s: %w", p.Zone, a.To.Env, err)
	}
	var ns []string
	for _, rs := range sets {
		if rs.Name == fq && rs.Type == "NS" {
			ns = rs.Values
		}
	}
	if len(ns) == 0 {
		return state.Result{}, fmt.Errorf("zone %s at %s has no apex NS records to delegate to", p.Zone, a.To.Env)
	}
	attrs := map[string]string{"nameservers": strings.Join(ns, " ")}
	if p.Resolver != "" {
		if err := checkRegistrar(ctx, a.Type, p, ns); err != nil {
			return state.Result{}, fmt.Errorf("%s: %w; make the change at the registrar, then run the cutover again", a.Address, err)
		}
		attrs["checked_with"] = p.Resolver
	}
	switch a.Type {
	case typeDS:
		attrs["ds"] = strings.Join(p.DS, "; ")
		if p.DestSigns {
			r.Message("%s: at the registrar, replace the DS record(s) of %s by %s's once signing is enabled there", a.Address, p.Zone, a.To.Env)
		} else {
			r.Message("%s: at the registrar, remove the DS record(s) of %s and wait out their TTL", a.Address, p.Zone)
		}
	default:
		r.Message("%s: at the registrar, set the name servers of %s to %s", a.Address, p.Zone, strings.Join(ns, ", "))
	}
	return state.Result{}, r.SetResource(ctx, state.Resource{Address: a.Address, Type: a.Type, Env: a.To.Env, Name: p.Zone, Attrs: attrs})
}

// checkRegistrar asks the resolver for the zone's DS (the DS step) or NS
// (the delegation step) and compares with what the step needs: no DS of
// the source's (and, where the destination signs, some DS), or exactly the
// destination's name servers.
func checkRegistrar(ctx context.Context, typ string, p delegationParams, ns []string) error {
	server := p.Resolver
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	c := &mdns.Client{Timeout: 5 * time.Second}
	q := func(t uint16) ([]string, error) {
		m := new(mdns.Msg)
		m.SetQuestion(Fqdn(p.Zone), t)
		m.SetEdns0(4096, true)
		in, _, err := c.ExchangeContext(ctx, m, server)
		if err != nil {
			return nil, fmt.Errorf("ask %s for the %s records of %s: %w", server, mdns.TypeToString[t], p.Zone, err)
		}
		if in.Rcode != mdns.RcodeSuccess {
			return nil, fmt.Errorf("ask %s for the %s records of %s: %s", server, mdns.TypeToString[t], p.Zone, mdns.RcodeToString[in.Rcode])
		}
		var out []string
		for _, rr := range in.Answer {
			if rr.Header().Rrtype != t {
				continue
			}
			v, _ := strings.CutPrefix(rr.String(), rr.Header().String())
			out = append(out, strings.ToLower(v))
		}
		sort.Strings(out)
		return out, nil
	}
	if typ == typeDS {
		got, err := q(mdns.TypeDS)
		if err != nil {
			return err
		}
		for _, d := range p.DS {
			if slices.Contains(got, strings.ToLower(d)) {
				return fmt.Errorf("the parent zone still serves the source's DS record %s for %s (%s says)", d, p.Zone, p.Resolver)
			}
		}
		if len(got) > 0 && !p.DestSigns {
			return fmt.Errorf("the parent zone still serves DS records for %s (%s), and the destination does not sign", p.Zone, strings.Join(got, ", "))
		}
		if len(got) == 0 && p.DestSigns {
			return fmt.Errorf("the parent zone serves no DS record for %s yet; publish the destination's", p.Zone)
		}
		return nil
	}
	got, err := q(mdns.TypeNS)
	if err != nil {
		return err
	}
	want := make([]string, len(ns))
	for i, n := range ns {
		want[i] = strings.ToLower(mdns.Fqdn(n))
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s delegates %s to %s, not to %s", p.Resolver, p.Zone, orNone(got), strings.Join(want, ", "))
	}
	return nil
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "no name servers"
	}
	return strings.Join(xs, ", ")
}

// sameAccount reports whether two environments are one AWS account (their
// identities "aws:ACCOUNT/REGION..." agree on a known account).
func sameAccount(src, dst *planner.Env) bool {
	acct := func(id string) string {
		rest, ok := strings.CutPrefix(id, "aws:")
		if !ok {
			return ""
		}
		a, _, _ := strings.Cut(rest, "/")
		if a == "?" {
			return ""
		}
		return a
	}
	a := acct(src.ID())
	return a != "" && a == acct(dst.ID())
}
