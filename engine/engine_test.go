package engine_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/state"
)

type harness struct {
	t     *testing.T
	ctx   context.Context
	store *memory.Store
	e     *engine.Engine
	cfg   *lang.Config
}

// newHarness sets up a memory -> memory storage move of one bucket.
func newHarness(t *testing.T) *harness {
	st := memory.NewStore()
	dir := t.TempDir()
	env := func(n string) *lang.Environment {
		return &lang.Environment{Name: n, Provider: memory.Name, Value: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(n)})}
	}
	cfg := &lang.Config{Dir: dir, Hash: "h1",
		Migration:    &lang.Migration{Name: "m", StatePath: filepath.Join(dir, "state")},
		Environments: map[string]*lang.Environment{"src": env("src"), "dst": env("dst")},
		Moves: []*lang.Move{{Kind: providers.KindStorage, Name: "s", From: "src", To: "dst",
			Settings: &storage.Settings{Verify: storage.VerifyChecksum}}}}
	h := &harness{t: t, ctx: context.Background(), store: st, cfg: cfg,
		e: &engine.Engine{Dir: dir, Registry: providers.NewRegistry(st.Factory()), Kinds: builtin.Registry(), Version: "test",
			Log: slog.New(slog.DiscardHandler), Now: time.Now}}
	src := st.Env("src")
	if err := src.CreateBucket(h.ctx, providers.Bucket{Name: "bkt"}); err != nil {
		t.Fatal(err)
	}
	h.put("bkt", "a.txt", "one")
	return h
}

func (h *harness) put(bucket, key, body string) {
	h.t.Helper()
	_, err := h.store.Env("src").Put(h.ctx, bucket, providers.Object{Key: key, Size: int64(len(body))}, bytes.NewReader([]byte(body)))
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) session(op string) *engine.Session {
	h.t.Helper()
	s, err := h.e.Open(h.ctx, h.cfg, op, 0)
	if err != nil {
		h.t.Fatalf("open: %v", err)
	}
	h.t.Cleanup(func() { s.Close() })
	return s
}

func (h *harness) plan(s *engine.Session) *planner.Plan {
	h.t.Helper()
	p, err := s.Plan(h.ctx, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) apply() {
	h.t.Helper()
	s := h.session("apply")
	rep, err := s.Apply(h.ctx, h.plan(s), engine.RunOptions{})
	if err != nil || rep.Err() != nil {
		h.t.Fatalf("apply: %v %v", err, rep.Err())
	}
	s.Close()
}

func TestCheckSaved(t *testing.T) {
	h := newHarness(t)
	s := h.session("plan")
	fresh := h.plan(s)
	if fresh.StateLineage != "" || fresh.StateSerial != 0 {
		t.Fatalf("a plan before any state records lineage %q serial %d; want none", fresh.StateLineage, fresh.StateSerial)
	}
	if err := s.CheckSaved(fresh); err != nil {
		t.Fatalf("a fresh plan is stale at once: %v", err)
	}
	s.Close()

	h.apply()
	s = h.session("plan")
	if err := s.CheckSaved(fresh); !errors.Is(err, engine.ErrStalePlan) {
		t.Fatalf("a plan from before an apply: CheckSaved = %v, want ErrStalePlan", err)
	}
	cur := h.plan(s)
	if err := s.CheckSaved(cur); err != nil {
		t.Fatalf("current plan: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(p *planner.Plan)
		want   string
	}{
		{"config changed", func(p *planner.Plan) { p.ConfigHash = "other" }, "configuration changed"},
		{"other state", func(p *planner.Plan) { p.StateLineage = "other" }, "another state"},
		{"state moved on", func(p *planner.Plan) { p.StateSerial-- }, "state changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *cur
			tt.mutate(&p)
			err := s.CheckSaved(&p)
			if !errors.Is(err, engine.ErrStalePlan) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckSaved = %v, want stale plan mentioning %q", err, tt.want)
			}
		})
	}
}

