package awsfake

// SQS over the AWS JSON 1.0 protocol (the one current SDKs speak): a POST
// to / with X-Amz-Target: AmazonSQS.<Action>, Content-Type
// application/x-amz-json-1.0 and a JSON body whose members are the API
// reference's request parameters; the answer is the action's result
// members as JSON, or an error {"__type": "com.amazonaws.sqs#<Shape>",
// "message": ...} with the query-compatible code in X-Amzn-Query-Error
// ("AWS.SimpleQueueService.NonExistentQueue;Sender"), which the SDK reads
// as the error code. The queues themselves are the memory provider's SQS
// service (providers/memory/queue_sqs.go, written from the same
// reference); this file adds the wire protocol, long polling, ListQueues
// paging, the attribute-name filters of ReceiveMessage and the MD5 digests
// of message bodies and attributes.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehome/rehome/providers/memory"
)

// SQS is a stateful fake of Amazon SQS; it is an http.Handler.
type SQS struct {
	mem *memory.Provider
	// AccessKey, when set, is the only access key id accepted; another
	// gets SQS's InvalidClientTokenId (403).
	AccessKey string
	// Calls counts requests by action, for tests that check batching.
	calls map[string]*atomic.Int64
	// Poll is how often a long poll looks for messages again.
	Poll     time.Duration
	attempts sync.Map // queue URL NUL ReceiveRequestAttemptId -> attempt
}

// NewSQS returns an empty SQS service.
func NewSQS() *SQS {
	c := map[string]*atomic.Int64{}
	for _, a := range sqsActions {
		c[a] = &atomic.Int64{}
	}
	return &SQS{mem: memory.NewStore().Env("sqs"), calls: c, Poll: 20 * time.Millisecond}
}

// Service returns the queues behind the fake, for seeding and inspecting
// without going through HTTP.
func (s *SQS) Service() *memory.SQS { return s.mem.SQS() }

// Calls returns how many requests of an action were served.
func (s *SQS) Calls(action string) int64 {
	if c := s.calls[action]; c != nil {
		return c.Load()
	}
	return 0
}

var sqsActions = []string{"CreateQueue", "GetQueueUrl", "ListQueues", "GetQueueAttributes", "SetQueueAttributes",
	"DeleteQueue", "PurgeQueue", "ListQueueTags", "TagQueue", "UntagQueue", "ListDeadLetterSourceQueues",
	"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
	"ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}

// sqsShapes maps the query protocol's error codes (what the memory
// service returns and X-Amzn-Query-Error carries) to the JSON protocol's
// error shape names.
var sqsShapes = map[string]string{
	memory.SQSNonExistentQueue:                 "QueueDoesNotExist",
	memory.SQSQueueAlreadyExists:               "QueueNameExists",
	memory.SQSQueueDeletedRecently:             "QueueDeletedRecently",
	memory.SQSMessageNotInflight:               "MessageNotInflight",
	memory.SQSPurgeQueueInProgress:             "PurgeQueueInProgress",
	memory.SQSTooManyEntriesInBatch:            "TooManyEntriesInBatchRequest",
	memory.SQSInvalidBatchEntryID:              "InvalidBatchEntryId",
	memory.SQSBatchEntryIdsNotDistint:          "BatchEntryIdsNotDistinct",
	"AWS.SimpleQueueService.EmptyBatchRequest": "EmptyBatchRequest",
}

// sqsError is an error answer.
type sqsError struct {
	status  int
	code    string // the query code
	message string
}

func (e *sqsError) Error() string { return e.code + ": " + e.message }

func sqsFail(code, format string, args ...any) *sqsError {
	return &sqsError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

func writeSQSError(w http.ResponseWriter, e *sqsError) {
	shape := sqsShapes[e.code]
	if shape == "" {
		shape = e.code
	}
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + shape, "message": e.message})
}

var requestIDs atomic.Int64

func newRequestID() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", requestIDs.Add(1)) }

