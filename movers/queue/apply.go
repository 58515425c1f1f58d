package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// drainBatch is how many messages one receive takes and one batch of
// records covers.
const drainBatch = 100

// Apply carries out a queue action: a queue's create, or its drain.
func (Mover) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	switch r.Action.Type {
	case typeQueue:
		return createQueue(ctx, r)
	case typeMessages:
		return drainQueue(ctx, r)
	}
	return state.Result{}, fmt.Errorf("queue has no action type %q", r.Action.Type)
}

func createQueue(ctx context.Context, r *exec.Run) (state.Result, error) {
	var p queueParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, err := r.Env(r.Action.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	dq, err := planner.Capability[providers.Queue](dst, what)
	if err != nil {
		return state.Result{}, err
	}
	return r.CreateContainer(ctx, fmt.Sprintf("queue %q", p.Name), func(ctx context.Context) error {
		err := dq.EnsureQueue(ctx, p.Spec)
		if errors.Is(err, providers.ErrQueueMismatch) {
			// Not to be used as it is: a queue with other settings appeared
			// since the plan.
			return fmt.Errorf("%w: %s; not using it (plan again)", providers.ErrQueueMismatch, err.Error())
		}
		return err
	})
}

// movers returns the message sides of a drain.
func messageSides(src, dst *planner.Env) (providers.MessageMover, providers.MessageMover, error) {
	return planner.Capabilities[providers.MessageMover](src, dst, "message drain")
}

// drainQueue moves the messages left at the source to the destination.
func drainQueue(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p drainParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, dst, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	sq, _, err := sides(src, dst)
	if err != nil {
		return state.Result{}, err
	}
	sm, dm, err := messageSides(src, dst)
	if err != nil {
		return state.Result{}, err
	}
	prog := r.Progress(a.Estimate.Items, 0)
	prog.Start()
	d := &drainer{caller: r.Caller, from: sm, fromName: p.Src, to: dm, toName: p.Dst, records: r.Records(), scope: a.Scope,
		depth: func(ctx context.Context) (providers.QueueDepth, error) { return sq.Depth(ctx, p.Src) },
		fifo:  p.FIFO, hold: time.Duration(p.HoldSeconds) * time.Second, timeout: time.Duration(p.TimeoutSeconds) * time.Second,
		batch: drainBatch, progress: prog, note: r.Message}
	t, err := d.run(ctx)
	res := state.Result{Copied: t.Confirmed, AlreadyDone: t.Settled, Deleted: t.Deleted}
	if err != nil {
		return res, fmt.Errorf("drain %s at %s into %s at %s: %w", p.Src, a.From.Env, p.Dst, a.To.Env, err)
	}
	r.Message("%s", t.String())
	err = r.SetResource(ctx, state.Resource{Address: a.Move + fmt.Sprintf(".messages[%q]", p.Src), Type: typeMessages,
		Env: a.To.Env, Name: p.Dst, Created: true, Attrs: map[string]string{
			"source": a.From.Env + "/" + p.Src, "moved": strconv.FormatInt(t.Moved, 10), "sent": strconv.FormatInt(t.TotalSent(), 10),
			"confirmed": strconv.FormatInt(t.TotalConfirmed, 10), "duplicates": strconv.FormatInt(t.Duplicates(), 10),
			"deduplicated": strconv.FormatInt(t.TotalDeduped, 10), "in_doubt": strconv.FormatInt(t.InDoubt, 10),
			"left": strconv.FormatInt(t.Left, 10)}})
	return res, err
}

// UndoStep names a rollback step: a queue's create, or its drain.
func (Mover) UndoStep(g exec.UndoGroup) exec.UndoStep { return exec.DefaultUndoStep(g) }

// Undo reverses a queue step.
func (Mover) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	switch u.Undo().Type {
	case typeQueue:
		return undoQueue(ctx, u)
	case typeMessages:
		return undoDrain(ctx, u)
	}
	return state.Result{}, fmt.Errorf("queue has no action type %q to undo", u.Undo().Type)
}

// destQueue returns an undo step's destination and its queue service.
func destQueue(u *exec.UndoRun) (*planner.Env, providers.Queue, error) {
	dst, err := u.Dest()
	if err != nil {
		return nil, nil, err
	}
	dq, err := planner.Capability[providers.Queue](dst, what)
	return dst, dq, err
}

