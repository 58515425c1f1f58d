package dns

// TTL staging: the source's TTLs are lowered in the prepare phase; the
// destination gets the original TTLs; the cutover waits until the old
// TTLs have run out since the lowering.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Attributes of the source_ttl resource in the state.
const (
	attrLoweredAt = "lowered_at"   // when the lowering finished, RFC 3339
	attrWait      = "wait_seconds" // the highest TTL it lowered
)

// originalTTLs gives back, to each source set rehome lowered and that
// still holds the lowered TTL, the TTL it had before: the destination
// keeps the original TTLs.
func originalTTLs(ctx context.Context, pr planner.ProgressReader, scope string, sets []providers.RecordSet, ttl uint32) ([]providers.RecordSet, error) {
	if ttl == 0 {
		return sets, nil
	}
	recs, err := planner.LoadRecords[TTLRecord](ctx, pr, scope)
	if err != nil || len(recs) == 0 {
		return sets, err
	}
	out := make([]providers.RecordSet, len(sets))
	for i, rs := range sets {
		if r, ok := recs[rs.Key()]; ok && rs.TTL <= ttl {
			lowered := r.Set
			lowered.TTL = rs.TTL
			if lowered.Equal(rs) {
				rs.TTL = r.Set.TTL
			}
		}
		out[i] = rs
	}
	return out, nil
}

// maxTTL is the highest TTL of the sets.
func maxTTL(sets []providers.RecordSet) uint32 {
	var m uint32
	for _, rs := range sets {
		m = max(m, rs.TTL)
	}
	return m
}

// notBefore is the earliest safe cutover the state's source_ttl resource
// records: the lowering's end plus the highest old TTL; zero when the
// TTLs were not lowered (yet).
func notBefore(res *state.Resource) (time.Time, uint32) {
	if res == nil {
		return time.Time{}, 0
	}
	at, err := time.Parse(time.RFC3339, res.Attrs[attrLoweredAt])
	if err != nil {
		return time.Time{}, 0
	}
	w, _ := strconv.ParseUint(res.Attrs[attrWait], 10, 32)
	return at.Add(time.Duration(w) * time.Second), uint32(w)
}

// checkNotBefore refuses a cutover before the old TTLs have run out,
// unless forced.
func checkNotBefore(p recordsParams, now time.Time, force bool) error {
	if p.NotBefore == "" || force {
		return nil
	}
	t, err := time.Parse(time.RFC3339, p.NotBefore)
	if err != nil {
		return fmt.Errorf("zone %s: bad not-before time %q in the plan: %w", p.Zone, p.NotBefore, err)
	}
	if now.Before(t) {
		return fmt.Errorf("zone %s: resolvers may still cache the source's old TTLs until %s (%s from now); cut over then, or use -force",
			p.Zone, t.UTC().Format(time.RFC3339), t.Sub(now).Round(time.Second))
	}
	return nil
}

// Safety threshold (octoDNS's): in a destination zone holding at least
// thresholdMin record sets (its own apex aside), a copy that updates or
// deletes more than thresholdShare of them needs -force.
const (
	thresholdMin   = 10
	thresholdShare = 0.3
)

// overThreshold reports how many existing sets the changes update or
// delete, out of how many, when that is over the threshold.
func overThreshold(zone string, caps providers.DNSCaps, dst []providers.RecordSet, changes []providers.RecordChange) (int, int, bool) {
	n := 0
	for _, rs := range dst {
		if !(caps.OwnApex && IsApexOwn(zone, rs)) {
			n++
		}
	}
	touched := 0
	for _, c := range changes {
		if c.Op == providers.ChangeUpdate || c.Op == providers.ChangeDelete {
			touched++
		}
	}
	return touched, n, n >= thresholdMin && float64(touched) > thresholdShare*float64(n)
}
