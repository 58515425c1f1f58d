package views

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/planner"
)

// HumanBytes formats n bytes with IEC units: "512 B", "3.2 MiB", "1.5 TiB".
func HumanBytes(n int64) string { return format.Bytes(n) }

// HumanCount formats n with thousands separators: 1204 -> "1,204".
func HumanCount(n int64) string { return format.Count(n) }

// countNoun formats "1 object", "1,204 objects".
func countNoun(n int64, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return HumanCount(n) + " " + plural
}

// plural returns singular for n == 1, plural otherwise.
func plural(n int, singular, pl string) string {
	if n == 1 {
		return singular
	}
	return pl
}

// humanDuration formats seconds: "1.5s", "45s", "2m30s", "3h10m".
func humanDuration(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d < time.Second:
		return "<1s"
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	default:
		d = d.Round(time.Minute)
		return strings.TrimSuffix(d.String(), "0s")
	}
}

// estimateDuration formats an estimated duration, never under a second:
// "~<1s" would claim a precision no estimate has.
func estimateDuration(sec float64) string {
	if sec < 1 {
		sec = 1
	}
	return humanDuration(sec)
}

// estimateText formats an estimate: "1,204 objects, 3.2 MiB, ~2m30s".
// It returns "" for an empty estimate.
func estimateText(e planner.Estimate) string {
	var t tally
	t.add(e)
	return t.text(true, true)
}

// tally sums estimates unit by unit, in the order the units first appear.
type tally struct {
	units    []string
	items    map[string]int64
	bytes    int64
	bytesAt  string // the unit the bytes are shown after: the first one that came with bytes
	removals int64
	seconds  float64
}

func (t *tally) add(e planner.Estimate) {
	if t.items == nil {
		t.items = map[string]int64{}
	}
	if e.Items > 0 {
		u := orText(e.Unit, "items")
		if _, ok := t.items[u]; !ok {
			t.units = append(t.units, u)
		}
		t.items[u] += e.Items
		if e.Bytes > 0 && t.bytesAt == "" {
			t.bytesAt = u
		}
	}
	t.bytes += e.Bytes
	t.removals += e.Removals
	t.seconds += e.Seconds
}

// text is "49,417 objects, 12.4 GiB, 14 records, 3 secrets", then the
// removals and a duration when asked.
func (t tally) text(withSeconds, withRemovals bool) string {
	var parts []string
	shownBytes := false
	for _, u := range t.units {
		parts = append(parts, countNoun(t.items[u], singular(u, 1), u))
		if u == t.bytesAt && t.bytes > 0 {
			parts = append(parts, HumanBytes(t.bytes))
			shownBytes = true
		}
	}
	if t.bytes > 0 && !shownBytes {
		parts = append(parts, HumanBytes(t.bytes))
	}
	if withRemovals && t.removals > 0 {
		parts = append(parts, countNoun(t.removals, "removal", "removals"))
	}
	if withSeconds && t.seconds > 0 {
		parts = append(parts, "~"+estimateDuration(t.seconds))
	}
	return strings.Join(parts, ", ")
}

// endpointText formats one side of an action: "aws/shop-assets".
func endpointText(e planner.Endpoint) string {
	switch {
	case e.Env == "":
		return e.Name
	case e.Name == "":
		return e.Env
	}
	return e.Env + "/" + e.Name
}

// fromTo formats "aws/shop-assets → hetzner/shop-assets-fsn1", or "at
// aws/shop.example.com" for an action on one side only.
func fromTo(a planner.Action) string {
	f, t := endpointText(a.From), endpointText(a.To)
	switch {
	case f == "" && t == "":
		return ""
	case f == "" || t == "":
		return "at " + f + t
	}
	return f + " → " + t
}

// actionLabel is the word shown for an action type.
func actionLabel(t planner.ActionType) string {
	switch t {
	case planner.ActLowerTTL:
		return "lower TTL"
	case planner.ActNoop:
		return "unchanged"
	}
	return string(t)
}

// actionSymbol is the one-character marker of an action type.
func actionSymbol(t planner.ActionType) string {
	switch t {
	case planner.ActCreate:
		return "+"
	case planner.ActUpdate:
		return "~"
	case planner.ActCopy, planner.ActSync:
		return "»"
	case planner.ActVerify:
		return "✓"
	case planner.ActLowerTTL:
		return "↓"
	case planner.ActSwitch:
		return "⇄"
	case planner.ActDelete:
		return "-"
	case planner.ActNoop:
		return "="
	}
	return "?"
}

