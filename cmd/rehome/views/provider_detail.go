package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rehome/rehome/providers"
)

// RenderProvider writes what `rehome providers NAME` shows: the provider's
// description, what it moves, its folder layout where it has one, and the
// attributes of its environment block (sensitive ones marked). An unknown
// name is an error listing the known ones.
func RenderProvider(w io.Writer, reg *providers.Registry, kinds Kinds, name string) error {
	f, ok := reg.Get(name)
	if !ok {
		return fmt.Errorf("no provider %q; this build has %s", name, strings.Join(reg.Names(), ", "))
	}
	var b bytes.Buffer
	providerSection(&b, kinds, f)
	b.WriteString("\nenvironment attributes:\n")
	schemaLines(&b, f.Schema, "  ")
	_, err := w.Write(b.Bytes())
	return err
}

// schemaLines lists a schema's attributes and nested blocks, indented.
func schemaLines(b *bytes.Buffer, s providers.Schema, indent string) {
	tw := tabwriter.NewWriter(b, 0, 0, 1, ' ', 0)
	for _, a := range s.Attributes {
		var tags []string
		if a.Required {
			tags = append(tags, "required")
		}
		if a.Sensitive {
			tags = append(tags, "sensitive")
		}
		tag := ""
		if len(tags) > 0 {
			tag = " (" + strings.Join(tags, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s%s%s\t%s\n", indent, a.Name, tag, a.Description)
	}
	tw.Flush()
	for _, bl := range s.Blocks {
		fmt.Fprintf(b, "%s%s { ... }  %s\n", indent, bl.Name, bl.Description)
		schemaLines(b, bl.Schema, indent+"  ")
	}
}
