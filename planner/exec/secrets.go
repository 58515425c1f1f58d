package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// copySecrets writes the named secrets (all selected ones when names is
// nil). Values are read from the source just before the write and never
// leave memory; only names and versions are recorded.
func (r *actionRun) copySecrets(ctx context.Context, names []string) (state.Result, error) {
	a := r.a
	src, dst, err := r.sides()
	if err != nil {
		return state.Result{}, err
	}
	scope := a.Params["scope"]
	recs, err := planner.LoadRecords[planner.SecretRecord](ctx, r.x.o.Progress, scope)
	if err != nil {
		return state.Result{}, err
	}
	overwrite := a.Params["overwrite"] == "true"
	if names == nil {
		// The cutover pass: every secret the move selects (the cutover
		// plans against a fresh discovery, so new ones are included).
		names = a.Items
	}
	skip := map[string]bool{}
	for _, n := range a.Skipped {
		skip[n] = true
	}
	dstMeta, err := dst.Secrets().ListSecrets(ctx)
	if err != nil {
		return state.Result{}, fmt.Errorf("list secrets at %s: %w", a.To.Env, err)
	}
	dstVer := map[string]string{}
	for _, m := range dstMeta {
		dstVer[m.Name] = m.Version
	}
	key, err := r.x.digestKey(ctx)
	if err != nil {
		return state.Result{}, err
	}
	res := state.Result{}
	var errs []error
	for _, name := range names {
		if skip[name] {
			continue
		}
		want, err := src.Secrets().GetSecret(ctx, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("read source secret %q: %w", name, err))
			continue
		}
		rec, has := recs[name]
		pending := has && rec.State != planner.ItemDone
		ver, exists := dstVer[name]
		ours := false
		if exists {
			cur, err := dst.Secrets().GetSecret(ctx, name)
			if err != nil && !errors.Is(err, providers.ErrNotFound) {
				errs = append(errs, fmt.Errorf("read destination secret %q: %w", name, err))
				continue
			}
			if err == nil && bytes.Equal(cur.Value, want.Value) {
				if pending {
					// An interrupted write that landed: confirm it.
					rec.State, rec.WrittenVersion = planner.ItemDone, ver
					rec.Digest, rec.WritingDigest = planner.SecretDigest(key, want.Value), ""
					if err := r.x.o.Progress.Put(ctx, scope, name, rec); err != nil {
						return res, err
					}
				}
				res.Skipped++
				continue
			}
			dig := planner.SecretDigest(key, cur.Value)
			// rehome's: its confirmed write still stands, or an
			// unconfirmed write landed (the source changed since).
			if has && rec.Landed(dig) {
				// The write under way landed (its response was lost): it is
				// rehome's confirmed write now, before a new one starts.
				rec.State, rec.WrittenVersion = planner.ItemDone, ver
				rec.Digest, rec.WritingDigest = rec.WritingDigest, ""
			}
			ours = has && rec.Owns(ver, dig)
			if !ours && !overwrite {
				errs = append(errs, fmt.Errorf("secret %q exists at %s with another value and is not rehome's; not overwriting", name, a.To.Env))
				continue
			}
			// A foreign secret is replaced only where the plan said so: one
			// that appeared since the plan was made may be unversioned, and
			// its loss would be irreversible and unreviewed.
			if !ours && a.Type == "secret" && a.Params["replace"] != "true" {
				errs = append(errs, fmt.Errorf("secret %q appeared at %s since the plan; not replacing it without a new plan", name, a.To.Env))
				continue
			}
		}
		// Durable before the write: for a foreign or absent secret, whether
		// one stood there and its version; for rehome's own, that a new
		// write is under way (its first pre-image kept).
		if !ours {
			rec = planner.SecretRecord{Created: !exists, PrevVersion: ver}
		}
		rec.State, rec.WritingDigest = planner.ItemWriting, planner.SecretDigest(key, want.Value)
		if err := r.x.o.Progress.Put(ctx, scope, name, rec); err != nil {
			return res, err
		}
		versions, err := dst.Secrets().PutSecrets(ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: name}, Value: want.Value}})
		if err != nil {
			errs = append(errs, fmt.Errorf("write secret %q at %s: %w", name, a.To.Env, err))
			continue
		}
		got, err := dst.Secrets().GetSecret(ctx, name)
		if err != nil || !bytes.Equal(got.Value, want.Value) {
			errs = append(errs, fmt.Errorf("verify: secret %q at %s does not hold the source's value", name, a.To.Env))
			continue
		}
		rec.State, rec.WrittenVersion = planner.ItemDone, versions[name]
		rec.Digest, rec.WritingDigest = rec.WritingDigest, ""
		if err := r.x.o.Progress.Put(ctx, scope, name, rec); err != nil {
			return res, err
		}
		res.Copied++
		addr := a.Move + fmt.Sprintf(".secret[%q]", name)
		if err := r.setResource(ctx, state.Resource{Address: addr, Kind: string(a.Kind), Type: "secret", Env: a.To.Env,
			Name: name, Created: rec.Created, Changed: !rec.Created}); err != nil {
			return res, err
		}
	}
	return res, errors.Join(errs...)
}
