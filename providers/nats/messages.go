package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rehome/rehome/providers"
)

// subject returns the subject a queue's stream takes.
func (p *Provider) subject(ctx context.Context, stream string) (string, error) {
	si, _, err := p.info(ctx, stream)
	if err != nil {
		return "", err
	}
	if len(si.Config.Subjects) == 0 {
		return "", fmt.Errorf("nats: stream %q has no subject to publish to", stream)
	}
	return si.Config.Subjects[0], nil
}

// PublishMessages publishes to the stream's subject and waits for every
// JetStream ack. Nats-Msg-Id is the deduplication id, or the id the
// message had where rehome drained it from, so the stream drops a message
// published again within its duplicate window (reported as Duplicate).
func (p *Provider) PublishMessages(ctx context.Context, queue string, msgs []providers.Message) ([]providers.Published, error) {
	_, js, err := p.client(ctx)
	if err != nil {
		return nil, err
	}
	subj, err := p.subject(ctx, queue)
	if err != nil {
		return nil, err
	}
	futs := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		nm := nats.NewMsg(subj)
		nm.Data = m.Body
		for k, v := range providers.MessageHeaders(m) {
			nm.Header.Set(k, v)
		}
		id := m.DedupID
		if id == "" {
			id = nm.Header.Get(providers.HeaderOriginID)
		}
		opts := []jetstream.PublishOpt{jetstream.WithExpectStream(queue)}
		if id != "" {
			opts = append(opts, jetstream.WithMsgID(id))
		}
		f, err := js.PublishMsgAsync(nm, opts...)
		if err != nil {
			return nil, p.fail(fmt.Sprintf("publish to %q", queue), err)
		}
		futs = append(futs, f)
	}
	out := make([]providers.Published, len(msgs))
	for i, f := range futs {
		select {
		case ack := <-f.Ok():
			out[i].Duplicate = ack.Duplicate
		case err := <-f.Err():
			return nil, p.fail(fmt.Sprintf("publish message %d of %d to %q", i+1, len(msgs), queue), err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(30 * time.Second):
			return nil, p.fail(fmt.Sprintf("publish to %q", queue), nats.ErrTimeout)
		}
	}
	return out, nil
}

// ReceiveMessages fetches up to max messages from the stream's durable
// consumer. They stay unacknowledged — not redelivered — for the
// consumer's AckWait (hold is not used). Ids are stream sequences, stable
// across redeliveries.
func (p *Provider) ReceiveMessages(ctx context.Context, queue string, max int, hold time.Duration) ([]providers.Message, error) {
	_, js, err := p.client(ctx)
	if err != nil {
		return nil, err
	}
	c, err := js.Consumer(ctx, queue, queue)
	if err != nil {
		return nil, p.fail(fmt.Sprintf("consumer %q", queue), err)
	}
	// A consumer hands out no more than MaxAckPending unacknowledged
	// messages (one for a FIFO queue): a larger fetch would wait for
	// acknowledgements the caller sends only after it returns.
	if ci := c.CachedInfo(); ci != nil && ci.Config.MaxAckPending > 0 {
		max = min(max, ci.Config.MaxAckPending-ci.NumAckPending)
		if max <= 0 {
			return nil, nil
		}
	}
	// What is there now, without waiting; a short wait only when nothing is.
	out, err := p.fetch(queue, c, max, true)
	if len(out) > 0 || err != nil {
		return out, err
	}
	return p.fetch(queue, c, max, false)
}

func (p *Provider) fetch(queue string, c jetstream.Consumer, max int, noWait bool) ([]providers.Message, error) {
	var b jetstream.MessageBatch
	var err error
	if noWait {
		b, err = c.FetchNoWait(max)
	} else {
		b, err = c.Fetch(max, jetstream.FetchMaxWait(300*time.Millisecond))
	}
	if err != nil {
		return nil, p.fail(fmt.Sprintf("fetch from %q", queue), err)
	}
	var out []providers.Message
	for m := range b.Messages() {
		md, err := m.Metadata()
		if err != nil {
			return out, p.fail(fmt.Sprintf("fetch from %q", queue), err)
		}
		h := map[string]string{}
		for k, v := range m.Headers() {
			if len(v) > 0 && k != jetstream.MsgIDHeader && k != "Nats-Expected-Stream" {
				h[k] = v[0]
			}
		}
		pm := providers.MessageFromHeaders(m.Data(), h)
		pm.ID, pm.Stable, pm.Receipt = strconv.FormatUint(md.Sequence.Stream, 10), true, m.Reply()
		pm.Receives = int(md.NumDelivered)
		if pm.SentAt.IsZero() {
			pm.SentAt = md.Timestamp
		}
		if pm.DedupID == "" && m.Headers().Get(jetstream.MsgIDHeader) != "" && pm.GroupID != "" {
			pm.DedupID = m.Headers().Get(jetstream.MsgIDHeader)
		}
		p.mu.Lock()
		p.msgs[pm.Receipt] = m
		p.mu.Unlock()
		out = append(out, pm)
	}
	if err := b.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
		return out, p.fail(fmt.Sprintf("fetch from %q", queue), err)
	}
	return out, nil
}

// ack sends an acknowledgement (+ACK, or -NAK) for a receipt and, for
// +ACK, waits for the server to confirm it. A receipt of another process
// is acknowledged through its reply subject; one that no longer names a
// pending delivery gets no answer and is skipped.
func (p *Provider) ack(ctx context.Context, receipt string, nak bool) error {
	nc, _, err := p.client(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	m := p.msgs[receipt]
	delete(p.msgs, receipt)
	p.mu.Unlock()
	if nak {
		if m != nil {
			return m.Nak()
		}
		return nc.Publish(receipt, []byte("-NAK"))
	}
	if m != nil {
		err = m.DoubleAck(ctx)
	} else {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = nc.RequestWithContext(rctx, receipt, []byte("+ACK"))
		cancel()
	}
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil || errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
		return nil // stale: the message is delivered again, or was acknowledged already
	}
	return err
}

// DeleteMessages acknowledges deliveries; the work-queue stream then
// removes them.
func (p *Provider) DeleteMessages(ctx context.Context, queue string, receipts []string) error {
	for _, r := range receipts {
		if err := p.ack(ctx, r, false); err != nil {
			return p.fail(fmt.Sprintf("acknowledge a message of %q", queue), err)
		}
	}
	return nil
}

// ReleaseMessages asks for immediate redelivery (-NAK).
func (p *Provider) ReleaseMessages(ctx context.Context, queue string, receipts []string) error {
	for _, r := range receipts {
		if err := p.ack(ctx, r, true); err != nil {
			return p.fail(fmt.Sprintf("release a message of %q", queue), err)
		}
	}
	return nil
}
