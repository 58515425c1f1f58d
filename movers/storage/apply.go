package storage

import (
	"context"
	"errors"
	"fmt"
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
	recs := planner.StreamRecords[ObjectRecord](ctx, r.Records(), scope)
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
		DstCaps: dst.Factory.Caps.Storage, Records: recs, Overwrite: p.Overwrite, BySize: bySize, Skip: skip,
		Prefix: p.Prefix, Extra: p.DeleteExtra, Caller: r.Caller})
	if err != nil {
		return state.Result{}, err
	}
	if n := len(d.Extra); n > 0 && overThreshold(n, d.Unchanged+int64(len(d.Copy))+int64(n)) && !r.Force() {
		// Checked before anything is written, as octoDNS checks its
		// thresholds before it changes a zone.
		return state.Result{}, fmt.Errorf("delete_extra would remove %d of the %d objects at %s/%s (more than %d%%), e.g. %v; "+
			"check the source is the one meant, and cut over with -force to remove them", n,
			d.Unchanged+int64(len(d.Copy))+int64(n), a.To.Env, p.DstBucket, thresholdPercent, head(keysOf(d.Extra), 5))
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
	var durable func(context.Context) error
	if bw, ok := ds.(providers.BatchWriter); ok {
		durable = bw.Sync
	}
	rec := r.Recorder(ctx, scope, durable)
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
	c := newCopier(r, ss, ds, src.Factory.Caps.Storage, dst.Factory.Caps.Storage, p, scope, rec)
	if err := c.abortStale(ctx, d); err != nil {
		return res, err
	}
	workers := r.Workers()
	if p.Parallelism > 0 {
		workers = p.Parallelism
	}
	var mu sync.Mutex
	errs := transfer.Each(ctx, workers, slices.Values(d.Copy), func(ctx context.Context, it CopyItem) error {
		var wrote bool
		// One record across the attempts: a backup the first attempt made
		// durable is the original's, and a retry must not take another
		// (by then rehome's own write may stand there).
		rec := intentRecord(it, bySize) // as made durable before the copy began
		err := r.Caller.Do(ctx, fmt.Sprintf("copy object %q", it.Src.Key), func(ctx context.Context, attempt int) error {
			var err error
			wrote, err = c.one(ctx, &it, &rec, attempt)
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
		or := recOf(d.Later, key)
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
	for _, o := range d.Extra {
		if err := removeExtra(ctx, r, ds, p.DstBucket, scope, o); err != nil {
			errs = append(errs, fmt.Errorf("remove %q (not at the source; delete_extra): %w", o.Key, err))
			continue
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

// removeExtra removes a destination object the source lacks (delete_extra):
// its backup and attributes are made durable first, and the record says
// rehome removed it, so rollback puts it back (unless someone wrote the
// key since).
func removeExtra(ctx context.Context, r *exec.Run, ds providers.Storage, bucket, scope string, o providers.Object) error {
	rc, prev, err := ds.Get(ctx, bucket, o.Key)
	if errors.Is(err, providers.ErrNotFound) {
		return nil // gone already
	}
	if err != nil {
		return fmt.Errorf("read it for a backup: %w", err)
	}
	_, err = r.Backups().WriteBackup(ctx, scope, o.Key, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("back it up: %w", err)
	}
	rec := ObjectRecord{State: ItemWriting, Backup: true, Removed: true}
	rec.setPrev(prev)
	if err := r.Records().Put(ctx, scope, o.Key, rec); err != nil {
		return err
	}
	err = r.Caller.Do(ctx, fmt.Sprintf("remove object %q", o.Key), func(ctx context.Context, _ int) error {
		return ds.Delete(ctx, bucket, o.Key)
	})
	if err != nil {
		return err
	}
	rec.State = ItemDone
	return r.Records().Put(ctx, scope, o.Key, rec)
}
