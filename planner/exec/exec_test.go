package exec_test

// Tests of the executor's own machinery — scheduling, the journal, resume
// and rollback order — over a probe kind whose actions record what the
// executor asked of them. The kinds' behaviour is tested in movers/.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

const probeKind providers.Kind = "probe"

// probe is a kind whose actions do nothing but record, fail when told to,
// and hold a worker while their gate is closed.
type probe struct {
	mu       sync.Mutex
	ran      []string // addresses, in the order they started
	undone   []string // undo steps, in the order they ran
	running  int
	peak     int
	fail     map[string]bool   // Apply fails
	failUndo map[string]bool   // Undo fails (by step address)
	gate     chan struct{}     // when set, Apply waits for it
	onApply  func(addr string) // runs inside Apply
}

func newProbe() *probe { return &probe{fail: map[string]bool{}, failUndo: map[string]bool{}} }

func (p *probe) KindRunner(k providers.Kind) (exec.KindRunner, bool) { return p, k == probeKind }

func (p *probe) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	addr := r.Action.Address
	p.mu.Lock()
	p.ran = append(p.ran, addr)
	p.running++
	p.peak = max(p.peak, p.running)
	gate, hook := p.gate, p.onApply
	p.mu.Unlock()
	defer func() { p.mu.Lock(); p.running--; p.mu.Unlock() }()
	if hook != nil {
		hook(addr)
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return state.Result{}, ctx.Err()
		}
	}
	if p.fail[addr] {
		return state.Result{}, errors.New("probe failure")
	}
	prog := r.Progress(2, 0)
	prog.Start()
	prog.Add(2, 0)
	return state.Result{Copied: 2}, nil
}

func (p *probe) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.undone = append(p.undone, u.Step.Address)
	if p.failUndo[u.Step.Address] {
		return state.Result{}, errors.New("probe undo failure")
	}
	return state.Result{Deleted: int64(len(u.Group.Entries))}, nil
}

func (p *probe) UndoStep(g exec.UndoGroup) exec.UndoStep { return exec.DefaultUndoStep(g) }

// fixture is a state directory with its journal and progress store open.
type fixture struct {
	t       *testing.T
	store   *state.Store
	journal *state.Journal
	prog    *state.Progress
	events  []exec.Event
	mu      sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := state.Open(t.TempDir())
	f, err := st.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	prog, err := st.OpenProgress(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prog.Close() })
	return &fixture{t: t, store: st, journal: state.NewJournal(st, f), prog: prog}
}

func (fx *fixture) executor(k exec.Kinds, parallelism int) *exec.Executor {
	return exec.New(exec.Options{Kinds: k, Envs: planner.Envs{}, Store: fx.store, Journal: fx.journal, Progress: fx.prog,
		Parallelism: parallelism, Sink: exec.SinkFunc(func(e exec.Event) {
			fx.mu.Lock()
			fx.events = append(fx.events, e)
			fx.mu.Unlock()
		})})
}

// eventsOf returns the events of type typ, as "address: error or message".
func (fx *fixture) eventsOf(typ exec.EventType) []string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	var out []string
	for _, e := range fx.events {
		if e.Type == typ {
			out = append(out, strings.TrimSuffix(e.Address+": "+e.Error+e.Message, ": "))
		}
	}
	slices.Sort(out)
	return out
}

func (fx *fixture) journalOf(op string) []string {
	snap := fx.journal.Snapshot()
	var out []string
	for _, e := range snap.Journal {
		if e.Op == op {
			out = append(out, fmt.Sprintf("%s %s", e.Address, e.Status))
		}
	}
	return out
}

// act is a probe action; scope groups actions into one rollback step.
func act(addr string, deps ...string) planner.Action {
	return planner.Action{Address: addr, Kind: probeKind, Type: "probe", Action: planner.ActCopy, Phase: planner.PhasePrepare,
		DependsOn: deps, Estimate: planner.Estimate{Items: 2, Unit: "probes"}}
}

func plan(acts ...planner.Action) *planner.Plan { return &planner.Plan{Actions: acts} }

