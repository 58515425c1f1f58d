package planner

import (
	"fmt"
	"sort"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

func (b *builder) secrets(m *lang.Move) error {
	src, dst := b.in.Envs[m.From], b.in.Envs[m.To]
	ss, ds := src.Secrets(), dst.Secrets()
	if ss == nil || ds == nil {
		return fmt.Errorf("provider of %s or %s has no secret store", m.From, m.To)
	}
	scope := SecretsScope(m.Addr(), dst.ID())
	recs, err := LoadRecords[SecretRecord](b.ctx, b.in.Progress, scope)
	if err != nil {
		return err
	}
	key, err := SecretDigestKey(b.ctx, b.in.Progress)
	if err != nil {
		return err
	}
	in := SecretDiffInput{Src: ss, Dst: ds, Include: m.Secrets.Include, Exclude: m.Secrets.Exclude, Records: recs, DigestKey: key, Overwrite: m.Overwrite}
	probe, err := DiffSecrets(b.ctx, in)
	if err != nil {
		return err
	}
	if len(probe.Gone) > 0 {
		b.finding(m, SevWarning, m.Addr(), "secrets.source_gone", "",
			fmt.Sprintf("%s rehome copied %s gone from %s but still at %s: %s; secrets are not removed automatically",
				plural(int64(len(probe.Gone)), "secret", "secrets"), verb(len(probe.Gone), "is", "are"), m.From, m.To, first(probe.Gone, 5)),
			"delete them at the destination once nothing uses them (rollback would delete them too)")
	}
	if probe.Selected == 0 {
		b.finding(m, SevWarning, m.Addr(), "secrets.no_match", "",
			fmt.Sprintf("no secret in %s matches include %v / exclude %v", m.From, m.Secrets.Include, m.Secrets.Exclude),
			"check the include and exclude globs")
	}
	skip := map[string]bool{}
	for _, n := range probe.Conflicts {
		addr := Addr(m, "secret", n)
		f := b.finding(m, SevBlocker, addr, "secrets.dest_conflict", "",
			fmt.Sprintf("secret %q already exists at %s with a different value and was not written by rehome", n, m.To),
			"set overwrite = true in "+m.Addr()+" to replace it, or acknowledge to leave it and skip it")
		if f.Acknowledged {
			skip[n] = true
		}
	}
	if err := b.checkSecrets(m, src, dst, probe, skip); err != nil {
		return err
	}
	d := probe.without(skip)
	versioned := dst.Factory.Caps.Secrets.Versioned
	var syncDeps []string
	add := func(name string, act ActionType, reason string, ch *SecretChange) {
		addr := Addr(m, "secret", name)
		a := Action{Address: addr, Move: m.Addr(), Kind: providers.KindSecrets, Type: "secret",
			Action: act, Phase: PhasePrepare, From: Endpoint{Env: m.From, Name: name}, To: Endpoint{Env: m.To, Name: name},
			Params: map[string]string{"name": name, "scope": scope, "overwrite": fmt.Sprint(m.Overwrite)},
			Check:  fmt.Sprintf("secret %q at %s equals the source's (compared in memory, never printed)", name, m.To),
			Reason: reason}
		if ch != nil && ch.Replace {
			a.Params["replace"] = "true"
		}
		switch {
		case act == ActNoop:
			a.Undo = "nothing"
		case ch != nil && ch.Create:
			a.Undo = fmt.Sprintf("delete secret %q at %s", name, m.To)
		case ch != nil && ch.Replace && !versioned:
			a.Irreversible = true
			a.Undo = fmt.Sprintf("%s (%s) keeps no prior versions, so the value rehome replaces is lost", m.To, dst.Factory.Name)
			b.finding(m, SevWarning, addr, "secrets.overwrite_irreversible", "",
				fmt.Sprintf("secret %q at %s will be overwritten and %s keeps no versions: rollback cannot restore the old value", name, m.To, dst.Factory.Name),
				"back up the destination secret first if you may need it")
		case ch != nil && ch.Replace:
			a.Undo = fmt.Sprintf("restore the previous version of secret %q at %s", name, m.To)
		default:
			a.Undo = fmt.Sprintf("restore or delete secret %q at %s as it was before rehome first wrote it", name, m.To)
		}
		if act != ActNoop {
			a.Estimate = Estimate{Secrets: 1, Seconds: 0.1}
		}
		b.add(a)
		syncDeps = append(syncDeps, addr)
	}
	for i := range d.Changes {
		ch := &d.Changes[i]
		switch {
		case ch.Create:
			add(ch.Name, ActCreate, "absent at the destination", ch)
		case ch.Confirm:
			add(ch.Name, ActUpdate, "an interrupted run wrote it; to be recorded (not rewritten)", ch)
		case ch.Replace:
			add(ch.Name, ActUpdate, "different value at the destination (overwrite = true)", ch)
		default:
			add(ch.Name, ActUpdate, "changed at the source since rehome copied it", ch)
		}
	}
	for _, n := range d.Unchanged {
		add(n, ActNoop, "same value at both sides", nil)
	}
	if d.Selected == 0 {
		return nil
	}
	var selected []string
	for _, ch := range d.Changes {
		selected = append(selected, ch.Name)
	}
	selected = append(selected, d.Unchanged...)
	sort.Strings(selected)
	sync := Action{Address: Addr(m, "cutover_sync", ""), Move: m.Addr(), Kind: providers.KindSecrets, Type: "secrets",
		Action: ActSync, Phase: PhaseCutover, DependsOn: syncDeps,
		From: Endpoint{Env: m.From}, To: Endpoint{Env: m.To},
		Params:  map[string]string{"scope": scope, "overwrite": fmt.Sprint(m.Overwrite)},
		Items:   selected,
		Skipped: sortedKeys(skip),
		Check:   fmt.Sprintf("every selected secret at %s equals the source's", m.To),
		Undo:    fmt.Sprintf("restore or delete the secrets rehome wrote at %s", m.To),
		Reason:  "final pass over secrets changed at the source since the copy"}
	if b.cutoverDone() {
		if len(d.Changes) == 0 {
			sync.Action, sync.Reason = ActNoop, "cutover already ran"
		} else {
			sync.Reason = "secrets changed at the source since the cutover"
		}
	}
	b.add(sync)
	return nil
}

// checkSecrets reports secrets the destination cannot hold (a size limit, a
// name or value rule) as blockers; acknowledged ones are skipped.
func (b *builder) checkSecrets(m *lang.Move, src, dst *Env, d *SecretDiff, skip map[string]bool) error {
	checker, _ := dst.Provider.(providers.SecretChecker)
	limit := dst.Factory.Caps.Secrets.MaxValueSize
	for _, ch := range d.Changes {
		sec, err := src.Secrets().GetSecret(b.ctx, ch.Name)
		if err != nil {
			return fmt.Errorf("read source secret %q: %w", ch.Name, err)
		}
		var why string
		switch {
		case limit > 0 && len(sec.Value) > limit:
			why = fmt.Sprintf("its value is %d bytes; %s (%s) holds at most %d", len(sec.Value), m.To, dst.Factory.Name, limit)
		case checker != nil:
			if err := checker.CheckSecret(ch.Name, sec.Value); err != nil {
				why = err.Error()
			}
		}
		if why == "" {
			continue
		}
		f := b.finding(m, SevBlocker, Addr(m, "secret", ch.Name), "secrets.unsupported", "",
			fmt.Sprintf("secret %q cannot be written to %s: %s", ch.Name, m.To, why),
			"rename or change it at the source, or acknowledge to skip it")
		if f.Acknowledged {
			skip[ch.Name] = true
		}
	}
	return nil
}
