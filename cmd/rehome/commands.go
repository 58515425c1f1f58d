package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/rehome/rehome/cmd/rehome/views"
	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/state"
)

func (c *cli) version(args []string) int {
	if helpArg(args) {
		fmt.Fprintf(c.s.out, "Usage: rehome version\n\n%s.\n", summaries["version"])
		return 0
	}
	if len(args) > 0 {
		return c.errorf("version takes no arguments")
	}
	fmt.Fprintf(c.s.out, "rehome v%s\n", strings.TrimPrefix(version, "v"))
	return 0
}

func (c *cli) providers(args []string) int {
	if helpArg(args) {
		fmt.Fprintf(c.s.out, "Usage: rehome providers [NAME]\n\n%s; with NAME, one provider's attributes and folder layout.\n", summaries["providers"])
		return 0
	}
	if len(args) == 1 {
		return c.ok(views.RenderProvider(c.s.out, newRegistry(), newKinds(), args[0]))
	}
	if len(args) > 1 {
		return c.errorf("providers takes at most one argument, a provider name")
	}
	if err := views.RenderProviders(c.s.out, newRegistry(), newKinds()); err != nil {
		return c.errorf("%v", err)
	}
	return 0
}

func (c *cli) validate(args []string) int {
	fs := c.newFlags("validate [options]")
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	var v varFlags
	v.add(fs)
	_, ok := c.parse(fs, args, 0)
	if !ok {
		return c.failed()
	}
	cfg, diags := c.engine(v).Load(c.ctx)
	if *jsonOut {
		var files = cfg.Files
		out, _ := json.MarshalIndent(lang.NewValidateJSON(files, diags), "", "  ")
		fmt.Fprintln(c.s.out, string(out))
	} else {
		c.diags(cfg, diags)
		if !diags.HasErrors() {
			fmt.Fprintf(c.s.out, "Success! The configuration is valid (%d environment(s), %d move(s)).\n", len(cfg.Environments), len(cfg.Moves))
		}
	}
	if diags.HasErrors() {
		return 1
	}
	return 0
}

func (c *cli) fmt(args []string) int {
	fs := c.newFlags("fmt [options] [DIR]")
	check := fs.Bool("check", false, "only check; exit 3 if any file needs formatting")
	diff := fs.Bool("diff", false, "print the changes as a unified diff")
	rec := fs.Bool("recursive", false, "also format files in subdirectories")
	pos, ok := c.parse(fs, args, 1)
	if !ok {
		return c.failed()
	}
	dir := c.dir
	if len(pos) > 0 {
		dir = pos[0]
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(c.dir, dir)
		}
	}
	res, err := lang.FormatDir(dir, *rec)
	if err != nil {
		return c.errorf("%v", err)
	}
	// A file that does not parse stops fmt before anything is written.
	var bad hcl.Diagnostics
	for _, r := range res {
		bad = append(bad, r.Diags...)
	}
	if bad.HasErrors() {
		c.diags(&lang.Config{Files: lang.SourceFiles(res)}, bad)
		return 1
	}
	changed := 0
	for _, r := range res {
		if !r.Changed {
			continue
		}
		changed++
		fmt.Fprintln(c.s.out, r.Path)
		if *diff {
			fmt.Fprint(c.s.out, lang.UnifiedDiff(r.Path, r.Old, r.New))
		}
		if !*check {
			if err := os.WriteFile(filepath.Join(dir, r.Path), r.New, 0o644); err != nil {
				return c.errorf("write %s: %v", r.Path, err)
			}
		}
	}
	if *check && changed > 0 {
		return 3
	}
	return 0
}

// runFlags are the options apply, cutover and rollback share.
type runFlags struct {
	auto, force, json bool
	parallelism       int
	lockTimeout       time.Duration
	v                 varFlags
}

// options are the engine's run options for these flags.
func (r *runFlags) options(sink exec.Sink) engine.RunOptions {
	return engine.RunOptions{Parallelism: r.parallelism, Force: r.force, Sink: sink}
}

