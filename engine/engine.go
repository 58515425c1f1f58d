package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// Engine holds what every command needs.
type Engine struct {
	Dir      string
	Registry *providers.Registry
	// Kinds are the move kinds of this build (movers/builtin).
	Kinds    *movers.Registry
	Version  string
	Log      *slog.Logger
	Getenv   func(string) (string, bool)
	Vars     []string
	VarFiles []string
	Now      func() time.Time

	// configured holds the providers Load configured, for the config it
	// loaded, so Open does not configure them a second time.
	configured    map[string]providers.Provider
	configuredFor *lang.Config
}

// Load reads and validates the configuration, including what each
// environment's provider says of its settings when configured (a bad age
// recipient, a name server that is not a domain name): every problem is a
// diagnostic pointing at its attribute.
func (e *Engine) Load(ctx context.Context) (*lang.Config, hcl.Diagnostics) {
	cfg, diags := lang.Load(e.Dir, lang.Options{Registry: e.Registry, Kinds: e.Kinds, Vars: e.Vars, VarFiles: e.VarFiles,
		Getenv: e.Getenv, Version: e.Version})
	if diags.HasErrors() {
		return cfg, diags
	}
	more, ready := e.checkEnvironments(ctx, cfg)
	e.configured, e.configuredFor = ready, cfg
	more = append(more, samePlace(cfg, providerIdentity(ready))...)
	return cfg, append(diags, more...)
}

// checkEnvironments configures every environment's provider once and turns
// its errors into diagnostics.
func (e *Engine) checkEnvironments(ctx context.Context, cfg *lang.Config) (hcl.Diagnostics, map[string]providers.Provider) {
	var diags hcl.Diagnostics
	ready := map[string]providers.Provider{}
	names := make([]string, 0, len(cfg.Environments))
	for n := range cfg.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		env := cfg.Environments[n]
		f, ok := e.Registry.Get(env.Provider)
		if !ok {
			continue // lang reported it
		}
		p, err := e.configure(ctx, cfg, n, f)
		if err == nil {
			ready[n] = p
			continue
		}
		for _, one := range splitJoined(err) {
			subject := env.DeclRange
			detail := one.Error()
			var ae *providers.AttrError
			if errors.As(one, &ae) {
				key := strings.SplitN(ae.Attr, "[", 2)[0]
				if r, ok := env.AttrRanges[key]; ok { // a nested block's attribute
					subject = r
				} else if r, ok := env.AttrRanges[strings.SplitN(key, ".", 2)[0]]; ok {
					subject = r
				}
				detail = ae.Error()
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid environment setting",
				Detail:  fmt.Sprintf("Environment %q (provider %s): %s.", n, env.Provider, strings.TrimSuffix(detail, ".")),
				Subject: &subject})
		}
	}
	return diags, ready
}

// configure makes and configures the provider of environment name: the one
// place providers are configured.
func (e *Engine) configure(ctx context.Context, cfg *lang.Config, name string, f providers.Factory) (providers.Provider, error) {
	p := f.New()
	err := p.Configure(ctx, providers.Config{Env: name, Dir: cfg.Dir, Value: cfg.Environments[name].Value,
		Logger: e.Log.With("env", name), Getenv: e.Getenv})
	return p, err
}

// splitJoined flattens errors.Join trees (through wrapping) into leaves.
func splitJoined(err error) []error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			var out []error
			for _, x := range j.Unwrap() {
				out = append(out, splitJoined(x)...)
			}
			return out
		}
	}
	return []error{err}
}

// Session is one command's hold on the state: locked, loaded, with the
// providers configured.
type Session struct {
	e        *Engine
	Config   *lang.Config
	Store    *state.Store
	Lock     *state.Lock
	Journal  *state.Journal
	Progress *state.Progress
	Envs     planner.Envs
	// fresh is the outermost directory of the state path that did not
	// exist before Open: Close removes it again when the command saved
	// nothing (a plan, or a command that failed before writing), so that
	// looking leaves no trace.
	fresh string
}

