package nats

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/rehome/rehome/providers"
)

// Defaults the server applies and rehome reads back.
const (
	defaultAckWait   = 30 * time.Second
	defaultDupWindow = 2 * time.Minute
	descPrefix       = "rehome queue"
	advisoryDesc     = "rehome dead-letter advisories of "
)

// StreamName is the stream a queue name becomes: JetStream stream names
// cannot hold '.', '*', '>', spaces or path separators, which become '_'.
func StreamName(queue string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '/', '\\':
			return '_'
		}
		return r
	}, queue)
}

// advisoryStream is the stream keeping a queue's max-deliveries advisories.
func advisoryStream(stream string) string { return stream + "-dead-letters" }

func advisorySubject(stream string) string {
	return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + stream + "." + stream
}

// configs returns the stream and consumer a queue is, and its mapping.
// A queue that is already a stream name keeps its name; its subject is the
// queue's portable name.
func configs(spec providers.QueueSpec) (jetstream.StreamConfig, jetstream.ConsumerConfig, providers.QueueMapping) {
	name := StreamName(spec.Name)
	subject := spec.Name
	m := providers.QueueMapping{Name: name, Held: providers.QueueSpec{Name: name}}
	set := func(k, v, from string) {
		m.Settings = append(m.Settings, providers.QueueSetting{Name: k, Value: v, From: from})
	}
	gap := func(setting string, blocker bool, format string, a ...any) {
		m.Gaps = append(m.Gaps, providers.QueueGap{Setting: setting, Detail: fmt.Sprintf(format, a...), Blocker: blocker})
	}
	sc := jetstream.StreamConfig{Name: name, Subjects: []string{subject}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: 1, Discard: jetstream.DiscardOld, Description: descPrefix}
	cc := jetstream.ConsumerConfig{Durable: name, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: subject, MaxDeliver: -1, AckWait: defaultAckWait}
	set("stream", name, "queue "+spec.Name)
	set("subjects", subject, "publish subject")
	set("retention", "workqueue", "a message is removed once acknowledged")
	set("consumer", name+" (durable, pull, explicit ack)", "the queue's receivers")
	if strings.ContainsAny(subject, " \t*>") || strings.HasPrefix(subject, "$") || strings.Contains(subject, "..") ||
		strings.HasPrefix(subject, ".") || strings.HasSuffix(subject, ".") {
		gap("name", true, "%q is not a NATS subject", subject)
	}
	if spec.Retention > 0 {
		sc.MaxAge = spec.Retention
		set("max_age", spec.Retention.String(), "retention")
		m.Held.Retention = spec.Retention
	}
	if spec.VisibilityTimeout > 0 {
		cc.AckWait = spec.VisibilityTimeout
	}
	set("ack_wait", cc.AckWait.String(), "visibility timeout")
	m.Held.VisibilityTimeout = cc.AckWait
	if spec.MaxMessageBytes > 0 {
		sc.MaxMsgSize = int32(min(spec.MaxMessageBytes, 1<<31-1))
		set("max_msg_size", fmt.Sprint(sc.MaxMsgSize), "max message size")
		m.Held.MaxMessageBytes = int(sc.MaxMsgSize)
		gap("max message size", false, "the server's max_payload (1 MiB by default) also caps messages; messages above it are refused at publish")
	}
	if spec.FIFO {
		cc.MaxAckPending = 1
		set("max_ack_pending", "1", "fifo: one message in flight at a time")
		m.Held.FIFO = true
		gap("message groups", false, "one message is in flight at a time, in stream order for the whole queue: groups keep their order but are not consumed in parallel")
		w := spec.DedupWindow
		if w == 0 {
			w = 5 * time.Minute
		}
		sc.Duplicates = w
		set("duplicate_window", w.String(), "deduplication ids as Nats-Msg-Id")
		m.Held.DedupWindow = w
		if spec.ContentDedup {
			gap("content deduplication", false, "NATS does not derive ids from bodies: publishers must set Nats-Msg-Id (rehome sets it to the deduplication id when draining)")
		}
	}
	if spec.DeadLetter != "" {
		n := spec.MaxReceives
		if n <= 0 {
			n = 1
		}
		cc.MaxDeliver = n
		set("max_deliver", fmt.Sprint(n), "max receives")
		set("dead-letter advisories", advisoryStream(name)+" ("+advisorySubject(name)+")", "dead letter "+spec.DeadLetter)
		sc.Description = descPrefix + "; dead letters to " + spec.DeadLetter
		m.Held.DeadLetter, m.Held.MaxReceives = spec.DeadLetter, n
		gap("dead letter", false, "NATS does not move a message after %d deliveries: it stays in stream %s, no longer delivered, and the server's advisory naming its sequence is kept in stream %s; the messages in %q now are moved, later dead letters are not",
			n, name, advisoryStream(name), spec.DeadLetter)
	}
	if spec.Delay > 0 {
		gap("delay", false, "NATS has no delivery delay: messages published to %q are delivered at once, not after %s", subject, spec.Delay)
	}
	if len(spec.Tags) > 0 {
		gap("tags", false, "streams have no tags on this server: %s not carried", strings.Join(slices.Sorted(maps.Keys(spec.Tags)), ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Attrs)) {
		gap("attribute "+k, false, "NATS has no setting for %s = %s; not carried", k, spec.Attrs[k])
	}
	return sc, cc, m
}

// MapQueue says how a stream and its consumer hold spec.
func (p *Provider) MapQueue(spec providers.QueueSpec) providers.QueueMapping {
	_, _, m := configs(spec)
	return m
}

// specOf reads a stream and its consumer back into the portable spec.
func specOf(si *jetstream.StreamInfo, ci *jetstream.ConsumerInfo) providers.QueueSpec {
	s := providers.QueueSpec{Name: si.Config.Name, Retention: si.Config.MaxAge, MaxMessageBytes: int(max(si.Config.MaxMsgSize, 0))}
	if dl, ok := strings.CutPrefix(si.Config.Description, descPrefix+"; dead letters to "); ok {
		s.DeadLetter = dl
	}
	if ci == nil {
		return s
	}
	s.VisibilityTimeout = ci.Config.AckWait
	if ci.Config.MaxAckPending == 1 {
		s.FIFO = true
		s.DedupWindow = si.Config.Duplicates
	}
	if ci.Config.MaxDeliver > 0 {
		s.MaxReceives = ci.Config.MaxDeliver
	}
	return s
}

// info reads a stream and its durable consumer (nil when it has none).
func (p *Provider) info(ctx context.Context, stream string) (*jetstream.StreamInfo, *jetstream.ConsumerInfo, error) {
	_, js, err := p.client(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, nil, p.fail(fmt.Sprintf("stream %q", stream), err)
	}
	si, err := st.Info(ctx)
	if err != nil {
		return nil, nil, p.fail(fmt.Sprintf("stream %q", stream), err)
	}
	c, err := st.Consumer(ctx, stream)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return si, nil, nil
	}
	if err != nil {
		return nil, nil, p.fail(fmt.Sprintf("consumer %q", stream), err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return nil, nil, p.fail(fmt.Sprintf("consumer %q", stream), err)
	}
	return si, ci, nil
}

// Queues lists the work-queue streams (others are not queues rehome can
// drain) except rehome's advisory streams.
func (p *Provider) Queues(ctx context.Context) ([]providers.QueueSpec, error) {
	_, js, err := p.client(ctx)
	if err != nil {
		return nil, err
	}
	var out []providers.QueueSpec
	l := js.StreamNames(ctx)
	var names []string
	for n := range l.Name() {
		names = append(names, n)
	}
	if err := l.Err(); err != nil {
		return nil, p.fail("list streams", err)
	}
	slices.Sort(names)
	for _, n := range names {
		si, ci, err := p.info(ctx, n)
		if errors.Is(err, providers.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if si.Config.Retention != jetstream.WorkQueuePolicy || strings.HasPrefix(si.Config.Description, advisoryDesc) {
			continue
		}
		out = append(out, specOf(si, ci))
	}
	return out, nil
}

// Queue returns a stream's settings as a queue.
func (p *Provider) Queue(ctx context.Context, name string) (providers.QueueSpec, error) {
	si, ci, err := p.info(ctx, name)
	if err != nil {
		return providers.QueueSpec{}, err
	}
	return specOf(si, ci), nil
}

// Depth counts through the durable consumer: not yet delivered (visible)
// and delivered but not acknowledged (in flight). Without the consumer,
// every message of the stream counts as visible.
func (p *Provider) Depth(ctx context.Context, name string) (providers.QueueDepth, error) {
	si, ci, err := p.info(ctx, name)
	if err != nil {
		return providers.QueueDepth{}, err
	}
	if ci == nil {
		return providers.QueueDepth{Visible: int64(si.State.Msgs)}, nil
	}
	return providers.QueueDepth{Visible: int64(ci.NumPending), InFlight: int64(ci.NumAckPending)}, nil
}

// EnsureQueue creates the stream, its durable consumer and, for a queue
// with a dead-letter queue, the stream of its max-deliveries advisories.
// An existing stream is ErrExists, and ErrQueueMismatch too when it holds
// other settings.
func (p *Provider) EnsureQueue(ctx context.Context, spec providers.QueueSpec) error {
	sc, cc, m := configs(spec)
	if cur, err := p.Queue(ctx, m.Name); err == nil {
		if d := cur.Differences(m.Held); d != "" {
			return fmt.Errorf("nats: stream %q: %w: %w (%s)", m.Name, providers.ErrExists, providers.ErrQueueMismatch, d)
		}
		return fmt.Errorf("nats: stream %q: %w", m.Name, providers.ErrExists)
	} else if !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	_, js, err := p.client(ctx)
	if err != nil {
		return err
	}
	st, err := js.CreateStream(ctx, sc)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("nats: stream %q: %w", m.Name, providers.ErrExists)
	}
	if err != nil {
		return p.fail(fmt.Sprintf("create stream %q", m.Name), err)
	}
	if _, err := st.CreateConsumer(ctx, cc); err != nil {
		return p.fail(fmt.Sprintf("create consumer %q", m.Name), err)
	}
	if spec.DeadLetter != "" {
		ac := jetstream.StreamConfig{Name: advisoryStream(m.Name), Subjects: []string{advisorySubject(m.Name)},
			Retention: jetstream.LimitsPolicy, Storage: jetstream.FileStorage, Replicas: 1, MaxAge: sc.MaxAge,
			Description: advisoryDesc + m.Name}
		if _, err := js.CreateStream(ctx, ac); err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return p.fail(fmt.Sprintf("create stream %q", ac.Name), err)
		}
	}
	return nil
}

// DeleteQueue deletes an empty stream (and its advisory stream, when it is
// rehome's); ErrNotEmpty while it holds messages, counting those past
// their deliveries.
func (p *Provider) DeleteQueue(ctx context.Context, name string) error {
	si, _, err := p.info(ctx, name)
	if err != nil {
		return err
	}
	if si.State.Msgs > 0 {
		return fmt.Errorf("nats: stream %q holds %d messages: %w", name, si.State.Msgs, providers.ErrNotEmpty)
	}
	_, js, err := p.client(ctx)
	if err != nil {
		return err
	}
	if err := js.DeleteStream(ctx, name); err != nil {
		return p.fail(fmt.Sprintf("delete stream %q", name), err)
	}
	adv, err := js.Stream(ctx, advisoryStream(name))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return p.fail(fmt.Sprintf("stream %q", advisoryStream(name)), err)
	}
	if ai := adv.CachedInfo(); ai != nil && ai.Config.Description == advisoryDesc+name {
		if err := js.DeleteStream(ctx, advisoryStream(name)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return p.fail(fmt.Sprintf("delete stream %q", advisoryStream(name)), err)
		}
	}
	return nil
}
