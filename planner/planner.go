package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Input is what Build needs: the configuration, the discovered environments,
// the state and its progress store (nil when there is none yet).
type Input struct {
	Config   *lang.Config
	Envs     Envs
	State    *state.File
	Progress ProgressReader
	// Targets restricts the plan to these addresses (and their dependencies).
	Targets []string
	Now     time.Time
}

// Build makes the plan. Runtime failures (a provider call failing) are
// errors; problems with what would be moved are audit findings.
func Build(ctx context.Context, in Input) (*Plan, error) {
	b := &builder{in: in, ctx: ctx}
	p := &Plan{
		FormatVersion: FormatVersion,
		Migration:     in.Config.Migration.Name,
		Description:   in.Config.Migration.Description,
		CreatedAt:     in.Now.UTC(),
		ConfigHash:    in.Config.Hash,
		Cost:          CostReport{Items: []CostItem{}},
	}
	if in.State != nil && in.State.Serial > 0 {
		// A state never saved has no lineage yet (a fresh one is drawn on
		// every load): the plan records serial 0, and any apply that saves
		// state in between makes it stale.
		p.StateLineage, p.StateSerial = in.State.Lineage, in.State.Serial
	}
	b.plan = p
	for _, m := range in.Config.Moves {
		var err error
		switch m.Kind {
		case providers.KindStorage:
			err = b.storage(m)
		case providers.KindDNS:
			err = b.dns(m)
		case providers.KindSecrets:
			err = b.secrets(m)
		default:
			b.finding(m, SevBlocker, m.Addr(), "move.kind_not_implemented", "",
				fmt.Sprintf("rehome cannot plan %s moves yet", m.Kind),
				"remove the move or acknowledge this finding to skip it")
		}
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", m.Addr(), err)
		}
		b.checkAcks(m)
	}
	b.targetCollisions()
	if err := b.scan(); err != nil {
		return nil, err
	}
	for _, n := range in.Envs.Names() {
		e := in.Envs[n]
		es := EnvSummary{Name: n, Provider: e.Factory.Name, ID: e.ID(), Role: e.Role(), Resources: []providers.Resource{}}
		if e.Inventory != nil {
			es.Resources = append(es.Resources, e.Inventory.Resources...)
		}
		p.Environments = append(p.Environments, es)
	}
	if len(in.Targets) > 0 {
		for _, t := range in.Targets {
			matched := false
			for _, a := range p.Actions {
				matched = matched || MatchTarget(a.Address, t)
			}
			if !matched {
				return nil, fmt.Errorf("-target=%q matches no address of the plan (addresses look like %s, or a whole move such as %s)",
					t, `move.storage.NAME.bucket["BUCKET"]`, "move.storage.NAME")
			}
		}
		p.Targets = append([]string(nil), in.Targets...)
		p.Actions, p.Audit = applyTargets(p.Actions, p.Audit, in.Targets)
	}
	sortFindings(p.Audit)
	p.Summary = Summarize(p)
	if p.Actions == nil {
		p.Actions = []Action{}
	}
	if p.Audit == nil {
		p.Audit = []Finding{}
	}
	return p, nil
}

type builder struct {
	ctx  context.Context
	in   Input
	plan *Plan
}

func (b *builder) add(a Action) {
	if a.DependsOn == nil {
		a.DependsOn = []string{}
	}
	b.identify(&a)
	b.plan.Actions = append(b.plan.Actions, a)
}

// identify records where the action's environments point.
func (b *builder) identify(a *Action) {
	if e, ok := b.in.Envs[a.From.Env]; ok {
		a.From.ID = e.ID()
	}
	if e, ok := b.in.Envs[a.To.Env]; ok {
		a.To.ID = e.ID()
	}
}

// container adds the create action of a bucket or zone: create when it is
// absent, a no-op when it exists (rehome's own from an earlier apply, whose
// rollback still deletes it, or a foreign one, reported and kept).
func (b *builder) container(m *lang.Move, a Action, exists bool, deleteUndo, code, foreignNote string) {
	a.Action, a.Phase = ActNoop, PhasePrepare
	b.identify(&a)
	switch st := b.state().FindResource(a.Address); {
	case !exists:
		a.Action, a.Undo = ActCreate, deleteUndo
	case st != nil && st.Created && st.Attrs["id"] == a.To.ID && st.Name == a.To.Name:
		a.Reason, a.Undo = "created by rehome earlier", deleteUndo
	default:
		a.Reason, a.Undo = "already exists at the destination", "nothing (it existed before rehome)"
		b.finding(m, SevInfo, a.Address, code, "", foreignNote, "none needed")
	}
	b.add(a)
}

// targetCollisions reports two moves writing the same destination bucket,
// zone or secret: each would take the other's items for foreign, or worse.
func (b *builder) targetCollisions() {
	seen := map[string]Action{}
	moves := map[string]*lang.Move{}
	for _, m := range b.in.Config.Moves {
		moves[m.Addr()] = m
	}
	for _, a := range b.plan.Actions {
		if a.Phase != PhasePrepare || (a.Type != "bucket" && a.Type != "zone" && a.Type != "secret") {
			continue
		}
		k := string(a.Kind) + "\x00" + a.To.Env + "\x00" + a.Type + "\x00" + a.To.Name
		prev, dup := seen[k]
		if !dup {
			seen[k] = a
			continue
		}
		if prev.Move == a.Move {
			continue // within one move: reported by the move itself
		}
		b.finding(moves[a.Move], SevBlocker, a.Address, "move.target_collision", prev.Address,
			fmt.Sprintf("%s and %s both write %s %q at %s", prev.Move, a.Move, a.Type, a.To.Name, a.To.Env),
			"point one of the moves elsewhere (rename, include/exclude), or merge them")
	}
}