// ServeHTTP answers one SQS request.
func (s *SQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		writeSQSError(w, sqsFail("InvalidAction", "the action or operation requested is invalid (X-Amz-Target %q)", target))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.0") {
		writeSQSError(w, sqsFail("InvalidParameterValue", "Content-Type %q: SQS's JSON protocol takes application/x-amz-json-1.0", ct))
		return
	}
	if e := checkAuth(r, s.AccessKey); e != nil {
		writeSQSError(w, e)
		return
	}
	h := sqsHandlers[action]
	if h == nil {
		writeSQSError(w, sqsFail("UnknownOperationException", "unknown operation %s", action))
		return
	}
	s.calls[action].Add(1)
	var body map[string]json.RawMessage
	raw, err := io.ReadAll(r.Body) // the whole body, so the connection stays usable
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		err = dec.Decode(&body)
	}
	if err != nil {
		writeSQSError(w, sqsFail("SerializationException", "the request body is not a JSON object: %v", err))
		return
	}
	out, err := h(s, r, body)
	if err != nil {
		var e *sqsError
		var me *memory.SQSError
		switch {
		case errors.As(err, &e):
		case errors.As(err, &me):
			e = sqsFail(me.Code, "%s", me.Message)
		default:
			e = &sqsError{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()}
		}
		writeSQSError(w, e)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	if out == nil {
		out = map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// checkAuth wants a SigV4 Authorization header (any signature: the fake
// does not know secret keys), and the one access key when set.
func checkAuth(r *http.Request, accessKey string) *sqsError {
	auth := r.Header.Get("Authorization")
	cred, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 Credential=")
	if !ok {
		return &sqsError{status: http.StatusForbidden, code: "MissingAuthenticationToken", message: "request is missing Authentication Token"}
	}
	if key, _, _ := strings.Cut(cred, "/"); accessKey != "" && key != accessKey {
		return &sqsError{status: http.StatusForbidden, code: "InvalidClientTokenId", message: "the security token included in the request is invalid"}
	}
	return nil
}

type sqsHandler func(s *SQS, r *http.Request, in map[string]json.RawMessage) (any, error)

var sqsHandlers = map[string]sqsHandler{
	"CreateQueue": func(s *SQS, r *http.Request, in map[string]json.RawMessage) (any, error) {
		name, err := required[string](in, "QueueName")
		if err != nil {
			return nil, err
		}
		var attrs, tags map[string]string
		if err := optional(in, "Attributes", &attrs); err != nil {
			return nil, err
		}
		if err := optional(in, "tags", &tags); err != nil {
			return nil, err
		}
		url, err := s.Service().CreateQueue(r.Context(), name, attrs, tags)
		if err != nil {
			return nil, err
		}
		return map[string]any{"QueueUrl": url}, nil
	},
	"GetQueueUrl": func(s *SQS, r *http.Request, in map[string]json.RawMessage) (any, error) {
		name, err := required[string](in, "QueueName")
		if err != nil {
			return nil, err
		}
		url, err := s.Service().GetQueueURL(r.Context(), name)
		if err != nil {
			return nil, err
		}
		return map[string]any{"QueueUrl": url}, nil
	},
	"ListQueues": func(s *SQS, r *http.Request, in map[string]json.RawMessage) (any, error) {
		var prefix, token string
		var maxResults int
		if err := errors.Join(optional(in, "QueueNamePrefix", &prefix), optional(in, "NextToken", &token), optional(in, "MaxResults", &maxResults)); err != nil {
			return nil, err
		}
		if _, set := in["MaxResults"]; set && (maxResults < 1 || maxResults > 1000) {
			return nil, sqsFail(memory.SQSInvalidParameterValue, "value %d for parameter MaxResults is invalid: it must be from 1 to 1000", maxResults)
		}
		if token != "" && maxResults == 0 {
			return nil, sqsFail(memory.SQSInvalidParameterValue, "NextToken needs MaxResults")
		}
		urls, err := s.Service().ListQueues(r.Context(), prefix)
		if err != nil {
			return nil, err
		}
		if token != "" {
			after, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil {
				return nil, sqsFail(memory.SQSInvalidParameterValue, "invalid NextToken")
			}
			i := sort.SearchStrings(urls, string(after)+"\x00")
			urls = urls[i:]
		}
		out := map[string]any{}
		limit := maxResults
		if limit == 0 {
			limit = 1000
		}
		if len(urls) > limit {
			urls = urls[:limit]
			if maxResults > 0 {
				out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(urls[limit-1]))
			}
		}
		if len(urls) > 0 {
			out["QueueUrls"] = urls
		}
		return out, nil
	},
	"GetQueueAttributes": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		var names []string
		if err := optional(in, "AttributeNames", &names); err != nil {
			return nil, err
		}
		a, err := s.Service().GetQueueAttributes(r.Context(), url, names...)
		return member("Attributes", a, err)
	}),
	"SetQueueAttributes": setter("Attributes", (*memory.SQS).SetQueueAttributes),
	"DeleteQueue":        plain((*memory.SQS).DeleteQueue),
	"PurgeQueue":         plain((*memory.SQS).PurgeQueue),
	"ListQueueTags": onQueue(func(s *SQS, r *http.Request, url string, _ map[string]json.RawMessage) (any, error) {
		tags, err := s.Service().ListQueueTags(r.Context(), url)
		return member("Tags", tags, err)
	}),
	"TagQueue":   setter("Tags", (*memory.SQS).TagQueue),
	"UntagQueue": setter("TagKeys", (*memory.SQS).UntagQueue),
	"ListDeadLetterSourceQueues": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		urls, err := s.Service().ListDeadLetterSourceQueues(r.Context(), url)
		if err != nil {
			return nil, err
		}
		return map[string]any{"queueUrls": orEmpty(urls)}, nil
	}),
	"SendMessage": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		var e wireSend
		if err := remarshal(in, &e); err != nil {
			return nil, err
		}
		mi, err := e.input(url)
		if err != nil {
			return nil, err
		}
		out, err := s.Service().SendMessage(r.Context(), mi)
		if err != nil {
			return nil, err
		}
		return sendResult(out, mi), nil
	}),
	"SendMessageBatch": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		entries, err := required[[]wireSend](in, "Entries")
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 {
			return nil, sqsFail("AWS.SimpleQueueService.EmptyBatchRequest", "there should be at least one SendMessageBatchRequestEntry in the request")
		}
		batch := make([]memory.SendMessageBatchEntry, len(entries))
		for i, e := range entries {
			mi, err := e.input(url)
			if err != nil {
				return nil, err
			}
			batch[i] = memory.SendMessageBatchEntry{ID: e.ID, SendMessageInput: mi}
		}
		ok, failed, err := s.Service().SendMessageBatch(r.Context(), url, batch)
		if err != nil {
			return nil, err
		}
		byID := map[string]memory.SendMessageInput{}
		for _, b := range batch {
			byID[b.ID] = b.SendMessageInput
		}
		succ := []any{}
		for _, o := range ok {
			res := sendResult(o.SendMessageOutput, byID[o.ID])
			res["Id"] = o.ID
			succ = append(succ, res)
		}
		return map[string]any{"Successful": succ, "Failed": wireFailed(failed)}, nil
	}),
	"ReceiveMessage": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		var p receiveReq
		if err := remarshal(in, &p); err != nil {
			return nil, err
		}
		if p.ReceiveRequestAttemptId != "" {
			// A FIFO receive retried with the same attempt id within 5
			// minutes gets the same messages and receipt handles.
			key := url + "\x00" + p.ReceiveRequestAttemptId
			if prev, ok := s.attempts.Load(key); ok && time.Since(prev.(attempt).at) < 5*time.Minute {
				return prev.(attempt).answer, nil
			}
			out, err := s.receive(r, url, p)
			if err == nil {
				s.attempts.Store(key, attempt{at: time.Now(), answer: out})
			}
			return out, err
		}
		return s.receive(r, url, p)
	}),
	"DeleteMessage": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		h, err := required[string](in, "ReceiptHandle")
		if err != nil {
			return nil, err
		}
		return nil, s.Service().DeleteMessage(r.Context(), url, h)
	}),
	"DeleteMessageBatch": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		entries, err := required[[]struct{ Id, ReceiptHandle string }](in, "Entries")
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 {
			return nil, sqsFail("AWS.SimpleQueueService.EmptyBatchRequest", "there should be at least one DeleteMessageBatchRequestEntry in the request")
		}
		ids, handles := make([]string, len(entries)), make([]string, len(entries))
		for i, e := range entries {
			ids[i], handles[i] = e.Id, e.ReceiptHandle
		}
		ok, failed, err := s.Service().DeleteMessageBatch(r.Context(), url, ids, handles)
		if err != nil {
			return nil, err
		}
		succ := []any{}
		for _, id := range ok {
			succ = append(succ, map[string]string{"Id": id})
		}
		return map[string]any{"Successful": succ, "Failed": wireFailed(failed)}, nil
	}),
	"ChangeMessageVisibility": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		h, err := required[string](in, "ReceiptHandle")
		if err != nil {
			return nil, err
		}
		vis, err := required[int](in, "VisibilityTimeout")
		if err != nil {
			return nil, err
		}
		return nil, s.Service().ChangeMessageVisibility(r.Context(), url, h, vis)
	}),
	"ChangeMessageVisibilityBatch": onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		entries, err := required[[]struct {
			Id, ReceiptHandle string
			VisibilityTimeout int
		}](in, "Entries")
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 || len(entries) > 10 {
			return nil, sqsFail(memory.SQSTooManyEntriesInBatch, "a batch holds 1 to 10 entries, not %d", len(entries))
		}
		succ, failed := []any{}, []any{}
		for _, e := range entries {
			err := s.Service().ChangeMessageVisibility(r.Context(), url, e.ReceiptHandle, e.VisibilityTimeout)
			var me *memory.SQSError
			switch {
			case err == nil:
				succ = append(succ, map[string]string{"Id": e.Id})
			case errors.As(err, &me) && me.Code != memory.SQSNonExistentQueue:
				failed = append(failed, map[string]any{"Id": e.Id, "Code": me.Code, "Message": me.Message, "SenderFault": true})
			default:
				return nil, err
			}
		}
		return map[string]any{"Successful": succ, "Failed": failed}, nil
	}),
}

