package aws_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/providertest"
)

// blankAWSEnv clears the AWS_* variables this machine sets, so nothing
// but the test decides where requests go.
func blankAWSEnv(t *testing.T) {
	for _, v := range []string{"AWS_CA_BUNDLE", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(v, "")
	}
}

// fakeEnv starts the fakes and returns an environment value pointing the
// aws provider at them.
func fakeEnv(t *testing.T, endpoints map[string]string) cty.Value {
	t.Helper()
	sts := httptest.NewServer(awsfake.STS("123456789012"))
	t.Cleanup(sts.Close)
	ep := map[string]cty.Value{"sts": cty.StringVal(sts.URL)}
	for k, v := range endpoints {
		ep[k] = cty.StringVal(v)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"region":     cty.StringVal("eu-central-1"),
		"access_key": cty.StringVal("AKID"),
		"secret_key": cty.StringVal("SECRET"),
		"endpoints":  cty.MapVal(ep),
	})
}

func sqsProvider(t *testing.T) (*aws.Provider, *awsfake.SQS, string) {
	t.Helper()
	blankAWSEnv(t)
	fake := awsfake.NewSQS()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := aws.Factory().New().(*aws.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "aws", Value: fakeEnv(t, map[string]string{"sqs": srv.URL})}); err != nil {
		t.Fatal(err)
	}
	return p, fake, srv.URL
}

func sqsSDK(url string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "eu-central-1", BaseEndpoint: awssdk.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
}

func TestSQSQueueContract(t *testing.T) {
	p, _, _ := sqsProvider(t)
	providertest.RunQueueContract(t, providertest.QueueOpt{Provider: p, Caps: aws.Factory().Caps.Queue, Prefix: "ct"})
}

func TestSQSReadsQueuesAsSQSHasThem(t *testing.T) {
	p, _, url := sqsProvider(t)
	c := sqsSDK(url)
	ctx := t.Context()
	mk := func(name string, a map[string]string, tags map[string]string) string {
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String(name), Attributes: a, Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		return awssdk.ToString(out.QueueUrl)
	}
	mk("dlq.fifo", map[string]string{"FifoQueue": "true"}, nil)
	mk("orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "120",
		"MessageRetentionPeriod": "86400", "MaximumMessageSize": "2048", "ReceiveMessageWaitTimeSeconds": "5",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo","maxReceiveCount":"7"}`},
		map[string]string{"team": "shop"})
	jobs := mk("jobs", map[string]string{"DelaySeconds": "30"}, nil)
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &jobs, MessageBody: awssdk.String("x")}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // more than one ListQueues page is read
		mk(fmt.Sprintf("extra-%d", i), nil, nil)
	}
	all, err := p.Queues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Fatalf("Queues listed %d, want 6", len(all))
	}
	tests := []struct {
		name string
		want providers.QueueSpec
	}{
		{"orders.fifo", providers.QueueSpec{Name: "orders.fifo", FIFO: true, ContentDedup: true, DedupWindow: 5 * time.Minute,
			VisibilityTimeout: 2 * time.Minute, Retention: 24 * time.Hour, MaxMessageBytes: 2048, DeadLetter: "dlq.fifo", MaxReceives: 7}},
		{"jobs", providers.QueueSpec{Name: "jobs", VisibilityTimeout: 30 * time.Second, Retention: 96 * time.Hour, Delay: 30 * time.Second,
			MaxMessageBytes: 1 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Queue(ctx, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if d := got.Differences(tt.want); d != "" {
				t.Errorf("read back: %s", d)
			}
		})
	}
	o, _ := p.Queue(ctx, "orders.fifo")
	if o.Tags["team"] != "shop" || o.Attrs["ReceiveMessageWaitTimeSeconds"] != "5" {
		t.Errorf("tags %v attrs %v: want team=shop and the receive wait kept", o.Tags, o.Attrs)
	}
	d, err := p.Depth(ctx, "jobs")
	if err != nil || d.Delayed != 1 {
		t.Errorf("depth of jobs %+v (%v): want 1 delayed", d, err)
	}
	if _, err := p.Queue(ctx, "nope"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Queue(nope): %v, want ErrNotFound", err)
	}
	inv, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindQueue}})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := inv.Find(providers.TypeQueue, "jobs")
	if !ok || r.Usage.Messages != 1 || !strings.HasPrefix(r.ID, "arn:aws:sqs:eu-central-1:") || r.Attrs["delay"] != "30s" {
		t.Errorf("discovered jobs as %+v", r)
	}
}

