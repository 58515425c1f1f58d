package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rehome/rehome/audit"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// AuditFormatVersion is the version of the `rehome audit -json` document.
const AuditFormatVersion = "1.0"

// AuditDoc is the `rehome audit -json` document: the plan's inventory
// (every source resource, classified), dependencies and audit findings,
// with counts. Lists are [] when empty, never null.
type AuditDoc struct {
	FormatVersion string             `json:"format_version"`
	Migration     string             `json:"migration"`
	Summary       AuditSummary       `json:"summary"`
	Resources     []audit.Item       `json:"resources"`
	Dependencies  []audit.Dependency `json:"dependencies"`
	Findings      []planner.Finding  `json:"findings"`
}

// AuditSummary counts an audit.
type AuditSummary struct {
	Resources    int `json:"resources"`
	Moved        int `json:"moved"`
	LeftBehind   int `json:"left_behind"`
	NoEquivalent int `json:"no_equivalent"`
	Blockers     int `json:"blockers"`
	Warnings     int `json:"warnings"`
	Info         int `json:"info"`
	Acknowledged int `json:"acknowledged"`
	// References counts the findings of the application scan.
	References int `json:"references"`
	// Effort sums the effort of the scan's findings (story points).
	Effort int `json:"effort"`
}

// NewAuditDoc builds the audit document of a plan. Findings are ordered
// by severity (unacknowledged blockers first), then by file and line.
func NewAuditDoc(p *planner.Plan) AuditDoc {
	d := AuditDoc{FormatVersion: AuditFormatVersion, Migration: p.Migration,
		Resources: append([]audit.Item{}, p.Inventory...), Dependencies: append([]audit.Dependency{}, p.Dependencies...),
		Findings: auditFindings(p.Audit)}
	c := audit.Counts(p.Inventory)
	d.Summary = AuditSummary{Resources: len(p.Inventory), Moved: c[audit.Moved], LeftBehind: c[audit.LeftBehind],
		NoEquivalent: c[audit.NoEquivalent]}
	for _, f := range d.Findings {
		switch {
		case f.Acknowledged:
			d.Summary.Acknowledged++
		case f.Severity == planner.SevBlocker:
			d.Summary.Blockers++
		case f.Severity == planner.SevWarning:
			d.Summary.Warnings++
		default:
			d.Summary.Info++
		}
		if f.File != "" {
			d.Summary.References++
			d.Summary.Effort += f.Effort
		}
	}
	return d
}

