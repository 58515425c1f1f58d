package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// KindPlanner is what Build needs of a kind: its unit and how to plan one
// of its move blocks. Each mover implements it.
type KindPlanner interface {
	// Unit is the plural noun the kind counts its items in (objects,
	// records, secrets, rows, messages); its singular drops the final "s".
	Unit() string
	// Plan adds the move's actions and audit findings through mc. Problems
	// with what would be moved are findings; an error means planning
	// itself failed (a provider call).
	Plan(ctx context.Context, mc *MoveContext) error
}

// Kinds looks up the planner of a kind.
type Kinds interface {
	KindPlanner(k providers.Kind) (KindPlanner, bool)
}

// Input is what Build needs: the configuration, the kinds, the discovered
// environments, the state and its progress store (nil when there is none
// yet).
type Input struct {
	Config   *lang.Config
	Kinds    Kinds
	Envs     Envs
	State    *state.File
	Progress ProgressReader
	// Targets restricts the plan to these addresses (and their dependencies).
	Targets []string
	Now     time.Time
	// Retry retries the provider calls planning makes (listings) that fail
	// for a transient reason; nil: the default policy.
	Retry *transfer.Retrier
	// Prices is the price catalog; nil: the embedded one with the
	// overrides in the configuration's .rehome/prices.json.
	Prices *cost.Catalog
}

// Build makes the plan. Runtime failures (a provider call failing) are
// errors; problems with what would be moved are audit findings.
func Build(ctx context.Context, in Input) (*Plan, error) {
	if in.Retry == nil {
		in.Retry = transfer.NewRetrier(transfer.RetryPolicy{})
	}
	b := &builder{in: in}
	p := &Plan{
		FormatVersion: FormatVersion,
		Migration:     in.Config.Migration.Name,
		Description:   in.Config.Migration.Description,
		CreatedAt:     in.Now.UTC(),
		ConfigHash:    in.Config.Hash,
	}
	if in.State != nil && in.State.Serial > 0 {
		// A state never saved has no lineage yet (a fresh one is drawn on
		// every load): the plan records serial 0, and any apply that saves
		// state in between makes it stale.
		p.StateLineage, p.StateSerial = in.State.Lineage, in.State.Serial
	}
	b.plan = p
	units := map[string]bool{}
	for _, m := range in.Config.Moves {
		kp, ok := in.Kinds.KindPlanner(m.Kind)
		if !ok {
			return nil, fmt.Errorf("plan %s: no mover for kind %q in this build", m.Addr(), m.Kind)
		}
		units[kp.Unit()] = true
		mc := &MoveContext{Move: m, From: in.Envs[m.From], To: in.Envs[m.To], b: b, unit: kp.Unit()}
		if mc.From == nil || mc.To == nil {
			return nil, fmt.Errorf("plan %s: environments %q and %q are not both open", m.Addr(), m.From, m.To)
		}
		if err := kp.Plan(ctx, mc); err != nil {
			return nil, fmt.Errorf("plan %s: %w", m.Addr(), err)
		}
		b.checkAcks(m)
	}
	b.targetCollisions()
	if err := b.scan(ctx); err != nil {
		return nil, err
	}
	if err := b.audit(ctx); err != nil {
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
				example := "move.KIND.NAME"
				if len(in.Config.Moves) > 0 {
					example = in.Config.Moves[0].Addr()
				}
				return nil, fmt.Errorf("-target=%q matches no address of the plan (addresses look like %s, or a whole move such as %s)",
					t, `move.KIND.NAME.TYPE["KEY"]`, example)
			}
		}
		p.Targets = append([]string(nil), in.Targets...)
		p.Actions, p.Audit = applyTargets(p.Actions, p.Audit, in.Targets)
	}
	if err := b.cost(); err != nil {
		return nil, err
	}
	b.priceInventory()
	sortFindings(p.Audit)
	estimateDurations(p.Actions)
	p.Summary = Summarize(p)
	for u := range units {
		if _, ok := p.Summary.Items[u]; !ok {
			p.Summary.Items[u] = 0 // every unit of the plan's kinds is in the summary, 0 or not
		}
	}
	if p.Actions == nil {
		p.Actions = []Action{}
	}
	if p.Audit == nil {
		p.Audit = []Finding{}
	}
	return p, nil
}

type builder struct {
	in   Input
	plan *Plan
	// prices is the catalog as loaded once for the moves (Prices).
	prices *cost.Catalog
}

// MoveContext is what a kind's planner works with for one move block: the
// move, its two environments (discovered), the state, and the methods that
// add actions and findings to the plan.
type MoveContext struct {
	Move     *lang.Move
	From, To *Env
	b        *builder
	unit     string
}

