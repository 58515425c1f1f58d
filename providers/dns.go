package providers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Zone is a DNS zone. Names are fully qualified, lower case, with the
// trailing dot ("example.com.").
type Zone struct {
	Name        string
	ID          string
	Nameservers []string
}

// RecordSet is all records of one owner name and type (the RRSet
// granularity of Route 53 and Hetzner; per-record APIs group them).
// Name is fully qualified, lower case, with the trailing dot; wildcards keep
// their "*." label. Values are RDATA in zone-file presentation format, sorted,
// with domain names fully qualified (e.g. MX "10 mail.example.com.").
//
// Under a routing policy one name and type holds several sets, told apart
// by SetID (Route 53's set identifier) and answered by Routing. An alias
// set (Route 53's ALIAS) has no values and no TTL of its own: Alias names
// its target instead.
type RecordSet struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	TTL    uint32   `json:"ttl"`
	Values []string `json:"values"`
	// SetID tells apart sets of one name and type; "" for a plain set.
	SetID   string   `json:"set_id,omitempty"`
	Routing *Routing `json:"routing,omitempty"`
	Alias   *Alias   `json:"alias,omitempty"`
}

// Routing says how a resolver picks among the sets of one name and type.
// Exactly one policy is set.
type Routing struct {
	// Weight: answered in proportion to the weights of the sets (0-255).
	Weight *int64 `json:"weight,omitempty"`
	// Region: latency-based, answered from the closest region.
	Region string `json:"region,omitempty"`
	// Geo: answered to resolvers in this location.
	Geo *GeoLocation `json:"geo,omitempty"`
	// Failover is "PRIMARY" or "SECONDARY".
	Failover string `json:"failover,omitempty"`
	// MultiValue: up to eight healthy sets are answered at random.
	MultiValue bool `json:"multivalue,omitempty"`
	// HealthCheckID names the health check that takes the set out of
	// answers while it fails.
	HealthCheckID string `json:"health_check_id,omitempty"`
	// Other describes a policy rehome does not model (Route 53's CIDR
	// and geoproximity routing, traffic policy instances), as text; such
	// a set is read and reported, never written.
	Other string `json:"other,omitempty"`
}

// GeoLocation is a geolocation routing target; "*" as Country is the
// default location.
type GeoLocation struct {
	Continent   string `json:"continent,omitempty"`
	Country     string `json:"country,omitempty"`
	Subdivision string `json:"subdivision,omitempty"`
}

// Alias points a set at another resource's current addresses (a load
// balancer, a CloudFront distribution, a bucket website, another set).
type Alias struct {
	// Zone is the hosted zone id of the target.
	Zone string `json:"zone"`
	// Target is the target's DNS name, fully qualified.
	Target string `json:"target"`
	// EvaluateHealth: the alias is answered only while its target is healthy.
	EvaluateHealth bool `json:"evaluate_health,omitempty"`
}

// Key identifies the set within a zone: its name, type and, under a
// routing policy, its set identifier.
func (r RecordSet) Key() string {
	if r.SetID != "" {
		return r.Name + " " + r.Type + " " + r.SetID
	}
	return r.Name + " " + r.Type
}

// Equal reports whether two sets hold the same data: TTL, values, routing
// and alias target.
func (r RecordSet) Equal(o RecordSet) bool {
	return r.Name == o.Name && r.Type == o.Type && r.SetID == o.SetID && r.TTL == o.TTL &&
		slices.Equal(r.Values, o.Values) && r.Routing.equal(o.Routing) && r.Alias.equal(o.Alias)
}

func (a *Routing) equal(b *Routing) bool {
	if a == nil || b == nil {
		return a == b
	}
	w := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	return w(a.Weight) == w(b.Weight) && a.Region == b.Region && a.Failover == b.Failover &&
		a.MultiValue == b.MultiValue && a.HealthCheckID == b.HealthCheckID && a.Other == b.Other &&
		(a.Geo == nil) == (b.Geo == nil) && (a.Geo == nil || *a.Geo == *b.Geo)
}

func (a *Alias) equal(b *Alias) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ChangeOp is what a RecordChange does.
type ChangeOp string

const (
	ChangeCreate ChangeOp = "create"
	ChangeUpdate ChangeOp = "update"
	ChangeDelete ChangeOp = "delete"
)

// RecordChange changes one record set. Old is set for update and delete,
// New for create and update.
type RecordChange struct {
	Op  ChangeOp   `json:"op"`
	Old *RecordSet `json:"old,omitempty"`
	New *RecordSet `json:"new,omitempty"`
}

