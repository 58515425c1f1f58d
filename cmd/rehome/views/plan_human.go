package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/planner"
)

// HumanOptions configures RenderPlanHuman.
type HumanOptions struct {
	// Color turns on ANSI colours and bold headings; set it only when
	// writing to a terminal that wants them (not with NO_COLOR).
	Color bool
	// Detail lists every item and change of each action instead of the
	// first few (plan -detail).
	Detail bool
	// Cutover renders for `rehome cutover`: the audit and the cutover
	// steps it is about to run, with the prepare phase only counted.
	Cutover bool
}

// RenderPlanHuman writes the plan for a terminal, in reading order: the
// header, the audit (blockers first), the prepare phase, the pending
// cutover steps, the cost report, and a one-line summary. No-op actions are
// counted, not listed, unless a phase holds nothing else.
func RenderPlanHuman(w io.Writer, p *planner.Plan, o HumanOptions) error {
	var b bytes.Buffer
	c := countPlan(p)
	paint := painter(o.Color)

	humanHeader(&b, p, paint)
	humanAudit(&b, c, paint)

	if o.Cutover {
		humanCutover(&b, c, paint, o.Detail)
		_, err := w.Write(b.Bytes())
		return err
	}
	if len(c.prepare)+len(c.prepareNoop) > 0 {
		head := "Prepare phase (rehome apply)"
		if n := len(c.prepare); n > 0 {
			head += fmt.Sprintf(": %d %s", n, plural(n, "action", "actions"))
		} else {
			head += ": no changes"
		}
		fmt.Fprintf(&b, "%s\n\n", paint.bold(head))
		humanActions(&b, c.prepare, c.prepareNoop, paint, o.Detail)
	}
	if len(c.cutover)+len(c.cutoverNoop) > 0 {
		head := "Cutover phase (run `rehome cutover`)"
		if n := len(c.cutover); n > 0 {
			head += fmt.Sprintf(": %d %s pending", n, plural(n, "step", "steps"))
		} else {
			head += ": nothing pending"
		}
		fmt.Fprintf(&b, "%s\n\n", paint.bold(head))
		humanActions(&b, c.cutover, c.cutoverNoop, paint, o.Detail)
	}
	if len(p.Cost.Items) > 0 {
		humanCost(&b, p, paint)
	}
	humanSummary(&b, c, paint)
	_, err := w.Write(b.Bytes())
	return err
}

func humanHeader(b *bytes.Buffer, p *planner.Plan, paint painter) {
	fmt.Fprintf(b, "%s\n", paint.bold(fmt.Sprintf("Migration %q", p.Migration)))
	if p.Description != "" {
		fmt.Fprintf(b, "  %s\n", p.Description)
	}
	if len(p.Environments) > 0 {
		envs := make([]string, len(p.Environments))
		for i, e := range p.Environments {
			var attrs []string
			if e.Provider != "" {
				attrs = append(attrs, e.Provider)
			}
			if e.Role != "" {
				attrs = append(attrs, e.Role)
			}
			envs[i] = e.Name
			if len(attrs) > 0 {
				envs[i] += " (" + strings.Join(attrs, ", ") + ")"
			}
		}
		fmt.Fprintf(b, "  Environments: %s\n", strings.Join(envs, ", "))
	}
	if len(p.Targets) > 0 {
		fmt.Fprintf(b, "  %s\n", paint.yellow("Targeted plan: only "+strings.Join(p.Targets, ", ")+"; other moves are not shown."))
	}
	b.WriteByte('\n')
}

