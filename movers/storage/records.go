package storage

// Per-object records, kept in the state's progress store, shared by the
// diff, the copy and rollback. A record is written before rehome touches a
// destination key and keeps the key's first pre-image, so rollback can
// restore it and a later plan knows the object is rehome's own.

import (
	"strings"
	"time"

	"github.com/rehome/rehome/providers"
)

// Scope is the progress scope of one bucket pair of a storage move. It
// includes the destination's identity (where its environment points) and
// bucket name, so pointing a move elsewhere (a new rename, another
// environment, or the same environment name at another place) starts a
// fresh scope: objects at the new place are foreign until rehome writes
// them, and the old place keeps its records for rollback.
func Scope(move, srcBucket, dstID, dstBucket string) string {
	return "storage/" + move + "/" + srcBucket + "/" + dstID + "/" + dstBucket
}

// Record states.
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
	// Removed: the object was at the destination only, and the cutover
	// removed it (delete_extra) after backing it up; rollback restores it.
	Removed bool `json:"removed,omitempty"`
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
	// The rest of the backed-up object's headers.
	PrevDisposition  string `json:"prev_content_disposition,omitempty"`
	PrevEncoding     string `json:"prev_content_encoding,omitempty"`
	PrevLanguage     string `json:"prev_content_language,omitempty"`
	PrevExpires      string `json:"prev_expires,omitempty"`
	PrevStorageClass string `json:"prev_storage_class,omitempty"`
	// The source version that was copied.
	SrcSize  int64  `json:"src_size"`
	SrcMTime int64  `json:"src_mtime"`
	SrcETag  string `json:"src_etag,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	// Left is the destination object as rehome last left it (size, mtime,
	// ETag), to notice a later change there without reading; nil before
	// rehome's first confirmed write. A record being rewritten keeps the
	// previous Left until the new write is confirmed.
	Left *Version `json:"left,omitempty"`
	// Writing is the source version an unconfirmed write was putting at
	// the key (size, mtime, ETag, as listed): how a write whose response
	// was lost is recognised even after the source has changed again.
	Writing *Version `json:"writing,omitempty"`
	// Upload is a multipart upload in progress at the key: resumed by the
	// next run while the source is the same version, aborted otherwise
	// and by rollback, so none is left to bill.
	Upload *Upload `json:"upload,omitempty"`
}

// Upload is a multipart upload rehome started.
type Upload struct {
	ID       string         `json:"id"`
	PartSize int64          `json:"part_size"`
	Parts    []UploadedPart `json:"parts,omitempty"`
}

// UploadedPart is one part the destination confirmed: its number, size,
// the MD5 of the bytes rehome sent (hex) and the ETag the store gave.
type UploadedPart struct {
	N    int    `json:"n"`
	Size int64  `json:"size"`
	MD5  string `json:"md5"`
	ETag string `json:"etag"`
}

// setPrev keeps the attributes of the object rehome backed up.
func (r *ObjectRecord) setPrev(o providers.Object) {
	r.PrevSize, r.PrevModTime = o.Size, nanos(o.ModTime)
	r.PrevContentType, r.PrevCacheControl = o.ContentType, o.CacheControl
	r.PrevMetadata, r.PrevTags = o.Metadata, o.Tags
	r.PrevDisposition, r.PrevEncoding, r.PrevLanguage = o.ContentDisposition, o.ContentEncoding, o.ContentLanguage
	r.PrevExpires, r.PrevStorageClass = o.Expires, o.StorageClass
}

// prevObject is the backed-up object to restore at key.
func (r *ObjectRecord) prevObject(key string) providers.Object {
	o := providers.Object{Key: key, Size: r.PrevSize,
		ContentType: r.PrevContentType, CacheControl: r.PrevCacheControl,
		ContentDisposition: r.PrevDisposition, ContentEncoding: r.PrevEncoding,
		ContentLanguage: r.PrevLanguage, Expires: r.PrevExpires,
		StorageClass: r.PrevStorageClass, Metadata: r.PrevMetadata, Tags: r.PrevTags}
	if r.PrevModTime != 0 {
		o.ModTime = time.Unix(0, r.PrevModTime).UTC()
	}
	return o
}

// Version describes an object version as listed: size, modification time
// (unix nanoseconds) and ETag.
type Version struct {
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime,omitempty"`
	ETag  string `json:"etag,omitempty"`
}

