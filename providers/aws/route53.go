package aws

// Route 53: the aws provider as a DNS provider (providers.DNS and
// providers.DNSSECReader).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"github.com/miekg/dns"

	"github.com/rehome/rehome/providers"
)

// Route 53's limits on one ChangeResourceRecordSets request (API
// reference): at most 1,000 ResourceRecord elements and 32,000 characters
// over all Value elements, an UPSERT counting twice.
const (
	route53MaxRecords = 1000
	route53MaxChars   = 32000
	// route53Wait bounds the wait for a change to reach INSYNC (Route 53
	// says changes propagate to all its servers within 60 seconds).
	route53Wait = 10 * time.Minute
)

// route53Types are the record types Route 53 holds.
var route53Types = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

// route53Caps is Route 53's DNS capability table.
func route53Caps() providers.DNSCaps {
	return providers.DNSCaps{
		RecordTypes: slices.Clone(route53Types),
		OwnApex:     true, // CreateHostedZone writes the SOA and four NS of its delegation set
		Wildcards:   true,
		Routing:     true,
		Alias:       true,
		MaxTTL:      2147483647,
		CAATags:     []string{"issue", "issuewild", "iodef"},
		MaxTXT:      4000, // a Value element holds at most 4,000 characters
		DNSSEC:      true,
	}
}

var (
	_ providers.DNS          = (*Provider)(nil)
	_ providers.DNSSECReader = (*Provider)(nil)
)

// route53State is the provider's Route 53 side: the client, built on
// first use, and the caller references of zones being created, so a
// retried CreateZone recognises its own zone.
type route53State struct {
	once   sync.Once
	client *route53.Client
	mu     sync.Mutex
	refs   map[string]string // zone name -> caller reference
	// firstPoll is the first wait between GetChange calls (doubling to
	// 5 s); 0 means 100 ms.
	firstPoll time.Duration
}

func (p *Provider) route53() *route53.Client {
	p.r53.once.Do(func() {
		p.r53.client = route53.NewFromConfig(p.cfg, func(o *route53.Options) {
			if e := p.endpoint("route53"); e != "" {
				o.BaseEndpoint = aws.String(e)
			}
		})
	})
	return p.r53.client
}

// r53err wraps a Route 53 error with what was being done, maps its codes
// to the providers' sentinels and marks transient ones retryable.
func r53err(doing string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchHostedZone":
			return fmt.Errorf("aws: route53: %s: %w (%w)", doing, err, providers.ErrNotFound)
		case "HostedZoneNotEmpty":
			return fmt.Errorf("aws: route53: %s: %w (%w)", doing, err, providers.ErrNotEmpty)
		}
	}
	var icb *types.InvalidChangeBatch
	if errors.As(err, &icb) && len(icb.Messages) > 0 {
		return fmt.Errorf("aws: route53: %s: InvalidChangeBatch: %s: %w", doing, strings.Join(icb.Messages, "; "), err)
	}
	return providers.MarkTransient(fmt.Errorf("aws: route53: %s: %w", doing, err))
}

// r53zone is one hosted zone as listed.
type r53zone struct {
	id, name, ref string
	private       bool
	sets          int64
	comment       string
}

func (p *Provider) listZones(ctx context.Context) ([]r53zone, error) {
	var out []r53zone
	in := &route53.ListHostedZonesInput{}
	for {
		page, err := p.route53().ListHostedZones(ctx, in)
		if err != nil {
			return nil, r53err("list hosted zones", err)
		}
		for _, z := range page.HostedZones {
			rz := r53zone{id: aws.ToString(z.Id), name: unescapeName(aws.ToString(z.Name)), ref: aws.ToString(z.CallerReference),
				sets: aws.ToInt64(z.ResourceRecordSetCount)}
			if c := z.Config; c != nil {
				rz.private, rz.comment = c.PrivateZone, aws.ToString(c.Comment)
			}
			out = append(out, rz)
		}
		if !page.IsTruncated || aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		in.Marker = page.NextMarker
	}
}

