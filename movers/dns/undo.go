package dns

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// UndoStep names a rollback step of the dns kind: a zone's create, the
// lowered source TTLs, or a zone's record sets (the copy and its cutover
// sync together).
func (Mover) UndoStep(g exec.UndoGroup) exec.UndoStep {
	st := exec.DefaultUndoStep(g)
	u := g.Newest().Undo
	if u.Type == typeRecords {
		var p recordsParams
		if planner.DecodeParams(g.Newest().Address, u.Params, &p) == nil {
			st.Address = fmt.Sprintf("%s.records[%q]", u.Move, p.Zone)
		}
	}
	return st
}

// Undo reverses a dns step.
func (Mover) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	switch u.Undo().Type {
	case typeZone:
		return undoZone(ctx, u)
	case typeRecords:
		return undoRecords(ctx, u)
	case typeTTL:
		return undoTTL(ctx, u)
	case typeDS, typeDelegation, typeVerify:
		// Registrar steps are the operator's; the plan's undo text says
		// what to put back there. rehome changed nothing to restore.
		return state.Result{}, nil
	}
	return state.Result{}, fmt.Errorf("dns has no action type %q to undo", u.Undo().Type)
}

// undoZone deletes a zone rehome created, unless it holds record sets
// rehome did not write.
func undoZone(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	if !u.Created() {
		u.KeepContainer("zone")
		return state.Result{}, nil
	}
	dst, err := u.Dest()
	if err != nil {
		return state.Result{}, err
	}
	dd, err := dnsOf(dst)
	if err != nil {
		return state.Result{}, err
	}
	fq := Fqdn(u.Undo().To.Name)
	sets, err := records(ctx, u.Caller, dd, fq)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, nil // gone already: an earlier, interrupted rollback deleted it
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", fq, dst.Name, err)
	}
	var foreign []string
	for _, rs := range sets {
		if !IsApexOwn(fq, rs) {
			foreign = append(foreign, rs.Key())
		}
	}
	if len(foreign) > 0 {
		return state.Result{}, fmt.Errorf("zone %s at %s holds record sets rehome did not write (%v); left in place", fq, dst.Name, head(foreign, 5))
	}
	err = u.Caller.Do(ctx, "delete zone "+fq, func(ctx context.Context, _ int) error { return dd.DeleteZone(ctx, fq) })
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, fmt.Errorf("delete zone %s at %s: %w", fq, dst.Name, err)
	}
	return state.Result{Deleted: 1}, nil
}

// restoreSets makes each recorded set equal its pre-image again (absent
// when it had none), touching only sets that differ and that are still
// rehome's (owns); a set someone else has changed since is left alone.
func restoreSets(current []providers.RecordSet, want map[string]*providers.RecordSet, owns func(key string, cur providers.RecordSet) bool) []providers.RecordChange {
	cur := map[string]providers.RecordSet{}
	for _, rs := range current {
		cur[rs.Key()] = rs
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []providers.RecordChange
	for _, k := range keys {
		old := want[k]
		c, has := cur[k]
		if has && !owns(k, c) {
			continue
		}
		switch {
		case old == nil && has:
			cc := c
			out = append(out, providers.RecordChange{Op: providers.ChangeDelete, Old: &cc})
		case old != nil && !has:
			out = append(out, providers.RecordChange{Op: providers.ChangeCreate, New: old})
		case old != nil && !c.Equal(*old):
			cc := c
			out = append(out, providers.RecordChange{Op: providers.ChangeUpdate, Old: &cc, New: old})
		}
	}
	return out
}

// undoRecords restores the record sets rehome changed and deletes those it
// created, where they still hold what rehome wrote.
func undoRecords(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	var p recordsParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, err := u.Dest()
	if err != nil {
		return state.Result{}, err
	}
	dd, err := dnsOf(dst)
	if err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[SetRecord](ctx, u.Records(), u.Undo().Scope)
	if err != nil {
		return state.Result{}, err
	}
	want := map[string]*providers.RecordSet{}
	for k, r := range recs {
		want[k] = r.Old
	}
	owns := func(k string, cur providers.RecordSet) bool { r := recs[k]; return r.Owns(cur) }
	return applyRestore(ctx, u.Caller, dd, Fqdn(p.Zone), dst.Name, want, owns)
}

func applyRestore(ctx context.Context, c *transfer.Caller, d providers.DNS, fq, env string, want map[string]*providers.RecordSet,
	owns func(string, providers.RecordSet) bool) (state.Result, error) {
	if len(want) == 0 {
		return state.Result{}, nil
	}
	sets, err := records(ctx, c, d, fq)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, nil // the zone is gone: nothing to restore in it
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", fq, env, err)
	}
	changes := restoreSets(sets, want, owns)
	if len(changes) == 0 {
		return state.Result{}, nil
	}
	if err := d.ApplyRecords(ctx, fq, changes); err != nil {
		return state.Result{}, fmt.Errorf("restore %d record set(s) in %s at %s: %w", len(changes), fq, env, err)
	}
	var res state.Result
	for _, c := range changes {
		if c.Op == providers.ChangeDelete {
			res.Deleted++
		} else {
			res.Restored++
		}
	}
	return res, nil
}

// undoTTL puts back the source TTLs rehome lowered, where the lowered TTL
// still stands (a TTL someone changed since is theirs).
func undoTTL(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	var p ttlParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, err := u.Source()
	if err != nil {
		return state.Result{}, err
	}
	sd, err := dnsOf(src)
	if err != nil {
		return state.Result{}, err
	}
	fq := Fqdn(p.Zone)
	recs, err := planner.LoadRecords[TTLRecord](ctx, u.Records(), u.Undo().Scope)
	if err != nil {
		return state.Result{}, err
	}
	sets, err := records(ctx, u.Caller, sd, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", fq, src.Name, err)
	}
	// Restore only the TTL: values changed at the source since are kept.
	want := map[string]*providers.RecordSet{}
	for _, rs := range sets {
		if r, ok := recs[rs.Key()]; ok && rs.TTL != r.Set.TTL && rs.TTL == p.TTL {
			w := rs
			w.TTL = r.Set.TTL
			want[rs.Key()] = &w
		}
	}
	// Only TTLs are restored, and only on sets still holding the lowered
	// TTL and the values seen now (want was built from them).
	res, err := applyRestore(ctx, u.Caller, sd, fq, src.Name, want, func(string, providers.RecordSet) bool { return true })
	if err != nil {
		return res, err
	}
	// The serial goes back too where the zone is again exactly as it was
	// (a zone someone changed since keeps its newer serial).
	if sr, ok := sd.(providers.SerialRestorer); ok {
		var rec SerialRecord
		found, err := u.Records().Get(ctx, SerialScope(u.Undo().Scope), "soa", &rec)
		if err != nil {
			return res, err
		}
		if found {
			restored, err := sr.RestoreSerial(ctx, fq, rec.Serial, rec.Digest)
			if err != nil {
				return res, fmt.Errorf("restore the serial of %s at %s: %w", fq, src.Name, err)
			}
			if !restored {
				u.Note = fmt.Sprintf("the serial of %s stays as it is: the zone changed since rehome lowered its TTLs", fq)
			}
		}
	}
	return res, nil
}
