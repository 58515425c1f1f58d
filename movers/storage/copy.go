package storage

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rehome/rehome/internal/ctxio"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/transfer"
)

// Copy strategies, chosen per object:
//   - server-side, where both ends are one store (S3 CopyObject): the
//     bytes never pass through rehome;
//   - in parts, for objects above the part size at a store taking
//     multipart uploads from a source that reads ranges: parts copied in
//     parallel, each streamed from a ranged read of the listed version
//     (If-Match) into its upload, no buffering;
//   - streamed, otherwise: one read into one write.
// Every byte read is hashed on the way: MD5 where the destination's ETags
// are content MD5s (its ETag of what it stored then verifies the copy),
// SHA-256 otherwise (compared with the digest the destination reports, or
// with a read-back).

// defaultPartSize is the part size of large objects.
const defaultPartSize = 64 << 20

// partWorkers bounds the parts of one object in flight.
const partWorkers = 4

// maxSourceRetries bounds how often a copy starts again because the source
// changed while it was read.
const maxSourceRetries = 3

type copier struct {
	r            *exec.Run
	src, dst     providers.Storage
	scaps, dcaps providers.StorageCaps
	p            objectsParams
	scope        string
	done         *exec.Recorder
	partSize     int64
}

func newCopier(r *exec.Run, src, dst providers.Storage, scaps, dcaps providers.StorageCaps, p objectsParams, scope string, done *exec.Recorder) *copier {
	ps := p.PartSize
	if ps <= 0 {
		ps = defaultPartSize
	}
	return &copier{r: r, src: src, dst: dst, scaps: scaps, dcaps: dcaps, p: p, scope: scope, done: done, partSize: ps}
}

// written is what one write left: the object the destination reports,
// the source version that was read, and rehome's digests of the bytes it
// read.
type written struct {
	stored, src providers.Object
	md5         string   // whole object, hex (streamed writes to an ETag-MD5 store)
	sha256      string   // whole object, hex (streamed writes elsewhere)
	parts       []string // per part MD5, hex (multipart writes)
	serverSide  bool
}

// nanos is a time as unix nanoseconds, 0 for none.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// intentRecord is the record made durable before rehome writes a key.
// For a key rehome owns it keeps what it knew (the first pre-image, the
// backup, what rehome last left there) and only marks the write
// unconfirmed; for any other key it says whether an object stood there.
// Backup is set only once the backup of a replaced object is durable. A
// multipart upload an earlier run left is kept, to resume or abort.
func intentRecord(it CopyItem, bySize bool) ObjectRecord {
	var rec ObjectRecord
	switch {
	case it.Rec.owns(it.Dst, bySize):
		rec = *it.Rec
	case it.Rec != nil && it.Rec.Backup:
		// rehome replaced an original here once and keeps its backup:
		// that stays the first pre-image, whatever stands there now.
		rec = *it.Rec
		rec.Left = nil
	default:
		rec = ObjectRecord{Created: it.Dst == nil}
		if it.Rec != nil {
			rec.Upload = it.Rec.Upload
		}
	}
	rec.State, rec.Writing, rec.Removed = ItemWriting, VersionOf(it.Src), false
	return rec
}

