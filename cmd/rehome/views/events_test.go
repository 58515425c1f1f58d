package views

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/planner/exec"
)

// syncBuffer is a bytes.Buffer safe for the concurrent tests (the sinks
// serialise their writes, but the test reads too).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

const media = `move.storage.assets.bucket["media"]`

func TestJSONEvents(t *testing.T) {
	t.Run("one object per line", func(t *testing.T) {
		var b bytes.Buffer
		s := NewJSONEvents(&b)
		s.Event(exec.Event{Type: exec.EvProgress, Op: "apply", Address: media, Action: "copy", Done: 1200, Total: 3000, Bytes: 12582912})
		s.Event(exec.Event{Type: exec.EvActionFail, Op: "apply", Address: media, Action: "copy", Error: "put a.jpg: 403 Forbidden"})
		s.Event(exec.Event{Type: exec.EvSummary, Op: "apply", Actions: 5, Failed: 1})
		want := `{"@level":"info","type":"progress","op":"apply","address":"move.storage.assets.bucket[\"media\"]","action":"copy","done":1200,"total":3000,"bytes":12582912}
{"@level":"error","type":"action_failed","op":"apply","address":"move.storage.assets.bucket[\"media\"]","action":"copy","error":"put a.jpg: 403 Forbidden"}
{"@level":"error","type":"summary","op":"apply","actions":5,"failed":1}
`
		if diff := cmp.Diff(want, b.String()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		var b syncBuffer
		s := NewJSONEvents(&b)
		const workers, each = 8, 200
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				addr := fmt.Sprintf(`move.storage.assets.bucket["b%d"]`, w)
				for i := range each {
					s.Event(exec.Event{Type: exec.EvProgress, Op: "apply", Address: addr, Action: "copy", Done: int64(i + 1), Total: each,
						Message: strings.Repeat("x", 100)})
				}
			})
		}
		wg.Wait()
		sc := bufio.NewScanner(strings.NewReader(b.String()))
		n := 0
		for sc.Scan() {
			n++
			var got struct {
				Level string `json:"@level"`
				exec.Event
			}
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("line %d: %v: %s", n, err, sc.Text())
			}
			if got.Level != LevelInfo || got.Type != exec.EvProgress || got.Done < 1 {
				t.Fatalf("line %d: %+v", n, got)
			}
		}
		if n != workers*each {
			t.Errorf("%d lines, want %d", n, workers*each)
		}
	})
}

