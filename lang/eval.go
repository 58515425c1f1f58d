package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// evalAs evaluates attribute a and converts it to ty. The result is
// unmarked, ready to be stored in a Go value. ok is false if there was an
// error (reported) or the value is not known because of an error reported
// elsewhere (such as a variable without a value).
func (l *loader) evalAs(a *hcl.Attribute, ty cty.Type) (val cty.Value, ok bool) {
	val, diags := l.eval(a.Expr)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	val, marks := val.UnmarkDeepWithPaths()
	if len(marks) > 0 {
		// These attributes (names, globs, paths, descriptions) are shown in
		// plans, findings and logs, so a secret must not flow into them.
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Sensitive value not allowed",
			"The value of %q is derived from a sensitive value, but %q is shown in plans and logs; use a non-sensitive value here.", a.Name, a.Name))
		return cty.NilVal, false
	}
	if !val.IsWhollyKnown() {
		return cty.NilVal, false
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Incorrect attribute value type",
			"Inappropriate value for attribute %q: %s.", a.Name, err))
		return cty.NilVal, false
	}
	return conv, true
}

// stringList evaluates a as a list of strings. A null value is an empty
// list; a null element is an error.
func (l *loader) stringList(a *hcl.Attribute) ([]string, bool) {
	val, ok := l.evalAs(a, cty.List(cty.String))
	if !ok || val.IsNull() {
		return nil, ok
	}
	out := make([]string, 0, val.LengthInt())
	for i, el := range val.AsValueSlice() {
		if el.IsNull() {
			l.diags = append(l.diags, errorf(ptr(elementRange(a.Expr, i)), "Invalid value",
				"The elements of %q must be strings, not null.", a.Name))
			return nil, false
		}
		out = append(out, el.AsString())
	}
	return out, true
}

// stringMap evaluates a as a map of strings. A null value is an empty map;
// a null element is an error.
func (l *loader) stringMap(a *hcl.Attribute) (map[string]string, bool) {
	val, ok := l.evalAs(a, cty.Map(cty.String))
	if !ok || val.IsNull() {
		return nil, ok
	}
	out := make(map[string]string, val.LengthInt())
	for k, el := range val.AsValueMap() {
		if el.IsNull() {
			l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid value",
				"The value for %q in %q must be a string, not null.", k, a.Name))
			return nil, false
		}
		out[k] = el.AsString()
	}
	return out, true
}

// elementRange is the range of the i'th element of a tuple expression
// (["a", "b"]), or the whole expression's range if it is not one.
func elementRange(expr hcl.Expression, i int) hcl.Range {
	if t, ok := expr.(*hclsyntax.TupleConsExpr); ok && i < len(t.Exprs) {
		return t.Exprs[i].Range()
	}
	return expr.Range()
}