// receiveReq is ReceiveMessage's request.
type receiveReq struct {
	AttributeNames, MessageSystemAttributeNames, MessageAttributeNames []string
	MaxNumberOfMessages                                                int
	VisibilityTimeout, WaitTimeSeconds                                 *int
	ReceiveRequestAttemptId                                            string
}

// receive is ReceiveMessage: long polling up to the wait asked for (else
// the queue's ReceiveMessageWaitTimeSeconds), the system and message
// attributes asked for.
func (s *SQS) receive(r *http.Request, url string, p receiveReq) (any, error) {
	wait := 0
	if p.WaitTimeSeconds != nil {
		wait = *p.WaitTimeSeconds
	} else {
		a, err := s.Service().GetQueueAttributes(r.Context(), url, "ReceiveMessageWaitTimeSeconds")
		if err != nil {
			return nil, err
		}
		fmt.Sscan(a["ReceiveMessageWaitTimeSeconds"], &wait)
	}
	if wait < 0 || wait > 20 {
		return nil, sqsFail(memory.SQSInvalidParameterValue, "value %d for parameter WaitTimeSeconds is invalid: it must be from 0 to 20", wait)
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	var ms []memory.SQSMessage
	var err error
	for {
		ms, err = s.Service().ReceiveMessage(r.Context(), memory.ReceiveMessageInput{QueueURL: url,
			MaxNumberOfMessages: p.MaxNumberOfMessages, VisibilityTimeout: p.VisibilityTimeout})
		if err != nil || len(ms) > 0 || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(s.Poll):
		}
	}
	if err != nil {
		return nil, err
	}
	sys := append(p.AttributeNames, p.MessageSystemAttributeNames...)
	out := []any{}
	for _, m := range ms {
		wm := map[string]any{"MessageId": m.MessageID, "ReceiptHandle": m.ReceiptHandle, "Body": m.Body, "MD5OfBody": m.MD5OfBody}
		if a := pick(m.Attributes, sys); len(a) > 0 {
			wm["Attributes"] = a
		}
		if ma := pickAttrs(m.MessageAttributes, p.MessageAttributeNames); len(ma) > 0 {
			wm["MessageAttributes"] = wireAttrs(ma)
			wm["MD5OfMessageAttributes"] = AttributesMD5(ma)
		}
		out = append(out, wm)
	}
	if len(out) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"Messages": out}, nil

}