// Open locks and loads the state and configures the providers.
func (e *Engine) Open(ctx context.Context, cfg *lang.Config, op string, lockTimeout time.Duration) (*Session, error) {
	st := state.Open(cfg.Migration.StatePath)
	fresh := firstMissing(st.Dir())
	lk, err := st.Lock(ctx, state.LockInfo{Operation: op, Version: e.Version}, lockTimeout)
	if err != nil {
		if fresh != "" {
			os.RemoveAll(fresh)
		}
		return nil, err
	}
	s := &Session{e: e, Config: cfg, Store: st, Lock: lk, fresh: fresh}
	if lk.TookOver != nil {
		t := lk.TookOver
		e.Log.Warn("stale state lock taken over", "id", t.ID, "who", t.Who, "pid", t.PID, "operation", t.Operation)
	}
	f, err := st.Load(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if f.Migration != "" && f.Migration != cfg.Migration.Name {
		s.Close()
		return nil, fmt.Errorf("the state at %s belongs to migration %q, not %q", st.Dir(), f.Migration, cfg.Migration.Name)
	}
	f.Migration = cfg.Migration.Name
	s.Journal = state.NewJournal(st, f)
	if s.Progress, err = st.OpenProgress(ctx); err != nil {
		s.Close()
		return nil, err
	}
	var ready map[string]providers.Provider
	if e.configuredFor == cfg {
		ready = e.configured
	}
	if s.Envs, err = e.openEnvironments(ctx, cfg, ready); err != nil {
		s.Close()
		return nil, err
	}
	ps := map[string]providers.Provider{}
	for n, env := range s.Envs {
		ps[n] = env.Provider
	}
	if d := samePlace(cfg, providerIdentity(ps)); d.HasErrors() {
		s.Close()
		return nil, &DiagnosticsError{Diags: d}
	}
	return s, nil
}

// StaleLockNote describes a taken-over stale lock, or "".
func (s *Session) StaleLockNote() string {
	t := s.Lock.TookOver
	if t == nil {
		return ""
	}
	return fmt.Sprintf("A stale state lock (ID %s, %s by %s, pid %d, since %s) was left by a process that is gone; it was taken over.",
		t.ID, t.Operation, t.Who, t.PID, t.Created.Format(time.RFC3339))
}

// Close releases the progress store and the lock, and removes a state
// directory Open made when nothing was saved in it.
func (s *Session) Close() error {
	var errs []error
	keep := s.fresh == ""
	if s.Progress != nil {
		if !keep {
			scopes, err := s.Progress.Scopes(context.Background())
			keep = err != nil || len(scopes) > 0
		}
		errs = append(errs, s.Progress.Close())
		s.Progress = nil
	}
	if !keep {
		saved, err := s.Store.Exists(context.Background())
		keep = err != nil || saved || hasBackups(s.Store.Dir())
	}
	if s.Lock != nil {
		errs = append(errs, s.Lock.Unlock())
		s.Lock = nil
	}
	if !keep {
		if err := os.RemoveAll(s.fresh); err != nil {
			errs = append(errs, fmt.Errorf("remove the unused state directory %s: %w", s.fresh, err))
		}
		s.fresh = ""
	}
	// Providers holding connections (brokers) let them go.
	for _, e := range s.Envs {
		if c, ok := e.Provider.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// firstMissing returns the outermost directory of dir's path that does
// not exist ("" when dir exists).
func firstMissing(dir string) string {
	dir = filepath.Clean(dir)
	if _, err := os.Stat(dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	missing := dir
	for p := filepath.Dir(dir); p != missing; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = p
	}
	return missing
}

// hasBackups reports whether the state directory holds any backup file.
func hasBackups(dir string) bool {
	found := false
	filepath.WalkDir(filepath.Join(dir, "backups"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// State returns a snapshot of the state.
func (s *Session) State() *state.File {
	f := s.Journal.Snapshot()
	return &f
}

// Plan discovers and plans.
func (s *Session) Plan(ctx context.Context, targets []string) (*planner.Plan, error) {
	if err := s.e.discover(ctx, s.Config, s.Envs); err != nil {
		return nil, err
	}
	p, err := planner.Build(ctx, planner.Input{Config: s.Config, Kinds: s.e.Kinds, Envs: s.Envs, State: s.State(),
		Progress: s.Progress, Targets: targets, Now: s.e.Now()})
	if err != nil {
		return nil, err
	}
	p.Rollback = s.executor(RunOptions{}).PlannedRollback(s.State(), p)
	return p, nil
}

// Check says whether op may run in the migration's current phase (force:
// -force was given); see Allowed.
func (s *Session) Check(op Op, force bool) error { return Allowed(s.State().Phase, op, force) }

// setPhase records the phase after op succeeded.
func (s *Session) setPhase(ctx context.Context, op Op) error {
	return s.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) { f.Phase = After(f.Phase, op) })
}

// ErrStalePlan is returned when a saved plan no longer matches.
var ErrStalePlan = errors.New("stale plan")

// CheckSaved refuses a saved plan made against another state or configuration.
func (s *Session) CheckSaved(p *planner.Plan) error {
	f := s.State()
	switch {
	case p.ConfigHash != s.Config.Hash:
		return fmt.Errorf("%w: the configuration changed since the plan was made; run `rehome plan` again", ErrStalePlan)
	case p.StateLineage != "" && p.StateLineage != f.Lineage:
		return fmt.Errorf("%w: the plan was made for another state (lineage %s, now %s)", ErrStalePlan, p.StateLineage, f.Lineage)
	case p.StateSerial != f.Serial:
		return fmt.Errorf("%w: the state changed since the plan was made (serial %d, now %d); run `rehome plan` again", ErrStalePlan, p.StateSerial, f.Serial)
	}
	// The configuration text can stay the same while an environment points
	// elsewhere (env(), file(), a sensitive variable): compare where.
	for _, pe := range p.Environments {
		if e, ok := s.Envs[pe.Name]; ok && pe.ID != "" && e.ID() != pe.ID {
			return fmt.Errorf("%w: environment %q points at %s, but the plan was made for %s; run `rehome plan` again",
				ErrStalePlan, pe.Name, e.ID(), pe.ID)
		}
	}
	return nil
}

// BlockerError lists the unacknowledged blockers that stop an apply.
type BlockerError struct{ Blockers []planner.Finding }

func (e *BlockerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d blocker(s) must be fixed or acknowledged before apply:", len(e.Blockers))
	for _, f := range e.Blockers {
		fmt.Fprintf(&b, "\n  - %s (%s): %s\n    remedy: %s", f.ID, f.Address, f.Message, f.Remedy)
	}
	b.WriteString("\nTo accept one, add its id to the move's acknowledge list.")
	return b.String()
}

// RunOptions tune apply, cutover and rollback.
type RunOptions struct {
	Parallelism int
	// Force: -force was given (apply after the cutover, rollback after it,
	// cutover with uncovered prepare steps pending).
	Force bool
	// Retry bounds the retries of transient provider failures.
	Retry transfer.RetryPolicy
	Sink  exec.Sink
}

func (s *Session) executor(o RunOptions) *exec.Executor {
	return exec.New(exec.Options{Kinds: s.e.Kinds, Envs: s.Envs, Store: s.Store, Journal: s.Journal, Progress: s.Progress,
		Parallelism: o.Parallelism, Retry: o.Retry, Force: o.Force, Sink: o.Sink, Log: s.e.Log})
}

// Apply runs the plan's prepare phase.
func (s *Session) Apply(ctx context.Context, p *planner.Plan, o RunOptions) (*exec.Report, error) {
	if err := s.Check(OpApply, o.Force); err != nil {
		return nil, err
	}
	if b := p.Blockers(); len(b) > 0 {
		return nil, &BlockerError{b}
	}
	if err := s.reconcile(ctx, p, planner.PhasePrepare); err != nil {
		return nil, err
	}
	rep := s.executor(o).Apply(ctx, p, planner.PhasePrepare, string(OpApply))
	if rep.Failed == 0 && ctx.Err() == nil {
		if err := s.setPhase(ctx, OpApply); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// reconcile closes journal entries an interrupted run left begun whose
// action a fresh plan shows as complete (a no-op): the crash came after the
// work and before its end was written. Entries whose action still has work
// stay begun; the executor completes them and closes them.
func (s *Session) reconcile(ctx context.Context, p *planner.Plan, phase planner.Phase) error {
	noop := map[string]bool{}
	for _, a := range p.Actions {
		if a.Phase == phase && a.Action == planner.ActNoop {
			noop[a.Address] = true
		}
	}
	return s.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) {
		for i := range f.Journal {
			e := &f.Journal[i]
			if e.Status != state.Begun || !noop[e.Address] || (e.Op != "apply" && e.Op != "cutover") {
				continue
			}
			e.Status = state.Done
			e.Ended = s.e.Now().UTC()
			e.Result.Error = "interrupted after its work was done; a fresh plan found it complete"
			if e.Action == string(planner.ActCreate) {
				// A bucket or zone create the crash cut short: whether
				// rehome made it cannot be told, so it is not claimed.
				e.Result.Error = "interrupted; the " + e.Undo.Type + " exists, but whether rehome created it is unknown, so rollback keeps it"
			}
		}
	})
}

// Cutover runs the plan's cutover phase. With pending prepare-phase steps
// the cutover does not cover, it needs o.Force.
func (s *Session) Cutover(ctx context.Context, p *planner.Plan, o RunOptions) (*exec.Report, error) {
	if err := s.Check(OpCutover, o.Force); err != nil {
		return nil, err
	}
	if un := Uncovered(p); len(un) > 0 && !o.Force {
		return nil, fmt.Errorf("%w: the prepare phase has %d pending step(s) the cutover does not cover (%s); run `rehome apply` first, or cut over with -force to leave them out",
			ErrPhase, len(un), strings.Join(un, ", "))
	}
	if b := p.Blockers(); len(b) > 0 {
		return nil, &BlockerError{b}
	}
	if err := s.reconcile(ctx, p, planner.PhaseCutover); err != nil {
		return nil, err
	}
	rep := s.executor(o).Apply(ctx, p, planner.PhaseCutover, string(OpCutover))
	if rep.Failed == 0 && ctx.Err() == nil {
		if err := s.setPhase(ctx, OpCutover); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Uncovered lists the pending prepare-phase steps that no cutover step
// covers (Action.Covered): creating a bucket or zone, lowering TTLs. The
// cutover's final syncs redo the copies.
func Uncovered(p *planner.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Phase == planner.PhasePrepare && a.Action != planner.ActNoop && !a.Covered {
			out = append(out, a.Address)
		}
	}
	return out
}

// Forget removes addresses from the state without touching anything:
// their resources, their journal entries (marked undone, so rollback leaves
// them alone) and rehome's per-item records of them (so later plans treat
// what they wrote as foreign). When an address is missing it changes nothing
// and returns the missing addresses.
func Forget(ctx context.Context, st *state.Store, addrs []string) ([]string, error) {
	f, err := st.Load(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, r := range f.Resources {
		known[r.Address] = true
	}
	for _, e := range f.Journal {
		known[e.Address] = true
	}
	var missing []string
	forget := map[string]bool{}
	for _, a := range addrs {
		if !known[a] {
			missing = append(missing, a)
		}
		forget[a] = true
	}
	if len(missing) > 0 {
		return missing, nil
	}
	// What rehome recorded per item: an entry with keys (one secret of a
	// move's scope) is forgotten key by key; other scopes (a bucket's
	// objects, a zone's record sets) go whole, with every entry that used
	// them.
	type item struct{ scope, key string }
	var items []item
	whole := map[string]bool{}
	for _, e := range f.Journal {
		sc := e.Undo.Scope
		if !forget[e.Address] || sc == "" {
			continue
		}
		if len(e.Undo.Keys) > 0 {
			for _, k := range e.Undo.Keys {
				items = append(items, item{sc, k})
			}
		} else {
			whole[sc] = true
		}
	}
	prog, err := st.OpenProgress(ctx)
	if err != nil {
		return nil, err
	}
	defer prog.Close()
	for _, it := range items {
		if err := prog.Delete(ctx, it.scope, it.key); err != nil {
			return nil, err
		}
	}
	for sc := range whole {
		if err := errors.Join(prog.DeleteScope(ctx, sc), st.RemoveBackups(ctx, sc)); err != nil {
			return nil, err
		}
	}
	for a := range forget {
		f.RemoveResource(a)
	}
	for i := range f.Journal {
		e := &f.Journal[i]
		if e.Status != state.Undone && (forget[e.Address] || whole[e.Undo.Scope]) {
			e.Status = state.Undone
			e.Result.Error = "forgotten by `rehome state rm`"
		}
	}
	return nil, st.Save(ctx, f)
}

// Rollback undoes the applied steps. After a cutover it needs o.Force.
func (s *Session) Rollback(ctx context.Context, o RunOptions) (*exec.Report, error) {
	if err := s.Check(OpRollback, o.Force); err != nil {
		return nil, err
	}
	rep := s.executor(o).Rollback(ctx)
	if len(rep.Errors) == 0 {
		if err := s.setPhase(ctx, OpRollback); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// RollbackSteps lists, newest first, the steps a rollback would take now.
func (s *Session) RollbackSteps() []exec.UndoStep {
	return s.executor(RunOptions{}).RollbackSteps(s.State())
}

// Decommission lists source resources that can go once a migration is final.
type Decommission struct {
	Env, Kind, Type, Name string
}

// Finalize closes the rollback window after a cutover and lists the source
// resources that can now be decommissioned (the plan's actions that move a
// source resource, Action.Moves). It deletes nothing.
func (s *Session) Finalize(ctx context.Context, p *planner.Plan) ([]Decommission, error) {
	if err := s.Check(OpFinalize, false); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Decommission
	for _, a := range p.Actions {
		if a.Phase != planner.PhasePrepare || a.Moves == nil || a.From.Name == "" {
			continue
		}
		k := a.From.Env + "/" + a.Moves.Type + "/" + a.From.Name
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, Decommission{Env: a.From.Env, Kind: string(a.Kind), Type: a.Moves.Type, Name: a.From.Name})
	}
	return out, s.setPhase(ctx, OpFinalize)
}

// SavePlan writes a plan file (mode 0600).
func SavePlan(path string, p *planner.Plan) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	return nil
}

// ReadPlan reads a plan file.
func ReadPlan(path string) (*planner.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	var p planner.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read plan file %s: not a rehome plan: %w", path, err)
	}
	major := strings.SplitN(p.FormatVersion, ".", 2)[0]
	if want := strings.SplitN(planner.FormatVersion, ".", 2)[0]; major != want {
		age := "a newer"
		if n, w := atoi(major), atoi(want); n < w {
			age = "an older"
		}
		return nil, fmt.Errorf("plan file %s was made by %s rehome (plan format %q); this rehome reads format %s: make the plan again with `rehome plan -out=%s`",
			path, age, p.FormatVersion, planner.FormatVersion, path)
	}
	return &p, nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