func TestApplyRunsDependenciesFirst(t *testing.T) {
	fx := newFixture(t)
	p := newProbe()
	// a <- b <- c, and d on its own.
	rep := fx.executor(p, 4).Apply(t.Context(), plan(act("c", "b"), act("b", "a"), act("a"), act("d")), planner.PhasePrepare, "apply")
	if err := rep.Err(); err != nil || rep.Actions != 4 || rep.Copied != 8 {
		t.Fatalf("report: %d actions, %d copied, %v", rep.Actions, rep.Copied, err)
	}
	pos := func(a string) int { return slices.Index(p.ran, a) }
	if !(pos("a") < pos("b") && pos("b") < pos("c")) {
		t.Errorf("ran %v: a dependency ran after its dependent", p.ran)
	}
	if d := cmp.Diff([]string{"a done", "b done", "c done", "d done"}, sorted(fx.journalOf("apply"))); d != "" {
		t.Errorf("journal (-want +got):\n%s", d)
	}
	// Progress events carry the action's unit, from its estimate.
	for _, e := range fx.events {
		if e.Type == exec.EvProgress && e.Unit != "probes" {
			t.Errorf("progress event of %s has unit %q, want probes", e.Address, e.Unit)
		}
	}
}

func sorted(xs []string) []string { slices.Sort(xs); return xs }

func TestApplySkipsDependentsOfAFailure(t *testing.T) {
	fx := newFixture(t)
	p := newProbe()
	p.fail["a"] = true
	rep := fx.executor(p, 2).Apply(t.Context(), plan(act("a"), act("b", "a"), act("c", "b"), act("d")), planner.PhasePrepare, "apply")
	if rep.Actions != 2 || rep.Failed != 1 || rep.NotRun != 2 {
		t.Errorf("report: %d run, %d failed, %d not run; want 2, 1, 2", rep.Actions, rep.Failed, rep.NotRun)
	}
	if slices.Contains(p.ran, "b") || slices.Contains(p.ran, "c") {
		t.Errorf("ran %v: dependents of a failed action ran", p.ran)
	}
	want := []string{"a: probe failure", "b: not run: dependency a failed", "c: not run: dependency b failed"}
	if d := cmp.Diff(want, fx.eventsOf(exec.EvActionFail)); d != "" {
		t.Errorf("failure events (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a failed", "d done"}, sorted(fx.journalOf("apply"))); d != "" {
		t.Errorf("journal (-want +got): a failed action is journaled failed, the ones not run not at all:\n%s", d)
	}
	summary := fx.events[len(fx.events)-1]
	if summary.Type != exec.EvSummary || summary.NotRun != 2 || summary.Failed != 1 {
		t.Errorf("last event %+v, want a summary with 1 failed and 2 not run", summary)
	}
}

func TestApplyBoundsParallelism(t *testing.T) {
	fx := newFixture(t)
	p := newProbe()
	p.gate = make(chan struct{})
	started := make(chan struct{}, 10)
	p.onApply = func(string) { started <- struct{}{} }
	var acts []planner.Action
	for i := range 6 {
		acts = append(acts, act(fmt.Sprintf("a%d", i)))
	}
	done := make(chan *exec.Report)
	go func() { done <- fx.executor(p, 2).Apply(t.Context(), plan(acts...), planner.PhasePrepare, "apply") }()
	<-started
	<-started
	select {
	case <-started:
		t.Fatal("a third action started while two held both slots")
	case <-time.After(50 * time.Millisecond):
	}
	close(p.gate)
	rep := <-done
	if rep.Actions != 6 || p.peak != 2 {
		t.Errorf("%d actions ran, at most %d at once; want 6, 2", rep.Actions, p.peak)
	}
}

func TestApplyInterrupted(t *testing.T) {
	fx := newFixture(t)
	p := newProbe()
	ctx, cancel := context.WithCancel(t.Context())
	p.gate = make(chan struct{})
	p.onApply = func(string) { cancel() }
	rep := fx.executor(p, 1).Apply(ctx, plan(act("a"), act("b"), act("c")), planner.PhasePrepare, "apply")
	if rep.Actions != 1 || rep.Failed != 1 || rep.NotRun != 2 {
		t.Errorf("report: %d run, %d failed, %d not run; want the running one failed and two not run", rep.Actions, rep.Failed, rep.NotRun)
	}
	if err := rep.Err(); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("report error %v, want one saying the run was interrupted", err)
	}
	// The interrupted action's end is on disk: failed, not left begun.
	if got := fx.journalOf("apply"); len(got) != 1 || !strings.HasSuffix(got[0], " failed") {
		t.Errorf("journal %v, want the one started action recorded failed", got)
	}
}

