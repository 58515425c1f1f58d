package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/providers"
)

// mapping is how a queue is declared: its arguments, as the plan shows
// them, what cannot be held, and the portable spec it holds.
func (p *Provider) mapping(spec providers.QueueSpec) (amqp.Table, providers.QueueMapping) {
	args := amqp.Table{"x-queue-type": "quorum"}
	m := providers.QueueMapping{Name: spec.Name, Held: providers.QueueSpec{Name: spec.Name}}
	set := func(k string, v any, from string) {
		args[k] = v
		m.Settings = append(m.Settings, providers.QueueSetting{Name: k, Value: fmt.Sprint(v), From: from})
	}
	gap := func(setting string, blocker bool, format string, a ...any) {
		m.Gaps = append(m.Gaps, providers.QueueGap{Setting: setting, Detail: fmt.Sprintf(format, a...), Blocker: blocker})
	}
	m.Settings = append(m.Settings, providers.QueueSetting{Name: "x-queue-type", Value: "quorum", From: "durable, replicated"})
	if strings.HasPrefix(spec.Name, "amq.") || len(spec.Name) > 255 {
		gap("name", true, "RabbitMQ reserves names starting with amq. and takes at most 255 bytes: %q cannot be declared", spec.Name)
	}
	if spec.Retention > 0 {
		set("x-message-ttl", spec.Retention.Milliseconds(), "retention "+short(spec.Retention))
		m.Held.Retention = spec.Retention
	}
	if spec.VisibilityTimeout > 0 {
		set("x-consumer-timeout", spec.VisibilityTimeout.Milliseconds(), "visibility timeout "+short(spec.VisibilityTimeout))
		m.Held.VisibilityTimeout = spec.VisibilityTimeout
		if v := p.serverVersion(); v != "" && !atLeast(v, 3, 12) {
			gap("visibility timeout", false, "RabbitMQ %s ignores x-consumer-timeout (read from 3.12 on): the server's consumer_timeout (30m unless configured) applies until the server is upgraded", v)
		} else if spec.VisibilityTimeout < time.Minute {
			gap("visibility timeout", false, "RabbitMQ checks consumer timeouts about once a minute, so an unacknowledged message comes back up to a minute later than after %s", short(spec.VisibilityTimeout))
		}
	}
	if spec.FIFO {
		set("x-single-active-consumer", true, "fifo")
		m.Held.FIFO = true
		gap("message groups", false, "one consumer at a time receives every message, in one order for the whole queue: groups keep their order but are not consumed in parallel")
	}
	if spec.FIFO || spec.ContentDedup {
		gap("deduplication", false, "RabbitMQ does not drop repeated deduplication ids: the id travels in header %s, and a message published twice (a drain interrupted at the wrong moment) arrives twice", providers.HeaderDedupID)
	}
	if spec.DeadLetter != "" {
		args["x-dead-letter-exchange"] = ""
		m.Settings = append(m.Settings, providers.QueueSetting{Name: "x-dead-letter-exchange", Value: `""`, From: "dead letter: the default exchange"})
		set("x-dead-letter-routing-key", spec.DeadLetter, "dead letter "+spec.DeadLetter)
		limit := max(spec.MaxReceives-1, 0)
		set("x-delivery-limit", limit, fmt.Sprintf("max receives %d: RabbitMQ counts returns, so a limit of %d allows %d %s", spec.MaxReceives, limit, limit+1,
			map[bool]string{true: "delivery", false: "deliveries"}[limit == 0]))
		set("x-dead-letter-strategy", "at-least-once", "dead letters are not lost on the way")
		set("x-overflow", "reject-publish", "needed by at-least-once dead-lettering")
		m.Held.DeadLetter, m.Held.MaxReceives = spec.DeadLetter, limit+1
	}
	if spec.Delay > 0 {
		gap("delay", false, "RabbitMQ has no delivery delay: messages sent to %q are delivered at once, not after %s", spec.Name, short(spec.Delay))
	}
	if spec.MaxMessageBytes > 0 {
		m.Settings = append(m.Settings, providers.QueueSetting{Name: "max message size", Value: "the server's max_message_size (no per-queue limit)",
			From: "max message size " + format.Bytes(int64(spec.MaxMessageBytes))})
	}
	if len(spec.Tags) > 0 {
		gap("tags", false, "RabbitMQ queues have no tags: %s not carried", strings.Join(slices.Sorted(maps.Keys(spec.Tags)), ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Attrs)) {
		gap("attribute "+k, false, "RabbitMQ has no setting for %s = %s; not carried", k, spec.Attrs[k])
	}
	return args, m
}

// short shows a duration as people write it: 4d, 45s, 1h30m.
func short(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (p *Provider) serverVersion() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.version
}

// atLeast reports whether version v ("3.10.8") is major.minor or later.
func atLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return true
	}
	a, _ := strconv.Atoi(parts[0])
	b, _ := strconv.Atoi(parts[1])
	return a > major || a == major && b >= minor
}

// MapQueue says how a quorum queue holds spec.
func (p *Provider) MapQueue(spec providers.QueueSpec) providers.QueueMapping {
	_, m := p.mapping(spec)
	return m
}

// Queues lists the virtual host's queues through the management API;
// AMQP itself cannot list them (ErrUnsupported without management_url).
func (p *Provider) Queues(ctx context.Context) ([]providers.QueueSpec, error) {
	if p.mgmt == nil {
		return nil, fmt.Errorf("rabbitmq: AMQP cannot list queues and no management_url is set: %w", providers.ErrUnsupported)
	}
	qs, err := p.mgmt.queues(ctx)
	if err != nil {
		return nil, p.fail("list queues", err)
	}
	out := make([]providers.QueueSpec, 0, len(qs))
	for _, q := range qs {
		out = append(out, q.spec())
	}
	return out, nil
}

