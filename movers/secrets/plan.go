package secrets

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// Action types of the secrets kind.
const (
	typeSecret = "secret"  // one secret, in the prepare phase
	typeAll    = "secrets" // every selected secret, at cutover
)

// params are a secrets action's inputs.
type params struct {
	// Name is the one secret of a prepare action ("" at cutover, which
	// covers the action's Items).
	Name      string `json:"name,omitempty"`
	Overwrite bool   `json:"overwrite"`
	// Replace: the plan showed this secret replacing a foreign value.
	Replace bool `json:"replace,omitempty"`
	// Sources are the source names of the action's renamed secrets, by
	// destination name.
	Sources map[string]string `json:"sources,omitempty"`
	// Remove: the secret rehome created is gone from the source and is
	// removed from the destination, as objects and record sets are.
	Remove bool `json:"remove,omitempty"`
}

// what names the kind's provider interface in errors.
const what = "secret store"

func sides(src, dst *planner.Env) (providers.Secrets, providers.Secrets, error) {
	return planner.Capabilities[providers.Secrets](src, dst, what)
}

func secretsNoun(n int) string { return planner.Plural(int64(n), "secret", "secrets") }

// Plan plans a secrets move: one action per selected secret, then the
// cutover's final pass over all of them.
func (Mover) Plan(ctx context.Context, mc *planner.MoveContext) error {
	m, src, dst := mc.Move, mc.From, mc.To
	ss, ds, err := sides(src, dst)
	if err != nil {
		return err
	}
	cfg := settings(m)
	ss = withRename(ss, cfg.Rename)
	checker, _ := dst.Provider.(providers.SecretStoreChecker)
	if checker != nil {
		if err := checker.ReadReady(); err != nil {
			// Without reading the destination nothing can be compared,
			// and nothing written could be verified: nothing is planned.
			mc.Finding(planner.SevBlocker, m.Addr(), "secrets.dest_unverifiable", "",
				fmt.Sprintf("%s (%s) cannot read back secrets, so rehome could not compare or verify what it writes: %s", m.To, dst.Factory.Name, err),
				fmt.Sprintf("set what the message names in environment %q; acknowledging leaves this move's secrets out", m.To))
			return nil
		}
	}
	scope := Scope(m.Addr(), dst.ID())
	recs, err := planner.LoadRecords[SecretRecord](ctx, mc.Progress(), scope)
	if err != nil {
		return err
	}
	key, err := DigestKey(ctx, mc.Progress())
	if err != nil {
		return err
	}
	sel := func(name string) bool {
		return planner.MatchNames(sourceName(cfg.Rename, name), cfg.Include, cfg.Exclude)
	}
	probe, err := Diff(ctx, DiffInput{Src: ss, Dst: ds, Select: sel, Records: recs, DigestKey: key, Overwrite: m.Overwrite})
	if err != nil {
		return err
	}
	defer probe.forget()
	if err := addNotes(ctx, mc, ss, probe); err != nil {
		return err
	}
	if probe.Selected == 0 {
		mc.Finding(planner.SevWarning, m.Addr(), "secrets.no_match", "",
			fmt.Sprintf("no secret in %s matches include %v / exclude %v", m.From, cfg.Include, cfg.Exclude),
			"check the include and exclude globs")
	}
	skip := map[string]bool{}
	for _, n := range probe.Conflicts {
		f := mc.Finding(planner.SevBlocker, mc.Addr(typeSecret, n), "secrets.dest_conflict", "",
			fmt.Sprintf("secret %q already exists at %s with a different value and was not written by rehome", n, m.To),
			"set overwrite = true in "+m.Addr()+" to replace it, or acknowledge to leave it and skip it")
		if f.Acknowledged {
			skip[n] = true
		}
	}
	if checker != nil && len(probe.Changes) > 0 {
		if err := checker.WriteReady(); err != nil {
			f := mc.Finding(planner.SevBlocker, m.Addr(), "secrets.dest_unwritable", "",
				fmt.Sprintf("%s (%s) cannot take secrets: %s", m.To, dst.Factory.Name, err),
				fmt.Sprintf("set what the message names in environment %q; acknowledging leaves this move's secrets out", m.To))
			if f.Acknowledged {
				for _, ch := range probe.Changes {
					skip[ch.Name] = true
				}
			}
		}
	}
	checkValues(mc, dst, probe, skip)
	d := probe.without(skip)
	versioned := dst.Factory.Caps.Secrets.Versioned
	var syncDeps []string
	add := func(name string, act planner.ActionType, reason string, ch *Change) {
		addr := mc.Addr(typeSecret, name)
		p := params{Name: name, Overwrite: m.Overwrite, Sources: sources(cfg.Rename, []string{name})}
		a := planner.Action{Address: addr, Type: typeSecret, Action: act, Phase: planner.PhasePrepare,
			From: planner.Endpoint{Env: m.From, Name: sourceName(cfg.Rename, name)}, To: planner.Endpoint{Env: m.To, Name: name},
			Scope: scope, Keys: []string{name}, Covered: true, Moves: &planner.Moved{Type: "secret"},
			Check:  fmt.Sprintf("secret %q at %s equals the source's (compared in memory, never printed)", name, m.To),
			Reason: reason}
		if m.Overwrite {
			a.Options = []planner.Option{{Name: "overwrite", Value: "true"}}
		}
		if ch != nil && ch.Replace {
			p.Replace = true
		}
		a.Params = planner.EncodeParams(p)
		switch {
		case act == planner.ActNoop:
			a.Undo = "nothing"
		case ch != nil && ch.Create:
			a.Undo = fmt.Sprintf("delete secret %q at %s", name, m.To)
		case ch != nil && ch.Replace && !versioned:
			a.Irreversible = true
			a.Undo = fmt.Sprintf("%s (%s) keeps no prior versions, so the value rehome replaces is lost", m.To, dst.Factory.Name)
			mc.Finding(planner.SevWarning, addr, "secrets.overwrite_irreversible", "",
				fmt.Sprintf("secret %q at %s will be overwritten and %s keeps no versions: rollback cannot restore the old value", name, m.To, dst.Factory.Name),
				"back up the destination secret first if you may need it")
		case ch != nil && ch.Replace:
			a.Undo = fmt.Sprintf("restore the previous version of secret %q at %s", name, m.To)
		default:
			a.Undo = fmt.Sprintf("restore or delete secret %q at %s as it was before rehome first wrote it", name, m.To)
		}
		if act != planner.ActNoop {
			a.Estimate = planner.Estimate{Items: 1, Seconds: 0.1}
		}
		mc.Add(a)
		syncDeps = append(syncDeps, addr)
	}
	for i := range d.Changes {
		ch := &d.Changes[i]
		switch {
		case ch.Create:
			add(ch.Name, planner.ActCreate, "absent at the destination", ch)
		case ch.Confirm:
			add(ch.Name, planner.ActUpdate, "an interrupted run wrote it; to be recorded (not rewritten)", ch)
		case ch.Replace:
			add(ch.Name, planner.ActUpdate, "different value at the destination (overwrite = true)", ch)
		default:
			add(ch.Name, planner.ActUpdate, "changed at the source since rehome copied it", ch)
		}
	}
	for _, n := range d.Unchanged {
		add(n, planner.ActNoop, "same value at both sides", nil)
	}
	// Secrets rehome created whose source secret is gone are removed, the
	// mirroring rule of every kind; one someone changed since is theirs
	// and kept (apply checks again).
	for _, n := range d.Gone {
		if skip[n] {
			continue
		}
		addr := mc.Addr(typeSecret, n)
		mc.Add(planner.Action{Address: addr, Type: typeSecret, Action: planner.ActDelete, Phase: planner.PhasePrepare,
			From: planner.Endpoint{Env: m.From, Name: n}, To: planner.Endpoint{Env: m.To, Name: n},
			Scope: scope, Keys: []string{n}, Covered: true,
			Params:  planner.EncodeParams(params{Name: n, Remove: true}),
			Reason:  "gone from the source; rehome created it at the destination",
			Check:   fmt.Sprintf("secret %q is no longer at %s", n, m.To),
			Undo:    fmt.Sprintf("nothing to restore: rehome created secret %q and rollback would delete it anyway", n),
			Changes: []planner.Change{{Op: planner.ChangeRemove, Item: n, Reason: "gone from the source"}}})
		syncDeps = append(syncDeps, addr)
	}
	if d.Selected == 0 && len(d.Gone) == 0 {
		return nil
	}
	var selected []string
	for _, ch := range d.Changes {
		selected = append(selected, ch.Name)
	}
	selected = append(selected, d.Unchanged...)
	sort.Strings(selected)
	sync := planner.Action{Address: mc.Addr("cutover_sync", ""), Type: typeAll, Action: planner.ActSync, Phase: planner.PhaseCutover,
		DependsOn: syncDeps, From: planner.Endpoint{Env: m.From}, To: planner.Endpoint{Env: m.To},
		Params: planner.EncodeParams(params{Overwrite: m.Overwrite, Sources: sources(cfg.Rename, selected)}), Scope: scope,
		Items:   selected,
		Skipped: slices.Sorted(maps.Keys(skip)),
		Check:   fmt.Sprintf("every selected secret at %s equals the source's", m.To),
		Undo:    fmt.Sprintf("restore or delete the secrets rehome wrote at %s", m.To),
		Reason:  "final pass over secrets changed at the source since the copy, or gone from it"}
	if m.Overwrite {
		sync.Options = []planner.Option{{Name: "overwrite", Value: "true"}}
	}
	if mc.CutoverDone() {
		if len(d.Changes) == 0 && len(d.Gone) == 0 {
			sync.Action, sync.Reason = planner.ActNoop, "cutover already ran"
		} else {
			sync.Reason = "secrets changed at the source since the cutover"
		}
	}
	mc.Add(sync)
	return nil
}

