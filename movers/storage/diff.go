package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/rehome/rehome/internal/ctxio"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/transfer"
)

// CopyItem is one object to copy.
type CopyItem struct {
	Src providers.Object
	// Dst is the object now at the destination key, or nil.
	Dst *providers.Object
	// Rec is rehome's record of the key, or nil when rehome never touched it.
	Rec *ObjectRecord
	// Replace: the destination object is not rehome's and overwrite is on;
	// it is backed up before being replaced.
	Replace bool
}

// ObjectDiff compares a source bucket with its destination.
type ObjectDiff struct {
	Copy      []CopyItem
	CopyBytes int64
	Unchanged int64
	// UnchangedBytes is the size of the objects already in place.
	UnchangedBytes int64
	// Conflicts are keys whose destination object differs and is not
	// rehome's while overwrite is off; they are not copied.
	Conflicts []string
	// Replaced are keys whose foreign destination object will be backed up
	// and replaced (overwrite on).
	Replaced []string
	// Invalid are source keys the destination cannot hold.
	Invalid []string
	// Skipped are keys left out because an acknowledged finding says so.
	Skipped []string
	// DestOnly counts destination objects with no source object that
	// rehome did not write; they are left alone.
	DestOnly int64
	// Orphans are destination objects rehome wrote whose source object is
	// gone; a copy removes them so the destination mirrors the source.
	Orphans []string
	// Adopt are objects an interrupted run wrote but did not record; they
	// hold the source's content and are recorded as rehome's, not rewritten.
	Adopt []CopyItem
	// Archived are source keys in an archive storage class (Glacier, Deep
	// Archive): they cannot be read until restored, and are not copied.
	Archived []string
	// Unreadable are source entries the store cannot read (Object.
	// Unreadable: a file without read permission, a folder it cannot list,
	// its key ending in '/'), each "key: reason"; they are not copied, and
	// destination objects below an unreadable folder are left alone.
	Unreadable     []string
	unreadableDirs []string
	// Extra are destination objects not at the source and not rehome's
	// (collected when DiffInput.Extra), with their size.
	Extra      []providers.Object
	ExtraBytes int64
	// SourceObjects and SourceBytes size the whole source bucket, and
	// Classes are the storage classes its objects use besides the default.
	SourceObjects, SourceBytes int64
	Classes                    map[string]bool
	// Later are the records a copy needs after the diff: the orphans',
	// and those of multipart uploads an earlier run left.
	Later map[string]ObjectRecord
}

// DiffInput parameterises Diff.
type DiffInput struct {
	Src, Dst             providers.Storage
	SrcBucket, DstBucket string
	// DstExists is false when the destination bucket is still to be created.
	DstExists bool
	DstCaps   providers.StorageCaps
	// Records are the scope's records in key byte order
	// (planner.StreamRecords), merged with the listings: no map of them
	// is held, so memory does not grow with the bucket.
	Records   iter.Seq2[planner.Record[ObjectRecord], error]
	Overwrite bool
	// BySize is the move's verify = "size"; in checksum mode a foreign
	// object matching only by size and time is compared by content.
	BySize bool
	// Skip lists keys to leave out (acknowledged findings).
	Skip map[string]bool
	// Prefix limits the diff to keys that start with it, on both sides.
	Prefix string
	// Caller retries listings that fail for a transient reason (nil: no
	// retries).
	Caller *transfer.Caller
	// Extra: collect the destination-only objects that are not rehome's
	// (ObjectDiff.Extra), for a cutover that removes them.
	Extra bool
}

