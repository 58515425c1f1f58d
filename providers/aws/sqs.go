package aws

// Amazon SQS: the aws provider's providers.Queue and providers.MessageMover,
// over the SDK's SQS client (the AWS JSON 1.0 protocol). Queues are named
// by their SQS names; their settings are the queue attributes (API
// reference, SetQueueAttributes), their labels the queue tags.

import (
	"context"
	"crypto/rand"
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/rehome/rehome/providers"
)

var (
	_ providers.Queue        = (*Provider)(nil)
	_ providers.MessageMover = (*Provider)(nil)
)

// SQS's limits (API reference, CreateQueue and SendMessage), in seconds
// where they are times.
const (
	sqsVisibilityDefault = 30
	sqsVisibilityMax     = 43200 // 12 hours
	sqsRetentionDefault  = 345600
	sqsRetentionMin      = 60
	sqsRetentionMax      = 1209600 // 14 days
	sqsDelayMax          = 900
	sqsSizeMin           = 1024
	sqsSizeMax           = 1 << 20 // 1 MiB since August 2025 (262,144 before)
	sqsReceivesMax       = 1000
	sqsBatch             = 10
	sqsDedup             = 5 * time.Minute
	// sqsRecreate is how long SQS refuses a name after its queue was
	// deleted.
	sqsRecreate = 60 * time.Second
	// sqsPoll is the long-polling wait of a receive: long enough that SQS
	// asks all its servers (a short poll samples some and may answer
	// empty while messages wait), short enough for a drain's last look.
	sqsPoll = 1
)

