package dns

import (
	"slices"
	"sort"
	"strings"

	"github.com/rehome/rehome/providers"
)

// IsApexOwn reports whether a set is the zone apex SOA or NS, which a
// destination that writes its own apex keeps for itself.
func IsApexOwn(zone string, rs providers.RecordSet) bool {
	return rs.Name == zone && (rs.Type == "SOA" || rs.Type == "NS")
}

// DiffInput parameterises Diff.
type DiffInput struct {
	Zone string // fully qualified, trailing dot
	Src  []providers.RecordSet
	// Dst is nil when the destination zone is still to be created.
	Dst       []providers.RecordSet
	DstCaps   providers.DNSCaps
	Records   map[string]SetRecord // rehome's records of the zone
	Overwrite bool
	// SkipTypes and SkipKeys leave sets out (acknowledged findings).
	SkipTypes map[string]bool
	SkipKeys  map[string]bool
}

// RecordDiff is the set-level difference of a zone.
type RecordDiff struct {
	Changes   []providers.RecordChange
	Unchanged int
	// Unsupported maps what the destination cannot hold to the set keys
	// that need it: a record type ("PTR"), "routing" (routing policies)
	// or "alias" (alias sets).
	Unsupported map[string][]string
	Conflicts   []string // foreign, different sets (overwrite off)
	Replaced    []string // foreign, different sets replaced (overwrite on)
	DestOnly    []string
	// CNAMEClash are source sets that would share a name with a CNAME (or
	// be a CNAME beside other data) at the destination, which DNS forbids.
	CNAMEClash []string
	// Removals counts the delete changes: sets rehome created whose source
	// set is gone.
	Removals int
	// Confirm are sets holding an unconfirmed write of rehome's that
	// landed; the copy records them (no write).
	Confirm []string
	Apex    []string // apex SOA/NS left to the destination
	Skipped []string
}

// Unsupported keys for what is not a record type.
const (
	needRouting = "routing"
	needAlias   = "alias"
)

// Diff computes the changes that make the destination hold the source's
// record sets. The plan and the copy both call it. Destination-only sets
// are never deleted unless rehome created them.
func Diff(in DiffInput) *RecordDiff {
	d := &RecordDiff{Unsupported: map[string][]string{}}
	dst := map[string]providers.RecordSet{}
	for _, rs := range in.Dst {
		if in.DstCaps.OwnApex && IsApexOwn(in.Zone, rs) {
			continue
		}
		dst[rs.Key()] = rs
	}
	seen := map[string]bool{}
	src := append([]providers.RecordSet(nil), in.Src...)
	sort.Slice(src, func(i, j int) bool { return src[i].Key() < src[j].Key() })
	for _, rs := range src {
		k := rs.Key()
		seen[k] = true
		if in.DstCaps.OwnApex && IsApexOwn(in.Zone, rs) {
			d.Apex = append(d.Apex, k)
			continue
		}
		need := ""
		switch {
		case !in.DstCaps.SupportsType(rs.Type) || (!in.DstCaps.Wildcards && strings.HasPrefix(rs.Name, "*.")):
			need = rs.Type
		case (rs.Routing != nil || rs.SetID != "") && !in.DstCaps.Routing:
			need = needRouting
		case rs.Alias != nil && !in.DstCaps.Alias:
			need = needAlias
		}
		if in.SkipKeys[k] || in.SkipTypes[rs.Type] || (need != "" && in.SkipTypes[need]) {
			d.Skipped = append(d.Skipped, k)
			continue
		}
		if need != "" {
			d.Unsupported[need] = append(d.Unsupported[need], k)
			continue
		}
		want := rs
		if in.DstCaps.MinTTL > 0 && want.TTL < in.DstCaps.MinTTL && want.Alias == nil {
			want.TTL = in.DstCaps.MinTTL
		}
		cur, ok := dst[k]
		switch {
		case !ok:
			d.Changes = append(d.Changes, providers.RecordChange{Op: providers.ChangeCreate, New: &want})
		case cur.Equal(want):
			d.Unchanged++
			if r, ok := in.Records[k]; ok && r.Prev != nil && r.Written != nil && r.Written.Equal(cur) {
				// A write whose confirmation was lost landed: record it, so
				// the earlier write stops counting as rehome's.
				d.Confirm = append(d.Confirm, k)
			}
		default:
			rec, has := in.Records[k]
			ours := has && rec.Owns(cur)
			if !ours && !in.Overwrite {
				d.Conflicts = append(d.Conflicts, k)
				continue
			}
			if !ours {
				d.Replaced = append(d.Replaced, k)
			}
			old := cur
			d.Changes = append(d.Changes, providers.RecordChange{Op: providers.ChangeUpdate, Old: &old, New: &want})
		}
	}
	// Destination-only sets stay; a CNAME cannot share its name with them.
	// Sets rehome created whose source set is gone are removed, so the
	// destination mirrors the source; foreign sets are never touched.
	destOnlyTypes := map[string][]string{}
	var orphans []providers.RecordChange
	for _, rs := range in.Dst {
		if seen[rs.Key()] || (in.DstCaps.OwnApex && IsApexOwn(in.Zone, rs)) {
			continue
		}
		if r, ok := in.Records[rs.Key()]; ok && r.Old == nil && r.Owns(rs) && !in.SkipKeys[rs.Key()] {
			old := rs
			orphans = append(orphans, providers.RecordChange{Op: providers.ChangeDelete, Old: &old})
			continue
		}
		d.DestOnly = append(d.DestOnly, rs.Key())
		destOnlyTypes[rs.Name] = append(destOnlyTypes[rs.Name], rs.Type)
	}
	sort.Strings(d.DestOnly)
	kept := d.Changes[:0]
	for _, c := range d.Changes {
		others := destOnlyTypes[c.New.Name]
		if len(others) > 0 && (c.New.Type == "CNAME" || slices.Contains(others, "CNAME")) {
			d.CNAMEClash = append(d.CNAMEClash, c.New.Key())
			continue
		}
		kept = append(kept, c)
	}
	d.Changes = append(kept, orphans...)
	d.Removals = len(orphans)
	return d
}

// LowerTTLChanges returns the updates that lower every set above ttl
// (except the SOA, whose TTL governs negative caching only, and alias
// sets, which have no TTL of their own).
func LowerTTLChanges(sets []providers.RecordSet, ttl uint32) []providers.RecordChange {
	var out []providers.RecordChange
	for _, rs := range sets {
		if rs.Type == "SOA" || rs.Alias != nil || rs.TTL <= ttl {
			continue
		}
		old, nw := rs, rs
		nw.TTL = ttl
		out = append(out, providers.RecordChange{Op: providers.ChangeUpdate, Old: &old, New: &nw})
	}
	return out
}

// ChangeKeys lists the set keys changes touch.
func ChangeKeys(cs []providers.RecordChange) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.New != nil {
			out = append(out, c.New.Key())
		} else if c.Old != nil {
			out = append(out, c.Old.Key())
		}
	}
	return out
}

// Fqdn lower-cases a zone name and adds the trailing dot.
func Fqdn(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	return name + "."
}