// one copies one object; rec is the key's record, which it updates, and
// attempt counts the tries of this copy. It reports whether it wrote the
// destination (false when the destination already held the content).
func (c *copier) one(ctx context.Context, it *CopyItem, rec *ObjectRecord, attempt int) (bool, error) {
	key := it.Src.Key
	bySize := c.p.Verify == VerifySize
	foreign := it.Dst != nil && !rec.owns(it.Dst, bySize)
	// A destination object of the same size may already be the content: a
	// copy interrupted after its write, or a pre-existing identical object.
	// Check by content rather than writing again.
	if it.Dst != nil && it.Dst.Size == it.Src.Size {
		same, sum, err := SameContent(ctx, c.src, c.dst, c.p.SrcBucket, c.p.DstBucket, key)
		if err != nil {
			return false, err
		}
		if same {
			if foreign && !rec.Backup {
				*rec = ObjectRecord{Untouched: true}
			}
			c.finish(rec, written{stored: *it.Dst, src: it.Src, sha256: sum})
			return attempt > 1, nil // on a retry, the earlier attempt's write landed
		}
	}
	if foreign {
		if !it.Replace {
			return false, fmt.Errorf("destination object exists and is not rehome's; not overwriting")
		}
		if !rec.Backup { // the first pre-image is kept
			if err := c.backup(ctx, key, rec); err != nil {
				return false, err
			}
		}
	}
	for tries := 1; ; tries++ {
		w, err := c.write(ctx, it, rec, attempt)
		if errors.Is(err, providers.ErrChanged) && tries < maxSourceRetries {
			// The source changed while it was read: copy the new version.
			now, herr := c.src.Head(ctx, c.p.SrcBucket, key)
			if herr != nil {
				return false, fmt.Errorf("source changed during the copy, and reading it again failed: %w", herr)
			}
			it.Src = now
			rec.Writing = VersionOf(now)
			if err := c.r.Records().Put(ctx, c.scope, key, *rec); err != nil {
				return false, err
			}
			continue
		}
		if err != nil {
			return false, err
		}
		if err := c.verify(ctx, key, w); err != nil {
			// What stands is rehome's write, but wrong: it stays rehome's
			// (durably), so a retry replaces it and rollback removes it.
			it.Dst, rec.Left = &w.stored, VersionOf(w.stored)
			if perr := c.r.Records().Put(ctx, c.scope, key, *rec); perr != nil {
				return true, errors.Join(err, perr)
			}
			return true, providers.Retryable(err)
		}
		c.finish(rec, w)
		return true, nil
	}
}

// finish records a verified write as done.
func (c *copier) finish(rec *ObjectRecord, w written) {
	rec.State, rec.Upload = ItemDone, nil
	rec.SrcSize, rec.SrcMTime, rec.SrcETag, rec.SHA256 = w.src.Size, nanos(w.src.ModTime), w.src.ETag, w.sha256
	rec.setLeft(w.stored)
	c.done.Put(w.src.Key, *rec)
}

// write copies it by the strategy that fits.
func (c *copier) write(ctx context.Context, it *CopyItem, rec *ObjectRecord, attempt int) (written, error) {
	ifAbsent := it.Dst == nil // the key was empty when diffed: never replace what someone wrote since
	if ssc, ok := c.dst.(providers.ServerSideCopier); ok && ssc.CanCopyFrom(c.src) {
		o := it.Src
		o.StorageClass = c.header(o).StorageClass
		stored, err := ssc.CopyFrom(ctx, c.src, c.p.SrcBucket, o, c.p.DstBucket, ifAbsent)
		if err != nil {
			if err = c.taken(ctx, it, rec, attempt, err); errors.Is(err, errLanded) {
				stored, err = c.dst.Head(ctx, c.p.DstBucket, it.Src.Key)
			}
			if err != nil {
				return written{}, err
			}
		}
		return written{stored: stored, src: it.Src, serverSide: true}, nil
	}
	_, multi := c.dst.(providers.MultipartWriter)
	_, ranges := c.src.(providers.RangeReader)
	if multi && ranges && it.Src.Size > c.partSize {
		return c.parts(ctx, it, rec, ifAbsent, attempt)
	}
	return c.stream(ctx, it, rec, ifAbsent, attempt)
}

// taken handles a write refused because the key is taken: on a retry the
// earlier attempt's write may have landed (its response was lost), which
// the content decides; otherwise someone else wrote the key since the
// diff, and the intent is dropped so nothing claims it.
func (c *copier) taken(ctx context.Context, it *CopyItem, rec *ObjectRecord, attempt int, err error) error {
	if !errors.Is(err, providers.ErrExists) {
		return fmt.Errorf("write destination: %w", err)
	}
	key := it.Src.Key
	if attempt > 1 {
		same, _, cerr := SameContent(ctx, c.src, c.dst, c.p.SrcBucket, c.p.DstBucket, key)
		if cerr != nil {
			return cerr
		}
		if same {
			return errLanded
		}
	}
	if derr := c.r.Records().Delete(ctx, c.scope, key); derr != nil {
		return derr
	}
	return fmt.Errorf("an object appeared at the destination since the diff; not replacing it (plan again)")
}

// errLanded: an earlier attempt's write is there (see taken); the caller
// records it as done without writing again.
var errLanded = errors.New("the earlier attempt's write landed")

