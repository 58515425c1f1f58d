package memory

// An in-memory queue service with the semantics of Amazon SQS, written
// from the SQS API reference: its actions, parameters, limits and error
// codes. The providers.Queue side of the memory provider (queue.go) is a
// client of these calls, as the aws provider's is of the SDK.

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SQS limits and defaults (seconds unless named otherwise).
const (
	sqsAccount            = "000000000000"
	sqsRegion             = "us-east-1"
	sqsMaxDelay           = 900
	sqsMinMessageSize     = 1024
	sqsMaxMessageSize     = 1 << 20 // 1 MiB
	sqsDefaultRetention   = 345600  // 4 days
	sqsMinRetention       = 60
	sqsMaxRetention       = 1209600 // 14 days
	sqsDefaultVisibility  = 30
	sqsMaxVisibility      = 43200 // 12 hours
	sqsMaxWait            = 20
	sqsMaxReceiveCount    = 1000
	sqsDedupWindow        = 5 * time.Minute
	sqsMaxBatch           = 10
	sqsMaxAttributes      = 10
	sqsMaxTags            = 50
	sqsRecreateWait       = 60 * time.Second
	sqsPurgeWait          = 60 * time.Second
	sqsMaxQueueNameLength = 80
)

// SQS error codes, as the service returns them.
const (
	SQSNonExistentQueue        = "AWS.SimpleQueueService.NonExistentQueue"
	SQSQueueAlreadyExists      = "QueueAlreadyExists"
	SQSQueueDeletedRecently    = "AWS.SimpleQueueService.QueueDeletedRecently"
	SQSInvalidAttributeName    = "InvalidAttributeName"
	SQSInvalidAttributeValue   = "InvalidAttributeValue"
	SQSInvalidParameterValue   = "InvalidParameterValue"
	SQSMissingParameter        = "MissingParameter"
	SQSReceiptHandleIsInvalid  = "ReceiptHandleIsInvalid"
	SQSMessageNotInflight      = "AWS.SimpleQueueService.MessageNotInflight"
	SQSInvalidMessageContents  = "InvalidMessageContents"
	SQSPurgeQueueInProgress    = "AWS.SimpleQueueService.PurgeQueueInProgress"
	SQSTooManyEntriesInBatch   = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
	SQSInvalidBatchEntryID     = "AWS.SimpleQueueService.InvalidBatchEntryId"
	SQSBatchEntryIdsNotDistint = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
)

// SQSError is an error of the queue service, with its SQS error code.
type SQSError struct {
	Code    string
	Message string
}

func (e *SQSError) Error() string { return "sqs: " + e.Code + ": " + e.Message }

// ErrorCode returns the SQS error code (providers.Transient reads it).
func (e *SQSError) ErrorCode() string { return e.Code }

func sqsErr(code, format string, args ...any) *SQSError {
	return &SQSError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// MessageAttributeValue is an SQS message attribute: DataType String,
// Number or Binary, each optionally followed by ".custom".
type MessageAttributeValue struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// SendMessageInput is SendMessage's request.
type SendMessageInput struct {
	QueueURL    string
	MessageBody string
	// DelaySeconds is the message timer (standard queues only); nil takes
	// the queue's DelaySeconds.
	DelaySeconds      *int
	MessageAttributes map[string]MessageAttributeValue
	// AWSTraceHeader is the one message system attribute SQS accepts.
	AWSTraceHeader         string
	MessageGroupID         string
	MessageDeduplicationID string
}

// SendMessageOutput is SendMessage's response.
type SendMessageOutput struct {
	MessageID        string
	MD5OfMessageBody string
	// SequenceNumber is set for FIFO queues.
	SequenceNumber string
}

// SendMessageBatchEntry is one entry of a SendMessageBatch request.
type SendMessageBatchEntry struct {
	ID string
	SendMessageInput
}

// BatchResultErrorEntry is a failed entry of a batch request.
type BatchResultErrorEntry struct {
	ID          string
	Code        string
	Message     string
	SenderFault bool
}

// SendMessageBatchResultEntry is a sent entry of SendMessageBatch.
type SendMessageBatchResultEntry struct {
	ID string
	SendMessageOutput
}

// ReceiveMessageInput is ReceiveMessage's request.
type ReceiveMessageInput struct {
	QueueURL            string
	MaxNumberOfMessages int  // 1 to 10 (0: 1)
	VisibilityTimeout   *int // nil: the queue's
	// WaitTimeSeconds is accepted (0 to 20) but the service answers at
	// once: an in-memory queue has nothing to wait for.
	WaitTimeSeconds int
}

// SQSMessage is a received message.
type SQSMessage struct {
	MessageID         string
	ReceiptHandle     string
	Body              string
	MD5OfBody         string
	MessageAttributes map[string]MessageAttributeValue
	// Attributes are the system attributes: SentTimestamp,
	// ApproximateReceiveCount, ApproximateFirstReceiveTimestamp,
	// SenderId, AWSTraceHeader, and for FIFO queues MessageGroupId,
	// MessageDeduplicationId and SequenceNumber.
	Attributes map[string]string
}

// sqsService is one space's queues.
type sqsService struct {
	queues  map[string]*sqsQueue // by name
	deleted map[string]time.Time // name -> when it was deleted
	nextID  int
}

type sqsQueue struct {
	name     string
	uid      string // tells a queue apart from one deleted and made again
	created  time.Time
	modified time.Time
	attrs    map[string]string // settable attributes, as stored
	tags     map[string]string
	msgs     []*sqsMsg // in send order
	oldest   time.Time // the earliest enqueue time in msgs
	dedup    map[string]sqsDedup
	dedupLog []string // dedup keys in the order they were first seen
	seq      uint64
	purged   time.Time
}

type sqsDedup struct {
	at                time.Time
	messageID, seqNum string
}

type sqsMsg struct {
	id, body  string
	attrs     map[string]MessageAttributeValue
	trace     string
	group     string
	dedup     string
	seqNum    string
	sent      time.Time // enqueue time (retention counts from it)
	visibleAt time.Time
	receives  int
	firstRecv time.Time
	recvAt    time.Time       // when the current delivery began
	handle    string          // the latest receipt handle ("" before any receive)
	handles   map[string]bool // every handle issued for it
	inflight  bool
}

// SQS is the memory provider's queue service, with SQS's actions.
type SQS struct{ p *Provider }

// SQS returns the environment's queue service.
func (p *Provider) SQS() *SQS { return &SQS{p: p} }

func (p *Provider) sqs(sp *space) *sqsService {
	if sp.sqs == nil {
		sp.sqs = &sqsService{queues: map[string]*sqsQueue{}, deleted: map[string]time.Time{}}
	}
	return sp.sqs
}

// queueURL and queueARN name a queue as SQS does.
func queueURL(name string) string {
	return "https://sqs." + sqsRegion + ".amazonaws.com/" + sqsAccount + "/" + name
}

func queueARN(name string) string { return "arn:aws:sqs:" + sqsRegion + ":" + sqsAccount + ":" + name }

func nameFromURL(url string) string {
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		return url[i+1:]
	}
	return url
}

