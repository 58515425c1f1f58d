package hcloud

// Hetzner DNS through the Cloud API's Zone and RRSet endpoints
// (hcloud-go's client.Zone).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/rehome/rehome/providers"
)

// dnsRecordTypes are the RRSet types the Zone API accepts.
func dnsRecordTypes() []string {
	return []string{"A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP", "SOA", "SRV", "SVCB", "TLSA", "TXT"}
}

// dnsCaps is Hetzner DNS's table (docs.hetzner.cloud, Zones and Zone
// RRSets): the record types above, TTLs of 60 s and more, wildcards, the
// apex SOA and NS written by Hetzner with the name servers it assigns to
// the zone, TXT as quoted strings of up to 255 characters (multi-string
// values kept as given); no routing policies, no alias records, no
// DNSSEC signing.
func dnsCaps() providers.DNSCaps {
	return providers.DNSCaps{
		RecordTypes: dnsRecordTypes(),
		OwnApex:     true,
		Wildcards:   true,
		MinTTL:      60,
		MaxTTL:      2147483647,
		DNSSEC:      false, // Hetzner DNS does not sign zones
	}
}

var _ providers.DNS = (*Provider)(nil)

// apiErr says what a failed call was about, naming the Cloud API's error
// code; not_found and uniqueness_error wrap providers.ErrNotFound and
// ErrExists, and rate limits and conflicts are transient.
func apiErr(what string, err error) error {
	var he hcloud.Error
	if errors.As(err, &he) {
		switch he.Code {
		case hcloud.ErrorCodeNotFound:
			return fmt.Errorf("hcloud: %s: %w (%w)", what, err, providers.ErrNotFound)
		case hcloud.ErrorCodeUniquenessError:
			return fmt.Errorf("hcloud: %s: %w (%w)", what, err, providers.ErrExists)
		case hcloud.ErrorCodeRateLimitExceeded, hcloud.ErrorCodeConflict, hcloud.ErrorCodeLocked, hcloud.ErrorCodeTimeout,
			hcloud.ErrorCodeServiceError, hcloud.ErrorCodeServerError, hcloud.ErrorCodeBadGateway, hcloud.ErrorCodeMaintenance:
			return providers.Retryable(fmt.Errorf("hcloud: %s: %w", what, err))
		}
	}
	return fmt.Errorf("hcloud: %s: %w", what, err)
}

// errNoToken is the error of a DNS call without an API token.
var errNoToken = errors.New("hcloud: DNS needs a Cloud API token: set token in the environment or HCLOUD_TOKEN")

func (p *Provider) zone(ctx context.Context, name string) (*hcloud.Zone, string, error) {
	if !p.hasToken {
		return nil, "", errNoToken
	}
	n, err := providers.APIZoneName(name)
	if err != nil {
		return nil, "", err
	}
	z, _, err := p.api.Zone.GetByName(ctx, n)
	if err != nil {
		return nil, n, apiErr("get zone "+n, err)
	}
	if z == nil {
		return nil, n, fmt.Errorf("hcloud: zone %s: %w", n, providers.ErrNotFound)
	}
	return z, n, nil
}

func zoneOf(z *hcloud.Zone) providers.Zone {
	return providers.Zone{Name: z.Name + ".", ID: strconv.FormatInt(z.ID, 10), Nameservers: slices.Clone(z.AuthoritativeNameservers.Assigned)}
}

// Zones lists the project's zones with the name servers Hetzner assigned
// to each (those the registrar must delegate to).
func (p *Provider) Zones(ctx context.Context) ([]providers.Zone, error) {
	if !p.hasToken {
		return nil, errNoToken
	}
	zs, err := p.api.Zone.All(ctx)
	if err != nil {
		return nil, apiErr("list zones", err)
	}
	out := make([]providers.Zone, 0, len(zs))
	for _, z := range zs {
		out = append(out, zoneOf(z))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateZone creates a primary zone and waits for it; Hetzner writes its
// SOA and NS RRSets and assigns the name servers the result names (never
// z.Nameservers: those are the source's).
func (p *Provider) CreateZone(ctx context.Context, z providers.Zone) (providers.Zone, error) {
	if !p.hasToken {
		return providers.Zone{}, errNoToken
	}
	n, err := providers.APIZoneName(z.Name)
	if err != nil {
		return providers.Zone{}, fmt.Errorf("hcloud: create zone: %w", err)
	}
	res, _, err := p.api.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: n, Mode: hcloud.ZoneModePrimary})
	if err != nil {
		return providers.Zone{}, apiErr("create zone "+n, err)
	}
	if err := p.wait(ctx, "create zone "+n, res.Action); err != nil {
		return providers.Zone{}, err
	}
	p.log.InfoContext(ctx, "hcloud: created zone", "zone", n, "nameservers", strings.Join(res.Zone.AuthoritativeNameservers.Assigned, ","))
	return zoneOf(res.Zone), nil
}

