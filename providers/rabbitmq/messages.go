package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/rehome/rehome/providers"
)

// publisher is a channel in confirm mode; mandatory publishes come back
// as returns when no queue takes them (the default exchange drops a
// message for a missing queue otherwise, and still confirms it).
type publisher struct {
	mu      sync.Mutex
	ch      *amqp.Channel
	returns chan amqp.Return
}

func (p *Provider) publisher(ctx context.Context) (*publisher, error) {
	conn, err := p.connection(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pub != nil && !p.pub.ch.IsClosed() {
		return p.pub, nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, p.fail("open channel", err)
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, p.fail("enable publisher confirms", err)
	}
	pb := &publisher{ch: ch, returns: ch.NotifyReturn(make(chan amqp.Return, 1024))}
	p.pub = pb
	return pb, nil
}

// PublishMessages publishes to the queue through the default exchange,
// persistent and mandatory, and waits for every confirm. The body is the
// message's; its attributes travel as headers of their names, its origin
// id, group, deduplication id and send time as rehome-* headers
// (providers.MessageHeaders), the origin id also as message-id.
func (p *Provider) PublishMessages(ctx context.Context, queue string, msgs []providers.Message) ([]providers.Published, error) {
	pb, err := p.publisher(ctx)
	if err != nil {
		return nil, err
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	confirms := make([]*amqp.DeferredConfirmation, 0, len(msgs))
	for _, m := range msgs {
		h := amqp.Table{}
		for k, v := range providers.MessageHeaders(m) {
			h[k] = v
		}
		pub := amqp.Publishing{Headers: h, DeliveryMode: amqp.Persistent, Body: m.Body, MessageId: h[providers.HeaderOriginID].(string)}
		if !m.SentAt.IsZero() {
			pub.Timestamp = m.SentAt
		}
		dc, err := pb.ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, pub)
		if err != nil {
			return nil, p.fail(fmt.Sprintf("publish to %q", queue), err)
		}
		confirms = append(confirms, dc)
	}
	out := make([]providers.Published, len(msgs))
	for i, dc := range confirms {
		ok, err := dc.WaitContext(ctx)
		if err != nil {
			return nil, p.fail(fmt.Sprintf("wait for the confirm of a message to %q", queue), err)
		}
		if !ok {
			return nil, p.fail(fmt.Sprintf("publish to %q", queue), providers.Retryable(fmt.Errorf("message %d of %d not confirmed (nack)", i+1, len(msgs))))
		}
	}
	// A mandatory message no queue took is returned before its confirm.
	select {
	case r := <-pb.returns:
		for len(pb.returns) > 0 {
			<-pb.returns
		}
		return nil, p.fail(fmt.Sprintf("publish to %q", queue), fmt.Errorf("returned by the broker: %d %s (does the queue exist?)", r.ReplyCode, r.ReplyText))
	default:
	}
	return out, nil
}

// getter is a consumer on one queue, held open across receives so that
// deliveries stay unacknowledged (hidden) until deleted or released.
// (Quorum queues with a single active consumer refuse basic.get.)
type getter struct {
	mu sync.Mutex
	id int
	ch *amqp.Channel
	ds <-chan amqp.Delivery
}

func (p *Provider) getter(ctx context.Context, queue string, prefetch int) (*getter, error) {
	conn, err := p.connection(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if g, ok := p.getters[queue]; ok && !g.ch.IsClosed() {
		return g, nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, p.fail("open channel", err)
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		ch.Close()
		return nil, p.fail("set prefetch", err)
	}
	ds, err := ch.Consume(queue, "rehome-drain", false, false, false, false, nil)
	if err != nil {
		ch.Close()
		if amqpCode(err) == amqp.NotFound {
			return nil, fmt.Errorf("rabbitmq: queue %q: %w", queue, providers.ErrNotFound)
		}
		return nil, p.fail(fmt.Sprintf("consume from %q", queue), err)
	}
	p.nextChan++
	g := &getter{id: p.nextChan, ch: ch, ds: ds}
	p.getters[queue] = g
	return g, nil
}

// dropGetter closes rehome's consumer on a queue, putting back what it
// holds.
func (p *Provider) dropGetter(queue string) bool {
	p.mu.Lock()
	g := p.getters[queue]
	delete(p.getters, queue)
	p.mu.Unlock()
	if g != nil {
		_ = g.ch.Close()
	}
	return g != nil
}

// lookup returns the live getter a receipt names (nil when its channel is
// gone: the broker has put its deliveries back).
func (p *Provider) lookup(queue, receipt string) (*getter, uint64) {
	idText, tagText, ok := strings.Cut(receipt, ":")
	id, err1 := strconv.Atoi(idText)
	tag, err2 := strconv.ParseUint(tagText, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.getters[queue]
	if g == nil || g.id != id || g.ch.IsClosed() {
		return nil, 0
	}
	return g, tag
}

// ReceiveMessages takes up to max ready messages. They stay
// unacknowledged — hidden from other consumers — until deleted, released
// or the connection closes; hold is not used (the server's consumer
// timeout applies). It waits briefly for the first message and returns
// none when the queue stays quiet.
func (p *Provider) ReceiveMessages(ctx context.Context, queue string, max int, hold time.Duration) ([]providers.Message, error) {
	g, err := p.getter(ctx, queue, max)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []providers.Message
	// The broker pushes deliveries a moment after they become ready (a new
	// consumer, a requeue): wait that long for the first.
	t := time.NewTimer(300 * time.Millisecond)
	defer t.Stop()
	for len(out) < max {
		select {
		case d, ok := <-g.ds:
			if !ok {
				return out, p.fail(fmt.Sprintf("consume from %q", queue), providers.Retryable(errors.New("the consumer's channel closed")))
			}
			out = append(out, fromDelivery(g.id, d))
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(20 * time.Millisecond)
		case <-t.C:
			return out, nil
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// brokerHeaders are headers RabbitMQ adds; they are not attributes.
func brokerHeader(k string) bool {
	return k == "x-delivery-count" || strings.HasPrefix(k, "x-death") || strings.HasPrefix(k, "x-first-death") ||
		strings.HasPrefix(k, "x-last-death") || k == "x-received-from"
}

func fromDelivery(id int, d amqp.Delivery) providers.Message {
	h := map[string]string{}
	for k, v := range d.Headers {
		if brokerHeader(k) {
			continue
		}
		switch x := v.(type) {
		case string:
			h[k] = x
		case []byte:
			h[k] = string(x)
		default:
			h[k] = fmt.Sprint(x)
		}
	}
	m := providers.MessageFromHeaders(d.Body, h)
	m.ID = fmt.Sprintf("%d:%d", id, d.DeliveryTag)
	m.Receipt = m.ID
	if m.OriginID == "" {
		m.OriginID = d.MessageId
	}
	if m.SentAt.IsZero() && !d.Timestamp.IsZero() {
		m.SentAt = d.Timestamp
	}
	m.Receives = 1
	if n, ok := d.Headers["x-delivery-count"]; ok {
		c, _ := strconv.Atoi(fmt.Sprint(n))
		m.Receives = c + 1
	}
	return m
}

// DeleteMessages acknowledges deliveries. A receipt of a channel that is
// gone is skipped: the broker put the message back and delivers it again.
func (p *Provider) DeleteMessages(ctx context.Context, queue string, receipts []string) error {
	for _, r := range receipts {
		if err := ctx.Err(); err != nil {
			return err
		}
		g, tag := p.lookup(queue, r)
		if g == nil {
			continue
		}
		if err := g.ch.Ack(tag, false); err != nil && !errors.Is(err, amqp.ErrClosed) {
			return p.fail(fmt.Sprintf("acknowledge a message of %q", queue), err)
		}
	}
	return nil
}

// ReleaseMessages puts deliveries back at once (nack with requeue).
func (p *Provider) ReleaseMessages(ctx context.Context, queue string, receipts []string) error {
	for _, r := range receipts {
		g, tag := p.lookup(queue, r)
		if g == nil {
			continue
		}
		if err := g.ch.Nack(tag, false, true); err != nil && !errors.Is(err, amqp.ErrClosed) {
			return p.fail(fmt.Sprintf("release a message of %q", queue), err)
		}
	}
	return nil
}
