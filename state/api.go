package state

import (
	"time"
)

// FormatVersion is the current version of the state document.
const FormatVersion = 1

// File is the state document: what rehome created or changed, and the
// journal of every action it ran. It never holds secret values.
type File struct {
	Version   int    `json:"version"`
	Lineage   string `json:"lineage"`
	Serial    uint64 `json:"serial"`
	Migration string `json:"migration"`
	// Phase is "" (nothing applied), "applied", "cutover" or "finalized".
	Phase     string     `json:"phase"`
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
	Changed bool              `json:"changed"`
	Attrs   map[string]string `json:"attrs,omitempty"`
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
	// Undo is what rollback needs: a description and the parameters its
	// handler reads (never secret values).
	Undo Undo `json:"undo"`
}

// Result counts what an action did.
type Result struct {
	Copied   int64 `json:"copied,omitempty"`
	Skipped  int64 `json:"skipped,omitempty"`
	Deleted  int64 `json:"deleted,omitempty"`
	Restored int64 `json:"restored,omitempty"`
	Bytes    int64 `json:"bytes,omitempty"`
	// Created: the action created its bucket or zone (rollback deletes
	// only what an entry says it created).
	Created bool   `json:"created,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Undo describes how to reverse an entry.
type Undo struct {
	Description string            `json:"description"`
	Params      map[string]string `json:"params,omitempty"`
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
