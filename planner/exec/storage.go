package exec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

func (r *actionRun) createBucket(ctx context.Context) (state.Result, error) {
	dst, err := r.env(r.a.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	name := r.a.To.Name
	err = dst.Storage().CreateBucket(ctx, providers.Bucket{Name: name})
	created := err == nil
	if errors.Is(err, providers.ErrExists) {
		r.x.o.Sink.Event(Event{Type: EvMessage, Op: r.op, Address: r.a.Address,
			Message: fmt.Sprintf("bucket %q appeared at %s since the plan; using it, and rollback will not delete it", name, r.a.To.Env)})
		err = nil
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("create bucket %q at %s: %w", name, r.a.To.Env, err)
	}
	// Result.Created records in the journal entry itself that rehome
	// created the bucket, which is what rollback goes by.
	return state.Result{Created: created}, r.setResource(ctx, state.Resource{Address: r.a.Address, Kind: string(r.a.Kind), Type: "bucket",
		Env: r.a.To.Env, Name: name, Created: created, Attrs: map[string]string{"id": r.a.To.ID}})
}

// copyObjects copies (or, at cutover, re-syncs) one bucket.
func (r *actionRun) copyObjects(ctx context.Context) (state.Result, error) {
	a := r.a
	src, dst, err := r.sides()
	if err != nil {
		return state.Result{}, err
	}
	srcBucket, dstBucket, scope := a.Params["src_bucket"], a.Params["dst_bucket"], a.Params["scope"]
	ss, ds := src.Storage(), dst.Storage()
	if pc, ok := ds.(providers.PartialCleaner); ok {
		n, err := pc.CleanPartial(ctx, dstBucket)
		if err != nil {
			return state.Result{}, fmt.Errorf("clean partial uploads in %s/%s: %w", a.To.Env, dstBucket, err)
		}
		if n > 0 {
			r.x.o.Sink.Event(Event{Type: EvMessage, Op: r.op, Address: a.Address,
				Message: fmt.Sprintf("removed %d partial upload(s) left by an interrupted run", n)})
		}
	}
	recs, err := planner.LoadRecords[planner.ObjectRecord](ctx, r.x.o.Progress, scope)
	if err != nil {
		return state.Result{}, err
	}
	buckets, err := ds.Buckets(ctx)
	if err != nil {
		return state.Result{}, fmt.Errorf("list buckets at %s: %w", a.To.Env, err)
	}
	exists := false
	for _, b := range buckets {
		exists = exists || b.Name == dstBucket
	}
	if !exists {
		return state.Result{}, fmt.Errorf("destination bucket %q does not exist at %s", dstBucket, a.To.Env)
	}
	skip := map[string]bool{}
	for _, k := range a.Skipped {
		skip[k] = true
	}
	d, err := planner.DiffObjects(ctx, planner.ObjectDiffInput{Src: ss, Dst: ds, SrcBucket: srcBucket, DstBucket: dstBucket,
		DstExists: true, DstCaps: dst.Factory.Caps.Storage, Records: recs, Overwrite: a.Params["overwrite"] == "true", Verify: a.Params["verify"], Skip: skip})
	if err != nil {
		return state.Result{}, err
	}
	res := state.Result{Skipped: d.Unchanged}
	total, totalBytes := int64(len(d.Copy)), d.CopyBytes
	r.progress(total, totalBytes)

	// Intent records, durable before any write: whether each key held an
	// object before rehome (so rollback deletes or restores the right ones).
	intents := map[string]any{}
	for _, it := range d.Copy {
		intents[it.Src.Key] = intentRecord(it)
		if len(intents) >= 10000 {
			if err := r.x.o.Progress.PutMany(ctx, scope, intents); err != nil {
				return res, err
			}
			clear(intents)
		}
	}
	if len(intents) > 0 {
		if err := r.x.o.Progress.PutMany(ctx, scope, intents); err != nil {
			return res, err
		}
	}
	fl := newFlusher(ctx, r.x.o.Progress, scope)
	// Objects an interrupted run wrote without recording them: they hold
	// the source's content (checked by the diff), so they are recorded as
	// rehome's, not written again.
	for _, it := range d.Adopt {
		rec := *it.Rec
		rec.State = planner.ItemDone
		rec.SrcSize, rec.SrcMTime, rec.SrcETag = it.Src.Size, it.Src.ModTime.UnixNano(), it.Src.ETag
		if w := rec.Writing; w != nil {
			rec.SrcSize, rec.SrcMTime, rec.SrcETag = w.Size, w.MTime, w.ETag // the version it wrote
		}
		rec.SetLeft(*it.Dst)
		fl.put(it.Src.Key, rec)
		res.Skipped++
	}
	c := &copier{r: r, src: ss, dst: ds, srcBucket: srcBucket, dstBucket: dstBucket, scope: scope,
		verify: a.Params["verify"], done: fl}
	items := make(chan planner.CopyItem)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for i := 0; i < r.x.o.Parallelism; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				wrote, err := c.one(ctx, it)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, fmt.Errorf("object %q: %w", it.Src.Key, err))
				case wrote:
					res.Copied++
					res.Bytes += it.Src.Size
				default:
					res.Skipped++
				}
				mu.Unlock()
				r.done.Add(1)
				r.bytes.Add(it.Src.Size)
				r.progress(total, totalBytes)
			}
		}()
	}
