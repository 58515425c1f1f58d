package providers

import "github.com/zclconf/go-cty/cty"

// AttrReader reads a decoded environment value (Config.Value) in
// Configure: absent, null and unknown attributes read as zero values.
type AttrReader struct{ v cty.Value }

// Attrs returns a reader of v.
func Attrs(v cty.Value) AttrReader { return AttrReader{v: v} }

func (a AttrReader) get(n string) (cty.Value, bool) {
	if a.v.IsNull() || !a.v.IsKnown() || !a.v.Type().IsObjectType() || !a.v.Type().HasAttribute(n) {
		return cty.NilVal, false
	}
	x := a.v.GetAttr(n)
	return x, !x.IsNull() && x.IsWhollyKnown()
}

// String returns a string attribute ("" when unset).
func (a AttrReader) String(n string) string {
	if x, ok := a.get(n); ok && x.Type() == cty.String {
		return x.AsString()
	}
	return ""
}

// Bool returns a bool attribute, def when unset.
func (a AttrReader) Bool(n string, def bool) bool {
	if x, ok := a.get(n); ok && x.Type() == cty.Bool {
		return x.True()
	}
	return def
}

// StringMap returns a map-of-strings attribute (nil when unset).
func (a AttrReader) StringMap(n string) map[string]string {
	x, ok := a.get(n)
	if !ok || !(x.Type().IsMapType() || x.Type().IsObjectType()) {
		return nil
	}
	out := map[string]string{}
	for k, e := range x.AsValueMap() {
		if !e.IsNull() && e.Type() == cty.String {
			out[k] = e.AsString()
		}
	}
	return out
}

// Block returns a reader of a nested block (reading as empty when unset).
func (a AttrReader) Block(n string) AttrReader {
	if x, ok := a.get(n); ok && x.Type().IsObjectType() {
		return AttrReader{v: x}
	}
	return AttrReader{v: cty.NilVal}
}

// First returns the first non-empty string.
func First(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