// declarePassive checks that a queue exists and returns its ready count.
func (p *Provider) declarePassive(ctx context.Context, name string) (amqp.Queue, error) {
	ch, err := p.channel(ctx)
	if err != nil {
		return amqp.Queue{}, err
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
	if amqpCode(err) == amqp.NotFound {
		return q, fmt.Errorf("rabbitmq: queue %q: %w", name, providers.ErrNotFound)
	}
	return q, p.fail(fmt.Sprintf("check queue %q", name), err)
}

// mgmtQueue reads a queue through the management API.
func (p *Provider) mgmtQueue(ctx context.Context, name string) (mgmtQueue, error) {
	q, err := p.mgmt.queue(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return q, fmt.Errorf("rabbitmq: queue %q: %w", name, providers.ErrNotFound)
	}
	return q, p.fail(fmt.Sprintf("read queue %q", name), err)
}

// Queue returns a queue's settings: read through the management API, or,
// without it, only that the queue exists (Opaque).
func (p *Provider) Queue(ctx context.Context, name string) (providers.QueueSpec, error) {
	if p.mgmt != nil {
		q, err := p.mgmtQueue(ctx, name)
		return q.spec(), err
	}
	if _, err := p.declarePassive(ctx, name); err != nil {
		return providers.QueueSpec{}, err
	}
	return providers.QueueSpec{Name: name, Opaque: true}, nil
}

// Depth counts a queue's ready messages (and, through the management
// API, the unacknowledged ones; InFlight is -1 without it).
func (p *Provider) Depth(ctx context.Context, name string) (providers.QueueDepth, error) {
	if p.mgmt != nil {
		q, err := p.mgmtQueue(ctx, name)
		return providers.QueueDepth{Visible: q.Ready, InFlight: q.Unacked}, err
	}
	q, err := p.declarePassive(ctx, name)
	if err != nil {
		return providers.QueueDepth{}, err
	}
	return providers.QueueDepth{Visible: int64(q.Messages), InFlight: -1}, nil
}

// EnsureQueue declares the quorum queue. An existing queue is ErrExists;
// RabbitMQ itself refuses a declare whose arguments differ from the
// queue's (PRECONDITION_FAILED), which is ErrQueueMismatch too.
func (p *Provider) EnsureQueue(ctx context.Context, spec providers.QueueSpec) error {
	args, m := p.mapping(spec)
	_, err := p.declarePassive(ctx, spec.Name)
	exists := err == nil
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	if exists && p.mgmt != nil {
		cur, err := p.Queue(ctx, spec.Name)
		if err != nil {
			return err
		}
		if d := cur.Differences(m.Held); d != "" {
			return fmt.Errorf("rabbitmq: queue %q: %w: %w (%s)", spec.Name, providers.ErrExists, providers.ErrQueueMismatch, d)
		}
		return fmt.Errorf("rabbitmq: queue %q: %w", spec.Name, providers.ErrExists)
	}
	ch, err := p.channel(ctx)
	if err != nil {
		return err
	}
	defer ch.Close()
	_, err = ch.QueueDeclare(spec.Name, true, false, false, false, args)
	switch {
	case amqpCode(err) == amqp.PreconditionFailed:
		return fmt.Errorf("rabbitmq: queue %q: %w: %w (%s)", spec.Name, providers.ErrExists, providers.ErrQueueMismatch,
			providers.RedactText(err.Error(), p.secret...))
	case err != nil:
		return p.fail(fmt.Sprintf("declare queue %q", spec.Name), err)
	case exists:
		return fmt.Errorf("rabbitmq: queue %q: %w", spec.Name, providers.ErrExists)
	}
	return nil
}

// DeleteQueue deletes a queue that holds no messages and has no
// consumers. Quorum queues refuse queue.delete's if-empty flag, so the
// check is a passive declare just before the delete: a message published
// in between is lost with the queue (rollback runs after producers moved
// back).
func (p *Provider) DeleteQueue(ctx context.Context, name string) error {
	dropped := p.dropGetter(name) // rehome's own consumer does not count
	q, err := p.declarePassive(ctx, name)
	// A quorum queue forgets a cancelled consumer a moment later.
	for i := 0; dropped && err == nil && q.Consumers > 0 && i < 30; i++ {
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		q, err = p.declarePassive(ctx, name)
	}
	if err != nil {
		return err
	}
	if q.Messages > 0 || q.Consumers > 0 {
		return fmt.Errorf("rabbitmq: queue %q holds %d ready messages and has %d consumers: %w", name, q.Messages, q.Consumers, providers.ErrNotEmpty)
	}
	if p.mgmt != nil {
		if d, err := p.Depth(ctx, name); err == nil && d.Total() > 0 {
			return fmt.Errorf("rabbitmq: queue %q holds %d messages: %w", name, d.Total(), providers.ErrNotEmpty)
		}
	}
	ch, err := p.channel(ctx)
	if err != nil {
		return err
	}
	defer ch.Close()
	_, err = ch.QueueDelete(name, false, false, false)
	if amqpCode(err) == amqp.PreconditionFailed {
		return fmt.Errorf("rabbitmq: queue %q is in use: %w", name, providers.ErrNotEmpty)
	}
	return p.fail(fmt.Sprintf("delete queue %q", name), err)
}
