package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Engine holds what every command needs.
type Engine struct {
	Dir      string
	Registry *providers.Registry
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
	cfg, diags := lang.Load(e.Dir, lang.Options{Registry: e.Registry, Vars: e.Vars, VarFiles: e.VarFiles,
		Getenv: e.Getenv, Version: e.Version})
	if diags.HasErrors() {
		return cfg, diags
	}
	more, ready := e.checkEnvironments(ctx, cfg)
	e.configured, e.configuredFor = ready, cfg
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
		p := f.New()
		err := p.Configure(ctx, providers.Config{Env: n, Dir: cfg.Dir, Value: env.Value, Logger: e.Log.With("env", n)})
		if err == nil {
			ready[n] = p
			continue
		}
		for _, one := range splitJoined(err) {
			subject := env.DeclRange
			detail := one.Error()
			var ae *providers.AttrError
			if errors.As(one, &ae) {
				if r, ok := env.AttrRanges[strings.SplitN(strings.SplitN(ae.Attr, "[", 2)[0], ".", 2)[0]]; ok {
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
}

// Open locks and loads the state and configures the providers.
func (e *Engine) Open(ctx context.Context, cfg *lang.Config, op string, lockTimeout time.Duration) (*Session, error) {
	st := state.Open(cfg.Migration.StatePath)
	lk, err := st.Lock(ctx, state.LockInfo{Operation: op, Version: e.Version}, lockTimeout)
	if err != nil {
		return nil, err
	}
	s := &Session{e: e, Config: cfg, Store: st, Lock: lk}
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
	if s.Envs, err = planner.OpenEnvironments(ctx, cfg, e.Registry, e.Log, ready); err != nil {
		s.Close()
		return nil, err
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

// Close releases the progress store and the lock.
func (s *Session) Close() error {
	var errs []error
	if s.Progress != nil {
		errs = append(errs, s.Progress.Close())
		s.Progress = nil
	}
	if s.Lock != nil {
		errs = append(errs, s.Lock.Unlock())
		s.Lock = nil
	}
	return errors.Join(errs...)
}

// State returns a snapshot of the state.
func (s *Session) State() *state.File {
	f := s.Journal.Snapshot()
	return &f
}

// Plan discovers and plans.
func (s *Session) Plan(ctx context.Context, targets []string) (*planner.Plan, error) {
	if err := planner.Discover(ctx, s.Envs, s.e.Log); err != nil {
		return nil, err
	}
	return planner.Build(ctx, planner.Input{Config: s.Config, Envs: s.Envs, State: s.State(),
		Progress: s.Progress, Targets: targets, Now: s.e.Now()})
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
	Sink        exec.Sink
}

func (s *Session) executor(o RunOptions) *exec.Executor {
	return exec.New(exec.Options{Envs: s.Envs, Store: s.Store, Journal: s.Journal, Progress: s.Progress,
		Parallelism: o.Parallelism, Sink: o.Sink, Log: s.e.Log})
}

// Apply runs the plan's prepare phase.
func (s *Session) Apply(ctx context.Context, p *planner.Plan, o RunOptions) (*exec.Report, error) {
	if b := p.Blockers(); len(b) > 0 {
		return nil, &BlockerError{b}
	}
	if ph := s.State().Phase; ph == "cutover" || ph == "finalized" {
		// Allowed: apply after cutover keeps copying, but say so.
		s.e.Log.Info("apply after cutover", "phase", ph)
	}
	if err := s.reconcile(ctx, p, planner.PhasePrepare); err != nil {
		return nil, err
	}
	rep := s.executor(o).Apply(ctx, p, planner.PhasePrepare, "apply")
	if rep.Failed == 0 && ctx.Err() == nil {
		err := s.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) {
			if f.Phase == "" {
				f.Phase = "applied"
			}
		})
		if err != nil {
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
			p := e.Undo.Params
			e.Status = state.Done
			e.Ended = s.e.Now().UTC()
			e.Result.Error = "interrupted after its work was done; a fresh plan found it complete"
			if e.Action == string(planner.ActCreate) {
				// A bucket or zone create the crash cut short: whether
				// rehome made it cannot be told, so it is not claimed.
				e.Result.Error = "interrupted; the " + p["type"] + " exists, but whether rehome created it is unknown, so rollback keeps it"
			}
		}
	})
}

// ErrPhase is returned when a command does not fit the migration's phase.
var ErrPhase = errors.New("wrong phase")

// Cutover runs the plan's cutover phase.
func (s *Session) Cutover(ctx context.Context, p *planner.Plan, force bool, o RunOptions) (*exec.Report, error) {
	f := s.State()
	switch f.Phase {
	case "":
		return nil, fmt.Errorf("%w: nothing has been applied yet; run `rehome apply` first", ErrPhase)
	case "finalized":
		return nil, fmt.Errorf("%w: the migration was finalized; there is nothing to cut over", ErrPhase)
	}
	if un := Uncovered(p); len(un) > 0 && !force {
		return nil, fmt.Errorf("%w: the prepare phase has %d pending step(s) the cutover does not cover (%s); run `rehome apply` first, or cut over with -force to leave them out",
			ErrPhase, len(un), strings.Join(un, ", "))
	}
	if b := p.Blockers(); len(b) > 0 {
		return nil, &BlockerError{b}
	}
	if err := s.reconcile(ctx, p, planner.PhaseCutover); err != nil {
		return nil, err
	}
	rep := s.executor(o).Apply(ctx, p, planner.PhaseCutover, "cutover")
	if rep.Failed == 0 && ctx.Err() == nil {
		err := s.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) { f.Phase = "cutover" })
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Uncovered lists the pending prepare-phase steps that no cutover step
// covers. Copies of objects, record sets and secrets are covered: the
// cutover's final syncs copy whatever changed at the source since the
// apply. Creating a bucket or zone, or lowering TTLs, is not.
func Uncovered(p *planner.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Phase != planner.PhasePrepare || a.Action == planner.ActNoop {
			continue
		}
		switch a.Type {
		case "objects", "records", "secret":
			continue
		}
		out = append(out, a.Address)
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
	// What rehome recorded per item: secrets share their move's scope and
	// are forgotten one name at a time; other scopes (a bucket's objects,
	// a zone's record sets) go whole, with every entry that used them.
	type item struct{ scope, key string }
	var items []item
	whole := map[string]bool{}
	for _, e := range f.Journal {
		sc := e.Undo.Params["scope"]
		if !forget[e.Address] || sc == "" {
			continue
		}
		if name := e.Undo.Params["name"]; name != "" {
			items = append(items, item{sc, name})
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
		if e.Status != state.Undone && (forget[e.Address] || whole[e.Undo.Params["scope"]]) {
			e.Status = state.Undone
			e.Result.Error = "forgotten by `rehome state rm`"
		}
	}
	return nil, st.Save(ctx, f)
}

// Rollback undoes the applied steps. After a cutover it needs force.
func (s *Session) Rollback(ctx context.Context, force bool, o RunOptions) (*exec.Report, error) {
	if err := s.CanRollback(force); err != nil {
		return nil, err
	}
	return s.executor(o).Rollback(ctx), nil
}

// CanRollback says whether the rollback window is open: not after finalize,
// and after a cutover only with force.
func (s *Session) CanRollback(force bool) error {
	switch s.State().Phase {
	case "finalized":
		return fmt.Errorf("%w: the migration was finalized, which closed the rollback window", ErrPhase)
	case "cutover":
		if !force {
			return fmt.Errorf("%w: the cutover has run, so the destination may have taken writes that a rollback would lose; "+
				"re-run with -force to roll back anyway", ErrPhase)
		}
	}
	return nil
}

// Decommission lists source resources that can go once a migration is final.
type Decommission struct {
	Env, Kind, Type, Name string
}

// Finalize closes the rollback window after a cutover and lists the source
// resources that can now be decommissioned. It deletes nothing.
func (s *Session) Finalize(ctx context.Context, p *planner.Plan) ([]Decommission, error) {
	if ph := s.State().Phase; ph != "cutover" {
		return nil, fmt.Errorf("%w: finalize follows a successful cutover (the migration is %q)", ErrPhase, phaseName(ph))
	}
	seen := map[string]bool{}
	var out []Decommission
	for _, a := range p.Actions {
		if a.Phase != planner.PhasePrepare || a.Type == "source_ttl" || a.From.Name == "" {
			continue
		}
		typ := map[string]string{"bucket": "bucket", "zone": "zone", "secret": "secret"}[a.Type]
		if typ == "" {
			continue
		}
		k := a.From.Env + "/" + typ + "/" + a.From.Name
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, Decommission{Env: a.From.Env, Kind: string(a.Kind), Type: typ, Name: a.From.Name})
	}
	err := s.Journal.Update(ctx, func(f *state.File) { f.Phase = "finalized" })
	return out, err
}

func phaseName(ph string) string {
	if ph == "" {
		return "not applied"
	}
	return ph
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
	if major != strings.SplitN(planner.FormatVersion, ".", 2)[0] {
		return nil, fmt.Errorf("plan file %s has format version %q; this rehome reads %s", path, p.FormatVersion, planner.FormatVersion)
	}
	return &p, nil
}