// State returns the state as loaded (empty when there is none yet). It
// must not be changed.
func (mc *MoveContext) State() *state.File {
	if mc.b.in.State == nil {
		return &state.File{}
	}
	return mc.b.in.State
}

// Prices returns the price catalog the plan's cost section prices with
// (Input.Prices, else the embedded one with the configuration's
// overrides), for a kind that states a price in an action.
func (mc *MoveContext) Prices() (*cost.Catalog, error) {
	b := mc.b
	if b.prices == nil {
		b.prices = b.in.Prices
	}
	if b.prices == nil {
		dir := ""
		if b.in.Config != nil {
			dir = b.in.Config.Dir
		}
		cat, err := LoadPrices(dir)
		if err != nil {
			return nil, err
		}
		b.prices = cat
	}
	return b.prices, nil
}

// Progress returns the state's progress store (nil before any apply).
func (mc *MoveContext) Progress() ProgressReader { return mc.b.in.Progress }

// Caller makes planning's provider calls, retrying transient failures.
func (mc *MoveContext) Caller() *transfer.Caller { return &transfer.Caller{R: mc.b.in.Retry} }

// CutoverDone reports whether a cutover has already run.
func (mc *MoveContext) CutoverDone() bool {
	ph := mc.State().Phase
	return ph == state.PhaseCutover || ph == state.PhaseFinalized
}

// Addr builds an address in the move: move.KIND.NAME.TYPE["KEY"], or
// move.KIND.NAME.TYPE when key is "".
func (mc *MoveContext) Addr(typ, key string) string {
	if key == "" {
		return mc.Move.Addr() + "." + typ
	}
	return fmt.Sprintf("%s.%s[%q]", mc.Move.Addr(), typ, key)
}

// Add appends an action: it fills in the move, kind, unit and where the
// environments point.
func (mc *MoveContext) Add(a Action) {
	a.Move, a.Kind = mc.Move.Addr(), mc.Move.Kind
	if a.Estimate.Items > 0 && a.Estimate.Unit == "" {
		a.Estimate.Unit = mc.unit
	}
	if a.DependsOn == nil {
		a.DependsOn = []string{}
	}
	mc.identify(&a)
	mc.b.plan.Actions = append(mc.b.plan.Actions, a)
}

// identify records where the action's environments point.
func (mc *MoveContext) identify(a *Action) {
	if e, ok := mc.b.in.Envs[a.From.Env]; ok {
		a.From.ID = e.ID()
	}
	if e, ok := mc.b.in.Envs[a.To.Env]; ok {
		a.To.ID = e.ID()
	}
}

// Finding adds an audit finding about addr; detail tells apart findings
// of one code at one address, so that each keeps a stable id. It returns
// the finding, Acknowledged set when the move's acknowledge list names it.
func (mc *MoveContext) Finding(sev Severity, addr, code, detail, msg, remedy string) Finding {
	return mc.b.finding(mc.Move, sev, addr, code, detail, msg, remedy)
}

// Container adds the create action of a container (a bucket, a zone): a
// create when it is absent; a no-op when it exists, either rehome's own
// from an earlier apply (whose rollback still deletes it) or a foreign one,
// reported with an info finding (code, foreignNote) and kept. deleteUndo
// is the undo of a create.
func (mc *MoveContext) Container(a Action, exists bool, deleteUndo, code, foreignNote string) {
	a.Action, a.Phase = ActNoop, PhasePrepare
	mc.identify(&a)
	switch st := mc.State().FindResource(a.Address); {
	case !exists:
		a.Action, a.Undo = ActCreate, deleteUndo
	case st != nil && st.Created && st.Attrs["id"] == a.To.ID && st.Name == a.To.Name:
		a.Reason, a.Undo = "created by rehome earlier", deleteUndo
	default:
		a.Reason, a.Undo = "already exists at the destination", "nothing (it existed before rehome)"
		mc.Finding(SevInfo, a.Address, code, "", foreignNote, "none needed")
	}
	mc.Add(a)
}

