package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/rehome/rehome/providers"
)

// ErrZoneChanged is wrapped by ApplyRecords when an update or delete names
// a set that differs from the zone's, or a create finds a different set.
var ErrZoneChanged = errors.New("the zone changed")

// Apex TTLs of created zones, Route 53's defaults.
const (
	soaTTL = 900
	nsTTL  = 172800
)

type zone struct {
	id   string
	sets map[string]providers.RecordSet // by RecordSet.Key()
}

// zoneName normalises a zone name: lower case, fully qualified.
func zoneName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "." {
		return "", fmt.Errorf("zone name %q is not a domain name", name)
	}
	n = dns.Fqdn(n)
	if _, ok := dns.IsDomainName(n); !ok {
		return "", fmt.Errorf("zone name %q is not a domain name", name)
	}
	return n, nil
}

func (sp *space) zone(name string) (string, *zone, error) {
	n, err := zoneName(name)
	if err != nil {
		return "", nil, err
	}
	z, ok := sp.zones[n]
	if !ok {
		return "", nil, fmt.Errorf("zone %s: %w", n, providers.ErrNotFound)
	}
	return n, z, nil
}

func (z *zone) providerZone(name string) providers.Zone {
	return providers.Zone{Name: name, ID: z.id, Nameservers: []string{Nameserver}}
}

// Zones lists the zones, sorted by name.
func (p *Provider) Zones(ctx context.Context) ([]providers.Zone, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make([]providers.Zone, 0, len(sp.zones))
	for _, n := range sortedKeys(sp.zones) {
		out = append(out, sp.zones[n].providerZone(n))
	}
	return out, nil
}

// CreateZone creates a zone holding the provider's own apex: a SOA and an
// NS set naming Nameserver (z.Nameservers is ignored, as Route 53 assigns
// its own). An existing zone is ErrExists.
func (p *Provider) CreateZone(ctx context.Context, zn providers.Zone) (providers.Zone, error) {
	if err := ctx.Err(); err != nil {
		return providers.Zone{}, err
	}
	name, err := zoneName(zn.Name)
	if err != nil {
		return providers.Zone{}, fmt.Errorf("memory: create zone: %w", err)
	}
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return providers.Zone{}, err
	}
	defer unlock()
	if _, ok := sp.zones[name]; ok {
		return providers.Zone{}, fmt.Errorf("memory: create zone %s: %w", name, providers.ErrExists)
	}
	p.store.ids++
	z := &zone{id: fmt.Sprintf("/hostedzone/ZMEM%06d", p.store.ids), sets: map[string]providers.RecordSet{}}
	soa := providers.RecordSet{Name: name, Type: "SOA", TTL: soaTTL,
		Values: []string{fmt.Sprintf("%s hostmaster.%s 1 7200 900 1209600 86400", Nameserver, name)}}
	ns := providers.RecordSet{Name: name, Type: "NS", TTL: nsTTL, Values: []string{Nameserver}}
	z.sets[soa.Key()], z.sets[ns.Key()] = soa, ns
	sp.zones[name] = z
	return z.providerZone(name), nil
}

// DeleteZone removes a zone and its records; ErrNotFound when absent.
func (p *Provider) DeleteZone(ctx context.Context, name string) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	n, _, err := sp.zone(name)
	if err != nil {
		return fmt.Errorf("memory: delete zone: %w", err)
	}
	delete(sp.zones, n)
	return nil
}

// Records lists a zone's record sets: the apex SOA and NS first, then by
// owner name and type.
func (p *Provider) Records(ctx context.Context, zoneName string) ([]providers.RecordSet, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	n, z, err := sp.zone(zoneName)
	if err != nil {
		return nil, fmt.Errorf("memory: records: %w", err)
	}
	return orderedSets(n, z.sets), nil
}

func orderedSets(zone string, sets map[string]providers.RecordSet) []providers.RecordSet {
	out := make([]providers.RecordSet, 0, len(sets))
	for _, rs := range sets {
		rs.Values = slices.Clone(rs.Values)
		out = append(out, rs)
	}
	rank := func(rs providers.RecordSet) int {
		switch {
		case rs.Name == zone && rs.Type == "SOA":
			return 0
		case rs.Name == zone && rs.Type == "NS":
			return 1
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Type < b.Type
	})
	return out
}

