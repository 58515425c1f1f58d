package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/queue"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
)

// seedSQS makes, at a memory environment, a standard queue "jobs" with a
// dead-letter queue "jobs-dlq" and a FIFO queue "orders.fifo" with its
// own, and sends n messages to each main queue (FIFO ones in groups g0..g4).
func seedSQS(t *testing.T, p *memory.Provider, n int) {
	t.Helper()
	ctx := context.Background()
	s := p.SQS()
	mk := func(name string, attrs map[string]string) string {
		u, err := s.CreateQueue(ctx, name, attrs, map[string]string{"team": "shop"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	mk("jobs-dlq", map[string]string{"MessageRetentionPeriod": "1209600"})
	jobs := mk("jobs", map[string]string{"VisibilityTimeout": "45", "MessageRetentionPeriod": "86400", "MaximumMessageSize": "262144",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":5}`})
	mk("orders-dlq.fifo", map[string]string{"FifoQueue": "true"})
	orders := mk("orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "60",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq.fifo","maxReceiveCount":3}`})
	for i := range n {
		if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: jobs, MessageBody: fmt.Sprintf("job %d", i),
			MessageAttributes: map[string]memory.MessageAttributeValue{"n": {DataType: "Number", StringValue: fmt.Sprint(i)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: orders, MessageBody: fmt.Sprintf("order %d", i),
			MessageGroupID: fmt.Sprintf("g%d", i%5), MessageDeduplicationID: fmt.Sprintf("d%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func queueMove(s *queue.Settings) *lang.Move {
	return &lang.Move{Kind: providers.KindQueue, Name: "q", From: "old", To: "new", Settings: s}
}

func TestMemoryToMemoryMovesQueuesAndMessagesAndRollsBack(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("old"), h.Mem("new")
	seedSQS(t, src, 50)
	cfg := h.Config(queueMove(&queue.Settings{Include: []string{"jobs", "orders.fifo"}, Drain: true, DrainTimeout: 60e9}))
	if b := h.Plan(cfg).Blockers(); len(b) > 0 {
		t.Fatalf("blockers: %+v", b)
	}
	h.Apply(cfg)
	h.Cutover(cfg)
	d, err := dst.Depth(context.Background(), "orders.fifo")
	if err != nil || d.Visible != 50 {
		t.Fatalf("destination orders.fifo: %+v %v", d, err)
	}
	got, err := dst.ReceiveMessages(context.Background(), "jobs", 100, time.Minute)
	if err != nil || len(got) != 50 || got[0].Attributes["n"].Type != "Number" {
		t.Fatalf("destination jobs: %d messages, %v; want 50 with their attributes", len(got), err)
	}
	if err := dst.ReleaseMessages(context.Background(), "jobs", receipts(got)); err != nil {
		t.Fatal(err)
	}
	sd, _ := src.Depth(context.Background(), "orders.fifo")
	if sd.Total() != 0 {
		t.Fatalf("source not drained: %+v", sd)
	}
	r := h.Runner()
	r.Options.Force = true
	r.Rollback(t, cfg)
	sd, _ = src.Depth(context.Background(), "orders.fifo")
	if sd.Visible != 50 {
		t.Fatalf("source after rollback: %+v", sd)
	}
	if _, err := dst.Queue(context.Background(), "orders.fifo"); err == nil {
		t.Fatal("destination queue survived rollback")
	}
}

func receipts(ms []providers.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Receipt)
	}
	return out
}