func nameFromARN(arn string) (string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" {
		return "", false
	}
	return parts[5], true
}

// validQueueName applies SQS's rule: 1 to 80 characters, alphanumerics,
// hyphens and underscores; a FIFO queue's name ends in ".fifo".
func validQueueName(n string, fifo bool) error {
	base := n
	if fifo {
		if !strings.HasSuffix(n, ".fifo") {
			return sqsErr(SQSInvalidParameterValue, "the name of a FIFO queue must end with the .fifo suffix")
		}
		base = strings.TrimSuffix(n, ".fifo")
	}
	if base == "" || len(n) > sqsMaxQueueNameLength {
		return sqsErr(SQSInvalidParameterValue, "queue name %q must be 1 to 80 characters", n)
	}
	for _, r := range base {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return sqsErr(SQSInvalidParameterValue, "queue name %q may hold only alphanumeric characters, hyphens and underscores", n)
		}
	}
	return nil
}

// settable lists the attributes CreateQueue and SetQueueAttributes take,
// with their defaults ("" for none).
var settable = map[string]string{
	"DelaySeconds":                  "0",
	"MaximumMessageSize":            strconv.Itoa(sqsMaxMessageSize),
	"MessageRetentionPeriod":        strconv.Itoa(sqsDefaultRetention),
	"ReceiveMessageWaitTimeSeconds": "0",
	"VisibilityTimeout":             strconv.Itoa(sqsDefaultVisibility),
	"RedrivePolicy":                 "",
	"RedriveAllowPolicy":            "",
	"Policy":                        "",
	"KmsMasterKeyId":                "",
	"KmsDataKeyReusePeriodSeconds":  "",
	"SqsManagedSseEnabled":          "",
	"FifoQueue":                     "",
	"ContentBasedDeduplication":     "",
	"DeduplicationScope":            "",
	"FifoThroughputLimit":           "",
}

// readOnly lists the attributes GetQueueAttributes reports but no call sets.
var readOnly = []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
	"ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}

// RedrivePolicy is the JSON of the RedrivePolicy attribute.
type RedrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     any    `json:"maxReceiveCount"` // SQS takes a number or a string
}

