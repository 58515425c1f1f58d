package memory_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
)

// harness drives moves between memory environments through the engine, the
// path `rehome plan/apply/rollback` takes.
type harness struct {
	t     *testing.T
	dir   string
	store *memory.Store
	cfg   *lang.Config
}

func newHarness(t *testing.T, m *lang.Move) *harness {
	dir := t.TempDir()
	envs := map[string]*lang.Environment{}
	for _, n := range []string{m.From, m.To} {
		envs[n] = &lang.Environment{Name: n, Provider: memory.Name,
			Value: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(n)})}
	}
	return &harness{t: t, dir: dir, store: memory.NewStore(), cfg: &lang.Config{Dir: dir, Hash: "memory-test",
		Migration:    &lang.Migration{Name: "memory-test", StatePath: filepath.Join(dir, "state")},
		Environments: envs, Moves: []*lang.Move{m}}}
}

func (h *harness) open(op string) *engine.Session {
	h.t.Helper()
	e := &engine.Engine{Dir: h.dir, Registry: providers.NewRegistry(h.store.Factory()), Kinds: builtin.Registry(), Version: "test",
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }}
	s, err := e.Open(context.Background(), h.cfg, op, 0)
	if err != nil {
		h.t.Fatalf("open: %v", err)
	}
	return s
}

func (h *harness) plan() *planner.Plan {
	h.t.Helper()
	s := h.open("plan")
	defer s.Close()
	p, err := s.Plan(context.Background(), nil)
	if err != nil {
		h.t.Fatalf("plan: %v", err)
	}
	return p
}

func (h *harness) apply() *planner.Plan {
	h.t.Helper()
	s := h.open("apply")
	defer s.Close()
	p, err := s.Plan(context.Background(), nil)
	if err != nil {
		h.t.Fatalf("plan: %v", err)
	}
	rep, err := s.Apply(context.Background(), p, engine.RunOptions{Parallelism: 2})
	if err != nil {
		h.t.Fatalf("apply: %v", err)
	}
	if err := rep.Err(); err != nil {
		h.t.Fatalf("apply: %v", err)
	}
	return p
}

func (h *harness) rollback() {
	h.t.Helper()
	s := h.open("rollback")
	defer s.Close()
	rep, err := s.Rollback(context.Background(), engine.RunOptions{})
	if err != nil {
		h.t.Fatalf("rollback: %v", err)
	}
	if err := rep.Err(); err != nil {
		h.t.Fatalf("rollback: %v", err)
	}
}

func secretState(t *testing.T, p *memory.Provider) map[string]string {
	t.Helper()
	list, err := p.ListSecrets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range list {
		out[m.Name] = m.Version + "=" + value(t, p, m.Name)
	}
	return out
}

// TestSecretsOverwriteRollbackRestoresVersion: memory -> memory with
// overwrite = true, where the destination holds another value under one of
// the names. The plan marks the overwrite as reversible (the destination is
// versioned); apply makes the source's value current; rollback makes the
// destination's original version current again and deletes the secret
// rehome created.
func TestSecretsOverwriteRollbackRestoresVersion(t *testing.T) {
	ctx := context.Background()
	m := &lang.Move{Kind: providers.KindSecrets, Name: "keys", From: "src", To: "dst", Overwrite: true, Settings: &secrets.Settings{}}
	h := newHarness(t, m)
	src, dst := h.store.Env("src"), h.store.Env("dst")
	if _, err := src.PutSecrets(ctx, []providers.Secret{sec("API_KEY", "new-key"), sec("DB_URL", "postgres://new")}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.PutSecrets(ctx, []providers.Secret{sec("API_KEY", "old-key"), sec("KEEP", "mine")}); err != nil {
		t.Fatal(err)
	}
	before := secretState(t, dst)

	p := h.apply()
	var acts []string
	for _, a := range p.Actions {
		acts = append(acts, string(a.Phase)+" "+string(a.Action)+" "+a.Address)
		if a.Address == `move.secrets.keys.secret["API_KEY"]` {
			if a.Irreversible || a.Action != planner.ActUpdate {
				t.Errorf("overwrite of a versioned secret: action %s irreversible=%v, undo %q", a.Action, a.Irreversible, a.Undo)
			}
		}
	}
	wantActs := []string{
		`prepare update move.secrets.keys.secret["API_KEY"]`,
		`prepare create move.secrets.keys.secret["DB_URL"]`,
		`cutover sync move.secrets.keys.cutover_sync`,
	}
	if d := cmp.Diff(wantActs, acts); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	for _, f := range p.Audit {
		if f.Code == "secrets.overwrite_irreversible" || f.Severity == planner.SevBlocker {
			t.Errorf("unexpected finding %s (%s)", f.Code, f.Severity)
		}
	}
	after := secretState(t, dst)
	want := map[string]string{"API_KEY": "v2=new-key", "DB_URL": "v1=postgres://new", "KEEP": "v1=mine"}
	if d := cmp.Diff(want, after); d != "" {
		t.Errorf("destination after apply (-want +got):\n%s", d)
	}
	if again := h.plan(); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply has %d changes", again.Summary.Changes)
	}

	h.rollback()
	if d := cmp.Diff(before, secretState(t, dst)); d != "" {
		t.Errorf("destination after rollback (-before +after):\n%s", d)
	}
	if got := value(t, src, "API_KEY"); got != "new-key" {
		t.Errorf("the source changed: %q", got)
	}
	if full := h.plan(); full.Summary.Changes != 2 {
		t.Errorf("after rollback the plan has %d changes, want the 2 again", full.Summary.Changes)
	}
}
