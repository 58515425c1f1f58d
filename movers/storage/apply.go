package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

var _ movers.Mover = Mover{}

// Apply carries out a storage action: a bucket's create, or its copy (the
// cutover's sync is the same copy, run again).
func (Mover) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	switch r.Action.Type {
	case typeBucket:
		return createBucket(ctx, r)
	case typeObjects:
		return copyObjects(ctx, r)
	}
	return state.Result{}, fmt.Errorf("storage has no action type %q", r.Action.Type)
}

func createBucket(ctx context.Context, r *exec.Run) (state.Result, error) {
	var p bucketParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, err := r.Env(r.Action.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	ds, err := planner.Capability[providers.Storage](dst, what)
	if err != nil {
		return state.Result{}, err
	}
	return r.CreateContainer(ctx, fmt.Sprintf("bucket %q", p.Bucket), func(ctx context.Context) error {
		return ds.CreateBucket(ctx, providers.Bucket{Name: p.Bucket})
	})
}

// copyObjects copies (or, at cutover, re-syncs) one bucket: it diffs the
// two sides again, as the plan did, and acts on what stands now.
func copyObjects(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p objectsParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, dst, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	ss, ds, err := sides(src, dst)
	if err != nil {
		return state.Result{}, err
	}
	r.Caller.T = transfer.NewThrottle(transfer.Limits{BytesPerSecond: p.BytesPerSecond, RequestsPerSecond: p.RequestsPerSecond})
	scope, bySize := a.Scope, p.Verify == VerifySize
	if pc, ok := ds.(providers.PartialCleaner); ok {
		n, err := pc.CleanPartial(ctx, p.DstBucket)
		if err != nil {
			return state.Result{}, fmt.Errorf("clean partial uploads in %s/%s: %w", a.To.Env, p.DstBucket, err)
		}
		if n > 0 {
			r.Message("removed %d partial upload(s) left by an interrupted run", n)
		}
	}
	recs, err := planner.LoadRecords[ObjectRecord](ctx, r.Records(), scope)
	if err != nil {
		return state.Result{}, err
	}
	var buckets []providers.Bucket
	err = r.Caller.Do(ctx, "list buckets", func(ctx context.Context, _ int) error {
		var err error
		buckets, err = ds.Buckets(ctx)
		return err
	})
	if err != nil {
		return state.Result{}, fmt.Errorf("list buckets at %s: %w", a.To.Env, err)
	}
	if !slices.ContainsFunc(buckets, func(b providers.Bucket) bool { return b.Name == p.DstBucket }) {
		return state.Result{}, fmt.Errorf("destination bucket %q does not exist at %s", p.DstBucket, a.To.Env)
	}
	skip := map[string]bool{}
	for _, k := range a.Skipped {
		skip[k] = true
	}
	d, err := Diff(ctx, DiffInput{Src: ss, Dst: ds, SrcBucket: p.SrcBucket, DstBucket: p.DstBucket, DstExists: true,
		DstCaps: dst.Factory.Caps.Storage, Records: recs, Overwrite: p.Overwrite, BySize: bySize, Skip: skip})
	if err != nil {
		return state.Result{}, err
	}
	res := state.Result{AlreadyDone: d.Unchanged}
	total := int64(len(d.Copy))
	prog := r.Progress(total, d.CopyBytes)
	prog.Start()

	// Intent records, durable before any write: whether each key held an
	// object before rehome (so rollback deletes or restores the right ones).
	intents := map[string]any{}
	for _, it := range d.Copy {
		intents[it.Src.Key] = intentRecord(it, bySize)
		if len(intents) >= 10000 {
			if err := r.Records().PutMany(ctx, scope, intents); err != nil {
				return res, err
			}
			clear(intents)
		}
	}
	if len(intents) > 0 {
		if err := r.Records().PutMany(ctx, scope, intents); err != nil {
			return res, err
		}
	}
	rec := r.Recorder(ctx, scope)
	// Objects an interrupted run wrote without recording them: they hold
	// the source's content (checked by the diff), so they are recorded as
	// rehome's, not written again.
	for _, it := range d.Adopt {
		or := *it.Rec
		or.State = ItemDone
		or.SrcSize, or.SrcMTime, or.SrcETag = it.Src.Size, it.Src.ModTime.UnixNano(), it.Src.ETag
		if w := or.Writing; w != nil {
			or.SrcSize, or.SrcMTime, or.SrcETag = w.Size, w.MTime, w.ETag // the version it wrote
		}
		or.setLeft(*it.Dst)
		rec.Put(it.Src.Key, or)
		res.AlreadyDone++
	}
	c := &copier{r: r, src: ss, dst: ds, p: p, scope: scope, done: rec}
	var mu sync.Mutex
	errs := transfer.Each(ctx, r.Workers(), slices.Values(d.Copy), func(ctx context.Context, it CopyItem) error {
		var wrote bool
		// One record across the attempts: a backup the first attempt made
		// durable is the original's, and a retry must not take another
		// (by then rehome's own write may stand there).
		rec := intentRecord(it, bySize) // as made durable before the copy began
		err := r.Caller.Do(ctx, fmt.Sprintf("copy object %q", it.Src.Key), func(ctx context.Context, attempt int) error {
			var err error
			wrote, err = c.one(ctx, it, &rec, attempt)
			return err
		})
		mu.Lock()
		switch {
		case err != nil:
		case wrote:
			res.Copied++
			res.Bytes += it.Src.Size
		default:
			res.AlreadyDone++
		}
		mu.Unlock()
		prog.Add(1, it.Src.Size)
		if err != nil {
			return fmt.Errorf("object %q: %w", it.Src.Key, err)
		}
		return nil
	})
	if err := rec.Close(); err != nil {
		return res, fmt.Errorf("record progress: %w", err)
	}
	if pc, ok := ds.(providers.PartialCleaner); ok {
		_, _ = pc.CleanPartial(context.WithoutCancel(ctx), p.DstBucket) // tidy: no temp folders left behind
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted after %d of %d objects: %w", res.Copied, total, err)
	}
	// Remove rehome's copies of objects gone from the source, so the
	// destination mirrors it; foreign objects are never in this list.
	for _, key := range d.Orphans {
		// Only if it is still what rehome left: someone may have written
		// the key during the copy.
		or := recOf(recs, key)
		var now providers.Object
		err := r.Caller.Do(ctx, fmt.Sprintf("check object %q", key), func(ctx context.Context, _ int) error {
			var err error
			now, err = ds.Head(ctx, p.DstBucket, key)
			return err
		})
		if err != nil || !or.owns(&now, bySize) {
			if err != nil && !errors.Is(err, providers.ErrNotFound) {
				errs = append(errs, fmt.Errorf("check %q before removing it: %w", key, err))
			}
			continue
		}
		err = r.Caller.Do(ctx, fmt.Sprintf("remove object %q", key), func(ctx context.Context, _ int) error {
			return ds.Delete(ctx, p.DstBucket, key)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("remove %q (gone from the source): %w", key, err))
			continue
		}
		if err := r.Records().Delete(ctx, scope, key); err != nil {
			return res, err
		}
		res.Deleted++
	}
	if len(d.Conflicts) > 0 {
		errs = append(errs, fmt.Errorf("%d destination object(s) changed since the plan and are not rehome's; left untouched: %v",
			len(d.Conflicts), head(d.Conflicts, 5)))
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("%d of %d objects failed: %w", len(errs), total, errors.Join(head(errs, 10)...))
	}
	err = r.SetResource(ctx, state.Resource{Address: a.Move + fmt.Sprintf(".objects[%q]", p.SrcBucket), Type: typeObjects,
		Env: a.To.Env, Name: p.DstBucket, Created: true,
		Attrs: map[string]string{"source": a.From.Env + "/" + p.SrcBucket, "objects": strconv.FormatInt(d.SourceObjects-int64(len(d.Skipped)), 10)}})
	return res, err
}

func head[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

func recOf(recs map[string]ObjectRecord, key string) *ObjectRecord {
	if r, ok := recs[key]; ok {
		return &r
	}
	return nil
}

type copier struct {
	r        *exec.Run
	src, dst providers.Storage
	p        objectsParams
	scope    string
	done     *exec.Recorder
}

// intentRecord is the record made durable before rehome writes a key.
// For a key rehome owns it keeps what it knew (the first pre-image, the
// backup, what rehome last left there) and only marks the write
// unconfirmed; for any other key it says whether an object stood there.
// Backup is set only once the backup of a replaced object is durable.
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
	}
	rec.State, rec.Writing = ItemWriting, VersionOf(it.Src)
	return rec
}