func (rp RedrivePolicy) count() (int, bool) {
	switch v := rp.MaxReceiveCount.(type) {
	case float64:
		return int(v), v == float64(int(v))
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

func intRange(name, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return sqsErr(SQSInvalidAttributeValue, "invalid value for the parameter %s: %q (an integer from %d to %d)", name, v, lo, hi)
	}
	return nil
}

// checkAttrs validates attributes for a queue (fifo: the queue is FIFO).
func (s *sqsService) checkAttrs(attrs map[string]string, fifo, creating bool) error {
	for k, v := range attrs {
		if _, ok := settable[k]; !ok {
			return sqsErr(SQSInvalidAttributeName, "unknown attribute %s", k)
		}
		var err error
		switch k {
		case "DelaySeconds":
			err = intRange(k, v, 0, sqsMaxDelay)
		case "MaximumMessageSize":
			err = intRange(k, v, sqsMinMessageSize, sqsMaxMessageSize)
		case "MessageRetentionPeriod":
			err = intRange(k, v, sqsMinRetention, sqsMaxRetention)
		case "ReceiveMessageWaitTimeSeconds":
			err = intRange(k, v, 0, sqsMaxWait)
		case "VisibilityTimeout":
			err = intRange(k, v, 0, sqsMaxVisibility)
		case "KmsDataKeyReusePeriodSeconds":
			err = intRange(k, v, 60, 86400)
		case "FifoQueue":
			if !creating {
				err = sqsErr(SQSInvalidAttributeName, "FifoQueue can be set only when the queue is created")
			} else if v != "true" && v != "false" {
				err = sqsErr(SQSInvalidAttributeValue, "FifoQueue is true or false")
			}
		case "SqsManagedSseEnabled":
			if v != "true" && v != "false" {
				err = sqsErr(SQSInvalidAttributeValue, "%s is true or false", k)
			}
		case "ContentBasedDeduplication":
			if !fifo {
				err = sqsErr(SQSInvalidAttributeName, "%s applies only to FIFO queues", k)
			} else if v != "true" && v != "false" {
				err = sqsErr(SQSInvalidAttributeValue, "%s is true or false", k)
			}
		case "DeduplicationScope":
			if !fifo {
				err = sqsErr(SQSInvalidAttributeName, "%s applies only to FIFO queues", k)
			} else if v != "messageGroup" && v != "queue" {
				err = sqsErr(SQSInvalidAttributeValue, "%s is messageGroup or queue", k)
			}
		case "FifoThroughputLimit":
			if !fifo {
				err = sqsErr(SQSInvalidAttributeName, "%s applies only to FIFO queues", k)
			} else if v != "perQueue" && v != "perMessageGroupId" {
				err = sqsErr(SQSInvalidAttributeValue, "%s is perQueue or perMessageGroupId", k)
			}
		case "RedrivePolicy":
			err = s.checkRedrive(v, fifo)
		case "RedriveAllowPolicy", "Policy":
			if v != "" && !json.Valid([]byte(v)) {
				err = sqsErr(SQSInvalidAttributeValue, "%s is not valid JSON", k)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *sqsService) checkRedrive(v string, fifo bool) error {
	if v == "" {
		return nil
	}
	var rp RedrivePolicy
	if err := json.Unmarshal([]byte(v), &rp); err != nil {
		return sqsErr(SQSInvalidAttributeValue, "RedrivePolicy is not valid JSON: %v", err)
	}
	n, ok := rp.count()
	if !ok || n < 1 || n > sqsMaxReceiveCount {
		return sqsErr(SQSInvalidAttributeValue, "RedrivePolicy: maxReceiveCount must be an integer from 1 to 1000")
	}
	name, ok := nameFromARN(rp.DeadLetterTargetArn)
	if !ok {
		return sqsErr(SQSInvalidAttributeValue, "RedrivePolicy: deadLetterTargetArn %q is not an SQS queue ARN", rp.DeadLetterTargetArn)
	}
	dlq, ok := s.queues[name]
	if !ok {
		return sqsErr(SQSInvalidAttributeValue, "RedrivePolicy: the dead-letter target %s does not exist", rp.DeadLetterTargetArn)
	}
	if dlq.fifo() != fifo {
		return sqsErr(SQSInvalidAttributeValue, "RedrivePolicy: the dead-letter queue of a FIFO queue must be a FIFO queue, and of a standard queue a standard queue")
	}
	return nil
}

func (q *sqsQueue) fifo() bool { return q.attrs["FifoQueue"] == "true" }

func (q *sqsQueue) intAttr(name string) int {
	v, ok := q.attrs[name]
	if !ok || v == "" {
		v = settable[name]
	}
	n, _ := strconv.Atoi(v)
	return n
}

func (q *sqsQueue) redrive() (dlq string, max int) {
	v := q.attrs["RedrivePolicy"]
	if v == "" {
		return "", 0
	}
	var rp RedrivePolicy
	if json.Unmarshal([]byte(v), &rp) != nil {
		return "", 0
	}
	n, _ := rp.count()
	name, _ := nameFromARN(rp.DeadLetterTargetArn)
	return name, n
}

// effective returns the attributes as GetQueueAttributes shows them:
// defaults filled in, FIFO-only ones only for FIFO queues.
func (q *sqsQueue) effective() map[string]string {
	out := map[string]string{}
	for k, def := range settable {
		if v, ok := q.attrs[k]; ok {
			out[k] = v
		} else if def != "" {
			out[k] = def
		}
	}
	if _, ok := out["SqsManagedSseEnabled"]; !ok && q.attrs["KmsMasterKeyId"] == "" {
		out["SqsManagedSseEnabled"] = "true"
	}
	if q.fifo() {
		for k, def := range map[string]string{"ContentBasedDeduplication": "false", "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"} {
			if _, ok := out[k]; !ok {
				out[k] = def
			}
		}
	}
	return out
}

func (p *Provider) now() time.Time { return p.store.now() }

// lookup returns the queue a URL names.
func (s *sqsService) lookup(url string) (*sqsQueue, error) {
	if url == "" {
		return nil, sqsErr(SQSMissingParameter, "the request must contain the parameter QueueUrl")
	}
	q, ok := s.queues[nameFromURL(url)]
	if !ok || queueURL(q.name) != url {
		return nil, sqsErr(SQSNonExistentQueue, "the specified queue does not exist")
	}
	return q, nil
}

// open locks the store and returns the queue a URL names; the caller
// unlocks.
func (c *SQS) open(ctx context.Context, url string) (*sqsService, *sqsQueue, func(), error) {
	sp, unlock, err := c.p.lock(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	s := c.p.sqs(sp)
	q, err := s.lookup(url)
	if err != nil {
		unlock()
		return nil, nil, nil, err
	}
	return s, q, unlock, nil
}

// CreateQueue creates a queue, or returns the URL of an existing queue of
// that name when the attributes given match its own (QueueAlreadyExists
// otherwise, as SQS does).
func (c *SQS) CreateQueue(ctx context.Context, name string, attrs, tags map[string]string) (string, error) {
	p := c.p
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	s, now := p.sqs(sp), p.now()
	fifo := attrs["FifoQueue"] == "true"
	if err := validQueueName(name, fifo || strings.HasSuffix(name, ".fifo")); err != nil {
		return "", err
	}
	if strings.HasSuffix(name, ".fifo") && !fifo {
		return "", sqsErr(SQSInvalidParameterValue, "a queue named %q must set FifoQueue to true", name)
	}
	if err := s.checkAttrs(attrs, fifo, true); err != nil {
		return "", err
	}
	if q, ok := s.queues[name]; ok {
		eff := q.effective()
		for k, v := range attrs {
			if eff[k] != v && !(v == "false" && eff[k] == "") {
				return "", sqsErr(SQSQueueAlreadyExists, "a queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return queueURL(name), nil
	}
	if at, ok := s.deleted[name]; ok && now.Sub(at) < sqsRecreateWait {
		return "", sqsErr(SQSQueueDeletedRecently, "you must wait 60 seconds after deleting a queue before you can create another with the same name")
	}
	if len(tags) > sqsMaxTags {
		return "", sqsErr(SQSInvalidParameterValue, "a queue takes at most %d tags", sqsMaxTags)
	}
	s.nextID++
	q := &sqsQueue{name: name, uid: strconv.Itoa(s.nextID), created: now, modified: now, attrs: map[string]string{},
		tags: map[string]string{}, dedup: map[string]sqsDedup{}}
	for k, v := range attrs {
		q.attrs[k] = v
	}
	for k, v := range tags {
		q.tags[k] = v
	}
	s.queues[name] = q
	return queueURL(name), nil
}

// GetQueueURL returns the URL of the queue named name.
func (c *SQS) GetQueueURL(ctx context.Context, name string) (string, error) {
	p := c.p
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, ok := p.sqs(sp).queues[name]; !ok {
		return "", sqsErr(SQSNonExistentQueue, "the specified queue does not exist")
	}
	return queueURL(name), nil
}

// ListQueues returns the URLs of the queues whose names start with prefix,
// sorted by name.
func (c *SQS) ListQueues(ctx context.Context, prefix string) ([]string, error) {
	p := c.p
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []string
	for _, n := range sortedKeys(p.sqs(sp).queues) {
		if strings.HasPrefix(n, prefix) {
			out = append(out, queueURL(n))
		}
	}
	return out, nil
}

// ListDeadLetterSourceQueues returns the URLs of the queues whose
// RedrivePolicy names the queue at url.
func (c *SQS) ListDeadLetterSourceQueues(ctx context.Context, url string) ([]string, error) {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var out []string
	for _, n := range sortedKeys(s.queues) {
		if dlq, _ := s.queues[n].redrive(); dlq == q.name {
			out = append(out, queueURL(n))
		}
	}
	return out, nil
}

// GetQueueAttributes returns the named attributes ("All" for every one).
func (c *SQS) GetQueueAttributes(ctx context.Context, url string, names ...string) (map[string]string, error) {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := c.p.now()
	s.expire(q, now)
	all := q.effective()
	vis, inflight, delayed := q.counts(now)
	all["ApproximateNumberOfMessages"] = strconv.Itoa(vis)
	all["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(inflight)
	all["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
	all["CreatedTimestamp"] = strconv.FormatInt(q.created.Unix(), 10)
	all["LastModifiedTimestamp"] = strconv.FormatInt(q.modified.Unix(), 10)
	all["QueueArn"] = queueARN(q.name)
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all, nil
		}
		v, ok := all[n]
		if !ok {
			if _, known := settable[n]; !known {
				return nil, sqsErr(SQSInvalidAttributeName, "unknown attribute %s", n)
			}
			continue
		}
		out[n] = v
	}
	return out, nil
}

// SetQueueAttributes changes a queue's attributes.
func (c *SQS) SetQueueAttributes(ctx context.Context, url string, attrs map[string]string) error {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.checkAttrs(attrs, q.fifo(), false); err != nil {
		return err
	}
	for k, v := range attrs {
		if v == "" {
			delete(q.attrs, k)
		} else {
			q.attrs[k] = v
		}
	}
	q.modified = c.p.now()
	return nil
}

// DeleteQueue deletes a queue and its messages.
func (c *SQS) DeleteQueue(ctx context.Context, url string) error {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	delete(s.queues, q.name)
	s.deleted[q.name] = c.p.now()
	return nil
}

// PurgeQueue deletes every message of a queue; once in 60 seconds.
func (c *SQS) PurgeQueue(ctx context.Context, url string) error {
	_, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	now := c.p.now()
	if !q.purged.IsZero() && now.Sub(q.purged) < sqsPurgeWait {
		return sqsErr(SQSPurgeQueueInProgress, "only one PurgeQueue operation on %s is allowed every 60 seconds", q.name)
	}
	q.msgs, q.purged = nil, now
	return nil
}

// TagQueue adds or replaces tags.
func (c *SQS) TagQueue(ctx context.Context, url string, tags map[string]string) error {
	_, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	n := len(q.tags)
	for k, v := range tags {
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return sqsErr(SQSInvalidParameterValue, "tag keys are 1 to 128 characters and values at most 256")
		}
		if _, ok := q.tags[k]; !ok {
			n++
		}
	}
	if n > sqsMaxTags {
		return sqsErr(SQSInvalidParameterValue, "a queue takes at most %d tags", sqsMaxTags)
	}
	for k, v := range tags {
		q.tags[k] = v
	}
	return nil
}

// UntagQueue removes tags.
func (c *SQS) UntagQueue(ctx context.Context, url string, keys []string) error {
	_, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	for _, k := range keys {
		delete(q.tags, k)
	}
	return nil
}

// ListQueueTags returns a queue's tags.
func (c *SQS) ListQueueTags(ctx context.Context, url string) (map[string]string, error) {
	_, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make(map[string]string, len(q.tags))
	for k, v := range q.tags {
		out[k] = v
	}
	return out, nil
}

// validBody applies SQS's character rule: #x9 | #xA | #xD | #x20 to
// #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF, valid UTF-8.
func validBody(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// checkAttributes validates message attributes and returns their size.
func checkAttributes(attrs map[string]MessageAttributeValue) (int, error) {
	if len(attrs) > sqsMaxAttributes {
		return 0, sqsErr(SQSInvalidParameterValue, "a message takes at most %d attributes, not %d", sqsMaxAttributes, len(attrs))
	}
	size := 0
	for n, a := range attrs {
		lower := strings.ToLower(n)
		if n == "" || len(n) > 256 || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".") || strings.Contains(n, "..") ||
			strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") {
			return 0, sqsErr(SQSInvalidParameterValue, "message attribute name %q is not valid", n)
		}
		for _, r := range n {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
				return 0, sqsErr(SQSInvalidParameterValue, "message attribute name %q is not valid", n)
			}
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String", "Number":
			if a.StringValue == "" {
				return 0, sqsErr(SQSInvalidParameterValue, "message attribute %q must have a StringValue", n)
			}
			if base == "Number" {
				if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
					return 0, sqsErr(SQSInvalidParameterValue, "message attribute %q is not a number", n)
				}
			}
			if !validBody(a.StringValue) {
				return 0, sqsErr(SQSInvalidParameterValue, "message attribute %q holds characters SQS does not allow", n)
			}
			size += len(a.StringValue)
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return 0, sqsErr(SQSInvalidParameterValue, "message attribute %q must have a BinaryValue", n)
			}
			size += len(a.BinaryValue)
		default:
			return 0, sqsErr(SQSInvalidParameterValue, "message attribute %q has data type %q (String, Number or Binary, with an optional .suffix)", n, a.DataType)
		}
		size += len(n) + len(a.DataType)
	}
	return size, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func md5Hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// SendMessage sends one message.
func (c *SQS) SendMessage(ctx context.Context, in SendMessageInput) (SendMessageOutput, error) {
	p := c.p
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return SendMessageOutput{}, err
	}
	defer unlock()
	s := p.sqs(sp)
	q, err := s.lookup(in.QueueURL)
	if err != nil {
		return SendMessageOutput{}, err
	}
	return s.send(q, in, p.now())
}

// SendMessageBatch sends up to 10 messages; each entry succeeds or fails
// on its own.
func (c *SQS) SendMessageBatch(ctx context.Context, url string, entries []SendMessageBatchEntry) ([]SendMessageBatchResultEntry, []BatchResultErrorEntry, error) {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	if err := checkBatch(len(entries), func(i int) string { return entries[i].ID }); err != nil {
		return nil, nil, err
	}
	var ok []SendMessageBatchResultEntry
	var failed []BatchResultErrorEntry
	now := c.p.now()
	for _, e := range entries {
		e.QueueURL = url
		out, err := s.send(q, e.SendMessageInput, now)
		if err != nil {
			se, _ := err.(*SQSError)
			failed = append(failed, BatchResultErrorEntry{ID: e.ID, Code: se.Code, Message: se.Message, SenderFault: true})
			continue
		}
		ok = append(ok, SendMessageBatchResultEntry{ID: e.ID, SendMessageOutput: out})
	}
	return ok, failed, nil
}

func checkBatch(n int, id func(int) string) error {
	if n == 0 || n > sqsMaxBatch {
		return sqsErr(SQSTooManyEntriesInBatch, "a batch holds 1 to %d entries, not %d", sqsMaxBatch, n)
	}
	seen := map[string]bool{}
	for i := range n {
		v := id(i)
		if v == "" || len(v) > 80 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return sqsErr(SQSInvalidBatchEntryID, "batch entry id %q is not valid", v)
		}
		if seen[v] {
			return sqsErr(SQSBatchEntryIdsNotDistint, "two batch entries have the id %q", v)
		}
		seen[v] = true
	}
	return nil
}

func (s *sqsService) send(q *sqsQueue, in SendMessageInput, now time.Time) (SendMessageOutput, error) {
	if in.MessageBody == "" {
		return SendMessageOutput{}, sqsErr(SQSMissingParameter, "the request must contain the parameter MessageBody")
	}
	if !validBody(in.MessageBody) {
		return SendMessageOutput{}, sqsErr(SQSInvalidMessageContents, "the message contains characters outside the allowed set")
	}
	asize, err := checkAttributes(in.MessageAttributes)
	if err != nil {
		return SendMessageOutput{}, err
	}
	if max := q.intAttr("MaximumMessageSize"); len(in.MessageBody)+asize > max {
		return SendMessageOutput{}, sqsErr(SQSInvalidParameterValue, "the message is %d bytes with its attributes; the queue takes at most %d", len(in.MessageBody)+asize, max)
	}
	delay := q.intAttr("DelaySeconds")
	if in.DelaySeconds != nil {
		if q.fifo() {
			return SendMessageOutput{}, sqsErr(SQSInvalidParameterValue, "the request includes DelaySeconds, which FIFO queues do not take per message")
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > sqsMaxDelay {
			return SendMessageOutput{}, sqsErr(SQSInvalidParameterValue, "DelaySeconds must be from 0 to 900")
		}
		delay = *in.DelaySeconds
	}
	m := &sqsMsg{body: in.MessageBody, attrs: cloneAttrs(in.MessageAttributes), trace: in.AWSTraceHeader, group: in.MessageGroupID,
		sent: now, visibleAt: now.Add(time.Duration(delay) * time.Second)}
	if q.fifo() {
		if in.MessageGroupID == "" {
			return SendMessageOutput{}, sqsErr(SQSMissingParameter, "the request must contain the parameter MessageGroupId")
		}
		dd := in.MessageDeduplicationID
		if dd == "" {
			if q.effective()["ContentBasedDeduplication"] != "true" {
				return SendMessageOutput{}, sqsErr(SQSInvalidParameterValue,
					"the queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			h := sha256.Sum256([]byte(in.MessageBody))
			dd = hex.EncodeToString(h[:])
		}
		if len(dd) > 128 || len(in.MessageGroupID) > 128 {
			return SendMessageOutput{}, sqsErr(SQSInvalidParameterValue, "MessageGroupId and MessageDeduplicationId are at most 128 characters")
		}
		key := dd
		if q.effective()["DeduplicationScope"] == "messageGroup" {
			key = in.MessageGroupID + "\x00" + dd
		}
		for len(q.dedupLog) > 0 { // forget ids past the window, oldest first
			k := q.dedupLog[0]
			if d, ok := q.dedup[k]; ok && now.Sub(d.at) < sqsDedupWindow {
				break
			}
			delete(q.dedup, k)
			q.dedupLog = q.dedupLog[1:]
		}
		if d, ok := q.dedup[key]; ok && now.Sub(d.at) < sqsDedupWindow {
			// Accepted, not enqueued: the first send's id comes back.
			return SendMessageOutput{MessageID: d.messageID, MD5OfMessageBody: md5Hex(in.MessageBody), SequenceNumber: d.seqNum}, nil
		}
		m.dedup = dd
		q.seq++
		m.seqNum = fmt.Sprintf("%020d", q.seq)
		m.id = newID()
		q.dedup[key] = sqsDedup{at: now, messageID: m.id, seqNum: m.seqNum}
		q.dedupLog = append(q.dedupLog, key)
	} else {
		if in.MessageDeduplicationID != "" {
			return SendMessageOutput{}, sqsErr(SQSInvalidParameterValue, "MessageDeduplicationId applies only to FIFO queues")
		}
		m.id = newID()
	}
	q.enqueue(m)
	return SendMessageOutput{MessageID: m.id, MD5OfMessageBody: md5Hex(in.MessageBody), SequenceNumber: m.seqNum}, nil
}

func cloneAttrs(a map[string]MessageAttributeValue) map[string]MessageAttributeValue {
	if len(a) == 0 {
		return nil
	}
	out := make(map[string]MessageAttributeValue, len(a))
	for k, v := range a {
		v.BinaryValue = append([]byte(nil), v.BinaryValue...)
		out[k] = v
	}
	return out
}

// expire drops messages past the retention period. It scans only when
// the oldest message may have expired.
func (s *sqsService) expire(q *sqsQueue, now time.Time) {
	ret := time.Duration(q.intAttr("MessageRetentionPeriod")) * time.Second
	if len(q.msgs) == 0 || now.Sub(q.oldest) < ret {
		return
	}
	kept := q.msgs[:0]
	q.oldest = now
	for _, m := range q.msgs {
		if now.Sub(m.sent) >= ret {
			continue
		}
		if m.sent.Before(q.oldest) {
			q.oldest = m.sent
		}
		kept = append(kept, m)
	}
	clear(q.msgs[len(kept):])
	q.msgs = kept
}

// held reports whether m is in flight: received, and its visibility
// timeout not yet over.
func (m *sqsMsg) held(now time.Time) bool { return m.inflight && now.Before(m.visibleAt) }

// enqueue appends m, keeping track of the oldest enqueue time.
func (q *sqsQueue) enqueue(m *sqsMsg) {
	if len(q.msgs) == 0 || m.sent.Before(q.oldest) {
		q.oldest = m.sent
	}
	q.msgs = append(q.msgs, m)
}

func (q *sqsQueue) counts(now time.Time) (visible, inflight, delayed int) {
	for _, m := range q.msgs {
		switch {
		case m.held(now):
			inflight++
		case now.Before(m.visibleAt):
			delayed++
		default:
			visible++
		}
	}
	return
}

// handle makes a receipt handle for one delivery of m.
func (q *sqsQueue) handle(m *sqsMsg) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	raw := q.uid + "/" + q.name + "/" + m.id + "/" + strconv.Itoa(m.receives) + "/" + hex.EncodeToString(b[:])
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseHandle returns the queue name and message id a handle names.
func parseHandle(h string) (uid, queue, id string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", "", "", false
	}
	parts := strings.Split(string(raw), "/")
	if len(parts) != 5 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// ReceiveMessage receives up to MaxNumberOfMessages messages. A FIFO queue
// returns a group's messages in order and none of a group while one of its
// messages is in flight. A message received MaxReceiveCount times already
// is moved to the dead-letter queue instead of being delivered again.
func (c *SQS) ReceiveMessage(ctx context.Context, in ReceiveMessageInput) ([]SQSMessage, error) {
	p := c.p
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	s := p.sqs(sp)
	q, err := s.lookup(in.QueueURL)
	if err != nil {
		return nil, err
	}
	max := in.MaxNumberOfMessages
	if max == 0 {
		max = 1
	}
	if max < 1 || max > sqsMaxBatch {
		return nil, sqsErr(SQSInvalidParameterValue, "MaxNumberOfMessages must be from 1 to 10")
	}
	if in.WaitTimeSeconds < 0 || in.WaitTimeSeconds > sqsMaxWait {
		return nil, sqsErr(SQSInvalidParameterValue, "WaitTimeSeconds must be from 0 to 20")
	}
	vis := q.intAttr("VisibilityTimeout")
	if in.VisibilityTimeout != nil {
		if *in.VisibilityTimeout < 0 || *in.VisibilityTimeout > sqsMaxVisibility {
			return nil, sqsErr(SQSInvalidParameterValue, "VisibilityTimeout must be from 0 to 43200")
		}
		vis = *in.VisibilityTimeout
	}
	now := p.now()
	s.expire(q, now)
	dlqName, maxRecv := q.redrive()
	dlq := s.queues[dlqName]
	blocked := map[string]bool{} // FIFO groups that cannot deliver now
	var out []SQSMessage
	var moved []*sqsMsg
	for _, m := range q.msgs {
		if len(out) >= max {
			break
		}
		deliverable := !now.Before(m.visibleAt)
		if q.fifo() {
			if blocked[m.group] {
				continue
			}
			if !deliverable {
				blocked[m.group] = true
				continue
			}
		} else if !deliverable {
			continue
		}
		if dlq != nil && maxRecv > 0 && m.receives >= maxRecv {
			moved = append(moved, m)
			continue
		}
		m.receives++
		if m.firstRecv.IsZero() {
			m.firstRecv = now
		}
		m.inflight, m.recvAt, m.visibleAt = true, now, now.Add(time.Duration(vis)*time.Second)
		if vis == 0 {
			m.inflight = false
		}
		m.handle = q.handle(m)
		if m.handles == nil {
			m.handles = map[string]bool{}
		}
		m.handles[m.handle] = true
		out = append(out, m.received())
	}
	if len(moved) > 0 {
		s.redrive(q, dlq, moved, now)
	}
	return out, nil
}

// redrive moves messages to the dead-letter queue, keeping their ids. A
// standard queue's message keeps its enqueue time; a FIFO queue's is reset.
func (s *sqsService) redrive(q, dlq *sqsQueue, moved []*sqsMsg, now time.Time) {
	gone := map[*sqsMsg]bool{}
	for _, m := range moved {
		gone[m] = true
		c := *m
		c.inflight, c.handle, c.handles, c.receives, c.firstRecv, c.visibleAt = false, "", nil, 0, time.Time{}, now
		if dlq.fifo() {
			c.sent = now
			dlq.seq++
			c.seqNum = fmt.Sprintf("%020d", dlq.seq)
		}
		dlq.enqueue(&c)
	}
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		if !gone[m] {
			kept = append(kept, m)
		}
	}
	clear(q.msgs[len(kept):])
	q.msgs = kept
}

func (m *sqsMsg) received() SQSMessage {
	a := map[string]string{
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstRecv.UnixMilli(), 10),
		"SenderId":                         sqsAccount,
	}
	if m.trace != "" {
		a["AWSTraceHeader"] = m.trace
	}
	if m.group != "" {
		a["MessageGroupId"] = m.group
	}
	if m.seqNum != "" {
		a["MessageDeduplicationId"], a["SequenceNumber"] = m.dedup, m.seqNum
	}
	return SQSMessage{MessageID: m.id, ReceiptHandle: m.handle, Body: m.body, MD5OfBody: md5Hex(m.body),
		MessageAttributes: cloneAttrs(m.attrs), Attributes: a}
}

// find returns the message a receipt handle names (nil when it is gone),
// or ReceiptHandleIsInvalid for a handle that is not one of this queue's.
func (q *sqsQueue) find(h string) (*sqsMsg, error) {
	uid, name, id, ok := parseHandle(h)
	if !ok || name != q.name || uid != q.uid {
		return nil, sqsErr(SQSReceiptHandleIsInvalid, "the input receipt handle %q is not a valid receipt handle", h)
	}
	for _, m := range q.msgs {
		if m.id == id {
			if !m.handles[h] {
				return nil, sqsErr(SQSReceiptHandleIsInvalid, "the input receipt handle %q is not a valid receipt handle", h)
			}
			return m, nil
		}
	}
	return nil, nil
}

// DeleteMessage deletes the message a receipt handle names. As SQS: a
// handle that is not the latest of its message succeeds without deleting
// it; in a FIFO queue, one whose visibility timeout has passed has
// expired; a handle of a message already gone succeeds.
func (c *SQS) DeleteMessage(ctx context.Context, url, handle string) error {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	return s.deleteMessage(q, handle, c.p.now())
}

func (s *sqsService) deleteMessage(q *sqsQueue, handle string, now time.Time) error {
	if handle == "" {
		return sqsErr(SQSMissingParameter, "the request must contain the parameter ReceiptHandle")
	}
	s.expire(q, now)
	m, err := q.find(handle)
	if err != nil || m == nil {
		return err
	}
	if m.handle != handle {
		if q.fifo() {
			return sqsErr(SQSInvalidParameterValue, "value %s for parameter ReceiptHandle is invalid. Reason: the receipt handle has expired", handle)
		}
		return nil
	}
	if q.fifo() && !m.held(now) {
		return sqsErr(SQSInvalidParameterValue, "value %s for parameter ReceiptHandle is invalid. Reason: the receipt handle has expired", handle)
	}
	for i, x := range q.msgs {
		if x == m {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			break
		}
	}
	return nil
}

// DeleteMessageBatch deletes up to 10 messages; each entry succeeds or
// fails on its own. Entries are id -> receipt handle.
func (c *SQS) DeleteMessageBatch(ctx context.Context, url string, ids, handles []string) ([]string, []BatchResultErrorEntry, error) {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	if len(ids) != len(handles) {
		return nil, nil, sqsErr(SQSInvalidParameterValue, "every entry needs an id and a receipt handle")
	}
	if err := checkBatch(len(ids), func(i int) string { return ids[i] }); err != nil {
		return nil, nil, err
	}
	var ok []string
	var failed []BatchResultErrorEntry
	now := c.p.now()
	for i, h := range handles {
		if err := s.deleteMessage(q, h, now); err != nil {
			se, _ := err.(*SQSError)
			failed = append(failed, BatchResultErrorEntry{ID: ids[i], Code: se.Code, Message: se.Message, SenderFault: true})
			continue
		}
		ok = append(ok, ids[i])
	}
	return ok, failed, nil
}

// ChangeMessageVisibility sets how long a received message stays hidden,
// counted from now; 0 makes it visible at once. The message must be in
// flight under this (latest) handle, and a delivery lasts at most 12 hours.
func (c *SQS) ChangeMessageVisibility(ctx context.Context, url, handle string, timeout int) error {
	s, q, unlock, err := c.open(ctx, url)
	if err != nil {
		return err
	}
	defer unlock()
	if timeout < 0 || timeout > sqsMaxVisibility {
		return sqsErr(SQSInvalidParameterValue, "VisibilityTimeout must be from 0 to 43200")
	}
	now := c.p.now()
	s.expire(q, now)
	m, err := q.find(handle)
	if err != nil {
		return err
	}
	if m == nil || m.handle != handle || !m.held(now) {
		return sqsErr(SQSMessageNotInflight, "the message referred to is not in flight")
	}
	until := now.Add(time.Duration(timeout) * time.Second)
	if until.Sub(m.recvAt) > sqsMaxVisibility*time.Second {
		return sqsErr(SQSInvalidParameterValue, "a message stays invisible at most 12 hours from its receive")
	}
	m.visibleAt = until
	m.inflight = timeout > 0
	return nil
}

// queueNames returns the space's queue names, sorted (for discovery).
func (s *sqsService) queueNames() []string {
	out := make([]string, 0, len(s.queues))
	for n := range s.queues {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
