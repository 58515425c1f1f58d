package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/term"

	"github.com/rehome/rehome/cmd/rehome/views"
	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/state"
)

type streams struct {
	in       io.Reader
	out, err io.Writer
}

// cli is one invocation: global options, streams and the engine.
type cli struct {
	ctx     context.Context
	s       streams
	getenv  func(string) (string, bool)
	dir     string
	color   bool
	errTTY  bool
	outTTY  bool
	inTTY   bool
	log     *slog.Logger
	logFile *os.File
	cmd     string // the command being run
	jsonOut bool   // -json: errors are also printed as a JSON event
	detail  bool   // -detail: the human plan lists every change
	helped  bool   // help was printed: the command exits 0
}

const usage = `Usage: rehome [-chdir=DIR] [-no-color] COMMAND [options]

Main commands:
  plan        Discover, audit and show the move plan
  audit       Inventory the sources; what moves, stays, has no equivalent; code references
  apply       Carry out the prepare phase of the plan
  cutover     Run the cutover phase (final sync and switch steps)
  rollback    Undo applied steps, newest first
  finalize    Close the rollback window; list what can be decommissioned

Other commands:
  init        Write a starter configuration (migration.hcl)
  validate    Check the configuration
  fmt         Rewrite configuration files in canonical format
  show        Show a saved plan, or the state
  state       Inspect or edit the state (list, show, rm, unlock)
  providers   Show the providers and what they can move
  cost        Price each source resource and its destination equivalent per month
  prices      Update the price catalog (prices refresh)
  version     Print the version
  help        Show this help, or a command's: rehome help COMMAND

Global options:
  -chdir=DIR  Use DIR as the configuration directory
  -no-color   Disable colour (also NO_COLOR)
`

func run(ctx context.Context, args []string, s streams, getenv func(string) (string, bool)) int {
	c := &cli{ctx: ctx, s: s, getenv: getenv, dir: "."}
	c.color = true
	if _, ok := getenv("NO_COLOR"); ok {
		c.color = false
	}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := args[0]
		switch {
		case strings.HasPrefix(a, "-chdir="):
			c.dir = strings.TrimPrefix(a, "-chdir=")
		case a == "-no-color":
			c.color = false
		case a == "-help" || a == "-h" || a == "--help":
			fmt.Fprint(s.out, usage)
			return 0
		case a == "-version" || a == "--version" || a == "-v":
			args = []string{"version"}
			continue
		default:
			fmt.Fprintf(s.err, "Error: unknown global option %s\n\n%s", a, usage)
			return 1
		}
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprint(s.err, usage)
		return 1
	}
	c.outTTY, c.errTTY, c.inTTY = isTerminal(s.out), isTerminal(s.err), isTerminal(s.in)
	if err := c.setupLog(); err != nil {
		fmt.Fprintf(s.err, "Error: %v\n", err)
		return 1
	}
	defer c.closeLog()
	cmd, rest := args[0], args[1:]
	c.cmd = cmd
	if cmd == "help" {
		switch {
		case len(rest) == 0:
			fmt.Fprint(s.out, usage)
			return 0
		case len(rest) == 1 && rest[0] != "help":
			cmd, rest = rest[0], []string{"-h"}
			c.cmd = cmd
		default:
			fmt.Fprintf(s.err, "Error: usage: rehome help [COMMAND]\n")
			return 1
		}
	}
	cmds := map[string]func([]string) int{
		"validate": c.validate, "fmt": c.fmt, "plan": c.plan, "apply": c.apply, "cutover": c.cutover,
		"rollback": c.rollback, "finalize": c.finalize, "show": c.show, "state": c.state,
		"providers": c.providers, "version": c.version, "audit": c.audit,
		"cost": c.cost, "prices": c.prices,
		"init": c.initCmd,
	}
	f, ok := cmds[cmd]
	if !ok {
		fmt.Fprintf(s.err, "Error: unknown command %q\n\n%s", cmd, usage)
		return 1
	}
	return f(rest)
}

