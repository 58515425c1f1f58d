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

// RenderProviders writes the capability matrix of reg: one row per
// provider, one column per movable kind ("src+dst", "src", "dst" or "-"),
// then per provider the features its capability table declares for the
// kinds it handles. Providers are in name order.
func RenderProviders(w io.Writer, reg *providers.Registry) error {
	var b bytes.Buffer
	names := reg.Names()
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"PROVIDER"}
	for _, k := range providers.MoveKinds {
		head = append(head, strings.ToUpper(string(k)))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, n := range names {
		f, _ := reg.Get(n)
		row := []string{n}
		for _, k := range providers.MoveKinds {
			row = append(row, roleCell(f.Caps.Role(k)))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	b.WriteString("\nsrc: can be the source of a move; dst: can be the destination.\n")

	for _, n := range names {
		f, _ := reg.Get(n)
		b.WriteByte('\n')
		if f.Description != "" {
			fmt.Fprintf(&b, "%s: %s\n", n, f.Description)
		} else {
			fmt.Fprintf(&b, "%s\n", n)
		}
		lines := featureLines(f.Caps)
		if len(lines) == 0 {
			b.WriteString("  moves nothing\n")
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
		for _, l := range lines {
			fmt.Fprintf(tw, "  %s:\t%s\n", l[0], l[1])
		}
		tw.Flush()
	}
	_, err := w.Write(b.Bytes())
	return err
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
func featureLines(c providers.Caps) [][2]string {
	var out [][2]string
	has := func(k providers.Kind) bool { return c.Role(k) != 0 }
	if has(providers.KindStorage) {
		s := c.Storage
		text := features([]feature{
			{"metadata", s.Metadata}, {"tags", s.Tags}, {"content type", s.ContentType},
			{"versioning", s.Versioning}, {"server-side copy", s.ServerSideCopy},
		})
		if s.FileKeys {
			text += "; keys are file paths"
		}
		if s.MaxObjectSize > 0 {
			text += "; max object " + HumanBytes(s.MaxObjectSize)
		}
		out = append(out, [2]string{"storage", text})
	}
	if has(providers.KindDNS) {
		d := c.DNS
		types := append([]string(nil), d.RecordTypes...)
		sort.Strings(types)
		text := "records " + orText(strings.Join(types, " "), "(none declared)")
		text += "; " + features([]feature{{"wildcards", d.Wildcards}})
		if d.MinTTL > 0 {
			text += fmt.Sprintf("; min TTL %d", d.MinTTL)
		}
		if d.OwnApex {
			text += "; apex SOA/NS are the provider's own (not copied)"
		}
		out = append(out, [2]string{"dns", text})
	}
	if has(providers.KindDatabase) {
		d := c.Database
		engines := append([]string(nil), d.Engines...)
		sort.Strings(engines)
		text := "engines " + orText(strings.Join(engines, ", "), "(none declared)")
		text += "; " + features([]feature{{"change capture", d.ChangeCapture}})
		out = append(out, [2]string{"database", text})
	}
	if has(providers.KindQueue) {
		q := c.Queue
		out = append(out, [2]string{"queue", features([]feature{
			{"FIFO", q.FIFO}, {"dead-letter", q.DeadLetter}, {"delay", q.DelaySeconds}, {"message copy", q.Messages},
		})})
	}
	if has(providers.KindSecrets) {
		s := c.Secrets
		text := "not versioned (an overwrite cannot be undone)"
		if s.Versioned {
			text = "versioned (rollback restores an overwritten value)"
		}
		if s.EncryptedAtRest {
			text += ", encrypted at rest"
		}
		if s.MaxValueSize > 0 {
			text += "; max value " + HumanBytes(int64(s.MaxValueSize))
		}
		out = append(out, [2]string{"secrets", text})
	}
	if len(c.Inventory) > 0 {
		inv := append([]string(nil), c.Inventory...)
		sort.Strings(inv)
		out = append(out, [2]string{"also lists", strings.Join(inv, ", ") + " (for audit and cost; not moved)"})
	}
	return out
}

type feature struct {
	name string
	ok   bool
}

// features is "metadata, content type; no tags, no versioning".
func features(fs []feature) string {
	var yes, no []string
	for _, f := range fs {
		if f.ok {
			yes = append(yes, f.name)
		} else {
			no = append(no, "no "+f.name)
		}
	}
	return strings.Join(append(yes, no...), ", ")
}
