package exec

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

func (r *actionRun) createZone(ctx context.Context) (state.Result, error) {
	dst, err := r.env(r.a.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	zone := r.a.To.Name
	_, err = dst.DNS().CreateZone(ctx, providers.Zone{Name: planner.Fqdn(zone)})
	created := err == nil
	if errors.Is(err, providers.ErrExists) {
		r.x.o.Sink.Event(Event{Type: EvMessage, Op: r.op, Address: r.a.Address,
			Message: fmt.Sprintf("zone %s appeared at %s since the plan; using it, and rollback will not delete it", zone, r.a.To.Env)})
		err = nil
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("create zone %s at %s: %w", zone, r.a.To.Env, err)
	}
	// Result.Created records in the journal entry itself that rehome
	// created the zone, which is what rollback goes by.
	return state.Result{Created: created}, r.setResource(ctx, state.Resource{Address: r.a.Address, Kind: string(r.a.Kind), Type: "zone",
		Env: r.a.To.Env, Name: zone, Created: created, Attrs: map[string]string{"id": r.a.To.ID}})
}

// copyRecords writes the record sets the destination lacks or holds
// differently; it records each set's pre-image before changing it.
func (r *actionRun) copyRecords(ctx context.Context) (state.Result, error) {
	a := r.a
	src, dst, err := r.sides()
	if err != nil {
		return state.Result{}, err
	}
	zone, scope := a.Params["zone"], a.Params["scope"]
	fq := planner.Fqdn(zone)
	srcSets, err := src.DNS().Records(ctx, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", zone, a.From.Env, err)
	}
	dstSets, err := dst.DNS().Records(ctx, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", zone, a.To.Env, err)
	}
	recs, err := planner.LoadRecords[planner.RecordSetRecord](ctx, r.x.o.Progress, scope)
	if err != nil {
		return state.Result{}, err
	}
	skipTypes := map[string]bool{}
	if s := a.Params["skip_types"]; s != "" {
		for _, t := range strings.Split(s, ",") {
			skipTypes[t] = true
		}
	}
	skipKeys := map[string]bool{}
	for _, k := range a.Skipped {
		skipKeys[k] = true
	}
	d := planner.DiffRecords(planner.RecordDiffInput{Zone: fq, Src: srcSets, Dst: dstSets, DstCaps: dst.Factory.Caps.DNS,
		Records: recs, Overwrite: a.Params["overwrite"] == "true", SkipTypes: skipTypes, SkipKeys: skipKeys})
	res := state.Result{Skipped: int64(d.Unchanged)}
	if len(d.Confirm) > 0 {
		confirm := map[string]any{}
		for _, k := range d.Confirm {
			rec := recs[k]
			rec.Prev = nil
			confirm[k] = rec
		}
		if err := r.x.o.Progress.PutMany(ctx, scope, confirm); err != nil {
			return res, err
		}
	}
	if len(d.Changes) > 0 {
		// Before the write, durably: each set's first pre-image, and what
		// rehome is about to write there.
		pre := map[string]any{}
		for _, c := range d.Changes {
			k := planner.ChangeKeys([]providers.RecordChange{c})[0]
			rec, ok := recs[k]
			if !ok || (c.Old != nil && !rec.Owns(*c.Old)) {
				// Not rehome's set (any more): what stands there now is
				// the pre-image rollback restores, and nothing there is
				// rehome's until this write lands.
				rec = planner.RecordSetRecord{Old: c.Old}
			} else {
				// rehome's set: until this write is confirmed, what stands
				// there now (not what rehome last meant to write) counts.
				rec.Prev = c.Old
			}
			rec.Written = c.New
			pre[k] = rec
		}
		if err := r.x.o.Progress.PutMany(ctx, scope, pre); err != nil {
			return res, err
		}
		if err := dst.DNS().ApplyRecords(ctx, fq, d.Changes); err != nil {
			return res, fmt.Errorf("write %d record set(s) to %s at %s: %w", len(d.Changes), zone, a.To.Env, err)
		}
		// Check: read back and compare every written set.
		after, err := dst.DNS().Records(ctx, fq)
		if err != nil {
			return res, fmt.Errorf("verify zone %s at %s: %w", zone, a.To.Env, err)
		}
		got := map[string]providers.RecordSet{}
		for _, rs := range after {
			got[rs.Key()] = rs
		}
		for _, c := range d.Changes {
			if c.Op == providers.ChangeDelete {
				if _, ok := got[c.Old.Key()]; ok {
					return res, fmt.Errorf("verify: record set %s at %s was not removed", c.Old.Key(), a.To.Env)
				}
				continue
			}
			if g, ok := got[c.New.Key()]; !ok || !planner.SameSet(g, *c.New) {
				return res, fmt.Errorf("verify: record set %s at %s does not hold what was written", c.New.Key(), a.To.Env)
			}
		}
		res.Copied = int64(len(d.Changes) - d.Removals)
		res.Deleted = int64(d.Removals)
		// Verified: the earlier writes no longer stand anywhere, so they
		// stop counting as rehome's (a set re-created equal to one rehome
		// removed is someone else's).
		for k, v := range pre {
			rec := v.(planner.RecordSetRecord)
			rec.Prev = nil
			pre[k] = rec
		}
		if err := r.x.o.Progress.PutMany(ctx, scope, pre); err != nil {
			return res, err
		}
	}
	var errs []error
	if len(d.Conflicts) > 0 {
		errs = append(errs, fmt.Errorf("%d record set(s) at %s changed since the plan and are not rehome's; left untouched: %v",
			len(d.Conflicts), a.To.Env, head(d.Conflicts, 5)))
	}
	if len(d.CNAMEClash) > 0 {
		errs = append(errs, fmt.Errorf("record set(s) would clash with a CNAME at %s and are not acknowledged: %v", a.To.Env, head(d.CNAMEClash, 5)))
	}
	if len(d.Unsupported) > 0 {
		errs = append(errs, fmt.Errorf("record types not supported at %s and not acknowledged: %v", a.To.Env, keysOf(d.Unsupported)))
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	return res, r.setResource(ctx, state.Resource{Address: a.Move + fmt.Sprintf(".records[%q]", zone), Kind: string(a.Kind),
		Type: "records", Env: a.To.Env, Name: zone, Created: true,
		Attrs: map[string]string{"source": a.From.Env + "/" + zone}})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// lowerTTL lowers the source's TTLs, keeping each set's original first.
func (r *actionRun) lowerTTL(ctx context.Context) (state.Result, error) {
	a := r.a
	src, err := r.env(a.From.Env)
	if err != nil {
		return state.Result{}, err
	}
	zone, scope := a.Params["zone"], a.Params["scope"]
	ttl, err := strconv.ParseUint(a.Params["ttl"], 10, 32)
	if err != nil {
		return state.Result{}, fmt.Errorf("bad ttl parameter %q: %w", a.Params["ttl"], err)
	}
	fq := planner.Fqdn(zone)
	sets, err := src.DNS().Records(ctx, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", zone, a.From.Env, err)
	}
	changes := planner.LowerTTLChanges(sets, uint32(ttl))
	if len(changes) == 0 {
		return state.Result{}, nil
	}
	recs, err := planner.LoadRecords[planner.TTLRecord](ctx, r.x.o.Progress, scope)
	if err != nil {
		return state.Result{}, err
	}
	pre := map[string]any{}
	for _, c := range changes {
		if _, ok := recs[c.Old.Key()]; !ok {
			pre[c.Old.Key()] = planner.TTLRecord{Set: *c.Old}
		}
	}
	if len(pre) > 0 {
		if err := r.x.o.Progress.PutMany(ctx, scope, pre); err != nil {
			return state.Result{}, err
		}
	}
	if err := src.DNS().ApplyRecords(ctx, fq, changes); err != nil {
		return state.Result{}, fmt.Errorf("lower TTLs of %s at %s: %w", zone, a.From.Env, err)
	}
	return state.Result{Copied: int64(len(changes))}, r.setResource(ctx, state.Resource{Address: a.Address, Kind: string(a.Kind),
		Type: "source_ttl", Env: a.From.Env, Name: zone, Changed: true,
		Attrs: map[string]string{"ttl": a.Params["ttl"]}})
}
