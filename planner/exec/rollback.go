package exec

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// UndoGroup is the set of journal entries one rollback step reverses:
// entries sharing a progress scope (a copy and its cutover sync; a move's
// secrets) are undone once; others group by address and destination (a
// bucket renamed between applies is two buckets to undo).
type UndoGroup struct {
	Key string
	// Entries are newest first.
	Entries []state.Entry
}

// Newest returns the group's newest entry.
func (g UndoGroup) Newest() state.Entry { return g.Entries[0] }

// Oldest returns the group's oldest entry.
func (g UndoGroup) Oldest() state.Entry { return g.Entries[len(g.Entries)-1] }

// UndoStep is one step a rollback takes, for showing before it runs.
type UndoStep struct {
	Address     string
	Description string
}

// DefaultUndoStep names a group after its oldest entry (the prepare-phase
// action it reverses) and describes it with its newest entry's undo.
func DefaultUndoStep(g UndoGroup) UndoStep {
	return UndoStep{Address: g.Oldest().Address, Description: g.Newest().Undo.Description}
}

// undoGroups collects the entries a rollback reverses (applied or cut
// over, not yet undone), newest first.
func undoGroups(f *state.File) []UndoGroup {
	var es []state.Entry
	for _, e := range f.Journal {
		if (e.Op == "apply" || e.Op == "cutover") && e.Status != state.Undone {
			es = append(es, e)
		}
	}
	// Newest run first; within a run, the plan's order backwards (which
	// respects dependencies); entries of older states by sequence.
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Undo.Batch != b.Undo.Batch {
			return a.Undo.Batch > b.Undo.Batch
		}
		if a.Undo.Order != b.Undo.Order {
			return a.Undo.Order > b.Undo.Order
		}
		return a.Seq > b.Seq
	})
	var groups []*UndoGroup
	byKey := map[string]*UndoGroup{}
	for _, e := range es {
		k := e.Address + "\x00" + e.Undo.To.ID + "\x00" + e.Undo.To.Name
		if s := e.Undo.Scope; s != "" {
			k = s
		}
		g, ok := byKey[k]
		if !ok {
			g = &UndoGroup{Key: k}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.Entries = append(g.Entries, e)
	}
	out := make([]UndoGroup, len(groups))
	for i, g := range groups {
		out[i] = *g
	}
	return out
}

func (x *Executor) step(g UndoGroup) UndoStep {
	if kr, err := x.runner(providers.Kind(g.Newest().Undo.Kind)); err == nil {
		return kr.UndoStep(g)
	}
	return DefaultUndoStep(g)
}

// RollbackSteps lists, newest first, the steps Rollback would take.
func (x *Executor) RollbackSteps(f *state.File) []UndoStep {
	var out []UndoStep
	for _, g := range undoGroups(f) {
		out = append(out, x.step(g))
	}
	return out
}

// PlannedRollback lists, newest first, the steps Rollback would take once
// the plan's prepare and cutover actions were applied on top of state f:
// the runbook's rollback section, from the same grouping and naming code
// as the rollback itself.
func (x *Executor) PlannedRollback(f *state.File, p *planner.Plan) []planner.RollbackStep {
	sim := f.Clone()
	for _, phase := range []planner.Phase{planner.PhasePrepare, planner.PhaseCutover} {
		op := "apply"
		if phase == planner.PhaseCutover {
			op = "cutover"
		}
		batch := 1
		if n := len(sim.Journal); n > 0 {
			batch = sim.Journal[n-1].Seq + 1
		}
		for i, a := range p.Actions {
			if a.Phase != phase || a.Action == planner.ActNoop {
				continue
			}
			seq := sim.Begin(op, a.Address, string(a.Action), string(a.Phase), UndoOf(a, batch, i+1))
			sim.End(seq, state.Done, state.Result{})
		}
	}
	var out []planner.RollbackStep
	for _, st := range x.RollbackSteps(sim) {
		out = append(out, planner.RollbackStep{Address: st.Address, Description: st.Description})
	}
	return out
}