func TestSQSMapQueue(t *testing.T) {
	p := aws.Factory().New().(*aws.Provider)
	tests := []struct {
		name     string
		spec     providers.QueueSpec
		wantName string
		gaps     []string // settings with a gap
		blocker  bool
	}{
		{"defaults", providers.QueueSpec{Name: "a", Retention: time.Hour}, "a", nil, false},
		{"fifo gets its suffix", providers.QueueSpec{Name: "b", FIFO: true, Retention: time.Hour, DedupWindow: 2 * time.Minute}, "b.fifo",
			[]string{"deduplication window"}, false},
		{"unlimited retention", providers.QueueSpec{Name: "c"}, "c", []string{"retention"}, false},
		{"too long a visibility", providers.QueueSpec{Name: "d", VisibilityTimeout: 24 * time.Hour, Retention: time.Hour}, "d",
			[]string{"visibility timeout"}, false},
		{"too large messages", providers.QueueSpec{Name: "e", Retention: time.Hour, MaxMessageBytes: 4 << 20}, "e",
			[]string{"max message size"}, true},
		{"a broker's own attribute", providers.QueueSpec{Name: "f", Retention: time.Hour, Attrs: map[string]string{"x-max-length": "5"}}, "f",
			[]string{"attribute x-max-length"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := p.MapQueue(tt.spec)
			if m.Name != tt.wantName {
				t.Errorf("name %q, want %q", m.Name, tt.wantName)
			}
			var gaps []string
			blocker := false
			for _, g := range m.Gaps {
				gaps = append(gaps, g.Setting)
				blocker = blocker || g.Blocker
			}
			if strings.Join(gaps, ",") != strings.Join(tt.gaps, ",") || blocker != tt.blocker {
				t.Errorf("gaps %v (blocker %v), want %v (blocker %v): %+v", gaps, blocker, tt.gaps, tt.blocker, m.Gaps)
			}
		})
	}
}

