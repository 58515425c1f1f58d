package dns

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// Apply carries out a dns action: a zone's create, the lowering of source
// TTLs, or a zone's record copy (the cutover's sync is the same copy, run
// again).
func (Mover) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	switch r.Action.Type {
	case typeZone:
		return createZone(ctx, r)
	case typeRecords:
		return copyRecords(ctx, r)
	case typeTTL:
		return lowerTTL(ctx, r)
	case typeDS, typeDelegation:
		return registrarStep(ctx, r)
	case typeVerify:
		return verifyAnswers(ctx, r)
	}
	return state.Result{}, fmt.Errorf("dns has no action type %q", r.Action.Type)
}

func createZone(ctx context.Context, r *exec.Run) (state.Result, error) {
	dst, err := r.Env(r.Action.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	dd, err := dnsOf(dst)
	if err != nil {
		return state.Result{}, err
	}
	zone := r.Action.To.Name
	return r.CreateContainer(ctx, "zone "+zone, func(ctx context.Context) error {
		_, err := dd.CreateZone(ctx, providers.Zone{Name: Fqdn(zone)})
		return err
	})
}

// records reads a zone's record sets, retrying transient failures.
func records(ctx context.Context, c *transfer.Caller, d providers.DNS, fq string) ([]providers.RecordSet, error) {
	var out []providers.RecordSet
	err := c.Do(ctx, "read zone "+fq, func(ctx context.Context, _ int) error {
		var err error
		out, err = d.Records(ctx, fq)
		return err
	})
	return out, err
}

// copyRecords writes the record sets the destination lacks or holds
// differently: it diffs the two sides again, as the plan did, records each
// set's pre-image before changing it, and reads the zone back to verify.
func copyRecords(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p recordsParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, dst, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	sd, dd, err := sides(src, dst)
	if err != nil {
		return state.Result{}, err
	}
	if a.Phase == planner.PhaseCutover {
		if err := checkNotBefore(p, time.Now(), r.Force()); err != nil {
			return state.Result{}, err
		}
	}
	scope, fq := a.Scope, Fqdn(p.Zone)
	srcSets, err := records(ctx, r.Caller, sd, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", p.Zone, a.From.Env, err)
	}
	if srcSets, err = originalTTLs(ctx, r.Records(), TTLScope(a.Move, src.ID(), p.Zone), srcSets, p.TTL); err != nil {
		return state.Result{}, err
	}
	dstSets, err := records(ctx, r.Caller, dd, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", p.Zone, a.To.Env, err)
	}
	recs, err := planner.LoadRecords[SetRecord](ctx, r.Records(), scope)
	if err != nil {
		return state.Result{}, err
	}
	skipTypes, skipKeys := map[string]bool{}, map[string]bool{}
	for _, t := range p.SkipTypes {
		skipTypes[t] = true
	}
	for _, k := range a.Skipped {
		skipKeys[k] = true
	}
	var dstZoneID string
	if dst.Factory.Caps.DNS.Alias {
		zs, err := dd.Zones(ctx)
		if err != nil {
			return state.Result{}, fmt.Errorf("list zones at %s: %w", a.To.Env, err)
		}
		for _, z := range zs {
			if z.Name == fq {
				dstZoneID = z.ID
			}
		}
	}
	tr := Translate(TranslateInput{Zone: fq, Src: srcSets, Caps: dst.Factory.Caps.DNS, FlattenAlias: p.FlattenAlias, DstZoneID: dstZoneID,
		SameAccount: p.SameAccount, DropHealthChecks: p.DropHealthChecks})
	if left := unacknowledged(tr, p.SkipRules); len(left) > 0 {
		return state.Result{}, fmt.Errorf("record sets of %s that %s cannot hold as they are, and not acknowledged: %s",
			p.Zone, a.To.Env, listKeys(tr, head(left, 10)))
	}
	srcSets = tr.Sets
	d := Diff(DiffInput{Zone: fq, Src: srcSets, Dst: dstSets, DstCaps: dst.Factory.Caps.DNS,
		Records: recs, Overwrite: p.Overwrite, SkipTypes: skipTypes, SkipKeys: skipKeys})
	if touched, n, over := overThreshold(fq, dst.Factory.Caps.DNS, dstSets, d.Changes); over && !r.Force() {
		return state.Result{}, fmt.Errorf("the copy would update or delete %d of the %d record sets of %s at %s (more than %.0f%%); run with -force to accept",
			touched, n, p.Zone, a.To.Env, thresholdShare*100)
	}
	res := state.Result{AlreadyDone: int64(d.Unchanged)}
	if len(d.Confirm) > 0 {
		confirm := map[string]any{}
		for _, k := range d.Confirm {
			rec := recs[k]
			rec.Prev = nil
			confirm[k] = rec
		}
		if err := r.Records().PutMany(ctx, scope, confirm); err != nil {
			return res, err
		}
	}
	if len(d.Changes) > 0 {
		// Before the write, durably: each set's first pre-image, and what
		// rehome is about to write there.
		pre := map[string]any{}
		for _, c := range d.Changes {
			k := ChangeKeys([]providers.RecordChange{c})[0]
			rec, ok := recs[k]
			if !ok || (c.Old != nil && !rec.Owns(*c.Old)) {
				// Not rehome's set (any more): what stands there now is
				// the pre-image rollback restores, and nothing there is
				// rehome's until this write lands.
				rec = SetRecord{Old: c.Old}
			} else {
				// rehome's set: until this write is confirmed, what stands
				// there now (not what rehome last meant to write) counts.
				rec.Prev = c.Old
			}
			rec.Written = c.New
			pre[k] = rec
		}
		if err := r.Records().PutMany(ctx, scope, pre); err != nil {
			return res, err
		}
		// Not retried: a lost response leaves the zone changed, and a
		// replay of the same updates would fail on them. The next run's
		// diff finds what landed (and confirms it).
		if err := dd.ApplyRecords(ctx, fq, d.Changes); err != nil {
			return res, fmt.Errorf("write %d record set(s) to %s at %s: %w", len(d.Changes), p.Zone, a.To.Env, err)
		}
		// Check: read back and compare every written set.
		after, err := records(ctx, r.Caller, dd, fq)
		if err != nil {
			return res, fmt.Errorf("verify zone %s at %s: %w", p.Zone, a.To.Env, err)
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
			if g, ok := got[c.New.Key()]; !ok || !g.Equal(*c.New) {
				return res, fmt.Errorf("verify: record set %s at %s does not hold what was written", c.New.Key(), a.To.Env)
			}
		}
		res.Copied = int64(len(d.Changes) - d.Removals)
		res.Deleted = int64(d.Removals)
		// Verified: the earlier writes no longer stand anywhere, so they
		// stop counting as rehome's (a set re-created equal to one rehome
		// removed is someone else's).
		for k, v := range pre {
			rec := v.(SetRecord)
			rec.Prev = nil
			pre[k] = rec
		}
		if err := r.Records().PutMany(ctx, scope, pre); err != nil {
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
		needs := make([]string, 0, len(d.Unsupported))
		for t := range d.Unsupported {
			needs = append(needs, t)
		}
		sort.Strings(needs)
		errs = append(errs, fmt.Errorf("record sets needing what %s cannot hold, and not acknowledged: %v", a.To.Env, needs))
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	return res, r.SetResource(ctx, state.Resource{Address: a.Move + fmt.Sprintf(".records[%q]", p.Zone),
		Type: typeRecords, Env: a.To.Env, Name: p.Zone, Created: true,
		Attrs: map[string]string{"source": a.From.Env + "/" + p.Zone}})
}

func head[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// lowerTTL lowers the source's TTLs, keeping each set's original first.
func lowerTTL(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p ttlParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, err := r.Env(a.From.Env)
	if err != nil {
		return state.Result{}, err
	}
	fq := Fqdn(p.Zone)
	sets, sd, err := sourceZone(ctx, r, src, p.Zone, 0)
	if err != nil {
		return state.Result{}, err
	}
	changes := LowerTTLChanges(sets, p.TTL)
	if len(changes) == 0 {
		return state.Result{}, nil
	}
	recs, err := planner.LoadRecords[TTLRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	pre := map[string]any{}
	for _, c := range changes {
		if _, ok := recs[c.Old.Key()]; !ok {
			pre[c.Old.Key()] = TTLRecord{Set: *c.Old}
		}
	}
	if len(pre) > 0 {
		if err := r.Records().PutMany(ctx, a.Scope, pre); err != nil {
			return state.Result{}, err
		}
	}
	if sr, ok := sd.(providers.SerialRestorer); ok {
		// The serial before the first lowering, for rollback.
		var have SerialRecord
		if found, err := r.Records().Get(ctx, SerialScope(a.Scope), "soa", &have); err != nil {
			return state.Result{}, err
		} else if !found {
			serial, digest, err := sr.ZoneSerial(ctx, fq)
			if err != nil {
				return state.Result{}, fmt.Errorf("read the serial of %s at %s: %w", p.Zone, a.From.Env, err)
			}
			if err := r.Records().Put(ctx, SerialScope(a.Scope), "soa", SerialRecord{Serial: serial, Digest: digest}); err != nil {
				return state.Result{}, err
			}
		}
	}
	if err := sd.ApplyRecords(ctx, fq, changes); err != nil {
		return state.Result{}, fmt.Errorf("lower TTLs of %s at %s: %w", p.Zone, a.From.Env, err)
	}
	// The wait before the cutover: the highest TTL rehome ever lowered
	// in the zone, from now.
	var olds []providers.RecordSet
	for _, rec := range recs {
		olds = append(olds, rec.Set)
	}
	for _, v := range pre {
		olds = append(olds, v.(TTLRecord).Set)
	}
	return state.Result{Copied: int64(len(changes))}, r.SetResource(ctx, state.Resource{Address: a.Address,
		Type: typeTTL, Env: a.From.Env, Name: p.Zone, Changed: true,
		Attrs: map[string]string{"ttl": fmt.Sprint(p.TTL), attrLoweredAt: time.Now().UTC().Format(time.RFC3339),
			attrWait: fmt.Sprint(maxTTL(olds))}})
}
