package providers

import "strings"

// Role says whether a provider can be the source or the destination of a
// move of some kind.
type Role uint8

const (
	Source Role = 1 << iota
	Destination
)

func (r Role) String() string {
	switch r {
	case 0:
		return "-"
	case Source:
		return "source"
	case Destination:
		return "destination"
	case Source | Destination:
		return "source, destination"
	}
	return "?"
}

// Can reports whether r includes want.
func (r Role) Can(want Role) bool { return r&want == want }

// Caps is a provider's declared capability table. The planner checks moves
// against it before any call and turns every gap into an audit finding; the
// `providers` command prints it.
type Caps struct {
	// Kinds says, for each kind the provider handles, in which roles.
	Kinds map[Kind]Role
	// Inventory lists resource types discovery reports that rehome cannot
	// move (instances, volumes, load balancers), for the audit and cost.
	Inventory []string

	Storage  StorageCaps
	DNS      DNSCaps
	Secrets  SecretsCaps
	Database DatabaseCaps
	Queue    QueueCaps
}

// Role returns the roles for kind k.
func (c Caps) Role(k Kind) Role { return c.Kinds[k] }

// StorageCaps describes an object store's features.
type StorageCaps struct {
	Metadata    bool // user metadata (x-amz-meta-*)
	Tags        bool // object tags
	ContentType bool // a stored Content-Type (false: derived, e.g. from the extension)
	// Headers: the other stored HTTP headers (Cache-Control,
	// Content-Disposition, Content-Encoding, Content-Language, Expires).
	Headers bool
	// ModTime: an object keeps the modification time it is written with
	// (false: the store stamps its own).
	ModTime bool
	// ETagMD5: ETags are content MD5s (see Object.ETag), so the store's
	// ETag of what it stored verifies a copy without reading it back.
	ETagMD5 bool
	// SnapshotReads: a Get reads one version whatever is written
	// meanwhile (S3); false where a reader can see a change in place (a
	// file someone appends to), so a copy checks the source again after
	// reading it.
	SnapshotReads bool
	// StorageClasses the store offers by name; empty: one class.
	StorageClasses []string
	Versioning     bool
	// Bucket features the store can hold: lifecycle rules, CORS, bucket
	// policies (public access), static website hosting, default
	// encryption, object lock.
	Lifecycle, CORS, Policy, Website, Encryption, ObjectLock bool
	// FileKeys: keys are file paths, so a key cannot also be a "folder"
	// of another key (`a` and `a/b`), and some names are impossible.
	FileKeys bool
	// MaxObjectSize in bytes; 0 means no limit known.
	MaxObjectSize int64
}

// DNSCaps describes a DNS provider.
type DNSCaps struct {
	// RecordTypes the provider can hold, upper case.
	RecordTypes []string
	// OwnApex: the provider writes its own apex SOA and NS; those are
	// reported, not copied.
	OwnApex bool
	// Wildcards, if false, the provider cannot hold `*` owner names.
	Wildcards bool
	// MinTTL is the lowest TTL the provider accepts (0: any).
	MinTTL uint32
	// Routing: several sets of one name and type under a routing policy
	// (weighted, latency, geolocation, failover, multivalue).
	Routing bool
	// Alias: alias sets that point at another resource instead of holding
	// values.
	Alias bool
	// TXTJoined: a TXT record is held as one string and served split into
	// strings of 255 characters, so a value split anywhere else (`"v=spf1 "
	// "-all"`) cannot be held exactly; its text, joined, can.
	TXTJoined bool
	// MaxTTL is the highest TTL the provider accepts (0: DNS's 2^31-1).
	MaxTTL uint32
	// CAATags are the CAA property tags the provider accepts, lower case
	// (empty: any).
	CAATags []string
	// MaxTXT is the longest TXT record the provider accepts, in bytes of
	// text over all its strings (0: no limit but DNS's).
	MaxTXT int
	// DNSSEC: the provider can sign the zones it serves (and gives the DS
	// record the registrar publishes).
	DNSSEC bool
}

// SupportsType reports whether record type t can be held.
func (d DNSCaps) SupportsType(t string) bool {
	for _, x := range d.RecordTypes {
		if strings.EqualFold(x, t) {
			return true
		}
	}
	return false
}

// SecretsCaps describes a secret store.
type SecretsCaps struct {
	// Versioned: an overwrite keeps the prior version, so rollback can
	// restore it (SecretVersioner).
	Versioned bool
	// EncryptedAtRest says whether the store encrypts values itself.
	EncryptedAtRest bool
	// MaxValueSize in bytes; 0 means no limit known.
	MaxValueSize int
}

// DatabaseCaps describes a database server.
type DatabaseCaps struct {
	Engines []string // postgres, mysql, sqlite
	// ChangeCapture: the provider can stream changes after a snapshot.
	ChangeCapture bool
}

// QueueCaps describes a queue or stream system. A platform's own
// QueueMapping says how it holds each queue's settings; these are what
// `rehome providers` shows and what the planner checks first.
type QueueCaps struct {
	FIFO         bool
	DeadLetter   bool
	DelaySeconds bool
	// Messages: in-flight messages can be drained from the source and
	// re-published at the destination.
	Messages bool
	// Dedup: the platform itself drops a message whose deduplication id
	// it has seen within its window (SQS FIFO, JetStream Nats-Msg-Id).
	Dedup bool
	// List: the platform can list its queues (false: moves name them).
	List bool
	// MaxMessageBytes is the largest message the platform takes (0: not
	// known).
	MaxMessageBytes int
}