// targetCollisions reports two moves writing the same destination
// resource: each would take the other's items for foreign, or worse.
func (b *builder) targetCollisions() {
	seen := map[string]Action{}
	moves := map[string]*lang.Move{}
	for _, m := range b.in.Config.Moves {
		moves[m.Addr()] = m
	}
	for _, a := range b.plan.Actions {
		if a.Phase != PhasePrepare || a.Moves == nil {
			continue
		}
		k := string(a.Kind) + "\x00" + a.To.Env + "\x00" + a.Moves.Type + "\x00" + a.To.Name
		prev, dup := seen[k]
		if !dup {
			seen[k] = a
			continue
		}
		if prev.Move == a.Move {
			continue // within one move: reported by the move itself
		}
		b.finding(moves[a.Move], SevBlocker, a.Address, "move.target_collision", prev.Address,
			fmt.Sprintf("%s and %s both write %s %q at %s", prev.Move, a.Move, a.Moves.Type, a.To.Name, a.To.Env),
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

// Assumed rates of the duration estimates: nothing here is measured.
const (
	// CallSeconds is the allowance for one API call or file operation
	// (a create, an update, a delete).
	CallSeconds = 1
	// ListPerSecond is how many items a final sync re-lists per second.
	ListPerSecond = 2000
	copyBasis     = "rate: 50 MiB/s and 2 ms per item (assumed, not measured)"
)

// estimateDurations gives every action that changes something a duration
// and says how it was derived: creates and other single calls a fixed
// allowance, copies their rate, a cutover sync the re-listing of what the
// step before it copied plus a call. Kinds that know better set Seconds
// and Basis themselves.
func estimateDurations(acts []Action) {
	byAddr := map[string]*Action{}
	for i := range acts {
		byAddr[acts[i].Address] = &acts[i]
	}
	for i := range acts {
		a := &acts[i]
		e := &a.Estimate
		if a.Action == ActNoop {
			continue
		}
		if e.Seconds > 0 {
			if e.Basis == "" {
				if e.Bytes > 0 || (a.Action == ActCopy && e.Items > 1) {
					e.Basis = copyBasis
				} else {
					e.Basis = "fixed"
				}
			}
			continue
		}
		switch a.Action {
		case ActSync:
			var listed int64
			for _, d := range a.DependsOn {
				if da, ok := byAddr[d]; ok {
					listed += da.Estimate.Items
				}
			}
			e.Seconds = CallSeconds + float64(int64(float64(listed)/ListPerSecond*10+0.5))/10
			e.Basis = fmt.Sprintf("fixed: re-list the source (%s items at %s/s, assumed) and copy what changed since",
				format.Count(listed), format.Count(ListPerSecond))
		default:
			e.Seconds = CallSeconds
			e.Basis = "fixed: one call"
		}
	}
}

// CopySeconds is a deliberately rough duration for copying objects of
// bytes: 50 MiB/s and 2 ms per item.
func CopySeconds(items, bytes int64) float64 {
	s := float64(bytes)/(50<<20) + float64(items)*0.002
	return float64(int64(s*10+0.5)) / 10
}

// RowsPerSecond is the assumed rate of a database copy, rows streamed in
// bulk (COPY, a cursor), validation included: a table row is no object
// with a request of its own.
const RowsPerSecond = 100_000

// RowCopyBasis says how RowCopySeconds estimates.
const RowCopyBasis = "rate: 50 MiB/s and 100,000 rows/s, validation included (assumed, not measured)"

// RowCopySeconds is a deliberately rough duration for copying rows of
// bytes between databases: whichever of 50 MiB/s and RowsPerSecond is
// slower.
func RowCopySeconds(rows, bytes int64) float64 {
	s := max(float64(bytes)/(50<<20), float64(rows)/RowsPerSecond)
	if rows > 0 || bytes > 0 {
		s = max(s, 0.1) // a copy of anything is no free call
	}
	return float64(int64(s*10+0.5)) / 10
}

// Plural formats "1 object" or "3 objects".
func Plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Verb picks the singular or plural form for a count.
func Verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// First returns at most n of xs, joined, with a count of the rest.
func First(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}

// MatchNames reports whether name passes include/exclude globs (path.Match
// syntax); an empty include list includes everything.
func MatchNames(name string, include, exclude []string) bool {
	in := len(include) == 0
	for _, g := range include {
		if ok, _ := path.Match(g, name); ok {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, g := range exclude {
		if ok, _ := path.Match(g, name); ok {
			return false
		}
	}
	return true
}

// Summarize counts the plan's actions, findings and volumes.
func Summarize(p *Plan) Summary {
	s := Summary{Prepare: map[ActionType]int{}, Cutover: map[ActionType]int{}, Items: map[string]int64{}}
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
			if a.Estimate.Unit != "" {
				s.Items[a.Estimate.Unit] += a.Estimate.Items
			}
			s.Bytes += a.Estimate.Bytes
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
		// A finding inside a target stays even when it has no action (a
		// blocker on a bucket the move cannot copy): the target must not
		// hide what stops it.
		if slices.ContainsFunc(targets, func(t string) bool { return MatchTarget(f.Address, t) }) {
			fout = append(fout, f)
			continue
		}
		for addr := range keep {
			if MatchTarget(addr, f.Address) || MatchTarget(f.Address, addr) {
				fout = append(fout, f)
				break
			}
		}
	}
	return out, fout
}