// sqsPassThrough are attributes with no portable meaning, kept in
// QueueSpec.Attrs and created again at an SQS destination.
var sqsPassThrough = []string{"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled",
	"ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "Policy", "DeduplicationScope", "FifoThroughputLimit"}

// fifoOnly are pass-through attributes only FIFO queues take.
var fifoOnly = []string{"DeduplicationScope", "FifoThroughputLimit"}

func queueCaps() providers.QueueCaps {
	return providers.QueueCaps{FIFO: true, DeadLetter: true, DelaySeconds: true, Messages: true, Dedup: true, List: true,
		MaxMessageBytes: sqsSizeMax}
}

// sqsClient builds the SQS client on the configured endpoint.
func (p *Provider) sqsClient() *sqs.Client {
	return sqs.NewFromConfig(p.cfg, func(o *sqs.Options) {
		if e := p.endpoint("sqs"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
	})
}

// sqsErr wraps an SQS failure: a queue that does not exist is
// providers.ErrNotFound, a name deleted a moment ago is worth trying again
// after SQS's minute, throttling and broken connections are transient.
func sqsErr(what string, err error) error {
	var nq *types.QueueDoesNotExist
	var ae smithy.APIError
	switch {
	case errors.As(err, &nq), errors.As(err, &ae) && ae.ErrorCode() == "AWS.SimpleQueueService.NonExistentQueue":
		return fmt.Errorf("aws: sqs: %s: %w (%w)", what, providers.ErrNotFound, err)
	case errors.As(err, &ae) && ae.ErrorCode() == "AWS.SimpleQueueService.QueueDeletedRecently":
		return providers.RetryableAfter(fmt.Errorf("aws: sqs: %s: %w", what, err), sqsRecreate)
	}
	return providers.MarkTransient(fmt.Errorf("aws: sqs: %s: %w", what, err))
}

// queueURL resolves a queue's name to its URL.
func (p *Provider) queueURL(ctx context.Context, name string) (string, error) {
	out, err := p.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", sqsErr(fmt.Sprintf("queue %q", name), err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// lastPart is what follows the last sep ("name" of a URL or an ARN).
func lastPart(s string, sep byte) string { return s[strings.LastIndexByte(s, sep)+1:] }

func secs(v string) time.Duration {
	n, _ := strconv.Atoi(v)
	return time.Duration(n) * time.Second
}

// redrivePolicy is SQS's RedrivePolicy attribute (a JSON document;
// maxReceiveCount arrives as a number or, from older tools, a string).
type redrivePolicy struct {
	DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
	MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
}

// specFromAttrs reads a queue's attributes and tags into the portable
// spec.
func specFromAttrs(name string, a, tags map[string]string) providers.QueueSpec {
	s := providers.QueueSpec{Name: name, FIFO: a["FifoQueue"] == "true", ContentDedup: a["ContentBasedDeduplication"] == "true",
		VisibilityTimeout: secs(a["VisibilityTimeout"]), Retention: secs(a["MessageRetentionPeriod"]), Delay: secs(a["DelaySeconds"])}
	s.MaxMessageBytes, _ = strconv.Atoi(a["MaximumMessageSize"])
	if s.FIFO {
		s.DedupWindow = sqsDedup
	}
	var rp redrivePolicy
	if v := a["RedrivePolicy"]; v != "" && json.Unmarshal([]byte(v), &rp) == nil && rp.DeadLetterTargetArn != "" {
		s.DeadLetter = lastPart(rp.DeadLetterTargetArn, ':')
		s.MaxReceives, _ = strconv.Atoi(strings.Trim(string(rp.MaxReceiveCount), `"`))
	}
	for _, k := range sqsPassThrough {
		if v := a[k]; v != "" && !(k == "SqsManagedSseEnabled" && v == "false") && !(k == "ReceiveMessageWaitTimeSeconds" && v == "0") {
			if s.Attrs == nil {
				s.Attrs = map[string]string{}
			}
			s.Attrs[k] = v
		}
	}
	if len(tags) > 0 {
		s.Tags = tags
	}
	return s
}

// sqsPlan is how SQS holds a portable spec: the attributes to create, as
// the plan shows them, and what it cannot hold as asked.
type sqsPlan struct {
	attrs    map[string]string
	settings []providers.QueueSetting
	gaps     []providers.QueueGap
	held     providers.QueueSpec
}

func (pl *sqsPlan) set(k, v, from string) {
	pl.attrs[k] = v
	pl.settings = append(pl.settings, providers.QueueSetting{Name: k, Value: v, From: from})
}

func (pl *sqsPlan) gap(setting string, blocker bool, format string, args ...any) {
	pl.gaps = append(pl.gaps, providers.QueueGap{Setting: setting, Blocker: blocker, Detail: fmt.Sprintf(format, args...)})
}

// seconds fits d (def when 0) into SQS's whole seconds lo..hi, with a gap
// when it had to change it.
func (pl *sqsPlan) seconds(attr, setting string, d, def time.Duration, lo, hi int) time.Duration {
	if d == 0 {
		d = def
	}
	n := int((d + time.Second - 1) / time.Second)
	n = min(max(n, lo), hi)
	if got := time.Duration(n) * time.Second; got != d {
		pl.gap(setting, false, "SQS's %s holds whole seconds from %d to %d: %s becomes %s", attr, lo, hi, d, got)
	}
	pl.set(attr, strconv.Itoa(n), setting)
	return time.Duration(n) * time.Second
}

func planSQS(spec providers.QueueSpec) *sqsPlan {
	pl := &sqsPlan{attrs: map[string]string{}}
	h := providers.QueueSpec{Name: spec.Name, FIFO: spec.FIFO, ContentDedup: spec.FIFO && spec.ContentDedup, Tags: spec.Tags}
	if spec.FIFO {
		if !strings.HasSuffix(h.Name, ".fifo") {
			h.Name += ".fifo"
		}
		pl.set("FifoQueue", "true", "fifo")
		if spec.ContentDedup {
			pl.set("ContentBasedDeduplication", "true", "content deduplication")
		}
		h.DedupWindow = sqsDedup
		if spec.DedupWindow != 0 && spec.DedupWindow != sqsDedup {
			pl.gap("deduplication window", false, "SQS remembers deduplication ids for 5m, not %s", spec.DedupWindow)
		}
	} else if spec.ContentDedup {
		pl.gap("content deduplication", false, "only FIFO queues deduplicate")
	}
	h.VisibilityTimeout = pl.seconds("VisibilityTimeout", "visibility timeout", spec.VisibilityTimeout, sqsVisibilityDefault*time.Second, 0, sqsVisibilityMax)
	if spec.Retention == 0 {
		pl.gap("retention", false, "SQS keeps messages at most 14 days, not without limit; 4 days, its default, applies")
	}
	h.Retention = pl.seconds("MessageRetentionPeriod", "retention", spec.Retention, sqsRetentionDefault*time.Second, sqsRetentionMin, sqsRetentionMax)
	if spec.Delay > 0 {
		h.Delay = pl.seconds("DelaySeconds", "delay", spec.Delay, 0, 0, sqsDelayMax)
	}
	size := spec.MaxMessageBytes
	if size == 0 {
		size = sqsSizeMax
	}
	if fit := min(max(size, sqsSizeMin), sqsSizeMax); fit != size {
		pl.gap("max message size", size > sqsSizeMax, "SQS takes messages of %d to %d bytes: %d becomes %d", sqsSizeMin, sqsSizeMax, size, fit)
		size = fit
	}
	h.MaxMessageBytes = size
	pl.set("MaximumMessageSize", strconv.Itoa(size), "max message size")
	if spec.DeadLetter != "" {
		n := min(max(spec.MaxReceives, 1), sqsReceivesMax)
		if n != spec.MaxReceives {
			pl.gap("dead letter", false, "maxReceiveCount is 1 to %d: %d becomes %d", sqsReceivesMax, spec.MaxReceives, n)
		}
		h.DeadLetter, h.MaxReceives = spec.DeadLetter, n
		// The ARN is filled in by EnsureQueue, which can ask for it.
		pl.set("RedrivePolicy", fmt.Sprintf(`{"deadLetterTargetArn":"<arn of %s>","maxReceiveCount":%d}`, spec.DeadLetter, n),
			fmt.Sprintf("dead letter %s after %d receives", spec.DeadLetter, n))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Attrs)) {
		if !slices.Contains(sqsPassThrough, k) || !spec.FIFO && slices.Contains(fifoOnly, k) {
			pl.gap("attribute "+k, false, "SQS has no setting %s = %s; not carried", k, spec.Attrs[k])
			continue
		}
		pl.set(k, spec.Attrs[k], "attribute "+k)
		if h.Attrs == nil {
			h.Attrs = map[string]string{}
		}
		h.Attrs[k] = spec.Attrs[k]
	}
	if len(spec.Tags) > 50 {
		pl.gap("tags", true, "an SQS queue takes at most 50 tags, not %d", len(spec.Tags))
	}
	pl.held = h
	return pl
}

// MapQueue says how SQS holds spec: every portable setting has an SQS
// attribute; values outside SQS's ranges are fitted into them and
// reported. It makes no call.
func (p *Provider) MapQueue(spec providers.QueueSpec) providers.QueueMapping {
	pl := planSQS(spec)
	set := pl.settings
	if len(spec.Tags) > 0 {
		set = append(set, providers.QueueSetting{Name: "tags", Value: strings.Join(slices.Sorted(maps.Keys(spec.Tags)), ", "), From: "tags"})
	}
	return providers.QueueMapping{Name: pl.held.Name, Settings: set, Gaps: pl.gaps, Held: pl.held}
}

// Queues lists the region's queues with their settings (ListQueues pages
// of 1,000).
func (p *Provider) Queues(ctx context.Context) ([]providers.QueueSpec, error) {
	var out []providers.QueueSpec
	pages := sqs.NewListQueuesPaginator(p.sqs, &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, sqsErr("list queues", err)
		}
		for _, u := range page.QueueUrls {
			s, err := p.queueAt(ctx, lastPart(u, '/'), u)
			if errors.Is(err, providers.ErrNotFound) {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// Queue returns one queue's settings and tags.
func (p *Provider) Queue(ctx context.Context, name string) (providers.QueueSpec, error) {
	url, err := p.queueURL(ctx, name)
	if err != nil {
		return providers.QueueSpec{}, err
	}
	return p.queueAt(ctx, name, url)
}

func (p *Provider) queueAt(ctx context.Context, name, url string) (providers.QueueSpec, error) {
	a, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		return providers.QueueSpec{}, sqsErr(fmt.Sprintf("attributes of queue %q", name), err)
	}
	t, err := p.sqs.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil {
		return providers.QueueSpec{}, sqsErr(fmt.Sprintf("tags of queue %q", name), err)
	}
	return specFromAttrs(name, a.Attributes, t.Tags), nil
}

// depthAttrs are the approximate counts SQS keeps.
var depthAttrs = []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
	types.QueueAttributeNameApproximateNumberOfMessagesNotVisible, types.QueueAttributeNameApproximateNumberOfMessagesDelayed}

// Depth counts a queue's messages (SQS's approximate counts: they lag
// sends and deletes by up to a minute on AWS).
func (p *Provider) Depth(ctx context.Context, name string) (providers.QueueDepth, error) {
	url, err := p.queueURL(ctx, name)
	if err != nil {
		return providers.QueueDepth{}, err
	}
	return p.depthAt(ctx, name, url)
}

func (p *Provider) depthAt(ctx context.Context, name, url string) (providers.QueueDepth, error) {
	out, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: depthAttrs})
	if err != nil {
		return providers.QueueDepth{}, sqsErr(fmt.Sprintf("count the messages of queue %q", name), err)
	}
	n := func(k types.QueueAttributeName) int64 {
		v, _ := strconv.ParseInt(out.Attributes[string(k)], 10, 64)
		return v
	}
	return providers.QueueDepth{Visible: n(depthAttrs[0]), InFlight: n(depthAttrs[1]), Delayed: n(depthAttrs[2])}, nil
}

// EnsureQueue creates the queue MapQueue describes, its dead-letter queue
// (which must exist) named by ARN; an existing queue is ErrExists, and
// ErrQueueMismatch too when its settings differ from the mapping's.
func (p *Provider) EnsureQueue(ctx context.Context, spec providers.QueueSpec) error {
	pl := planSQS(spec)
	name := pl.held.Name
	if cur, err := p.Queue(ctx, name); err == nil {
		if d := cur.Differences(pl.held); d != "" {
			return fmt.Errorf("aws: sqs: queue %q: %w: %w (%s)", name, providers.ErrExists, providers.ErrQueueMismatch, d)
		}
		return fmt.Errorf("aws: sqs: queue %q: %w", name, providers.ErrExists)
	} else if !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	if spec.DeadLetter != "" {
		url, err := p.queueURL(ctx, spec.DeadLetter)
		if err != nil {
			return fmt.Errorf("aws: sqs: queue %q: its dead-letter queue: %w", name, err)
		}
		a, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		if err != nil {
			return sqsErr(fmt.Sprintf("the ARN of dead-letter queue %q", spec.DeadLetter), err)
		}
		rp, _ := json.Marshal(map[string]any{"deadLetterTargetArn": a.Attributes["QueueArn"], "maxReceiveCount": pl.held.MaxReceives})
		pl.attrs["RedrivePolicy"] = string(rp)
	}
	_, err := p.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: pl.attrs, Tags: spec.Tags})
	if err != nil {
		return sqsErr(fmt.Sprintf("create queue %q", name), err)
	}
	return nil
}

