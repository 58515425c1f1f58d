package providers

import "context"

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
type RecordSet struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	TTL    uint32   `json:"ttl"`
	Values []string `json:"values"`
}

// Key identifies the set within a zone.
func (r RecordSet) Key() string { return r.Name + " " + r.Type }

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
	// Records lists a zone's record sets, apex SOA and NS included.
	Records(ctx context.Context, zone string) ([]RecordSet, error)
	// ApplyRecords applies the changes as one unit where the provider can.
	ApplyRecords(ctx context.Context, zone string, changes []RecordChange) error
}