// attempt is a FIFO receive's answer, kept for retries with its attempt id.
type attempt struct {
	at     time.Time
	answer any
}

// onQueue is the handler of an action on one queue (QueueUrl).
func onQueue(h func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error)) sqsHandler {
	return func(s *SQS, r *http.Request, in map[string]json.RawMessage) (any, error) {
		url, err := required[string](in, "QueueUrl")
		if err != nil {
			return nil, err
		}
		return h(s, r, url, in)
	}
}

// setter is the handler of an action on one queue that takes one more
// member and answers nothing.
func setter[T any](name string, call func(*memory.SQS, context.Context, string, T) error) sqsHandler {
	return onQueue(func(s *SQS, r *http.Request, url string, in map[string]json.RawMessage) (any, error) {
		v, err := required[T](in, name)
		if err != nil {
			return nil, err
		}
		return nil, call(s.Service(), r.Context(), url, v)
	})
}

// plain is the handler of an action on one queue that takes nothing more
// and answers nothing.
func plain(call func(*memory.SQS, context.Context, string) error) sqsHandler {
	return onQueue(func(s *SQS, r *http.Request, url string, _ map[string]json.RawMessage) (any, error) {
		return nil, call(s.Service(), r.Context(), url)
	})
}

// member is an answer of one map member, left out when empty.
func member(name string, m map[string]string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{name: m}, nil
}