// DeleteQueue deletes an empty queue.
func (p *Provider) DeleteQueue(ctx context.Context, name string) error {
	url, err := p.queueURL(ctx, name)
	if err != nil {
		return err
	}
	d, err := p.depthAt(ctx, name, url)
	if err != nil {
		return err
	}
	if d.Total() > 0 {
		return fmt.Errorf("aws: sqs: queue %q holds %d message(s): %w", name, d.Total(), providers.ErrNotEmpty)
	}
	if _, err := p.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		return sqsErr(fmt.Sprintf("delete queue %q", name), err)
	}
	return nil
}

// ReceiveMessages receives up to max messages in calls of at most 10, hidden
// for hold (whole seconds, at most 12 hours). The first call waits up to a
// second for messages (long polling); the others take what is there and
// the first that finds none ends the receive.
// In a FIFO queue SQS returns a group's messages in order and no more of a
// group while one of them is in flight.
func (p *Provider) ReceiveMessages(ctx context.Context, queue string, max int, hold time.Duration) ([]providers.Message, error) {
	url, err := p.queueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	vis := int32(min(max64(int64((hold+time.Second-1)/time.Second), 0), sqsVisibilityMax))
	fifo := strings.HasSuffix(queue, ".fifo")
	var out []providers.Message
	for len(out) < max {
		wait := int32(sqsPoll)
		if len(out) > 0 {
			wait = 0 // what is left now; the next call waits again
		}
		in := &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: int32(min(max-len(out), sqsBatch)), VisibilityTimeout: vis, WaitTimeSeconds: wait,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"}}
		if fifo {
			// A receive whose answer is lost leaves its messages in flight,
			// and their groups blocked, for the whole hold; SQS gives a
			// FIFO receive retried with the same attempt id the same
			// messages again.
			in.ReceiveRequestAttemptId = aws.String(attemptID())
		}
		var r *sqs.ReceiveMessageOutput
		var err error
		for try := 0; try < 3; try++ {
			if r, err = p.sqs.ReceiveMessage(ctx, in); err == nil || !providers.Transient(err) || ctx.Err() != nil {
				break
			}
		}
		if err != nil && len(out) > 0 {
			return out, nil // these are in flight now: hand them on; the next receive meets the error again
		}
		if err != nil {
			return nil, sqsErr(fmt.Sprintf("receive from %q", queue), err)
		}
		if len(r.Messages) == 0 {
			break
		}
		for _, m := range r.Messages {
			out = append(out, portableMessage(m))
		}
	}
	return out, nil
}