// zoneID finds the hosted zone a name (or an id) stands for: the public
// zone of that name, else the only private one.
func (p *Provider) zoneID(ctx context.Context, zone string) (r53zone, error) {
	zs, err := p.listZones(ctx)
	if err != nil {
		return r53zone{}, err
	}
	if id := strings.TrimPrefix(zone, "/hostedzone/"); !strings.Contains(id, ".") {
		for _, z := range zs {
			if strings.TrimPrefix(z.id, "/hostedzone/") == id {
				return z, nil
			}
		}
		return r53zone{}, fmt.Errorf("aws: route53: no hosted zone with id %s: %w", id, providers.ErrNotFound)
	}
	name := fqdn(zone)
	var public, private []r53zone
	for _, z := range zs {
		if z.name != name {
			continue
		}
		if z.private {
			private = append(private, z)
		} else {
			public = append(public, z)
		}
	}
	switch {
	case len(public) == 1:
		return public[0], nil
	case len(public) > 1:
		return r53zone{}, fmt.Errorf("aws: route53: %d public hosted zones are named %s (%s): name one by its id", len(public), name, zoneIDs(public))
	case len(private) == 1:
		return private[0], nil
	case len(private) > 1:
		return r53zone{}, fmt.Errorf("aws: route53: %d private hosted zones are named %s (%s): name one by its id", len(private), name, zoneIDs(private))
	}
	return r53zone{}, fmt.Errorf("aws: route53: no hosted zone %s: %w", name, providers.ErrNotFound)
}

func zoneIDs(zs []r53zone) string {
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i] = z.id
	}
	return strings.Join(ids, ", ")
}

func fqdn(n string) string { return strings.ToLower(dns.Fqdn(strings.TrimSpace(n))) }

// unescapeName undoes Route 53's escapes (a backslash and three octal
// digits for characters other than a-z, 0-9, '-' and '_', such as the
// wildcard "\052") and lower-cases the name.
func unescapeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return fqdn(b.String())
}

// Zones lists the hosted zones, public and private, sorted by name.
func (p *Provider) Zones(ctx context.Context) ([]providers.Zone, error) {
	zs, err := p.listZones(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Zone, 0, len(zs))
	for _, z := range zs {
		out = append(out, providers.Zone{Name: z.name, ID: z.id})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateZone creates a public hosted zone; Route 53 writes its SOA and NS
// and assigns four name servers, returned in Nameservers. A public zone of
// the name is ErrExists. A retry after a lost answer finds the zone by
// its caller reference and returns it.
func (p *Provider) CreateZone(ctx context.Context, zn providers.Zone) (providers.Zone, error) {
	name := fqdn(zn.Name)
	if _, ok := dns.IsDomainName(name); !ok || name == "." {
		return providers.Zone{}, fmt.Errorf("aws: route53: create zone: %q is not a domain name", zn.Name)
	}
	zs, err := p.listZones(ctx)
	if err != nil {
		return providers.Zone{}, err
	}
	p.r53.mu.Lock()
	if p.r53.refs == nil {
		p.r53.refs = map[string]string{}
	}
	ref, pending := p.r53.refs[name]
	if !pending {
		var b [8]byte
		_, _ = rand.Read(b[:])
		ref = "rehome-" + time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
		p.r53.refs[name] = ref
	}
	p.r53.mu.Unlock()
	for _, z := range zs {
		if z.name != name || z.private {
			continue
		}
		if z.ref == ref {
			return p.zoneWithServers(ctx, z)
		}
		return providers.Zone{}, fmt.Errorf("aws: route53: create zone %s: a public hosted zone %s has it: %w", name, z.id, providers.ErrExists)
	}
	out, err := p.route53().CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String(ref),
		HostedZoneConfig: &types.HostedZoneConfig{Comment: aws.String("created by rehome")}})
	if err != nil {
		return providers.Zone{}, r53err("create hosted zone "+name, err)
	}
	p.r53.mu.Lock()
	delete(p.r53.refs, name)
	p.r53.mu.Unlock()
	z := providers.Zone{Name: name, ID: aws.ToString(out.HostedZone.Id)}
	if out.DelegationSet != nil {
		z.Nameservers = fqdns(out.DelegationSet.NameServers)
	}
	if out.ChangeInfo != nil {
		if err := p.waitInSync(ctx, aws.ToString(out.ChangeInfo.Id)); err != nil {
			return z, fmt.Errorf("aws: route53: create hosted zone %s: %w", name, err)
		}
	}
	return z, nil
}

