package providers

import "github.com/zclconf/go-cty/cty"

// Schema describes the provider-specific attributes and nested blocks of an
// environment block. The language decodes the block's remaining body against
// it and reports unknown or missing attributes as diagnostics.
type Schema struct {
	Attributes []Attribute
	Blocks     []Block
}

// Attribute is one provider attribute.
type Attribute struct {
	Name        string
	Type        cty.Type
	Required    bool
	Sensitive   bool // never printed; redacted in logs and plans
	Description string
}

// Block is a nested block that may appear at most once (e.g. object_storage).
type Block struct {
	Name        string
	Description string
	Schema      Schema
}

// Attribute returns the attribute named n.
func (s Schema) Attribute(n string) (Attribute, bool) {
	for _, a := range s.Attributes {
		if a.Name == n {
			return a, true
		}
	}
	return Attribute{}, false
}
