package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// UndoStep names the rollback step of a secrets move: all its secrets at
// one destination, undone together.
func (Mover) UndoStep(g exec.UndoGroup) exec.UndoStep {
	u := g.Newest().Undo
	return exec.UndoStep{Address: u.Move + ".secrets",
		Description: fmt.Sprintf("delete the secrets rehome created at %s, and restore earlier versions of those it replaced where the store keeps them", u.To.Env)}
}

// Undo deletes the secrets rehome created and restores earlier versions of
// those it replaced where the store keeps them; secrets someone changed
// since rehome wrote them are kept.
func (Mover) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	dst, err := u.Dest()
	if err != nil {
		return state.Result{}, err
	}
	ds, err := planner.Capability[providers.Secrets](dst, what)
	if err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[SecretRecord](ctx, u.Records(), u.Undo().Scope)
	if err != nil {
		return state.Result{}, err
	}
	metas, err := ds.ListSecrets(ctx)
	if err != nil {
		return state.Result{}, fmt.Errorf("list secrets at %s: %w", dst.Name, err)
	}
	curVer := map[string]string{}
	for _, m := range metas {
		curVer[m.Name] = m.Version
	}
	key, err := DigestKey(ctx, u.Records())
	if err != nil {
		return state.Result{}, err
	}
	names := make([]string, 0, len(recs))
	for n := range recs {
		names = append(names, n)
	}
	sort.Strings(names)
	var del, lost, kept []string
	var res state.Result
	for _, n := range names {
		r := recs[n]
		ver, exists := curVer[n]
		if !exists {
			continue // gone already
		}
		cur, err := ds.GetSecret(ctx, n)
		if errors.Is(err, providers.ErrNotFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("read destination secret %q: %w", n, err)
		}
		mine := r.Holds(ver, Digest(key, cur.Value))
		if !mine && r.State != ItemDone && r.Digest == "" && r.WritingDigest == "" {
			// A write begun before digests were kept: the source's value
			// decides whether it landed.
			if mine, err = sourceHolds(ctx, u, n, cur.Value); err != nil {
				return res, err
			}
		}
		switch {
		case !mine && r.State == ItemDone:
			kept = append(kept, n) // changed since rehome wrote it
		case !mine:
			// never written: nothing to undo
		case r.Created:
			del = append(del, n)
		case r.PrevVersion != "":
			v, ok := dst.Provider.(providers.SecretVersioner)
			if !ok {
				lost = append(lost, n)
				continue
			}
			if err := v.RestoreSecretVersion(ctx, n, r.PrevVersion); err != nil {
				return res, fmt.Errorf("restore secret %q at %s: %w", n, dst.Name, err)
			}
			res.Restored++
		default:
			lost = append(lost, n)
		}
	}
	var notes []string
	if len(kept) > 0 {
		notes = append(notes, fmt.Sprintf("kept %v at %s: changed since rehome wrote them", kept, dst.Name))
	}
	if len(del) > 0 {
		err := u.Caller.Do(ctx, "delete secrets", func(ctx context.Context, _ int) error { return ds.DeleteSecrets(ctx, del) })
		if err != nil {
			return res, fmt.Errorf("delete secrets at %s: %w", dst.Name, err)
		}
		res.Deleted += int64(len(del))
	}
	if len(lost) > 0 {
		notes = append(notes, fmt.Sprintf("cannot restore the earlier values of %v at %s (no versions kept); left as rehome wrote them", lost, dst.Name))
	}
	u.Note = strings.Join(notes, "; ")
	return res, nil
}

// sourceHolds reports whether the source's secret name holds value (false
// when the source lacks it). Values stay in memory.
func sourceHolds(ctx context.Context, u *exec.UndoRun, name string, value []byte) (bool, error) {
	src, err := u.Source()
	if err != nil {
		return false, err
	}
	ss, err := planner.Capability[providers.Secrets](src, what)
	if err != nil {
		return false, err
	}
	a, err := ss.GetSecret(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read source secret %q: %w", name, err)
	}
	return bytes.Equal(a.Value, value), nil
}
