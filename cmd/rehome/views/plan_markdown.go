package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/planner"
)

// RenderPlanMarkdown writes the plan as a cutover runbook for a pull
// request: a summary, the audit findings, the numbered steps of both
// phases with their success checks and rollbacks, how to roll back, and
// what to do after cutover. Steps are numbered across both phases so the
// rollback section can refer to them.
func RenderPlanMarkdown(w io.Writer, p *planner.Plan) error {
	var b bytes.Buffer
	c := countPlan(p)

	// Step numbers, for "depends on" and the rollback list.
	steps := map[string]int{}
	noop := map[string]bool{}
	n := 0
	for _, list := range [][]planner.Action{c.prepare, c.cutover} {
		for _, a := range list {
			n++
			if _, dup := steps[a.Address]; !dup {
				steps[a.Address] = n
			}
		}
	}
	for _, a := range append(append([]planner.Action{}, c.prepareNoop...), c.cutoverNoop...) {
		noop[a.Address] = true
	}

	fmt.Fprintf(&b, "# Migration plan: %s\n\n", mdCode(p.Migration))
	if p.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", p.Description)
	}
	mdSummary(&b, p, c)
	mdFindings(&b, c)

	fmt.Fprintf(&b, "## Phase 1: prepare (`rehome apply`)\n\n")
	if len(c.prepare) == 0 {
		fmt.Fprintf(&b, "No changes. The destination matches the source.\n\n")
	}
	mdSteps(&b, c.prepare, 1, steps, noop)
	mdNoops(&b, c.prepareNoop)

	fmt.Fprintf(&b, "## Phase 2: cutover (`rehome cutover`)\n\n")
	if len(c.cutover) == 0 {
		fmt.Fprintf(&b, "No cutover steps.\n\n")
	} else {
		fmt.Fprintf(&b, "Run after phase 1 has completed and its checks pass.\n\n")
	}
	mdSteps(&b, c.cutover, len(c.prepare)+1, steps, noop)
	mdNoops(&b, c.cutoverNoop)

	if len(p.Cost.Items) > 0 {
		mdCost(&b, p)
	}
	mdRollback(&b, p, c, steps)

	fmt.Fprintf(&b, "## After cutover\n\n")
	fmt.Fprintf(&b, "Once the destination has served traffic long enough that you will not roll back, run `rehome finalize` to close the migration.\n")
	_, err := w.Write(b.Bytes())
	return err
}