func fqdns(ns []string) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fqdn(n)
	}
	sort.Strings(out)
	return out
}

func (p *Provider) zoneWithServers(ctx context.Context, z r53zone) (providers.Zone, error) {
	out, err := p.route53().GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(z.id)})
	if err != nil {
		return providers.Zone{}, r53err("get hosted zone "+z.name, err)
	}
	pz := providers.Zone{Name: z.name, ID: z.id}
	if out.DelegationSet != nil {
		pz.Nameservers = fqdns(out.DelegationSet.NameServers)
	}
	return pz, nil
}

// DeleteZone deletes a hosted zone; Route 53 refuses one holding record
// sets beyond its SOA and NS (ErrNotEmpty).
func (p *Provider) DeleteZone(ctx context.Context, name string) error {
	z, err := p.zoneID(ctx, name)
	if err != nil {
		return err
	}
	if _, err := p.route53().DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String(z.id)}); err != nil {
		return r53err("delete hosted zone "+z.name, err)
	}
	return nil
}

// DNSSEC reports whether Route 53 signs the zone, with the DS records of
// its active key-signing keys. Private zones are never signed.
func (p *Provider) DNSSEC(ctx context.Context, zone string) (providers.DNSSEC, error) {
	z, err := p.zoneID(ctx, zone)
	if err != nil {
		return providers.DNSSEC{}, err
	}
	if z.private {
		return providers.DNSSEC{Status: "NOT_SIGNING"}, nil
	}
	out, err := p.route53().GetDNSSEC(ctx, &route53.GetDNSSECInput{HostedZoneId: aws.String(z.id)})
	if err != nil {
		return providers.DNSSEC{}, r53err("get the DNSSEC status of "+z.name, err)
	}
	d := providers.DNSSEC{}
	if out.Status != nil {
		d.Status = aws.ToString(out.Status.ServeSignature)
	}
	d.Signed = d.Status == "SIGNING" || d.Status == "ACTION_NEEDED"
	for _, k := range out.KeySigningKeys {
		if aws.ToString(k.Status) == "ACTIVE" && aws.ToString(k.DSRecord) != "" {
			d.DS = append(d.DS, aws.ToString(k.DSRecord))
		}
	}
	return d, nil
}

// rawSet is one record set as Route 53 holds it, with its rehome form.
type rawSet struct {
	raw types.ResourceRecordSet
	set providers.RecordSet
}

func (p *Provider) listSets(ctx context.Context, z r53zone) ([]rawSet, error) {
	var out []rawSet
	in := &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(z.id)}
	for {
		page, err := p.route53().ListResourceRecordSets(ctx, in)
		if err != nil {
			return nil, r53err("list record sets of "+z.name, err)
		}
		for _, r := range page.ResourceRecordSets {
			rs, err := fromRoute53(r)
			if err != nil {
				return nil, fmt.Errorf("aws: route53: zone %s: %w", z.name, err)
			}
			out = append(out, rawSet{raw: r, set: rs})
		}
		if !page.IsTruncated {
			return out, nil
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
	}
}

// Records lists a zone's record sets (paginated listing), apex SOA and NS
// included, alias and routing sets with their attributes. Values are in
// presentation format with names fully qualified, sorted.
func (p *Provider) Records(ctx context.Context, zone string) ([]providers.RecordSet, error) {
	z, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	raws, err := p.listSets(ctx, z)
	if err != nil {
		return nil, err
	}
	out := make([]providers.RecordSet, len(raws))
	for i, r := range raws {
		out[i] = r.set
	}
	return out, nil
}