func (r *runFlags) add(fs *flag.FlagSet, forceHelp string) {
	fs.BoolVar(&r.auto, "auto-approve", false, "do not ask for confirmation")
	fs.BoolVar(&r.force, "force", false, forceHelp)
	fs.BoolVar(&r.json, "json", false, "print machine-readable events, one JSON object per line")
	fs.IntVar(&r.parallelism, "parallelism", 4, "how many actions, and items within an action, run at once")
	fs.DurationVar(&r.lockTimeout, "lock-timeout", 0, "how long to wait for the state lock")
	r.v.add(fs)
}

// runSession is the start of cutover and rollback: their shared flags,
// no arguments, -json only with -auto-approve, then the session.
func (c *cli) runSession(args []string, op string, r *runFlags, forceHelp string) (*engine.Session, int) {
	fs := c.newFlags(op + " [options]")
	r.add(fs, forceHelp)
	if _, ok := c.parse(fs, args, 0); !ok {
		return nil, c.failed()
	}
	c.jsonOut = r.json
	if r.json && !r.auto {
		return nil, c.errorf("-json needs -auto-approve")
	}
	return c.session(r.v, op, r.lockTimeout)
}

// session loads the configuration, then locks and opens the state.
func (c *cli) session(v varFlags, op string, lockTimeout time.Duration) (*engine.Session, int) {
	e := c.engine(v)
	cfg, ok := c.load(e)
	if !ok {
		return nil, 1
	}
	return c.open(e, cfg, op, lockTimeout)
}

func (c *cli) plan(args []string) int {
	fs := c.newFlags("plan [options]")
	out := fs.String("out", "", "save the plan to `FILE`, to carry it out later with: rehome apply FILE")
	jsonOut := fs.Bool("json", false, "print the plan as JSON (same as -format=json)")
	format := fs.String("format", "human", "output format: human, markdown or json")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are, 1 on error")
	fs.BoolVar(&c.detail, "detail", false, "list every object, record set and secret each step changes, not the first few (human format; markdown and json always list all)")
	lockTimeout := fs.Duration("lock-timeout", 0, "how long to wait for the state lock")
	var targets multi
	fs.Var(&targets, "target", "plan only this address and what it depends on (repeatable)")
	var v varFlags
	v.add(fs)
	_, ok := c.parse(fs, args, 0)
	if !ok {
		return c.failed()
	}
	if *jsonOut {
		*format = "json"
	}
	c.jsonOut = *format == "json"
	if *format != "human" && *format != "markdown" && *format != "json" {
		return c.errorf("-format must be human, markdown or json, not %q", *format)
	}
	sess, code := c.session(v, "plan", *lockTimeout)
	if sess == nil {
		return code
	}
	defer sess.Close()
	fullScope(sess, sess.Config.Audit != nil)
	p, err := sess.Plan(c.ctx, targets)
	if err != nil {
		return c.errorf("%v", err)
	}
	if err := c.renderPlan(p, *format); err != nil {
		return c.errorf("%v", err)
	}
	if *out != "" {
		if err := engine.SavePlan(*out, p); err != nil {
			return c.errorf("%v", err)
		}
		if *format == "human" {
			fmt.Fprintf(c.s.out, "\nSaved the plan to %s. To carry it out: rehome apply %s\n", *out, *out)
		}
	}
	if *detailed && p.HasChanges() {
		return 2
	}
	return 0
}

func (c *cli) renderPlan(p *planner.Plan, format string) error {
	switch format {
	case "json":
		return views.RenderPlanJSON(c.s.out, p)
	case "markdown":
		return views.RenderPlanMarkdown(c.s.out, p)
	}
	return views.RenderPlanHuman(c.s.out, p, views.HumanOptions{Color: c.color && c.outTTY, Detail: c.detail})
}