feed:
	for _, it := range d.Copy {
		select {
		case items <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(items)
	wg.Wait()
	if err := fl.Close(); err != nil {
		return res, fmt.Errorf("record progress: %w", err)
	}
	if pc, ok := ds.(providers.PartialCleaner); ok {
		_, _ = pc.CleanPartial(context.WithoutCancel(ctx), dstBucket) // tidy: no temp folders left behind
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted after %d of %d objects: %w", res.Copied, total, err)
	}
	// Remove rehome's copies of objects gone from the source, so the
	// destination mirrors it; foreign objects are never in this list.
	for _, key := range d.Orphans {
		// Only if it is still what rehome left: someone may have written
		// the key during the copy.
		rec := recOf(recs, key)
		if now, err := ds.Head(ctx, dstBucket, key); err != nil || !(planner.OwnsObject(rec, &now) || rec.Landed(now, a.Params["verify"] == "size")) {
			if err != nil && !errors.Is(err, providers.ErrNotFound) {
				errs = append(errs, fmt.Errorf("check %q before removing it: %w", key, err))
			}
			continue
		}
		if err := ds.Delete(ctx, dstBucket, key); err != nil {
			errs = append(errs, fmt.Errorf("remove %q (gone from the source): %w", key, err))
			continue
		}
		if err := r.x.o.Progress.Delete(ctx, scope, key); err != nil {
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
	err = r.setResource(ctx, state.Resource{Address: a.Move + fmt.Sprintf(".objects[%q]", srcBucket), Kind: string(a.Kind), Type: "objects",
		Env: a.To.Env, Name: dstBucket, Created: true,
		Attrs: map[string]string{"source": a.From.Env + "/" + srcBucket, "objects": strconv.FormatInt(d.SourceObjects-int64(len(d.Skipped)), 10)}})
	return res, err
}

func head[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

type copier struct {
	r                    *actionRun
	src, dst             providers.Storage
	srcBucket, dstBucket string
	scope                string
	verify               string
	done                 *flusher
}

// intentRecord is the record made durable before rehome writes a key.
// For a key rehome owns it keeps what it knew (the first pre-image, the
// backup, what rehome last left there) and only marks the write
// unconfirmed; for any other key it says whether an object stood there.
// Backup is set only once the backup of a replaced object is durable.
func intentRecord(it planner.CopyItem) planner.ObjectRecord {
	var rec planner.ObjectRecord
	switch {
	case planner.OwnsObject(it.Rec, it.Dst):
		rec = *it.Rec
	case it.Rec != nil && it.Rec.Backup:
		// rehome replaced an original here once and keeps its backup:
		// that stays the first pre-image, whatever stands there now.
		rec = *it.Rec
		rec.Left = nil
	default:
		rec = planner.ObjectRecord{Created: it.Dst == nil}
	}
	rec.State, rec.Writing = planner.ItemWriting, planner.Version(it.Src)
	return rec
}

// one copies one object. It reports whether it wrote the destination (false
// when the destination already held the content).
func (c *copier) one(ctx context.Context, it planner.CopyItem) (bool, error) {
	key := it.Src.Key
	rec := intentRecord(it) // as made durable before the copy began
	foreign := it.Dst != nil && !planner.OwnsObject(it.Rec, it.Dst)
	// A destination object of the same size may already be the content: a
	// copy interrupted after its write, or a pre-existing identical object.
	// Check by content rather than writing again.
	if it.Dst != nil && it.Dst.Size == it.Src.Size {
		same, sum, err := c.sameContent(ctx, key)
		if err != nil {
			return false, err
		}
		if same {
			if foreign && !rec.Backup {
				rec = planner.ObjectRecord{Untouched: true}
			}
			rec.State = planner.ItemDone
			rec.SrcSize, rec.SrcMTime, rec.SrcETag, rec.SHA256 = it.Src.Size, it.Src.ModTime.UnixNano(), it.Src.ETag, sum
			rec.SetLeft(*it.Dst)
			c.done.put(key, rec)
			return false, nil
		}
	}
	if foreign {
		if !it.Replace {
			return false, fmt.Errorf("destination object exists and is not rehome's; not overwriting")
		}
		if !rec.Backup { // the first pre-image is kept
			if err := c.backup(ctx, key, &rec); err != nil {
				return false, err
			}
		}
	}
	rc, obj, err := c.src.Get(ctx, c.srcBucket, key)
	if err != nil {
		return false, fmt.Errorf("read source: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	put := obj
	put.Key = key
	var stored providers.Object
	if cp, ok := c.dst.(providers.ConditionalPutter); ok && it.Dst == nil {
		// The key was empty when diffed: never replace what someone may
		// have written there since.
		stored, err = cp.PutIfAbsent(ctx, c.dstBucket, put, io.TeeReader(rc, h))
		if errors.Is(err, providers.ErrExists) {
			// Not rehome's: drop the intent, so nothing claims it.
			if derr := c.r.x.o.Progress.Delete(ctx, c.scope, key); derr != nil {
				return false, derr
			}
			return false, fmt.Errorf("an object appeared at the destination since the diff; not replacing it (plan again)")
		}
	} else {
		stored, err = c.dst.Put(ctx, c.dstBucket, put, io.TeeReader(rc, h))
	}
	if err != nil {
		return false, fmt.Errorf("write destination: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := c.check(ctx, key, obj.Size, sum, stored); err != nil {
		return true, err
	}
	rec.State = planner.ItemDone
	rec.SrcSize, rec.SrcMTime, rec.SrcETag, rec.SHA256 = obj.Size, obj.ModTime.UnixNano(), obj.ETag, sum
	rec.SetLeft(stored)
	c.done.put(key, rec)
	return true, nil
}

// backup saves the foreign object at key in the state's backups with all
// its attributes, and records that durably, before it is replaced. It
// always reads what is there now: a backup left by an interrupted run was
// taken from the same object (the replacing write comes after the record),
// and a key rehome wrote but someone changed since is backed up as changed.
func (c *copier) backup(ctx context.Context, key string, rec *planner.ObjectRecord) error {
	rc, prev, err := c.dst.Get(ctx, c.dstBucket, key)
	if err != nil {
		return fmt.Errorf("read destination object for backup: %w", err)
	}
	_, err = c.r.x.o.Store.WriteBackup(ctx, c.scope, key, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("back up destination object: %w", err)
	}
	rec.Created, rec.Backup, rec.Untouched = false, true, false
	rec.PrevSize, rec.PrevModTime, rec.PrevContentType, rec.PrevCacheControl = prev.Size, prev.ModTime.UnixNano(), prev.ContentType, prev.CacheControl
	rec.PrevMetadata, rec.PrevTags = prev.Metadata, prev.Tags
	return c.r.x.o.Progress.Put(ctx, c.scope, key, *rec)
}

// check verifies a written object: size always, SHA-256 in checksum mode
// (reading the destination back when the store did not report a digest).
func (c *copier) check(ctx context.Context, key string, size int64, sum string, stored providers.Object) error {
	if stored.Size != size {
		return fmt.Errorf("verify: destination has %d bytes, source %d", stored.Size, size)
	}
	if c.verify == "size" {
		return nil
	}
	got := stored.SHA256
	if got == "" {
		var err error
		if got, err = planner.Digest(ctx, c.dst, c.dstBucket, key); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	if got != sum {
		return fmt.Errorf("verify: destination SHA-256 %s differs from source %s", got, sum)
	}
	return nil
}

func (c *copier) sameContent(ctx context.Context, key string) (bool, string, error) {
	return planner.SameContent(ctx, c.src, c.dst, c.srcBucket, c.dstBucket, key)
}

// flusher records finished items in batches, so a copy of many small
// objects does not pay one transaction per object. Items finished but not
// yet flushed when the process dies are checked by content on the next run
// (never rewritten when they match).
type flusher struct {
	ch   chan flushItem
	errc chan error
}

type flushItem struct {
	key string
	rec planner.ObjectRecord
}

func newFlusher(ctx context.Context, p *state.Progress, scope string) *flusher {
	f := &flusher{ch: make(chan flushItem, 256), errc: make(chan error, 1)}
	// Flushes survive Ctrl-C: finished items are recorded on the way out.
	ctx = context.WithoutCancel(ctx)
	go func() {
		var firstErr error
		batch := map[string]any{}
		flush := func() {
			if len(batch) == 0 {
				return
			}
			if err := p.PutMany(ctx, scope, batch); err != nil && firstErr == nil {
				firstErr = err
			}
			batch = map[string]any{}
		}
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case it, ok := <-f.ch:
				if !ok {
					flush()
					f.errc <- firstErr
					return
				}
				batch[it.key] = it.rec
				if len(batch) >= 512 {
					flush()
				}
			case <-t.C:
				flush()
			}
		}
	}()
	return f
}

func (f *flusher) put(key string, rec planner.ObjectRecord) { f.ch <- flushItem{key, rec} }

// Close flushes what is pending and reports the first error.
func (f *flusher) Close() error {
	close(f.ch)
	return <-f.errc
}

func recOf(recs map[string]planner.ObjectRecord, key string) *planner.ObjectRecord {
	if r, ok := recs[key]; ok {
		return &r
	}
	return nil
}