func mdSummary(b *bytes.Buffer, p *planner.Plan, c planCounts) {
	fmt.Fprintf(b, "| Phase | Command | Steps |\n|---|---|---|\n")
	prep := "no changes"
	if len(c.prepare) > 0 {
		prep = c.changesText()
	}
	fmt.Fprintf(b, "| 1. Prepare | `rehome apply` | %s |\n", mdCell(prep))
	cut := "none"
	if k := len(c.cutover); k > 0 {
		cut = fmt.Sprintf("%d %s pending", k, plural(k, "step", "steps"))
	}
	fmt.Fprintf(b, "| 2. Cutover | `rehome cutover` | %s |\n\n", mdCell(cut))

	var facts []string
	if s := c.auditText(); s != "" {
		facts = append(facts, "**Audit:** "+s)
	} else {
		facts = append(facts, "**Audit:** no findings")
	}
	if k := c.irreversible; k > 0 {
		facts = append(facts, fmt.Sprintf("**Irreversible:** %d %s (see ⚠️ below)", k, plural(k, "step", "steps")))
	}
	if len(p.Cost.Items) > 0 {
		src, dst := costTotals(p, costRows(p))
		text := fmt.Sprintf("**Monthly cost:** %.2f → %.2f", src, dst)
		if p.Cost.Currency != "" {
			text += " " + p.Cost.Currency
		}
		if src > 0 {
			text += fmt.Sprintf(" (%+.0f%%)", (dst-src)/src*100)
		}
		facts = append(facts, text)
	}
	if len(p.Environments) > 0 {
		envs := make([]string, len(p.Environments))
		for i, e := range p.Environments {
			envs[i] = mdCode(e.Name)
			var attrs []string
			if e.Provider != "" {
				attrs = append(attrs, e.Provider)
			}
			if e.Role != "" {
				attrs = append(attrs, e.Role)
			}
			if len(attrs) > 0 {
				envs[i] += " (" + strings.Join(attrs, ", ") + ")"
			}
		}
		facts = append(facts, "**Environments:** "+strings.Join(envs, ", "))
	}
	if len(p.Targets) > 0 {
		ts := make([]string, len(p.Targets))
		for i, t := range p.Targets {
			ts[i] = mdCode(t)
		}
		facts = append(facts, "**Targeted plan:** only "+strings.Join(ts, ", ")+"; other moves are not shown")
	}
	var id []string
	if p.FormatVersion != "" {
		id = append(id, "format "+p.FormatVersion)
	}
	if p.ConfigHash != "" {
		id = append(id, "config "+mdCode(p.ConfigHash))
	}
	if p.StateLineage != "" {
		id = append(id, fmt.Sprintf("state %s serial %d", mdCode(p.StateLineage), p.StateSerial))
	}
	if len(id) > 0 {
		facts = append(facts, "**Plan:** "+strings.Join(id, ", "))
	}
	for _, f := range facts {
		fmt.Fprintf(b, "- %s\n", f)
	}
	b.WriteByte('\n')
	if k := len(c.blockers); k > 0 {
		fmt.Fprintf(b, "> **%d %s.** Resolve %s, or acknowledge %s by adding the id to the move's `acknowledge` list, before applying.\n\n",
			k, plural(k, "unacknowledged blocker", "unacknowledged blockers"), plural(k, "it", "them"), plural(k, "it", "them"))
	}
}

func mdFindings(b *bytes.Buffer, c planCounts) {
	fmt.Fprintf(b, "## Blockers / findings\n\n")
	fs := c.orderedFindings()
	if len(fs) == 0 {
		fmt.Fprintf(b, "The audit found nothing.\n\n")
		return
	}
	fmt.Fprintf(b, "| ID | Severity | Address | Message | Remedy |\n|---|---|---|---|---|\n")
	for _, f := range fs {
		sev := string(f.Severity)
		switch {
		case f.Severity == planner.SevBlocker && f.Acknowledged:
			sev = "blocker (acknowledged)"
		case f.Severity == planner.SevBlocker:
			sev = "**blocker**"
		case f.Acknowledged:
			sev += " (acknowledged)"
		}
		addr := ""
		if f.Address != "" {
			addr = mdCode(f.Address)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n",
			mdCell(mdCode(f.ID)), sev, mdCell(addr), mdCell(f.Message), mdCell(f.Remedy))
	}
	b.WriteByte('\n')
}

// mdSteps writes a numbered list of steps starting at first.
func mdSteps(b *bytes.Buffer, acts []planner.Action, first int, steps map[string]int, noop map[string]bool) {
	for i, a := range acts {
		num := fmt.Sprintf("%d. ", first+i)
		ind := strings.Repeat(" ", len(num))
		head := fmt.Sprintf("%s**%s** %s", num, capitalize(actionLabel(a.Action)), mdCode(a.Address))
		if a.Type != "" {
			head += " (" + a.Type + ")"
		}
		if a.Irreversible {
			head += " ⚠️ **irreversible**"
		}
		fmt.Fprintf(b, "%s\n", head)
		item := func(label, text string) {
			fmt.Fprintf(b, "%s- %s %s\n", ind, label, oneLine(text))
		}
		switch f, t := endpointText(a.From), endpointText(a.To); {
		case f != "" && t != "":
			item("From → to:", mdCode(f)+" → "+mdCode(t))
		case f != "" || t != "":
			item("At:", mdCode(f+t))
		}
		item("Depends on:", mdDeps(a.DependsOn, steps, noop))
		if s := estimateText(a.Estimate); s != "" {
			if a.Estimate.Basis != "" {
				s += " (" + a.Estimate.Basis + ")"
			}
			item("Estimate:", s)
		}
		if a.Reason != "" {
			item("Reason:", a.Reason)
		}
		if s := optionsText(a.Options); s != "" {
			item("Parameters:", mdCode(s))
		}
		if len(a.Items) > 0 && len(a.Changes) == 0 {
			item("Items:", allItemsText(a.Items, mdCode))
		}
		if len(a.Skipped) > 0 {
			item("Skipped (acknowledged finding):", allItemsText(a.Skipped, mdCode))
		}
		mdChanges(b, ind, a.Changes)
		item("**Success check:**", orText(a.Check, "none recorded"))
		undo := orText(a.Undo, "nothing to undo")
		if a.Irreversible {
			undo = "⚠️ **Irreversible.** " + undo
		}
		item("**Rollback:**", undo)
		b.WriteByte('\n')
	}
}