func TestApplyResumesAnEntryACrashLeftBegun(t *testing.T) {
	fx := newFixture(t)
	// A crash after a's begin: the entry is on disk, no end.
	seq, err := fx.journal.Begin(t.Context(), "apply", "a", "copy", "prepare", state.Undo{Kind: string(probeKind)})
	if err != nil {
		t.Fatal(err)
	}
	p := newProbe()
	rep := fx.executor(p, 2).Apply(t.Context(), plan(act("a"), act("b")), planner.PhasePrepare, "apply")
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	var resumed []string
	for _, e := range fx.events {
		if e.Type == exec.EvActionStart && e.Resumed {
			resumed = append(resumed, e.Address)
		}
	}
	if d := cmp.Diff([]string{"a"}, resumed); d != "" {
		t.Errorf("resumed actions (-want +got):\n%s", d)
	}
	snap := fx.journal.Snapshot()
	old := snap.Entry(seq)
	if old.Status != state.Failed || !strings.Contains(old.Result.Error, "completed by entry") {
		t.Errorf("the begun entry is %s (%q); want it closed as completed by the new one", old.Status, old.Result.Error)
	}
	if len(snap.Unfinished()) != 0 {
		t.Errorf("entries left begun: %+v", snap.Unfinished())
	}
}

func TestRollbackNewestFirstOneStepPerScope(t *testing.T) {
	fx := newFixture(t)
	p := newProbe()
	a, b, bSync, c := act("a"), act("b"), act("b-sync", "b"), act("c", "a")
	b.Scope, bSync.Scope = "probe/b", "probe/b"
	bSync.Phase = planner.PhaseCutover
	x := fx.executor(p, 1)
	if err := x.Apply(t.Context(), plan(a, b, c), planner.PhasePrepare, "apply").Err(); err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(t.Context(), plan(bSync), planner.PhaseCutover, "cutover").Err(); err != nil {
		t.Fatal(err)
	}
	applied := append([]string(nil), p.ran...)
	// The steps: newest first, b and its sync (one scope) as one step
	// named after b, the action it reverses.
	var want []string
	for i := len(applied) - 1; i >= 0; i-- {
		if n := applied[i]; n != "b-sync" {
			want = append(want, n)
		}
	}
	if applied[len(applied)-1] != "b-sync" {
		t.Fatalf("ran %v; want the cutover sync last", applied)
	}
	want = append([]string{"b"}, slices.DeleteFunc(want, func(s string) bool { return s == "b" })...)
	var steps []string
	for _, st := range x.RollbackSteps(ptr(fx.journal.Snapshot())) {
		steps = append(steps, st.Address)
	}
	if d := cmp.Diff(want, steps); d != "" {
		t.Errorf("rollback steps (-want +got):\n%s", d)
	}
	p.failUndo["a"] = true
	rep := x.Rollback(t.Context())
	if d := cmp.Diff(want, p.undone); d != "" {
		t.Errorf("undo order (-want +got): the steps must run as listed:\n%s", d)
	}
	if rep.Failed != 1 || rep.Deleted != 3 {
		t.Errorf("rollback report: %d failed, %d deleted; want a failed, the rest undone (b's two entries, c)", rep.Failed, rep.Deleted)
	}
	// a's entry is not undone; re-running the rollback does only a.
	p.undone, p.failUndo = nil, map[string]bool{}
	if err := x.Rollback(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a"}, p.undone); d != "" {
		t.Errorf("second rollback (-want +got): finished steps must not be redone:\n%s", d)
	}
	if steps := x.RollbackSteps(ptr(fx.journal.Snapshot())); len(steps) != 0 {
		t.Errorf("steps left after a full rollback: %+v", steps)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUnknownKindFailsTheAction(t *testing.T) {
	fx := newFixture(t)
	a := act("a")
	a.Kind = "teleport"
	rep := fx.executor(newProbe(), 1).Apply(t.Context(), plan(a), planner.PhasePrepare, "apply")
	if err := rep.Err(); rep.Failed != 1 || err == nil || !strings.Contains(err.Error(), `no mover for kind "teleport"`) {
		t.Errorf("report: %d failed, %v; want the action failed for want of a mover", rep.Failed, err)
	}
}
