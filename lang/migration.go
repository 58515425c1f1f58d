package lang

import (
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"

	auditpkg "github.com/rehome/rehome/audit"
)

// DefaultStatePath is the state directory, relative to the configuration
// directory, when the migration block does not name one.
const DefaultStatePath = ".rehome/state"

var migrationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "required_version"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "state"}},
}

var stateSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "path", Required: true}},
}

var auditSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "scan"}, {Name: "rules"}},
}

// decodeMigration decodes the migration block, if any. Without one the
// migration is named after the directory and keeps its state in the
// default place.
func (l *loader) decodeMigration(blocks []*hcl.Block) {
	m := &Migration{
		Name:      filepath.Base(l.dir),
		StatePath: filepath.Join(l.dir, filepath.FromSlash(DefaultStatePath)),
	}
	l.cfg.Migration = m
	if len(blocks) == 0 {
		return
	}
	b := blocks[0]
	for _, dup := range blocks[1:] {
		l.diags = append(l.diags, errorf(ptr(dup.DefRange), "Duplicate migration block",
			"A configuration has at most one migration block; the first is at %s.", describeRange(b.DefRange)))
	}
	m.Name, m.DeclRange = b.Labels[0], b.DefRange
	l.checkIdentifier(b, 0, "migration")

	content, diags := b.Body.Content(migrationSchema)
	l.diags = append(l.diags, diags...)
	if a, ok := content.Attributes["description"]; ok {
		if val, ok := l.evalAs(a, cty.String); ok && !val.IsNull() {
			m.Description = val.AsString()
		}
	}
	if a, ok := content.Attributes["required_version"]; ok {
		l.diags = append(l.diags, gohcl.DecodeExpression(a.Expr, nil, &m.RequiredVersion)...)
		if m.RequiredVersion != "" {
			l.checkVersion(m.RequiredVersion, a)
		}
	}
	for i, sb := range content.Blocks {
		if i > 0 {
			l.diags = append(l.diags, errorf(ptr(sb.DefRange), "Duplicate state block",
				"A migration block has at most one state block; the first is at %s.",
				describeRange(content.Blocks[0].DefRange)))
			continue
		}
		sc, diags := sb.Body.Content(stateSchema)
		l.diags = append(l.diags, diags...)
		if a, ok := sc.Attributes["path"]; ok {
			if val, ok := l.evalAs(a, cty.String); ok && !val.IsNull() {
				p := val.AsString()
				if strings.TrimSpace(p) == "" {
					l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid state path",
						"The state path must not be empty; leave the state block out to use %s.", DefaultStatePath))
					continue
				}
				m.StatePath = l.resolvePath(p)
			}
		}
	}
}

// checkVersion checks rehome's version (Options.Version) against the
// required_version constraint in attribute a.
func (l *loader) checkVersion(constraint string, a *hcl.Attribute) {
	cs, err := version.NewConstraint(constraint)
	if err != nil {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid required_version",
			"%q is not a valid version constraint: %s. Write constraints such as \">= 0.3, < 1.0\" or \"~> 0.4\".",
			constraint, err))
		return
	}
	current := strings.TrimPrefix(l.opts.Version, "v")
	if current == "" || current == "dev" {
		return // an unreleased build: no version to compare
	}
	v, err := version.NewVersion(current)
	if err != nil {
		l.diags = append(l.diags, errorf(nil, "Invalid rehome version",
			"This rehome build reports the version %q, which cannot be compared with required_version: %s.",
			l.opts.Version, err))
		return
	}
	// go-version never lets a pre-release satisfy a constraint without
	// one; a release candidate is checked as the release it leads to.
	if !cs.Check(v.Core()) {
		l.diags = append(l.diags, errorf(ptr(a.Range), "Unsupported rehome version",
			"This configuration requires rehome %s, but this is rehome %s. Use a rehome release that satisfies required_version, or change the constraint.",
			constraint, l.opts.Version))
	}
}

// decodeAudit decodes the audit block, if any.
func (l *loader) decodeAudit(blocks []*hcl.Block) {
	if len(blocks) == 0 {
		return
	}
	b := blocks[0]
	for _, dup := range blocks[1:] {
		l.diags = append(l.diags, errorf(ptr(dup.DefRange), "Duplicate audit block",
			"A configuration has at most one audit block; the first is at %s.", describeRange(b.DefRange)))
	}
	audit := &Audit{DeclRange: b.DefRange}
	l.cfg.Audit = audit
	content, diags := b.Body.Content(auditSchema)
	l.diags = append(l.diags, diags...)
	if a, ok := content.Attributes["scan"]; ok {
		paths, ok := l.stringList(a)
		if !ok {
			return
		}
		for i, p := range paths {
			if strings.TrimSpace(p) == "" {
				l.diags = append(l.diags, errorf(ptr(elementRange(a.Expr, i)), "Invalid scan path",
					"A scan path must not be empty; use \".\" for the configuration directory."))
				continue
			}
			audit.Scan = append(audit.Scan, l.resolvePath(p))
		}
	}
	l.decodeAuditRules(audit, content.Attributes["rules"])
}

// resolvePath makes p absolute, relative to the configuration directory.
func (l *loader) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.dir, p)
}

// decodeAuditRules decodes the audit block's rules attribute: the user's
// scan rules file, read and checked here so that a bad rule is a
// diagnostic at the attribute naming the file's line.
func (l *loader) decodeAuditRules(audit *Audit, a *hcl.Attribute) {
	if a == nil {
		return
	}
	v, ok := l.evalAs(a, cty.String)
	if !ok || v.IsNull() {
		return
	}
	p := v.AsString()
	if strings.TrimSpace(p) == "" {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid rules file",
			"rules names a JSON file of scan rules ({\"rules\": [...]}); it must not be empty."))
		return
	}
	audit.Rules, audit.RulesRange = l.resolvePath(p), a.Expr.Range()
	if _, err := auditpkg.LoadRules(audit.Rules); err != nil {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid audit rules", "%s.", strings.TrimSuffix(err.Error(), ".")))
	}
}