// checkValues reports secrets the destination cannot hold (a size limit, a
// name or value rule) as blockers; acknowledged ones are skipped. The
// error a store gives names the secret and the rule, never the value.
func checkValues(mc *planner.MoveContext, dst *planner.Env, d *SecretDiff, skip map[string]bool) {
	checker, _ := dst.Provider.(providers.SecretChecker)
	limit := dst.Factory.Caps.Secrets.MaxValueSize
	for _, ch := range d.Changes {
		if skip[ch.Name] {
			continue
		}
		var why string
		switch {
		case limit > 0 && len(ch.value) > limit:
			why = fmt.Sprintf("its value is %d bytes; %s (%s) holds at most %d", len(ch.value), mc.Move.To, dst.Factory.Name, limit)
		case checker != nil:
			if err := checker.CheckSecret(ch.Name, ch.value); err != nil {
				why = err.Error()
			}
		}
		if why == "" {
			continue
		}
		f := mc.Finding(planner.SevBlocker, mc.Addr(typeSecret, ch.Name), "secrets.unsupported", "",
			fmt.Sprintf("secret %q cannot be written to %s: %s", ch.Name, mc.Move.To, why),
			"rename or change it at the source, or acknowledge to skip it")
		if f.Acknowledged {
			skip[ch.Name] = true
		}
	}
}
