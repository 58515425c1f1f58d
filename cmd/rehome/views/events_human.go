package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rehome/rehome/planner/exec"
)

// EventOptions configures NewHumanEvents.
type EventOptions struct {
	// TTY: the writer is an interactive terminal; running actions get live
	// progress bars. Otherwise (CI logs, pipes) progress is written as
	// plain lines, at most one per Interval per action.
	TTY bool
	// Color turns on ANSI colours.
	Color bool
	// Interval between plain progress lines of one action; default 2s.
	Interval time.Duration
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
	// Width is the terminal width for progress bars; 0 asks the terminal
	// when the writer is one, else assumes 80.
	Width int
}

const (
	defaultInterval = 2 * time.Second
	// barRedraw is the least time between two redraws of the bars for
	// progress events (starts, ends and messages redraw at once).
	barRedraw = 100 * time.Millisecond
	// maxBars is the most bars shown at once; more running actions are
	// counted on one line, so the live area never outgrows the screen.
	maxBars = 8
)

// HumanEvents renders executor events for people. It implements exec.Sink
// and io.Closer and is safe for concurrent use. Call Close when the
// operation ends, to take the live progress bars off the terminal.
type HumanEvents struct {
	mu      sync.Mutex
	w       io.Writer
	o       EventOptions
	paint   painter
	width   int
	running map[string]*running // by address
	order   []string            // running addresses, in start order
	drawn   int                 // lines of the live area now on screen
	drawnAt time.Time
	closed  bool
}

// running is one action in progress.
type running struct {
	action  string
	unit    string
	started time.Time
	printed time.Time // last plain progress line
	bar     *progressbar.ProgressBar
	barMax  int64
	barMode barMode
}

type barMode int

const (
	barSpinner barMode = iota // no total known
	barCount
	barBytes
)

// NewHumanEvents returns a sink that writes events for people.
//
// Every action's end is one line: "ADDRESS: copy done: 2,998 copied, 2
// already done, 12.0 MiB (12s)" or "ADDRESS: copy FAILED: error". Message
// events are printed as they are (after "ADDRESS: " when they name one)
// and the summary event closes the run: "Apply complete: 5 actions, 3,000
// items copied (12.0 MiB), 12 already done."
//
// With o.TTY, each running action shows a progress bar (bytes when the
// event carries total_bytes, else item counts; a spinner when neither is
// known), redrawn in place below the finished lines. Without it, each
// action gets a start line and a progress line at most every o.Interval:
// "ADDRESS: copy 1,200/3,000 objects (40%), 12.0 MiB".
func NewHumanEvents(w io.Writer, o EventOptions) *HumanEvents {
	if o.Interval <= 0 {
		o.Interval = defaultInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	width := o.Width
	if width <= 0 && o.TTY {
		if f, ok := w.(interface{ Fd() uintptr }); ok {
			if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
				width = cols
			}
		}
	}
	if width <= 0 {
		width = 80
	}
	return &HumanEvents{w: w, o: o, paint: painter(o.Color), width: width, running: map[string]*running{}}
}

var _ exec.Sink = (*HumanEvents)(nil)
var _ io.Closer = (*HumanEvents)(nil)

// Event renders one event.
func (s *HumanEvents) Event(e exec.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	bars := s.o.TTY && !s.closed
	var out bytes.Buffer // permanent lines
	redraw := true

	switch e.Type {
	case exec.EvActionStart:
		r := s.start(e, now)
		if bars {
			s.updateBar(r, e)
		} else {
			out.WriteString(s.startLine(e, r) + "\n")
		}
	case exec.EvProgress:
		r := s.running[e.Address]
		if r == nil {
			r = s.start(e, now)
			r.printed = time.Time{}
		}
		if bars {
			s.updateBar(r, e)
			redraw = now.Sub(s.drawnAt) >= barRedraw
		} else if r.printed.IsZero() || now.Sub(r.printed) >= s.o.Interval {
			out.WriteString(s.progressLine(e, r) + "\n")
			r.printed = now
		}
	case exec.EvActionDone, exec.EvActionFail:
		r := s.running[e.Address]
		s.finish(e.Address)
		out.WriteString(s.endLine(e, r, now) + "\n")
	case exec.EvMessage:
		out.WriteString(messageLine(e) + "\n")
	case exec.EvSummary:
		out.WriteString(s.summaryLine(e) + "\n")
	default:
		if e.Message != "" {
			out.WriteString(messageLine(e) + "\n")
		} else {
			return
		}
	}

	if !bars {
		if out.Len() > 0 {
			_, _ = s.w.Write(out.Bytes())
		}
		return
	}
	if out.Len() == 0 && !redraw {
		return
	}
	var b bytes.Buffer
	s.erase(&b)
	b.Write(out.Bytes())
	s.draw(&b, now)
	_, _ = s.w.Write(b.Bytes())
}

