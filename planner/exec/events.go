package exec

// EventType names an executor event.
type EventType string

const (
	EvActionStart EventType = "action_start"
	EvProgress    EventType = "progress"
	EvActionDone  EventType = "action_done"
	EvActionFail  EventType = "action_failed"
	EvMessage     EventType = "message"
	EvSummary     EventType = "summary"
)

// Event is what the executor reports to the view (progress bars on a
// terminal, JSON lines with -json). It never carries secret values.
type Event struct {
	Type    EventType `json:"type"`
	Op      string    `json:"op"` // apply, cutover, rollback
	Address string    `json:"address,omitempty"`
	Action  string    `json:"action,omitempty"`
	// Unit is what Done and Total count (objects, records, secrets, ...),
	// from the action's estimate.
	Unit string `json:"unit,omitempty"`
	// Progress counters (cumulative within the action).
	Done       int64 `json:"done,omitempty"`
	Total      int64 `json:"total,omitempty"`
	Bytes      int64 `json:"bytes,omitempty"`
	TotalBytes int64 `json:"total_bytes,omitempty"`
	Copied     int64 `json:"copied,omitempty"`
	// AlreadyDone counts items found done: verified by an earlier run, or
	// already identical at the destination.
	AlreadyDone int64  `json:"already_done,omitempty"`
	Deleted     int64  `json:"deleted,omitempty"`
	Restored    int64  `json:"restored,omitempty"`
	Retries     int64  `json:"retries,omitempty"`
	Message     string `json:"message,omitempty"`
	Error       string `json:"error,omitempty"`
	Resumed     bool   `json:"resumed,omitempty"`
	// Summary fields.
	Actions int `json:"actions,omitempty"`
	// NotRun counts actions that did not start (a dependency failed, or
	// the run was interrupted).
	NotRun int `json:"not_run,omitempty"`
	Failed int `json:"failed,omitempty"`
}

// Sink receives events; implementations must be safe for concurrent use.
type Sink interface {
	Event(Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Event calls f.
func (f SinkFunc) Event(e Event) { f(e) }
