package exec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// KindRunner is what the executor needs of a kind: carrying out its
// actions and undoing them. Each mover implements it.
type KindRunner interface {
	// Apply carries out one action of the kind (r.Action). It must be
	// safe to run again: after a crash the next run calls it for an
	// action left begun, and it checks what is done before doing more.
	Apply(ctx context.Context, r *Run) (state.Result, error)
	// Undo reverses one rollback step (u.Group): the journal entries that
	// share a progress scope, or an address, newest first. It must be safe
	// to run again after an interrupted rollback.
	Undo(ctx context.Context, u *UndoRun) (state.Result, error)
	// UndoStep names a rollback step and says what undoing it does, for
	// showing before rollback runs and for its journal entry.
	UndoStep(g UndoGroup) UndoStep
}

// Kinds looks up the runner of a kind.
type Kinds interface {
	KindRunner(k providers.Kind) (KindRunner, bool)
}

// Options configure an Executor.
type Options struct {
	Kinds    Kinds
	Envs     planner.Envs
	Store    *state.Store
	Journal  *state.Journal
	Progress *state.Progress
	// Parallelism bounds concurrent actions, and concurrent items within
	// one action (default 4).
	Parallelism int
	// Retry bounds the retries of transient provider failures in one run.
	Retry transfer.RetryPolicy
	// Force: the user gave -force, accepting the safety thresholds a kind
	// enforces (removing more than a share of a bucket or zone).
	Force bool
	Sink  Sink
	Log   *slog.Logger
}

// Executor runs plans and rollbacks. One executor serves one command run:
// its retry budget and its shared values (Run.Once) last as long as it.
type Executor struct {
	o     Options
	retry *transfer.Retrier

	onceMu sync.Mutex
	once   map[string]*onceVal
}

type onceVal struct {
	done chan struct{}
	v    any
	err  error
}