// optionsText formats an action's options as "verify=checksum, ttl=60",
// in the order the kind gave them: the settings a reader decides on. The
// executor's parameters stay in the JSON document.
func optionsText(opts []planner.Option) string {
	parts := make([]string, 0, len(opts))
	for _, o := range opts {
		parts = append(parts, o.Name+"="+o.Value)
	}
	return strings.Join(parts, ", ")
}

// maxItems is how many item names a plan view lists before "and N more".
const maxItems = 10

// itemsText lists up to maxItems names, then "and N more".
func itemsText(items []string, quote func(string) string) string {
	n := len(items)
	shown := items
	if n > maxItems {
		shown = items[:maxItems]
	}
	parts := make([]string, len(shown))
	for i, s := range shown {
		parts[i] = quote(s)
	}
	out := strings.Join(parts, ", ")
	if n > maxItems {
		out += fmt.Sprintf(" and %s more (rehome plan -detail lists them all)", HumanCount(int64(n-maxItems)))
	}
	return out
}

// planCounts is what the plan views count from the actions.
type planCounts struct {
	prepare, cutover         []planner.Action // non-no-op actions
	prepareNoop, cutoverNoop []planner.Action
	byType                   map[planner.ActionType]int // prepare phase
	copied                   tally                      // prepare copy+sync
	irreversible             int
	blockers, acknowledged   []planner.Finding // blocker findings
	warnings, infos          []planner.Finding
}

func countPlan(p *planner.Plan) planCounts {
	c := planCounts{byType: map[planner.ActionType]int{}}
	for _, a := range p.Actions {
		noop := a.Action == planner.ActNoop
		switch {
		case a.Phase == planner.PhaseCutover && noop:
			c.cutoverNoop = append(c.cutoverNoop, a)
		case a.Phase == planner.PhaseCutover:
			c.cutover = append(c.cutover, a)
		case noop:
			c.prepareNoop = append(c.prepareNoop, a)
		default:
			c.prepare = append(c.prepare, a)
			c.byType[a.Action]++
			if a.Action == planner.ActCopy || a.Action == planner.ActSync {
				c.copied.add(a.Estimate)
			}
		}
		if a.Irreversible && !noop {
			c.irreversible++
		}
	}
	for _, f := range p.Audit {
		switch {
		case f.Severity == planner.SevBlocker && f.Acknowledged:
			c.acknowledged = append(c.acknowledged, f)
		case f.Severity == planner.SevBlocker:
			c.blockers = append(c.blockers, f)
		case f.Severity == planner.SevWarning:
			c.warnings = append(c.warnings, f)
		default:
			c.infos = append(c.infos, f)
		}
	}
	return c
}

// changesText is the prepare-phase tally: "3 to create, 2 to copy (1,204
// objects, 3.2 MiB), 0 to remove". Create, copy and remove are always
// shown; the other types only when present.
func (c planCounts) changesText() string {
	var parts []string
	add := func(t planner.ActionType, text string, always bool) {
		n := c.byType[t]
		if n == 0 && !always {
			return
		}
		parts = append(parts, HumanCount(int64(n))+" "+text)
	}
	add(planner.ActCreate, "to create", true)
	add(planner.ActUpdate, "to update", false)
	n := c.byType[planner.ActCopy]
	copyText := HumanCount(int64(n)) + " to copy"
	if s := c.byType[planner.ActSync]; s > 0 {
		copyText += ", " + HumanCount(int64(s)) + " to sync"
	}
	if e := c.copied.text(false, false); e != "" {
		copyText += " (" + e + ")"
	}
	parts = append(parts, copyText)
	add(planner.ActVerify, "to verify", false)
	add(planner.ActLowerTTL, "TTL to lower", false)
	add(planner.ActSwitch, "to switch", false)
	dels, r := int64(c.byType[planner.ActDelete]), c.copied.removals
	deleteText := HumanCount(dels) + " to remove"
	// Copies that remove rehome's own copies of items gone from the
	// source: removals a reviewer must see in the tally.
	switch {
	case r > 0 && dels == 0:
		deleteText = HumanCount(r) + " to remove (" + plural(int(r), "an item", "items") + " rehome copied earlier, gone from the source)"
	case r > 0:
		deleteText += fmt.Sprintf(", and %s rehome copied earlier (gone from the source)", countNoun(r, "item", "items"))
	}
	parts = append(parts, deleteText)
	// Types this version does not know still get counted.
	var other []string
	for t, n := range c.byType {
		switch t {
		case planner.ActCreate, planner.ActUpdate, planner.ActCopy, planner.ActSync,
			planner.ActVerify, planner.ActLowerTTL, planner.ActSwitch, planner.ActDelete:
		default:
			other = append(other, fmt.Sprintf("%d to %s", n, t))
		}
	}
	sort.Strings(other)
	parts = append(parts, other...)
	return strings.Join(parts, ", ")
}