func (c *cli) apply(args []string) int {
	fs := c.newFlags("apply [options] [PLANFILE]")
	var r runFlags
	r.add(fs, "accept the safety thresholds (for example, applying after the cutover)")
	var targets multi
	fs.Var(&targets, "target", "apply only this address and what it depends on (repeatable)")
	pos, ok := c.parse(fs, args, 1)
	if !ok {
		return c.failed()
	}
	c.jsonOut = r.json
	if len(pos) > 1 {
		return c.errorf("apply takes at most one plan file")
	}
	var saved *planner.Plan
	if len(pos) == 1 {
		p, err := engine.ReadPlan(pos[0])
		if err != nil {
			return c.errorf("%v", err)
		}
		saved = p
	}
	if r.json && saved == nil && !r.auto {
		return c.errorf("-json needs -auto-approve or a saved plan file")
	}
	sess, code := c.session(r.v, "apply", r.lockTimeout)
	if sess == nil {
		return code
	}
	defer sess.Close()
	if err := sess.Check(engine.OpApply, r.force); err != nil {
		return c.errorf("%v", err)
	}
	p := saved
	if p != nil {
		if err := sess.CheckSaved(p); err != nil {
			return c.errorf("%v", err)
		}
	} else {
		var err error
		if p, err = sess.Plan(c.ctx, targets); err != nil {
			return c.errorf("%v", err)
		}
		if !r.json {
			if err := c.renderPlan(p, "human"); err != nil {
				return c.errorf("%v", err)
			}
		}
	}
	if b := p.Blockers(); len(b) > 0 {
		return c.errorf("%v", &engine.BlockerError{Blockers: b})
	}
	if !p.HasChanges() {
		// Still closes what an interrupted run left open, and records the
		// phase, so cutover can follow.
		var sink exec.Sink
		if r.json {
			sink = views.NewJSONEvents(c.s.out) // still a summary line for bots
		}
		if _, err := sess.Apply(c.ctx, p, r.options(sink)); err != nil {
			return c.errorf("%v", err)
		}
		if !r.json {
			fmt.Fprintln(c.s.out, "\nNothing to apply: the destination matches the source.")
		}
		return 0
	}
	if saved == nil && !c.confirm("Do you want rehome to carry out the prepare phase above?", r.auto) {
		return 1
	}
	sink, done := c.sink(r.json)
	rep, err := sess.Apply(c.ctx, p, r.options(sink))
	done()
	if err != nil {
		return c.errorf("%v", err)
	}
	return c.finish("Apply", rep, p, r.json)
}

// finish prints a run's outcome and picks the exit code.
func (c *cli) finish(what string, rep *exec.Report, p *planner.Plan, jsonOut bool) int {
	if !jsonOut && p != nil {
		var acks []string
		for _, f := range p.Audit {
			if f.Acknowledged {
				acks = append(acks, fmt.Sprintf("  - %s (%s): %s", f.ID, f.Address, f.Remedy))
			}
		}
		if len(acks) > 0 {
			fmt.Fprintf(c.s.out, "\nAcknowledged findings, handled as their remedy says (items skipped):\n%s\n", strings.Join(acks, "\n"))
		}
	}
	if c.ctx.Err() != nil {
		fmt.Fprintln(c.s.err)
		return c.errorf("%s interrupted. The journal is saved; run the same command again to resume.", what)
	}
	if err := rep.Err(); err != nil {
		return c.errorf("%s finished with errors:\n%v", strings.ToLower(what), err)
	}
	return 0
}

func (c *cli) cutover(args []string) int {
	var r runFlags
	sess, code := c.runSession(args, "cutover", &r, "cut over even though prepare-phase steps the cutover does not cover are pending")
	if sess == nil {
		return code
	}
	defer sess.Close()
	if err := sess.Check(engine.OpCutover, r.force); err != nil {
		return c.errorf("%v", err)
	}
	p, err := sess.Plan(c.ctx, nil)
	if err != nil {
		return c.errorf("%v", err)
	}
	if !r.json {
		if err := views.RenderPlanHuman(c.s.out, p, views.HumanOptions{Color: c.color && c.outTTY, Cutover: true}); err != nil {
			return c.errorf("%v", err)
		}
	}
	if p.Summary.CutoverSteps == 0 {
		if r.json {
			views.NewJSONEvents(c.s.out).Event(exec.Event{Type: exec.EvSummary, Op: "cutover"})
		} else {
			fmt.Fprintln(c.s.out, "\nNo cutover steps are pending.")
		}
		return 0
	}
	if !c.confirm("Do you want rehome to run the cutover phase? Applications should be switched to the destination after it.", r.auto) {
		return 1
	}
	sink, done := c.sink(r.json)
	rep, err := sess.Cutover(c.ctx, p, r.options(sink))
	done()
	if err != nil {
		return c.errorf("%v", err)
	}
	return c.finish("Cutover", rep, nil, r.json)
}

