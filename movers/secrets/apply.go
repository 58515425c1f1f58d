package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Apply writes the action's secrets: one for a prepare action, every
// selected one (its Items) at cutover. It diffs them again, as the plan
// did, and acts on what stands now: values are read from the source just
// before the write and never leave memory; only names, versions and keyed
// digests are recorded.
func (Mover) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p params
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	names := a.Items
	switch a.Type {
	case typeSecret:
		names = []string{p.Name}
		if p.Remove {
			src, dst, err := r.Sides()
			if err != nil {
				return state.Result{}, err
			}
			ss, ds, err := sides(src, dst)
			if err != nil {
				return state.Result{}, err
			}
			if _, err := ss.GetSecret(ctx, p.Name); err == nil {
				return state.Result{}, fmt.Errorf("secret %q is at %s again since the plan; not removing it (plan again)", p.Name, a.From.Env)
			} else if !errors.Is(err, providers.ErrNotFound) {
				return state.Result{}, fmt.Errorf("check source secret %q: %w", p.Name, err)
			}
			return removeGone(ctx, r, ds, p.Name)
		}
	case typeAll:
	default:
		return state.Result{}, fmt.Errorf("secrets has no action type %q", a.Type)
	}
	src, dst, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	ss, ds, err := sides(src, dst)
	if err != nil {
		return state.Result{}, err
	}
	ss = withRename(ss, invert(p.Sources))
	skip := map[string]bool{}
	for _, n := range a.Skipped {
		skip[n] = true
	}
	var want []string
	for _, n := range names {
		if !skip[n] {
			want = append(want, n)
		}
	}
	var removed state.Result
	if a.Type == typeAll {
		// The final pass also removes what rehome created and the source
		// lost since the copy.
		if removed, err = removeAllGone(ctx, r, ss, ds); err != nil {
			return removed, err
		}
	}
	if len(want) == 0 {
		return removed, nil
	}
	recs, err := planner.LoadRecords[SecretRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	k, err := r.Once("secrets/digest-key", func() (any, error) { return EnsureDigestKey(ctx, r.Records()) })
	if err != nil {
		return state.Result{}, err
	}
	key := k.([]byte)
	var d *SecretDiff
	err = r.Caller.Do(ctx, "compare secrets", func(ctx context.Context, _ int) error {
		var err error
		d, err = Diff(ctx, DiffInput{Src: ss, Dst: ds, Names: want, Records: recs, DigestKey: key, Overwrite: p.Overwrite})
		return err
	})
	if err != nil {
		return state.Result{}, err
	}
	defer d.forget()
	res := state.Result{AlreadyDone: int64(len(d.Unchanged)), Deleted: removed.Deleted}
	var errs []error
	for _, n := range d.Conflicts {
		errs = append(errs, fmt.Errorf("secret %q exists at %s with another value and is not rehome's; not overwriting", n, a.To.Env))
	}
	for _, ch := range d.Changes {
		rec := recs[ch.Name]
		if ch.Confirm {
			// An interrupted write that landed: confirm it.
			rec.State, rec.WrittenVersion = ItemDone, ch.DstVersion
			rec.Digest, rec.WritingDigest = Digest(key, ch.value), ""
			if err := r.Records().Put(ctx, a.Scope, ch.Name, rec); err != nil {
				return res, err
			}
			res.AlreadyDone++
			continue
		}
		// A foreign secret is replaced only where the plan said so: one
		// that appeared since the plan was made may be unversioned, and
		// its loss would be irreversible and unreviewed.
		if ch.Replace && a.Type == typeSecret && !p.Replace {
			errs = append(errs, fmt.Errorf("secret %q appeared at %s since the plan; not replacing it without a new plan", ch.Name, a.To.Env))
			continue
		}
		if ch.Landed {
			// The write under way landed (its response was lost): it is
			// rehome's confirmed write now, before a new one starts.
			rec.State, rec.WrittenVersion = ItemDone, ch.DstVersion
			rec.Digest, rec.WritingDigest = rec.WritingDigest, ""
		}
		// Durable before the write: for a foreign or absent secret, whether
		// one stood there and its version; for rehome's own, that a new
		// write is under way (its first pre-image kept).
		if ch.Create || ch.Replace {
			rec = SecretRecord{Created: ch.Create, PrevVersion: ch.DstVersion}
		}
		rec.State, rec.WritingDigest = ItemWriting, Digest(key, ch.value)
		if err := r.Records().Put(ctx, a.Scope, ch.Name, rec); err != nil {
			return res, err
		}
		var versions map[string]string
		err := r.Caller.Do(ctx, fmt.Sprintf("write secret %q", ch.Name), func(ctx context.Context, _ int) error {
			var err error
			versions, err = ds.PutSecrets(ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: ch.Name}, Value: ch.value}})
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("write secret %q at %s: %w", ch.Name, a.To.Env, err))
			continue
		}
		var got providers.Secret
		err = r.Caller.Do(ctx, fmt.Sprintf("read back secret %q", ch.Name), func(ctx context.Context, _ int) error {
			var err error
			got, err = ds.GetSecret(ctx, ch.Name)
			return err
		})
		if err != nil || !bytes.Equal(got.Value, ch.value) {
			why := "it holds another value"
			if err != nil {
				why = "it cannot be read back: " + err.Error()
			}
			errs = append(errs, fmt.Errorf("verify: secret %q at %s does not hold the source's value (%s)", ch.Name, a.To.Env, why))
			continue
		}
		rec.State, rec.WrittenVersion = ItemDone, versions[ch.Name]
		rec.Digest, rec.WritingDigest = rec.WritingDigest, ""
		if err := r.Records().Put(ctx, a.Scope, ch.Name, rec); err != nil {
			return res, err
		}
		res.Copied++
		if err := r.SetResource(ctx, state.Resource{Address: a.Move + fmt.Sprintf(".secret[%q]", ch.Name), Type: typeSecret,
			Env: a.To.Env, Name: ch.Name, Created: rec.Created, Changed: !rec.Created}); err != nil {
			return res, err
		}
	}
	return res, errors.Join(errs...)
}