// listing lists a bucket's objects under prefix that sort after after.
func listing(ctx context.Context, s providers.Storage, bucket, prefix, after string) iter.Seq2[providers.Object, error] {
	if l, ok := s.(providers.ObjectLister); ok && (prefix != "" || after != "") {
		return l.ObjectsFrom(ctx, bucket, prefix, after)
	}
	return func(yield func(providers.Object, error) bool) {
		for o, err := range s.Objects(ctx, bucket) {
			if err == nil && (!strings.HasPrefix(o.Key, prefix) || o.Key <= after) {
				continue
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// prefetch runs a listing in a goroutine of its own, a few batches ahead
// of its reader, so that a diff lists its two sides at once (two folder
// walks, or two streams of LIST pages) instead of one after the other. A
// transient failure is retried through c, the listing resuming after the
// last key it gave. stop ends the listing early and waits for its
// goroutine.
func prefetch(ctx context.Context, c *transfer.Caller, what string, list func(after string) iter.Seq2[providers.Object, error]) (next func() (providers.Object, error, bool), stop func()) {
	if c == nil {
		c = &transfer.Caller{}
	}
	type batch struct {
		objs []providers.Object
		err  error
	}
	const size = 256
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan batch, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		send := func(b batch) bool {
			select {
			case ch <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		objs := make([]providers.Object, 0, size)
		after, stopped := "", false
		err := c.Do(ctx, what, func(ctx context.Context, _ int) error {
			for o, err := range list(after) {
				if err != nil {
					return err
				}
				after = o.Key
				if objs = append(objs, o); len(objs) == size {
					if !send(batch{objs: objs}) {
						stopped = true
						return nil
					}
					objs = make([]providers.Object, 0, size)
				}
			}
			return nil
		})
		if stopped {
			return
		}
		if len(objs) > 0 && !send(batch{objs: objs}) {
			return
		}
		if err != nil {
			send(batch{err: err})
		}
	}()
	var cur []providers.Object
	next = func() (providers.Object, error, bool) {
		for len(cur) == 0 {
			b, ok := <-ch
			if !ok {
				return providers.Object{}, nil, false
			}
			if b.err != nil {
				return providers.Object{}, b.err, true
			}
			cur = b.objs
		}
		o := cur[0]
		cur = cur[1:]
		return o, nil, true
	}
	stop = func() {
		cancel()
		<-done
	}
	return next, stop
}

// archived are storage classes whose objects must be restored before
// they can be read.
var archived = map[string]bool{"GLACIER": true, "DEEP_ARCHIVE": true}

// Diff merges the two sorted listings and classifies every key. The plan
// and the copy both call it, so what the copy does is what the plan said,
// applied to what stands when it runs.
func Diff(ctx context.Context, in DiffInput) (*ObjectDiff, error) {
	d := &ObjectDiff{Later: map[string]ObjectRecord{}}
	var keys []string
	recs := newRecordCursor(in.Records)
	defer recs.stop()
	srcNext, srcStop := prefetch(ctx, in.Caller, "listing", func(after string) iter.Seq2[providers.Object, error] {
		return listing(ctx, in.Src, in.SrcBucket, in.Prefix, after)
	})
	defer srcStop()
	var dstNext func() (providers.Object, error, bool)
	if in.DstExists {
		n, stop := prefetch(ctx, in.Caller, "listing", func(after string) iter.Seq2[providers.Object, error] {
			return listing(ctx, in.Dst, in.DstBucket, in.Prefix, after)
		})
		defer stop()
		dstNext = n
	} else {
		dstNext = func() (providers.Object, error, bool) { return providers.Object{}, nil, false }
	}
	pull := func(next func() (providers.Object, error, bool), what string) (*providers.Object, error) {
		o, err, ok := next()
		if !ok {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		return &o, nil
	}
	srcWhat, dstWhat := "source bucket "+in.SrcBucket, "destination bucket "+in.DstBucket
	s, err := pull(srcNext, srcWhat)
	if err != nil {
		return nil, err
	}
	t, err := pull(dstNext, dstWhat)
	if err != nil {
		return nil, err
	}
	for s != nil || t != nil {
		switch {
		case t == nil || (s != nil && s.Key < t.Key):
			if s.Unreadable != "" {
				d.unreadable(*s)
				if s, err = pull(srcNext, srcWhat); err != nil {
					return nil, err
				}
				continue
			}
			keys = append(keys, s.Key)
			rec, err := recs.at(s.Key, d)
			if err != nil {
				return nil, err
			}
			if err := d.classify(ctx, *s, nil, rec, in); err != nil {
				return nil, err
			}
			if s, err = pull(srcNext, srcWhat); err != nil {
				return nil, err
			}
		case s == nil || t.Key < s.Key:
			r, err := recs.at(t.Key, d)
			if err != nil {
				return nil, err
			}
			switch {
			case d.belowUnreadable(t.Key):
				// Whether its source is gone is unknown: leave it.
			case r != nil && r.Created && r.owns(t, in.BySize) && !in.Skip[t.Key]:
				d.Orphans = append(d.Orphans, t.Key) // rehome's copy of an object gone from the source
				d.Later[t.Key] = *r
			default:
				d.DestOnly++
				if in.Extra && !in.Skip[t.Key] {
					d.Extra = append(d.Extra, *t)
					d.ExtraBytes += t.Size
				}
			}
			if t, err = pull(dstNext, dstWhat); err != nil {
				return nil, err
			}
		default:
			if s.Unreadable != "" {
				d.unreadable(*s)
			} else {
				keys = append(keys, s.Key)
			}
			rec, err := recs.at(s.Key, d)
			if err != nil {
				return nil, err
			}
			if s.Unreadable == "" {
				if err := d.classify(ctx, *s, t, rec, in); err != nil {
					return nil, err
				}
			}
			if s, err = pull(srcNext, srcWhat); err != nil {
				return nil, err
			}
			if t, err = pull(dstNext, dstWhat); err != nil {
				return nil, err
			}
		}
	}
	if err := recs.rest(d); err != nil {
		return nil, err
	}
	if in.DstCaps.FileKeys {
		d.Invalid = FileKeyProblems(keys)
		if len(d.Invalid) > 0 {
			d.drop(d.Invalid)
		}
	}
	return d, nil
}

// drop takes keys out of the copy list.
func (d *ObjectDiff) drop(keys []string) {
	bad := make(map[string]bool, len(keys))
	for _, k := range keys {
		bad[k] = true
	}
	kept := d.Copy[:0]
	d.CopyBytes = 0
	for _, it := range d.Copy {
		if !bad[it.Src.Key] {
			kept = append(kept, it)
			d.CopyBytes += it.Src.Size
		}
	}
	d.Copy = kept
}

// recordCursor walks the records in key order alongside the listings.
type recordCursor struct {
	next func() (planner.Record[ObjectRecord], error, bool)
	stop func()
	cur  *planner.Record[ObjectRecord]
	done bool
}

func newRecordCursor(seq iter.Seq2[planner.Record[ObjectRecord], error]) *recordCursor {
	if seq == nil {
		return &recordCursor{done: true, stop: func() {}}
	}
	next, stop := iter.Pull2(seq)
	return &recordCursor{next: next, stop: stop}
}

// advance moves to the next record; a record passed over (its key is at
// neither side) still keeps an upload it holds for the copy to abort.
func (c *recordCursor) advance(d *ObjectDiff) error {
	if c.cur != nil && c.cur.Value.Upload != nil {
		d.Later[c.cur.Key] = c.cur.Value
	}
	c.cur = nil
	if c.done {
		return nil
	}
	r, err, ok := c.next()
	if !ok {
		c.done = true
		return nil
	}
	if err != nil {
		return err
	}
	c.cur = &r
	return nil
}

// at returns the record of key (nil for none). Keys must come in
// increasing order.
func (c *recordCursor) at(key string, d *ObjectDiff) (*ObjectRecord, error) {
	if c.cur == nil && !c.done {
		if err := c.advance(d); err != nil {
			return nil, err
		}
	}
	for c.cur != nil && c.cur.Key < key {
		if err := c.advance(d); err != nil {
			return nil, err
		}
	}
	if c.cur == nil || c.cur.Key != key {
		return nil, nil
	}
	r := c.cur.Value
	return &r, nil
}

// rest passes over the records after the last listed key.
func (c *recordCursor) rest(d *ObjectDiff) error {
	for c.cur != nil || !c.done {
		if err := c.advance(d); err != nil {
			return err
		}
		if c.cur == nil && c.done {
			return nil
		}
	}
	return nil
}

func (d *ObjectDiff) classify(ctx context.Context, s providers.Object, t *providers.Object, rec *ObjectRecord, in DiffInput) error {
	d.SourceObjects++
	d.SourceBytes += s.Size
	if s.StorageClass != "" {
		if d.Classes == nil {
			d.Classes = map[string]bool{}
		}
		d.Classes[s.StorageClass] = true
	}
	if in.Skip[s.Key] {
		d.Skipped = append(d.Skipped, s.Key)
		return nil
	}
	if archived[s.StorageClass] {
		d.Archived = append(d.Archived, s.Key)
		return nil
	}
	if rec != nil && rec.State != ItemDone && t != nil {
		// A write of this key was recorded but not confirmed (a crash, a
		// failed or lost call). Whose is the object there? rehome's if it
		// is what that write was putting there (it landed: record it, do
		// not rewrite it; the version is known even if the source changed
		// since) or still the write rehome left before; anyone else's
		// otherwise — writes are atomic.
		h := rec.holds(*t, in.BySize)
		if (h == unproven || h == heldLeft) && rec.writingSource(s) {
			// The source is still what the write was putting (or the
			// record predates versions): its content decides.
			same, _, err := SameContent(ctx, in.Src, in.Dst, in.SrcBucket, in.DstBucket, s.Key)
			if err != nil {
				return err
			}
			if same {
				h = heldLanded
			}
		}
		switch h {
		case heldLanded:
			if rec.writingSource(s) {
				// It is also the source's current version: record it.
				d.Adopt = append(d.Adopt, CopyItem{Src: s, Dst: t, Rec: rec})
				return nil
			}
			// The source changed again since: copy the new version over
			// rehome's landed write (which the new intent keeps as Left).
			adopted := *rec
			adopted.State, adopted.Left, adopted.Writing = ItemDone, VersionOf(*t), nil
			rec = &adopted
		case heldLeft:
			// rehome's earlier write is still there: copy over it.
		default:
			if !rec.Backup {
				rec = nil
			}
		}
	}
	if t != nil && SameObject(s, *t, rec) {
		same := true
		if rec == nil && !in.BySize && !sameByDigest(s, *t) {
			// Only size and time match a foreign object: in checksum mode
			// that is not enough to call it the source's content.
			var err error
			if same, _, err = SameContent(ctx, in.Src, in.Dst, in.SrcBucket, in.DstBucket, s.Key); err != nil {
				return err
			}
		}
		if same {
			d.Unchanged++
			d.UnchangedBytes += s.Size
			return nil
		}
	}
	item := CopyItem{Src: s, Dst: t, Rec: rec}
	if t != nil && !rec.owns(t, in.BySize) {
		if !in.Overwrite {
			d.Conflicts = append(d.Conflicts, s.Key)
			return nil
		}
		item.Replace = true
		d.Replaced = append(d.Replaced, s.Key)
	}
	d.Copy = append(d.Copy, item)
	d.CopyBytes += s.Size
	return nil
}

// sameByDigest reports whether the listings' checksums prove equal content.
func sameByDigest(s, t providers.Object) bool {
	if s.SHA256 != "" && t.SHA256 != "" {
		return s.SHA256 == t.SHA256
	}
	return s.ETag != "" && s.ETag == t.ETag && !strings.Contains(s.ETag, "-")
}

// SameContent reads an object on both sides and compares SHA-256 digests;
// it also returns the source's digest.
func SameContent(ctx context.Context, src, dst providers.Storage, srcBucket, dstBucket, key string) (bool, string, error) {
	a, err := Digest(ctx, src, srcBucket, key)
	if err != nil {
		return false, "", err
	}
	b, err := Digest(ctx, dst, dstBucket, key)
	if err != nil {
		return false, "", err
	}
	return a == b, a, nil
}

// Digest reads an object and returns its SHA-256, lower-case hex.
func Digest(ctx context.Context, s providers.Storage, bucket, key string) (string, error) {
	rc, _, err := s.Get(ctx, bucket, key)
	if err != nil {
		return "", fmt.Errorf("read %s/%s: %w", bucket, key, err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxio.Reader(ctx, rc)); err != nil {
		return "", fmt.Errorf("read %s/%s: %w", bucket, key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SameObject reports whether the destination object t already holds the
// source object s, without reading either: rehome's own record of the copy,
// matching checksums, or matching size and modification time (rclone's
// default) decide.
func SameObject(s, t providers.Object, rec *ObjectRecord) bool {
	if s.Size != t.Size {
		return false
	}
	if rec != nil {
		if rec.State != ItemDone {
			return false // a write was in flight: it is resolved by content
		}
		if rec.SrcSize == s.Size && rec.SrcETag == s.ETag &&
			(rec.SrcMTime == s.ModTime.UnixNano() || (s.ETag != "" && !strings.Contains(s.ETag, "-"))) {
			// rehome copied this very version (same time, or same content
			// hash); it is in place if nobody changed the destination since.
			return rec.Unchanged(t)
		}
		// The source changed since rehome copied it (a rewrite within the
		// same second still changes the nanosecond time).
		return false
	}
	if s.SHA256 != "" && t.SHA256 != "" {
		return s.SHA256 == t.SHA256
	}
	if s.ETag != "" && s.ETag == t.ETag && !strings.Contains(s.ETag, "-") {
		return true
	}
	return !s.ModTime.IsZero() && s.ModTime.Unix() == t.ModTime.Unix()
}

// FileKeyProblems returns the keys that cannot be files in a directory tree:
// bad path segments, or a key that is also a "folder" of another key.
func FileKeyProblems(keys []string) []string {
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	bad := map[string]bool{}
	for _, k := range keys {
		if !validFileKey(k) {
			bad[k] = true
			continue
		}
		for i := 0; i < len(k); i++ {
			if k[i] == '/' && set[k[:i]] {
				bad[k] = true
				bad[k[:i]] = true
			}
		}
	}
	var out []string
	for _, k := range keys {
		if bad[k] {
			out = append(out, k)
		}
	}
	return out
}

func validFileKey(k string) bool {
	if k == "" || strings.HasPrefix(k, "/") || strings.HasSuffix(k, "/") || strings.ContainsRune(k, 0) {
		return false
	}
	for _, seg := range strings.Split(k, "/") {
		// 255 bytes is the file-name limit of every common file system.
		if seg == "" || seg == "." || seg == ".." || len(seg) > 255 {
			return false
		}
	}
	return true
}

// unreadable notes a source entry the store cannot read.
func (d *ObjectDiff) unreadable(s providers.Object) {
	d.Unreadable = append(d.Unreadable, s.Key+": "+s.Unreadable)
	if strings.HasSuffix(s.Key, "/") {
		d.unreadableDirs = append(d.unreadableDirs, s.Key)
	}
}

// belowUnreadable reports whether key lies under a source folder that
// could not be listed.
func (d *ObjectDiff) belowUnreadable(key string) bool {
	for _, p := range d.unreadableDirs {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
