package lang

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// environmentSchema is the part of an environment block that the language
// itself knows; the rest belongs to the provider's Schema.
var environmentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "provider"}},
}

// decodeEnvironment decodes an environment block in two phases: first the
// provider name, then the rest of the body against that provider's schema.
func (l *loader) decodeEnvironment(b *hcl.Block) {
	name := b.Labels[0]
	if !l.checkIdentifier(b, 0, "environment") {
		return
	}
	if prev, dup := l.cfg.Environments[name]; dup {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Duplicate environment",
			"An environment named %q was already declared at %s. Environment names must be unique.",
			name, describeRange(prev.DeclRange)))
		return
	}
	env := &Environment{Name: name, Value: cty.DynamicVal, DeclRange: b.DefRange, AttrRanges: map[string]hcl.Range{}}
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		for n, a := range sb.Attributes {
			env.AttrRanges[n] = a.Expr.Range()
		}
		for _, nb := range sb.Blocks {
			env.AttrRanges[nb.Type] = nb.DefRange()
			for n, a := range nb.Body.Attributes { // "database.size"
				env.AttrRanges[nb.Type+"."+n] = a.Expr.Range()
			}
		}
	}
	l.cfg.Environments[name] = env

	content, rest, diags := b.Body.PartialContent(environmentSchema)
	l.diags = append(l.diags, diags...)
	a, ok := content.Attributes["provider"]
	if !ok {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Missing required argument",
			"The argument \"provider\" is required: the platform this environment is on, one of %s.",
			quotedList(l.registry.Names())))
		return
	}
	if len(a.Expr.Variables()) > 0 {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid provider",
			"The provider must be a literal name such as \"aws\", without references, so that the configuration can be checked without variable values."))
		return
	}
	val, diags := a.Expr.Value(nil)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	if val.IsNull() || val.Type() != cty.String {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid provider",
			"The provider must be a string naming a provider, one of %s.", quotedList(l.registry.Names())))
		return
	}
	env.Provider = val.AsString()
	f, ok := l.registry.Get(env.Provider)
	if !ok {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Unknown provider",
			"There is no provider named %q.%s The providers in this build of rehome are %s.",
			env.Provider, didYouMean(env.Provider, l.registry.Names()), quotedList(l.registry.Names())))
		return
	}

	spec := schemaSpec(f.Schema)
	bad, diags := l.checkRefs(hcldec.Variables(rest, spec))
	l.diags = append(l.diags, diags...)
	val, diags = hcldec.Decode(rest, spec, l.ctx)
	l.diags = append(l.diags, withoutRanges(diags, bad)...)

	unmarked, marks := val.UnmarkDeepWithPaths()
	env.Value = unmarked
	env.Sensitive = sensitiveAttributes(f.Schema, marks)
	// Values a schema calls sensitive must not be echoed by diagnostics
	// either, wherever they came from (env("TOKEN"), a literal).
	for _, p := range env.Sensitive {
		if v, ok := lookupPath(unmarked, p); ok {
			l.addSecret(v)
		}
	}
}

// schemaSpec converts a provider schema into an hcldec spec: an attribute
// per schema attribute and a nested block, at most one, per schema block.
func schemaSpec(s providers.Schema) hcldec.ObjectSpec {
	spec := make(hcldec.ObjectSpec, len(s.Attributes)+len(s.Blocks))
	for _, a := range s.Attributes {
		ty := a.Type
		if ty == cty.NilType {
			ty = cty.DynamicPseudoType
		}
		spec[a.Name] = &hcldec.AttrSpec{Name: a.Name, Type: ty, Required: a.Required}
	}
	for _, b := range s.Blocks {
		spec[b.Name] = &hcldec.BlockSpec{TypeName: b.Name, Nested: schemaSpec(b.Schema)}
	}
	return spec
}

// sensitiveAttributes lists, sorted, the attribute paths ("token",
// "object_storage.secret_key") that the schema declares sensitive or whose
// values carry SensitiveMark.
func sensitiveAttributes(s providers.Schema, marks []cty.PathValueMarks) []string {
	set := map[string]bool{}
	var walk func(s providers.Schema, prefix string)
	walk = func(s providers.Schema, prefix string) {
		for _, a := range s.Attributes {
			if a.Sensitive {
				set[prefix+a.Name] = true
			}
		}
		for _, b := range s.Blocks {
			walk(b.Schema, prefix+b.Name+".")
		}
	}
	walk(s, "")
	for _, pm := range marks {
		if _, ok := pm.Marks[SensitiveMark]; ok {
			if p := schemaPath(s, pm.Path); p != "" {
				set[p] = true
			}
		}
	}
	return sortedKeys(set)
}

// schemaPath names the schema attribute (or block) that path p, into a
// decoded environment value, falls in.
func schemaPath(s providers.Schema, p cty.Path) string {
	var names []string
	for _, step := range p {
		ga, ok := step.(cty.GetAttrStep)
		if !ok {
			break
		}
		if _, ok := s.Attribute(ga.Name); ok {
			names = append(names, ga.Name)
			break
		}
		i := slices.IndexFunc(s.Blocks, func(b providers.Block) bool { return b.Name == ga.Name })
		if i < 0 {
			break
		}
		names = append(names, ga.Name)
		s = s.Blocks[i].Schema
	}
	return strings.Join(names, ".")
}

// lookupPath returns the value at a dotted attribute path in an object.
func lookupPath(v cty.Value, path string) (cty.Value, bool) {
	for _, name := range strings.Split(path, ".") {
		if !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
			return cty.NilVal, false
		}
		v = v.GetAttr(name)
	}
	return v, true
}