// VersionOf describes a listed object's version; a store that reported
// no time (an S3 write answers with the ETag only) gives MTime 0, which
// Unchanged does not compare.
func VersionOf(o providers.Object) *Version {
	v := &Version{Size: o.Size, ETag: o.ETag}
	if !o.ModTime.IsZero() {
		v.MTime = o.ModTime.UnixNano()
	}
	return v
}

// holding is what the ownership rule says of the object at a key.
type holding int

const (
	// notHeld: someone else's, or nothing rehome can claim.
	notHeld holding = iota
	// heldLeft: the write rehome left there (confirmed, or the earlier
	// one under an unconfirmed write) still stands unchanged.
	heldLeft
	// heldLanded: the unconfirmed write is proven to have landed.
	heldLanded
	// unproven: an unconfirmed write whose outcome only the content can
	// tell (compare it with the source, while the source still is the
	// version being written).
	unproven
)

// holds is the ownership rule for objects, applied alike by the diff, the
// copy and rollback. The object cur at a key is rehome's only when rehome
// wrote the key (created it, or replaced an original it backed up first;
// never an identical object it merely found) and cur is still what rehome
// left there — an object someone changed since is theirs again — or, for a
// write not yet confirmed, what that write was putting there. bySize is
// the move's verify = "size".
func (r *ObjectRecord) holds(cur providers.Object, bySize bool) holding {
	switch {
	case r == nil || r.Untouched || !(r.Created || r.Backup):
		return notHeld
	case r.landed(cur, bySize):
		return heldLanded
	case r.Unchanged(cur):
		return heldLeft
	case r.State != ItemDone:
		return unproven
	}
	return notHeld
}

// owns reports whether the key is rehome's: it holds rehome's write, or
// (cur nil) it is empty and rehome wrote it.
func (r *ObjectRecord) owns(cur *providers.Object, bySize bool) bool {
	if cur == nil {
		return r != nil && !r.Untouched && (r.Created || r.Backup)
	}
	h := r.holds(*cur, bySize)
	return h == heldLeft || h == heldLanded
}

// landed reports whether t is proven to be what an unconfirmed write was
// putting at the key: a content-digest ETag matches, or — only when the
// move verifies by size — size and modification time match. (In checksum
// mode a time match proves nothing: the content decides.)
func (r *ObjectRecord) landed(t providers.Object, bySize bool) bool {
	if r == nil || r.State == ItemDone || r.Writing == nil || t.Size != r.Writing.Size {
		return false
	}
	w := r.Writing
	if w.ETag != "" && !strings.Contains(w.ETag, "-") && t.ETag == w.ETag {
		return true
	}
	return bySize && w.MTime != 0 && t.ModTime.UnixNano() == w.MTime
}

// writingSource reports whether the source object s is still the version
// the unconfirmed write was putting (so comparing content with the source
// proves whether it landed); true for records from before versions were
// kept.
func (r *ObjectRecord) writingSource(s providers.Object) bool {
	w := r.Writing
	return w == nil || (w.Size == s.Size && w.MTime == s.ModTime.UnixNano() && w.ETag == s.ETag)
}

// setLeft records what the destination holds now that rehome is done with
// the key.
func (r *ObjectRecord) setLeft(t providers.Object) {
	r.Left = VersionOf(t)
	r.Writing = nil
}

// Unchanged reports whether t is still what rehome left at the key.
func (r *ObjectRecord) Unchanged(t providers.Object) bool {
	l := r.Left
	return l != nil && t.Size == l.Size && (l.ETag == "" || t.ETag == l.ETag) && (l.MTime == 0 || t.ModTime.UnixNano() == l.MTime)
}

// isOriginal reports whether now is the foreign object rehome backed up
// (its replacing write never landed): same size and modification time.
func (r *ObjectRecord) isOriginal(now providers.Object) bool {
	return now.Size == r.PrevSize && now.ModTime.UnixNano() == r.PrevModTime
}
