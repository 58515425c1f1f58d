package exec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Options configure an Executor.
type Options struct {
	Envs     planner.Envs
	Store    *state.Store
	Journal  *state.Journal
	Progress *state.Progress
	// Parallelism bounds concurrent actions, and concurrent items within
	// one action (default 4).
	Parallelism int
	Sink        Sink
	Log         *slog.Logger
}

// Executor runs plans and rollbacks.
type Executor struct {
	o Options

	keyMu sync.Mutex
	key   []byte // the state's key for secret digests, once loaded
}

// digestKey returns the state's key for secret digests, creating it once
// (actions run in parallel, and all must use one key).
func (x *Executor) digestKey(ctx context.Context) ([]byte, error) {
	x.keyMu.Lock()
	defer x.keyMu.Unlock()
	if x.key == nil {
		k, err := planner.EnsureSecretDigestKey(ctx, x.o.Progress)
		if err != nil {
			return nil, err
		}
		x.key = k
	}
	return x.key, nil
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
	return &Executor{o: o}
}

// Report sums up a run.
type Report struct {
	Actions  int
	Failed   int
	Skipped  int // not run because a dependency failed
	Copied   int64
	Already  int64 // items found done (verified earlier or identical)
	Deleted  int64
	Restored int64
	Bytes    int64
	Errors   []error
}

// Err joins the run's errors.
func (r *Report) Err() error { return errors.Join(r.Errors...) }

type outcome struct {
	done chan struct{}
	ok   bool
}

// Apply runs the plan's actions of the given phase (op is "apply" or
// "cutover"), skipping no-ops. It returns an error only when the run could
// not start; action failures are in the report.
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
						mu.Lock()
						rep.Skipped++
						mu.Unlock()
						x.o.Sink.Event(Event{Type: EvActionFail, Op: op, Address: a.Address, Action: string(a.Action),
							Error: "not run: dependency " + d + " failed"})
						return
					}
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				rep.Skipped++
				mu.Unlock()
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil { // interrupted while waiting for a slot
				mu.Lock()
				rep.Skipped++
				mu.Unlock()
				return
			}
			res, err := x.runAction(ctx, a, op, unfinished[a.Address])
			mu.Lock()
			defer mu.Unlock()
			rep.Actions++
			rep.Copied += res.Copied
			rep.Already += res.Skipped
			rep.Deleted += res.Deleted
			rep.Bytes += res.Bytes
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
	x.o.Sink.Event(Event{Type: EvSummary, Op: op, Actions: rep.Actions, Failed: rep.Failed, NotRun: rep.Skipped,
		Copied: rep.Copied, Skipped: rep.Already, Bytes: rep.Bytes, Deleted: rep.Deleted})
	return rep
}

// runAction journals and runs one action.
func (x *Executor) runAction(ctx context.Context, a planner.Action, op string, interrupted []int) (state.Result, error) {
	undo := state.Undo{Description: a.Undo, Params: undoParams(a)}
	seq, err := x.o.Journal.Begin(ctx, op, a.Address, string(a.Action), string(a.Phase), undo)
	if err != nil {
		err = fmt.Errorf("journal begin: %w", err)
		x.o.Sink.Event(Event{Type: EvActionFail, Op: op, Address: a.Address, Action: string(a.Action), Error: err.Error()})
		return state.Result{}, err
	}
	ev := Event{Type: EvActionStart, Op: op, Address: a.Address, Action: string(a.Action),
		Total: a.Estimate.Objects + a.Estimate.Records + a.Estimate.Secrets, TotalBytes: a.Estimate.Bytes,
		Resumed: len(interrupted) > 0}
	if len(interrupted) > 0 {
		ev.Message = "resuming an interrupted run: finished items are checked, not redone"
	}
	x.o.Sink.Event(ev)
	run := &actionRun{x: x, a: a, op: op}
	x.o.Log.Debug("action begin", "op", op, "address", a.Address, "action", a.Action, "seq", seq, "resumed", len(interrupted) > 0)
	start := time.Now()
	res, err := x.dispatch(ctx, run)
	x.o.Log.Debug("action end", "op", op, "address", a.Address, "seq", seq, "elapsed", time.Since(start).Round(time.Millisecond),
		"copied", res.Copied, "already_done", res.Skipped, "bytes", res.Bytes, "error", err)
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
	if err != nil {
		x.o.Sink.Event(Event{Type: EvActionFail, Op: op, Address: a.Address, Action: string(a.Action), Error: err.Error(),
			Copied: res.Copied, Skipped: res.Skipped})
		return res, err
	}
	x.o.Sink.Event(Event{Type: EvActionDone, Op: op, Address: a.Address, Action: string(a.Action),
		Copied: res.Copied, Skipped: res.Skipped, Bytes: res.Bytes, Deleted: res.Deleted})
	return res, nil
}

