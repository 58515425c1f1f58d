package lang

import (
	"math/big"
	"path"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// MoveKind is what the language needs of a kind of move: the arguments its
// move blocks take beyond from, to, acknowledge and overwrite, and how they
// become the kind's settings. Each mover implements it; the language
// decodes a move block in two phases, the common arguments first and the
// rest against the kind's schema, as it does environment blocks against
// provider schemas.
type MoveKind interface {
	// MoveSchema lists the kind's own arguments. Nested blocks are not
	// supported in move blocks.
	MoveSchema() providers.Schema
	// DecodeMove checks the decoded arguments, reporting problems through
	// a.Errorf, and returns the kind's settings, kept as Move.Settings.
	DecodeMove(a *MoveArgs) any
}

// Kinds looks up move kinds by the first label of a move block.
type Kinds interface {
	MoveKind(k providers.Kind) (MoveKind, bool)
	// KindNames lists the kinds, in display order.
	KindNames() []providers.Kind
}

type noKinds struct{}

func (noKinds) MoveKind(providers.Kind) (MoveKind, bool) { return nil, false }
func (noKinds) KindNames() []providers.Kind              { return nil }

// moveCommon are the arguments every move block has.
var moveCommon = []string{"from", "to", "acknowledge", "overwrite"}

// MoveArgs are a move block's kind-specific arguments, decoded against the
// kind's schema. Accessors return the Go value of an argument and false
// when it is absent, null or could not be evaluated (the loader has then
// reported why); a value derived from a sensitive variable is refused
// (these arguments are shown in plans and logs).
type MoveArgs struct {
	// Move is the block being decoded (its kind, name, from and to are
	// set).
	Move *Move

	l     *loader
	attrs hcl.Attributes
	value cty.Value // object per the schema; attributes may be null
	bad   map[string]bool
}

// Has reports whether the block sets the argument.
func (a *MoveArgs) Has(name string) bool {
	_, ok := a.attrs[name]
	return ok
}

// Range is the argument's value expression range (the block's when absent).
func (a *MoveArgs) Range(name string) hcl.Range {
	if at, ok := a.attrs[name]; ok {
		return at.Expr.Range()
	}
	return a.Move.DeclRange
}

// ElementRange is the range of the i'th element of a list argument.
func (a *MoveArgs) ElementRange(name string, i int) hcl.Range {
	if at, ok := a.attrs[name]; ok {
		return elementRange(at.Expr, i)
	}
	return a.Move.DeclRange
}

// Errorf reports an error diagnostic at rng.
func (a *MoveArgs) Errorf(rng hcl.Range, summary, detailFormat string, args ...any) {
	a.l.diags = append(a.l.diags, errorf(ptr(rng), summary, detailFormat, args...))
}

// get returns the argument's value when it is set, known and not null.
func (a *MoveArgs) get(name string) (cty.Value, bool) {
	if !a.Has(name) || a.bad[name] || a.value.IsNull() || !a.value.Type().IsObjectType() || !a.value.Type().HasAttribute(name) {
		return cty.NilVal, false
	}
	v := a.value.GetAttr(name)
	if v.IsNull() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// String returns a string argument.
func (a *MoveArgs) String(name string) (string, bool) {
	v, ok := a.get(name)
	if !ok || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// Bool returns a bool argument.
func (a *MoveArgs) Bool(name string) (bool, bool) {
	v, ok := a.get(name)
	if !ok || v.Type() != cty.Bool {
		return false, false
	}
	return v.True(), true
}

// Number returns a number argument.
func (a *MoveArgs) Number(name string) (*big.Float, bool) {
	v, ok := a.get(name)
	if !ok || v.Type() != cty.Number {
		return nil, false
	}
	return v.AsBigFloat(), true
}

// Strings returns a list-of-strings argument; a null element is an error.
func (a *MoveArgs) Strings(name string) ([]string, bool) {
	v, ok := a.get(name)
	if !ok || !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		return nil, false
	}
	out := make([]string, 0, v.LengthInt())
	for i, el := range v.AsValueSlice() {
		if el.IsNull() || el.Type() != cty.String {
			a.Errorf(a.ElementRange(name, i), "Invalid value", "The elements of %q must be strings, not null.", name)
			return nil, false
		}
		out = append(out, el.AsString())
	}
	return out, true
}

// StringMap returns a map-of-strings argument; a null element is an error.
func (a *MoveArgs) StringMap(name string) (map[string]string, bool) {
	v, ok := a.get(name)
	if !ok || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return nil, false
	}
	out := make(map[string]string, v.LengthInt())
	for k, el := range v.AsValueMap() {
		if el.IsNull() || el.Type() != cty.String {
			a.Errorf(a.Range(name), "Invalid value", "The value for %q in %q must be a string, not null.", k, name)
			return nil, false
		}
		out[k] = el.AsString()
	}
	return out, true
}

// Globs returns a list of glob patterns (path.Match syntax), reporting the
// invalid ones at their element.
func (a *MoveArgs) Globs(name string) []string {
	list, _ := a.Strings(name)
	for i, g := range list {
		if _, err := path.Match(g, ""); err != nil {
			a.Errorf(a.ElementRange(name, i), "Invalid glob pattern",
				"%q in %s is not a valid glob (%s). Globs use * and ? as wildcards, [a-z] for ranges and \\ to escape.",
				g, name, err)
		}
	}
	return list
}

// decodeMoveArgs decodes the rest of a move block's body against the
// kind's schema and lets the kind build its settings.
func (l *loader) decodeMoveArgs(m *Move, k MoveKind, body hcl.Body) {
	s := k.MoveSchema()
	spec := schemaSpec(s)
	bad, diags := l.checkRefs(hcldec.Variables(body, spec))
	l.diags = append(l.diags, diags...)
	val, diags := hcldec.Decode(body, spec, l.ctx)
	l.diags = append(l.diags, withoutRanges(diags, bad)...)

	attrs, _ := body.JustAttributes()
	a := &MoveArgs{Move: m, l: l, attrs: attrs, bad: map[string]bool{}}
	for n, at := range attrs {
		for _, r := range bad {
			if rangeContains(at.Expr.Range(), r) {
				a.bad[n] = true
			}
		}
	}
	// Move arguments are shown in plans, findings and logs, so a secret
	// must not flow into them.
	unmarked, marks := val.UnmarkDeepWithPaths()
	for _, pm := range marks {
		if _, ok := pm.Marks[SensitiveMark]; !ok {
			continue
		}
		if n := schemaPath(s, pm.Path); n != "" && !a.bad[n] {
			a.bad[n] = true
			l.diags = append(l.diags, errorf(ptr(a.Range(n)), "Sensitive value not allowed",
				"The value of %q is derived from a sensitive value, but %q is shown in plans and logs; use a non-sensitive value here.", n, n))
		}
	}
	a.value = unmarked
	m.Settings = k.DecodeMove(a)
}
