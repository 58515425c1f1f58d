package dns

import (
	"fmt"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// recordChanges lists each record set a copy creates, updates or removes
// with its TTL and values, old and new, for the plan a reviewer reads.
func recordChanges(cs []providers.RecordChange) []planner.Change {
	out := make([]planner.Change, 0, len(cs))
	for _, c := range cs {
		pc := planner.Change{Old: setValues(c.Old), New: setValues(c.New)}
		switch c.Op {
		case providers.ChangeCreate:
			pc.Op, pc.Item, pc.Reason = planner.ChangeCreate, c.New.Key(), "absent at the destination"
		case providers.ChangeUpdate:
			pc.Op, pc.Item, pc.Reason = planner.ChangeUpdate, c.New.Key(), "changed: "+setDifference(c.Old, c.New)
		case providers.ChangeDelete:
			pc.Op, pc.Item, pc.Reason = planner.ChangeRemove, c.Old.Key(), "gone from the source (rehome wrote it)"
		default:
			continue
		}
		out = append(out, pc)
	}
	return out
}

// setValues renders a set as "TTL VALUE" lines (an alias as "ALIAS
// TARGET"), nil for no set.
func setValues(rs *providers.RecordSet) []string {
	if rs == nil {
		return nil
	}
	if rs.Alias != nil {
		return []string{fmt.Sprintf("ALIAS %s (zone %s)", rs.Alias.Target, rs.Alias.Zone)}
	}
	out := make([]string, len(rs.Values))
	for i, v := range rs.Values {
		out[i] = fmt.Sprintf("%d %s", rs.TTL, v)
	}
	return out
}

// setDifference says what differs between two versions of a set.
func setDifference(a, b *providers.RecordSet) string {
	var parts []string
	if a.TTL != b.TTL {
		parts = append(parts, fmt.Sprintf("TTL %d → %d", a.TTL, b.TTL))
	}
	if strings.Join(a.Values, "\x00") != strings.Join(b.Values, "\x00") || (a.Alias == nil) != (b.Alias == nil) {
		parts = append(parts, "values")
	}
	if len(parts) == 0 {
		parts = append(parts, "routing")
	}
	return strings.Join(parts, ", ")
}
