package queue_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/queue"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
)

// limited declares environment name on a memory provider whose queue
// capabilities are changed by edit (another platform's, for the planner).
func limited(h *movertest.Harness, name string, edit func(*providers.QueueCaps)) *memory.Provider {
	f := h.Store.Factory()
	f.Name = "memory-" + name
	edit(&f.Caps.Queue)
	h.Reg = providers.NewRegistry(h.Store.Factory(), local.Factory(), f)
	p := h.Mem(name)
	h.Envs[name].Provider = f.Name
	return p
}

func TestPlanFindings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		settings queue.Settings
		setup    func(h *movertest.Harness, src, dst *memory.Provider)
		dstCaps  func(*providers.QueueCaps)
		want     []movertest.Finding
		actions  []string
	}{
		{name: "dead-letter queues move with their queues, first",
			settings: queue.Settings{Include: []string{"jobs", "orders.fifo"}, Drain: true},
			want: []movertest.Finding{
				{Code: "queue.dlq_included", Severity: planner.SevInfo, Address: `move.queue.q.queue["jobs-dlq"]`},
				{Code: "queue.dlq_included", Severity: planner.SevInfo, Address: `move.queue.q.queue["orders-dlq.fifo"]`}},
			actions: []string{`queue["jobs-dlq"] create`, `drain["jobs-dlq"] sync`, `queue["orders-dlq.fifo"] create`, `drain["orders-dlq.fifo"] sync`,
				`queue["jobs"] create`, `drain["jobs"] sync`, `queue["orders.fifo"] create`, `drain["orders.fifo"] sync`}},
		{name: "a destination queue with other settings is a blocker, not an overwrite",
			settings: queue.Settings{Queues: []string{"jobs-dlq"}, Drain: false},
			setup: func(h *movertest.Harness, src, dst *memory.Provider) {
				if _, err := dst.SQS().CreateQueue(ctx, "jobs-dlq", map[string]string{"VisibilityTimeout": "5"}, nil); err != nil {
					t.Fatal(err)
				}
			},
			want: []movertest.Finding{
				{Code: "queue.dest_mismatch", Severity: planner.SevBlocker, Address: `move.queue.q.queue["jobs-dlq"]`},
				{Code: "queue.dest_exists", Severity: planner.SevInfo, Address: `move.queue.q.queue["jobs-dlq"]`}},
			actions: []string{`queue["jobs-dlq"] no-op`}},
		{name: "an equal destination queue is used, not claimed",
			settings: queue.Settings{Queues: []string{"jobs-dlq"}, Drain: true},
			setup: func(h *movertest.Harness, src, dst *memory.Provider) {
				if _, err := dst.SQS().CreateQueue(ctx, "jobs-dlq", map[string]string{"MessageRetentionPeriod": "1209600"}, map[string]string{"team": "shop"}); err != nil {
					t.Fatal(err)
				}
			},
			want:    []movertest.Finding{{Code: "queue.dest_exists", Severity: planner.SevInfo, Address: `move.queue.q.queue["jobs-dlq"]`}},
			actions: []string{`queue["jobs-dlq"] no-op`, `drain["jobs-dlq"] sync`}},
		{name: "a named queue that does not exist",
			settings: queue.Settings{Queues: []string{"nope"}, Drain: true},
			want:     []movertest.Finding{{Code: "queue.source_missing", Severity: planner.SevBlocker, Address: `move.queue.q.queue["nope"]`}}},
		{name: "an excluded dead-letter queue",
			settings: queue.Settings{Include: []string{"jobs*"}, Exclude: []string{"*-dlq"}, Drain: true},
			want:     []movertest.Finding{{Code: "queue.dlq_excluded", Severity: planner.SevBlocker, Address: `move.queue.q.queue["jobs"]`}},
			actions:  []string{`queue["jobs"] create`, `drain["jobs"] sync`}},
		{name: "two queues renamed to one",
			settings: queue.Settings{Queues: []string{"jobs-dlq", "orders-dlq.fifo"}, Rename: map[string]string{"orders-dlq.fifo": "jobs-dlq", "ghost": "x"}},
			want: []movertest.Finding{
				{Code: "queue.name_collision", Severity: planner.SevBlocker, Address: `move.queue.q.queue["orders-dlq.fifo"]`},
				{Code: "queue.rename_unused", Severity: planner.SevWarning, Address: "move.queue.q"}},
			actions: []string{`queue["jobs-dlq"] create`}},
		{name: "a destination that cannot take drained messages, without delays or deduplication",
			settings: queue.Settings{Queues: []string{"orders.fifo"}, Drain: true},
			dstCaps:  func(c *providers.QueueCaps) { c.Messages, c.DelaySeconds, c.Dedup = false, false, false },
			want: []movertest.Finding{
				{Code: "queue.no_drain", Severity: planner.SevBlocker, Address: "move.queue.q"},
				{Code: "queue.message_timers", Severity: planner.SevWarning, Address: "move.queue.q"},
				{Code: "queue.no_dedup", Severity: planner.SevWarning, Address: `move.queue.q.queue["orders-dlq.fifo"]`},
				{Code: "queue.no_dedup", Severity: planner.SevWarning, Address: `move.queue.q.queue["orders.fifo"]`},
				{Code: "queue.dlq_included", Severity: planner.SevInfo, Address: `move.queue.q.queue["orders-dlq.fifo"]`}},
			actions: []string{`queue["orders-dlq.fifo"] create`, `drain["orders-dlq.fifo"] sync`, `queue["orders.fifo"] create`, `drain["orders.fifo"] sync`}},
		{name: "delayed messages at the source",
			settings: queue.Settings{Queues: []string{"jobs-dlq"}, Drain: true},
			setup: func(h *movertest.Harness, src, dst *memory.Provider) {
				u, _ := src.SQS().GetQueueURL(ctx, "jobs-dlq")
				d := 600
				if _, err := src.SQS().SendMessage(ctx, memory.SendMessageInput{QueueURL: u, MessageBody: "later", DelaySeconds: &d}); err != nil {
					t.Fatal(err)
				}
			},
			want:    []movertest.Finding{{Code: "queue.delayed_messages", Severity: planner.SevInfo, Address: `move.queue.q.queue["jobs-dlq"]`}},
			actions: []string{`queue["jobs-dlq"] create`, `drain["jobs-dlq"] sync`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := movertest.New(t)
			src := h.Mem("old")
			var dst *memory.Provider
			if tc.dstCaps != nil {
				dst = limited(h, "new", tc.dstCaps)
			} else {
				dst = h.Mem("new")
			}
			seedSQS(t, src, 3)
			if tc.setup != nil {
				tc.setup(h, src, dst)
			}
			s := tc.settings
			s.DrainTimeout = time.Minute
			p := h.Plan(h.Config(queueMove(&s)))
			if d := cmp.Diff(tc.want, movertest.Findings(p)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			var acts []string
			for _, a := range p.Actions {
				acts = append(acts, a.Address[len("move.queue.q."):]+" "+string(a.Action))
			}
			if d := cmp.Diff(tc.actions, acts); d != "" {
				t.Errorf("actions (-want +got):\n%s", d)
			}
		})
	}
}