func TestPhaseGuards(t *testing.T) {
	h := newHarness(t)
	s := h.session("cutover")
	if _, err := s.Cutover(h.ctx, h.plan(s), engine.RunOptions{}); !errors.Is(err, engine.ErrPhase) {
		t.Fatalf("cutover before apply = %v, want ErrPhase", err)
	}
	if _, err := s.Finalize(h.ctx, h.plan(s)); !errors.Is(err, engine.ErrPhase) {
		t.Fatalf("finalize before cutover = %v, want ErrPhase", err)
	}
	s.Close()
	h.apply()

	// Source drift is covered by the cutover's final sync.
	h.put("bkt", "new.txt", "two")
	s = h.session("cutover")
	p := h.plan(s)
	if un := engine.Uncovered(p); len(un) != 0 {
		t.Fatalf("Uncovered = %v, want none (a new object is copied by the cutover sync)", un)
	}
	rep, err := s.Cutover(h.ctx, p, engine.RunOptions{})
	if err != nil || rep.Err() != nil {
		t.Fatalf("cutover: %v %v", err, rep.Err())
	}
	if _, err := h.store.Env("dst").Head(h.ctx, "bkt", "new.txt"); err != nil {
		t.Fatalf("the cutover did not copy the new object: %v", err)
	}
	if _, err := s.Rollback(h.ctx, engine.RunOptions{}); !errors.Is(err, engine.ErrPhase) || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("rollback after cutover without force = %v, want ErrPhase naming -force", err)
	}
	list, err := s.Finalize(h.ctx, h.plan(s))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "bkt" || list[0].Env != "src" || list[0].Type != "bucket" {
		t.Fatalf("decommission list = %+v, want bucket bkt in src", list)
	}
	if _, err := h.store.Env("src").Head(h.ctx, "bkt", "a.txt"); err != nil {
		t.Fatalf("finalize touched the source: %v", err)
	}
	if _, err := s.Rollback(h.ctx, engine.RunOptions{Force: true}); !errors.Is(err, engine.ErrPhase) {
		t.Fatalf("rollback after finalize, even forced = %v, want ErrPhase", err)
	}
}

func TestUncoveredNewBucket(t *testing.T) {
	h := newHarness(t)
	h.apply()
	if err := h.store.Env("src").CreateBucket(h.ctx, providers.Bucket{Name: "cee"}); err != nil {
		t.Fatal(err)
	}
	s := h.session("cutover")
	p := h.plan(s)
	un := engine.Uncovered(p)
	if len(un) != 1 || un[0] != `move.storage.s.bucket["cee"]` {
		t.Fatalf("Uncovered = %v, want the new bucket's create", un)
	}
	if _, err := s.Cutover(h.ctx, p, engine.RunOptions{}); !errors.Is(err, engine.ErrPhase) {
		t.Fatalf("cutover with an uncovered step = %v, want ErrPhase", err)
	}
}