// required decodes a member the action needs (MissingParameter when it is
// absent).
func required[T any](in map[string]json.RawMessage, name string) (T, error) {
	var v T
	raw, ok := in[name]
	if !ok || string(raw) == "null" {
		return v, sqsFail(memory.SQSMissingParameter, "the request must contain the parameter %s", name)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, sqsFail("SerializationException", "parameter %s: %v", name, err)
	}
	return v, nil
}

func optional(in map[string]json.RawMessage, name string, v any) error {
	raw, ok := in[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return sqsFail("SerializationException", "parameter %s: %v", name, err)
	}
	return nil
}

// remarshal decodes the whole request into a struct.
func remarshal(in map[string]json.RawMessage, v any) error {
	b, _ := json.Marshal(in)
	if err := json.Unmarshal(b, v); err != nil {
		return sqsFail("SerializationException", "%v", err)
	}
	return nil
}

// wireAttr is a MessageAttributeValue on the wire (BinaryValue in base64,
// as JSON carries blobs).
type wireAttr struct {
	DataType    string
	StringValue string `json:",omitempty"`
	BinaryValue []byte `json:",omitempty"`
}

// wireSend is a SendMessage request or a SendMessageBatch entry.
type wireSend struct {
	ID                      string `json:"Id"`
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]wireAttr
	MessageSystemAttributes map[string]wireAttr
	MessageGroupId          string
	MessageDeduplicationId  string
}

