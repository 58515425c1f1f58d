package views

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/rehome/rehome/planner/exec"
)

// Event levels in JSON event lines.
const (
	LevelInfo  = "info"
	LevelError = "error"
)

// jsonEvent is one JSON event line: the exec.Event fields, preceded by
// "@level".
type jsonEvent struct {
	Level string `json:"@level"`
	exec.Event
}

// jsonEvents writes one JSON object per event and line.
type jsonEvents struct {
	mu sync.Mutex
	w  io.Writer
}

// NewJSONEvents returns a sink that writes each event as one JSON object
// on its own line (JSON Lines), for `apply -json` and friends. The object
// holds exactly the exec.Event fields (empty ones omitted, as exec.Event's
// tags say) plus "@level": "error" for action_failed, for any event with
// an error, and for a summary with failed actions; "info" otherwise. No
// timestamp is added, so the output is reproducible; a consumer that wants
// one stamps lines as it reads them.
//
// The sink is safe for concurrent use; each line is written with a single
// Write call. Write errors are dropped: a reader that went away must not
// stop the operation.
func NewJSONEvents(w io.Writer) exec.Sink {
	return &jsonEvents{w: w}
}

func (s *jsonEvents) Event(e exec.Event) {
	line, err := json.Marshal(jsonEvent{Level: eventLevel(e), Event: e})
	if err != nil {
		return // exec.Event has only strings and numbers; cannot happen
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.w.Write(line)
}

func eventLevel(e exec.Event) string {
	if e.Type == exec.EvActionFail || e.Error != "" || (e.Type == exec.EvSummary && e.Failed > 0) {
		return LevelError
	}
	return LevelInfo
}