// normSet checks a set against the zone and the supported types and
// normalises it: owner lower case and fully qualified, type upper case,
// values sorted and de-duplicated.
func normSet(zone string, rs providers.RecordSet) (providers.RecordSet, error) {
	n := strings.ToLower(strings.TrimSpace(rs.Name))
	if n == "" {
		return rs, errors.New("record set without a name")
	}
	n = dns.Fqdn(n)
	if _, ok := dns.IsDomainName(n); !ok {
		return rs, fmt.Errorf("owner %q is not a domain name", rs.Name)
	}
	if !dns.IsSubDomain(zone, n) {
		return rs, fmt.Errorf("owner %s is outside zone %s", n, zone)
	}
	t := strings.ToUpper(rs.Type)
	if !slices.Contains(recordTypes(), t) {
		return rs, fmt.Errorf("record type %q: %w", rs.Type, providers.ErrUnsupported)
	}
	if len(rs.Values) == 0 {
		return rs, fmt.Errorf("%s %s has no values", n, t)
	}
	vals := slices.Clone(rs.Values)
	for _, v := range vals {
		if strings.TrimSpace(v) == "" {
			return rs, fmt.Errorf("%s %s has an empty value", n, t)
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	return providers.RecordSet{Name: n, Type: t, TTL: rs.TTL, Values: vals}, nil
}

func sameSet(a, b providers.RecordSet) bool {
	return a.Name == b.Name && a.Type == b.Type && a.TTL == b.TTL && slices.Equal(a.Values, b.Values)
}

// ApplyRecords applies the changes as one unit: if any change is refused,
// none is applied. An update or delete must name the set exactly as it is
// (ErrZoneChanged otherwise); a create must find no set, or exactly the
// set it creates. The result must keep the apex SOA and NS, hold CNAMEs
// alone at their names and never at the apex.
func (p *Provider) ApplyRecords(ctx context.Context, zoneName string, changes []providers.RecordChange) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	name, z, err := sp.zone(zoneName)
	if err != nil {
		return fmt.Errorf("memory: apply records: %w", err)
	}
	fail := func(i int, err error) error {
		return fmt.Errorf("memory: apply records to zone %s: change %d: %w", name, i, err)
	}
	next := make(map[string]providers.RecordSet, len(z.sets))
	for k, v := range z.sets {
		next[k] = v
	}
	for i, c := range changes {
		var old, nw providers.RecordSet
		switch c.Op {
		case providers.ChangeCreate:
			if c.New == nil {
				return fail(i, errors.New("create without New"))
			}
		case providers.ChangeUpdate:
			if c.Old == nil || c.New == nil {
				return fail(i, errors.New("update needs Old and New"))
			}
		case providers.ChangeDelete:
			if c.Old == nil {
				return fail(i, errors.New("delete without Old"))
			}
		default:
			return fail(i, fmt.Errorf("unknown change %q", c.Op))
		}
		if c.Old != nil && c.Op != providers.ChangeCreate {
			if old, err = normSet(name, *c.Old); err != nil {
				return fail(i, err)
			}
			cur, ok := next[old.Key()]
			if !ok {
				return fail(i, fmt.Errorf("%s %s: the set does not exist: %w", c.Op, old.Key(), ErrZoneChanged))
			}
			if !sameSet(cur, old) {
				return fail(i, fmt.Errorf("%s %s: the set differs from the one given as Old: %w", c.Op, old.Key(), ErrZoneChanged))
			}
		}
		if c.New != nil && c.Op != providers.ChangeDelete {
			if nw, err = normSet(name, *c.New); err != nil {
				return fail(i, err)
			}
		}
		switch c.Op {
		case providers.ChangeCreate:
			if cur, ok := next[nw.Key()]; ok && !sameSet(cur, nw) {
				return fail(i, fmt.Errorf("create %s: the set already exists: %w", nw.Key(), ErrZoneChanged))
			}
			next[nw.Key()] = nw
		case providers.ChangeUpdate:
			if old.Key() != nw.Key() {
				return fail(i, fmt.Errorf("update changes the set's name or type (%s to %s)", old.Key(), nw.Key()))
			}
			next[nw.Key()] = nw
		case providers.ChangeDelete:
			delete(next, old.Key())
		}
	}
	if err := validateZone(name, next); err != nil {
		return fmt.Errorf("memory: apply records to zone %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	z.sets = next
	return nil
}

// validateZone checks the rules a whole zone must satisfy.
func validateZone(zone string, sets map[string]providers.RecordSet) error {
	if _, ok := sets[zone+" SOA"]; !ok {
		return errors.New("the apex SOA cannot be deleted")
	}
	if _, ok := sets[zone+" NS"]; !ok {
		return errors.New("the apex NS set cannot be deleted")
	}
	types := map[string][]string{}
	for _, rs := range sets {
		types[rs.Name] = append(types[rs.Name], rs.Type)
		switch rs.Type {
		case "SOA":
			if rs.Name != zone || len(rs.Values) != 1 {
				return fmt.Errorf("%s: a SOA must be one record at the apex", rs.Key())
			}
		case "CNAME":
			if rs.Name == zone {
				return fmt.Errorf("%s: a CNAME cannot be at the zone apex", rs.Key())
			}
			if len(rs.Values) != 1 {
				return fmt.Errorf("%s: a CNAME set holds exactly one value", rs.Key())
			}
		}
	}
	for n, ts := range types {
		if len(ts) > 1 && slices.Contains(ts, "CNAME") {
			sort.Strings(ts)
			return fmt.Errorf("%s: a CNAME cannot share its name with other records (%s)", n, strings.Join(ts, ", "))
		}
	}
	return nil
}