// removeAllGone removes every secret rehome created at the destination
// whose source secret is gone.
func removeAllGone(ctx context.Context, r *exec.Run, ss, ds providers.Secrets) (state.Result, error) {
	recs, err := planner.LoadRecords[SecretRecord](ctx, r.Records(), r.Action.Scope)
	if err != nil {
		return state.Result{}, err
	}
	metas, err := ss.ListSecrets(ctx)
	if err != nil {
		return state.Result{}, fmt.Errorf("list source secrets: %w", err)
	}
	inSource := map[string]bool{}
	for _, m := range metas {
		inSource[m.Name] = true
	}
	var res state.Result
	var errs []error
	for _, n := range slices.Sorted(maps.Keys(recs)) {
		if rec := recs[n]; inSource[n] || !rec.Created || rec.State != ItemDone {
			continue
		}
		one, err := removeGone(ctx, r, ds, n)
		res.Deleted += one.Deleted
		if err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// removeGone deletes secret name at the destination ds if rehome created
// it and it still holds rehome's write (the caller checked that the
// source has lost it); a secret someone changed since is theirs and kept,
// with a note.
func removeGone(ctx context.Context, r *exec.Run, ds providers.Secrets, name string) (state.Result, error) {
	a := r.Action
	var rec SecretRecord
	ok, err := r.Records().Get(ctx, a.Scope, name, &rec)
	if err != nil {
		return state.Result{}, err
	}
	if !ok || !rec.Created {
		return state.Result{}, nil // not rehome's creation: never removed
	}
	k, err := r.Once("secrets/digest-key", func() (any, error) { return EnsureDigestKey(ctx, r.Records()) })
	if err != nil {
		return state.Result{}, err
	}
	cur, err := ds.GetSecret(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{AlreadyDone: 1}, forgetSecret(ctx, r, name)
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("read destination secret %q: %w", name, err)
	}
	if !rec.Holds(cur.Version, Digest(k.([]byte), cur.Value)) {
		r.Message("kept secret %q at %s: it changed since rehome wrote it", name, a.To.Env)
		return state.Result{}, nil
	}
	err = r.Caller.Do(ctx, fmt.Sprintf("delete secret %q", name), func(ctx context.Context, _ int) error {
		return ds.DeleteSecrets(ctx, []string{name})
	})
	if err != nil {
		return state.Result{}, fmt.Errorf("delete secret %q at %s: %w", name, a.To.Env, err)
	}
	return state.Result{Deleted: 1}, forgetSecret(ctx, r, name)
}

// forgetSecret drops rehome's record and state resource of a secret it
// removed: nothing of it is left to undo.
func forgetSecret(ctx context.Context, r *exec.Run, name string) error {
	if err := r.Records().Delete(ctx, r.Action.Scope, name); err != nil {
		return err
	}
	return r.RemoveResource(ctx, r.Action.Move+fmt.Sprintf(".secret[%q]", name))
}
