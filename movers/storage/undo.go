package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// UndoStep names a rollback step of the storage kind: a bucket's create,
// or its objects (the copy and its cutover sync together).
func (Mover) UndoStep(g exec.UndoGroup) exec.UndoStep {
	st := exec.DefaultUndoStep(g)
	u := g.Newest().Undo
	if u.Type == typeObjects {
		var p objectsParams
		if planner.DecodeParams(g.Newest().Address, u.Params, &p) == nil {
			st.Address = fmt.Sprintf("%s.objects[%q]", u.Move, p.SrcBucket)
		}
	}
	return st
}

// Undo reverses a storage step.
func (Mover) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	switch u.Undo().Type {
	case typeBucket:
		return undoBucket(ctx, u)
	case typeObjects:
		return undoObjects(ctx, u)
	}
	return state.Result{}, fmt.Errorf("storage has no action type %q to undo", u.Undo().Type)
}

func destStorage(u *exec.UndoRun) (*planner.Env, providers.Storage, error) {
	dst, err := u.Dest()
	if err != nil {
		return nil, nil, err
	}
	ds, err := planner.Capability[providers.Storage](dst, what)
	return dst, ds, err
}

// undoBucket deletes a bucket rehome created, once it is empty; it keeps
// one that holds anything rehome did not write.
func undoBucket(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	if !u.Created() {
		u.KeepContainer("bucket")
		return state.Result{}, nil
	}
	var p bucketParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, ds, err := destStorage(u)
	if err != nil {
		return state.Result{}, err
	}
	err = u.Caller.Do(ctx, fmt.Sprintf("delete bucket %q", p.Bucket), func(ctx context.Context, _ int) error {
		return ds.DeleteBucket(ctx, p.Bucket)
	})
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return state.Result{}, nil // gone already: an earlier, interrupted rollback deleted it
	case errors.Is(err, providers.ErrNotEmpty):
		return state.Result{}, fmt.Errorf("bucket %q at %s holds objects rehome did not write; left in place", p.Bucket, dst.Name)
	case err != nil:
		return state.Result{}, fmt.Errorf("delete bucket %q at %s: %w", p.Bucket, dst.Name, err)
	}
	return state.Result{Deleted: 1}, nil
}

// undoObjects deletes the objects rehome created and restores those it
// replaced, leaving alone every object someone changed since rehome wrote
// it (and keeping the original's backup when it cannot be restored).
func undoObjects(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	var p objectsParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, ds, err := destStorage(u)
	if err != nil {
		return state.Result{}, err
	}
	scope, bySize := u.Undo().Scope, p.Verify == VerifySize
	recs, err := planner.LoadRecords[ObjectRecord](ctx, u.Records(), scope)
	if err != nil || len(recs) == 0 {
		return state.Result{}, err
	}
	// What is there now, to leave alone whatever changed since rehome.
	cur := map[string]providers.Object{}
	for o, err := range ds.Objects(ctx, p.DstBucket) {
		if errors.Is(err, providers.ErrNotFound) {
			break // the bucket is gone already
		}
		if err != nil {
			return state.Result{}, fmt.Errorf("list %s at %s: %w", p.DstBucket, dst.Name, err)
		}
		cur[o.Key] = o
	}
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var res state.Result
	var kept, keptOriginals []string
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rec := recs[k]
		if rec.Upload != nil {
			if err := abortUpload(ctx, u, ds, p.DstBucket, k, rec.Upload.ID); err != nil {
				return res, err
			}
		}
		if rec.Untouched || !(rec.Created || rec.Backup) {
			continue // never rehome's
		}
		now, present := cur[k]
		mine := !present
		if present {
			switch rec.holds(now, bySize) {
			case heldLeft, heldLanded:
				mine = true
			case unproven:
				if mine, err = sourceContent(ctx, u, p, k, rec); err != nil {
					return res, err
				}
			}
		}
		switch {
		case !mine && rec.Backup:
			// Someone wrote the key after rehome replaced it (or rehome's
			// write never landed and the original still stands): keep it,
			// and keep the original's backup for the user to decide.
			if rec.State == ItemDone || present && !rec.isOriginal(now) {
				keptOriginals = append(keptOriginals, k)
			}
		case !mine:
			kept = append(kept, k)
		case rec.Backup:
			rc, err := u.Backups().OpenBackup(ctx, scope, k)
			if errors.Is(err, os.ErrNotExist) {
				continue // interrupted before the backup, so before the write
			}
			if err != nil {
				return res, fmt.Errorf("restore %s/%s: open backup: %w", p.DstBucket, k, err)
			}
			_, err = ds.Put(ctx, p.DstBucket, rec.prevObject(k), rc)
			rc.Close()
			if err != nil {
				return res, fmt.Errorf("restore %s/%s: %w", p.DstBucket, k, err)
			}
			res.Restored++
		case present:
			err := u.Caller.Do(ctx, fmt.Sprintf("delete object %q", k), func(ctx context.Context, _ int) error {
				return ds.Delete(ctx, p.DstBucket, k)
			})
			if err != nil && !errors.Is(err, providers.ErrNotFound) {
				return res, fmt.Errorf("delete %s/%s: %w", p.DstBucket, k, err)
			}
			res.Deleted++
		}
	}
	if len(kept) > 0 {
		u.Note = fmt.Sprintf("kept %d object(s) changed at %s since rehome wrote them: %v", len(kept), dst.Name, head(kept, 5))
	}
	if len(keptOriginals) > 0 {
		// Not done: the originals rehome replaced stay in the state's
		// backups until the user decides (restore the key, or state rm).
		return res, fmt.Errorf("%d object(s) rehome replaced at %s were changed since, so their originals were not restored over the change: %v; "+
			"the originals stay in the state's backups (forget them with `rehome state rm %s`)", len(keptOriginals), dst.Name, head(keptOriginals, 5), u.Group.Oldest().Address)
	}
	return res, nil
}

// sourceContent reports whether the destination object at key holds the
// source's content, where the source still is the version rec's write was
// putting; false when the source object is gone or moved on.
func sourceContent(ctx context.Context, u *exec.UndoRun, p objectsParams, key string, rec ObjectRecord) (bool, error) {
	src, err := u.Source()
	if err != nil {
		return false, err
	}
	ss, err := planner.Capability[providers.Storage](src, what)
	if err != nil {
		return false, err
	}
	if rec.Writing != nil {
		s, err := ss.Head(ctx, p.SrcBucket, key)
		if errors.Is(err, providers.ErrNotFound) || (err == nil && !rec.writingSource(s)) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	_, ds, err := destStorage(u)
	if err != nil {
		return false, err
	}
	same, _, err := SameContent(ctx, ss, ds, p.SrcBucket, p.DstBucket, key)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	return same, err
}

// abortUpload aborts a multipart upload an interrupted copy left, so none
// is left to bill; one already gone is fine.
func abortUpload(ctx context.Context, u *exec.UndoRun, ds providers.Storage, bucket, key, id string) error {
	mw, ok := ds.(providers.MultipartWriter)
	if !ok {
		return nil
	}
	err := u.Caller.Do(ctx, fmt.Sprintf("abort the upload at %q", key), func(ctx context.Context, _ int) error {
		return mw.AbortUpload(ctx, bucket, key, id)
	})
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return fmt.Errorf("abort the multipart upload at %s/%s: %w", bucket, key, err)
	}
	return nil
}
