package views

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rehome/rehome/providers"
)

// Kinds is what RenderProviders needs of the move kinds: their names in
// display order, and what a provider's capabilities mean for each.
type Kinds interface {
	KindNames() []providers.Kind
	Features(k providers.Kind, c providers.Caps) string
}

// RenderProviders writes the capability matrix of reg: one row per
// provider, one column per kind of move ("src+dst", "src", "dst" or "-"),
// then per provider the features its capability table declares for the
// kinds it handles. Providers are in name order.
func RenderProviders(w io.Writer, reg *providers.Registry, kinds Kinds) error {
	var b bytes.Buffer
	names := reg.Names()
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"PROVIDER"}
	for _, k := range kinds.KindNames() {
		head = append(head, strings.ToUpper(string(k)))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, n := range names {
		f, _ := reg.Get(n)
		row := []string{n}
		for _, k := range kinds.KindNames() {
			row = append(row, roleCell(f.Caps.Role(k)))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	b.WriteString("\nsrc: can be the source of a move; dst: can be the destination.\n")

	for _, n := range names {
		f, _ := reg.Get(n)
		b.WriteByte('\n')
		providerSection(&b, kinds, f)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// providerSection writes one provider's description, its features per
// kind and, where it keeps environments in files, its folder layout.
func providerSection(b *bytes.Buffer, kinds Kinds, f providers.Factory) {
	if f.Description != "" {
		fmt.Fprintf(b, "%s: %s\n", f.Name, f.Description)
	} else {
		fmt.Fprintf(b, "%s\n", f.Name)
	}
	lines := featureLines(kinds, f.Caps)
	if len(lines) == 0 {
		b.WriteString("  moves nothing\n")
	}
	tw := tabwriter.NewWriter(b, 0, 0, 1, ' ', 0)
	for _, l := range lines {
		fmt.Fprintf(tw, "  %s:\t%s\n", l[0], l[1])
	}
	tw.Flush()
	if f.Layout != "" {
		b.WriteString("  layout (below the environment's path):\n")
		for _, l := range strings.Split(strings.TrimRight(f.Layout, "\n"), "\n") {
			fmt.Fprintf(b, "    %s\n", l)
		}
	}
}

func roleCell(r providers.Role) string {
	switch {
	case r.Can(providers.Source | providers.Destination):
		return "src+dst"
	case r.Can(providers.Source):
		return "src"
	case r.Can(providers.Destination):
		return "dst"
	}
	return "-"
}

// featureLines describes the declared features, one {label, text} per
// kind the provider handles, plus what discovery lists but cannot move.
func featureLines(kinds Kinds, c providers.Caps) [][2]string {
	var out [][2]string
	for _, k := range kinds.KindNames() {
		if c.Role(k) != 0 {
			out = append(out, [2]string{string(k), kinds.Features(k, c)})
		}
	}
	if len(c.Inventory) > 0 {
		inv := append([]string(nil), c.Inventory...)
		sort.Strings(inv)
		out = append(out, [2]string{"also lists", strings.Join(inv, ", ") + " (for audit and cost; not moved)"})
	}
	return out
}
