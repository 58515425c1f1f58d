package queue

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/providers/nats"
	"github.com/rehome/rehome/providers/rabbitmq"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestMappingGolden renders, for each destination, how it holds the
// queues of an SQS account: the settings the plan shows as a queue's
// options and the gaps it turns into findings.
func TestMappingGolden(t *testing.T) {
	t.Parallel()
	specs := []providers.QueueSpec{
		{Name: "jobs", VisibilityTimeout: 45 * time.Second, Retention: 4 * 24 * time.Hour, MaxMessageBytes: 256 << 10,
			DeadLetter: "jobs-dlq", MaxReceives: 5, Delay: 10 * time.Second, Tags: map[string]string{"team": "shop"},
			Attrs: map[string]string{"KmsMasterKeyId": "alias/aws/sqs"}},
		{Name: "orders.fifo", FIFO: true, ContentDedup: true, DedupWindow: 5 * time.Minute, VisibilityTimeout: 30 * time.Second,
			Retention: 14 * 24 * time.Hour, MaxMessageBytes: 1 << 20, DeadLetter: "orders-dlq.fifo", MaxReceives: 1},
		{Name: "plain", VisibilityTimeout: 30 * time.Second, Retention: time.Hour},
	}
	dests := []struct {
		name string
		q    providers.Queue
	}{
		{"memory (SQS)", memory.NewStore().Env("x")},
		{"rabbitmq", rabbitmq.Factory().New().(providers.Queue)},
		{"nats", nats.Factory().New().(providers.Queue)},
	}
	var b strings.Builder
	for _, d := range dests {
		for _, s := range specs {
			m := d.q.MapQueue(s)
			fmt.Fprintf(&b, "== %s: %s -> %s\n", d.name, s.Name, m.Name)
			for _, o := range settingOptions(m) {
				fmt.Fprintf(&b, "  %s = %s\n", o.Name, o.Value)
			}
			for _, g := range m.Gaps {
				sev := "warning"
				if g.Blocker {
					sev = "blocker"
				}
				fmt.Fprintf(&b, "  ! %s (%s): %s\n", g.Setting, sev, g.Detail)
			}
			if diff := m.Held.Differences(m.Held); diff != "" {
				t.Errorf("%s %s: a spec differs from itself: %s", d.name, s.Name, diff)
			}
		}
	}
	path := filepath.Join("testdata", "mapping.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("%s differs (-want +got); rerun with -update if intended:\n%s", path, d)
	}
}

// TestNothingUnmappedIsSilent checks that every portable setting a
// destination cannot hold shows up as a gap or a setting.
func TestNothingUnmappedIsSilent(t *testing.T) {
	t.Parallel()
	spec := providers.QueueSpec{Name: "q", Delay: time.Minute, Tags: map[string]string{"a": "b"}, Attrs: map[string]string{"X": "y"},
		FIFO: true, ContentDedup: true, DeadLetter: "d", MaxReceives: 3, MaxMessageBytes: 1000, VisibilityTimeout: time.Second, Retention: time.Hour}
	for _, q := range []providers.Queue{rabbitmq.Factory().New().(providers.Queue), nats.Factory().New().(providers.Queue)} {
		m := q.MapQueue(spec)
		text := fmt.Sprint(m.Settings, m.Gaps)
		for _, want := range []string{"delay", "tags", "X", "dedup", "dead", "retention", "visibility timeout", "max message size"} {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
				t.Errorf("%T: %q appears neither as a setting nor as a gap:\n%s", q, want, text)
			}
		}
	}
}