// DNS is an authoritative DNS provider.
type DNS interface {
	Zones(ctx context.Context) ([]Zone, error)
	// CreateZone returns an error wrapping ErrExists when it exists.
	CreateZone(ctx context.Context, z Zone) (Zone, error)
	// DeleteZone removes a zone and its records.
	DeleteZone(ctx context.Context, name string) error
	// Records lists a zone's record sets, apex SOA and NS included; an
	// absent zone is an error wrapping ErrNotFound.
	Records(ctx context.Context, zone string) ([]RecordSet, error)
	// ApplyRecords applies the changes as one unit where the provider can.
	ApplyRecords(ctx context.Context, zone string, changes []RecordChange) error
}

// NormalizeSet parses a record set's values as zone-file RDATA with zone
// (fully qualified) as the origin, one record each, and returns the set
// in the form Records reports: the owner lower case and fully qualified,
// the type upper case, values in miekg/dns presentation format (domain
// names fully qualified, TXT as quoted strings of at most 255
// characters), sorted and de-duplicated; and the parsed records. Errors
// name the set.
func NormalizeSet(zone string, rs RecordSet) (RecordSet, []dns.RR, error) {
	out := RecordSet{Name: strings.ToLower(dns.Fqdn(strings.TrimSpace(rs.Name))), Type: strings.ToUpper(strings.TrimSpace(rs.Type)),
		TTL: rs.TTL, SetID: rs.SetID, Routing: rs.Routing, Alias: rs.Alias}
	key := out.Key()
	code, known := dns.StringToType[out.Type]
	_, nameOK := dns.IsDomainName(out.Name)
	switch {
	case !nameOK:
		return out, nil, fmt.Errorf("record set %q: invalid owner name", rs.Key())
	case !dns.IsSubDomain(zone, out.Name):
		return out, nil, fmt.Errorf("record set %s is outside the zone %s", key, zone)
	case !known || code == dns.TypeANY || code == dns.TypeOPT:
		return out, nil, fmt.Errorf("record set %s: unknown record type", key)
	case len(rs.Values) == 0:
		return out, nil, fmt.Errorf("record set %s has no values", key)
	}
	// One zone-file line per value, parsed in one pass: line i is value i.
	var text strings.Builder
	for _, v := range rs.Values {
		if strings.ContainsAny(v, "\n\r") {
			return out, nil, fmt.Errorf("record set %s: value %q spans lines", key, v)
		}
		fmt.Fprintf(&text, "%s %d IN %s %s\n", out.Name, rs.TTL, out.Type, v)
	}
	zp := dns.NewZoneParser(strings.NewReader(text.String()), zone, "")
	rrs := make([]dns.RR, 0, len(rs.Values))
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		v := rs.Values[min(len(rrs), len(rs.Values)-1)]
		return out, nil, fmt.Errorf("record set %s: value %q: %w", key, v, err)
	}
	if len(rrs) != len(rs.Values) {
		return out, nil, fmt.Errorf("record set %s: %d values make %d records", key, len(rs.Values), len(rrs))
	}
	for i, rr := range rrs {
		s, cut := strings.CutPrefix(rr.String(), rr.Header().String())
		if rr.Header().Rrtype != code || !cut {
			return out, nil, fmt.Errorf("record set %s: value %q is not one %s record", key, rs.Values[i], out.Type)
		}
		out.Values = append(out.Values, s)
	}
	sort.Strings(out.Values)
	out.Values = slices.Compact(out.Values)
	return out, rrs, nil
}

// APIZoneName is a zone's name as the cloud APIs spell it: lower case,
// without the trailing dot, ASCII (an internationalized name must come
// as punycode, xn--...).
func APIZoneName(name string) (string, error) {
	n := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if n == "" {
		return "", errors.New("a zone needs a name")
	}
	if err := ASCIIName(n); err != nil {
		return "", fmt.Errorf("zone %q: %w", name, err)
	}
	return n, nil
}

// ASCIIName refuses a name with non-ASCII characters: DNS APIs take
// internationalized names as punycode.
func ASCIIName(n string) error {
	for _, c := range n {
		if c > 127 {
			return errors.New("internationalized names are taken only as punycode (xn--...)")
		}
	}
	return nil
}

// RelativeName is an owner name relative to the zone (both fully
// qualified), "@" for the apex: the form Hetzner's and DigitalOcean's
// APIs take.
func RelativeName(zoneFQ, name string) string {
	if name == zoneFQ {
		return "@"
	}
	return strings.TrimSuffix(name, "."+zoneFQ)
}