// DeleteZone deletes a zone and its RRSets; ErrNotFound when absent.
func (p *Provider) DeleteZone(ctx context.Context, name string) error {
	z, n, err := p.zone(ctx, name)
	if err != nil {
		return fmt.Errorf("delete zone: %w", err)
	}
	res, _, err := p.api.Zone.Delete(ctx, z)
	if err != nil {
		return apiErr("delete zone "+n, err)
	}
	return p.wait(ctx, "delete zone "+n, res.Action)
}

// wait waits for the actions a call returned; a failed action is an
// error naming what it was for.
func (p *Provider) wait(ctx context.Context, what string, acts ...*hcloud.Action) error {
	acts = slices.DeleteFunc(acts, func(a *hcloud.Action) bool { return a == nil })
	if len(acts) == 0 {
		return nil
	}
	if err := p.api.Action.WaitFor(ctx, acts...); err != nil {
		return apiErr(what+": wait for the action", err)
	}
	return nil
}

// setOf turns an RRSet into a record set; an RRSet without a TTL of its
// own answers with the zone's default TTL.
func setOf(z *hcloud.Zone, zoneFQ string, rs *hcloud.ZoneRRSet) (providers.RecordSet, error) {
	ttl := z.TTL
	if rs.TTL != nil {
		ttl = *rs.TTL
	}
	set := providers.RecordSet{Name: providers.AbsoluteName(zoneFQ, rs.Name), Type: string(rs.Type), TTL: uint32(max(ttl, 0))}
	for _, r := range rs.Records {
		set.Values = append(set.Values, r.Value)
	}
	norm, _, err := providers.NormalizeSet(zoneFQ, set)
	if err != nil {
		return set, fmt.Errorf("hcloud: zone %s: read RRSet %s: %w", z.Name, rs.ID, err)
	}
	return norm, nil
}

// rrsets reads a zone's RRSets (every page) as record sets, keyed.
func (p *Provider) rrsets(ctx context.Context, z *hcloud.Zone) (map[string]providers.RecordSet, error) {
	all, err := p.api.Zone.AllRRSets(ctx, z)
	if err != nil {
		return nil, apiErr("list RRSets of zone "+z.Name, err)
	}
	zoneFQ := z.Name + "."
	out := make(map[string]providers.RecordSet, len(all))
	for _, rs := range all {
		set, err := setOf(z, zoneFQ, rs)
		if err != nil {
			return nil, err
		}
		out[set.Key()] = set
	}
	return out, nil
}

