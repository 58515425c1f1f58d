package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/state"
)

// RenderStateList writes the address of every resource in the state, one
// per line, sorted, like `terraform state list`.
func RenderStateList(w io.Writer, f *state.File) error {
	seen := map[string]bool{}
	var addrs []string
	for _, r := range f.Resources {
		if !seen[r.Address] {
			seen[r.Address] = true
			addrs = append(addrs, r.Address)
		}
	}
	sort.Strings(addrs)
	var b bytes.Buffer
	for _, a := range addrs {
		b.WriteString(a + "\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// RenderStateShow writes what the state holds for addr: the resource's
// fields, if rehome created or changed something there, and every journal
// entry for the address (op, action, status, times, result, undo). It
// returns an error naming addr when the state has neither.
func RenderStateShow(w io.Writer, f *state.File, addr string) error {
	var res []state.Resource
	for _, r := range f.Resources {
		if r.Address == addr {
			res = append(res, r)
		}
	}
	var entries []state.Entry
	for _, e := range f.Journal {
		if e.Address == addr {
			entries = append(entries, e)
		}
	}
	if len(res) == 0 && len(entries) == 0 {
		return fmt.Errorf("no resource or journal entry at address %q in the state (`rehome state list` lists the addresses)", addr)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })

	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n", addr)
	for _, r := range res {
		tw := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
		row := func(k, v string) { fmt.Fprintf(tw, "%s\t= %s\n", k, v) }
		row("kind", r.Kind)
		row("type", r.Type)
		row("env", r.Env)
		row("name", r.Name)
		switch {
		case r.Created:
			row("created", "true (rehome created it; rollback deletes it)")
		default:
			row("created", "false")
		}
		switch {
		case r.Changed:
			row("changed", "true (it existed; rollback restores it)")
		default:
			row("changed", "false")
		}
		for _, k := range sortedKeys(r.Attrs) {
			row("attrs."+k, r.Attrs[k])
		}
		tw.Flush()
	}
	if len(res) == 0 {
		b.WriteString("(no resource: rehome created or changed nothing here)\n")
	}

	fmt.Fprintf(&b, "\nJournal: %d %s\n", len(entries), plural(len(entries), "entry", "entries"))
	for _, e := range entries {
		status := string(e.Status)
		if e.Status == state.Begun {
			status += " (no end recorded: interrupted, or still running; the next run checks and completes it)"
		}
		fmt.Fprintf(&b, "\n  #%d %s %s (%s phase): %s\n", e.Seq, e.Op, e.Action, orText(e.Phase, "?"), status)
		times := "started " + stamp(e.Started)
		if !e.Ended.IsZero() {
			times += ", ended " + stamp(e.Ended)
			if !e.Started.IsZero() {
				times += " (" + humanDuration(e.Ended.Sub(e.Started).Seconds()) + ")"
			}
		}
		fmt.Fprintf(&b, "    %s\n", times)
		r := e.Result
		if parts := resultParts(exec.Event{Copied: r.Copied, AlreadyDone: r.AlreadyDone, Deleted: r.Deleted,
			Restored: r.Restored, Bytes: r.Bytes, Retries: r.Retries}); len(parts) > 0 {
			fmt.Fprintf(&b, "    result: %s\n", strings.Join(parts, ", "))
		}
		if r.Error != "" {
			fmt.Fprintf(&b, "    error: %s\n", r.Error)
		}
		if e.Undo.Description != "" || len(e.Undo.Params) > 0 {
			undo := orText(e.Undo.Description, "(no description)")
			if p := rawParamsText(e.Undo.Params); p != "" {
				undo += " [" + p + "]"
			}
			fmt.Fprintf(&b, "    undo: %s\n", undo)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// rawParamsText formats a step's parameters as "verify=checksum,
// zone=example.com": the object's fields with values, sorted by name.
func rawParamsText(raw json.RawMessage) string {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch v := m[k].(type) {
		case nil:
		case string:
			if v != "" {
				parts = append(parts, k+"="+v)
			}
		case bool:
			if v {
				parts = append(parts, k+"=true")
			}
		case []any:
			var xs []string
			for _, x := range v {
				xs = append(xs, fmt.Sprint(x))
			}
			if len(xs) > 0 {
				parts = append(parts, k+"="+strings.Join(xs, ","))
			}
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, ", ")
}

// stamp formats a journal time in UTC, to the second.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