// New returns an executor.
func New(o Options) *Executor {
	if o.Parallelism < 1 {
		o.Parallelism = 4
	}
	if o.Sink == nil {
		o.Sink = SinkFunc(func(Event) {})
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	x := &Executor{o: o, retry: transfer.NewRetrier(o.Retry), once: map[string]*onceVal{}}
	x.retry.OnRetry = func(what string, attempt int, wait time.Duration, err error) {
		o.Log.Debug("retrying after a transient failure", "call", what, "attempt", attempt, "wait", wait, "error", err)
	}
	return x
}

// once runs fn the first time key is asked for and returns its result to
// every caller, also those asking concurrently.
func (x *Executor) onceFor(key string, fn func() (any, error)) (any, error) {
	x.onceMu.Lock()
	v, ok := x.once[key]
	if !ok {
		v = &onceVal{done: make(chan struct{})}
		x.once[key] = v
		x.onceMu.Unlock()
		v.v, v.err = fn()
		close(v.done)
		return v.v, v.err
	}
	x.onceMu.Unlock()
	<-v.done
	return v.v, v.err
}

func (x *Executor) runner(k providers.Kind) (KindRunner, error) {
	if x.o.Kinds != nil {
		if kr, ok := x.o.Kinds.KindRunner(k); ok {
			return kr, nil
		}
	}
	return nil, fmt.Errorf("no mover for kind %q in this build", k)
}

// Report sums up a run.
type Report struct {
	Actions int
	Failed  int
	// NotRun counts actions that did not start: a dependency failed, or
	// the run was interrupted before their turn.
	NotRun int
	Copied int64
	// AlreadyDone counts items found done (verified earlier or identical).
	AlreadyDone int64
	Deleted     int64
	Restored    int64
	Bytes       int64
	Retries     int64
	Errors      []error
}

// Err joins the run's errors.
func (r *Report) Err() error { return errors.Join(r.Errors...) }

func (r *Report) add(res state.Result) {
	r.Copied += res.Copied
	r.AlreadyDone += res.AlreadyDone
	r.Deleted += res.Deleted
	r.Restored += res.Restored
	r.Bytes += res.Bytes
	r.Retries += res.Retries
}

func (r *Report) summary(op string) Event {
	return Event{Type: EvSummary, Op: op, Actions: r.Actions, Failed: r.Failed, NotRun: r.NotRun,
		Copied: r.Copied, AlreadyDone: r.AlreadyDone, Bytes: r.Bytes, Deleted: r.Deleted, Restored: r.Restored, Retries: r.Retries}
}

type outcome struct {
	done chan struct{}
	ok   bool
}

// UndoOf is the journal's undo record of action a, run in the batch
// starting at sequence number batch, at position order of its plan.
func UndoOf(a planner.Action, batch, order int) state.Undo {
	return state.Undo{Description: a.Undo, Move: a.Move, Kind: string(a.Kind), Type: a.Type, From: a.From, To: a.To,
		Scope: a.Scope, Keys: a.Keys, Params: a.Params, Batch: batch, Order: order}
}

// Apply runs the plan's actions of the given phase (op is "apply" or
// "cutover"), leaving out no-ops: independent actions in parallel (at most
// Parallelism), each after the actions it depends on, none after one of
// them failed. Action failures are in the report.
func (x *Executor) Apply(ctx context.Context, p *planner.Plan, phase planner.Phase, op string) *Report {
	rep := &Report{}
	var run []planner.Action
	for _, a := range p.Actions {
		if a.Phase == phase && a.Action != planner.ActNoop {
			run = append(run, a)
		}
	}
	unfinished := map[string][]int{}
	snap := x.o.Journal.Snapshot()
	batch := 1
	if n := len(snap.Journal); n > 0 {
		batch = snap.Journal[n-1].Seq + 1
	}
	order := map[string]int{}
	for i, a := range p.Actions {
		order[a.Address] = i + 1
	}
	for _, e := range snap.Unfinished() {
		if e.Op == op {
			unfinished[e.Address] = append(unfinished[e.Address], e.Seq)
		}
	}
	outs := map[string]*outcome{}
	for _, a := range run {
		outs[a.Address] = &outcome{done: make(chan struct{})}
	}
	sem := make(chan struct{}, x.o.Parallelism)
	var mu sync.Mutex
	notRun := func() {
		mu.Lock()
		rep.NotRun++
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for _, a := range run {
		wg.Add(1)
		go func(a planner.Action) {
			defer wg.Done()
			out := outs[a.Address]
			defer close(out.done)
			for _, d := range a.DependsOn {
				if o, ok := outs[d]; ok {
					<-o.done
					if !o.ok {
						notRun()
						x.o.Sink.Event(Event{Type: EvActionFail, Op: op, Address: a.Address, Action: string(a.Action),
							Error: "not run: dependency " + d + " failed"})
						return
					}
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				notRun()
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil { // interrupted while waiting for a slot
				notRun()
				return
			}
			res, err := x.runAction(ctx, a, op, unfinished[a.Address], batch, order[a.Address])
			mu.Lock()
			defer mu.Unlock()
			rep.Actions++
			rep.add(res)
			if err != nil {
				rep.Failed++
				rep.Errors = append(rep.Errors, fmt.Errorf("%s: %w", a.Address, err))
				return
			}
			out.ok = true
		}(a)
	}
	wg.Wait()
	if ctx.Err() != nil {
		rep.Errors = append(rep.Errors, fmt.Errorf("interrupted: %w", ctx.Err()))
	}
	x.o.Sink.Event(rep.summary(op))
	return rep
}

// runAction journals and runs one action.
func (x *Executor) runAction(ctx context.Context, a planner.Action, op string, interrupted []int, batch, order int) (state.Result, error) {
	undo := UndoOf(a, batch, order)
	seq, err := x.o.Journal.Begin(ctx, op, a.Address, string(a.Action), string(a.Phase), undo)
	if err != nil {
		err = fmt.Errorf("journal begin: %w", err)
		x.o.Sink.Event(Event{Type: EvActionFail, Op: op, Address: a.Address, Action: string(a.Action), Error: err.Error()})
		return state.Result{}, err
	}
	ev := Event{Type: EvActionStart, Op: op, Address: a.Address, Action: string(a.Action), Unit: a.Estimate.Unit,
		Total: a.Estimate.Items, TotalBytes: a.Estimate.Bytes, Resumed: len(interrupted) > 0}
	if len(interrupted) > 0 {
		ev.Message = "resuming an interrupted run: finished items are checked, not redone"
	}
	x.o.Sink.Event(ev)
	r := &Run{Action: a, Op: op, x: x, Caller: &transfer.Caller{R: x.retry}}
	x.o.Log.Debug("action begin", "op", op, "address", a.Address, "action", a.Action, "seq", seq, "resumed", len(interrupted) > 0)
	start := time.Now()
	var res state.Result
	kr, err := x.runner(a.Kind)
	if err == nil {
		res, err = kr.Apply(ctx, r)
	}
	res.Retries += r.Caller.Retries()
	x.o.Log.Debug("action end", "op", op, "address", a.Address, "seq", seq, "elapsed", time.Since(start).Round(time.Millisecond),
		"copied", res.Copied, "already_done", res.AlreadyDone, "bytes", res.Bytes, "retries", res.Retries, "error", err)
	status := state.Done
	if err != nil {
		status = state.Failed
		res.Error = err.Error()
	}
	// End is written with a context that survives Ctrl-C, so an
	// interrupted action is recorded as failed, not left begun.
	endCtx := context.WithoutCancel(ctx)
	if jerr := x.o.Journal.End(endCtx, seq, status, res); jerr != nil {
		return res, errors.Join(err, fmt.Errorf("journal end: %w", jerr))
	}
	if len(interrupted) > 0 && err == nil {
		_ = x.o.Journal.Update(endCtx, func(f *state.File) {
			for _, s := range interrupted {
				if e := f.Entry(s); e != nil && e.Status == state.Begun {
					e.Status = state.Failed
					e.Result.Error = fmt.Sprintf("interrupted; completed by entry %d", seq)
				}
			}
		})
	}
	done := Event{Op: op, Address: a.Address, Action: string(a.Action), Unit: a.Estimate.Unit,
		Copied: res.Copied, AlreadyDone: res.AlreadyDone, Bytes: res.Bytes, Deleted: res.Deleted, Retries: res.Retries}
	if err != nil {
		done.Type, done.Error = EvActionFail, err.Error()
		x.o.Sink.Event(done)
		return res, err
	}
	done.Type = EvActionDone
	x.o.Sink.Event(done)
	return res, nil
}

// Run is one action's execution, as its kind's Apply sees it.
type Run struct {
	Action planner.Action
	// Op is "apply" or "cutover".
	Op string
	// Caller makes the action's provider calls: retries of transient
	// failures from the run's budget, and the action's rate limits.
	Caller *transfer.Caller

	x *Executor
}

// Params decodes the action's typed parameters into v.
func (r *Run) Params(v any) error { return planner.DecodeParams(r.Action.Address, r.Action.Params, v) }

// Env returns a configured environment by name.
func (r *Run) Env(name string) (*planner.Env, error) {
	e, ok := r.x.o.Envs[name]
	if !ok {
		return nil, fmt.Errorf("environment %q is not configured", name)
	}
	return e, nil
}

// Sides returns the action's source and destination environments.
func (r *Run) Sides() (src, dst *planner.Env, err error) {
	if src, err = r.Env(r.Action.From.Env); err != nil {
		return nil, nil, err
	}
	dst, err = r.Env(r.Action.To.Env)
	return src, dst, err
}

// Records returns the state's progress store, where the kind keeps its
// per-item records.
func (r *Run) Records() *state.Progress { return r.x.o.Progress }

// Backups returns the state store, which keeps what rehome replaced.
func (r *Run) Backups() *state.Store { return r.x.o.Store }

// Workers is how many items of the action may be in flight at once.
func (r *Run) Workers() int { return r.x.o.Parallelism }

// Force reports whether the user gave -force (see Options.Force).
func (r *Run) Force() bool { return r.x.o.Force }

// Once returns the value fn makes for key, calling fn only once per run
// (for example one key for every action's digests).
func (r *Run) Once(key string, fn func() (any, error)) (any, error) { return r.x.onceFor(key, fn) }

// Message reports a note about the action.
func (r *Run) Message(format string, args ...any) {
	r.x.o.Sink.Event(Event{Type: EvMessage, Op: r.Op, Address: r.Action.Address, Message: fmt.Sprintf(format, args...)})
}

// Progress returns a counter of the action's items that sends progress
// events in batches.
func (r *Run) Progress(total, totalBytes int64) *transfer.Progress {
	a := r.Action
	return transfer.NewProgress(total, totalBytes, func(done, bytes int64) {
		r.x.o.Sink.Event(Event{Type: EvProgress, Op: r.Op, Address: a.Address, Action: string(a.Action), Unit: a.Estimate.Unit,
			Done: done, Total: total, Bytes: bytes, TotalBytes: totalBytes})
	})
}

// SetResource records what the action created or changed in the state
// (kind and scope default to the action's); flags already set on the
// address stay set.
func (r *Run) SetResource(ctx context.Context, res state.Resource) error {
	if res.Kind == "" {
		res.Kind = string(r.Action.Kind)
	}
	if res.Scope == "" {
		res.Scope = r.Action.Scope
	}
	return r.x.o.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) {
		if old := f.FindResource(res.Address); old != nil {
			res.Created = res.Created || old.Created
			res.Changed = res.Changed || old.Changed
		}
		f.SetResource(res)
	})
}

// RemoveResource drops address from the state's resources: the item
// rehome created there is gone again (removed because the source lost it).
func (r *Run) RemoveResource(ctx context.Context, address string) error {
	return r.x.o.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) { f.RemoveResource(address) })
}