// one copies one object; rec is the key's record, which it updates, and
// attempt counts the tries of this copy. It reports whether it wrote the
// destination (false when the destination already held the content).
func (c *copier) one(ctx context.Context, it CopyItem, rec *ObjectRecord, attempt int) (bool, error) {
	key := it.Src.Key
	bySize := c.p.Verify == VerifySize
	foreign := it.Dst != nil && !it.Rec.owns(it.Dst, bySize)
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
			rec.State = ItemDone
			rec.SrcSize, rec.SrcMTime, rec.SrcETag, rec.SHA256 = it.Src.Size, it.Src.ModTime.UnixNano(), it.Src.ETag, sum
			rec.setLeft(*it.Dst)
			c.done.Put(key, *rec)
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
	rc, obj, err := c.src.Get(ctx, c.p.SrcBucket, key)
	if err != nil {
		return false, fmt.Errorf("read source: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	body := io.TeeReader(c.r.Caller.T.Reader(ctx, rc), h)
	put := obj
	put.Key = key
	var stored providers.Object
	if cp, ok := c.dst.(providers.ConditionalPutter); ok && it.Dst == nil {
		// The key was empty when diffed: never replace what someone may
		// have written there since.
		stored, err = cp.PutIfAbsent(ctx, c.p.DstBucket, put, body)
		if errors.Is(err, providers.ErrExists) {
			if attempt > 1 {
				// The earlier attempt's response was lost: it may be
				// rehome's own write that landed. The content decides.
				same, sum, cerr := SameContent(ctx, c.src, c.dst, c.p.SrcBucket, c.p.DstBucket, key)
				if cerr != nil {
					return false, cerr
				}
				if now, herr := c.dst.Head(ctx, c.p.DstBucket, key); same && herr == nil {
					rec.State = ItemDone
					rec.SrcSize, rec.SrcMTime, rec.SrcETag, rec.SHA256 = obj.Size, obj.ModTime.UnixNano(), obj.ETag, sum
					rec.setLeft(now)
					c.done.Put(key, *rec)
					return true, nil
				}
			}
			// Not rehome's: drop the intent, so nothing claims it.
			if derr := c.r.Records().Delete(ctx, c.scope, key); derr != nil {
				return false, derr
			}
			return false, fmt.Errorf("an object appeared at the destination since the diff; not replacing it (plan again)")
		}
	} else {
		stored, err = c.dst.Put(ctx, c.p.DstBucket, put, body)
	}
	if err != nil {
		return false, fmt.Errorf("write destination: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := c.check(ctx, key, obj.Size, sum, stored); err != nil {
		return true, err
	}
	rec.State = ItemDone
	rec.SrcSize, rec.SrcMTime, rec.SrcETag, rec.SHA256 = obj.Size, obj.ModTime.UnixNano(), obj.ETag, sum
	rec.setLeft(stored)
	c.done.Put(key, *rec)
	return true, nil
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
	rec.PrevSize, rec.PrevModTime, rec.PrevContentType, rec.PrevCacheControl = prev.Size, prev.ModTime.UnixNano(), prev.ContentType, prev.CacheControl
	rec.PrevMetadata, rec.PrevTags = prev.Metadata, prev.Tags
	return c.r.Records().Put(ctx, c.scope, key, *rec)
}

// check verifies a written object: size always, SHA-256 in checksum mode
// (reading the destination back when the store did not report a digest).
func (c *copier) check(ctx context.Context, key string, size int64, sum string, stored providers.Object) error {
	if stored.Size != size {
		return fmt.Errorf("verify: destination has %d bytes, source %d", stored.Size, size)
	}
	if c.p.Verify == VerifySize {
		return nil
	}
	got := stored.SHA256
	if got == "" {
		var err error
		if got, err = Digest(ctx, c.dst, c.p.DstBucket, key); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	if got != sum {
		return fmt.Errorf("verify: destination SHA-256 %s differs from source %s", got, sum)
	}
	return nil
}