// FindingID is the stable id of a finding: its code and a digest of what
// it is about, so the same problem keeps its id across plans.
func FindingID(code, address, detail string) string {
	h := sha256.Sum256([]byte(code + "\x00" + address + "\x00" + detail))
	return strings.NewReplacer(".", "-", "_", "-").Replace(code) + "-" + hex.EncodeToString(h[:4])
}

func (b *builder) finding(m *lang.Move, sev Severity, addr, code, detail, msg, remedy string) Finding {
	f := Finding{ID: FindingID(code, addr, detail), Severity: sev, Address: addr, Code: code, Message: msg, Remedy: remedy}
	if m != nil {
		for _, id := range m.Acknowledge {
			if id == f.ID {
				f.Acknowledged = true
			}
		}
	}
	b.plan.Audit = append(b.plan.Audit, f)
	return f
}

// checkAcks warns about acknowledge entries that match no finding (typos).
func (b *builder) checkAcks(m *lang.Move) {
	for _, id := range m.Acknowledge {
		found := false
		for _, f := range b.plan.Audit {
			if f.ID == id {
				found = true
				break
			}
		}
		if !found {
			b.finding(nil, SevWarning, m.Addr(), "move.unknown_acknowledge", id,
				fmt.Sprintf("acknowledge lists %q, which matches no finding of this plan", id),
				"remove it, or correct the id (ids are shown in the plan's audit section)")
		}
	}
}

func (b *builder) state() *state.File {
	if b.in.State == nil {
		return &state.File{}
	}
	return b.in.State
}

// cutoverDone reports whether a cutover has already run.
func (b *builder) cutoverDone() bool {
	ph := b.state().Phase
	return ph == "cutover" || ph == "finalized"
}

// Addr builds an action address: move.KIND.NAME.TYPE["KEY"].
func Addr(m *lang.Move, typ, key string) string {
	if key == "" {
		return m.Addr() + "." + typ
	}
	return fmt.Sprintf("%s.%s[%q]", m.Addr(), typ, key)
}

func copySeconds(objects, bytes int64) float64 {
	// A deliberately rough figure: 50 MiB/s and 2 ms per object.
	s := float64(bytes)/(50<<20) + float64(objects)*0.002
	return float64(int64(s*10+0.5)) / 10
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// verb picks the singular or plural form for a count.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// first returns at most n of xs, joined, with a count of the rest.
func first(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}

func toSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// Summarize counts the plan's actions, findings and volumes.
func Summarize(p *Plan) Summary {
	s := Summary{Prepare: map[ActionType]int{}, Cutover: map[ActionType]int{}}
	for _, a := range p.Actions {
		if a.Phase == PhaseCutover {
			s.Cutover[a.Action]++
			if a.Action != ActNoop {
				s.CutoverSteps++
			}
			continue
		}
		s.Prepare[a.Action]++
		if a.Action != ActNoop {
			s.Changes++
			s.Objects += a.Estimate.Objects
			s.Bytes += a.Estimate.Bytes
			s.Records += a.Estimate.Records
			s.Secrets += a.Estimate.Secrets
			s.Removals += a.Estimate.Removals
		}
	}
	for _, f := range p.Audit {
		switch {
		case f.Acknowledged:
			s.Acknowledged++
		case f.Severity == SevBlocker:
			s.Blockers++
		case f.Severity == SevWarning:
			s.Warnings++
		}
	}
	return s
}

func sortFindings(fs []Finding) {
	rank := map[Severity]int{SevBlocker: 0, SevWarning: 1, SevInfo: 2}
	sort.SliceStable(fs, func(i, j int) bool {
		if rank[fs[i].Severity] != rank[fs[j].Severity] {
			return rank[fs[i].Severity] < rank[fs[j].Severity]
		}
		return false
	})
}

// MatchTarget reports whether address addr is selected by target t: the
// same address, or one inside it (t = move.storage.assets selects all of
// that move's actions).
func MatchTarget(addr, t string) bool {
	return addr == t || strings.HasPrefix(addr, t+".") || strings.HasPrefix(addr, t+"[")
}

func applyTargets(acts []Action, fs []Finding, targets []string) ([]Action, []Finding) {
	byAddr := map[string]Action{}
	for _, a := range acts {
		byAddr[a.Address] = a
	}
	keep := map[string]bool{}
	var visit func(string)
	visit = func(addr string) {
		if keep[addr] {
			return
		}
		keep[addr] = true
		for _, d := range byAddr[addr].DependsOn {
			visit(d)
		}
	}
	for _, a := range acts {
		for _, t := range targets {
			if MatchTarget(a.Address, t) {
				visit(a.Address)
			}
		}
	}
	var out []Action
	for _, a := range acts {
		if keep[a.Address] {
			out = append(out, a)
		}
	}
	var fout []Finding
	for _, f := range fs {
		for addr := range keep {
			if MatchTarget(addr, f.Address) || MatchTarget(f.Address, addr) {
				fout = append(fout, f)
				break
			}
		}
	}
	return out, fout
}