func (c *cli) rollback(args []string) int {
	var r runFlags
	sess, code := c.runSession(args, "rollback", &r, "roll back even after the cutover")
	if sess == nil {
		return code
	}
	defer sess.Close()
	if err := sess.Check(engine.OpRollback, r.force); err != nil {
		return c.errorf("%v", err)
	}
	var steps []string
	for _, st := range sess.RollbackSteps() {
		steps = append(steps, fmt.Sprintf("  - %s: %s", st.Address, st.Description))
	}
	if len(steps) == 0 {
		fmt.Fprintln(c.s.out, "Nothing to roll back.")
		return 0
	}
	if !r.json {
		fmt.Fprintf(c.s.out, "Rollback will undo, newest first:\n%s\n", strings.Join(steps, "\n"))
	}
	if !c.confirm("Do you want rehome to roll these steps back? Nothing rehome did not create is deleted.", r.auto) {
		return 1
	}
	sink, done := c.sink(r.json)
	rep, err := sess.Rollback(c.ctx, r.options(sink))
	done()
	if err != nil {
		return c.errorf("%v", err)
	}
	return c.finish("Rollback", rep, nil, r.json)
}

func (c *cli) finalize(args []string) int {
	fs := c.newFlags("finalize [options]")
	auto := fs.Bool("auto-approve", false, "do not ask for confirmation")
	jsonOut := fs.Bool("json", false, "print the decommission list as JSON")
	var v varFlags
	v.add(fs)
	_, ok := c.parse(fs, args, 0)
	if !ok {
		return c.failed()
	}
	sess, code := c.session(v, "finalize", 0)
	if sess == nil {
		return code
	}
	cfg := sess.Config
	defer sess.Close()
	if err := sess.Check(engine.OpFinalize, false); err != nil {
		return c.errorf("%v", err)
	}
	if !c.confirm("Finalizing closes the rollback window: rehome rollback will refuse afterwards. Continue?", *auto) {
		return 1
	}
	p, err := sess.Plan(c.ctx, nil)
	if err != nil {
		return c.errorf("%v", err)
	}
	list, err := sess.Finalize(c.ctx, p)
	if err != nil {
		return c.errorf("%v", err)
	}
	if *jsonOut {
		out, _ := json.MarshalIndent(map[string]any{"migration": cfg.Migration.Name, "decommission": list}, "", "  ")
		fmt.Fprintln(c.s.out, string(out))
		return 0
	}
	fmt.Fprintf(c.s.out, "Migration %q finalized. rehome deleted nothing; these source resources can now be decommissioned:\n", cfg.Migration.Name)
	for _, d := range list {
		fmt.Fprintf(c.s.out, "  - %s %s %q in %s\n", d.Kind, d.Type, d.Name, d.Env)
	}
	return 0
}

func (c *cli) show(args []string) int {
	fs := c.newFlags("show [options] [PLANFILE]")
	jsonOut := fs.Bool("json", false, "print as JSON")
	fs.BoolVar(&c.detail, "detail", false, "list every change of each step, not the first few")
	var v varFlags
	v.add(fs)
	pos, ok := c.parse(fs, args, 1)
	if !ok {
		return c.failed()
	}
	if len(pos) == 1 {
		p, err := engine.ReadPlan(pos[0])
		if err != nil {
			return c.errorf("%v", err)
		}
		if *jsonOut {
			return c.ok(views.RenderPlanJSON(c.s.out, p))
		}
		return c.ok(c.renderPlan(p, "human"))
	}
	f, code := c.readState(v)
	if f == nil {
		return code
	}
	if f.Serial == 0 {
		fmt.Fprintln(c.s.out, "No state yet: nothing has been applied.")
		return 0
	}
	if *jsonOut {
		out, _ := json.MarshalIndent(f, "", "  ")
		fmt.Fprintln(c.s.out, string(out))
		return 0
	}
	fmt.Fprintf(c.s.out, "Migration %q, phase %q, serial %d, lineage %s\n\n", f.Migration, engine.PhaseName(f.Phase), f.Serial, f.Lineage)
	return c.ok(views.RenderStateList(c.s.out, f))
}

