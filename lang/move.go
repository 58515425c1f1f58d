package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// decodeMove decodes a move block. seen maps the addresses of the moves
// decoded so far to their declarations.
func (l *loader) decodeMove(b *hcl.Block, seen map[string]hcl.Range) {
	kind := providers.Kind(b.Labels[0])
	mk, known := l.kinds.MoveKind(kind)
	if !known {
		var kinds []string
		for _, k := range l.kinds.KindNames() {
			kinds = append(kinds, string(k))
		}
		l.diags = append(l.diags, errorf(ptr(b.LabelRanges[0]), "Unknown move kind",
			"There is no move kind %q.%s A move block's first label is one of %s.",
			kind, didYouMean(string(kind), kinds), quotedList(kinds)))
		return
	}
	if !l.checkIdentifier(b, 1, "move") {
		return
	}
	m := &Move{Kind: kind, Name: b.Labels[1], DeclRange: b.DefRange}
	if prev, dup := seen[m.Addr()]; dup {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Duplicate move block",
			"%s was already declared at %s. Each move needs its own name within its kind.",
			m.Addr(), describeRange(prev)))
		return
	}
	seen[m.Addr()] = b.DefRange

	common := &hcl.BodySchema{}
	for _, n := range moveCommon {
		common.Attributes = append(common.Attributes, hcl.AttributeSchema{Name: n})
	}
	content, rest, diags := b.Body.PartialContent(common)
	l.diags = append(l.diags, diags...)
	attrs := content.Attributes

	fromAttr, fromOK := l.envRef(b, attrs, "from", "the environment to move from")
	toAttr, toOK := l.envRef(b, attrs, "to", "the environment to move to")
	if fromOK {
		m.From = l.envName(fromAttr)
	}
	if toOK {
		m.To = l.envName(toAttr)
	}
	if fromOK && toOK && m.From == m.To {
		l.diags = append(l.diags, errorf(ptr(toAttr.Expr.Range()), "Same source and destination",
			"%s moves from environment %q to itself; from and to must name different environments.",
			m.Addr(), m.From))
	}
	if fromOK {
		l.checkRole(m, fromAttr, m.From, providers.Source)
	}
	if toOK {
		l.checkRole(m, toAttr, m.To, providers.Destination)
	}

	if a, ok := attrs["acknowledge"]; ok {
		m.Acknowledge, _ = l.stringList(a)
	}
	if a, ok := attrs["overwrite"]; ok {
		if val, ok := l.evalAs(a, cty.Bool); ok && !val.IsNull() {
			m.Overwrite = val.True()
		}
	}

	l.decodeMoveArgs(m, mk, rest)
	l.cfg.Moves = append(l.cfg.Moves, m)
}

// envRef checks that the move argument name (from or to) is present and is
// a reference to a declared environment.
func (l *loader) envRef(b *hcl.Block, attrs hcl.Attributes, name, what string) (*hcl.Attribute, bool) {
	a, ok := attrs[name]
	if !ok {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Missing required argument",
			"The argument %q is required: %s, written environment.NAME.", name, what))
		return nil, false
	}
	rng := a.Expr.Range()
	t, diags := hcl.AbsTraversalForExpr(a.Expr)
	var env string
	if !diags.HasErrors() && len(t) == 2 && t.RootName() == "environment" {
		if step, ok := t[1].(hcl.TraverseAttr); ok {
			env = step.Name
		}
	}
	if env == "" {
		l.diags = append(l.diags, errorf(&rng, "Invalid environment reference",
			"The argument %q must name an environment, written environment.NAME (for example environment.aws), not a string or other expression.",
			name))
		return nil, false
	}
	if _, ok := l.cfg.Environments[env]; !ok {
		names := sortedKeys(l.cfg.Environments)
		l.diags = append(l.diags, errorf(&rng, "Unknown environment",
			"There is no environment named %q.%s The declared environments are %s.",
			env, didYouMean(env, names), quotedList(names)))
		return nil, false
	}
	return a, true
}

// envName returns the environment an attribute checked by envRef names.
func (l *loader) envName(a *hcl.Attribute) string {
	t, _ := hcl.AbsTraversalForExpr(a.Expr)
	return t[1].(hcl.TraverseAttr).Name
}

// checkRole checks that environment env's provider can play role in a move
// of m's kind, according to its declared capabilities.
func (l *loader) checkRole(m *Move, a *hcl.Attribute, env string, role providers.Role) {
	f, ok := l.registry.Get(l.cfg.Environments[env].Provider)
	if !ok || f.Caps.Role(m.Kind).Can(role) {
		return // an unknown provider is reported at the environment
	}
	var able []string
	for _, n := range l.registry.Names() {
		if g, _ := l.registry.Get(n); g.Caps.Role(m.Kind).Can(role) {
			able = append(able, n)
		}
	}
	l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), fmt.Sprintf("Provider cannot be a %s for %s", role, m.Kind),
		"Environment %q uses the provider %q, which cannot be the %s of a %s move. Providers that can: %s.",
		env, f.Name, role, m.Kind, quotedList(able)))
}