// undoParams are what rollback needs to find the action's handler and data.
func undoParams(a planner.Action) map[string]string {
	p := maps.Clone(a.Params)
	if p == nil {
		p = map[string]string{}
	}
	p["move"] = a.Move
	p["kind"] = string(a.Kind)
	p["type"] = a.Type
	p["from_env"], p["from"], p["from_id"] = a.From.Env, a.From.Name, a.From.ID
	p["to_env"], p["to"], p["to_id"] = a.To.Env, a.To.Name, a.To.ID
	return p
}

func (x *Executor) dispatch(ctx context.Context, r *actionRun) (state.Result, error) {
	a := r.a
	switch {
	case a.Kind == providers.KindStorage && a.Type == "bucket":
		return r.createBucket(ctx)
	case a.Kind == providers.KindStorage && a.Type == "objects":
		return r.copyObjects(ctx)
	case a.Kind == providers.KindDNS && a.Type == "zone":
		return r.createZone(ctx)
	case a.Kind == providers.KindDNS && a.Type == "records":
		return r.copyRecords(ctx)
	case a.Kind == providers.KindDNS && a.Type == "source_ttl":
		return r.lowerTTL(ctx)
	case a.Kind == providers.KindSecrets && a.Type == "secret":
		return r.copySecrets(ctx, []string{a.Params["name"]})
	case a.Kind == providers.KindSecrets && a.Type == "secrets":
		return r.copySecrets(ctx, nil)
	}
	return state.Result{}, fmt.Errorf("no handler for %s %s (%s)", a.Kind, a.Type, a.Action)
}

// actionRun is one action's execution context.
type actionRun struct {
	x  *Executor
	a  planner.Action
	op string

	done, bytes atomic.Int64
	lastEvent   atomic.Int64 // unix nanoseconds of the last progress event
}

func (r *actionRun) env(name string) (*planner.Env, error) {
	e, ok := r.x.o.Envs[name]
	if !ok {
		return nil, fmt.Errorf("environment %q is not configured", name)
	}
	return e, nil
}

// sides returns the action's source and destination environments.
func (r *actionRun) sides() (src, dst *planner.Env, err error) {
	if src, err = r.env(r.a.From.Env); err != nil {
		return nil, nil, err
	}
	dst, err = r.env(r.a.To.Env)
	return src, dst, err
}

// progressEvery is the time after which a progress event is sent anyway;
// otherwise one goes out per percent of the items (and for the first and
// the last), so a million-object copy does not emit a million events.
const progressEvery = 200 * time.Millisecond

func (r *actionRun) progress(total, totalBytes int64) {
	done := r.done.Load()
	now := time.Now().UnixNano()
	step := max(total/100, 1)
	if done != 0 && done < total && done%step != 0 && now-r.lastEvent.Load() < int64(progressEvery) {
		return
	}
	r.lastEvent.Store(now)
	r.x.o.Sink.Event(Event{Type: EvProgress, Op: r.op, Address: r.a.Address, Action: string(r.a.Action),
		Done: done, Total: total, Bytes: r.bytes.Load(), TotalBytes: totalBytes})
}

func (r *actionRun) setResource(ctx context.Context, res state.Resource) error {
	return r.x.o.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) {
		if old := f.FindResource(res.Address); old != nil {
			res.Created = res.Created || old.Created
			res.Changed = res.Changed || old.Changed
		}
		f.SetResource(res)
	})
}