func (c *cli) ok(err error) int {
	if err != nil {
		return c.errorf("%v", err)
	}
	return 0
}

// readState loads the state without locking (read-only commands).
func (c *cli) readState(v varFlags) (*state.File, int) {
	path, code := c.statePath(c.engine(v))
	if code != 0 {
		return nil, code
	}
	f, err := state.Open(path).Load(c.ctx)
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	return f, 0
}

func (c *cli) state(args []string) int {
	const usage = "usage: rehome state list | show ADDR | rm ADDR... | unlock LOCK_ID  [-var ...] [-var-file ...]"
	if len(args) == 0 {
		return c.errorf(usage)
	}
	synopsis := map[string]string{"list": "state list [options]", "show": "state show [options] ADDR",
		"rm": "state rm [options] ADDR...", "unlock": "state unlock [options] LOCK_ID"}
	sub := args[0]
	if sub == "-h" || sub == "-help" || sub == "--help" || sub == "help" {
		fmt.Fprintf(c.s.out, "Usage: rehome state SUBCOMMAND [options]\n\n%s.\n\nSubcommands:\n", summaries["state"])
		for _, k := range []string{"list", "show", "rm", "unlock"} {
			fmt.Fprintf(c.s.out, "  rehome %s\n", synopsis[k])
		}
		fmt.Fprintf(c.s.out, "\nrehome state SUBCOMMAND -h shows a subcommand's options.\n")
		return 0
	}
	want := map[string][2]int{"list": {0, 0}, "show": {1, 1}, "rm": {1, 1 << 20}, "unlock": {1, 1}}
	n, known := want[sub]
	if !known {
		return c.errorf("unknown state subcommand %q (list, show, rm, unlock)", sub)
	}
	fs := c.newFlags(synopsis[sub])
	var v varFlags
	v.add(fs)
	pos, ok := c.parse(fs, args[1:], n[1])
	if !ok {
		return c.failed()
	}
	if len(pos) < n[0] {
		return c.errorf(usage)
	}
	switch sub {
	case "list", "show":
		f, code := c.readState(v)
		if f == nil {
			return code
		}
		if sub == "list" {
			return c.ok(views.RenderStateList(c.s.out, f))
		}
		return c.ok(views.RenderStateShow(c.s.out, f, pos[0]))
	case "rm":
		return c.stateRm(v, pos)
	}
	path, code := c.statePath(c.engine(v))
	if code != 0 {
		return code
	}
	if err := state.Open(path).ForceUnlock(c.ctx, pos[0]); err != nil {
		return c.errorf("%v", err)
	}
	fmt.Fprintf(c.s.out, "The state lock %s was removed.\n", pos[0])
	return 0
}

// stateRm forgets resources (and their journal entries) without touching
// anything: rollback will then leave them alone.
func (c *cli) stateRm(v varFlags, addrs []string) int {
	e := c.engine(v)
	cfg, ok := c.load(e)
	if !ok {
		return 1
	}
	st := state.Open(cfg.Migration.StatePath)
	lk, err := st.Lock(c.ctx, state.LockInfo{Operation: "state rm", Version: version}, 0)
	if err != nil {
		return c.errorf("%v", err)
	}
	defer lk.Unlock()
	missing, err := engine.Forget(c.ctx, st, addrs)
	if err != nil {
		return c.errorf("%v", err)
	}
	if len(missing) > 0 {
		return c.errorf("no such address in the state: %s (nothing was changed)", strings.Join(missing, ", "))
	}
	fmt.Fprintf(c.s.out, "Removed %d address(es) from the state. Nothing was changed at the source or destination.\n", len(addrs))
	return 0
}
