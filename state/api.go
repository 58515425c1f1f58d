package state

import (
	"encoding/json"
	"time"
)

// FormatVersion is the current version of the state document.
const FormatVersion = 2

// Phase is where a migration stands. The engine decides which command may
// run in which phase; the state only records it.
type Phase string

const (
	// PhaseNone: nothing has been applied yet.
	PhaseNone Phase = ""
	// PhaseApplied: the prepare phase has run (at least once).
	PhaseApplied Phase = "applied"
	// PhaseCutover: the cutover phase has run; the destination may be live.
	PhaseCutover Phase = "cutover"
	// PhaseFinalized: the rollback window is closed.
	PhaseFinalized Phase = "finalized"
	// PhaseRolledBack: every applied step was undone.
	PhaseRolledBack Phase = "rolled_back"
)

// File is the state document: what rehome created or changed, and the
// journal of every action it ran. It never holds secret values.
type File struct {
	Version   int        `json:"version"`
	Lineage   string     `json:"lineage"`
	Serial    uint64     `json:"serial"`
	Migration string     `json:"migration"`
	Phase     Phase      `json:"phase"`
	Resources []Resource `json:"resources"`
	Journal   []Entry    `json:"journal"`
}

// Resource is something rehome created or changed at the destination (or,
// for recorded undoable steps such as a lowered TTL, at the source).
type Resource struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Type    string `json:"type"`
	Env     string `json:"env"`
	Name    string `json:"name"`
	// Created: rehome created it; rollback may delete it.
	Created bool `json:"created"`
	// Changed: it existed and rehome changed it; rollback restores it.
	Changed bool `json:"changed"`
	// Scope is the progress scope of the step that wrote it: undoing that
	// step accounts for the resource.
	Scope string            `json:"scope,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Status of a journal entry.
type Status string

const (
	Begun  Status = "begun"
	Done   Status = "done"
	Failed Status = "failed"
	Undone Status = "undone"
)

// Entry records one action's run. Begin is written before the action runs
// and End after it; an entry left Begun after a crash is checked and
// completed on the next run, never blindly redone or skipped.
type Entry struct {
	Seq     int       `json:"seq"`
	Op      string    `json:"op"` // apply, cutover, rollback
	Address string    `json:"address"`
	Action  string    `json:"action"`
	Phase   string    `json:"phase"`
	Status  Status    `json:"status"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Result  Result    `json:"result"`
	// Undo is what rollback needs (never secret values).
	Undo Undo `json:"undo"`
}

// Result counts what an action did.
type Result struct {
	Copied int64 `json:"copied,omitempty"`
	// AlreadyDone counts items found done: verified by an earlier run, or
	// already identical at the destination.
	AlreadyDone int64 `json:"already_done,omitempty"`
	Deleted     int64 `json:"deleted,omitempty"`
	Restored    int64 `json:"restored,omitempty"`
	Bytes       int64 `json:"bytes,omitempty"`
	// Retries counts calls repeated after a transient failure.
	Retries int64 `json:"retries,omitempty"`
	// Created: the action created its bucket or zone (rollback deletes
	// only what an entry says it created).
	Created bool   `json:"created,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Endpoint names one side of a step: an environment, a thing in it, and
// where the environment pointed (its provider's identity).
type Endpoint struct {
	Env  string `json:"env"`
	Name string `json:"name"`
	// ID is where the environment pointed when planned or applied.
	ID string `json:"id,omitempty"`
}

// Undo is what rollback needs to reverse an entry: which kind's handler,
// the step's sides, its progress scope and its typed parameters.
type Undo struct {
	Description string `json:"description"`
	// Move is the move block's address (move.storage.assets); Kind and
	// Type say which handler undoes the step.
	Move string   `json:"move,omitempty"`
	Kind string   `json:"kind,omitempty"`
	Type string   `json:"type,omitempty"`
	From Endpoint `json:"from,omitzero"`
	To   Endpoint `json:"to,omitzero"`
	// Scope is the progress scope holding the step's per-item records;
	// entries sharing one are undone together. Keys, when set, are the
	// items of the scope this step alone wrote (`state rm` forgets just
	// those).
	Scope string   `json:"scope,omitempty"`
	Keys  []string `json:"keys,omitempty"`
	// Params are the kind's typed parameters, as the plan carried them.
	Params json.RawMessage `json:"params,omitempty"`
	// Batch is the sequence number the run that wrote the entry started
	// at, and Order the action's position in its plan: rollback undoes
	// the newest run first and, within a run, the plan's order backwards,
	// so its order does not depend on which parallel action finished
	// first and the plan can show it in advance.
	Batch int `json:"batch,omitempty"`
	Order int `json:"order,omitempty"`
}

// LockInfo describes who holds the state lock.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	Who       string    `json:"who"` // user@host
	PID       int       `json:"pid"`
	Created   time.Time `json:"created"`
	Version   string    `json:"version"`
}