func humanAudit(b *bytes.Buffer, c planCounts, paint painter) {
	fs := c.orderedFindings()
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "%s\n\n", paint.bold("Audit: "+c.auditText()))
	for _, f := range fs {
		var mark string
		switch {
		case f.Severity == planner.SevBlocker && !f.Acknowledged:
			mark = paint.red("✗ " + string(f.Severity))
		case f.Severity == planner.SevBlocker:
			mark = paint.yellow("✗ " + string(f.Severity))
		case f.Severity == planner.SevWarning:
			mark = paint.yellow("! " + string(f.Severity))
		default:
			mark = "i " + string(f.Severity)
		}
		line := "  " + mark + "  " + paint.bold(f.ID)
		if f.Address != "" {
			line += "  " + f.Address
		}
		if f.Acknowledged {
			line += "  " + paint.dim("(acknowledged)")
		}
		fmt.Fprintf(b, "%s\n", line)
		if f.Message != "" {
			fmt.Fprintf(b, "%s\n", indentLines(f.Message, "      "))
		}
		if f.Remedy != "" {
			fmt.Fprintf(b, "%s\n", indentLines("Remedy: "+f.Remedy, "      "))
		}
		b.WriteByte('\n')
	}
	if n := len(c.blockers); n > 0 {
		fmt.Fprintf(b, "%s\n\n", paint.red(fmt.Sprintf(
			"%d %s must be resolved, or acknowledged by adding %s id to the move's acknowledge list, before applying.",
			n, plural(n, "blocker", "blockers"), plural(n, "its", "their"))))
	}
}

