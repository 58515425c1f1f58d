package dns

// The cutover's answer check: before the name-server switch, each
// destination server named in verify_servers is asked, over DNS, for every
// record set the destination should hold, and its answers are compared
// with the source's record sets as translated.

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

const typeVerify = "answers"

// verifyParams are the inputs of a zone's answer check.
type verifyParams struct {
	recordsParams
	Servers []string `json:"servers"`
}

// Mismatch is one record set a server answers differently from the
// source.
type Mismatch struct {
	Server string
	Key    string
	Want   []string // "TTL value" lines
	Got    []string
	Err    string
}

func (m Mismatch) String() string {
	if m.Err != "" {
		return fmt.Sprintf("%s at %s: %s", m.Key, m.Server, m.Err)
	}
	return fmt.Sprintf("%s at %s: answers %v, the source holds %v", m.Key, m.Server, m.Got, m.Want)
}

// VerifyAnswers asks each server (host:port) for every set, without
// recursion, and returns the sets whose answers differ: values and TTLs.
// Apex SOA and NS (the destination's own), alias sets (answered from
// their targets) and sets under a routing policy (answered by choice) are
// not compared; skipped counts them.
func VerifyAnswers(ctx context.Context, servers []string, zone string, want []providers.RecordSet) (mismatches []Mismatch, compared, skipped int, err error) {
	if len(servers) == 0 {
		return nil, 0, 0, fmt.Errorf("no servers to ask")
	}
	c := &dns.Client{Timeout: 5 * time.Second}
	for _, rs := range want {
		if IsApexOwn(zone, rs) || rs.Alias != nil || rs.SetID != "" || rs.Routing != nil {
			skipped++
			continue
		}
		t, ok := dns.StringToType[rs.Type]
		if !ok {
			skipped++
			continue
		}
		exp := make([]string, len(rs.Values))
		for i, v := range rs.Values {
			exp[i] = fmt.Sprintf("%d %s", rs.TTL, v)
		}
		sort.Strings(exp)
		compared++
		for _, srv := range servers {
			if err := ctx.Err(); err != nil {
				return mismatches, compared, skipped, err
			}
			got, qerr := ask(ctx, c, srv, rs.Name, t)
			switch {
			case qerr != nil:
				mismatches = append(mismatches, Mismatch{Server: srv, Key: rs.Key(), Want: exp, Err: qerr.Error()})
			case !slices.Equal(got, exp):
				mismatches = append(mismatches, Mismatch{Server: srv, Key: rs.Key(), Want: exp, Got: got})
			}
		}
	}
	return mismatches, compared, skipped, nil
}

// ask queries one server for name and type, retrying over TCP when the UDP
// answer is truncated, and returns the answer's records of that type and
// name as "TTL value" lines, sorted.
func ask(ctx context.Context, c *dns.Client, server, name string, t uint16) ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), t)
	m.RecursionDesired = false
	m.SetEdns0(4096, false)
	in, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		tc := *c
		tc.Net = "tcp"
		in, _, err = tc.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, fmt.Errorf("query %s %s: %w", name, dns.TypeToString[t], err)
	}
	if in.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("query %s %s: %s", name, dns.TypeToString[t], dns.RcodeToString[in.Rcode])
	}
	if !in.Authoritative {
		return nil, fmt.Errorf("query %s %s: the answer is not authoritative", name, dns.TypeToString[t])
	}
	var out []string
	for _, rr := range in.Answer {
		h := rr.Header()
		if h.Rrtype != t || !strings.EqualFold(h.Name, dns.Fqdn(name)) {
			continue
		}
		s, hs := rr.String(), h.String()
		v, _ := strings.CutPrefix(s, hs)
		out = append(out, fmt.Sprintf("%d %s", h.Ttl, v))
	}
	sort.Strings(out)
	return out, nil
}