// auditText is "1 blocker (1 acknowledged), 1 warning", or "" when the
// audit found nothing.
func (c planCounts) auditText() string {
	var parts []string
	if n := len(c.blockers); n > 0 || len(c.acknowledged) > 0 {
		s := fmt.Sprintf("%d %s", n, plural(n, "blocker", "blockers"))
		if a := len(c.acknowledged); a > 0 {
			s += fmt.Sprintf(" (%d acknowledged)", a)
		}
		parts = append(parts, s)
	}
	if n := len(c.warnings); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "warning", "warnings")))
	}
	if n := len(c.infos); n > 0 {
		parts = append(parts, fmt.Sprintf("%d info", n))
	}
	return strings.Join(parts, ", ")
}

// orderedFindings returns unacknowledged blockers, acknowledged blockers,
// warnings, then the rest, each group in plan order.
func (c planCounts) orderedFindings() []planner.Finding {
	out := make([]planner.Finding, 0, len(c.blockers)+len(c.acknowledged)+len(c.warnings)+len(c.infos))
	out = append(out, c.blockers...)
	out = append(out, c.acknowledged...)
	out = append(out, c.warnings...)
	return append(out, c.infos...)
}

// ANSI escape sequences; used only when colour is on.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// painter wraps text in ANSI codes when on.
type painter bool

func (p painter) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p painter) bold(s string) string   { return p.paint(ansiBold, s) }
func (p painter) dim(s string) string    { return p.paint(ansiDim, s) }
func (p painter) red(s string) string    { return p.paint(ansiRed, s) }
func (p painter) green(s string) string  { return p.paint(ansiGreen, s) }
func (p painter) yellow(s string) string { return p.paint(ansiYellow, s) }

// action colours an action marker by type.
func (p painter) action(t planner.ActionType, s string) string {
	switch t {
	case planner.ActCreate:
		return p.paint(ansiGreen, s)
	case planner.ActUpdate, planner.ActCopy, planner.ActSync, planner.ActLowerTTL, planner.ActSwitch:
		return p.paint(ansiYellow, s)
	case planner.ActVerify:
		return p.paint(ansiCyan, s)
	case planner.ActDelete:
		return p.paint(ansiRed, s)
	case planner.ActNoop:
		return p.paint(ansiDim, s)
	}
	return s
}

// allItemsText lists every name, for the views that never cut a list
// short (Markdown, JSON).
func allItemsText(items []string, quote func(string) string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = quote(s)
	}
	return strings.Join(parts, ", ")
}

// splitChanges parts an action's changes into writes (creations,
// updates, replacements) and removals, each in the kind's order.
func splitChanges(cs []planner.Change) (writes, removals []planner.Change) {
	for _, c := range cs {
		if c.Op == planner.ChangeRemove {
			removals = append(removals, c)
		} else {
			writes = append(writes, c)
		}
	}
	return writes, removals
}

// changeCounts is "3 to create, 1 to replace, 2 to remove".
func changeCounts(cs []planner.Change) string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Op]++
	}
	var parts []string
	for _, op := range []string{planner.ChangeCreate, planner.ChangeUpdate, planner.ChangeReplace, planner.ChangeRemove} {
		if n[op] > 0 {
			parts = append(parts, fmt.Sprintf("%s to %s", HumanCount(int64(n[op])), op))
		}
	}
	return strings.Join(parts, ", ")
}