// TestPlanShowsMappingAndUndo checks what a reviewer reads: the mapped
// settings as options, dead-letter queues created before the queues that
// use them, a dead-letter queue drained after them, and the drain's undo.
func TestPlanShowsMappingAndUndo(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	seedSQS(t, h.Mem("old"), 5)
	h.Mem("new")
	p := h.Plan(h.Config(queueMove(&queue.Settings{Queues: []string{"jobs"}, Drain: true, DrainTimeout: time.Minute})))
	create := movertest.ActionAt(t, p, `move.queue.q.queue["jobs"]`)
	if !slices.Contains(create.DependsOn, `move.queue.q.queue["jobs-dlq"]`) {
		t.Errorf("the queue does not wait for its dead-letter queue: %v", create.DependsOn)
	}
	opts := map[string]string{}
	for _, o := range create.Options {
		opts[o.Name] = o.Value
	}
	for k, want := range map[string]string{"VisibilityTimeout": "45  (visibility timeout)", "MessageRetentionPeriod": "86400  (retention)"} {
		if opts[k] != want {
			t.Errorf("option %s = %q, want %q", k, opts[k], want)
		}
	}
	drain := movertest.ActionAt(t, p, `move.queue.q.drain["jobs"]`)
	if drain.Phase != planner.PhaseCutover || drain.Estimate.Items != 5 || drain.Estimate.Unit != "messages" {
		t.Errorf("drain: %+v", drain)
	}
	dlqDrain := movertest.ActionAt(t, p, `move.queue.q.drain["jobs-dlq"]`)
	if !slices.Contains(dlqDrain.DependsOn, `move.queue.q.drain["jobs"]`) {
		t.Errorf("the dead-letter queue is drained before the queue sending to it: %v", dlqDrain.DependsOn)
	}
	if want := `move every message in "jobs" at new back to "jobs" at old`; len(drain.Undo) < len(want) || drain.Undo[:len(want)] != want {
		t.Errorf("drain undo: %q", drain.Undo)
	}
	if p.Summary.Items["messages"] != 0 || p.Summary.Changes != 2 {
		t.Errorf("summary: %+v (the prepare phase creates two queues and moves no messages)", p.Summary)
	}
}

func TestDecodeMove(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       *queue.Settings
		diag       string
	}{
		{name: "defaults", body: `queues = ["a"]`, want: &queue.Settings{Queues: []string{"a"}, Drain: true, DrainTimeout: 15 * time.Minute}},
		{name: "all", body: "include = [\"a*\"]\nexclude = [\"*-tmp\"]\nrename = { a = \"b\" }\ndrain = false\ndrain_timeout = \"90s\"",
			want: &queue.Settings{Include: []string{"a*"}, Exclude: []string{"*-tmp"}, Rename: map[string]string{"a": "b"}, DrainTimeout: 90 * time.Second}},
		{name: "queues and globs", body: "queues = [\"a\"]\ninclude = [\"b*\"]", diag: "Conflicting queue selection"},
		{name: "repeated queue", body: `queues = ["a", "a"]`, diag: "Invalid queue name"},
		{name: "bad timeout", body: `drain_timeout = "soon"`, diag: "Invalid drain_timeout"},
		{name: "empty rename", body: `rename = { a = "" }`, diag: "Invalid rename"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := movertest.New(t)
			hcl := "migration \"m\" {}\nenvironment \"old\" {\n  provider = \"memory\"\n  name = \"old\"\n}\nenvironment \"new\" {\n  provider = \"memory\"\n  name = \"new\"\n}\n" +
				"move \"queue\" \"q\" {\n  from = environment.old\n  to = environment.new\n" + tc.body + "\n}\n"
			if err := os.WriteFile(filepath.Join(h.Dir, "main.hcl"), []byte(hcl), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := lang.Load(h.Dir, lang.Options{Registry: h.Reg, Kinds: builtin.Registry()})
			if tc.diag != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.diag) {
					t.Errorf("diagnostics %q, want %q", diags.Error(), tc.diag)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if d := cmp.Diff(tc.want, cfg.Moves[0].Settings); d != "" {
				t.Errorf("settings (-want +got):\n%s", d)
			}
		})
	}
}