// fromRoute53 turns a Route 53 set into rehome's form.
func fromRoute53(r types.ResourceRecordSet) (providers.RecordSet, error) {
	rs := providers.RecordSet{Name: unescapeName(aws.ToString(r.Name)), Type: string(r.Type), TTL: uint32(aws.ToInt64(r.TTL)),
		SetID: aws.ToString(r.SetIdentifier)}
	for _, v := range r.ResourceRecords {
		nv, err := normValue(rs.Name, rs.Type, aws.ToString(v.Value))
		if err != nil {
			return rs, err
		}
		rs.Values = append(rs.Values, nv)
	}
	sort.Strings(rs.Values)
	rs.Values = slices.Compact(rs.Values)
	if a := r.AliasTarget; a != nil {
		rs.Alias = &providers.Alias{Zone: strings.TrimPrefix(aws.ToString(a.HostedZoneId), "/hostedzone/"),
			Target: unescapeName(aws.ToString(a.DNSName)), EvaluateHealth: a.EvaluateTargetHealth}
		rs.TTL = 0
	}
	ro := &providers.Routing{Weight: r.Weight, Region: string(r.Region), Failover: string(r.Failover),
		MultiValue: aws.ToBool(r.MultiValueAnswer), HealthCheckID: aws.ToString(r.HealthCheckId)}
	if g := r.GeoLocation; g != nil {
		ro.Geo = &providers.GeoLocation{Continent: aws.ToString(g.ContinentCode), Country: aws.ToString(g.CountryCode), Subdivision: aws.ToString(g.SubdivisionCode)}
	}
	var other []string
	if c := r.CidrRoutingConfig; c != nil {
		other = append(other, "cidr "+aws.ToString(c.CollectionId)+"/"+aws.ToString(c.LocationName))
	}
	if g := r.GeoProximityLocation; g != nil {
		other = append(other, "geoproximity")
	}
	if t := aws.ToString(r.TrafficPolicyInstanceId); t != "" {
		other = append(other, "traffic policy instance "+t)
	}
	ro.Other = strings.Join(other, ", ")
	if ro.Weight != nil || ro.Region != "" || ro.Geo != nil || ro.Failover != "" || ro.MultiValue || ro.HealthCheckID != "" || ro.Other != "" {
		rs.Routing = ro
	}
	return rs, nil
}

// normValue renders one value in presentation format, as miekg/dns prints
// it (Route 53 takes names with or without the trailing dot, and stores
// them as written).
func normValue(owner, typ, v string) (string, error) {
	rr, err := dns.NewRR(fmt.Sprintf("$ORIGIN .\n%s 300 IN %s %s", owner, typ, v))
	if err != nil || rr == nil {
		return "", fmt.Errorf("record set %s %s: value %q: %v", owner, typ, v, err)
	}
	s, h := rr.String(), rr.Header().String()
	out, ok := strings.CutPrefix(s, h)
	if !ok {
		return "", fmt.Errorf("record set %s %s: cannot render value %q", owner, typ, v)
	}
	return out, nil
}

