package planner

// Progress-store scopes and records shared by the planner and the executor.
// A record is written before rehome touches a destination item and keeps the
// item's first pre-image, so rollback can restore it and a later plan knows
// the item is rehome's own.

import "github.com/rehome/rehome/providers"

// Scopes name where one move's per-item records live. Each includes the
// destination's identity (where its environment points, Env.ID) and name,
// so pointing a move elsewhere (a new rename, another environment, or the
// same environment name at another place) starts a fresh scope: items at the new place
// are foreign until rehome writes them, and the old place keeps its own
// records for rollback.

// StorageScope is the progress scope of one bucket pair of a storage move.
func StorageScope(move, srcBucket, dstID, dstBucket string) string {
	return "storage/" + move + "/" + srcBucket + "/" + dstID + "/" + dstBucket
}

// DNSScope is the progress scope of one zone of a dns move (destination side).
func DNSScope(move, dstID, zone string) string { return "dns/" + move + "/" + dstID + "/" + zone }

// TTLScope is the progress scope of the source TTLs a dns move lowered.
func TTLScope(move, srcID, zone string) string { return "dns-ttl/" + move + "/" + srcID + "/" + zone }

// SecretsScope is the progress scope of a secrets move.
func SecretsScope(move, dstID string) string { return "secrets/" + move + "/" + dstID }

// Object record states.
const (
	ItemWriting = "writing" // a write began; the outcome is unknown
	ItemDone    = "done"    // written (or found identical) and verified
)

// ObjectRecord tracks one destination object of a storage move.
type ObjectRecord struct {
	State string `json:"state"`
	// Created: there was no object at the key before rehome wrote it.
	Created bool `json:"created"`
	// Backup: the pre-existing object was saved in the state's backups
	// (set only once the backup is durable, before the replacing write).
	Backup bool `json:"backup,omitempty"`
	// Untouched: the destination already held identical content; rehome
	// wrote nothing and rollback leaves it alone.
	Untouched bool `json:"untouched,omitempty"`
	// The backed-up object's attributes (mtime in unix nanoseconds), for
	// an exact restore.
	PrevModTime      int64             `json:"prev_mtime,omitempty"`
	PrevContentType  string            `json:"prev_content_type,omitempty"`
	PrevCacheControl string            `json:"prev_cache_control,omitempty"`
	PrevMetadata     map[string]string `json:"prev_metadata,omitempty"`
	PrevTags         map[string]string `json:"prev_tags,omitempty"`
	// The source version that was copied.
	SrcSize  int64  `json:"src_size"`
	SrcMTime int64  `json:"src_mtime"`
	SrcETag  string `json:"src_etag,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	// The destination object as rehome left it (size, mtime in unix
	// nanoseconds, ETag), to notice a later change there without reading.
	DstSize  int64  `json:"dst_size"`
	DstMTime int64  `json:"dst_mtime,omitempty"`
	DstETag  string `json:"dst_etag,omitempty"`
}

// Ours reports whether the destination object at the key is rehome's:
// rehome created it (and the write finished), or replaced a foreign one
// after its backup was durable. An Untouched record (identical content
// found there) is not: the object stays foreign, and a later change to it
// is a conflict. A pending create is not either, until it is resolved by
// content (Pending).
func (r *ObjectRecord) Ours() bool {
	return r != nil && (r.Backup || (r.Created && r.State == ItemDone))
}

// OwnsObject reports whether t, the object now at the key (nil: none), is
// rehome's: the record says rehome wrote the key, and nobody has written it
// since (an object someone changed is theirs again).
func OwnsObject(rec *ObjectRecord, t *providers.Object) bool {
	return rec.Ours() && (t == nil || rec.State != ItemDone || rec.Unchanged(*t))
}

// Pending reports a create that was recorded but not confirmed: rehome was
// writing the key when a run stopped (or the write failed). An object there
// is rehome's only if it holds the source's content.
func (r *ObjectRecord) Pending() bool { return r != nil && r.Created && r.State != ItemDone }

// Left records what the destination held when rehome was done with the key.
func (r *ObjectRecord) Left(t providers.Object) {
	r.DstSize, r.DstMTime, r.DstETag = t.Size, t.ModTime.UnixNano(), t.ETag
}

// Unchanged reports whether t is still what rehome left at the key.
func (r *ObjectRecord) Unchanged(t providers.Object) bool {
	return t.Size == r.DstSize && (r.DstETag == "" || t.ETag == r.DstETag) &&
		(r.DstMTime == 0 || t.ModTime.UnixNano() == r.DstMTime)
}

// RecordSetRecord tracks one destination record set of a dns move: its
// first pre-image (Old, nil when the set did not exist), what rehome last
// wrote there (Written, nil after a removal) and what it wrote before that
// (Prev). The set is rehome's only while it still holds what rehome wrote:
// a set someone changed or re-created since is foreign again.
type RecordSetRecord struct {
	Old     *providers.RecordSet `json:"old"`
	Written *providers.RecordSet `json:"written,omitempty"`
	Prev    *providers.RecordSet `json:"prev,omitempty"`
}

// Owns reports whether cur, the set now at the destination, is rehome's.
// Prev counts too: a crash between recording a write and making it leaves
// the earlier write in place.
func (r *RecordSetRecord) Owns(cur providers.RecordSet) bool {
	return r != nil && ((r.Written != nil && SameSet(*r.Written, cur)) || (r.Prev != nil && SameSet(*r.Prev, cur)))
}

// TTLRecord keeps a source record set's TTL before rehome lowered it.
type TTLRecord struct {
	Set providers.RecordSet `json:"set"`
}

// SecretRecord tracks one destination secret of a secrets move. It is
// written before the secret is (State "writing") and confirmed after the
// write is verified (State "done"); only a confirmed record makes the
// secret rehome's.
type SecretRecord struct {
	State string `json:"state,omitempty"`
	// Created: the secret did not exist before rehome wrote it.
	Created bool `json:"created"`
	// PrevVersion is the destination's version before the overwrite, for
	// stores that keep versions; "" when none or unversioned.
	PrevVersion string `json:"prev_version,omitempty"`
}

// Ours reports whether rehome's write of the secret was confirmed.
func (r *SecretRecord) Ours() bool { return r != nil && r.State == ItemDone }
