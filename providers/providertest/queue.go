package providertest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/rehome/rehome/providers"
)

// QueueOpt describes a queue provider under test: a configured provider
// and a prefix no other test's queue names start with.
type QueueOpt struct {
	Provider providers.Queue
	Caps     providers.QueueCaps
	Prefix   string
	// Eventually, when set, waits for counts a broker updates a moment
	// after the call (0: counts are exact at once).
	Settle time.Duration
}

// RunQueueContract checks the contract the queue mover relies on:
// creating (and refusing to change) queues, reading back what was
// created, counting, publishing with attributes, receiving, releasing and
// deleting messages, deduplication where the platform has it, and deleting
// only empty queues. Queues it makes are named Prefix+"-...".
func RunQueueContract(t *testing.T, o QueueOpt) {
	t.Helper()
	ctx := t.Context()
	q := o.Provider
	mm, ok := q.(providers.MessageMover)
	if !ok {
		t.Fatalf("%T has no MessageMover", q)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	dlq := providers.QueueSpec{Name: o.Prefix + "-c-dlq", Retention: 2 * time.Hour}
	spec := providers.QueueSpec{Name: o.Prefix + "-c", VisibilityTimeout: 30 * time.Second, Retention: time.Hour,
		DeadLetter: dlq.Name, MaxReceives: 3}
	m := q.MapQueue(spec)
	if _, err := q.Queue(ctx, m.Name); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Queue before the create: %v, want ErrNotFound", err)
	}
	must("create the dead-letter queue", q.EnsureQueue(ctx, dlq))
	must("create the queue", q.EnsureQueue(ctx, spec))
	if err := q.EnsureQueue(ctx, spec); !errors.Is(err, providers.ErrExists) || errors.Is(err, providers.ErrQueueMismatch) {
		t.Errorf("EnsureQueue of an equal existing queue: %v, want ErrExists only", err)
	}
	other := spec
	other.Retention = 3 * time.Hour
	if err := q.EnsureQueue(ctx, other); !errors.Is(err, providers.ErrExists) || !errors.Is(err, providers.ErrQueueMismatch) {
		t.Errorf("EnsureQueue with other settings: %v, want ErrExists and ErrQueueMismatch", err)
	}
	got, err := q.Queue(ctx, m.Name)
	must("read the queue back", err)
	if d := got.Differences(m.Held); !got.Opaque && d != "" {
		t.Errorf("the created queue reads back other than MapQueue said: %s", d)
	}

	msgs := []providers.Message{
		{ID: "m1", Body: []byte("one"), Attributes: map[string]providers.MessageAttribute{
			"s": {Type: "String", String: "text"}, "n": {Type: "Number", String: "42"}, "b": {Type: "Binary", Binary: []byte{0, 1, 2}}}},
		{ID: "m2", Body: []byte("two")},
		{ID: "m3", Body: []byte("three")},
	}
	pub, err := mm.PublishMessages(ctx, m.Name, msgs)
	must("publish", err)
	if len(pub) != len(msgs) {
		t.Fatalf("publish returned %d results for %d messages", len(pub), len(msgs))
	}
	depth := func() providers.QueueDepth {
		t.Helper()
		time.Sleep(o.Settle)
		d, err := q.Depth(ctx, m.Name)
		must("count", err)
		return d
	}
	if d := depth(); d.Visible != 3 {
		t.Errorf("depth after 3 publishes: %+v", d)
	}
	rcv, err := mm.ReceiveMessages(ctx, m.Name, 10, time.Minute)
	must("receive", err)
	if len(rcv) != 3 {
		t.Fatalf("received %d messages, want 3", len(rcv))
	}
	for i, r := range rcv {
		if !bytes.Equal(r.Body, msgs[i].Body) || r.Receipt == "" {
			t.Errorf("message %d: body %q receipt %q, want %q in order with a receipt", i, r.Body, r.Receipt, msgs[i].Body)
		}
	}
	for name, want := range msgs[0].Attributes {
		a := rcv[0].Attributes[name]
		if a.Type != want.Type || a.String != want.String || !bytes.Equal(a.Binary, want.Binary) {
			t.Errorf("attribute %s: %+v, want %+v", name, a, want)
		}
	}
	if again, err := mm.ReceiveMessages(ctx, m.Name, 10, time.Minute); err != nil || len(again) != 0 {
		t.Errorf("received %d messages while all are held (%v)", len(again), err)
	}
	must("release", mm.ReleaseMessages(ctx, m.Name, []string{rcv[0].Receipt}))
	var back []providers.Message
	for try := 0; try < 20 && len(back) == 0; try++ { // a broker requeues a moment later
		back, err = mm.ReceiveMessages(ctx, m.Name, 10, time.Minute)
		must("receive the released message", err)
	}
	if len(back) != 1 || string(back[0].Body) != "one" {
		t.Fatalf("after a release received %d messages, want the released one", len(back))
	}
	if back[0].Stable && back[0].ID != rcv[0].ID {
		t.Errorf("a stable id changed across deliveries: %q then %q", rcv[0].ID, back[0].ID)
	}
	must("delete", mm.DeleteMessages(ctx, m.Name, []string{back[0].Receipt, rcv[1].Receipt, rcv[2].Receipt}))
	if d := depth(); d.Total() != 0 {
		t.Errorf("depth after deleting everything: %+v", d)
	}

	// Only an empty queue is deleted.
	_, err = mm.PublishMessages(ctx, m.Name, []providers.Message{{ID: "m4", Body: []byte("four")}})
	must("publish", err)
	time.Sleep(o.Settle)
	if err := q.DeleteQueue(ctx, m.Name); !errors.Is(err, providers.ErrNotEmpty) {
		t.Errorf("DeleteQueue of a queue holding a message: %v, want ErrNotEmpty", err)
	}
	rcv, err = mm.ReceiveMessages(ctx, m.Name, 10, time.Minute)
	must("receive", err)
	must("delete", mm.DeleteMessages(ctx, m.Name, receipts(rcv)))
	time.Sleep(o.Settle)
	must("delete the queue", q.DeleteQueue(ctx, m.Name))
	if _, err := q.Queue(ctx, m.Name); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Queue after the delete: %v, want ErrNotFound", err)
	}
	if _, err := mm.PublishMessages(ctx, m.Name, []providers.Message{{ID: "m5", Body: []byte("five")}}); err == nil {
		t.Error("publishing to a deleted queue succeeded; a message would be lost")
	}
	must("delete the dead-letter queue", q.DeleteQueue(ctx, q.MapQueue(dlq).Name))

	if !o.Caps.FIFO {
		return
	}
	// FIFO: order within a group, and repeated deduplication ids dropped
	// where the platform deduplicates.
	fifo := providers.QueueSpec{Name: o.Prefix + "-f.fifo", FIFO: true, DedupWindow: 5 * time.Minute, VisibilityTimeout: 30 * time.Second, Retention: time.Hour}
	fm := q.MapQueue(fifo)
	must("create the FIFO queue", q.EnsureQueue(ctx, fifo))
	var in []providers.Message
	for i, b := range []string{"a", "b", "c"} {
		in = append(in, providers.Message{ID: b, Body: []byte(b), GroupID: "g", DedupID: "d" + string(rune('0'+i))})
	}
	_, err = mm.PublishMessages(ctx, fm.Name, in)
	must("publish", err)
	dup, err := mm.PublishMessages(ctx, fm.Name, in[:1])
	must("publish a repeat", err)
	want := 4
	if o.Caps.Dedup {
		want = 3
		_ = dup // SQS does not say it dropped a repeat; JetStream does
	}
	var all []string
	for range 10 {
		r, err := mm.ReceiveMessages(ctx, fm.Name, 10, time.Minute)
		must("receive", err)
		if len(r) == 0 {
			break
		}
		for _, x := range r {
			all = append(all, string(x.Body))
			if x.GroupID != "g" {
				t.Errorf("message %q lost its group: %q", x.Body, x.GroupID)
			}
		}
		must("delete", mm.DeleteMessages(ctx, fm.Name, receipts(r)))
	}
	if len(all) != want || all[0] != "a" || all[1] != "b" || all[2] != "c" {
		t.Errorf("FIFO received %v, want a b c in order (and the repeat only without deduplication)", all)
	}
	time.Sleep(o.Settle)
	must("delete the FIFO queue", q.DeleteQueue(ctx, fm.Name))
}

func receipts(ms []providers.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Receipt
	}
	return out
}