// toRoute53 turns a set into Route 53's form.
func toRoute53(rs providers.RecordSet) (types.ResourceRecordSet, error) {
	r := types.ResourceRecordSet{Name: aws.String(rs.Name), Type: types.RRType(rs.Type)}
	if rs.SetID != "" {
		r.SetIdentifier = aws.String(rs.SetID)
	}
	if a := rs.Alias; a != nil {
		if len(rs.Values) > 0 {
			return r, fmt.Errorf("record set %s is an alias and has values", rs.Key())
		}
		r.AliasTarget = &types.AliasTarget{HostedZoneId: aws.String(a.Zone), DNSName: aws.String(a.Target), EvaluateTargetHealth: a.EvaluateHealth}
	} else {
		if len(rs.Values) == 0 {
			return r, fmt.Errorf("record set %s has no values", rs.Key())
		}
		r.TTL = aws.Int64(int64(rs.TTL))
		for _, v := range rs.Values {
			r.ResourceRecords = append(r.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
		}
	}
	if ro := rs.Routing; ro != nil {
		if ro.Other != "" {
			return r, fmt.Errorf("record set %s: routing %s cannot be written by rehome", rs.Key(), ro.Other)
		}
		r.Weight, r.Region, r.Failover = ro.Weight, types.ResourceRecordSetRegion(ro.Region), types.ResourceRecordSetFailover(ro.Failover)
		if ro.MultiValue {
			r.MultiValueAnswer = aws.Bool(true)
		}
		if ro.HealthCheckID != "" {
			r.HealthCheckId = aws.String(ro.HealthCheckID)
		}
		if g := ro.Geo; g != nil {
			r.GeoLocation = &types.GeoLocation{}
			if g.Continent != "" {
				r.GeoLocation.ContinentCode = aws.String(g.Continent)
			}
			if g.Country != "" {
				r.GeoLocation.CountryCode = aws.String(g.Country)
			}
			if g.Subdivision != "" {
				r.GeoLocation.SubdivisionCode = aws.String(g.Subdivision)
			}
		}
	}
	return r, nil
}

// unit is the Route 53 changes of one RecordChange, kept in one request.
type unit struct {
	key     string
	changes []types.Change
	records int
	chars   int
}

func (u *unit) add(action types.ChangeAction, r types.ResourceRecordSet) {
	n := 1
	if action == types.ChangeActionUpsert {
		n = 2
	}
	u.changes = append(u.changes, types.Change{Action: action, ResourceRecordSet: &r})
	u.records += n * max(len(r.ResourceRecords), 1)
	for _, v := range r.ResourceRecords {
		u.chars += n * len(aws.ToString(v.Value))
	}
}

// ApplyRecords applies the changes in ChangeResourceRecordSets requests
// within Route 53's limits, each one unit that Route 53 applies whole or
// not at all, and waits for each to be INSYNC. An update or delete must
// name the set exactly as Route 53 holds it now (an update is a DELETE of
// the current set and a CREATE, so a set changed meanwhile fails the
// request); the apex SOA and NS, which cannot be deleted, are UPSERTed. A
// create of a set that already holds the same data is a no-op. Changes
// that need more than one request are not atomic as a whole: a failed
// request leaves the earlier ones applied, and the error names the sets
// of the failed one.
func (p *Provider) ApplyRecords(ctx context.Context, zone string, changes []providers.RecordChange) error {
	z, err := p.zoneID(ctx, zone)
	if err != nil {
		return err
	}
	raws, err := p.listSets(ctx, z)
	if err != nil {
		return err
	}
	cur := map[string]rawSet{}
	for _, r := range raws {
		cur[r.set.Key()] = r
	}
	var units []unit
	for i, c := range changes {
		fail := func(err error) error {
			return fmt.Errorf("aws: route53: apply records to %s: change %d (%s): %w", z.name, i, changeKey(c), err)
		}
		switch c.Op {
		case providers.ChangeCreate:
			if c.New == nil {
				return fail(errors.New("create without New"))
			}
			n := *c.New
			if have, ok := cur[n.Key()]; ok {
				if have.set.Equal(n) {
					continue
				}
				return fail(errors.New("the set already exists with other data"))
			}
			r, err := toRoute53(n)
			if err != nil {
				return fail(err)
			}
			u := unit{key: n.Key()}
			u.add(types.ChangeActionCreate, r)
			units = append(units, u)
		case providers.ChangeUpdate, providers.ChangeDelete:
			if c.Old == nil || (c.Op == providers.ChangeUpdate && c.New == nil) {
				return fail(errors.New("update needs Old and New, delete needs Old"))
			}
			have, ok := cur[c.Old.Key()]
			if !ok {
				return fail(errors.New("the set does not exist (changed since it was read)"))
			}
			if !have.set.Equal(*c.Old) {
				return fail(errors.New("the set differs from the one given as Old (changed since it was read)"))
			}
			u := unit{key: c.Old.Key()}
			apex := c.Old.Name == z.name && (c.Old.Type == "SOA" || c.Old.Type == "NS")
			if c.Op == providers.ChangeDelete {
				if apex {
					return fail(errors.New("the apex SOA and NS of a hosted zone cannot be deleted"))
				}
				u.add(types.ChangeActionDelete, have.raw)
			} else {
				if c.New.Key() != c.Old.Key() {
					return fail(fmt.Errorf("update changes the set's key (%s to %s)", c.Old.Key(), c.New.Key()))
				}
				r, err := toRoute53(*c.New)
				if err != nil {
					return fail(err)
				}
				if apex {
					u.add(types.ChangeActionUpsert, r)
				} else {
					u.add(types.ChangeActionDelete, have.raw)
					u.add(types.ChangeActionCreate, r)
				}
			}
			units = append(units, u)
		default:
			return fail(fmt.Errorf("unknown change %q", c.Op))
		}
	}
	batches := batch(units)
	for i, b := range batches {
		var cs []types.Change
		var keys []string
		for _, u := range b {
			cs = append(cs, u.changes...)
			keys = append(keys, u.key)
		}
		what := fmt.Sprintf("change record sets of %s (request %d of %d: %s)", z.name, i+1, len(batches), first(keys, 10))
		out, err := p.changeSets(ctx, z.id, cs)
		if err != nil {
			return r53err(what, err)
		}
		if err := p.waitInSync(ctx, aws.ToString(out.ChangeInfo.Id)); err != nil {
			return fmt.Errorf("aws: route53: %s: %w", what, err)
		}
	}
	return nil
}

// changeSets sends one change request. Route 53 applies a request whole
// or not at all, so one refused as Throttling or PriorRequestNotComplete
// (its limit is five requests a second per account) changed nothing and
// is sent again, after 200 ms doubling, up to five times.
func (p *Provider) changeSets(ctx context.Context, id string, cs []types.Change) (*route53.ChangeResourceRecordSetsOutput, error) {
	wait := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		out, err := p.route53().ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(id),
			ChangeBatch: &types.ChangeBatch{Changes: cs, Comment: aws.String("rehome")}})
		var ae smithy.APIError
		if err == nil || attempt == 5 || !errors.As(err, &ae) || (ae.ErrorCode() != "Throttling" && ae.ErrorCode() != "PriorRequestNotComplete") {
			return out, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait *= 2
	}
}