// mdDeps names dependencies by step number where the plan has one.
func mdDeps(deps []string, steps map[string]int, noop map[string]bool) string {
	if len(deps) == 0 {
		return "none"
	}
	parts := make([]string, len(deps))
	for i, d := range deps {
		switch {
		case steps[d] > 0:
			parts[i] = fmt.Sprintf("step %d (%s)", steps[d], mdCode(d))
		case noop[d]:
			parts[i] = mdCode(d) + " (unchanged)"
		default:
			parts[i] = mdCode(d)
		}
	}
	return strings.Join(parts, ", ")
}

func mdNoops(b *bytes.Buffer, noops []planner.Action) {
	if len(noops) == 0 {
		return
	}
	addrs := make([]string, len(noops))
	for i, a := range noops {
		addrs[i] = mdCode(a.Address)
	}
	fmt.Fprintf(b, "Unchanged (%d): %s.\n\n", len(noops), strings.Join(addrs, ", "))
}

func mdCost(b *bytes.Buffer, p *planner.Plan) {
	fmt.Fprintf(b, "## %s\n\n", costHeading(p))
	head, rows, total := costTable(p)
	fmt.Fprintf(b, "| Resource | %s | %s | Basis |\n|---|--:|--:|---|\n", capitalize(strings.ToLower(head[1])), capitalize(strings.ToLower(head[2])))
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdCell(mdCode(r[0])), mdCell(strings.TrimSpace(r[1])), mdCell(strings.TrimSpace(r[2])), mdCell(r[3]))
	}
	src, dst := costTotals(p, costRows(p))
	fmt.Fprintf(b, "| **Total** | **%s** | **%s** | change %s |\n\n", strings.TrimSpace(total[1]), strings.TrimSpace(total[2]), mdCell(costChangeText(p, src, dst)))
	mdCostNotes(b, p)
}

// mdCostNotes lists the one-off costs and the report's notes.
func mdCostNotes(b *bytes.Buffer, p *planner.Plan) {
	for _, o := range p.Cost.OneOff {
		fmt.Fprintf(b, "- One-off: **%s %s** egress from %s for %s copied\n", costCell(o.Cost, o.Unknown), p.Cost.Currency, mdCode(o.Env), format.Bytes(o.Bytes))
	}
	for _, n := range p.Cost.Notes {
		fmt.Fprintf(b, "- %s\n", mdCell(n))
	}
	if len(p.Cost.OneOff)+len(p.Cost.Notes) > 0 {
		b.WriteByte('\n')
	}
}

