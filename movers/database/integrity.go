package database

import (
	"context"
	"fmt"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// integrity is the destination's check after a load of what checksums
// cannot show: foreign keys that hold and sequences ahead of their
// columns (providers.IntegrityChecker).
type integrity struct {
	providers.Integrity
	checked bool
	err     error
}

// checkIntegrity runs the destination's check over the move's tables,
// when the destination has one.
func checkIntegrity(ctx context.Context, ds providers.DatabaseStore, p *rowsParams) integrity {
	ic, ok := ds.(providers.IntegrityChecker)
	if !ok || p.SchemaOnly {
		return integrity{}
	}
	in, err := ic.CheckIntegrity(ctx, p.Target, p.Schema)
	return integrity{Integrity: in, checked: true, err: err}
}

// failing are the problems that fail the load: every one where the
// destination enforces foreign keys, else the sequences'.
func (in integrity) failing() []providers.IntegrityProblem {
	var out []providers.IntegrityProblem
	for _, pr := range in.Problems {
		if in.Enforced || pr.Sequence {
			out = append(out, pr)
		}
	}
	return out
}

func (in integrity) ok() bool { return in.err == nil && len(in.failing()) == 0 }

// failures says what failed, naming each table and object.
func (in integrity) failures() string {
	if in.err != nil {
		return "integrity check: " + in.err.Error()
	}
	var out []string
	for _, pr := range in.failing() {
		out = append(out, fmt.Sprintf("table %s: %s: %s", pr.Table, pr.Object, pr.Detail))
	}
	return strings.Join(out, "; ")
}

// text is the line under the validation table.
func (in integrity) text(db, env string) string {
	if !in.checked {
		return ""
	}
	if in.err != nil {
		return fmt.Sprintf("integrity in %s at %s: FAILED: %v", db, env, in.err)
	}
	var parts []string
	bad := map[bool]int{}
	for _, pr := range in.Problems {
		bad[pr.Sequence]++
	}
	if in.ForeignKeys > 0 {
		parts = append(parts, fmt.Sprintf("%s hold", planner.Plural(int64(in.ForeignKeys-bad[false]), "foreign key", "foreign keys")))
	}
	if in.Sequences > 0 {
		parts = append(parts, fmt.Sprintf("%s ahead of their columns", planner.Plural(int64(in.Sequences-bad[true]), "sequence", "sequences")))
	}
	if len(parts) == 0 {
		parts = append(parts, "no foreign keys or sequences to check")
	}
	b := fmt.Sprintf("integrity in %s at %s: %s", db, env, strings.Join(parts, ", "))
	for _, pr := range in.Problems {
		word := "MISMATCH"
		if !in.Enforced && !pr.Sequence {
			word = "as at the source (the destination does not enforce foreign keys)"
		}
		b += fmt.Sprintf("\n  %s: %s: %s: %s", pr.Table, pr.Object, word, pr.Detail)
	}
	return b
}