// planVerify adds the answer check after the cutover's final sync when
// the move names servers (verify_servers).
func planVerify(mc *planner.MoveContext, zone string, p recordsParams, syncAddr string) string {
	m := mc.Move
	cfg := settings(m)
	if len(cfg.VerifyServers) == 0 {
		return ""
	}
	addr := mc.Addr(typeVerify, zone)
	a := planner.Action{Address: addr, Type: typeVerify, Action: planner.ActVerify, Phase: planner.PhaseCutover,
		DependsOn: []string{syncAddr}, From: planner.Endpoint{Env: m.From, Name: zone}, To: planner.Endpoint{Env: m.To, Name: zone},
		Params:  planner.EncodeParams(verifyParams{recordsParams: p, Servers: cfg.VerifyServers}),
		Options: []planner.Option{{Name: "verify_servers", Value: strings.Join(cfg.VerifyServers, ", ")}},
		Reason:  "ask the destination's servers for every record set and compare the answers with the source",
		Check:   fmt.Sprintf("%s answer every record set of %s as the source holds it (values and TTLs)", strings.Join(cfg.VerifyServers, ", "), zone),
		Undo:    "nothing (it only reads)"}
	if mc.CutoverDone() {
		a.Action, a.Reason = planner.ActNoop, "cutover already ran"
	}
	mc.Add(a)
	return addr
}

// verifyAnswers runs the answer check.
func verifyAnswers(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p verifyParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, dst, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	fq := Fqdn(p.Zone)
	srcSets, _, err := sourceZone(ctx, r, src, p.Zone, p.TTL)
	if err != nil {
		return state.Result{}, err
	}
	tr := Translate(TranslateInput{Zone: fq, Src: srcSets, Caps: dst.Factory.Caps.DNS, FlattenAlias: p.FlattenAlias,
		SameAccount: p.SameAccount, DropHealthChecks: p.DropHealthChecks})
	caps := dst.Factory.Caps.DNS
	var want []providers.RecordSet
	for _, rs := range tr.Sets {
		if !caps.SupportsType(rs.Type) || slices.Contains(p.SkipTypes, rs.Type) {
			continue
		}
		if caps.MinTTL > 0 && rs.TTL < caps.MinTTL {
			rs.TTL = caps.MinTTL
		}
		want = append(want, rs)
	}
	for i, s := range p.Servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			p.Servers[i] = net.JoinHostPort(s, "53")
		}
	}
	bad, compared, skipped, err := VerifyAnswers(ctx, p.Servers, fq, want)
	if err != nil {
		return state.Result{}, fmt.Errorf("check the answers for %s: %w", p.Zone, err)
	}
	if len(bad) > 0 {
		lines := make([]string, 0, min(len(bad), 10))
		for _, m := range head(bad, 10) {
			lines = append(lines, m.String())
		}
		return state.Result{}, fmt.Errorf("%d of %d answers for %s differ from the source: %s", len(bad), compared*len(p.Servers), p.Zone, strings.Join(lines, "; "))
	}
	r.Message("%s: %d record sets answered as the source holds them by %s (%d not comparable: apex, aliases, routing)",
		a.Address, compared, strings.Join(p.Servers, ", "), skipped)
	return state.Result{AlreadyDone: int64(compared)}, nil
}

// sourceZone reads a zone's record sets at the source, with the original
// TTLs of those rehome lowered when ttl (the move's cutover_ttl) is set.
func sourceZone(ctx context.Context, r *exec.Run, src *planner.Env, zone string, ttl uint32) ([]providers.RecordSet, providers.DNS, error) {
	sd, err := dnsOf(src)
	if err != nil {
		return nil, nil, err
	}
	sets, err := records(ctx, r.Caller, sd, Fqdn(zone))
	if err != nil {
		return nil, nil, fmt.Errorf("read zone %s at %s: %w", zone, src.Name, err)
	}
	sets, err = originalTTLs(ctx, r.Records(), TTLScope(r.Action.Move, src.ID(), zone), sets, ttl)
	return sets, sd, err
}
