package memory

// The memory provider's providers.Queue and providers.MessageMover: a
// client of the in-memory SQS service (queue_sqs.go), mapping the portable
// model onto SQS attributes the way a provider over the SQS SDK would.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rehome/rehome/providers"
)

var (
	_ providers.Queue        = (*Provider)(nil)
	_ providers.MessageMover = (*Provider)(nil)
)

// otherAttrs are SQS attributes with no portable meaning, kept in
// QueueSpec.Attrs.
var otherAttrs = []string{"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled",
	"DeduplicationScope", "FifoThroughputLimit", "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "Policy"}

// queueErr maps service errors to the sentinels the movers read.
func queueErr(what string, err error) error {
	var se *SQSError
	if errors.As(err, &se) {
		switch se.Code {
		case SQSNonExistentQueue:
			return fmt.Errorf("memory: %s: %w (%w)", what, providers.ErrNotFound, err)
		case SQSQueueDeletedRecently:
			return providers.RetryableAfter(fmt.Errorf("memory: %s: %w", what, err), sqsRecreateWait)
		}
	}
	return fmt.Errorf("memory: %s: %w", what, err)
}

func seconds(v string) time.Duration {
	n, _ := strconv.Atoi(v)
	return time.Duration(n) * time.Second
}

// specOf reads a queue's attributes and tags into the portable spec.
func specOf(name string, a, tags map[string]string) providers.QueueSpec {
	s := providers.QueueSpec{Name: name, FIFO: a["FifoQueue"] == "true", ContentDedup: a["ContentBasedDeduplication"] == "true",
		VisibilityTimeout: seconds(a["VisibilityTimeout"]), Retention: seconds(a["MessageRetentionPeriod"]),
		Delay: seconds(a["DelaySeconds"]), Tags: tags}
	s.MaxMessageBytes, _ = strconv.Atoi(a["MaximumMessageSize"])
	if s.FIFO {
		s.DedupWindow = sqsDedupWindow
	}
	if v := a["RedrivePolicy"]; v != "" {
		var rp RedrivePolicy
		if json.Unmarshal([]byte(v), &rp) == nil {
			s.DeadLetter, _ = nameFromARN(rp.DeadLetterTargetArn)
			s.MaxReceives, _ = rp.count()
		}
	}
	for _, k := range otherAttrs {
		if v := a[k]; v != "" {
			if s.Attrs == nil {
				s.Attrs = map[string]string{}
			}
			s.Attrs[k] = v
		}
	}
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	return s
}

// Queues lists the space's queues with their settings.
func (p *Provider) Queues(ctx context.Context) ([]providers.QueueSpec, error) {
	urls, err := p.SQS().ListQueues(ctx, "")
	if err != nil {
		return nil, queueErr("list queues", err)
	}
	var out []providers.QueueSpec
	for _, u := range urls {
		s, err := p.Queue(ctx, nameFromURL(u))
		if errors.Is(err, providers.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Queue returns one queue's settings.
func (p *Provider) Queue(ctx context.Context, name string) (providers.QueueSpec, error) {
	url, err := p.SQS().GetQueueURL(ctx, name)
	if err != nil {
		return providers.QueueSpec{}, queueErr(fmt.Sprintf("queue %q", name), err)
	}
	a, err := p.SQS().GetQueueAttributes(ctx, url, "All")
	if err != nil {
		return providers.QueueSpec{}, queueErr(fmt.Sprintf("attributes of queue %q", name), err)
	}
	tags, err := p.SQS().ListQueueTags(ctx, url)
	if err != nil {
		return providers.QueueSpec{}, queueErr(fmt.Sprintf("tags of queue %q", name), err)
	}
	return specOf(name, a, tags), nil
}

// Depth counts a queue's messages.
func (p *Provider) Depth(ctx context.Context, name string) (providers.QueueDepth, error) {
	url, err := p.SQS().GetQueueURL(ctx, name)
	if err != nil {
		return providers.QueueDepth{}, queueErr(fmt.Sprintf("queue %q", name), err)
	}
	a, err := p.SQS().GetQueueAttributes(ctx, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")
	if err != nil {
		return providers.QueueDepth{}, queueErr(fmt.Sprintf("count messages of queue %q", name), err)
	}
	n := func(k string) int64 { v, _ := strconv.ParseInt(a[k], 10, 64); return v }
	return providers.QueueDepth{Visible: n("ApproximateNumberOfMessages"), InFlight: n("ApproximateNumberOfMessagesNotVisible"),
		Delayed: n("ApproximateNumberOfMessagesDelayed")}, nil
}

// clampSeconds fits d into [lo, hi] seconds, reporting whether it had to.
func clampSeconds(d time.Duration, lo, hi int) (int, bool) {
	s := int((d + time.Second - 1) / time.Second)
	switch {
	case s < lo:
		return lo, true
	case s > hi:
		return hi, true
	}
	return s, s != int(d/time.Second) || d%time.Second != 0
}

// sqsAttrs returns the attributes that create spec, and the gaps.
func sqsAttrs(spec providers.QueueSpec) (map[string]string, []providers.QueueSetting, []providers.QueueGap) {
	a := map[string]string{}
	var set []providers.QueueSetting
	var gaps []providers.QueueGap
	put := func(k, v, from string) {
		a[k] = v
		set = append(set, providers.QueueSetting{Name: k, Value: v, From: from})
	}
	secs := func(k, from string, d time.Duration, def time.Duration, lo, hi int) {
		if d == 0 {
			d = def
		}
		n, clamped := clampSeconds(d, lo, hi)
		if clamped {
			gaps = append(gaps, providers.QueueGap{Setting: from, Detail: fmt.Sprintf("%s holds %d to %d seconds: %s becomes %ds", k, lo, hi, d, n)})
		}
		put(k, strconv.Itoa(n), from)
	}
	if spec.FIFO {
		put("FifoQueue", "true", "fifo")
		if spec.ContentDedup {
			put("ContentBasedDeduplication", "true", "content deduplication")
		}
		if spec.DedupWindow != 0 && spec.DedupWindow != sqsDedupWindow {
			gaps = append(gaps, providers.QueueGap{Setting: "deduplication window",
				Detail: fmt.Sprintf("SQS remembers deduplication ids for 5m, not %s", spec.DedupWindow)})
		}
	}
	secs("VisibilityTimeout", "visibility timeout", spec.VisibilityTimeout, sqsDefaultVisibility*time.Second, 0, sqsMaxVisibility)
	secs("MessageRetentionPeriod", "retention", spec.Retention, sqsDefaultRetention*time.Second, sqsMinRetention, sqsMaxRetention)
	if spec.Retention == 0 {
		gaps = append(gaps, providers.QueueGap{Setting: "retention", Detail: "SQS keeps messages at most 14 days; the default, 4 days, applies"})
	}
	if spec.Delay > 0 {
		secs("DelaySeconds", "delay", spec.Delay, 0, 0, sqsMaxDelay)
	}
	size := spec.MaxMessageBytes
	if size == 0 {
		size = sqsMaxMessageSize
	}
	if size > sqsMaxMessageSize || size < sqsMinMessageSize {
		n := min(max(size, sqsMinMessageSize), sqsMaxMessageSize)
		gaps = append(gaps, providers.QueueGap{Setting: "max message size", Blocker: size > sqsMaxMessageSize,
			Detail: fmt.Sprintf("SQS takes messages of %d to %d bytes: %d becomes %d", sqsMinMessageSize, sqsMaxMessageSize, size, n)})
		size = n
	}
	put("MaximumMessageSize", strconv.Itoa(size), "max message size")
	if spec.DeadLetter != "" {
		n := spec.MaxReceives
		if n < 1 || n > sqsMaxReceiveCount {
			n = min(max(n, 1), sqsMaxReceiveCount)
			gaps = append(gaps, providers.QueueGap{Setting: "dead letter", Detail: fmt.Sprintf("maxReceiveCount is 1 to 1000: %d becomes %d", spec.MaxReceives, n)})
		}
		rp, _ := json.Marshal(map[string]any{"deadLetterTargetArn": queueARN(spec.DeadLetter), "maxReceiveCount": n})
		put("RedrivePolicy", string(rp), fmt.Sprintf("dead letter %s after %d receives", spec.DeadLetter, spec.MaxReceives))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Attrs)) {
		if slices.Contains(otherAttrs, k) && (spec.FIFO || !strings.HasPrefix(k, "Dedup") && !strings.HasPrefix(k, "Fifo")) {
			put(k, spec.Attrs[k], "attribute "+k)
			continue
		}
		gaps = append(gaps, providers.QueueGap{Setting: "attribute " + k, Detail: fmt.Sprintf("SQS has no setting %s = %s; not carried", k, spec.Attrs[k])})
	}
	return a, set, gaps
}

// MapQueue says how SQS holds spec: every portable setting has an SQS
// attribute; values outside SQS's ranges are clamped and reported.
func (p *Provider) MapQueue(spec providers.QueueSpec) providers.QueueMapping {
	name := spec.Name
	if spec.FIFO && !strings.HasSuffix(name, ".fifo") {
		name += ".fifo"
	}
	a, set, gaps := sqsAttrs(spec)
	eff := (&sqsQueue{attrs: a}).effective()
	for k, v := range a {
		eff[k] = v
	}
	held := specOf(name, eff, spec.Tags)
	if len(spec.Tags) > 0 {
		set = append(set, providers.QueueSetting{Name: "tags", Value: strings.Join(slices.Sorted(maps.Keys(spec.Tags)), ", "), From: "tags"})
	}
	return providers.QueueMapping{Name: name, Settings: set, Gaps: gaps, Held: held}
}

// EnsureQueue creates the queue MapQueue describes (its dead-letter queue
// must exist); an existing one is ErrExists, and ErrQueueMismatch too when
// its settings differ.
func (p *Provider) EnsureQueue(ctx context.Context, spec providers.QueueSpec) error {
	m := p.MapQueue(spec)
	if cur, err := p.Queue(ctx, m.Name); err == nil {
		if d := cur.Differences(m.Held); d != "" {
			return fmt.Errorf("memory: queue %q: %w: %w (%s)", m.Name, providers.ErrExists, providers.ErrQueueMismatch, d)
		}
		return fmt.Errorf("memory: queue %q: %w", m.Name, providers.ErrExists)
	} else if !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	a, _, _ := sqsAttrs(spec)
	if _, err := p.SQS().CreateQueue(ctx, m.Name, a, spec.Tags); err != nil {
		return queueErr(fmt.Sprintf("create queue %q", m.Name), err)
	}
	return nil
}

// DeleteQueue deletes an empty queue.
func (p *Provider) DeleteQueue(ctx context.Context, name string) error {
	d, err := p.Depth(ctx, name)
	if err != nil {
		return err
	}
	if d.Total() > 0 {
		return fmt.Errorf("memory: queue %q holds %d messages: %w", name, d.Total(), providers.ErrNotEmpty)
	}
	url, err := p.SQS().GetQueueURL(ctx, name)
	if err != nil {
		return queueErr(fmt.Sprintf("queue %q", name), err)
	}
	if err := p.SQS().DeleteQueue(ctx, url); err != nil {
		return queueErr(fmt.Sprintf("delete queue %q", name), err)
	}
	return nil
}

// ReceiveMessages receives up to max messages (SQS returns at most 10 a call),
// hidden for hold.
func (p *Provider) ReceiveMessages(ctx context.Context, queue string, max int, hold time.Duration) ([]providers.Message, error) {
	url, err := p.SQS().GetQueueURL(ctx, queue)
	if err != nil {
		return nil, queueErr(fmt.Sprintf("queue %q", queue), err)
	}
	vis, _ := clampSeconds(hold, 0, sqsMaxVisibility)
	var out []providers.Message
	for len(out) < max {
		ms, err := p.SQS().ReceiveMessage(ctx, ReceiveMessageInput{QueueURL: url, MaxNumberOfMessages: min(max-len(out), sqsMaxBatch), VisibilityTimeout: &vis})
		if err != nil {
			return out, queueErr(fmt.Sprintf("receive from %q", queue), err)
		}
		if len(ms) == 0 {
			break
		}
		for _, m := range ms {
			out = append(out, portable(m))
		}
	}
	return out, nil
}

func portable(m SQSMessage) providers.Message {
	pm := providers.Message{ID: m.MessageID, Stable: true, Body: []byte(m.Body), Receipt: m.ReceiptHandle,
		GroupID: m.Attributes["MessageGroupId"], DedupID: m.Attributes["MessageDeduplicationId"]}
	pm.Receives, _ = strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	if ms, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
		pm.SentAt = time.UnixMilli(ms).UTC()
	}
	for k, v := range m.MessageAttributes {
		if pm.Attributes == nil {
			pm.Attributes = map[string]providers.MessageAttribute{}
		}
		pm.Attributes[k] = providers.MessageAttribute{Type: v.DataType, String: v.StringValue, Binary: v.BinaryValue}
	}
	return pm
}

// DeleteMessages deletes received messages. Handles SQS takes but no longer acts
// on (superseded, or expired in a FIFO queue) are not errors: the message
// is received again.
func (p *Provider) DeleteMessages(ctx context.Context, queue string, receipts []string) error {
	url, err := p.SQS().GetQueueURL(ctx, queue)
	if err != nil {
		return queueErr(fmt.Sprintf("queue %q", queue), err)
	}
	var errs []error
	for _, h := range receipts {
		err := p.SQS().DeleteMessage(ctx, url, h)
		var se *SQSError
		if errors.As(err, &se) && se.Code == SQSInvalidParameterValue {
			continue // expired: the message is visible again
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return queueErr(fmt.Sprintf("delete messages from %q", queue), errors.Join(errs...))
	}
	return nil
}

// ReleaseMessages makes received messages visible again (ChangeMessageVisibility
// to 0); those no longer in flight are skipped.
func (p *Provider) ReleaseMessages(ctx context.Context, queue string, receipts []string) error {
	url, err := p.SQS().GetQueueURL(ctx, queue)
	if err != nil {
		return queueErr(fmt.Sprintf("queue %q", queue), err)
	}
	for _, h := range receipts {
		err := p.SQS().ChangeMessageVisibility(ctx, url, h, 0)
		var se *SQSError
		if errors.As(err, &se) && (se.Code == SQSMessageNotInflight || se.Code == SQSReceiptHandleIsInvalid) {
			continue
		}
		if err != nil {
			return queueErr(fmt.Sprintf("release messages of %q", queue), err)
		}
	}
	return nil
}

// PublishMessages sends messages in order, one SendMessage each (a FIFO queue
// needs a group; a missing deduplication id is derived from the message
// id, so a repeated publish of one message is dropped within 5 minutes).
// SQS does not say whether it dropped a duplicate, so no result is
// marked Duplicate.
func (p *Provider) PublishMessages(ctx context.Context, queue string, msgs []providers.Message) ([]providers.Published, error) {
	url, err := p.SQS().GetQueueURL(ctx, queue)
	if err != nil {
		return nil, queueErr(fmt.Sprintf("queue %q", queue), err)
	}
	fifo := strings.HasSuffix(queue, ".fifo")
	out := make([]providers.Published, 0, len(msgs))
	for _, m := range msgs {
		in := SendMessageInput{QueueURL: url, MessageBody: string(m.Body)}
		for k, a := range m.Attributes {
			if in.MessageAttributes == nil {
				in.MessageAttributes = map[string]MessageAttributeValue{}
			}
			in.MessageAttributes[k] = MessageAttributeValue{DataType: a.Type, StringValue: a.String, BinaryValue: a.Binary}
		}
		if fifo {
			in.MessageGroupID, in.MessageDeduplicationID = m.GroupID, m.DedupID
			if in.MessageGroupID == "" {
				in.MessageGroupID = "default"
			}
			if in.MessageDeduplicationID == "" {
				h := sha256.Sum256([]byte(m.ID + "\x00" + string(m.Body)))
				in.MessageDeduplicationID = hex.EncodeToString(h[:])
			}
		}
		if _, err := p.SQS().SendMessage(ctx, in); err != nil {
			return out, queueErr(fmt.Sprintf("send to %q", queue), err)
		}
		out = append(out, providers.Published{})
	}
	return out, nil
}

func queueCaps() providers.QueueCaps {
	return providers.QueueCaps{FIFO: true, DeadLetter: true, DelaySeconds: true, Messages: true, Dedup: true, List: true,
		MaxMessageBytes: sqsMaxMessageSize}
}

// discoverQueues adds the space's queues to an inventory; the store is
// locked.
func (p *Provider) discoverQueues(sp *space, add func(providers.Resource)) {
	s := p.sqs(sp)
	now := p.now()
	for _, n := range s.queueNames() {
		q := s.queues[n]
		s.expire(q, now)
		vis, inflight, delayed := q.counts(now)
		spec := specOf(n, q.effective(), q.tags)
		attrs := map[string]string{"fifo": strconv.FormatBool(spec.FIFO), "visibility_timeout": spec.VisibilityTimeout.String(),
			"retention": spec.Retention.String(), "in_flight": strconv.Itoa(inflight), "delayed": strconv.Itoa(delayed)}
		if spec.DeadLetter != "" {
			attrs["dead_letter"], attrs["max_receives"] = spec.DeadLetter, strconv.Itoa(spec.MaxReceives)
		}
		add(providers.Resource{Kind: providers.KindQueue, Type: "queue", ID: queueARN(n), Name: n, Attrs: attrs,
			Usage: providers.Usage{Messages: int64(vis + inflight + delayed)}})
	}
}
