package planner

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/rehome/rehome/audit"
	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// FormatVersion is the version of the plan document (saved plan files and
// the JSON rendering). Bump the minor version for additions, the major for
// incompatible changes. 2.0: actions carry their kind's typed parameters
// (params), display options, progress scope, cutover coverage and moved
// resource; estimates count items in a unit; the summary counts items by
// unit.
const FormatVersion = "2.0"

// ActionType is what an action does.
type ActionType string

const (
	ActCreate   ActionType = "create"
	ActUpdate   ActionType = "update"
	ActCopy     ActionType = "copy"
	ActSync     ActionType = "sync"
	ActVerify   ActionType = "verify"
	ActLowerTTL ActionType = "lower_ttl"
	ActSwitch   ActionType = "switch"
	ActDelete   ActionType = "delete"
	ActNoop     ActionType = "no-op"
)

// Phase groups actions: prepare runs with `apply`, cutover with `cutover`.
type Phase string

const (
	PhasePrepare Phase = "prepare"
	PhaseCutover Phase = "cutover"
)

// Plan is the ordered move plan: plain data, saved and rendered as is.
type Plan struct {
	FormatVersion string    `json:"format_version"`
	Migration     string    `json:"migration"`
	Description   string    `json:"description,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	// ConfigHash and the state's lineage/serial at planning time: a saved
	// plan whose values no longer match is stale and refused.
	ConfigHash   string `json:"config_hash"`
	StateLineage string `json:"state_lineage"`
	StateSerial  uint64 `json:"state_serial"`
	// Targets, if set, restricted the plan to these addresses (-target).
	Targets []string `json:"targets,omitempty"`
	// Rollback lists, newest first, the steps `rehome rollback` would take
	// after this plan's prepare and cutover phases were carried out (and
	// everything applied before), computed by the rollback's own code.
	Rollback []RollbackStep `json:"rollback,omitempty"`

	Actions []Action   `json:"actions"`
	Audit   []Finding  `json:"audit"`
	Cost    CostReport `json:"cost"`
	Summary Summary    `json:"summary"`
	// Environments lists what discovery saw, for `show` and the cost report.
	Environments []EnvSummary `json:"environments"`
	// Inventory classifies every source resource (moved, left behind, no
	// equivalent) and Dependencies relates them, when the sources were
	// discovered in full (Scope.Full: `rehome audit`, or an audit block).
	Inventory    []audit.Item       `json:"inventory,omitempty"`
	Dependencies []audit.Dependency `json:"dependencies,omitempty"`
}

// Endpoint names one side of an action: an environment, the thing in it,
// and where the environment pointed when planned (Env.ID).
type Endpoint = state.Endpoint

// Action is one step of the plan. It is plain data: the executor hands it
// to its kind's mover, which reads its own typed Params; everything else
// here is read alike for every kind by the engine, the executor and the
// views.
type Action struct {
	Address string         `json:"address"`
	Move    string         `json:"move"`
	Kind    providers.Kind `json:"kind"`
	// Type is the kind's name for what the action handles (bucket,
	// objects, zone, records, secret): the kind's executor dispatches on
	// it, and the views show it.
	Type      string     `json:"type"`
	Action    ActionType `json:"action"`
	Phase     Phase      `json:"phase"`
	DependsOn []string   `json:"depends_on"`
	From      Endpoint   `json:"from"`
	To        Endpoint   `json:"to"`
	Reason    string     `json:"reason,omitempty"`
	Estimate  Estimate   `json:"estimate"`
	Check     string     `json:"check"`
	Undo      string     `json:"undo"`
	// Irreversible is set when the undo cannot fully restore (an
	// overwrite of an unversioned secret); Undo says what is lost.
	Irreversible bool `json:"irreversible,omitempty"`
	// Options are the settings a reviewer decides on (a verify mode, an
	// overwrite, a TTL), in the order to show them.
	Options []Option `json:"options,omitempty"`
	// Params are the kind's typed inputs for its executor, as JSON.
	Params json.RawMessage `json:"params,omitempty"`
	// Scope is the progress scope of the per-item records the action
	// writes: rollback undoes actions sharing a scope as one step, and
	// `state rm` forgets it. Keys narrows it to the items this action
	// alone writes (one secret of a move's scope).
	Scope string   `json:"scope,omitempty"`
	Keys  []string `json:"keys,omitempty"`
	// Covered: a cutover step redoes this action's work (a final sync), so
	// a cutover may run while it is pending.
	Covered bool `json:"covered_by_cutover,omitempty"`
	// Moves names what the action moves, when it stands for one source
	// resource (From.Name): finalize lists it for decommissioning, the
	// audit looks for it in application code, and two moves writing one
	// destination resource are a blocker.
	Moves *Moved `json:"moves,omitempty"`
	// Items are the names handled inside the action where they are few
	// and not sensitive (secret names, record set keys); large copies
	// report counts in Estimate instead.
	Items []string `json:"items,omitempty"`
	// Skipped lists items left out because an acknowledged finding's
	// remedy says so.
	Skipped []string `json:"skipped,omitempty"`
	// Changes are the items the action creates, replaces or removes, each
	// with its reason (and, for record sets, old and new values), so a
	// reviewer reads every change from the plan. Secret values never
	// appear: a changed secret says only that its digest differs.
	Changes []Change `json:"changes,omitempty"`
}

// RollbackStep is one step of a rollback.
type RollbackStep struct {
	Address     string `json:"address"`
	Description string `json:"description"`
}

// Change ops.
const (
	ChangeCreate  = "create"
	ChangeUpdate  = "update"
	ChangeReplace = "replace"
	ChangeRemove  = "remove"
)

// Change is one item an action writes or removes.
type Change struct {
	Op   string `json:"op"`
	Item string `json:"item"`
	Size int64  `json:"size,omitempty"`
	// Reason: "new", "changed: size differs", "changed: digest differs",
	// "gone from the source", ...
	Reason string `json:"reason,omitempty"`
	// Old and New are the item's values before and after, where they are
	// short and not secret (a record set's TTL and values).
	Old []string `json:"old,omitempty"`
	New []string `json:"new,omitempty"`
}

// Option is one setting shown with an action ("verify" = "checksum").
type Option struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Moved is the source resource an action moves.
type Moved struct {
	// Type is the resource type at the source: bucket, zone, secret.
	Type string `json:"type"`
	// Referenced: code that names the resource must change at cutover (a
	// bucket needs the destination's endpoint), so the audit scans the
	// application for its name. Zones keep their names and are not.
	Referenced bool `json:"referenced,omitempty"`
}

// EncodeParams returns v as an action's Params.
func EncodeParams(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("planner: action parameters %T do not encode: %v", v, err)) // a programming error
	}
	return raw
}

// DecodeParams reads raw action parameters into v, naming the action in
// the error.
func DecodeParams(addr string, raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: parameters do not fit %T: %w", addr, v, err)
	}
	return nil
}

// Estimate sizes an action.
type Estimate struct {
	// Items counts what the action writes, in Unit: a plural noun whose
	// singular drops the final "s" (objects, records, secrets, rows,
	// messages).
	Items int64  `json:"items,omitempty"`
	Unit  string `json:"unit,omitempty"`
	Bytes int64  `json:"bytes,omitempty"`
	// Removals counts items rehome copied earlier that are gone from the
	// source and are removed from the destination (never foreign items).
	Removals int64   `json:"removals,omitempty"`
	Seconds  float64 `json:"seconds,omitempty"`
	// Basis says how Seconds was derived: "fixed" (a per-call allowance),
	// "rate: ..." (sizes over the assumed copy rate), "wait: ..." (a TTL
	// or queue timeout to wait out).
	Basis string `json:"basis,omitempty"`
}

// Severity of an audit finding.
type Severity string

const (
	SevBlocker Severity = "blocker"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Finding is one audit result. ID is stable across runs for the same
// problem, so a move's `acknowledge` list can name it.
type Finding struct {
	ID           string   `json:"id"`
	Severity     Severity `json:"severity"`
	Address      string   `json:"address"`
	Code         string   `json:"code"`
	Message      string   `json:"message"`
	Remedy       string   `json:"remedy"`
	Acknowledged bool     `json:"acknowledged,omitempty"`
	// A finding of the application scan (package audit) says where,
	// by which rule, how much it matters and what it points at.
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Rule     string `json:"rule,omitempty"`
	Category string `json:"category,omitempty"`
	Effort   int    `json:"effort,omitempty"`
	Resource string `json:"resource,omitempty"`
}

// CostReport prices every source resource monthly at the source and at
// its destination equivalent, and the move's one-off egress (package
// cost); built by Build from the catalog (see cost.go).
type CostReport = cost.Report

// CostItem prices one resource on one side.
type CostItem = cost.Item

// Summary counts the plan.
type Summary struct {
	Prepare      map[ActionType]int
	Cutover      map[ActionType]int
	Changes      int // prepare-phase actions other than no-op
	CutoverSteps int // cutover-phase actions other than no-op
	Blockers     int
	Warnings     int
	Acknowledged int
	// Items counts the prepare phase's items by unit ("objects": 12); in
	// JSON each unit is a field of the summary.
	Items map[string]int64
	Bytes int64
	// Removals counts items rehome copied earlier that the prepare phase
	// removes because they are gone from the source.
	Removals int64
}

// summaryJSON is Summary's fixed fields in JSON.
type summaryJSON struct {
	Prepare      map[ActionType]int `json:"prepare"`
	Cutover      map[ActionType]int `json:"cutover"`
	Changes      int                `json:"changes"`
	CutoverSteps int                `json:"cutover_pending"`
	Blockers     int                `json:"blockers"`
	Warnings     int                `json:"warnings"`
	Acknowledged int                `json:"acknowledged"`
	Bytes        int64              `json:"bytes"`
	Removals     int64              `json:"removals"`
}

// MarshalJSON writes the fixed fields and one field per unit.
func (s Summary) MarshalJSON() ([]byte, error) {
	fixed, err := json.Marshal(summaryJSON{s.Prepare, s.Cutover, s.Changes, s.CutoverSteps, s.Blockers, s.Warnings,
		s.Acknowledged, s.Bytes, s.Removals})
	if err != nil || len(s.Items) == 0 {
		return fixed, err
	}
	units := make([]string, 0, len(s.Items))
	for u := range s.Items {
		units = append(units, u)
	}
	sort.Strings(units)
	out := fixed[:len(fixed)-1]
	for _, u := range units {
		k, _ := json.Marshal(u)
		out = append(out, ',')
		out = append(out, k...)
		out = append(out, fmt.Sprintf(":%d", s.Items[u])...)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON reads what MarshalJSON writes: numeric fields other than
// the fixed ones are units.
func (s *Summary) UnmarshalJSON(data []byte) error {
	var fixed summaryJSON
	if err := json.Unmarshal(data, &fixed); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*s = Summary{Prepare: fixed.Prepare, Cutover: fixed.Cutover, Changes: fixed.Changes, CutoverSteps: fixed.CutoverSteps,
		Blockers: fixed.Blockers, Warnings: fixed.Warnings, Acknowledged: fixed.Acknowledged, Bytes: fixed.Bytes, Removals: fixed.Removals}
	for k, raw := range all {
		switch k {
		case "prepare", "cutover", "changes", "cutover_pending", "blockers", "warnings", "acknowledged", "bytes", "removals":
			continue
		}
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return fmt.Errorf("summary field %q: %w", k, err)
		}
		if s.Items == nil {
			s.Items = map[string]int64{}
		}
		s.Items[k] = n
	}
	return nil
}

// EnvSummary describes one environment's discovery.
type EnvSummary struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	// ID is where the environment points (a saved plan applied after the
	// environment was pointed elsewhere is stale).
	ID        string               `json:"id"`
	Role      string               `json:"role"` // source, destination, both
	Resources []providers.Resource `json:"resources"`
}

// HasChanges reports whether the prepare phase has work.
func (p *Plan) HasChanges() bool { return p.Summary.Changes > 0 }

// Blockers returns the unacknowledged blocker findings.
func (p *Plan) Blockers() []Finding {
	var out []Finding
	for _, f := range p.Audit {
		if f.Severity == SevBlocker && !f.Acknowledged {
			out = append(out, f)
		}
	}
	return out
}