func attemptID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func portableMessage(m types.Message) providers.Message {
	a := m.Attributes
	pm := providers.Message{ID: aws.ToString(m.MessageId), Stable: true, Body: []byte(aws.ToString(m.Body)),
		Receipt: aws.ToString(m.ReceiptHandle), GroupID: a["MessageGroupId"], DedupID: a["MessageDeduplicationId"]}
	pm.Receives, _ = strconv.Atoi(a["ApproximateReceiveCount"])
	if ms, err := strconv.ParseInt(a["SentTimestamp"], 10, 64); err == nil {
		pm.SentAt = time.UnixMilli(ms).UTC()
	}
	for k, v := range m.MessageAttributes {
		if pm.Attributes == nil {
			pm.Attributes = map[string]providers.MessageAttribute{}
		}
		pm.Attributes[k] = providers.MessageAttribute{Type: aws.ToString(v.DataType), String: aws.ToString(v.StringValue), Binary: v.BinaryValue}
	}
	return pm
}

// chunks cuts s into runs of at most n.
func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

// batchFailures turns a batch's failed entries into one error, leaving
// out those skip says are not failures.
func batchFailures(failed []types.BatchResultErrorEntry, skip func(code string) bool) error {
	var errs []error
	for _, f := range failed {
		code := aws.ToString(f.Code)
		if skip(code) {
			continue
		}
		errs = append(errs, fmt.Errorf("entry %s: %s: %s", aws.ToString(f.Id), code, aws.ToString(f.Message)))
	}
	return errors.Join(errs...)
}