func mdRollback(b *bytes.Buffer, p *planner.Plan, c planCounts, steps map[string]int) {
	fmt.Fprintf(b, "## Rolling back\n\n")
	rollback := p.Rollback
	if rollback == nil {
		// A plan saved by a rehome that did not record its rollback.
		for i := len(p.Actions) - 1; i >= 0; i-- {
			if a := p.Actions[i]; a.Action != planner.ActNoop {
				rollback = append(rollback, planner.RollbackStep{Address: a.Address, Description: a.Undo})
			}
		}
	}
	if len(rollback) == 0 {
		if len(c.prepareNoop)+len(c.cutoverNoop) > 0 {
			fmt.Fprintf(b, "This plan adds no steps. `rehome rollback` undoes the steps applied by earlier runs (shown above as unchanged), newest first, and never deletes anything rehome did not create.\n\n")
		} else {
			fmt.Fprintf(b, "Nothing to roll back: the plan changes nothing.\n\n")
		}
		return
	}
	undoOf := map[string]planner.Action{}
	for _, a := range p.Actions {
		undoOf[a.Address] = a
	}
	earlier := ""
	if len(c.prepareNoop)+len(c.cutoverNoop) > 0 {
		earlier = " (also those applied by earlier runs, shown above as unchanged)"
	}
	fmt.Fprintf(b, "`rehome rollback` undoes the steps that were applied%s, newest first, and never deletes anything rehome did not create. "+
		"After this plan's apply and cutover it runs these steps, in this order (a copy and its final sync are undone as one step):\n\n", earlier)
	for i, st := range rollback {
		undo := orText(st.Description, "nothing to undo")
		if undoOf[st.Address].Irreversible {
			undo = "⚠️ **irreversible:** " + undo
		}
		ref := mdCode(st.Address)
		if n := steps[st.Address]; n > 0 {
			ref = fmt.Sprintf("step %d, %s", n, ref)
		}
		fmt.Fprintf(b, "%d. %s: %s\n", i+1, capitalize(ref), oneLine(undo))
	}
	b.WriteByte('\n')
}

// mdCode formats s as a code span, choosing a fence that s does not
// contain.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if len(fence) > 1 || strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// mdCell makes s safe inside a table cell: pipes escaped (also inside code
// spans, as GitHub requires) and line breaks kept as <br>.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `|`, `\|`)
	s = strings.ReplaceAll(strings.TrimRight(s, "\n"), "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// oneLine folds line breaks so a list item stays one item.
func oneLine(s string) string {
	s = strings.ReplaceAll(strings.TrimRight(s, "\n"), "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func orDash(s string) string { return orText(s, "-") }

// mdChanges writes every change of an action, removals apart from
// creations and updates, in a table folded behind a summary line so that
// a long list does not bury the runbook.
func mdChanges(b *bytes.Buffer, ind string, cs []planner.Change) {
	if len(cs) == 0 {
		return
	}
	writes, removals := splitChanges(cs)
	table := func(title string, cs []planner.Change) {
		if len(cs) == 0 {
			return
		}
		values := false
		for _, c := range cs {
			values = values || len(c.Old) > 0 || len(c.New) > 0
		}
		fmt.Fprintf(b, "%s- %s\n\n%s  <details><summary>%s</summary>\n\n", ind, title, ind, changeCounts(cs))
		if values {
			fmt.Fprintf(b, "%s  | Change | Item | Old | New | Reason |\n%s  |---|---|---|---|---|\n", ind, ind)
		} else {
			fmt.Fprintf(b, "%s  | Change | Item | Size | Reason |\n%s  |---|---|---|---|\n", ind, ind)
		}
		for _, c := range cs {
			if values {
				fmt.Fprintf(b, "%s  | %s | %s | %s | %s | %s |\n", ind, c.Op, mdCell(mdCode(c.Item)),
					mdCell(strings.Join(c.Old, "<br>")), mdCell(strings.Join(c.New, "<br>")), mdCell(c.Reason))
			} else {
				size := ""
				if c.Size > 0 || c.Op != planner.ChangeRemove {
					size = HumanBytes(c.Size)
				}
				fmt.Fprintf(b, "%s  | %s | %s | %s | %s |\n", ind, c.Op, mdCell(mdCode(c.Item)), size, mdCell(c.Reason))
			}
		}
		fmt.Fprintf(b, "\n%s  </details>\n\n", ind)
	}
	table("**Creations and updates:**", writes)
	table("**Removals:**", removals)
}
