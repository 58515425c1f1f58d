package engine

import (
	"errors"
	"fmt"

	"github.com/rehome/rehome/state"
)

// ErrPhase is returned when a command does not fit the migration's phase.
var ErrPhase = errors.New("wrong phase")

// Op is a command that changes a migration.
type Op string

const (
	OpApply    Op = "apply"
	OpCutover  Op = "cutover"
	OpRollback Op = "rollback"
	OpFinalize Op = "finalize"
)

// The migration's phases and what each command may do in them: the one
// state machine every command goes through.
//
//	phase        apply           cutover         rollback        finalize
//	none         -> applied      refused         (nothing to do) refused
//	applied      -> applied      -> cutover      -> rolled back  refused
//	cutover      -force: stays   -> cutover      -force          -> finalized
//	finalized    -force: stays   refused         refused         refused
//	rolled back  -> applied      refused         (nothing to do) refused
//
// Apply after the cutover writes to a live destination, and rollback after
// it may lose writes the destination took: both need -force. Finalize
// closes the rollback window for good.

// Allowed says whether op may run in phase ph (force: -force was given),
// and if not, why, as an error wrapping ErrPhase.
func Allowed(ph state.Phase, op Op, force bool) error {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrPhase, fmt.Sprintf(format, args...))
	}
	switch op {
	case OpApply:
		if (ph == state.PhaseCutover || ph == state.PhaseFinalized) && !force {
			return refuse("the migration is past its cutover (%s): the destination is live. Re-run with -force to apply anyway", PhaseName(ph))
		}
	case OpCutover:
		switch ph {
		case state.PhaseNone:
			return refuse("nothing has been applied yet; run `rehome apply` first")
		case state.PhaseRolledBack:
			return refuse("the migration was rolled back; run `rehome apply` first")
		case state.PhaseFinalized:
			return refuse("the migration was finalized; there is nothing to cut over")
		}
	case OpRollback:
		switch {
		case ph == state.PhaseFinalized:
			return refuse("the migration was finalized, which closed the rollback window")
		case ph == state.PhaseCutover && !force:
			return refuse("the cutover has run, so the destination may have taken writes that a rollback would lose; " +
				"re-run with -force to roll back anyway")
		}
	case OpFinalize:
		if ph != state.PhaseCutover {
			return refuse("finalize follows a successful cutover (the migration is %s)", PhaseName(ph))
		}
	default:
		return refuse("unknown operation %q", op)
	}
	return nil
}

// After returns the phase once op has succeeded in phase ph.
func After(ph state.Phase, op Op) state.Phase {
	switch op {
	case OpApply:
		if ph == state.PhaseCutover || ph == state.PhaseFinalized {
			return ph // a forced apply after the cutover keeps copying
		}
		return state.PhaseApplied
	case OpCutover:
		return state.PhaseCutover
	case OpRollback:
		return state.PhaseRolledBack
	case OpFinalize:
		return state.PhaseFinalized
	}
	return ph
}

// PhaseName is the phase as people read it.
func PhaseName(ph state.Phase) string {
	switch ph {
	case state.PhaseNone:
		return "not applied"
	case state.PhaseRolledBack:
		return "rolled back"
	}
	return string(ph)
}
