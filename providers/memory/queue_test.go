package memory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/providers/providertest"
)

// clock is a settable clock for a store.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newSQS(t *testing.T) (*memory.SQS, *memory.Provider, *clock) {
	t.Helper()
	st := memory.NewStore()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	st.SetClock(c.now)
	p := st.Env("sqs")
	return p.SQS(), p, c
}

func code(err error) string {
	var se *memory.SQSError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// must returns v, failing the test (by panic) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func send(t *testing.T, s *memory.SQS, url, body, group, dedup string) memory.SendMessageOutput {
	t.Helper()
	return must(s.SendMessage(context.Background(), memory.SendMessageInput{QueueURL: url, MessageBody: body, MessageGroupID: group, MessageDeduplicationID: dedup}))
}

func receive(t *testing.T, s *memory.SQS, url string, max int, vis *int) []memory.SQSMessage {
	t.Helper()
	return must(s.ReceiveMessage(context.Background(), memory.ReceiveMessageInput{QueueURL: url, MaxNumberOfMessages: max, VisibilityTimeout: vis}))
}

func bodies(ms []memory.SQSMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}

func TestSQSCreateQueueRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		queue string
		attrs map[string]string
		want  string
	}{
		{"standard", "jobs", nil, ""},
		{"fifo", "jobs.fifo", map[string]string{"FifoQueue": "true"}, ""},
		{"fifo name without the attribute", "x.fifo", nil, memory.SQSInvalidParameterValue},
		{"fifo attribute without the suffix", "x", map[string]string{"FifoQueue": "true"}, memory.SQSInvalidParameterValue},
		{"bad character", "a b", nil, memory.SQSInvalidParameterValue},
		{"too long", string(make([]byte, 81)), nil, memory.SQSInvalidParameterValue},
		{"visibility too long", "v", map[string]string{"VisibilityTimeout": "43201"}, memory.SQSInvalidAttributeValue},
		{"retention too short", "r", map[string]string{"MessageRetentionPeriod": "59"}, memory.SQSInvalidAttributeValue},
		{"delay too long", "d", map[string]string{"DelaySeconds": "901"}, memory.SQSInvalidAttributeValue},
		{"size too small", "s", map[string]string{"MaximumMessageSize": "1023"}, memory.SQSInvalidAttributeValue},
		{"content dedup on standard", "c", map[string]string{"ContentBasedDeduplication": "true"}, memory.SQSInvalidAttributeName},
		{"unknown attribute", "u", map[string]string{"Colour": "blue"}, memory.SQSInvalidAttributeName},
		{"redrive to a missing queue", "m", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}`}, memory.SQSInvalidAttributeValue},
		{"redrive count too high", "m2", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1001}`}, memory.SQSInvalidAttributeValue},
		{"standard queue redriving to a FIFO queue", "m3", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo","maxReceiveCount":3}`}, memory.SQSInvalidAttributeValue},
		{"redrive count as a string", "m4", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _, _ := newSQS(t)
			must(s.CreateQueue(ctx, "dlq", nil, nil))
			must(s.CreateQueue(ctx, "dlq.fifo", map[string]string{"FifoQueue": "true"}, nil))
			_, err := s.CreateQueue(ctx, tc.queue, tc.attrs, nil)
			if got := code(err); got != tc.want {
				t.Errorf("CreateQueue(%q, %v) = %q, want %q", tc.queue, tc.attrs, got, tc.want)
			}
		})
	}
}

func TestSQSCreateExistingAndDeleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, c := newSQS(t)
	url := must(s.CreateQueue(ctx, "q", map[string]string{"VisibilityTimeout": "60"}, nil))
	if again, err := s.CreateQueue(ctx, "q", map[string]string{"VisibilityTimeout": "60"}, nil); err != nil || again != url {
		t.Errorf("same attributes: %q %v, want the URL", again, err)
	}
	if _, err := s.CreateQueue(ctx, "q", map[string]string{"VisibilityTimeout": "61"}, nil); code(err) != memory.SQSQueueAlreadyExists {
		t.Errorf("other attributes: %v, want QueueAlreadyExists", err)
	}
	if err := s.DeleteQueue(ctx, url); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateQueue(ctx, "q", nil, nil); code(err) != memory.SQSQueueDeletedRecently {
		t.Errorf("recreate at once: %v, want QueueDeletedRecently", err)
	}
	c.advance(61 * time.Second)
	if _, err := s.CreateQueue(ctx, "q", nil, nil); err != nil {
		t.Errorf("recreate after 60s: %v", err)
	}
	if _, err := s.GetQueueAttributes(ctx, url+"x", "All"); code(err) != memory.SQSNonExistentQueue {
		t.Errorf("unknown URL: %v", err)
	}
}

func TestSQSVisibilityAndReceiptHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, c := newSQS(t)
	url := must(s.CreateQueue(ctx, "q", map[string]string{"VisibilityTimeout": "30"}, nil))
	send(t, s, url, "a", "", "")
	first := receive(t, s, url, 10, nil)
	if len(first) != 1 || first[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("first receive: %+v", first)
	}
	if again := receive(t, s, url, 10, nil); len(again) != 0 {
		t.Fatalf("received while invisible: %v", bodies(again))
	}
	a := must(s.GetQueueAttributes(ctx, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
	if a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("counts while in flight: %v", a)
	}
	c.advance(31 * time.Second)
	second := receive(t, s, url, 10, nil)
	if len(second) != 1 || second[0].ReceiptHandle == first[0].ReceiptHandle || second[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the timeout: %+v", second)
	}
	// The superseded handle succeeds and deletes nothing.
	if err := s.DeleteMessage(ctx, url, first[0].ReceiptHandle); err != nil {
		t.Errorf("delete with the old handle: %v", err)
	}
	if a := must(s.GetQueueAttributes(ctx, url, "ApproximateNumberOfMessagesNotVisible")); a["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("the old handle deleted the message: %v", a)
	}
	for _, bad := range []string{"garbage", "", first[0].ReceiptHandle + "x"} {
		if err := s.DeleteMessage(ctx, url, bad); code(err) != memory.SQSReceiptHandleIsInvalid && code(err) != memory.SQSMissingParameter {
			t.Errorf("delete with handle %q: %v, want ReceiptHandleIsInvalid", bad, err)
		}
	}
	other := must(s.CreateQueue(ctx, "other", nil, nil))
	if err := s.DeleteMessage(ctx, other, second[0].ReceiptHandle); code(err) != memory.SQSReceiptHandleIsInvalid {
		t.Errorf("a handle of another queue: %v", err)
	}
	// ChangeMessageVisibility 0 makes it visible; then it is not in flight.
	if err := s.ChangeMessageVisibility(ctx, url, second[0].ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeMessageVisibility(ctx, url, second[0].ReceiptHandle, 10); code(err) != memory.SQSMessageNotInflight {
		t.Errorf("change visibility of a visible message: %v", err)
	}
	third := receive(t, s, url, 1, nil)
	if err := s.DeleteMessage(ctx, url, third[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage(ctx, url, third[0].ReceiptHandle); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if a := must(s.GetQueueAttributes(ctx, url, "All")); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("after delete: %v", a)
	}
}

func TestSQSFIFOGroupsDedupAndExpiredHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, c := newSQS(t)
	url := must(s.CreateQueue(ctx, "q.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "30"}, nil))
	if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: url, MessageBody: "x", MessageDeduplicationID: "d"}); code(err) != memory.SQSMissingParameter {
		t.Errorf("no group: %v", err)
	}
	if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: url, MessageBody: "x", MessageGroupID: "g"}); code(err) != memory.SQSInvalidParameterValue {
		t.Errorf("no dedup id without content dedup: %v", err)
	}
	delay := 5
	if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: url, MessageBody: "x", MessageGroupID: "g", MessageDeduplicationID: "d", DelaySeconds: &delay}); code(err) != memory.SQSInvalidParameterValue {
		t.Errorf("per-message delay on FIFO: %v", err)
	}
	a1 := send(t, s, url, "a1", "A", "1")
	send(t, s, url, "b1", "B", "2")
	send(t, s, url, "a2", "A", "3")
	dup := send(t, s, url, "a1 again", "A", "1")
	if dup.MessageID != a1.MessageID || dup.SequenceNumber != a1.SequenceNumber {
		t.Errorf("a repeated dedup id within 5m returns the first send's id: %+v vs %+v", dup, a1)
	}
	send(t, s, url, "b2", "B", "4")
	// One receive may return several messages of a group, in order.
	got := receive(t, s, url, 10, nil)
	if d := cmp.Diff([]string{"a1", "b1", "a2", "b2"}, bodies(got)); d != "" {
		t.Fatalf("first receive (-want +got):\n%s", d)
	}
	send(t, s, url, "a3", "A", "5")
	send(t, s, url, "c1", "C", "6")
	// Group A has messages in flight: a3 waits; C is free.
	if d := cmp.Diff([]string{"c1"}, bodies(receive(t, s, url, 10, nil))); d != "" {
		t.Errorf("while A and B are in flight (-want +got):\n%s", d)
	}
	for _, m := range got {
		if err := s.DeleteMessage(ctx, url, m.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
	}
	next := receive(t, s, url, 10, nil)
	if d := cmp.Diff([]string{"a3"}, bodies(next)); d != "" {
		t.Errorf("after deleting A's first messages (-want +got):\n%s", d)
	}
	if next[0].Attributes["MessageGroupId"] != "A" || next[0].Attributes["SequenceNumber"] == "" || next[0].Attributes["MessageDeduplicationId"] != "5" {
		t.Errorf("FIFO attributes: %v", next[0].Attributes)
	}
	// A FIFO handle past its visibility timeout has expired.
	c.advance(31 * time.Second)
	if err := s.DeleteMessage(ctx, url, next[0].ReceiptHandle); code(err) != memory.SQSInvalidParameterValue {
		t.Errorf("delete with an expired FIFO handle: %v", err)
	}
	// The dedup window is 5 minutes.
	c.advance(5 * time.Minute)
	if again := send(t, s, url, "a1 later", "A", "1"); again.MessageID == a1.MessageID {
		t.Error("a dedup id is remembered past 5 minutes")
	}
}

func TestSQSContentDedupScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newSQS(t)
	q := must(s.CreateQueue(ctx, "c.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup"}, nil))
	x := send(t, s, q, "same", "A", "")
	if y := send(t, s, q, "same", "A", ""); y.MessageID != x.MessageID {
		t.Error("content deduplication did not drop a repeated body")
	}
	if z := send(t, s, q, "same", "B", ""); z.MessageID == x.MessageID {
		t.Error("messageGroup scope: another group's equal body was dropped")
	}
}

func TestSQSRedriveDelayRetentionTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, p, c := newSQS(t)
	dlq := must(s.CreateQueue(ctx, "dlq", nil, nil))
	q := must(s.CreateQueue(ctx, "q", map[string]string{"VisibilityTimeout": "10", "MessageRetentionPeriod": "600",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":2}`}, map[string]string{"team": "a"}))
	poison := send(t, s, q, "poison", "", "")
	for i := range 2 {
		if got := receive(t, s, q, 1, nil); len(got) != 1 {
			t.Fatalf("receive %d: %v", i+1, got)
		}
		c.advance(11 * time.Second)
	}
	if got := receive(t, s, q, 1, nil); len(got) != 0 {
		t.Errorf("received a third time past maxReceiveCount 2: %v", bodies(got))
	}
	moved := receive(t, s, dlq, 1, nil)
	if len(moved) != 1 || moved[0].MessageID != poison.MessageID {
		t.Errorf("dead-letter queue holds %+v, want the message with its id", moved)
	}
	if src := must(s.ListDeadLetterSourceQueues(ctx, dlq)); len(src) != 1 || src[0] != q {
		t.Errorf("dead-letter source queues: %v", src)
	}
	// Delay: a per-message timer, then the queue's.
	d := 30
	must(s.SendMessage(ctx, memory.SendMessageInput{QueueURL: q, MessageBody: "later", DelaySeconds: &d}))
	a := must(s.GetQueueAttributes(ctx, q, "ApproximateNumberOfMessagesDelayed"))
	if a["ApproximateNumberOfMessagesDelayed"] != "1" || len(receive(t, s, q, 10, nil)) != 0 {
		t.Errorf("a delayed message is visible: %v", a)
	}
	c.advance(31 * time.Second)
	if got := receive(t, s, q, 10, nil); len(got) != 1 {
		t.Errorf("after its delay: %v", bodies(got))
	}
	// Retention drops messages past it.
	send(t, s, q, "old", "", "")
	c.advance(601 * time.Second)
	if a := must(s.GetQueueAttributes(ctx, q, "All")); a["ApproximateNumberOfMessages"] != "0" || a["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("after the retention period: %v", a)
	}
	// Tags.
	if err := s.TagQueue(ctx, q, map[string]string{"env": "prod"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UntagQueue(ctx, q, []string{"team"}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"env": "prod"}, must(s.ListQueueTags(ctx, q))); d != "" {
		t.Errorf("tags (-want +got):\n%s", d)
	}
	// The portable side reads all of it back.
	spec := must(p.Queue(ctx, "q"))
	want := providers.QueueSpec{Name: "q", VisibilityTimeout: 10 * time.Second, Retention: 10 * time.Minute, MaxMessageBytes: 1 << 20,
		DeadLetter: "dlq", MaxReceives: 2, Tags: map[string]string{"env": "prod"},
		Attrs: map[string]string{"ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true"}}
	if d := cmp.Diff(want, spec); d != "" {
		t.Errorf("spec (-want +got):\n%s", d)
	}
}

func TestSQSMessageLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newSQS(t)
	q := must(s.CreateQueue(ctx, "q", map[string]string{"MaximumMessageSize": "1024"}, nil))
	big := make([]byte, 1025)
	for i := range big {
		big[i] = 'x'
	}
	attrs := map[string]memory.MessageAttributeValue{}
	for i := range 11 {
		attrs[fmt.Sprintf("a%d", i)] = memory.MessageAttributeValue{DataType: "String", StringValue: "v"}
	}
	for _, tc := range []struct {
		name string
		in   memory.SendMessageInput
		want string
	}{
		{"too large", memory.SendMessageInput{MessageBody: string(big)}, memory.SQSInvalidParameterValue},
		{"empty body", memory.SendMessageInput{}, memory.SQSMissingParameter},
		{"bad character", memory.SendMessageInput{MessageBody: "a\x00b"}, memory.SQSInvalidMessageContents},
		{"eleven attributes", memory.SendMessageInput{MessageBody: "x", MessageAttributes: attrs}, memory.SQSInvalidParameterValue},
		{"reserved attribute name", memory.SendMessageInput{MessageBody: "x", MessageAttributes: map[string]memory.MessageAttributeValue{"AWS.x": {DataType: "String", StringValue: "v"}}}, memory.SQSInvalidParameterValue},
		{"not a number", memory.SendMessageInput{MessageBody: "x", MessageAttributes: map[string]memory.MessageAttributeValue{"n": {DataType: "Number", StringValue: "one"}}}, memory.SQSInvalidParameterValue},
		{"custom type", memory.SendMessageInput{MessageBody: "x", MessageAttributes: map[string]memory.MessageAttributeValue{"n": {DataType: "Number.int", StringValue: "1"}}}, ""},
		{"dedup id on standard", memory.SendMessageInput{MessageBody: "x", MessageDeduplicationID: "d"}, memory.SQSInvalidParameterValue},
	} {
		tc.in.QueueURL = q
		if _, err := s.SendMessage(ctx, tc.in); code(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := s.SendMessageBatch(ctx, q, make([]memory.SendMessageBatchEntry, 11)); code(err) != memory.SQSTooManyEntriesInBatch {
		t.Errorf("a batch of 11: %v", err)
	}
	ok, failed, err := s.SendMessageBatch(ctx, q, []memory.SendMessageBatchEntry{
		{ID: "a", SendMessageInput: memory.SendMessageInput{MessageBody: "fine"}},
		{ID: "b", SendMessageInput: memory.SendMessageInput{MessageBody: string(big)}}})
	if err != nil || len(ok) != 1 || len(failed) != 1 || failed[0].ID != "b" {
		t.Errorf("batch: ok %v failed %v err %v", ok, failed, err)
	}
}

func TestQueueContract(t *testing.T) {
	t.Parallel()
	f := memory.NewStore().Factory()
	providertest.RunQueueContract(t, providertest.QueueOpt{Provider: memory.NewStore().Env("c"), Caps: f.Caps.Queue, Prefix: "contract"})
}
