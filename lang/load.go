package lang

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Options configure Load.
type Options struct {
	// Registry supplies provider schemas and capabilities. A nil registry
	// knows no providers, so every environment is an "Unknown provider".
	Registry *providers.Registry
	// Kinds supplies the move kinds and their schemas. Nil knows none, so
	// every move block is of an "Unknown move kind".
	Kinds Kinds
	// Vars are the -var options ("name=value"), in command-line order.
	Vars []string
	// VarFiles are the -var-file paths (relative to the working directory
	// of the process), in command-line order. All var files are applied
	// before all Vars, so -var wins over -var-file.
	VarFiles []string
	// Getenv looks up environment variables for REHOME_VAR_name and the
	// env() function. Nil means no environment variables are visible;
	// cmd/rehome passes os.LookupEnv.
	Getenv func(string) (string, bool)
	// Version is rehome's own version, checked against the migration
	// block's required_version. "" and "dev" (an unreleased build) skip
	// the check; a pre-release such as "0.4.0-rc1" is checked as 0.4.0.
	Version string
}

// Configuration file name patterns.
const (
	configSuffix   = ".hcl"
	autoVarsSuffix = ".auto.rehomevars"
	varsSuffix     = ".rehomevars"
)

// rootSchema is the top level of a configuration file.
var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "migration", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "environment", LabelNames: []string{"name"}},
		{Type: "move", LabelNames: []string{"kind", "name"}},
		{Type: "audit"},
		{Type: "cost"},
		{Type: "usage", LabelNames: []string{"type", "name"}},
	},
}

// Load reads the configuration in dir: every *.hcl file (sorted, not
// recursive; names starting with "." or "~" are ignored), the
// *.auto.rehomevars files, and the variable values in opts.
//
// All problems are collected as diagnostics before Load returns, sorted by
// file and position (those without a position first), with sensitive
// values kept out of their text. The Config is never nil: its Dir and Files
// are always set, so the caller can render the diagnostics with source
// snippets. When the diagnostics have errors the rest of the Config is
// partial and must not be used for planning.
//
// File names in diagnostics and Config.Files are relative to dir
// ("migration.hcl"); -var-file files keep the path they were given with.
func Load(dir string, opts Options) (*Config, hcl.Diagnostics) {
	l := newLoader(dir, opts)
	l.load()
	l.redactDiagnostics()
	sortDiagnostics(l.diags)
	return l.cfg, l.diags
}

// sortDiagnostics orders diags for reading: those without a source range
// (command-line problems) first, then by file name and position. The sort
// is stable, so diagnostics at one position keep their order.
func sortDiagnostics(diags hcl.Diagnostics) {
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		switch {
		case a.Subject == nil && b.Subject == nil:
			return 0
		case a.Subject == nil:
			return -1
		case b.Subject == nil:
			return 1
		}
		return cmp.Or(
			strings.Compare(a.Subject.Filename, b.Subject.Filename),
			cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte),
		)
	})
}

// loader holds the state of one Load call.
type loader struct {
	dir      string
	opts     Options
	registry *providers.Registry
	kinds    Kinds
	getenv   func(string) (string, bool)

	cfg   *Config
	diags hcl.Diagnostics
	ctx   *hcl.EvalContext

	// hclNames are the *.hcl files, sorted; autoVarNames the
	// *.auto.rehomevars files, sorted.
	hclNames     []string
	autoVarNames []string

	// decls holds per-variable resolution data.
	decls map[string]*varDecl
	// localDefs are the locals' definitions by name.
	localDefs map[string]*hcl.Attribute
	// secrets are sensitive strings that must never appear in a
	// diagnostic's text; see redactDiagnostics.
	secrets []string
}

func newLoader(dir string, opts Options) *loader {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	registry := opts.Registry
	if registry == nil {
		registry = providers.NewRegistry()
	}
	kinds := opts.Kinds
	if kinds == nil {
		kinds = noKinds{}
	}
	return &loader{
		dir:      abs,
		opts:     opts,
		registry: registry,
		kinds:    kinds,
		getenv:   getenv,
		cfg: &Config{
			Dir:          abs,
			Files:        map[string]*hcl.File{},
			Variables:    map[string]*Variable{},
			Locals:       map[string]cty.Value{},
			Environments: map[string]*Environment{},
		},
		decls:     map[string]*varDecl{},
		localDefs: map[string]*hcl.Attribute{},
	}
}

// blocks groups the top-level blocks of all files by type, in file order.
type blocks struct {
	migration, variable, locals, environment, move, audit, cost []*hcl.Block
}

func (l *loader) load() {
	if !l.listFiles() {
		return
	}
	var bs blocks
	for _, name := range l.hclNames {
		f := l.parseFile(filepath.Join(l.dir, name), name, "configuration file")
		if f == nil {
			continue
		}
		content, diags := f.Body.Content(rootSchema)
		l.diags = append(l.diags, diags...)
		for _, b := range content.Blocks {
			switch b.Type {
			case "migration":
				bs.migration = append(bs.migration, b)
			case "variable":
				bs.variable = append(bs.variable, b)
			case "locals":
				bs.locals = append(bs.locals, b)
			case "environment":
				bs.environment = append(bs.environment, b)
			case "move":
				bs.move = append(bs.move, b)
			case "audit":
				bs.audit = append(bs.audit, b)
			case "cost":
				bs.cost = append(bs.cost, b)
			case "usage":
				l.cfg.Usage = append(l.cfg.Usage, b)
			}
		}
	}

	for _, b := range bs.variable {
		l.declareVariable(b)
	}
	l.resolveVariables()
	l.ctx = &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   l.variablesObject(),
			"local": cty.EmptyObjectVal,
		},
		Functions: functions(l.dir, l.getenv),
	}
	l.decodeLocals(bs.locals)

	l.decodeMigration(bs.migration)
	for _, b := range bs.environment {
		l.decodeEnvironment(b)
	}
	seen := map[string]hcl.Range{}
	for _, b := range bs.move {
		l.decodeMove(b, seen)
	}
	l.decodeAudit(bs.audit)
	l.decodeCost(bs.cost)

	l.cfg.Hash = l.hash()
}