// TestSQSFake checks the fake's wire behaviour against the SQS API
// reference through the SDK client.
func TestSQSFake(t *testing.T) {
	blankAWSEnv(t)
	fake := awsfake.NewSQS()
	fake.AccessKey = "AKID"
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := sqsSDK(srv.URL)
	ctx := t.Context()
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	t.Run("errors", func(t *testing.T) {
		_, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: awssdk.String("none")})
		var nq *types.QueueDoesNotExist
		if !errors.As(err, &nq) || code(err) != "AWS.SimpleQueueService.NonExistentQueue" {
			t.Errorf("GetQueueUrl of a missing queue: %v (code %s), want QueueDoesNotExist with the query code", err, code(err))
		}
		_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String("bad.fifo")})
		if code(err) != "InvalidParameterValue" {
			t.Errorf("a .fifo name without FifoQueue: %v", err)
		}
		other := sqs.New(sqs.Options{Region: "eu-central-1", BaseEndpoint: awssdk.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("WRONG", "SECRET", "")})
		if _, err := other.ListQueues(ctx, &sqs.ListQueuesInput{}); code(err) != "InvalidClientTokenId" {
			t.Errorf("another access key: %v", err)
		}
	})
	t.Run("paging", func(t *testing.T) {
		for i := range 5 {
			if _, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String(fmt.Sprintf("page-%d", i))}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		pages := sqs.NewListQueuesPaginator(c, &sqs.ListQueuesInput{QueueNamePrefix: awssdk.String("page-"), MaxResults: awssdk.Int32(2)})
		n := 0
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n++
			names = append(names, out.QueueUrls...)
		}
		if len(names) != 5 || n != 3 {
			t.Errorf("%d queues in %d pages, want 5 in 3", len(names), n)
		}
	})
	t.Run("receive", func(t *testing.T) {
		q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String("r"), Attributes: map[string]string{"VisibilityTimeout": "1"}})
		if err != nil {
			t.Fatal(err)
		}
		url := q.QueueUrl
		// A long poll waits for a message sent meanwhile.
		go func() {
			time.Sleep(300 * time.Millisecond)
			_, _ = c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: url, MessageBody: awssdk.String("late"),
				MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: awssdk.String("String"), StringValue: awssdk.String("v")}}})
		}()
		start := time.Now()
		r1, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 5, MessageAttributeNames: []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
		if err != nil || len(r1.Messages) != 1 || time.Since(start) > 4*time.Second {
			t.Fatalf("long poll: %v %+v after %s", err, r1, time.Since(start))
		}
		m := r1.Messages[0]
		if m.Attributes["ApproximateReceiveCount"] != "1" || len(m.Attributes) != 1 || awssdk.ToString(m.MessageAttributes["k"].StringValue) != "v" ||
			awssdk.ToString(m.MD5OfMessageAttributes) == "" {
			t.Errorf("first delivery: %+v", m)
		}
		time.Sleep(1100 * time.Millisecond) // the visibility timeout passes
		r2, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil || len(r2.Messages) != 1 {
			t.Fatalf("second delivery: %v %+v", err, r2)
		}
		if awssdk.ToString(r2.Messages[0].ReceiptHandle) == awssdk.ToString(m.ReceiptHandle) || r2.Messages[0].Attributes["ApproximateReceiveCount"] != "2" ||
			len(r2.Messages[0].MessageAttributes) != 0 {
			t.Errorf("a new delivery keeps its handle, counts wrong or brings unasked attributes: %+v", r2.Messages[0])
		}
		del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: []types.DeleteMessageBatchRequestEntry{
			{Id: awssdk.String("ok"), ReceiptHandle: r2.Messages[0].ReceiptHandle},
			{Id: awssdk.String("bad"), ReceiptHandle: awssdk.String("forged")}}})
		if err != nil || len(del.Successful) != 1 || len(del.Failed) != 1 || awssdk.ToString(del.Failed[0].Code) != "ReceiptHandleIsInvalid" {
			t.Errorf("batch delete with one forged handle: %v %+v", err, del)
		}
	})
	t.Run("fifo and redrive", func(t *testing.T) {
		dlq, _ := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String("d.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
		q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String("f.fifo"), Attributes: map[string]string{"FifoQueue": "true",
			"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d.fifo","maxReceiveCount":1}`}})
		if err != nil {
			t.Fatal(err)
		}
		url := q.QueueUrl
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: awssdk.String("x")}); code(err) != "MissingParameter" {
			t.Errorf("a FIFO send without a group: %v", err)
		}
		for i, b := range []string{"a", "b", "a"} {
			id := []string{"1", "2", "1"}[i]
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: awssdk.String(b),
				MessageGroupId: awssdk.String("g"), MessageDeduplicationId: awssdk.String(id)}); err != nil {
				t.Fatal(err)
			}
		}
		r, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 1})
		if len(r.Messages) != 1 || awssdk.ToString(r.Messages[0].Body) != "a" {
			t.Fatalf("first FIFO receive: %+v", r.Messages)
		}
		if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: r.Messages[0].ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
		// Received once already (maxReceiveCount 1), "a" goes to the DLQ; "b" is next.
		r, _ = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if len(r.Messages) != 1 || awssdk.ToString(r.Messages[0].Body) != "b" {
			t.Errorf("after redrive: %+v, want b only (the repeat deduplicated)", r.Messages)
		}
		if again, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url}); len(again.Messages) != 0 {
			t.Errorf("the group delivered while a message is in flight")
		}
		d, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl})
		if len(d.Messages) != 1 || awssdk.ToString(d.Messages[0].Body) != "a" {
			t.Errorf("dead-letter queue holds %+v, want a", d.Messages)
		}
		// A receive retried with its attempt id gets the same delivery.
		d2, _ := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: awssdk.String("att.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: d2.QueueUrl, MessageBody: awssdk.String("m"),
			MessageGroupId: awssdk.String("g"), MessageDeduplicationId: awssdk.String("1")}); err != nil {
			t.Fatal(err)
		}
		in := &sqs.ReceiveMessageInput{QueueUrl: d2.QueueUrl, ReceiveRequestAttemptId: awssdk.String("try-1")}
		a1, _ := c.ReceiveMessage(ctx, in)
		a2, _ := c.ReceiveMessage(ctx, in)
		if len(a1.Messages) != 1 || len(a2.Messages) != 1 || awssdk.ToString(a1.Messages[0].ReceiptHandle) != awssdk.ToString(a2.Messages[0].ReceiptHandle) {
			t.Errorf("a retried attempt got %+v then %+v, want the same delivery", a1.Messages, a2.Messages)
		}
		if a3, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: d2.QueueUrl, ReceiveRequestAttemptId: awssdk.String("try-2")}); len(a3.Messages) != 0 {
			t.Errorf("another attempt received %+v while the message is in flight", a3.Messages)
		}
	})
}