// undoQueue deletes a queue rehome created, once it is empty.
func undoQueue(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	if !u.Created() {
		u.KeepContainer("queue")
		return state.Result{}, nil
	}
	var p queueParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, dq, err := destQueue(u)
	if err != nil {
		return state.Result{}, err
	}
	err = u.Caller.Do(ctx, fmt.Sprintf("delete queue %q", p.Name), func(ctx context.Context, _ int) error {
		return dq.DeleteQueue(ctx, p.Name)
	})
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return state.Result{}, nil // gone already
	case errors.Is(err, providers.ErrNotEmpty):
		return state.Result{}, fmt.Errorf("queue %q at %s holds messages rehome did not move back; left in place: %w", p.Name, dst.Name, err)
	case err != nil:
		return state.Result{}, fmt.Errorf("delete queue %q at %s: %w", p.Name, dst.Name, err)
	}
	return state.Result{Deleted: 1}, nil
}

// undoDrain moves the messages at the destination queue back to the
// source queue (what the plan's undo says), or leaves them where that
// cannot be done safely.
func undoDrain(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	var p drainParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	if p.Foreign {
		u.Note = fmt.Sprintf("messages drained into %q stay there: the queue existed before rehome, which cannot tell its messages from others'", p.Dst)
		return state.Result{}, nil
	}
	dst, dq, err := destQueue(u)
	if err != nil {
		return state.Result{}, err
	}
	depth, err := dq.Depth(ctx, p.Dst)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, nil // the queue is gone: nothing to move back
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("count messages of %q at %s: %w", p.Dst, dst.Name, err)
	}
	if p.NoMoveBack != "" {
		if depth.Total() == 0 {
			return state.Result{}, nil
		}
		return state.Result{}, fmt.Errorf("cannot move the %d message(s) in %q at %s back: %s; they stay, and so does the queue (forget this step with `rehome state rm %s` once they are handled)",
			depth.Total(), p.Dst, dst.Name, p.NoMoveBack, u.Group.Oldest().Address)
	}
	src, err := u.Source()
	if err != nil {
		return state.Result{}, err
	}
	sq, err := planner.Capability[providers.Queue](src, what)
	if err != nil {
		return state.Result{}, err
	}
	if _, err := sq.Queue(ctx, p.Src); err != nil {
		return state.Result{}, fmt.Errorf("cannot move messages back: source queue %q at %s: %w; they stay in %q at %s", p.Src, src.Name, err, p.Dst, dst.Name)
	}
	back, to, err := messageSides(dst, src)
	if err != nil {
		return state.Result{}, err
	}
	d := &drainer{caller: u.Caller, from: back, fromName: p.Dst, to: to, toName: p.Src, records: u.Records(), scope: u.Undo().Scope,
		prefix: "back/", depth: func(ctx context.Context) (providers.QueueDepth, error) { return dq.Depth(ctx, p.Dst) },
		fifo: p.FIFO, hold: time.Duration(p.HoldSeconds) * time.Second, timeout: time.Duration(p.TimeoutSeconds) * time.Second,
		batch: drainBatch, note: func(string, ...any) {}}
	if p.FIFO {
		d.prepare = freshDedup
	}
	t, err := d.run(ctx)
	res := state.Result{Restored: t.Deleted}
	if err != nil {
		return res, fmt.Errorf("move messages in %q at %s back to %q at %s: %w", p.Dst, dst.Name, p.Src, src.Name, err)
	}
	u.Note = fmt.Sprintf("messages moved back to %q at %s: %s", p.Src, src.Name, t.String())
	return res, nil
}

// freshDedup gives a message moved back a deduplication id of its own: the
// source still remembers the original ids for its window and would drop
// the message as a repeat. The id is derived from the message, so a move
// back repeated after a crash is dropped instead.
func freshDedup(m *providers.Message) {
	key := m.OriginID + "\x00" + m.DedupID
	if m.OriginID == "" && m.DedupID == "" {
		key = m.ID
	}
	// Copies of one message (a drain's duplicates) get one id, so the
	// source keeps one of them.
	h := sha256.Sum256([]byte("rehome-back\x00" + key))
	m.DedupID = "rehome-back-" + hex.EncodeToString(h[:16])
}