// CreateContainer carries out the create action of a container (a
// bucket, a zone) at the destination, named what ("bucket \"b\"") in
// messages. create must return an error wrapping providers.ErrExists when
// the container exists: one that appeared since the plan is used and not
// claimed, so rollback keeps it. Result.Created records in the journal
// entry itself whether rehome created it, which is what rollback goes by.
func (r *Run) CreateContainer(ctx context.Context, what string, create func(ctx context.Context) error) (state.Result, error) {
	a := r.Action
	// A retried create that finds the container (the earlier attempt's
	// response was lost, or someone else made it) cannot tell which, so it
	// does not claim it either.
	err := r.Caller.Do(ctx, "create "+what, func(ctx context.Context, _ int) error { return create(ctx) })
	created := err == nil
	if errors.Is(err, providers.ErrExists) {
		r.Message("%s appeared at %s since the plan; using it, and rollback will not delete it", what, a.To.Env)
		err = nil
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("create %s at %s: %w", what, a.To.Env, err)
	}
	return state.Result{Created: created}, r.SetResource(ctx, state.Resource{Address: a.Address, Type: a.Type,
		Env: a.To.Env, Name: a.To.Name, Created: created, Attrs: map[string]string{"id": a.To.ID}})
}

// Recorder writes per-item records of one scope in batches, so a copy of
// many small items does not pay one store transaction per item. Records
// put but not yet flushed when the process dies are lost; a kind using it
// must find such items again on the next run (by content), never rewrite
// them blindly.
type Recorder struct {
	ch   chan recItem
	errc chan error
}