// Rollback undoes every applied action newest first. It is journaled
// itself and can be re-run after an interruption: each undo step is
// idempotent and entries are marked undone only after their step succeeds.
// Once everything is undone the progress records and backups are dropped.
func (x *Executor) Rollback(ctx context.Context) *Report {
	rep := &Report{}
	f := x.o.Journal.Snapshot()
	for _, g := range undoGroups(&f) {
		if ctx.Err() != nil {
			rep.Errors = append(rep.Errors, fmt.Errorf("interrupted: %w", ctx.Err()))
			break
		}
		rep.Actions++
		st := x.step(g)
		res, err := x.undoGroup(ctx, g, st)
		rep.add(res)
		if err != nil {
			rep.Failed++
			rep.Errors = append(rep.Errors, fmt.Errorf("undo %s: %w", st.Address, err))
		}
	}
	if len(rep.Errors) == 0 {
		if err := x.forgetAll(ctx); err != nil {
			rep.Errors = append(rep.Errors, err)
		}
	}
	x.o.Sink.Event(rep.summary("rollback"))
	return rep
}

func (x *Executor) undoGroup(ctx context.Context, g UndoGroup, st UndoStep) (state.Result, error) {
	e := g.Newest()
	seq, err := x.o.Journal.Begin(ctx, "rollback", st.Address, "undo", e.Phase, state.Undo{Description: "undo: " + st.Description})
	if err != nil {
		return state.Result{}, fmt.Errorf("journal begin: %w", err)
	}
	x.o.Sink.Event(Event{Type: EvActionStart, Op: "rollback", Address: st.Address, Action: "undo", Message: st.Description})
	u := &UndoRun{Group: g, Step: st, x: x, Caller: &transfer.Caller{R: x.retry}}
	x.o.Log.Debug("undo begin", "address", st.Address, "entries", len(g.Entries), "seq", seq)
	var res state.Result
	kr, err := x.runner(providers.Kind(e.Undo.Kind))
	if err == nil {
		res, err = kr.Undo(ctx, u)
	}
	res.Retries += u.Caller.Retries()
	x.o.Log.Debug("undo end", "address", st.Address, "deleted", res.Deleted, "restored", res.Restored, "error", err)
	endCtx := context.WithoutCancel(ctx)
	status := state.Done
	if err != nil {
		status = state.Failed
		res.Error = err.Error()
	}
	if jerr := x.o.Journal.End(endCtx, seq, status, res); jerr != nil {
		return res, errors.Join(err, jerr)
	}
	if err != nil {
		x.o.Sink.Event(Event{Type: EvActionFail, Op: "rollback", Address: st.Address, Action: "undo", Error: err.Error()})
		return res, err
	}
	// The group's per-item records describe what is now undone: drop them,
	// so a later plan does not take items at those keys for rehome's.
	if sc := e.Undo.Scope; sc != "" {
		if err := errors.Join(x.o.Progress.DeleteScope(endCtx, sc), x.o.Store.RemoveBackups(endCtx, sc)); err != nil {
			return res, err
		}
	}
	err = x.o.Journal.Update(endCtx, func(f *state.File) {
		// An earlier rollback of this group that a crash cut short is
		// completed by this one.
		for i := range f.Journal {
			fe := &f.Journal[i]
			if fe.Op == "rollback" && fe.Status == state.Begun && fe.Address == st.Address && fe.Seq != seq {
				fe.Status = state.Failed
				fe.Result.Error = fmt.Sprintf("interrupted; completed by entry %d", seq)
			}
		}
		for _, ge := range g.Entries {
			if fe := f.Entry(ge.Seq); fe != nil {
				fe.Status = state.Undone
			}
			if r := f.FindResource(ge.Address); r != nil && r.Env == ge.Undo.To.Env && r.Name == ge.Undo.To.Name {
				f.RemoveResource(ge.Address)
			}
		}
		// Resources the step's scope accounted for (a move's secrets).
		if sc := e.Undo.Scope; sc != "" {
			var drop []string
			for _, r := range f.Resources {
				if r.Scope == sc {
					drop = append(drop, r.Address)
				}
			}
			for _, a := range drop {
				f.RemoveResource(a)
			}
		}
	})
	x.o.Sink.Event(Event{Type: EvActionDone, Op: "rollback", Address: st.Address, Action: "undo",
		Deleted: res.Deleted, Restored: res.Restored, Retries: res.Retries, Message: u.Note})
	return res, err
}