// stream copies an object in one read and one write.
func (c *copier) stream(ctx context.Context, it *CopyItem, rec *ObjectRecord, ifAbsent bool, attempt int) (written, error) {
	key := it.Src.Key
	rc, obj, err := c.src.Get(ctx, c.p.SrcBucket, key)
	if err != nil {
		return written{}, fmt.Errorf("read source: %w", err)
	}
	defer rc.Close()
	d := c.digestsFor(obj)
	body := io.TeeReader(c.r.Caller.T.Reader(ctx, rc), d)
	put := c.header(obj)
	var stored providers.Object
	if bw, ok := c.dst.(providers.BatchWriter); ok {
		stored, err = bw.PutBatched(ctx, c.p.DstBucket, put, body, ifAbsent)
	} else if cp, ok := c.dst.(providers.ConditionalPutter); ok && ifAbsent {
		stored, err = cp.PutIfAbsent(ctx, c.p.DstBucket, put, body)
	} else {
		stored, err = c.dst.Put(ctx, c.p.DstBucket, put, body)
	}
	if err != nil {
		err = c.taken(ctx, it, rec, attempt, err)
		if errors.Is(err, errLanded) {
			// An earlier attempt's write is there: take its digests from
			// a read of what stands, checked against the source as usual.
			now, herr := c.dst.Head(ctx, c.p.DstBucket, key)
			if herr != nil {
				return written{}, herr
			}
			again := c.digestsFor(obj)
			if _, derr := c.readInto(ctx, c.dst, c.p.DstBucket, key, again); derr != nil {
				return written{}, derr
			}
			w := written{stored: now, src: obj}
			again.into(&w)
			return w, nil
		}
		return written{}, err
	}
	if n := d.n; n != obj.Size {
		return written{}, providers.Retryable(fmt.Errorf("read %d bytes of the source's %d", n, obj.Size))
	}
	if err := c.sourceStill(ctx, obj); err != nil {
		return written{}, err
	}
	w := written{stored: stored, src: obj}
	d.into(&w)
	return w, nil
}

// digests hashes the bytes a copy reads: MD5 where an ETag is a content
// MD5 to compare with (the destination's, or the source's), SHA-256 where
// a SHA-256 is (a store reporting one) or nothing else is.
type digests struct {
	md5, sha hash.Hash
	n        int64
}

func (c *copier) digestsFor(src providers.Object) *digests {
	d := &digests{}
	srcMD5 := c.scaps.ETagMD5 && !src.OpaqueETag && plainMD5(src.ETag)
	if c.dcaps.ETagMD5 || srcMD5 {
		d.md5 = md5.New()
	}
	if !c.dcaps.ETagMD5 || src.SHA256 != "" {
		d.sha = sha256.New()
	}
	return d
}

func (d *digests) Write(p []byte) (int, error) {
	if d.md5 != nil {
		d.md5.Write(p)
	}
	if d.sha != nil {
		d.sha.Write(p)
	}
	d.n += int64(len(p))
	return len(p), nil
}

func (d *digests) into(w *written) {
	if d.md5 != nil {
		w.md5 = hex.EncodeToString(d.md5.Sum(nil))
	}
	if d.sha != nil {
		w.sha256 = hex.EncodeToString(d.sha.Sum(nil))
	}
}

// readInto reads an object into w and returns its size.
func (c *copier) readInto(ctx context.Context, s providers.Storage, bucket, key string, w io.Writer) (int64, error) {
	rc, _, err := s.Get(ctx, bucket, key)
	if err != nil {
		return 0, fmt.Errorf("read %s/%s: %w", bucket, key, err)
	}
	defer rc.Close()
	n, err := io.Copy(w, ctxio.Reader(ctx, rc))
	if err != nil {
		return n, fmt.Errorf("read %s/%s: %w", bucket, key, err)
	}
	return n, nil
}

