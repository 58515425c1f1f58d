package planner

// Progress-store scopes and records shared by the planner and the executor.
// A record is written before rehome touches a destination item and keeps the
// item's first pre-image, so rollback can restore it and a later plan knows
// the item is rehome's own.

import (
	"strings"

	"github.com/rehome/rehome/providers"
)

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
	PrevSize         int64             `json:"prev_size,omitempty"`
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
	// Left is the destination object as rehome last left it (size, mtime,
	// ETag), to notice a later change there without reading; nil before
	// rehome's first confirmed write. A record being rewritten keeps the
	// previous Left until the new write is confirmed.
	Left *LeftObject `json:"left,omitempty"`
	// Writing is the source version an unconfirmed write was putting at
	// the key (size, mtime, ETag, as listed): how a write whose response
	// was lost is recognised even after the source has changed again.
	Writing *LeftObject `json:"writing,omitempty"`
}

// LeftObject describes a destination object as rehome left it.
type LeftObject struct {
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime,omitempty"` // unix nanoseconds
	ETag  string `json:"etag,omitempty"`
}

// OwnsObject reports whether t, the object now at the key (nil: none), is
// rehome's: rehome wrote the key and what stands there is still what it
// left (an object someone changed is theirs again), or — for a write not
// yet confirmed — what that write was putting there (it landed).
func OwnsObject(rec *ObjectRecord, t *providers.Object) bool {
	if rec == nil || rec.Untouched || !(rec.Created || rec.Backup) {
		return false
	}
	if t == nil {
		return true
	}
	return rec.Unchanged(*t)
}

// Landed reports whether t is proven to be what an unconfirmed write was
// putting at the key: a content-digest ETag matches, or — only when the
// move verifies by size — size and modification time match. (In checksum
// mode a time match proves nothing: callers compare content.)
func (r *ObjectRecord) Landed(t providers.Object, bySize bool) bool {
	if r == nil || r.State == ItemDone || r.Writing == nil || t.Size != r.Writing.Size {
		return false
	}
	w := r.Writing
	if w.ETag != "" && !strings.Contains(w.ETag, "-") && t.ETag == w.ETag {
		return true
	}
	return bySize && w.MTime != 0 && t.ModTime.UnixNano() == w.MTime
}

// WritingSource reports whether the source object s is still the version
// the unconfirmed write was putting (so comparing content with the source
// proves whether it landed).
func (r *ObjectRecord) WritingSource(s providers.Object) bool {
	w := r.Writing
	return w != nil && w.Size == s.Size && w.MTime == s.ModTime.UnixNano() && w.ETag == s.ETag
}

// Version describes a listed object's version as a LeftObject.
func Version(o providers.Object) *LeftObject {
	return &LeftObject{Size: o.Size, MTime: o.ModTime.UnixNano(), ETag: o.ETag}
}

// SetLeft records what the destination holds now that rehome is done with
// the key.
func (r *ObjectRecord) SetLeft(t providers.Object) {
	r.Left = Version(t)
	r.Writing = nil
}

// Unchanged reports whether t is still what rehome left at the key.
func (r *ObjectRecord) Unchanged(t providers.Object) bool {
	l := r.Left
	return l != nil && t.Size == l.Size && (l.ETag == "" || t.ETag == l.ETag) && (l.MTime == 0 || t.ModTime.UnixNano() == l.MTime)
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
	// WrittenVersion is the version rehome's confirmed write created;
	// "" for stores without versions.
	WrittenVersion string `json:"written_version,omitempty"`
	// Digest is a keyed digest of the value of rehome's last confirmed
	// write, WritingDigest that of a write under way (never the values):
	// they recognise rehome's writes on stores without versions and after
	// a lost response.
	Digest        string `json:"digest,omitempty"`
	WritingDigest string `json:"writing_digest,omitempty"`
}

// Owns reports whether the secret at the destination — current version
// cur, value digest dig (SecretDigest) — holds rehome's last confirmed
// write (a secret someone rotated or changed since is theirs again). A
// write under way does not change that until it is confirmed.
func (r *SecretRecord) Owns(cur, dig string) bool {
	if r == nil {
		return false
	}
	if r.Digest == "" { // confirmed before digests were kept
		return r.State == ItemDone && (r.WrittenVersion == "" || r.WrittenVersion == cur)
	}
	return r.Digest == dig && (r.WrittenVersion == "" || r.WrittenVersion == cur)
}

// Landed reports whether the write under way put the value whose digest
// is dig (its response was lost, or the run stopped before confirming).
func (r *SecretRecord) Landed(dig string) bool {
	return r != nil && r.State != ItemDone && r.WritingDigest != "" && r.WritingDigest == dig
}
