package providers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// QueueSpec describes a queue portably, in SQS's terms (the richest model
// rehome moves from): what a queue system holds about a queue, read from
// one platform and created on another. A platform that cannot say a
// setting leaves it zero and sets Opaque.
type QueueSpec struct {
	Name string
	// FIFO: ordered delivery within each message group, deduplication of
	// repeated sends (SQS .fifo queues).
	FIFO bool
	// ContentDedup: a FIFO queue derives a missing deduplication id from
	// the body (SQS ContentBasedDeduplication).
	ContentDedup bool
	// DedupWindow is how long a deduplication id is remembered (SQS: 5
	// minutes, fixed; NATS: the stream's duplicate window). 0: none.
	DedupWindow time.Duration
	// VisibilityTimeout is how long a received message stays hidden from
	// other receivers before it is delivered again unless deleted.
	VisibilityTimeout time.Duration
	// Retention is how long a message is kept undelivered (0: unlimited).
	Retention time.Duration
	// Delay hides every new message for this long (SQS DelaySeconds).
	Delay time.Duration
	// MaxMessageBytes is the largest message accepted (0: the platform's
	// own limit).
	MaxMessageBytes int
	// DeadLetter names the queue a message is moved to after MaxReceives
	// deliveries without being deleted.
	DeadLetter  string
	MaxReceives int
	// Tags are the queue's own labels.
	Tags map[string]string
	// Attrs are platform settings with no portable meaning (an SQS
	// KmsMasterKeyId, a RabbitMQ x-max-length), shown in plans.
	Attrs map[string]string
	// Opaque: the platform could not say the queue's settings (RabbitMQ
	// without its management API); only Name is known.
	Opaque bool
}

// Differences says how the settings q holds differ from want's ("" when
// they match): what an existing queue must match to be used as it is.
// Tags, opaque platform attributes and the name are not compared.
func (q QueueSpec) Differences(want QueueSpec) string {
	var diffs []string
	cmp := func(what string, have, want any) {
		if have != want {
			diffs = append(diffs, fmt.Sprintf("%s %v, not %v", what, have, want))
		}
	}
	cmp("fifo", q.FIFO, want.FIFO)
	cmp("content deduplication", q.ContentDedup, want.ContentDedup)
	cmp("deduplication window", q.DedupWindow, want.DedupWindow)
	cmp("visibility timeout", q.VisibilityTimeout, want.VisibilityTimeout)
	cmp("retention", q.Retention, want.Retention)
	cmp("delay", q.Delay, want.Delay)
	cmp("max message size", q.MaxMessageBytes, want.MaxMessageBytes)
	cmp("dead letter", q.DeadLetter, want.DeadLetter)
	cmp("max receives", q.MaxReceives, want.MaxReceives)
	return strings.Join(diffs, ", ")
}

// QueueDepth counts a queue's messages.
type QueueDepth struct {
	// Visible messages can be received now.
	Visible int64
	// InFlight messages were received and are neither deleted nor
	// visible again yet; -1 when the platform cannot say.
	InFlight int64
	// Delayed messages become visible later (delay seconds, timers).
	Delayed int64
}

// Total is every message the queue holds (unknown counts as 0).
func (d QueueDepth) Total() int64 { return d.Visible + max(d.InFlight, 0) + d.Delayed }

// QueueSetting is one setting a platform creates for a queue, as the plan
// shows it: `x-message-ttl = 345600000` with where it comes from.
type QueueSetting struct {
	Name  string
	Value string
	// From says which portable setting it holds ("retention 4d").
	From string
}

// QueueGap is a portable setting a platform cannot hold as asked.
type QueueGap struct {
	// Setting is the portable setting: "delay", "message timers",
	// "visibility timeout", "dead letter", "tags", "attribute NAME".
	Setting string
	// Detail says what happens instead.
	Detail string
	// Blocker: the queue would behave unsafely (messages lost or
	// reordered) rather than merely differently.
	Blocker bool
}

// QueueMapping is how a platform would hold a queue.
type QueueMapping struct {
	// Name is the queue's name there (a NATS stream name may differ).
	Name string
	// Settings are what the platform creates, in order.
	Settings []QueueSetting
	// Gaps are what it cannot hold.
	Gaps []QueueGap
	// Held is the portable spec the platform ends up holding: what a
	// later read of the created queue gives back, and what an existing
	// queue there must match.
	Held QueueSpec
}

// ErrQueueMismatch is returned (wrapped, together with ErrExists) by
// EnsureQueue when a queue of that name exists with other settings.
var ErrQueueMismatch = errors.New("exists with other settings")

// Queue is a queue system (SQS, RabbitMQ, NATS JetStream). Names are the
// portable queue names; a platform maps them to its own (QueueMapping.Name).
type Queue interface {
	// Queues lists the queues; ErrUnsupported (wrapped) when the platform
	// cannot list them, in which case moves must name their queues.
	Queues(ctx context.Context) ([]QueueSpec, error)
	// Queue returns one queue's settings; ErrNotFound when absent.
	Queue(ctx context.Context, name string) (QueueSpec, error)
	// Depth counts a queue's messages; ErrNotFound when absent.
	Depth(ctx context.Context, name string) (QueueDepth, error)
	// MapQueue says how the platform would hold spec. It makes no call.
	MapQueue(spec QueueSpec) QueueMapping
	// EnsureQueue creates the queue as MapQueue says; when one of that
	// name exists it returns an error wrapping ErrExists: also
	// ErrQueueMismatch when its settings differ from the mapping's.
	EnsureQueue(ctx context.Context, spec QueueSpec) error
	// DeleteQueue deletes an empty queue; ErrNotFound when absent,
	// ErrNotEmpty when it holds messages.
	DeleteQueue(ctx context.Context, name string) error
}