func TestForget(t *testing.T) {
	h := newHarness(t)
	h.apply()
	st := state.Open(h.cfg.Migration.StatePath)
	missing, err := engine.Forget(h.ctx, st, []string{`move.storage.s.objects["bkt"]`, "move.storage.s.nope"})
	if err != nil || len(missing) != 1 || missing[0] != "move.storage.s.nope" {
		t.Fatalf("Forget with a missing address = %v, %v; want it named and nothing changed", missing, err)
	}
	f, _ := st.Load(h.ctx)
	if f.FindResource(`move.storage.s.objects["bkt"]`) == nil {
		t.Fatal("a Forget that reported a missing address changed the state")
	}
	if missing, err := engine.Forget(h.ctx, st, []string{`move.storage.s.objects["bkt"]`}); err != nil || missing != nil {
		t.Fatalf("Forget = %v, %v", missing, err)
	}
	// Rollback now leaves the forgotten objects, and so the bucket, alone.
	s := h.session("rollback")
	rep, err := s.Rollback(h.ctx, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Env("dst").Head(h.ctx, "bkt", "a.txt"); err != nil {
		t.Fatalf("rollback deleted a forgotten object: %v", err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "did not write") {
		t.Fatalf("rollback of the bucket = %v; want a refusal to delete a bucket holding objects rehome no longer owns", rep.Err())
	}
}

func TestReadPlanVersion(t *testing.T) {
	dir := t.TempDir()
	p := &planner.Plan{FormatVersion: "9.0", Migration: "m"}
	path := filepath.Join(dir, "p")
	if err := engine.SavePlan(path, p); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.ReadPlan(path); err == nil || !strings.Contains(err.Error(), `made by a newer rehome (plan format "9.0")`) {
		t.Fatalf("ReadPlan of a newer format = %v, want a format version error", err)
	}
	// A plan of format 1.0 (string parameters, per-unit estimates) is
	// refused with what to do.
	old := `{"format_version": "1.0", "migration": "m", "actions": [{"address": "move.storage.s.objects[\"b\"]",
		"params": {"verify": "checksum", "overwrite": "false"}, "estimate": {"objects": 3}}]}`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.ReadPlan(path); err == nil || !strings.Contains(err.Error(), `made by an older rehome (plan format "1.0")`) ||
		!strings.Contains(err.Error(), "rehome plan -out=") {
		t.Fatalf("ReadPlan of format 1.0 = %v, want a refusal saying to plan again", err)
	}
	p.FormatVersion = planner.FormatVersion
	if err := engine.SavePlan(path, p); err != nil {
		t.Fatal(err)
	}
	if got, err := engine.ReadPlan(path); err != nil || got.Migration != "m" {
		t.Fatalf("ReadPlan = %+v, %v", got, err)
	}
}

// TestRollbackResumes: a rollback interrupted part-way is journaled; the
// next rollback finishes the job and the destination is as before apply.
func TestRollbackResumes(t *testing.T) {
	h := newHarness(t)
	for _, b := range []string{"b2", "b3"} {
		if err := h.store.Env("src").CreateBucket(h.ctx, providers.Bucket{Name: b + "-bucket"}); err != nil {
			t.Fatal(err)
		}
		h.put(b+"-bucket", "x.txt", b)
	}
	h.apply()
	if bs, _ := h.store.Env("dst").Buckets(h.ctx); len(bs) != 3 {
		t.Fatalf("apply made %d buckets, want 3", len(bs))
	}

	// Cancel the rollback after its first undo step ends.
	s := h.session("rollback")
	ctx, cancel := context.WithCancel(h.ctx)
	sink := exec.SinkFunc(func(e exec.Event) {
		if e.Type == exec.EvActionDone && e.Op == "rollback" {
			cancel()
		}
	})
	rep, err := s.Rollback(ctx, engine.RunOptions{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.Err(), context.Canceled) {
		t.Fatalf("interrupted rollback error = %v, want context.Canceled", rep.Err())
	}
	var undone, rollbacks int
	for _, e := range s.State().Journal {
		if e.Status == state.Undone {
			undone++
		}
		if e.Op == "rollback" {
			rollbacks++
			if e.Status == state.Begun {
				t.Errorf("rollback entry %d left begun", e.Seq)
			}
		}
	}
	if undone == 0 || rollbacks == 0 {
		t.Fatalf("the interrupted rollback journaled %d undo steps and marked %d entries undone", rollbacks, undone)
	}
	if ph := s.State().Phase; ph != "applied" {
		t.Fatalf("phase after a partial rollback = %q, want still applied", ph)
	}
	s.Close()

	s = h.session("rollback")
	rep, err = s.Rollback(h.ctx, engine.RunOptions{})
	if err != nil || rep.Err() != nil {
		t.Fatalf("resumed rollback: %v %v", err, rep.Err())
	}
	if bs, _ := h.store.Env("dst").Buckets(h.ctx); len(bs) != 0 {
		t.Fatalf("after the resumed rollback %d buckets remain at the destination", len(bs))
	}
	if f := s.State(); f.Phase != state.PhaseRolledBack || len(f.Resources) != 0 {
		t.Fatalf("state after rollback: phase %q, %d resources", f.Phase, len(f.Resources))
	}
}

// TestRollbackIdempotent: when a crash came after an undo step's effect but
// before it was marked done, the next rollback finds the bucket already
// gone and still succeeds.
func TestRollbackIdempotent(t *testing.T) {
	h := newHarness(t)
	h.apply()
	dst := h.store.Env("dst")
	if err := dst.Delete(h.ctx, "bkt", "a.txt"); err != nil {
		t.Fatal(err)
	}
	if err := dst.DeleteBucket(h.ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	s := h.session("rollback")
	rep, err := s.Rollback(h.ctx, engine.RunOptions{})
	if err != nil || rep.Err() != nil {
		t.Fatalf("rollback after its work was already done: %v %v", err, rep.Err())
	}
	if f := s.State(); f.Phase != state.PhaseRolledBack || len(f.Resources) != 0 {
		t.Fatalf("state after rollback: phase %q, %d resources", f.Phase, len(f.Resources))
	}
}

// TestPartialRollbackForgetsUndoneItems: when rollback stops at a bucket
// holding a foreign object, the objects it did undo are no longer taken for
// rehome's: a foreign object later put at such a key is a conflict.
func TestPartialRollbackForgetsUndoneItems(t *testing.T) {
	h := newHarness(t)
	h.apply()
	dst := h.store.Env("dst")
	put := func(key, body string) {
		t.Helper()
		if _, err := dst.Put(h.ctx, "bkt", providers.Object{Key: key, Size: int64(len(body))}, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	put("theirs.txt", "someone else's")
	s := h.session("rollback")
	rep, err := s.Rollback(h.ctx, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil {
		t.Fatal("rollback deleted a bucket holding a foreign object")
	}
	s.Close()
	put("a.txt", "foreign content at a key rehome wrote before")
	s = h.session("plan")
	p := h.plan(s)
	var conflict bool
	for _, f := range p.Audit {
		conflict = conflict || f.Code == "storage.dest_conflict"
	}
	if !conflict {
		t.Fatalf("after a partial rollback, a foreign object at a key rehome once wrote is not a conflict: %+v", p.Audit)
	}
}

// TestCheckSavedEnvironmentMoved: the configuration text can stay the same
// while an environment points elsewhere (env(), file()): a saved plan is
// then stale.
func TestCheckSavedEnvironmentMoved(t *testing.T) {
	h := newHarness(t)
	s := h.session("plan")
	p := h.plan(s)
	s.Close()
	h.cfg.Environments["dst"].Value = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("elsewhere")})
	s = h.session("apply")
	err := s.CheckSaved(p)
	if !errors.Is(err, engine.ErrStalePlan) || !strings.Contains(err.Error(), "memory:elsewhere") {
		t.Fatalf("CheckSaved after the destination was pointed elsewhere = %v; want a stale plan naming the new place", err)
	}
}

// TestApplyCancelledBeforeStart: an apply whose context is already
// cancelled starts nothing: every action is reported as not run, none as
// failed, and the journal holds no begun entry.
func TestApplyCancelledBeforeStart(t *testing.T) {
	h := newHarness(t)
	for _, b := range []string{"b2-bucket", "b3-bucket", "b4-bucket"} {
		if err := h.store.Env("src").CreateBucket(h.ctx, providers.Bucket{Name: b}); err != nil {
			t.Fatal(err)
		}
	}
	s := h.session("apply")
	p := h.plan(s)
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	var summary exec.Event
	rep, err := s.Apply(ctx, p, engine.RunOptions{Parallelism: 1, Sink: exec.SinkFunc(func(e exec.Event) {
		if e.Type == exec.EvSummary {
			summary = e
		}
	})})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Actions != 0 || rep.Failed != 0 || rep.NotRun == 0 {
		t.Fatalf("report = actions %d, failed %d, not run %d; want nothing run or failed", rep.Actions, rep.Failed, rep.NotRun)
	}
	if summary.NotRun != rep.NotRun {
		t.Fatalf("summary event not_run = %d, want %d", summary.NotRun, rep.NotRun)
	}
	for _, e := range s.State().Journal {
		if e.Status == state.Begun {
			t.Fatalf("begun entry left: %+v", e)
		}
	}
}