func TestHumanEventsPlain(t *testing.T) {
	clock := &fakeClock{t: testTime}
	var b bytes.Buffer
	s := NewHumanEvents(&b, EventOptions{Now: clock.now}) // default interval 2s
	ev := func(e exec.Event) {
		e.Op, e.Address, e.Action, e.Unit = "apply", media, "copy", "objects"
		s.Event(e)
	}
	progress := func(done int64) {
		ev(exec.Event{Type: exec.EvProgress, Done: done, Total: 3000, Bytes: done * 10486, TotalBytes: 31457280})
	}

	ev(exec.Event{Type: exec.EvActionStart, Total: 3000, TotalBytes: 31457280})
	clock.advance(500 * time.Millisecond)
	progress(100) // within the interval of the start line: not shown
	clock.advance(1500 * time.Millisecond)
	progress(1200) // 2s after the start line: shown
	clock.advance(1900 * time.Millisecond)
	progress(2000) // 1.9s after the last line: not shown
	clock.advance(100 * time.Millisecond)
	progress(2500) // 2s: shown
	clock.advance(time.Second)
	ev(exec.Event{Type: exec.EvActionDone, Copied: 2998, AlreadyDone: 2, Bytes: 12582912})
	s.Event(exec.Event{Type: exec.EvActionStart, Op: "apply", Address: `move.dns.zones.records["shop.example.com"]`, Action: "copy", Unit: "records", Resumed: true, Total: 42, Done: 40})
	s.Event(exec.Event{Type: exec.EvMessage, Op: "apply", Message: "resuming: 1 action was interrupted"})
	s.Event(exec.Event{Type: exec.EvActionFail, Op: "apply", Address: `move.dns.zones.records["shop.example.com"]`, Action: "copy", Error: "hetzner: create record: 422 invalid TTL"})
	s.Event(exec.Event{Type: exec.EvSummary, Op: "apply", Actions: 2, Failed: 1, Copied: 2998, AlreadyDone: 2, Bytes: 12582912})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	want := `move.storage.assets.bucket["media"]: copy started (3,000 objects, 30.0 MiB)
move.storage.assets.bucket["media"]: copy 1,200/3,000 objects (40%), 12.0 MiB of 30.0 MiB
move.storage.assets.bucket["media"]: copy 2,500/3,000 objects (83%), 25.0 MiB of 30.0 MiB
move.storage.assets.bucket["media"]: copy done: 2,998 copied, 2 already done, 12.0 MiB (5s)
move.dns.zones.records["shop.example.com"]: copy resuming (42 records, 40 already done)
resuming: 1 action was interrupted
move.dns.zones.records["shop.example.com"]: copy FAILED: hetzner: create record: 422 invalid TTL
Apply failed: 1 of 2 actions failed, 2,998 items copied (12.0 MiB), 2 already done. Run ` + "`rehome apply`" + ` again to resume, or ` + "`rehome rollback`" + ` to undo.
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSummaryLine(t *testing.T) {
	s := NewHumanEvents(&bytes.Buffer{}, EventOptions{})
	for _, tc := range []struct {
		name string
		e    exec.Event
		want string
	}{
		{"apply", exec.Event{Type: exec.EvSummary, Op: "apply", Actions: 5, Copied: 3000, AlreadyDone: 12, Bytes: 12582912},
			"Apply complete: 5 actions, 3,000 items copied (12.0 MiB), 12 already done."},
		{"cutover", exec.Event{Type: exec.EvSummary, Op: "cutover", Actions: 2, Copied: 1},
			"Cutover complete: 2 actions, 1 item copied."},
		{"rollback", exec.Event{Type: exec.EvSummary, Op: "rollback", Actions: 4, Deleted: 3, Restored: 1},
			"Rollback complete: 4 actions, 3 deleted, 1 restored."},
		{"nothing", exec.Event{Type: exec.EvSummary, Op: "apply"},
			"Apply complete: 0 actions."},
		{"error", exec.Event{Type: exec.EvSummary, Op: "rollback", Actions: 1, Failed: 1, Error: "state locked"},
			"Rollback failed: state locked. 1 of 1 action failed. Fix what the errors name and run `rehome rollback` again (finished steps are not redone), or keep an item and forget it with `rehome state rm ADDR`."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.summaryLine(tc.e); got != tc.want {
				t.Errorf("\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestHumanEventsTTY(t *testing.T) {
	var b bytes.Buffer
	s := NewHumanEvents(&b, EventOptions{TTY: true, Width: 100})
	s.Event(exec.Event{Type: exec.EvActionStart, Op: "apply", Address: media, Action: "copy", TotalBytes: 31457280})
	s.Event(exec.Event{Type: exec.EvActionStart, Op: "apply", Address: "move.secrets.app.secrets", Action: "copy"}) // no total: spinner
	s.Event(exec.Event{Type: exec.EvProgress, Op: "apply", Address: "move.secrets.app.secrets", Action: "copy", Done: 1})
	first := b.String()
	if !strings.Contains(first, media) || !strings.Contains(first, "move.secrets.app.secrets") {
		t.Fatalf("want a bar per running action:\n%q", first)
	}
	s.Event(exec.Event{Type: exec.EvActionDone, Op: "apply", Address: media, Action: "copy", Copied: 3, Bytes: 31457280})
	out := b.String()[len(first):]
	if !strings.HasPrefix(out, "\x1b[2A\x1b[J") {
		t.Errorf("want the two bars erased first: %q", out)
	}
	if !strings.Contains(out, media+": copy done: 3 copied, 30.0 MiB") {
		t.Errorf("want the done line: %q", out)
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("want the done line and one bar redrawn: %q", out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line of %d runes is wider than the terminal: %q", n, line)
		}
	}
	mark := b.Len()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := b.String()[mark:]; got != "\x1b[1A\x1b[J" {
		t.Errorf("Close wrote %q, want the last bar erased", got)
	}
	mark = b.Len()
	s.Event(exec.Event{Type: exec.EvMessage, Message: "after close"})
	if got := b.String()[mark:]; got != "after close\n" {
		t.Errorf("after Close: %q", got)
	}
}

func TestHumanEventsConcurrent(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(fmt.Sprintf("tty=%v", tty), func(t *testing.T) {
			var b syncBuffer
			s := NewHumanEvents(&b, EventOptions{TTY: tty, Interval: time.Microsecond})
			const workers, each = 12, 300
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					addr := fmt.Sprintf(`move.storage.assets.bucket["b%d"]`, w)
					s.Event(exec.Event{Type: exec.EvActionStart, Op: "apply", Address: addr, Action: "copy", Total: each})
					for i := range each {
						s.Event(exec.Event{Type: exec.EvProgress, Op: "apply", Address: addr, Action: "copy", Done: int64(i + 1), Total: each, Bytes: int64(i) * 1000})
						if i%100 == 0 {
							s.Event(exec.Event{Type: exec.EvMessage, Op: "apply", Address: addr, Message: "retrying"})
						}
					}
					s.Event(exec.Event{Type: exec.EvActionDone, Op: "apply", Address: addr, Action: "copy", Copied: each})
				})
			}
			wg.Wait()
			s.Event(exec.Event{Type: exec.EvSummary, Op: "apply", Actions: workers, Copied: workers * each})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if n := strings.Count(out, ": copy done: 300 copied"); n != workers {
				t.Errorf("%d done lines, want %d", n, workers)
			}
			if !strings.HasSuffix(out, "Apply complete: 12 actions, 3,600 items copied.\n") {
				t.Errorf("want the summary last: %q", out[max(0, len(out)-200):])
			}
		})
	}
}