// header is the object to write: the source's headers, metadata and tags,
// and its storage class where the destination has it.
func (c *copier) header(obj providers.Object) providers.Object {
	put := obj
	put.ETag, put.SHA256 = "", ""
	if put.StorageClass != "" && !contains(c.dcaps.StorageClasses, put.StorageClass) {
		put.StorageClass = ""
	}
	return put
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// sourceStill checks, where a read can see a change in place, that the
// source is still the version that was read (ErrChanged otherwise).
func (c *copier) sourceStill(ctx context.Context, read providers.Object) error {
	if c.scaps.SnapshotReads {
		return nil
	}
	now, err := c.src.Head(ctx, c.p.SrcBucket, read.Key)
	if err != nil {
		return fmt.Errorf("check the source after reading it: %w", err)
	}
	if now.Size != read.Size || !now.ModTime.Equal(read.ModTime) || now.ETag != read.ETag {
		return fmt.Errorf("%s: %w", read.Key, providers.ErrChanged)
	}
	return nil
}

// parts copies a large object in parts, in parallel, each part streamed
// from a ranged read of the listed version. The upload is recorded before
// its first part and each part after it is stored, so a crash resumes it
// (or, if the source changed, aborts it) instead of leaving it to bill.
func (c *copier) parts(ctx context.Context, it *CopyItem, rec *ObjectRecord, ifAbsent bool, attempt int) (written, error) {
	mw := c.dst.(providers.MultipartWriter)
	rr := c.src.(providers.RangeReader)
	key, size := it.Src.Key, it.Src.Size
	minSize, maxParts := mw.PartLimits()
	partSize := max(c.partSize, minSize, (size+int64(maxParts)-1)/int64(maxParts))
	n := int((size + partSize - 1) / partSize)
	// The headers, metadata and tags come from the source object itself.
	hd, err := c.src.Head(ctx, c.p.SrcBucket, key)
	if err != nil {
		return written{}, fmt.Errorf("read source: %w", err)
	}
	if hd.ETag != it.Src.ETag || hd.Size != size {
		return written{}, fmt.Errorf("%s: %w", key, providers.ErrChanged)
	}
	if hd.Tags == nil && c.dcaps.Tags {
		if rc, full, err := c.src.Get(ctx, c.p.SrcBucket, key); err == nil {
			rc.Close()
			hd.Tags = full.Tags
		}
	}
	up := rec.Upload
	if up != nil && (up.PartSize != partSize || rec.Writing == nil || rec.Writing.ETag != it.Src.ETag) {
		// An upload of another version or shape: abort it, start afresh.
		if err := mw.AbortUpload(ctx, c.p.DstBucket, key, up.ID); err != nil {
			return written{}, fmt.Errorf("abort an earlier upload: %w", err)
		}
		up = nil
	}
	done := map[int]UploadedPart{}
	if up != nil {
		stored, err := mw.Parts(ctx, c.p.DstBucket, key, up.ID)
		switch {
		case errors.Is(err, providers.ErrNotFound):
			up = nil // gone (completed, aborted or expired): start afresh
		case err != nil:
			return written{}, fmt.Errorf("list the parts of an earlier upload: %w", err)
		default:
			have := map[int]providers.Part{}
			for _, p := range stored {
				have[p.Number] = p
			}
			for _, p := range up.Parts {
				if sp, ok := have[p.N]; ok && sp.Size == p.Size && sp.ETag == p.ETag {
					done[p.N] = p // stored and recorded alike: not sent again
				}
			}
		}
	}
	if up == nil {
		id, err := mw.CreateUpload(ctx, c.p.DstBucket, c.header(hd))
		if err != nil {
			return written{}, fmt.Errorf("start a multipart upload: %w", err)
		}
		up = &Upload{ID: id, PartSize: partSize}
	}
	up.Parts = up.Parts[:0]
	for _, p := range done {
		up.Parts = append(up.Parts, p)
	}
	rec.Upload = up
	if err := c.r.Records().Put(ctx, c.scope, key, *rec); err != nil {
		return written{}, err
	}
	var mu sync.Mutex
	record := func(p UploadedPart) error {
		mu.Lock()
		defer mu.Unlock()
		done[p.N] = p
		up.Parts = append(up.Parts, p)
		return c.r.Records().Put(context.WithoutCancel(ctx), c.scope, key, *rec)
	}
	var todo []int
	for i := 1; i <= n; i++ {
		if _, ok := done[i]; !ok {
			todo = append(todo, i)
		}
	}
	errs := transfer.Each(ctx, partWorkers, sliceSeq(todo), func(ctx context.Context, i int) error {
		off := int64(i-1) * partSize
		psize := min(partSize, size-off)
		return c.r.Caller.Do(ctx, fmt.Sprintf("copy part %d of %q", i, key), func(ctx context.Context, _ int) error {
			rc, err := rr.GetRange(ctx, c.p.SrcBucket, key, off, psize, it.Src.ETag)
			if err != nil {
				return err
			}
			defer rc.Close()
			h := md5.New()
			body := io.TeeReader(c.r.Caller.T.Reader(ctx, rc), h)
			p, err := mw.UploadPart(ctx, c.p.DstBucket, key, up.ID, i, psize, body)
			if err != nil {
				return err
			}
			sum := hex.EncodeToString(h.Sum(nil))
			if c.dcaps.ETagMD5 && p.ETag != sum {
				return providers.Retryable(fmt.Errorf("part %d of %q: the destination's ETag %s differs from %s, the MD5 of the bytes sent", i, key, p.ETag, sum))
			}
			return record(UploadedPart{N: i, Size: psize, MD5: sum, ETag: p.ETag})
		})
	})
	if len(errs) > 0 {
		if errors.Is(errs[0], providers.ErrChanged) {
			_ = mw.AbortUpload(context.WithoutCancel(ctx), c.p.DstBucket, key, up.ID)
			rec.Upload = nil
		}
		return written{}, errors.Join(errs...)
	}
	if err := c.sourceStill(ctx, it.Src); err != nil {
		// A file changed while its parts were read: the parts are of no
		// one version, so the upload goes.
		_ = mw.AbortUpload(context.WithoutCancel(ctx), c.p.DstBucket, key, up.ID)
		rec.Upload = nil
		return written{}, err
	}
	parts := make([]providers.Part, n)
	md5s := make([]string, n)
	for i := 1; i <= n; i++ {
		p := done[i]
		parts[i-1] = providers.Part{Number: i, Size: p.Size, ETag: p.ETag}
		md5s[i-1] = p.MD5
	}
	stored, err := mw.CompleteUpload(ctx, c.p.DstBucket, key, up.ID, parts, ifAbsent)
	if err != nil {
		if errors.Is(err, providers.ErrExists) {
			_ = mw.AbortUpload(context.WithoutCancel(ctx), c.p.DstBucket, key, up.ID)
		}
		err = c.taken(ctx, it, rec, attempt, err)
		if errors.Is(err, errLanded) {
			now, herr := c.dst.Head(ctx, c.p.DstBucket, key)
			if herr != nil {
				return written{}, herr
			}
			return written{stored: now, src: it.Src, parts: md5s}, nil
		}
		return written{}, err
	}
	if stored.Size == 0 {
		stored.Size = size
	}
	return written{stored: stored, src: it.Src, parts: md5s}, nil
}

func sliceSeq[T any](xs []T) func(func(T) bool) {
	return func(yield func(T) bool) {
		for _, x := range xs {
			if !yield(x) {
				return
			}
		}
	}
}

// compositeETag is S3's ETag of an object assembled from parts: the MD5
// of the parts' binary MD5s, then "-" and the number of parts.
func compositeETag(md5s []string) string {
	h := md5.New()
	for _, s := range md5s {
		b, _ := hex.DecodeString(s)
		h.Write(b)
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(md5s))
}

// plainMD5 reports whether an ETag is a content MD5 (32 hex digits).
func plainMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

// verify checks a write: the size always; in checksum mode, rehome's
// digest of the bytes it read against the source's own where the source
// has one (a content-MD5 ETag, a SHA-256), catching a corrupted read, and
// against one the destination computed over what it stored — the ETag of
// an ETag-MD5 store (composite for multipart), the SHA-256 a store
// reports, or else a read-back — catching a corrupted or truncated write.
// Never an echo of what rehome itself sent.
func (c *copier) verify(ctx context.Context, key string, w written) error {
	if w.stored.Size != w.src.Size {
		return fmt.Errorf("verify: destination has %d bytes, source %d", w.stored.Size, w.src.Size)
	}
	if c.p.Verify == VerifySize {
		return nil
	}
	mismatch := func(what, got, want string) error {
		return fmt.Errorf("verify: the %s %s differs from %s, rehome's over the bytes it read", what, got, want)
	}
	if w.serverSide {
		if c.scaps.ETagMD5 && plainMD5(w.src.ETag) && plainMD5(w.stored.ETag) && !w.src.OpaqueETag && !w.stored.OpaqueETag {
			if w.stored.ETag != w.src.ETag {
				return fmt.Errorf("verify: the copy's ETag %s differs from the source's %s", w.stored.ETag, w.src.ETag)
			}
			return nil
		}
		same, _, err := SameContent(ctx, c.src, c.dst, c.p.SrcBucket, c.p.DstBucket, key)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if !same {
			return errors.New("verify: the server-side copy's content differs from the source's")
		}
		return nil
	}
	// The read: the source's own digest, where it has one.
	if w.md5 != "" && c.scaps.ETagMD5 && !w.src.OpaqueETag && plainMD5(w.src.ETag) && w.md5 != w.src.ETag {
		return providers.Retryable(mismatch("source's ETag", w.src.ETag, w.md5))
	}
	if w.sha256 != "" && w.src.SHA256 != "" && w.sha256 != w.src.SHA256 {
		return providers.Retryable(mismatch("source's SHA-256", w.src.SHA256, w.sha256))
	}
	// The write: a digest the destination computed.
	etag := c.dcaps.ETagMD5 && !w.stored.OpaqueETag
	switch {
	case w.parts != nil && etag && strings.Contains(w.stored.ETag, "-"):
		if want := compositeETag(w.parts); w.stored.ETag != want {
			return mismatch("destination's ETag", w.stored.ETag, want)
		}
		return nil
	case w.md5 != "" && etag && plainMD5(w.stored.ETag):
		if w.stored.ETag != w.md5 {
			return mismatch("destination's ETag", w.stored.ETag, w.md5)
		}
		return nil
	case w.sha256 != "" && w.stored.SHA256 != "":
		if w.stored.SHA256 != w.sha256 {
			return mismatch("destination's SHA-256", w.stored.SHA256, w.sha256)
		}
		return nil
	}
	// Nothing the destination computed to compare: read it back.
	if w.md5 == "" && w.sha256 == "" { // multipart without composite ETags
		same, _, err := SameContent(ctx, c.src, c.dst, c.p.SrcBucket, c.p.DstBucket, key)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if !same {
			return errors.New("verify: the destination's content differs from the source's")
		}
		return nil
	}
	back := &digests{}
	if w.md5 != "" {
		back.md5 = md5.New()
	} else {
		back.sha = sha256.New()
	}
	if _, err := c.readInto(ctx, c.dst, c.p.DstBucket, key, back); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	var got written
	back.into(&got)
	if w.md5 != "" && got.md5 != w.md5 {
		return mismatch("destination's MD5 (read back)", got.md5, w.md5)
	}
	if w.md5 == "" && got.sha256 != w.sha256 {
		return mismatch("destination's SHA-256 (read back)", got.sha256, w.sha256)
	}
	return nil
}

// backup saves the foreign object at key in the state's backups with all
// its attributes, and records that durably, before it is replaced. It
// always reads what is there now: a backup left by an interrupted run was
// taken from the same object (the replacing write comes after the record),
// and a key rehome wrote but someone changed since is backed up as changed.
func (c *copier) backup(ctx context.Context, key string, rec *ObjectRecord) error {
	rc, prev, err := c.dst.Get(ctx, c.p.DstBucket, key)
	if err != nil {
		return fmt.Errorf("read destination object for backup: %w", err)
	}
	_, err = c.r.Backups().WriteBackup(ctx, c.scope, key, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("back up destination object: %w", err)
	}
	rec.Created, rec.Backup, rec.Untouched = false, true, false
	rec.setPrev(prev)
	return c.r.Records().Put(ctx, c.scope, key, *rec)
}

// abortStale aborts the multipart uploads earlier runs left at keys this
// copy will not write (the object is in place now, or gone from the
// source), and forgets them.
func (c *copier) abortStale(ctx context.Context, d *ObjectDiff) error {
	mw, ok := c.dst.(providers.MultipartWriter)
	if !ok {
		return nil
	}
	copying := make(map[string]bool, len(d.Copy))
	for _, it := range d.Copy {
		copying[it.Src.Key] = true
	}
	for key, rec := range d.Later {
		if rec.Upload == nil || copying[key] {
			continue
		}
		if err := mw.AbortUpload(ctx, c.p.DstBucket, key, rec.Upload.ID); err != nil {
			return fmt.Errorf("abort the upload an earlier run left at %q: %w", key, err)
		}
		rec.Upload = nil
		if err := c.r.Records().Put(ctx, c.scope, key, rec); err != nil {
			return err
		}
	}
	return nil
}