func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// setupLog honours REHOME_LOG (debug|info|warn) and REHOME_LOG_PATH.
func (c *cli) setupLog() error {
	lvl, ok := c.getenv("REHOME_LOG")
	if !ok || lvl == "" {
		c.log = slog.New(slog.DiscardHandler)
		return nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(lvl)); err != nil {
		return fmt.Errorf("REHOME_LOG=%q: want debug, info, warn or error", lvl)
	}
	w := c.s.err
	if p, ok := c.getenv("REHOME_LOG_PATH"); ok && p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open REHOME_LOG_PATH: %w", err)
		}
		c.logFile, w = f, f
	}
	c.log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}))
	return nil
}

// redactAttr keeps values of sensitive-looking keys out of the log, as a
// second line of defence: code never logs secret values on purpose.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range []string{"token", "secret", "password", "passwd", "credential", "identity", "value", "key_id", "private"} {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "(sensitive)")
		}
	}
	return a
}

func (c *cli) closeLog() {
	if c.logFile != nil {
		c.logFile.Close()
	}
}

func (c *cli) errorf(format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(c.s.err, "Error: %s\n", msg)
	if c.jsonOut {
		// Machine readers of -json get the failure on stdout too.
		line, _ := json.Marshal(map[string]string{"@level": "error", "type": "error", "op": c.cmd, "error": msg})
		fmt.Fprintln(c.s.out, string(line))
	}
	return 1
}

// summaries are the one-line descriptions the usage lists and each
// command's help start with.
var summaries = map[string]string{
	"plan": "Discover, audit and show the move plan", "apply": "Carry out the prepare phase of the plan",
	"cutover": "Run the cutover phase (final sync and switch steps)", "rollback": "Undo applied steps, newest first",
	"finalize": "Close the rollback window; list what can be decommissioned", "validate": "Check the configuration",
	"fmt": "Rewrite configuration files in canonical format", "show": "Show a saved plan, or the state",
	"state": "Inspect or edit the state (list, show, rm, unlock)", "providers": "Show the providers and what they can move",
	"version": "Print the version", "init": "Write a starter configuration (migration.hcl)",
	"audit": "Inventory the sources; what moves, stays, has no equivalent; code references",
	"cost":  "Price each source resource and its destination equivalent per month", "prices": "Update the price catalog (prices refresh)",
}

// newFlags returns a command's flag set. synopsis is its usage line after
// "rehome" ("apply [options] [PLANFILE]"). -h, -help and --help print the
// help to stdout (and the command exits 0); a bad option prints the error
// and the help to stderr.
func (c *cli) newFlags(synopsis string) *flag.FlagSet {
	name, _, _ := strings.Cut(synopsis, " ")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.s.err)
	// Accepted after the command too, as Terraform's commands take it.
	fs.BoolFunc("no-color", "disable colour (as the global option and NO_COLOR)", func(string) error { c.color = false; return nil })
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: rehome %s\n\n", synopsis)
		if sum := summaries[name]; sum != "" {
			fmt.Fprintf(w, "%s.\n\n", sum)
		}
		fmt.Fprintf(w, "Options:\n")
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nGlobal options (before the command): -chdir=DIR, -no-color.\n")
	}
	return fs
}

// parse parses flags wherever they stand among the arguments (Go's flag
// package stops at the first argument) and returns the positional ones,
// refusing more than max. When it returns false the command ends with
// c.failed(): 0 after help was asked for, 1 otherwise.
func (c *cli) parse(fs *flag.FlagSet, args []string, max int) ([]string, bool) {
	var pos []string
	for {
		if helpArg(args) {
			fs.SetOutput(c.s.out)
			fs.Usage()
			c.helped = true
			return nil, false
		}
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) > max {
		c.errorf("unexpected argument %q for %s (global options such as -chdir go before the command)", pos[max], c.cmd)
		return nil, false
	}
	return pos, true
}