// AbsoluteName turns a relative owner name ("@" for the apex) into a
// lower-case fully qualified one.
func AbsoluteName(zoneFQ, rel string) string {
	if rel == "@" || rel == "" {
		return zoneFQ
	}
	return strings.ToLower(rel) + "." + zoneFQ
}

// CheckedChange is a change whose sets are normalised and checked: Old
// for an update or delete, New for a create or update.
type CheckedChange struct {
	Op       ChangeOp
	Old, New RecordSet
}

// CheckChanges checks a batch before a provider without transactions
// writes any of it: each change's shape, New through check (the
// provider's own rules; it returns the normalised set), Old normalised,
// and each update or delete naming the set as it stands in cur (keyed by
// RecordSet.Key; else ErrChanged). A create that finds exactly its set is
// dropped (a resumed apply); one that finds another is ErrChanged. Errors
// say which change and set.
func CheckChanges(zoneFQ string, cur map[string]RecordSet, changes []RecordChange, check func(RecordSet) (RecordSet, error)) ([]CheckedChange, error) {
	var out []CheckedChange
	for i, c := range changes {
		cc := CheckedChange{Op: c.Op}
		var err error
		fail := func(err error) ([]CheckedChange, error) { return nil, fmt.Errorf("change %d: %w", i, err) }
		if c.Op != ChangeCreate && c.Op != ChangeUpdate && c.Op != ChangeDelete {
			return fail(fmt.Errorf("unknown change %q", c.Op))
		}
		if c.Op != ChangeDelete {
			if c.New == nil {
				return fail(fmt.Errorf("%s without New", c.Op))
			}
			if cc.New, err = check(*c.New); err != nil {
				return fail(err)
			}
		}
		if c.Op != ChangeCreate {
			if c.Old == nil {
				return fail(fmt.Errorf("%s without Old", c.Op))
			}
			if cc.Old, _, err = NormalizeSet(zoneFQ, *c.Old); err != nil {
				return fail(err)
			}
		}
		if c.Op == ChangeCreate {
			if have, ok := cur[cc.New.Key()]; ok {
				if have.Equal(cc.New) {
					continue
				}
				return fail(fmt.Errorf("create %s: the set already exists (%d values, TTL %d): %w", cc.New.Key(), len(have.Values), have.TTL, ErrChanged))
			}
			out = append(out, cc)
			continue
		}
		have, ok := cur[cc.Old.Key()]
		switch {
		case !ok:
			return fail(fmt.Errorf("%s %s: the set no longer exists: %w", c.Op, cc.Old.Key(), ErrChanged))
		case !have.Equal(cc.Old):
			return fail(fmt.Errorf("%s %s: the set differs from the one planned against: %w", c.Op, cc.Old.Key(), ErrChanged))
		case c.Op == ChangeUpdate && cc.Old.Key() != cc.New.Key():
			return fail(fmt.Errorf("update changes the set's name or type (%s to %s)", cc.Old.Key(), cc.New.Key()))
		}
		out = append(out, cc)
	}
	return out, nil
}

// DNSSEC is a zone's signing state at its provider.
type DNSSEC struct {
	// Signed: the provider serves the zone signed.
	Signed bool `json:"signed"`
	// Status is the provider's own word for it (Route 53's SIGNING,
	// NOT_SIGNING, DELETING, ACTION_NEEDED...).
	Status string `json:"status,omitempty"`
	// DS are the DS records (RDATA in presentation format) the parent
	// zone publishes for the provider's keys, when it says.
	DS []string `json:"ds,omitempty"`
}

// DNSSECReader is implemented by DNS providers that can say whether they
// sign a zone (zone files say it with their DNSKEY and RRSIG records
// instead).
type DNSSECReader interface {
	DNSSEC(ctx context.Context, zone string) (DNSSEC, error)
}

// SerialRestorer is implemented by DNS providers whose zones carry an SOA
// serial that rehome's writes bump (a zone file). A rollback that put
// every record set back as it was sets the serial back too, so the file
// is as the operator left it.
type SerialRestorer interface {
	// ZoneSerial returns the zone's SOA serial and a digest of its record
	// sets other than the SOA.
	ZoneSerial(ctx context.Context, zone string) (serial uint32, digest string, err error)
	// RestoreSerial sets the SOA serial to serial if the zone's sets
	// other than the SOA still have the digest given; it reports whether
	// it did.
	RestoreSerial(ctx context.Context, zone string, serial uint32, digest string) (bool, error)
}
