package providers

import "sort"

// NewResource builds a discovered resource that no mover moves (Kind ""):
// attributes with empty values are left out and references are sorted,
// without repeats, so inventories compare and render alike.
func NewResource(env, provider, typ, id, name string, attrs map[string]string, refs []string) Resource {
	if attrs == nil {
		attrs = map[string]string{}
	}
	for k, v := range attrs {
		if v == "" {
			delete(attrs, k)
		}
	}
	sort.Strings(refs)
	var out []string
	for i, r := range refs {
		if r != "" && (i == 0 || r != refs[i-1]) {
			out = append(out, r)
		}
	}
	if name == "" {
		name = id
	}
	return Resource{Env: env, Provider: provider, Type: typ, ID: id, Name: name, Attrs: attrs, References: out}
}
