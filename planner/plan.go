package planner

import (
	"time"

	"github.com/rehome/rehome/providers"
)

// FormatVersion is the version of the plan document (saved plan files and
// the JSON rendering). Bump the minor version for additions, the major for
// incompatible changes.
const FormatVersion = "1.0"

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

	Actions []Action   `json:"actions"`
	Audit   []Finding  `json:"audit"`
	Cost    CostReport `json:"cost"`
	Summary Summary    `json:"summary"`
	// Environments lists what discovery saw, for `show` and the cost report.
	Environments []EnvSummary `json:"environments"`
}

// Endpoint names one side of an action.
type Endpoint struct {
	Env  string `json:"env"`
	Name string `json:"name"`
	// ID is where the environment pointed when planned (Env.ID).
	ID string `json:"id,omitempty"`
}

// Action is one step of the plan. It is plain data: the executor dispatches
// on Kind and Action and reads its parameters from From, To and Params.
type Action struct {
	Address   string         `json:"address"`
	Move      string         `json:"move"`
	Kind      providers.Kind `json:"kind"`
	Type      string         `json:"type"` // bucket, zone, secrets
	Action    ActionType     `json:"action"`
	Phase     Phase          `json:"phase"`
	DependsOn []string       `json:"depends_on"`
	From      Endpoint       `json:"from"`
	To        Endpoint       `json:"to"`
	Reason    string         `json:"reason,omitempty"`
	Estimate  Estimate       `json:"estimate"`
	Check     string         `json:"check"`
	Undo      string         `json:"undo"`
	// Irreversible is set when the undo cannot fully restore (an
	// overwrite of an unversioned secret); Undo says what is lost.
	Irreversible bool `json:"irreversible,omitempty"`
	// Params are the executor's inputs (verify mode, TTL, overwrite).
	Params map[string]string `json:"params,omitempty"`
	// Items are the names handled inside the action where they are few
	// and not sensitive (secret names, record set keys); large copies
	// report counts in Estimate instead.
	Items []string `json:"items,omitempty"`
	// Skipped lists items left out because an acknowledged finding's
	// remedy says so.
	Skipped []string `json:"skipped,omitempty"`
}

// Estimate sizes an action.
type Estimate struct {
	Objects int64 `json:"objects,omitempty"`
	Bytes   int64 `json:"bytes,omitempty"`
	Records int64 `json:"records,omitempty"`
	Rows    int64 `json:"rows,omitempty"`
	Secrets int64 `json:"secrets,omitempty"`
	// Removals counts items rehome copied earlier that are gone from the
	// source and are removed from the destination (never foreign items).
	Removals int64   `json:"removals,omitempty"`
	Seconds  float64 `json:"seconds,omitempty"`
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
}

// CostReport prices source and destination monthly; empty until a catalog
// is wired in.
type CostReport struct {
	Currency    string     `json:"currency,omitempty"`
	CatalogDate string     `json:"catalog_date,omitempty"`
	Items       []CostItem `json:"items"`
	SourceTotal float64    `json:"source_monthly_total,omitempty"`
	DestTotal   float64    `json:"destination_monthly_total,omitempty"`
}

// CostItem prices one resource.
type CostItem struct {
	Address  string  `json:"address"`
	Env      string  `json:"env"`
	Resource string  `json:"resource"`
	Monthly  float64 `json:"monthly"`
	Basis    string  `json:"basis"`
}

// Summary counts the plan.
type Summary struct {
	Prepare      map[ActionType]int `json:"prepare"`
	Cutover      map[ActionType]int `json:"cutover"`
	Changes      int                `json:"changes"`         // prepare-phase actions other than no-op
	CutoverSteps int                `json:"cutover_pending"` // cutover-phase actions other than no-op
	Blockers     int                `json:"blockers"`
	Warnings     int                `json:"warnings"`
	Acknowledged int                `json:"acknowledged"`
	Objects      int64              `json:"objects"`
	Bytes        int64              `json:"bytes"`
	Records      int64              `json:"records"`
	Secrets      int64              `json:"secrets"`
	// Removals counts items rehome copied earlier that the prepare phase
	// removes because they are gone from the source.
	Removals int64 `json:"removals"`
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