type recItem struct {
	key string
	rec any
}

// Recorder starts a batched writer for scope. Close it to flush. When
// sync is set it runs before each batch is written, and a batch is written
// only if it succeeds: a kind whose writes become durable in batches
// (providers.BatchWriter) records items only once they are durable.
func (r *Run) Recorder(ctx context.Context, scope string, sync func(context.Context) error) *Recorder {
	p := r.x.o.Progress
	rec := &Recorder{ch: make(chan recItem, 256), errc: make(chan error, 1)}
	// Flushes survive Ctrl-C: finished items are recorded on the way out.
	ctx = context.WithoutCancel(ctx)
	go func() {
		var firstErr error
		batch := map[string]any{}
		flush := func() {
			if len(batch) == 0 {
				return
			}
			var err error
			if sync != nil {
				err = sync(ctx)
			}
			if err == nil {
				err = p.PutMany(ctx, scope, batch)
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			batch = map[string]any{}
		}
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case it, ok := <-rec.ch:
				if !ok {
					flush()
					rec.errc <- firstErr
					return
				}
				batch[it.key] = it.rec
				if len(batch) >= 512 {
					flush()
				}
			case <-t.C:
				flush()
			}
		}
	}()
	return rec
}

// Put queues a record.
func (r *Recorder) Put(key string, v any) { r.ch <- recItem{key, v} }

// Close flushes what is queued and reports the first error.
func (r *Recorder) Close() error {
	close(r.ch)
	return <-r.errc
}