func changeKey(c providers.RecordChange) string {
	if c.New != nil {
		return c.New.Key()
	}
	if c.Old != nil {
		return c.Old.Key()
	}
	return "?"
}

func first(keys []string, n int) string {
	if len(keys) <= n {
		return strings.Join(keys, ", ")
	}
	return strings.Join(keys[:n], ", ") + fmt.Sprintf(" and %d more", len(keys)-n)
}

// batch packs units into requests within Route 53's limits, in order.
func batch(units []unit) [][]unit {
	var out [][]unit
	var cur []unit
	recs, chars := 0, 0
	for _, u := range units {
		if len(cur) > 0 && (recs+u.records > route53MaxRecords || chars+u.chars > route53MaxChars) {
			out = append(out, cur)
			cur, recs, chars = nil, 0, 0
		}
		cur = append(cur, u)
		recs += u.records
		chars += u.chars
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// waitInSync polls GetChange until the change is INSYNC, backing off from
// 100 ms to 5 s, for at most route53Wait.
func (p *Provider) waitInSync(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, route53Wait)
	defer cancel()
	wait := p.r53.firstPoll
	if wait <= 0 {
		wait = 100 * time.Millisecond
	}
	for {
		out, err := p.route53().GetChange(ctx, &route53.GetChangeInput{Id: aws.String(id)})
		if err != nil {
			if providers.Transient(err) && ctx.Err() == nil {
				// A throttled poll is polled again after the wait.
			} else {
				return r53err("wait for change "+id, err)
			}
		} else if out.ChangeInfo != nil && out.ChangeInfo.Status == types.ChangeStatusInsync {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for change %s to be INSYNC: %w", id, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// discoverZones lists the hosted zones as inventory resources.
func (p *Provider) discoverZones(ctx context.Context) ([]providers.Resource, error) {
	zs, err := p.listZones(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Resource, 0, len(zs))
	for _, z := range zs {
		out = append(out, providers.Resource{Kind: providers.KindDNS, Type: "zone", ID: z.id, Name: strings.TrimSuffix(z.name, "."),
			Attrs: map[string]string{"private": strconv.FormatBool(z.private), "record_sets": strconv.FormatInt(z.sets, 10)},
			Usage: providers.Usage{Records: z.sets}})
	}
	return out, nil
}