// indentLines prefixes every line of s.
func indentLines(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// humanActions lists the changing actions of one phase, then "N unchanged";
// the no-ops are listed instead when they are all there is.
func humanActions(b *bytes.Buffer, acts, noops []planner.Action, paint painter, detail bool) {
	if len(acts) == 0 {
		for _, a := range noops {
			fmt.Fprintf(b, "  %s %s  %s\n", paint.action(a.Action, actionSymbol(a.Action)), a.Address, paint.dim("(unchanged)"))
		}
		b.WriteByte('\n')
		return
	}
	const pad = "               " // 15 columns: lines up with the address
	for _, a := range acts {
		label := fmt.Sprintf("%-9s", actionLabel(a.Action))
		head := a.Address
		if a.Type != "" {
			head += "  " + paint.dim("("+a.Type+")")
		}
		if a.Irreversible {
			head += "  " + paint.red("⚠ IRREVERSIBLE")
		}
		fmt.Fprintf(b, "  %s %s  %s\n", paint.action(a.Action, actionSymbol(a.Action)), paint.action(a.Action, label), head)
		if s := fromTo(a); s != "" {
			fmt.Fprintf(b, "%s%s\n", pad, s)
		}
		if s := estimateText(a.Estimate); s != "" {
			fmt.Fprintf(b, "%s%s\n", pad, s)
		}
		if a.Reason != "" {
			fmt.Fprintf(b, "%sreason: %s\n", pad, a.Reason)
		}
		if s := optionsText(a.Options); s != "" {
			fmt.Fprintf(b, "%soptions: %s\n", pad, s)
		}
		plain := func(s string) string { return s }
		if len(a.Items) > 0 && len(a.Changes) == 0 {
			if detail {
				fmt.Fprintf(b, "%sitems: %s\n", pad, allItemsText(a.Items, plain))
			} else {
				fmt.Fprintf(b, "%sitems: %s\n", pad, itemsText(a.Items, plain))
			}
		}
		humanChanges(b, pad, a.Changes, paint, detail)
		if len(a.Skipped) > 0 {
			fmt.Fprintf(b, "%sskipped (acknowledged): %s\n", pad, itemsText(a.Skipped, func(s string) string { return s }))
		}
		if a.Irreversible {
			fmt.Fprintf(b, "%s%s\n", pad, paint.red("⚠ rollback cannot fully undo this: "+orText(a.Undo, "no undo recorded")))
		}
		b.WriteByte('\n')
	}
	if n := len(noops); n > 0 {
		fmt.Fprintf(b, "  %s\n\n", paint.dim(fmt.Sprintf("%d unchanged", n)))
	}
}

// humanChanges lists an action's changes, removals apart; without detail
// it shows the first few of each and how to see them all.
func humanChanges(b *bytes.Buffer, pad string, cs []planner.Change, paint painter, detail bool) {
	if len(cs) == 0 {
		return
	}
	writes, removals := splitChanges(cs)
	list := func(title string, cs []planner.Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(b, "%s%s: %s\n", pad, title, changeCounts(cs))
		shown := cs
		if !detail && len(shown) > maxItems {
			shown = shown[:maxItems]
		}
		for _, c := range shown {
			line := fmt.Sprintf("%s  %s %-7s %s", pad, changeSymbol(c.Op), c.Op, c.Item)
			switch {
			case len(c.Old) > 0 && len(c.New) > 0:
				line += fmt.Sprintf("  %s → %s", strings.Join(c.Old, ", "), strings.Join(c.New, ", "))
			case len(c.Old) > 0 || len(c.New) > 0:
				line += "  " + strings.Join(append(c.Old, c.New...), ", ")
			case c.Size > 0 || c.Op != planner.ChangeRemove:
				line += "  " + HumanBytes(c.Size)
			}
			if c.Reason != "" {
				line += "  " + paint.dim("("+c.Reason+")")
			}
			fmt.Fprintln(b, line)
		}
		if n := len(cs) - len(shown); n > 0 {
			fmt.Fprintf(b, "%s  %s\n", pad, paint.dim(fmt.Sprintf("… and %s more (rehome plan -detail lists them all)", HumanCount(int64(n)))))
		}
	}
	list("changes", writes)
	list("removals", removals)
}

func changeSymbol(op string) string {
	switch op {
	case planner.ChangeCreate:
		return "+"
	case planner.ChangeRemove:
		return "-"
	}
	return "~"
}

// costRow pairs the source and destination prices of one address.
type costRow struct {
	address  string
	src, dst []planner.CostItem
}

// costRows groups cost items by address, in order of first appearance. An
// item's side is its environment's role; items of an environment with role
// "both" or no known role fill the source side first.
func costRows(p *planner.Plan) []*costRow {
	role := map[string]string{}
	for _, e := range p.Environments {
		role[e.Name] = e.Role
	}
	var rows []*costRow
	idx := map[string]*costRow{}
	for _, it := range p.Cost.Items {
		r := idx[it.Address]
		if r == nil {
			r = &costRow{address: it.Address}
			idx[it.Address] = r
			rows = append(rows, r)
		}
		side := role[it.Env]
		if it.Side != "" {
			side = it.Side
		}
		switch side {
		case "destination":
			r.dst = append(r.dst, it)
		case "source":
			r.src = append(r.src, it)
		default:
			if len(r.src) == 0 {
				r.src = append(r.src, it)
			} else {
				r.dst = append(r.dst, it)
			}
		}
	}
	return rows
}

// costSide sums one side of a row; ok is false when the side is empty.
func costSide(items []planner.CostItem) (sum float64, envs []string, ok bool) {
	sum, envs, ok, _ = costSideUnknown(items)
	return sum, envs, ok
}

// costSideUnknown is costSide, also saying whether a price is unknown.
func costSideUnknown(items []planner.CostItem) (sum float64, envs []string, ok, unknown bool) {
	for _, it := range items {
		unknown = unknown || it.Unknown
		sum += it.Monthly
		if it.Env != "" && !containsString(envs, it.Env) {
			envs = append(envs, it.Env)
		}
	}
	return sum, envs, len(items) > 0, unknown
}

// costCell is an amount, "unknown", or "12.00 + unknown" when part of it
// is not in the catalog.
func costCell(sum float64, unknown bool) string {
	switch {
	case unknown && sum == 0:
		return "unknown"
	case unknown:
		return fmt.Sprintf("%.2f + unknown", sum)
	}
	return fmt.Sprintf("%.2f", sum)
}

// costTable is the cost report as text cells: the header, one row per
// address, and the totals. Amounts are right-aligned within their column.
// When one environment holds a whole side, its name goes in the header;
// otherwise each amount names its environments.
func costTable(p *planner.Plan) (head [4]string, rows [][4]string, total [4]string) {
	crs := costRows(p)
	sideEnvs := [2][]string{}
	for _, r := range crs {
		for i, items := range [][]planner.CostItem{r.src, r.dst} {
			for _, it := range items {
				if !containsString(sideEnvs[i], it.Env) {
					sideEnvs[i] = append(sideEnvs[i], it.Env)
				}
			}
		}
	}
	head = [4]string{"RESOURCE", "SOURCE", "DESTINATION", "BASIS"}
	for i := range 2 {
		if len(sideEnvs[i]) == 1 && sideEnvs[i][0] != "" {
			head[i+1] += " (" + sideEnvs[i][0] + ")"
		}
	}
	for _, r := range crs {
		row := [4]string{r.address, "-", "-", costBasis(r)}
		for i, items := range [][]planner.CostItem{r.src, r.dst} {
			sum, envs, ok, unknown := costSideUnknown(items)
			if !ok {
				continue
			}
			row[i+1] = costCell(sum, unknown)
			if len(sideEnvs[i]) > 1 {
				row[i+1] += " (" + strings.Join(envs, ", ") + ")"
			}
		}
		rows = append(rows, row)
	}
	src, dst := costTotals(p, crs)
	total = [4]string{"Total", costCell(src, p.Cost.SourceUnknown > 0), costCell(dst, p.Cost.DestUnknown > 0), ""}
	for col := 1; col <= 2; col++ {
		w := len(total[col])
		for _, r := range rows {
			w = max(w, len(r[col]))
		}
		for i := range rows {
			rows[i][col] = fmt.Sprintf("%*s", w, rows[i][col])
		}
		total[col] = fmt.Sprintf("%*s", w, total[col])
	}
	return head, rows, total
}

// costBasis joins the items' resource names and pricing bases.
func costBasis(r *costRow) string {
	var parts []string
	for _, it := range append(append([]planner.CostItem{}, r.src...), r.dst...) {
		s := it.Resource
		if it.Basis != "" {
			if s != "" {
				s += ": "
			}
			s += it.Basis
		}
		if s != "" && !containsString(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// costTotals returns the report's totals, summing the items when the
// report leaves them empty.
func costTotals(p *planner.Plan, rows []*costRow) (src, dst float64) {
	src, dst = p.Cost.SourceTotal, p.Cost.DestTotal
	if src == 0 && dst == 0 {
		for _, r := range rows {
			for _, it := range r.src {
				src += it.Monthly
			}
			for _, it := range r.dst {
				dst += it.Monthly
			}
		}
	}
	return src, dst
}

// costChangeText is costChange, or "unknown" when neither side has a
// known amount.
func costChangeText(p *planner.Plan, src, dst float64) string {
	if src == 0 && dst == 0 && p.Cost.SourceUnknown+p.Cost.DestUnknown > 0 {
		return "unknown"
	}
	return costChange(src, dst, p.Cost.Currency)
}

// costChange is "-41.20 EUR (-62%)" or "+3.00".
func costChange(src, dst float64, currency string) string {
	d := dst - src
	s := fmt.Sprintf("%+.2f", d)
	if currency != "" {
		s += " " + currency
	}
	if src > 0 {
		s += fmt.Sprintf(" (%+.0f%%)", d/src*100)
	}
	return s
}

// costHeading is "Monthly cost (EUR, catalog 2026-01-15)".
func costHeading(p *planner.Plan) string {
	var q []string
	if p.Cost.Currency != "" {
		q = append(q, p.Cost.Currency)
	}
	if p.Cost.CatalogDate != "" {
		q = append(q, "catalog "+p.Cost.CatalogDate)
	}
	h := "Monthly cost"
	if len(q) > 0 {
		h += " (" + strings.Join(q, ", ") + ")"
	}
	return h
}

func humanCost(b *bytes.Buffer, p *planner.Plan, paint painter) {
	fmt.Fprintf(b, "%s\n\n", paint.bold(costHeading(p)))
	head, rows, total := costTable(p)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", head[0], head[1], head[2], head[3])
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3])
	}
	fmt.Fprintf(tw, "  %s\t%s\t%s\n", total[0], total[1], total[2])
	tw.Flush()
	src, dst := costTotals(p, costRows(p))
	fmt.Fprintf(b, "\n  Change: %s per month\n", costChangeText(p, src, dst))
	for _, o := range p.Cost.OneOff {
		fmt.Fprintf(b, "  One-off: %s egress from %s for %s copied\n", costCell(o.Cost, o.Unknown)+" "+p.Cost.Currency, o.Env, format.Bytes(o.Bytes))
	}
	for _, n := range p.Cost.Notes {
		fmt.Fprintf(b, "  Note: %s\n", n)
	}
	b.WriteByte('\n')
}

// humanCutover is the view of `rehome cutover`: what it is about to run.
func humanCutover(b *bytes.Buffer, c planCounts, paint painter, detail bool) {
	if n := len(c.prepare); n > 0 {
		covered := 0
		for _, a := range c.prepare {
			if a.Covered {
				covered++
			}
		}
		note := fmt.Sprintf("Prepare phase: %d %s not applied yet", n, plural(n, "action is", "actions are"))
		if covered == n {
			note += "; the cutover's final syncs below carry out " + plural(n, "its work", "their work") + "."
		} else {
			note += " (rehome plan shows them)."
		}
		fmt.Fprintf(b, "%s\n\n", paint.yellow(note))
	}
	n := len(c.cutover)
	if n == 0 {
		fmt.Fprintf(b, "%s\n\n", paint.bold("Cutover: nothing to run"))
		return
	}
	fmt.Fprintf(b, "%s\n\n", paint.bold(fmt.Sprintf("Cutover: %d %s to run", n, plural(n, "step", "steps"))))
	// A final sync does what its pending, covered prepare step lists.
	pending := map[string]planner.Action{}
	for _, a := range c.prepare {
		if a.Covered {
			pending[a.Address] = a
		}
	}
	steps := make([]planner.Action, len(c.cutover))
	for i, a := range c.cutover {
		if len(a.Changes) == 0 {
			for _, d := range a.DependsOn {
				a.Changes = append(a.Changes, pending[d].Changes...)
			}
		}
		steps[i] = a
	}
	humanActions(b, steps, c.cutoverNoop, paint, detail)
	var t tally
	for _, a := range c.cutover {
		t.add(a.Estimate)
	}
	s := fmt.Sprintf("%s %d %s", paint.bold("Cutover:"), n, plural(n, "step", "steps"))
	if e := t.text(true, true); e != "" {
		s += " (" + e + ")"
	}
	var tail []string
	if k := len(c.blockers); k > 0 {
		tail = append(tail, paint.red(fmt.Sprintf("%d %s", k, plural(k, "blocker", "blockers"))))
	}
	if k := len(c.warnings); k > 0 {
		tail = append(tail, paint.yellow(fmt.Sprintf("%d %s", k, plural(k, "warning", "warnings"))))
	}
	if len(tail) > 0 {
		s += "; " + strings.Join(tail, ", ")
	}
	fmt.Fprintf(b, "%s.\n", s)
}

func humanSummary(b *bytes.Buffer, c planCounts, paint painter) {
	var s string
	if len(c.prepare) == 0 {
		s = paint.green("No changes.") + " The destination matches the source."
		if n := len(c.cutover); n > 0 {
			s += fmt.Sprintf(" %d cutover %s pending (run `rehome cutover`).", n, plural(n, "step", "steps"))
		}
	} else {
		s = paint.bold("Plan:") + " " + c.changesText()
		if n := len(c.cutover); n > 0 {
			s += fmt.Sprintf("; %d cutover %s pending", n, plural(n, "step", "steps"))
		}
		s += "."
	}
	var tail []string
	if n := c.irreversible; n > 0 {
		tail = append(tail, paint.red(fmt.Sprintf("%d irreversible %s", n, plural(n, "step", "steps"))))
	}
	if n := len(c.blockers); n > 0 {
		tail = append(tail, paint.red(fmt.Sprintf("%d %s", n, plural(n, "blocker", "blockers"))))
	}
	if n := len(c.warnings); n > 0 {
		tail = append(tail, paint.yellow(fmt.Sprintf("%d %s", n, plural(n, "warning", "warnings"))))
	}
	if len(tail) > 0 {
		s = strings.TrimSuffix(s, ".") + "; " + strings.Join(tail, ", ") + "."
	}
	fmt.Fprintf(b, "%s\n", s)
}