// listFiles finds the configuration and auto-variable files in dir. It
// reports false, with a diagnostic, if there is nothing to load.
func (l *loader) listFiles() bool {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		l.diags = append(l.diags, errorf(nil, "Cannot read configuration directory",
			"rehome could not list %s: %s.", l.dir, err))
		return false
	}
	for _, e := range entries { // sorted by name
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") || e.IsDir() {
			continue
		}
		switch {
		case strings.HasSuffix(name, configSuffix):
			l.hclNames = append(l.hclNames, name)
		case strings.HasSuffix(name, autoVarsSuffix):
			l.autoVarNames = append(l.autoVarNames, name)
		}
	}
	if len(l.hclNames) == 0 {
		l.diags = append(l.diags, errorf(nil, "No configuration files",
			"%s holds no *%s files. A rehome configuration is a directory of *%s files; run rehome in it or pass its path.",
			l.dir, configSuffix, configSuffix))
		return false
	}
	return true
}

// parseFile reads and parses one HCL file (a "configuration file" or
// "variables file", says what), recording it in Config.Files under name. It
// returns nil if the file could not be read.
func (l *loader) parseFile(path, name, what string) *hcl.File {
	if f, ok := l.cfg.Files[name]; ok {
		return f
	}
	src, err := os.ReadFile(path)
	if err != nil {
		l.diags = append(l.diags, errorf(nil, "Cannot read "+what, "%s.", err))
		return nil
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	l.diags = append(l.diags, diags...)
	if f == nil {
		f = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
	}
	l.cfg.Files[name] = f
	return f
}

// checkIdentifier reports whether a block label is a valid identifier, with
// a diagnostic if not.
func (l *loader) checkIdentifier(b *hcl.Block, label int, what string) bool {
	name := b.Labels[label]
	if hclsyntax.ValidIdentifier(name) {
		return true
	}
	l.diags = append(l.diags, errorf(ptr(b.LabelRanges[label]), "Invalid "+what+" name",
		"%q is not a valid %s name. A name must start with a letter or underscore and may contain only letters, digits, underscores and dashes.",
		name, what))
	return false
}

// eval evaluates expr in the configuration's context. References are
// checked first, so an undeclared variable or local gets one precise
// diagnostic rather than a generic one from HCL.
func (l *loader) eval(expr hcl.Expression) (cty.Value, hcl.Diagnostics) {
	bad, diags := l.checkRefs(expr.Variables())
	val, evalDiags := expr.Value(l.ctx)
	return val, append(diags, withoutRanges(evalDiags, bad)...)
}

// checkRefs checks that each traversal refers to a declared variable or
// local. It returns the ranges of the bad references with diagnostics.
func (l *loader) checkRefs(travs []hcl.Traversal) ([]hcl.Range, hcl.Diagnostics) {
	var bad []hcl.Range
	var diags hcl.Diagnostics
	for _, t := range travs {
		if d := l.checkRef(t); d != nil {
			diags = append(diags, d)
			bad = append(bad, t.SourceRange())
		}
	}
	return bad, diags
}

func (l *loader) checkRef(t hcl.Traversal) *hcl.Diagnostic {
	rng := t.SourceRange()
	root := t.RootName()
	var name string
	if len(t) > 1 {
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			name = a.Name
		}
	}
	switch root {
	case "var":
		if name == "" {
			return errorf(&rng, "Invalid reference",
				"An input variable is referred to as var.NAME, for example var.region.")
		}
		if _, ok := l.cfg.Variables[name]; !ok {
			hint := didYouMean(name, sortedKeys(l.cfg.Variables))
			if hint == "" {
				hint = fmt.Sprintf(" Declare it with a variable %q block.", name)
			}
			return errorf(&rng, "Reference to undeclared input variable",
				"An input variable named %q has not been declared.%s", name, hint)
		}
	case "local":
		if name == "" {
			return errorf(&rng, "Invalid reference",
				"A local value is referred to as local.NAME, for example local.prefix.")
		}
		if _, ok := l.localDefs[name]; !ok {
			hint := didYouMean(name, sortedKeys(l.localDefs))
			if hint == "" {
				hint = " Define it in a locals block."
			}
			return errorf(&rng, "Reference to undeclared local value",
				"A local value named %q has not been declared.%s", name, hint)
		}
	case "environment":
		return errorf(&rng, "Invalid reference",
			"An environment reference such as environment.%s can only be the from or to argument of a move block.",
			cmp.Or(name, "NAME"))
	default:
		return errorf(&rng, "Invalid reference",
			"There is no object named %q.%s References start with var. (input variables) or local. (local values).",
			root, didYouMean(root, []string{"var", "local", "environment"}))
	}
	return nil
}

// withoutRanges drops the diagnostics whose subject lies within one of the
// given ranges (already reported bad references).
func withoutRanges(diags hcl.Diagnostics, bad []hcl.Range) hcl.Diagnostics {
	if len(bad) == 0 {
		return diags
	}
	var out hcl.Diagnostics
next:
	for _, d := range diags {
		if d.Subject != nil {
			for _, b := range bad {
				if rangeContains(b, *d.Subject) {
					continue next
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// describeRange renders r for a diagnostic's detail ("migration.hcl:3").
func describeRange(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}
