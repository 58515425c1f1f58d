package queue

import (
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/providers"
)

// Kind is the queue kind.
const Kind = providers.KindQueue

// Defaults of a queue move.
const (
	defaultDrainTimeout = 15 * time.Minute
	// defaultHold is how long the drain hides what it received at the
	// source: far longer than a batch takes, so no message is delivered to
	// anyone else while rehome has it, and short enough that a crashed
	// drain's messages come back by themselves where their receipts
	// cannot be released.
	defaultHold = 5 * time.Minute
)

// Settings are a queue move's own arguments.
type Settings struct {
	// Queues names the source queues exactly; when empty, Include and
	// Exclude select among the listed ones.
	Queues           []string
	Include, Exclude []string
	Rename           map[string]string // source queue -> destination queue
	// Drain: the cutover moves the messages left at the source.
	Drain        bool
	DrainTimeout time.Duration
}

func settings(m *lang.Move) *Settings {
	if s, ok := m.Settings.(*Settings); ok && s != nil {
		return s
	}
	return &Settings{Drain: true, DrainTimeout: defaultDrainTimeout}
}

// Mover is the queue kind: queues and the messages left in them.
type Mover struct{}

// New returns the queue mover.
func New() Mover { return Mover{} }

var _ movers.Mover = Mover{}

// Kind returns "queue".
func (Mover) Kind() providers.Kind { return Kind }

// Description says what the kind moves.
func (Mover) Description() string {
	return "queues with their settings mapped (visibility, retention, dead letters, FIFO), and at cutover the messages left in them, drained with confirms"
}

// Unit is what the kind counts.
func (Mover) Unit() string { return "messages" }

// MoveSchema lists a queue move's arguments.
func (Mover) MoveSchema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "queues", Type: cty.List(cty.String), Description: "source queue names (or use include/exclude)"},
		{Name: "include", Type: cty.List(cty.String), Description: "globs over source queue names (default: all)"},
		{Name: "exclude", Type: cty.List(cty.String), Description: "globs over source queue names to leave out"},
		{Name: "rename", Type: cty.Map(cty.String), Description: "source queue name to destination queue name"},
		{Name: "drain", Type: cty.Bool, Description: "move the messages left at the source at cutover (default true)"},
		{Name: "drain_timeout", Type: cty.String, Description: `how long the drain waits for in-flight and delayed messages (default "15m")`},
	}}
}

// DecodeMove checks a queue move's arguments.
func (Mover) DecodeMove(a *lang.MoveArgs) any {
	s := &Settings{Drain: true, DrainTimeout: defaultDrainTimeout}
	s.Include, s.Exclude = a.Globs("include"), a.Globs("exclude")
	if qs, ok := a.Strings("queues"); ok {
		s.Queues = qs
		if a.Has("include") || a.Has("exclude") {
			a.Errorf(a.Range("queues"), "Conflicting queue selection",
				"Name the queues with queues = [...] or select them with include/exclude globs, not both.")
		}
		seen := map[string]bool{}
		for i, q := range qs {
			if q == "" || seen[q] {
				a.Errorf(a.ElementRange("queues", i), "Invalid queue name", "Queue names in queues must be non-empty and distinct; %q is not.", q)
			}
			seen[q] = true
		}
	}
	if rn, ok := a.StringMap("rename"); ok {
		s.Rename = rn
		for from, to := range rn {
			if from == "" || to == "" {
				a.Errorf(a.Range("rename"), "Invalid rename",
					"rename maps source queue names to destination queue names; neither may be empty.")
				break
			}
		}
	}
	if v, ok := a.Bool("drain"); ok {
		s.Drain = v
	}
	if v, ok := a.String("drain_timeout"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 24*time.Hour {
			a.Errorf(a.Range("drain_timeout"), "Invalid drain_timeout",
				"drain_timeout is a duration above 0 and at most 24h, such as \"15m\", not %q.", v)
		} else {
			s.DrainTimeout = d
		}
	}
	return s
}

// Features describes a provider's queue capabilities.
func (Mover) Features(c providers.Caps) string {
	q := c.Queue
	text := movers.Features(
		movers.Feature{Name: "FIFO", OK: q.FIFO}, movers.Feature{Name: "dead letters", OK: q.DeadLetter},
		movers.Feature{Name: "delay seconds", OK: q.DelaySeconds}, movers.Feature{Name: "deduplication", OK: q.Dedup},
		movers.Feature{Name: "message drain", OK: q.Messages}, movers.Feature{Name: "listing", OK: q.List},
	)
	if q.MaxMessageBytes > 0 {
		text += "; max message " + format.Bytes(int64(q.MaxMessageBytes))
	}
	return text
}

// duration shows a duration the way people write it: 4d, 30s, 1h30m.
func duration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	for _, z := range []string{"m0s", "h0m"} {
		if len(s) > len(z) && s[len(s)-len(z):] == z {
			s = s[:len(s)-len(z)+1]
		}
	}
	return s
}