// Message is one queued message, portably.
type Message struct {
	// ID identifies the message at its queue: the same on every delivery
	// when Stable (an SQS MessageId, a JetStream stream sequence),
	// otherwise only for this delivery.
	ID     string
	Stable bool
	// OriginID is the ID the message had at the queue rehome first
	// drained it from, carried in a header by platforms that publish
	// it ("" when it was never moved).
	OriginID string
	Body     []byte
	// Attributes are the message's own typed attributes (SQS message
	// attributes; headers elsewhere).
	Attributes map[string]MessageAttribute
	// GroupID and DedupID are a FIFO message's group and deduplication
	// id.
	GroupID string
	DedupID string
	// SentAt is when the message was first sent (zero: unknown).
	SentAt time.Time
	// Receives counts deliveries so far, this one included (0: unknown).
	Receives int
	// Receipt names this delivery for DeleteMessages and ReleaseMessages.
	Receipt string
}

// MessageAttribute is a typed message attribute (SQS's model: String,
// Number or Binary, optionally with a custom suffix such as
// "Number.float").
type MessageAttribute struct {
	Type   string
	String string
	Binary []byte
}

// Published says what became of one published message.
type Published struct {
	// Duplicate: the destination recognised the deduplication id and
	// kept an earlier copy instead (JetStream's duplicate ack, SQS FIFO).
	Duplicate bool
}

// MessageMover is implemented by queue systems whose messages rehome can
// drain and publish, for moving the messages left in a queue at cutover.
type MessageMover interface {
	// ReceiveMessages takes up to max visible messages, hiding them from other
	// receivers for about hold (where the platform lets the receiver say;
	// otherwise its own timeout applies); none when the queue is empty.
	ReceiveMessages(ctx context.Context, queue string, max int, hold time.Duration) ([]Message, error)
	// DeleteMessages removes received messages by receipt. A receipt that no
	// longer names a delivery (expired, superseded, or its connection
	// gone) is not an error when the platform cannot tell: Depth shows
	// what is left.
	DeleteMessages(ctx context.Context, queue string, receipts []string) error
	// ReleaseMessages makes received messages visible again now, best effort.
	ReleaseMessages(ctx context.Context, queue string, receipts []string) error
	// PublishMessages sends msgs in order and returns once the platform has
	// confirmed every one (publisher confirms, JetStream acks), one
	// result per message. It fails as a whole when any is not confirmed;
	// those before it may have landed.
	PublishMessages(ctx context.Context, queue string, msgs []Message) ([]Published, error)
}

// Headers that carry a message's portable parts on platforms whose
// messages are a body and string headers (RabbitMQ, NATS): what rehome
// publishes there and reads back when it drains them again.
const (
	HeaderOriginID = "rehome-origin-id"
	HeaderGroupID  = "rehome-group-id"
	HeaderDedupID  = "rehome-dedup-id"
	HeaderSentAt   = "rehome-sent-at"
	// An attribute travels as a header of its own name (a binary value in
	// base64); HeaderAttrType prefixes its data type when that is not
	// "String".
	HeaderAttrType = "rehome-attr-type-"
)

// MessageHeaders encodes m's id, group, deduplication id, send time and
// attributes as headers.
func MessageHeaders(m Message) map[string]string {
	h := map[string]string{}
	origin := m.OriginID
	if origin == "" {
		origin = m.ID
	}
	set := func(k, v string) {
		if v != "" {
			h[k] = v
		}
	}
	set(HeaderOriginID, origin)
	set(HeaderGroupID, m.GroupID)
	set(HeaderDedupID, m.DedupID)
	if !m.SentAt.IsZero() {
		h[HeaderSentAt] = m.SentAt.UTC().Format(time.RFC3339Nano)
	}
	for name, a := range m.Attributes {
		if strings.HasPrefix(a.Type, "Binary") {
			h[name] = base64.StdEncoding.EncodeToString(a.Binary)
		} else {
			h[name] = a.String
		}
		if a.Type != "String" && a.Type != "" {
			h[HeaderAttrType+name] = a.Type
		}
	}
	return h
}

// MessageFromHeaders reads what MessageHeaders wrote back into a message
// (ID and Receipt are the caller's); every other header is an attribute
// of its name, a String one unless a type header says otherwise.
func MessageFromHeaders(body []byte, h map[string]string) Message {
	m := Message{Body: body, OriginID: h[HeaderOriginID], GroupID: h[HeaderGroupID], DedupID: h[HeaderDedupID]}
	if t, err := time.Parse(time.RFC3339Nano, h[HeaderSentAt]); err == nil {
		m.SentAt = t
	}
	for k, v := range h {
		if strings.HasPrefix(k, HeaderAttrType) || k == HeaderOriginID || k == HeaderGroupID || k == HeaderDedupID || k == HeaderSentAt {
			continue
		}
		name := k
		a := MessageAttribute{Type: "String", String: v}
		if t := h[HeaderAttrType+name]; t != "" {
			a.Type = t
			if strings.HasPrefix(t, "Binary") {
				b, err := base64.StdEncoding.DecodeString(v)
				if err == nil {
					a = MessageAttribute{Type: t, Binary: b}
				}
			}
		}
		if m.Attributes == nil {
			m.Attributes = map[string]MessageAttribute{}
		}
		m.Attributes[name] = a
	}
	return m
}
