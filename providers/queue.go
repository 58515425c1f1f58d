package providers

import (
	"context"
	"time"
)

// QueueSpec describes a queue, stream or topic portably.
type QueueSpec struct {
	Name string
	// FIFO requires ordered, exactly-once delivery (SQS .fifo, a NATS
	// stream with one subject).
	FIFO              bool
	VisibilityTimeout time.Duration
	Retention         time.Duration
	DelaySeconds      int
	MaxMessageBytes   int
	// DeadLetter names the queue receiving messages after MaxReceives.
	DeadLetter  string
	MaxReceives int
	Attrs       map[string]string
}

// Message is one queued message.
type Message struct {
	ID         string
	Body       []byte
	Attributes map[string]string
	GroupID    string
}

// Queue is a queue or stream system (SQS, RabbitMQ, NATS JetStream).
type Queue interface {
	Queues(ctx context.Context) ([]QueueSpec, error)
	// EnsureQueue creates the queue or checks that an existing one matches;
	// it reports whether it created it.
	EnsureQueue(ctx context.Context, q QueueSpec) (created bool, err error)
	DeleteQueue(ctx context.Context, name string) error
	Depth(ctx context.Context, name string) (int64, error)
}

// MessageMover is implemented by queues whose messages can be drained and
// re-published, for moving in-flight messages at cutover.
type MessageMover interface {
	Receive(ctx context.Context, queue string, max int) ([]Message, func(ctx context.Context) error, error)
	Publish(ctx context.Context, queue string, msgs []Message) error
}