func (e wireSend) input(url string) (memory.SendMessageInput, error) {
	if e.MessageBody == nil {
		return memory.SendMessageInput{}, sqsFail(memory.SQSMissingParameter, "the request must contain the parameter MessageBody")
	}
	mi := memory.SendMessageInput{QueueURL: url, MessageBody: *e.MessageBody, DelaySeconds: e.DelaySeconds,
		MessageGroupID: e.MessageGroupId, MessageDeduplicationID: e.MessageDeduplicationId}
	for k, a := range e.MessageAttributes {
		if mi.MessageAttributes == nil {
			mi.MessageAttributes = map[string]memory.MessageAttributeValue{}
		}
		mi.MessageAttributes[k] = memory.MessageAttributeValue{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	for k, a := range e.MessageSystemAttributes {
		if k != "AWSTraceHeader" || a.DataType != "String" {
			return mi, sqsFail(memory.SQSInvalidParameterValue, "message system attribute %s is not supported (only AWSTraceHeader, String)", k)
		}
		mi.AWSTraceHeader = a.StringValue
	}
	return mi, nil
}

func sendResult(o memory.SendMessageOutput, in memory.SendMessageInput) map[string]any {
	res := map[string]any{"MessageId": o.MessageID, "MD5OfMessageBody": o.MD5OfMessageBody}
	if len(in.MessageAttributes) > 0 {
		res["MD5OfMessageAttributes"] = AttributesMD5(in.MessageAttributes)
	}
	if in.AWSTraceHeader != "" {
		res["MD5OfMessageSystemAttributes"] = AttributesMD5(map[string]memory.MessageAttributeValue{
			"AWSTraceHeader": {DataType: "String", StringValue: in.AWSTraceHeader}})
	}
	if o.SequenceNumber != "" {
		res["SequenceNumber"] = o.SequenceNumber
	}
	return res
}

func wireFailed(failed []memory.BatchResultErrorEntry) []any {
	out := []any{}
	for _, f := range failed {
		out = append(out, map[string]any{"Id": f.ID, "Code": f.Code, "Message": f.Message, "SenderFault": f.SenderFault})
	}
	return out
}

func wireAttrs(a map[string]memory.MessageAttributeValue) map[string]wireAttr {
	out := make(map[string]wireAttr, len(a))
	for k, v := range a {
		out[k] = wireAttr{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out
}

// pick keeps the system attributes asked for ("All" for every one).
func pick(a map[string]string, names []string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		if slices.Contains(names, "All") || slices.Contains(names, k) {
			out[k] = v
		}
	}
	return out
}

// pickAttrs keeps the message attributes asked for: "All" or ".*" for
// every one, "prefix.*" for those starting with prefix., else by name.
func pickAttrs(a map[string]memory.MessageAttributeValue, names []string) map[string]memory.MessageAttributeValue {
	out := map[string]memory.MessageAttributeValue{}
	for k, v := range a {
		for _, n := range names {
			p, wild := strings.CutSuffix(n, ".*")
			if n == "All" || n == ".*" || n == k || wild && strings.HasPrefix(k, p+".") {
				out[k] = v
				break
			}
		}
	}
	return out
}

// AttributesMD5 is SQS's MD5OfMessageAttributes: the attributes sorted by
// name, each encoded as name, data type and a transport byte (1 string,
// 2 binary) then the value, every string and value preceded by its
// length as 4 bytes big-endian.
func AttributesMD5(a map[string]memory.MessageAttributeValue) string {
	var b bytes.Buffer
	put := func(p []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(p)))
		b.Write(p)
	}
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		v := a[n]
		put([]byte(n))
		put([]byte(v.DataType))
		if strings.HasPrefix(v.DataType, "Binary") {
			b.WriteByte(2)
			put(v.BinaryValue)
		} else {
			b.WriteByte(1)
			put([]byte(v.StringValue))
		}
	}
	sum := md5.Sum(b.Bytes())
	return hex.EncodeToString(sum[:])
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