// byReceipt runs call on the receipts 10 at a time (entry ids are their
// indexes); failed entries whose code skip accepts are not failures.
func (p *Provider) byReceipt(ctx context.Context, queue, what string, receipts []string, skip func(code string) bool,
	call func(url string, ids, handles []*string) ([]types.BatchResultErrorEntry, error)) error {
	url, err := p.queueURL(ctx, queue)
	if err != nil {
		return err
	}
	for _, c := range chunks(receipts, sqsBatch) {
		ids, handles := make([]*string, len(c)), make([]*string, len(c))
		for i, h := range c {
			ids[i], handles[i] = aws.String(strconv.Itoa(i)), aws.String(h)
		}
		failed, err := call(url, ids, handles)
		if err != nil {
			return sqsErr(fmt.Sprintf("%s %q", what, queue), err)
		}
		if err := batchFailures(failed, skip); err != nil {
			return fmt.Errorf("aws: sqs: %s %q: %w", what, queue, err)
		}
	}
	return nil
}

// DeleteMessages deletes received messages, 10 a call (DeleteMessageBatch).
// A handle SQS reports as expired (a FIFO queue's past its visibility
// timeout) is not an error: the message is received again.
func (p *Provider) DeleteMessages(ctx context.Context, queue string, receipts []string) error {
	expired := func(code string) bool { return code == "InvalidParameterValue" }
	return p.byReceipt(ctx, queue, "delete messages from", receipts, expired, func(url string, ids, handles []*string) ([]types.BatchResultErrorEntry, error) {
		entries := make([]types.DeleteMessageBatchRequestEntry, len(ids))
		for i := range ids {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: ids[i], ReceiptHandle: handles[i]}
		}
		out, err := p.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
		if err != nil {
			return nil, err
		}
		return out.Failed, nil
	})
}