// Close takes the progress bars off the terminal. Later events are still
// written, as lines without bars. Close always returns nil.
func (s *HumanEvents) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var b bytes.Buffer
	s.erase(&b)
	if b.Len() > 0 {
		_, _ = s.w.Write(b.Bytes())
	}
	for _, r := range s.running {
		r.bar = nil
	}
	return nil
}

func (s *HumanEvents) start(e exec.Event, now time.Time) *running {
	r := s.running[e.Address]
	if r == nil {
		r = &running{}
		s.running[e.Address] = r
		s.order = append(s.order, e.Address)
	}
	r.action, r.unit, r.started, r.printed = e.Action, orText(e.Unit, "items"), now, now
	return r
}

func (s *HumanEvents) finish(addr string) {
	delete(s.running, addr)
	for i, a := range s.order {
		if a == addr {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

// updateBar creates the action's bar, or a new one when the event brings
// a different kind of total, and sets it to the event's counters.
func (s *HumanEvents) updateBar(r *running, e exec.Event) {
	mode, max, val := barCount, e.Total, e.Done
	switch {
	case e.TotalBytes > 0:
		mode, max, val = barBytes, e.TotalBytes, e.Bytes
	case e.Total <= 0:
		mode, max = barSpinner, -1
		if e.Bytes > 0 {
			val = e.Bytes
		}
	}
	if r.bar == nil || r.barMode != mode || r.barMax != max {
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(io.Discard), // drawn by s.draw
			progressbar.OptionSetWidth(20),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetSpinnerChangeInterval(0), // no ticker goroutine
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionUseIECUnits(true),
		}
		if mode == barBytes {
			opts = append(opts, progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionSetItsString(r.unit), progressbar.OptionShowIts())
		}
		r.bar = progressbar.NewOptions64(max, opts...)
		r.barMode, r.barMax = mode, max
	}
	if mode != barSpinner && val > max {
		val = max
	}
	_ = r.bar.Set64(val) // renders, and so turns a spinner, even when val is unchanged
}

// erase moves the cursor up over the live area and clears it.
func (s *HumanEvents) erase(b *bytes.Buffer) {
	if s.drawn > 0 {
		fmt.Fprintf(b, "\x1b[%dA\x1b[J", s.drawn)
		s.drawn = 0
	}
}

// draw writes the live area: one bar per running action, oldest first,
// each after its address (padded so the bars line up).
func (s *HumanEvents) draw(b *bytes.Buffer, now time.Time) {
	s.drawnAt = now
	pad := 0
	for _, addr := range s.order {
		pad = max(pad, utf8.RuneCountInString(addr))
	}
	pad = min(pad, s.width/2)
	shown := 0
	for _, addr := range s.order {
		r := s.running[addr]
		if r == nil || r.bar == nil {
			continue
		}
		if shown == maxBars {
			break
		}
		bar := strings.TrimRight(strings.TrimLeft(r.bar.String(), "\r"), " ")
		line := truncate(addr, pad)
		line += strings.Repeat(" ", pad-utf8.RuneCountInString(line)) + " " + bar
		b.WriteString(truncate(line, s.width-1) + "\n")
		shown++
		s.drawn++
	}
	if more := len(s.order) - shown; shown == maxBars && more > 0 {
		fmt.Fprintf(b, "… and %d more running\n", more)
		s.drawn++
	}
}

// truncate cuts s to n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (s *HumanEvents) startLine(e exec.Event, r *running) string {
	verb := "started"
	if e.Resumed {
		verb = "resuming"
	}
	line := fmt.Sprintf("%s: %s %s", e.Address, e.Action, verb)
	var size []string
	if e.Total > 0 {
		size = append(size, HumanCount(e.Total)+" "+singular(r.unit, e.Total))
	}
	if e.TotalBytes > 0 {
		size = append(size, HumanBytes(e.TotalBytes))
	}
	if e.Resumed && (e.Done > 0 || e.AlreadyDone > 0) {
		size = append(size, HumanCount(max(e.Done, e.AlreadyDone))+" already done")
	}
	if len(size) > 0 {
		line += " (" + strings.Join(size, ", ") + ")"
	}
	return line
}

// progressLine is "ADDR: copy 1,200/3,000 objects (40%), 12.0 MiB".
func (s *HumanEvents) progressLine(e exec.Event, r *running) string {
	action := e.Action
	if action == "" {
		action = r.action
	}
	line := fmt.Sprintf("%s: %s ", e.Address, action)
	pct := -1.0
	if e.Total > 0 {
		line += fmt.Sprintf("%s/%s %s", HumanCount(e.Done), HumanCount(e.Total), r.unit)
		pct = float64(e.Done) / float64(e.Total) * 100
	} else {
		line += HumanCount(e.Done) + " " + r.unit
	}
	if pct < 0 && e.TotalBytes > 0 {
		pct = float64(e.Bytes) / float64(e.TotalBytes) * 100
	}
	if pct >= 0 {
		line += fmt.Sprintf(" (%.0f%%)", pct)
	}
	switch {
	case e.TotalBytes > 0:
		line += fmt.Sprintf(", %s of %s", HumanBytes(e.Bytes), HumanBytes(e.TotalBytes))
	case e.Bytes > 0:
		line += ", " + HumanBytes(e.Bytes)
	}
	return line
}

// endLine is "ADDR: copy done: 2,998 copied, 2 already done, 12.0 MiB
// (12s)" or "ADDR: copy FAILED: error".
func (s *HumanEvents) endLine(e exec.Event, r *running, now time.Time) string {
	action := e.Action
	if action == "" && r != nil {
		action = r.action
	}
	head := e.Address + ": " + action
	if e.Type == exec.EvActionFail {
		msg := orText(e.Error, orText(e.Message, "unknown error"))
		return s.paint.red(head+" FAILED") + ": " + msg
	}
	line := head + " " + s.paint.green("done")
	if parts := resultParts(e); len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	if r != nil {
		line += " (" + humanDuration(now.Sub(r.started).Seconds()) + ")"
	}
	if e.Message != "" {
		line += "; " + e.Message // what the step kept or could not undo
	}
	return line
}

// resultParts lists an action's counters: "2,998 copied", "2 already
// done", "12.0 MiB".
func resultParts(e exec.Event) []string {
	var parts []string
	if e.Copied > 0 {
		parts = append(parts, HumanCount(e.Copied)+" copied")
	}
	parts = append(parts, doneParts(e)...)
	if e.Bytes > 0 {
		parts = append(parts, HumanBytes(e.Bytes))
	}
	return append(parts, retryParts(e)...)
}

// doneParts are "2 already done", "3 deleted", "1 restored".
func doneParts(e exec.Event) []string {
	var parts []string
	if e.AlreadyDone > 0 {
		parts = append(parts, HumanCount(e.AlreadyDone)+" already done")
	}
	if e.Deleted > 0 {
		parts = append(parts, HumanCount(e.Deleted)+" deleted")
	}
	if e.Restored > 0 {
		parts = append(parts, HumanCount(e.Restored)+" restored")
	}
	return parts
}

// retryParts is "4 calls retried".
func retryParts(e exec.Event) []string {
	if e.Retries > 0 {
		return []string{countNoun(e.Retries, "call retried", "calls retried")}
	}
	return nil
}

func messageLine(e exec.Event) string {
	line := e.Message
	if e.Address != "" {
		line = e.Address + ": " + line
	}
	if e.Error != "" {
		line += ": " + e.Error
	}
	return line
}

// summaryLine closes a run: "Apply complete: 5 actions, 3,000 items copied
// (12.0 MiB), 12 already done." or "Apply failed: 1 of 5 actions failed, …".
func (s *HumanEvents) summaryLine(e exec.Event) string {
	op := opTitle(e.Op)
	var parts []string
	if e.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d %s failed", e.Failed, e.Actions, plural(e.Actions, "action", "actions")))
	} else {
		parts = append(parts, fmt.Sprintf("%d %s", e.Actions, plural(e.Actions, "action", "actions")))
	}
	if e.Copied > 0 {
		p := countNoun(e.Copied, "item", "items") + " copied"
		if e.Bytes > 0 {
			p += " (" + HumanBytes(e.Bytes) + ")"
		}
		parts = append(parts, p)
	} else if e.Bytes > 0 {
		parts = append(parts, HumanBytes(e.Bytes))
	}
	parts = append(parts, doneParts(e)...)
	parts = append(parts, retryParts(e)...)
	if e.NotRun > 0 {
		parts = append(parts, fmt.Sprintf("%d %s not run", e.NotRun, plural(e.NotRun, "action", "actions")))
	}
	body := strings.Join(parts, ", ") + "."
	if e.Failed > 0 || e.NotRun > 0 || e.Error != "" {
		line := s.paint.red(s.paint.bold(op+" failed")) + ": " + body
		if e.Error != "" {
			line = s.paint.red(s.paint.bold(op+" failed")) + ": " + e.Error + ". " + body
		}
		if hint := retryHint(e.Op); hint != "" {
			line += " " + hint
		}
		return line
	}
	if e.Message != "" {
		body += " " + e.Message
	}
	return s.paint.bold(op+" complete") + ": " + body
}

// opTitle is the verb of a summary line: "Apply", "Cutover", "Rollback".
func opTitle(op string) string {
	if op == "" {
		return "Run"
	}
	return capitalize(op)
}

func retryHint(op string) string {
	switch op {
	case "apply", "cutover":
		return fmt.Sprintf("Run `rehome %s` again to resume, or `rehome rollback` to undo.", op)
	case "rollback":
		return "Fix what the errors name and run `rehome rollback` again (finished steps are not redone), or keep an item and forget it with `rehome state rm ADDR`."
	}
	return ""
}

// singular drops the plural "s" of a unit for a count of one.
func singular(unit string, n int64) string {
	if n == 1 {
		return strings.TrimSuffix(unit, "s")
	}
	return unit
}
