package providertest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/transfer"
)

// Runner drives the engine the way the CLI does, for tests: each call opens
// a session (taking the state lock), runs one command, closes the session,
// and fails the test on any error.
type Runner struct {
	Engine *engine.Engine
	Ctx    context.Context
	// Options are what apply, cutover and rollback run with: three
	// workers, and retries of transient failures after milliseconds, not
	// seconds.
	Options engine.RunOptions
}

// NewRunner returns a runner over the given providers, with a fixed clock
// and no log.
func NewRunner(ctx context.Context, reg *providers.Registry, dir string) *Runner {
	return &Runner{Ctx: ctx, Engine: &engine.Engine{Dir: dir, Registry: reg, Kinds: builtin.Registry(), Version: "test",
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }},
		Options: engine.RunOptions{Parallelism: 3, Retry: transfer.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}}}
}

// Open opens a session for op; the caller closes it.
func (r *Runner) Open(t testing.TB, cfg *lang.Config, op string) *engine.Session {
	t.Helper()
	s, err := r.Engine.Open(r.Ctx, cfg, op, 0)
	if err != nil {
		t.Fatalf("open %s: %v", op, err)
	}
	return s
}

// Plan discovers and plans.
func (r *Runner) Plan(t testing.TB, cfg *lang.Config) *planner.Plan {
	t.Helper()
	s := r.Open(t, cfg, "plan")
	defer s.Close()
	p, err := s.Plan(r.Ctx, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// Apply plans and applies the prepare phase; the run must succeed. It
// returns the plan it applied.
func (r *Runner) Apply(t testing.TB, cfg *lang.Config) *planner.Plan {
	t.Helper()
	p, err := r.apply(t, cfg)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return p
}

// ApplyErr plans and applies and returns what went wrong, if anything.
func (r *Runner) ApplyErr(t testing.TB, cfg *lang.Config) error {
	t.Helper()
	_, err := r.apply(t, cfg)
	return err
}

func (r *Runner) apply(t testing.TB, cfg *lang.Config) (*planner.Plan, error) {
	t.Helper()
	s := r.Open(t, cfg, "apply")
	defer s.Close()
	p, err := s.Plan(r.Ctx, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	rep, err := s.Apply(r.Ctx, p, r.Options)
	if err == nil {
		err = rep.Err()
	}
	return p, err
}

// Cutover runs the cutover phase; it must succeed.
func (r *Runner) Cutover(t testing.TB, cfg *lang.Config) {
	t.Helper()
	if err := r.CutoverErr(t, cfg); err != nil {
		t.Fatalf("cutover: %v", err)
	}
}

// CutoverErr runs the cutover phase and returns what went wrong.
func (r *Runner) CutoverErr(t testing.TB, cfg *lang.Config) error {
	t.Helper()
	s := r.Open(t, cfg, "cutover")
	defer s.Close()
	p, err := s.Plan(r.Ctx, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	rep, err := s.Cutover(r.Ctx, p, r.Options)
	if err == nil {
		err = rep.Err()
	}
	return err
}

// Rollback undoes everything applied; it must succeed.
func (r *Runner) Rollback(t testing.TB, cfg *lang.Config) *exec.Report {
	t.Helper()
	s := r.Open(t, cfg, "rollback")
	defer s.Close()
	rep, err := s.Rollback(r.Ctx, r.Options)
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	return rep
}