// Records lists the zone's record sets, the SOA and NS Hetzner writes
// included, values in presentation format.
func (p *Provider) Records(ctx context.Context, zone string) ([]providers.RecordSet, error) {
	z, _, err := p.zone(ctx, zone)
	if err != nil {
		return nil, fmt.Errorf("records of zone %s: %w", zone, err)
	}
	m, err := p.rrsets(ctx, z)
	if err != nil {
		return nil, err
	}
	out := make([]providers.RecordSet, 0, len(m))
	for _, rs := range m {
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, nil
}

// checkSet normalises a set bound for Hetzner and refuses what the API
// cannot hold, naming the set.
func checkSet(zoneFQ string, rs providers.RecordSet) (providers.RecordSet, error) {
	if rs.Routing != nil || rs.SetID != "" {
		return rs, fmt.Errorf("record set %s: Hetzner DNS has no routing policies", rs.Key())
	}
	if rs.Alias != nil {
		return rs, fmt.Errorf("record set %s: Hetzner DNS has no alias records", rs.Key())
	}
	if err := providers.ASCIIName(rs.Name); err != nil {
		return rs, fmt.Errorf("record set %s: %w", rs.Key(), err)
	}
	norm, _, err := providers.NormalizeSet(zoneFQ, rs)
	if err != nil {
		return norm, err
	}
	if !slices.Contains(dnsRecordTypes(), norm.Type) {
		return norm, fmt.Errorf("record set %s: Hetzner DNS cannot hold %s records", norm.Key(), norm.Type)
	}
	if norm.TTL < dnsCaps().MinTTL || norm.TTL > 1<<31-1 {
		return norm, fmt.Errorf("record set %s: TTL %d is outside Hetzner's range (60 to 2147483647 s)", norm.Key(), norm.TTL)
	}
	return norm, nil
}

func records(rs providers.RecordSet) []hcloud.ZoneRRSetRecord {
	out := make([]hcloud.ZoneRRSetRecord, 0, len(rs.Values))
	for _, v := range rs.Values {
		out = append(out, hcloud.ZoneRRSetRecord{Value: v})
	}
	return out
}

// ApplyRecords checks every change first (shape, values, and that each
// update or delete names the set as it stands; a create over an equal set
// is a no-op), then makes the calls (an RRSet create, set_records and
// change_ttl for an update, an RRSet delete) and waits on their actions.
// Hetzner has no multi-RRSet transaction: a failure part way leaves the
// earlier changes made, and the error names the set that failed.
func (p *Provider) ApplyRecords(ctx context.Context, zone string, changes []providers.RecordChange) error {
	z, n, err := p.zone(ctx, zone)
	if err != nil {
		return fmt.Errorf("apply records to zone %s: %w", zone, err)
	}
	if len(changes) == 0 {
		return nil
	}
	zoneFQ := n + "."
	cur, err := p.rrsets(ctx, z)
	if err != nil {
		return err
	}
	calls, err := providers.CheckChanges(zoneFQ, cur, changes, func(rs providers.RecordSet) (providers.RecordSet, error) { return checkSet(zoneFQ, rs) })
	if err != nil {
		return fmt.Errorf("hcloud: apply records to zone %s: %w", n, err)
	}
	var acts []*hcloud.Action
	for _, c := range calls {
		what := fmt.Sprintf("zone %s: %s %s", n, c.Op, c.New.Key())
		switch c.Op {
		case providers.ChangeCreate:
			ttl := int(c.New.TTL)
			res, _, err := p.api.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{
				Name: providers.RelativeName(zoneFQ, c.New.Name), Type: hcloud.ZoneRRSetType(c.New.Type), TTL: &ttl, Records: records(c.New)})
			if err != nil {
				return apiErr(what, err)
			}
			acts = append(acts, res.Action)
		case providers.ChangeUpdate:
			rs := &hcloud.ZoneRRSet{Zone: z, Name: providers.RelativeName(zoneFQ, c.New.Name), Type: hcloud.ZoneRRSetType(c.New.Type)}
			if !slices.Equal(c.Old.Values, c.New.Values) {
				a, _, err := p.api.Zone.SetRRSetRecords(ctx, rs, hcloud.ZoneRRSetSetRecordsOpts{Records: records(c.New)})
				if err != nil {
					return apiErr(what+": set records", err)
				}
				acts = append(acts, a)
			}
			if c.Old.TTL != c.New.TTL {
				ttl := int(c.New.TTL)
				a, _, err := p.api.Zone.ChangeRRSetTTL(ctx, rs, hcloud.ZoneRRSetChangeTTLOpts{TTL: &ttl})
				if err != nil {
					return apiErr(what+": change TTL", err)
				}
				acts = append(acts, a)
			}
		case providers.ChangeDelete:
			what = fmt.Sprintf("zone %s: delete %s", n, c.Old.Key())
			rs := &hcloud.ZoneRRSet{Zone: z, Name: providers.RelativeName(zoneFQ, c.Old.Name), Type: hcloud.ZoneRRSetType(c.Old.Type)}
			res, _, err := p.api.Zone.DeleteRRSet(ctx, rs)
			if err != nil {
				return apiErr(what, err)
			}
			acts = append(acts, res.Action)
		}
	}
	if err := p.wait(ctx, fmt.Sprintf("zone %s: %d record change(s)", n, len(calls)), acts...); err != nil {
		return err
	}
	p.log.DebugContext(ctx, "hcloud: applied record changes", "zone", n, "changes", len(calls))
	return nil
}

// discoverZones lists the zones as inventory: name servers, RRSet and
// record counts, and the names outside the zone its records point at.
func (p *Provider) discoverZones(ctx context.Context) ([]providers.Resource, error) {
	if !p.hasToken {
		return nil, errNoToken
	}
	zs, err := p.api.Zone.All(ctx)
	if err != nil {
		return nil, apiErr("list zones", err)
	}
	var out []providers.Resource
	for _, z := range zs {
		m, err := p.rrsets(ctx, z)
		if err != nil {
			return nil, err
		}
		var recs int64
		for _, rs := range m {
			recs += int64(len(rs.Values))
		}
		out = append(out, providers.Resource{
			Env: p.env, Provider: Name, Kind: providers.KindDNS, Type: providers.TypeZone,
			ID: strconv.FormatInt(z.ID, 10), Name: z.Name,
			Attrs: map[string]string{
				"nameservers": strings.Join(z.AuthoritativeNameservers.Assigned, ","),
				"record_sets": strconv.Itoa(len(m)),
				"mode":        string(z.Mode),
			},
			Usage: providers.Usage{Records: recs},
		})
	}
	return out, nil
}