func auditFindings(fs []planner.Finding) []planner.Finding {
	out := append([]planner.Finding{}, fs...)
	rank := func(f planner.Finding) int {
		switch {
		case f.Severity == planner.SevBlocker && !f.Acknowledged:
			return 0
		case f.Severity == planner.SevBlocker:
			return 1
		case f.Severity == planner.SevWarning:
			return 2
		}
		return 3
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if (a.File == "") != (b.File == "") {
			return a.File == "" // findings about resources before those about code
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return out
}

// RenderAuditJSON writes the audit document.
func RenderAuditJSON(w io.Writer, p *planner.Plan) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(NewAuditDoc(p)); err != nil {
		return fmt.Errorf("encode audit: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// itemSize is a resource's size in a few words: its class, vCPUs and
// memory, storage ("t3.large, 2 vCPU, 8 GiB"; "gp3, 100 GiB").
func itemSize(it audit.Item) string {
	a := it.Attrs
	var parts []string
	if c := a[providers.AttrClass]; c != "" {
		parts = append(parts, c)
	}
	if v := a[providers.AttrVCPUs]; v != "" {
		parts = append(parts, v+" vCPU")
	}
	if m := a[providers.AttrMemoryMiB]; m != "" {
		parts = append(parts, mibText(m))
	}
	if e := a[providers.AttrEngine]; e != "" {
		parts = append(parts, strings.TrimSpace(e+" "+a[providers.AttrVersion]))
	}
	for _, k := range []string{providers.AttrSizeGiB, providers.AttrStorageGiB} {
		if s := a[k]; s != "" {
			parts = append(parts, s+" GiB")
		}
	}
	if r := a[providers.AttrRuntime]; r != "" {
		parts = append(parts, r)
	}
	return strings.Join(parts, ", ")
}

func mibText(m string) string {
	var n int
	if _, err := fmt.Sscanf(m, "%d", &n); err != nil || n <= 0 {
		return m + " MiB"
	}
	if n%1024 == 0 {
		return fmt.Sprintf("%d GiB", n/1024)
	}
	return fmt.Sprintf("%d MiB", n)
}

// itemOutcome is what the audit says of an item: who moves it, or what
// replaces it.
func itemOutcome(it audit.Item) string {
	switch it.Status {
	case audit.Moved:
		return "moved by " + it.MovedBy
	case audit.NoEquivalent:
		return "no equivalent at " + it.Destination + ": " + it.Equivalent
	}
	s := "stays; equivalent at " + it.Destination + ": " + it.Equivalent
	if it.Note != "" {
		s += " (" + it.Note + ")"
	}
	return s
}

// itemPrice is the cost report's monthly amounts for an item: "EUR 61.23
// a month; as Hetzner cx32: EUR 12.90", or "" when the cost report did
// not price it.
func itemPrice(it audit.Item) string {
	if it.Currency == "" {
		return ""
	}
	amount := func(m *float64) string {
		if m == nil {
			return "unknown"
		}
		return fmt.Sprintf("%s %.2f", it.Currency, *m)
	}
	s := amount(it.Monthly) + " a month"
	if it.PricedAs != "" {
		s += fmt.Sprintf("; as %s: %s", it.PricedAs, amount(it.EquivalentMonthly))
	}
	return s
}

func findingWhere(f planner.Finding) string {
	if f.File != "" {
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.Address
}

// findingText is the message without the file:line prefix the plan's
// views need (the audit views show the location in its own column).
func findingText(f planner.Finding) string {
	if f.File != "" {
		return strings.TrimPrefix(f.Message, fmt.Sprintf("%s:%d: ", f.File, f.Line))
	}
	return f.Message
}

// RenderAuditHuman writes the audit for a terminal.
func RenderAuditHuman(w io.Writer, p *planner.Plan, o HumanOptions) error {
	paint := painter(o.Color)
	d := NewAuditDoc(p)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\n", paint.bold(fmt.Sprintf("Audit of migration %q", p.Migration)))
	s := d.Summary
	if len(d.Resources) == 0 {
		fmt.Fprintf(&b, "Inventory: no source resources discovered.\n")
	} else {
		fmt.Fprintf(&b, "Inventory: %d source %s: %d moved, %d left behind, %d without equivalent.\n",
			s.Resources, plural(s.Resources, "resource", "resources"), s.Moved, s.LeftBehind, s.NoEquivalent)
	}
	groups := []struct {
		st    audit.Status
		title string
		mark  string
		color func(string) string
	}{
		{audit.NoEquivalent, "Without equivalent at the destination", "!", paint.red},
		{audit.LeftBehind, "Left behind at the source", "-", paint.yellow},
		{audit.Moved, "Moved", "+", paint.green},
	}
	for _, g := range groups {
		var rows []audit.Item
		for _, it := range d.Resources {
			if it.Status == g.st {
				rows = append(rows, it)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", g.title)
		for _, it := range rows {
			size := itemSize(it)
			if size != "" {
				size = " (" + size + ")"
			}
			fmt.Fprintf(&b, "  %s %s%s\n      %s\n", g.color(g.mark), it.Address, paint.dim(size), itemOutcome(it))
			if pr := itemPrice(it); pr != "" {
				fmt.Fprintf(&b, "      %s\n", paint.dim(pr))
			}
		}
	}
	if len(d.Dependencies) > 0 {
		fmt.Fprintf(&b, "\nDependencies:\n")
		for _, dep := range d.Dependencies {
			fmt.Fprintf(&b, "  %s -> %s %s\n", dep.From, dep.To, paint.dim("("+dep.Ref+")"))
		}
	}
	fmt.Fprintf(&b, "\n")
	if len(d.Findings) == 0 {
		fmt.Fprintf(&b, "Findings: none.\n")
	} else {
		fmt.Fprintf(&b, "Findings: %s", countPlan(p).auditText())
		if s.References > 0 {
			fmt.Fprintf(&b, "; %d %s in the application (effort %d)", s.References, plural(s.References, "reference", "references"), s.Effort)
		}
		fmt.Fprintf(&b, "\n")
		for _, f := range d.Findings {
			sev := string(f.Severity)
			switch {
			case f.Acknowledged:
				sev = "acknowledged"
			case f.Severity == planner.SevBlocker:
				sev = paint.red(sev)
			case f.Severity == planner.SevWarning:
				sev = paint.yellow(sev)
			}
			tag := ""
			if f.Category != "" {
				tag = fmt.Sprintf(" [%s, effort %d]", f.Category, f.Effort)
			}
			fmt.Fprintf(&b, "  %s %s%s\n      %s\n", sev, findingWhere(f), paint.dim(tag), findingText(f))
			if f.Resource != "" && f.Resource != f.Address {
				fmt.Fprintf(&b, "      points at %s\n", f.Resource)
			}
			if f.Remedy != "" {
				fmt.Fprintf(&b, "      %s %s\n", paint.dim("->"), f.Remedy)
			}
			fmt.Fprintf(&b, "      %s\n", paint.dim("id: "+f.ID))
		}
	}
	fmt.Fprintf(&b, "\n%s\n", auditVerdict(s))
	_, err := w.Write(b.Bytes())
	return err
}

func auditVerdict(s AuditSummary) string {
	if s.Blockers > 0 {
		return fmt.Sprintf("Result: %d %s: `rehome apply` refuses this plan until %s fixed or acknowledged (exit status 3).",
			s.Blockers, plural(s.Blockers, "blocker", "blockers"), plural(s.Blockers, "it is", "they are"))
	}
	return "Result: no blockers."
}

// mdAuditRows caps the rows of a Markdown table so the comment stays
// within a pull request comment's size.
const mdAuditRows = 150

// RenderAuditMarkdown writes the audit as a pull request comment.
func RenderAuditMarkdown(w io.Writer, p *planner.Plan) error {
	d := NewAuditDoc(p)
	s := d.Summary
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Audit: %s\n\n", mdCode(p.Migration))
	fmt.Fprintf(&b, "| Source resources | Moved | Left behind | No equivalent | Blockers | Warnings | Code references |\n")
	fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d | %d (effort %d) |\n\n", s.Resources, s.Moved, s.LeftBehind, s.NoEquivalent,
		s.Blockers, s.Warnings, s.References, s.Effort)
	if len(d.Resources) > 0 {
		fmt.Fprintf(&b, "## Inventory\n\n| Resource | Size | Status | At the destination | Monthly |\n|---|---|---|---|---|\n")
		for i, it := range d.Resources {
			if i == mdAuditRows {
				fmt.Fprintf(&b, "\n…and %d more (`rehome audit -json` lists all).\n", len(d.Resources)-i)
				break
			}
			dest := it.Equivalent
			switch it.Status {
			case audit.Moved:
				dest = "moved by " + mdCode(it.MovedBy)
			case audit.LeftBehind:
				if it.Note != "" {
					dest += " (" + it.Note + ")"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCode(it.Address), mdCell(itemSize(it)), strings.ReplaceAll(string(it.Status), "_", " "),
				mdCell(dest), mdCell(itemPrice(it)))
		}
		fmt.Fprintf(&b, "\n")
	}
	if len(d.Dependencies) > 0 {
		fmt.Fprintf(&b, "## Dependencies\n\n| From | To | Through |\n|---|---|---|\n")
		for i, dep := range d.Dependencies {
			if i == mdAuditRows {
				fmt.Fprintf(&b, "\n…and %d more.\n", len(d.Dependencies)-i)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCode(dep.From), mdCode(dep.To), mdCode(dep.Ref))
		}
		fmt.Fprintf(&b, "\n")
	}
	if len(d.Findings) > 0 {
		fmt.Fprintf(&b, "## Findings\n\n| Severity | Where | Category | Effort | Finding | Fix |\n|---|---|---|---:|---|---|\n")
		for i, f := range d.Findings {
			if i == mdAuditRows {
				fmt.Fprintf(&b, "\n…and %d more (`rehome audit -json` lists all).\n", len(d.Findings)-i)
				break
			}
			sev := string(f.Severity)
			if f.Acknowledged {
				sev += " (acknowledged)"
			}
			effort := ""
			if f.Effort > 0 {
				effort = fmt.Sprint(f.Effort)
			}
			msg := findingText(f)
			if f.Resource != "" && f.Resource != f.Address {
				msg += " → " + f.Resource
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", sev, mdCode(findingWhere(f)), f.Category, effort, mdCell(msg), mdCell(f.Remedy))
		}
		fmt.Fprintf(&b, "\n")
	}
	fmt.Fprintf(&b, "%s\n", auditVerdict(s))
	_, err := w.Write(b.Bytes())
	return err
}