// helpArg reports whether the arguments ask for help.
func helpArg(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}

// failed is a command's exit code after parse returned false.
func (c *cli) failed() int {
	if c.helped {
		return 0
	}
	return 1
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// varFlags adds -var and -var-file.
type varFlags struct{ vars, files multi }

func (v *varFlags) add(fs *flag.FlagSet) {
	fs.Var(&v.vars, "var", "set a variable: -var 'name=value' (repeatable)")
	fs.Var(&v.files, "var-file", "read variables from a file (repeatable)")
}

func (c *cli) engine(v varFlags) *engine.Engine {
	return &engine.Engine{Dir: c.dir, Registry: newRegistry(), Kinds: newKinds(), Version: version, Log: c.log, Getenv: c.getenv,
		Vars: v.vars, VarFiles: v.files, Now: time.Now}
}

// load reads the configuration and prints its diagnostics.
func (c *cli) load(e *engine.Engine) (*lang.Config, bool) {
	cfg, diags := e.Load(c.ctx)
	c.diags(cfg, diags)
	return cfg, !diags.HasErrors()
}

func (c *cli) diags(cfg *lang.Config, diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	width := uint(0)
	if c.errTTY {
		if f, ok := c.s.err.(*os.File); ok {
			if w, _, err := term.GetSize(int(f.Fd())); err == nil {
				width = uint(w)
			}
		}
	}
	lang.WriteDiagnostics(c.s.err, files, diags, c.color && c.errTTY, width)
	if c.jsonOut {
		for _, d := range lang.DiagnosticsJSON(files, diags) {
			line, _ := json.Marshal(struct {
				Level      string              `json:"@level"`
				Type       string              `json:"type"`
				Diagnostic lang.JSONDiagnostic `json:"diagnostic"`
			}{d.Severity, "diagnostic", d})
			fmt.Fprintln(c.s.out, string(line))
		}
	}
}

// open locks and loads the state and reports a taken-over stale lock.
func (c *cli) open(e *engine.Engine, cfg *lang.Config, op string, lockTimeout time.Duration) (*engine.Session, int) {
	sess, err := e.Open(c.ctx, cfg, op, lockTimeout)
	if err != nil {
		var le *state.LockedError
		if errors.As(err, &le) {
			return nil, c.errorf("the state is locked.\n\n%v", err)
		}
		var de *engine.DiagnosticsError
		if errors.As(err, &de) {
			c.diags(cfg, de.Diags)
			return nil, 1
		}
		return nil, c.errorf("%v", err)
	}
	if n := sess.StaleLockNote(); n != "" {
		fmt.Fprintln(c.s.err, "Warning: "+n)
	}
	return sess, 0
}

// confirm asks for "yes" on a terminal.
func (c *cli) confirm(question string, autoApprove bool) bool {
	if autoApprove {
		return true
	}
	if !c.inTTY {
		hint := "re-run with -auto-approve"
		if c.cmd == "apply" {
			hint += ", or apply a saved plan file (rehome plan -out=FILE; rehome apply FILE)"
		}
		c.errorf("no terminal to confirm on: %s", hint)
		return false
	}
	fmt.Fprintf(c.s.out, "\n%s\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", question)
	line, _ := bufio.NewReader(c.s.in).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(c.s.err, "Cancelled.")
		return false
	}
	return true
}

// sink builds the event view: JSON lines or human progress.
func (c *cli) sink(jsonOut bool) (exec.Sink, func()) {
	if jsonOut {
		return views.NewJSONEvents(c.s.out), func() {}
	}
	h := views.NewHumanEvents(c.s.out, views.EventOptions{TTY: c.outTTY, Color: c.color && c.outTTY})
	return h, func() { h.Close() }
}

func (c *cli) statePath(e *engine.Engine) (string, int) {
	cfg, ok := c.load(e)
	if !ok {
		return "", 1
	}
	return cfg.Migration.StatePath, 0
}

func sortedStrings(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func abs(dir string) string {
	a, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	return a
}