// ReleaseMessages makes received messages visible again
// (ChangeMessageVisibilityBatch to 0); those no longer in flight are
// skipped.
func (p *Provider) ReleaseMessages(ctx context.Context, queue string, receipts []string) error {
	notInFlight := func(code string) bool {
		return code == "AWS.SimpleQueueService.MessageNotInflight" || code == "MessageNotInflight" || code == "ReceiptHandleIsInvalid" || code == "InvalidParameterValue"
	}
	return p.byReceipt(ctx, queue, "release messages of", receipts, notInFlight, func(url string, ids, handles []*string) ([]types.BatchResultErrorEntry, error) {
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(ids))
		for i := range ids {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: ids[i], ReceiptHandle: handles[i]}
		}
		out, err := p.sqs.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: entries})
		if err != nil {
			return nil, err
		}
		return out.Failed, nil
	})
}

// PublishMessages sends messages in order, 10 a call (SendMessageBatch,
// which keeps a batch's order within each FIFO group). A FIFO queue needs
// a group ("default" when the message has none) and a deduplication id:
// a missing one is derived from the message's id and body, so publishing
// one message again within 5 minutes is dropped by SQS. SQS does not say
// that it dropped a repeat, so no result is marked Duplicate. Any failed
// entry fails the call.
func (p *Provider) PublishMessages(ctx context.Context, queue string, msgs []providers.Message) ([]providers.Published, error) {
	url, err := p.queueURL(ctx, queue)
	if err != nil {
		return nil, err
	}
	fifo := strings.HasSuffix(queue, ".fifo")
	out := make([]providers.Published, 0, len(msgs))
	for _, c := range chunks(msgs, sqsBatch) {
		entries := make([]types.SendMessageBatchRequestEntry, len(c))
		for i, m := range c {
			e := types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(m.Body))}
			for k, a := range m.Attributes {
				if e.MessageAttributes == nil {
					e.MessageAttributes = map[string]types.MessageAttributeValue{}
				}
				v := types.MessageAttributeValue{DataType: aws.String(a.Type)}
				if strings.HasPrefix(a.Type, "Binary") {
					v.BinaryValue = a.Binary
				} else {
					v.StringValue = aws.String(a.String)
				}
				e.MessageAttributes[k] = v
			}
			if fifo {
				g, d := m.GroupID, m.DedupID
				if g == "" {
					g = "default"
				}
				if d == "" {
					h := sha256.Sum256([]byte(m.ID + "\x00" + string(m.Body)))
					d = hex.EncodeToString(h[:])
				}
				e.MessageGroupId, e.MessageDeduplicationId = aws.String(g), aws.String(d)
			}
			entries[i] = e
		}
		r, err := p.sqs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
		if err != nil {
			return out, sqsErr(fmt.Sprintf("send to %q", queue), err)
		}
		if err := batchFailures(r.Failed, func(string) bool { return false }); err != nil {
			return out, fmt.Errorf("aws: sqs: send to %q: %w", queue, err)
		}
		for range c {
			out = append(out, providers.Published{})
		}
	}
	return out, nil
}

// discoverQueues lists the queues as inventory resources, with their
// approximate counts.
func (p *Provider) discoverQueues(ctx context.Context) ([]providers.Resource, error) {
	specs, err := p.Queues(ctx)
	if err != nil {
		return nil, err
	}
	var out []providers.Resource
	for _, s := range specs {
		d, err := p.Depth(ctx, s.Name)
		if errors.Is(err, providers.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		attrs := map[string]string{"fifo": strconv.FormatBool(s.FIFO), "visibility_timeout": s.VisibilityTimeout.String(),
			"retention": s.Retention.String(), "in_flight": strconv.FormatInt(d.InFlight, 10), "delayed": strconv.FormatInt(d.Delayed, 10),
			"region": p.region}
		if s.DeadLetter != "" {
			attrs["dead_letter"], attrs["max_receives"] = s.DeadLetter, strconv.Itoa(s.MaxReceives)
		}
		if s.Delay > 0 {
			attrs["delay"] = s.Delay.String()
		}
		if len(s.Tags) > 0 {
			attrs["tags"] = strings.Join(slices.Sorted(maps.Keys(s.Tags)), ",")
		}
		out = append(out, providers.Resource{Kind: providers.KindQueue, Type: providers.TypeQueue,
			ID: "arn:aws:sqs:" + p.region + ":" + p.accountID() + ":" + s.Name, Name: s.Name, Attrs: attrs,
			Usage: providers.Usage{Messages: d.Total()}})
	}
	return out, nil
}

func (p *Provider) accountID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.account
}
