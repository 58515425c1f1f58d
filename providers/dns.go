package providers

import (
	"context"
	"slices"
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