// forgetAll drops the progress records and backups once everything is undone.
func (x *Executor) forgetAll(ctx context.Context) error {
	scopes, err := x.o.Progress.Scopes(ctx)
	if err != nil {
		return err
	}
	for _, s := range scopes {
		if err := x.o.Progress.DeleteScope(ctx, s); err != nil {
			return err
		}
		if err := x.o.Store.RemoveBackups(ctx, s); err != nil {
			return err
		}
	}
	return x.o.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) { f.Resources = nil })
}

// UndoRun is one rollback step, as its kind's Undo sees it.
type UndoRun struct {
	Group UndoGroup
	Step  UndoStep
	// Caller makes the step's provider calls, with the run's retries.
	Caller *transfer.Caller
	// Note, set by the kind, says what the step kept or could not undo;
	// it is shown with the step's end.
	Note string

	x *Executor
}

// Undo returns the undo record of the group's newest entry.
func (u *UndoRun) Undo() state.Undo { return u.Group.Newest().Undo }

// Params decodes the newest entry's typed parameters into v.
func (u *UndoRun) Params(v any) error {
	e := u.Group.Newest()
	return planner.DecodeParams(e.Address, e.Undo.Params, v)
}

// Records returns the state's progress store.
func (u *UndoRun) Records() *state.Progress { return u.x.o.Progress }

// Backups returns the state store, which keeps what rehome replaced.
func (u *UndoRun) Backups() *state.Store { return u.x.o.Store }

// Once returns the value fn makes for key, once per run.
func (u *UndoRun) Once(key string, fn func() (any, error)) (any, error) { return u.x.onceFor(key, fn) }

// Source and Dest return the step's environments, checking that each
// still points where the step was applied: rollback acts on the place it
// changed, or not at all.
func (u *UndoRun) Source() (*planner.Env, error) { return u.env(u.Undo().From) }

// Dest returns the step's destination environment (see Source).
func (u *UndoRun) Dest() (*planner.Env, error) { return u.env(u.Undo().To) }

func (u *UndoRun) env(side state.Endpoint) (*planner.Env, error) {
	e, ok := u.x.o.Envs[side.Env]
	if !ok {
		return nil, fmt.Errorf("environment %q is not configured (rollback needs the configuration the apply used)", side.Env)
	}
	if side.ID != "" && e.ID() != side.ID {
		return nil, fmt.Errorf("environment %q now points at %s, but this step was applied at %s; "+
			"point it back to roll the step back, or forget the step with `rehome state rm %s`", side.Env, e.ID(), side.ID, u.Group.Oldest().Address)
	}
	return e, nil
}

// Created reports whether rehome created the group's container (a bucket,
// a zone): a create entry of the group recorded it (Result.Created). A
// create a crash cut short proves nothing — the container may be someone
// else's made since — so it does not count.
func (u *UndoRun) Created() bool {
	for _, e := range u.Group.Entries {
		if e.Action == string(planner.ActCreate) && e.Result.Created {
			return true
		}
	}
	return false
}

// KeepContainer sets the note for a container rollback keeps because
// rehome did not (provably) create it; what is "bucket", "zone".
func (u *UndoRun) KeepContainer(what string) {
	u.Note = what + " existed before rehome; kept"
	for _, e := range u.Group.Entries {
		if e.Action == string(planner.ActCreate) && e.Status == state.Begun {
			u.Note = fmt.Sprintf("kept: a crash interrupted rehome's create, so rehome cannot tell whether it made this %s; delete it yourself if it is empty and unwanted", what)
		}
	}
}
