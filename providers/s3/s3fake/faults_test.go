package s3fake_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestErrorFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   s3fake.FaultKind
		code   string
		status int
	}{
		{s3fake.FaultInternalError, "InternalError", 500},
		{s3fake.FaultSlowDown, "SlowDown", 503},
		{s3fake.FaultTooManyRequests, "TooManyRequests", 429},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			srv, c, bucket := setup(t)
			inj := srv.Faults().Add(s3fake.Fault{Kind: tt.kind, Op: s3fake.OpPutObject, Bucket: bucket, Key: "k"})
			_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"),
				Body: strings.NewReader("body")})
			wantCode(t, err, tt.code, tt.status)
			if _, ok := srv.Object(bucket, "k"); ok || srv.Count(s3fake.OpPutObject, bucket, "k") != 0 {
				t.Fatal("a faulted PutObject reached the store")
			}
			put(t, c, bucket, "k", "body") // the fault hits once
			if inj.Fired() != 1 || srv.Writes(bucket, "k") != 1 {
				t.Fatalf("Fired = %d, Writes = %d", inj.Fired(), srv.Writes(bucket, "k"))
			}
		})
	}
}

func TestOKErrorFault(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithMinPartSize(1))
	ctx := t.Context()
	put(t, c, bucket, "src", "source")
	srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultOKError, Op: s3fake.OpCopyObject})
	_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("dst"), CopySource: aws.String(bucket + "/src")})
	if c, _ := code(err); c != "InternalError" {
		t.Fatalf("CopyObject answered 200 with an error = %v", err)
	}
	srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultOKError, Op: s3fake.OpCompleteMultipartUpload, Code: "SlowDown"})
	id, parts := upload(t, c, bucket, "mp", []byte("x"))
	_, err = complete(t, c, bucket, "mp", id, parts)
	if c, _ := code(err); c != "SlowDown" {
		t.Fatalf("Complete answered 200 with an error = %v", err)
	}
	if _, err := complete(t, c, bucket, "mp", id, parts); err != nil {
		t.Fatalf("Complete after the fault: %v", err)
	}
}

func TestResetFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    s3fake.FaultKind
		applied bool
	}{
		{s3fake.FaultReset, false},
		{s3fake.FaultResetAfter, true},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			srv, c, bucket := setup(t)
			srv.Faults().Add(s3fake.Fault{Kind: tt.kind, Op: s3fake.OpPutObject})
			_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"),
				Body: strings.NewReader("lost answer")})
			if err == nil {
				t.Fatal("PutObject through a reset succeeded")
			}
			if _, ok := srv.Object(bucket, "k"); ok != tt.applied {
				t.Fatalf("object stored = %v, want %v (%v)", ok, tt.applied, err)
			}
		})
	}
}

func TestBodyFaults(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("0123456789"), 1000)
	tests := []struct {
		name   string
		fault  s3fake.Fault
		check  func(t *testing.T, got []byte, err error)
		verify bool // read with the SDK's response checksum validation
	}{
		{name: "reset mid-body", fault: s3fake.Fault{Kind: s3fake.FaultResetMidBody, Offset: 4000},
			check: func(t *testing.T, got []byte, err error) {
				if err == nil || len(got) > 4000 {
					t.Fatalf("read %d bytes, %v; want at most 4000 and an error", len(got), err)
				}
			}},
		{name: "truncate", fault: s3fake.Fault{Kind: s3fake.FaultTruncate},
			check: func(t *testing.T, got []byte, err error) {
				if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != len(body)/2 {
					t.Fatalf("read %d bytes, %v; want %d and unexpected EOF", len(got), err, len(body)/2)
				}
			}},
		{name: "corrupt", fault: s3fake.Fault{Kind: s3fake.FaultCorruptResponse, Offset: 123},
			check: func(t *testing.T, got []byte, err error) {
				if err != nil || len(got) != len(body) || got[123] == body[123] || !bytes.Equal(got[124:], body[124:]) {
					t.Fatalf("read %d bytes, %v; want one byte changed at 123", len(got), err)
				}
			}},
		{name: "corrupt caught by checksum validation", verify: true, fault: s3fake.Fault{Kind: s3fake.FaultCorruptResponse},
			check: func(t *testing.T, got []byte, err error) {
				if err == nil || !strings.Contains(err.Error(), "checksum") {
					t.Fatalf("read %d bytes, %v; want a checksum error", len(got), err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c, bucket := setup(t)
			put(t, c, bucket, "k", string(body))
			ft := tt.fault
			ft.Op = s3fake.OpGetObject
			srv.Faults().Add(ft)
			if tt.verify {
				c = clientFor(srv, func(o *s3.Options) { o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported })
			}
			out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			tt.check(t, got, err)
			// The next read is whole again.
			_, again := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
			if !bytes.Equal(again, body) {
				t.Fatal("the fault hit twice")
			}
		})
	}
}

func TestCorruptRequestFault(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("abcdefghij"), 2000)
	tests := []struct {
		name     string
		tls      bool
		client   func(o *s3.Options)
		in       func(in *s3.PutObjectInput)
		unsigned bool   // send UNSIGNED-PAYLOAD
		code     string // "" when the corrupt body is stored
	}{
		{name: "signed payload", code: "XAmzContentSHA256Mismatch"},
		{name: "content-md5", code: "BadDigest", in: func(in *s3.PutObjectInput) { in.ContentMD5 = aws.String(b64md5(body)) },
			unsigned: true},
		{name: "aws-chunked trailer", tls: true, code: "BadDigest",
			client: func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported }},
		{name: "unsigned without digest", unsigned: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []s3fake.Option
			if tt.tls {
				opts = append(opts, s3fake.WithTLS())
			}
			srv := start(t, opts...)
			var copts []func(*s3.Options)
			if tt.client != nil {
				copts = append(copts, tt.client)
			}
			c := clientFor(srv, copts...)
			if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("b1k")}); err != nil {
				t.Fatal(err)
			}
			inj := srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultCorruptRequest, Op: s3fake.OpPutObject, Offset: 15000})
			in := &s3.PutObjectInput{Bucket: aws.String("b1k"), Key: aws.String("k"), Body: bytes.NewReader(body)}
			if tt.in != nil {
				tt.in(in)
			}
			var optFns []func(*s3.Options)
			if tt.unsigned {
				optFns = append(optFns, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
			}
			_, err := c.PutObject(t.Context(), in, optFns...)
			if inj.Fired() != 1 {
				t.Fatalf("Fired = %d", inj.Fired())
			}
			if tt.code != "" {
				wantCode(t, err, tt.code, http.StatusBadRequest)
				if _, ok := srv.Object("b1k", "k"); ok {
					t.Fatal("a corrupt body was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := srv.Body(t.Context(), "b1k", "k")
			if len(got) != len(body) || got[15000] == body[15000] || !bytes.Equal(got[:15000], body[:15000]) {
				t.Fatalf("stored body: %d bytes, byte 15000 %q (sent %q)", len(got), got[15000], body[15000])
			}
		})
	}
}

func TestFaultSelection(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	put(t, c, bucket, "k", "v")
	put(t, c, bucket, "other", "v")
	inj := srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultInternalError, Op: s3fake.OpGetObject, Key: "k", Skip: 1, Times: 2})
	read := func(key string) string {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
		}
		code, _ := code(err)
		return code
	}
	var got []string
	for range 4 {
		got = append(got, read("k"))
		if c := read("other"); c != "" {
			t.Fatalf("a key the fault does not name was hit: %s", c)
		}
	}
	if strings.Join(got, ",") != ",InternalError,InternalError," || inj.Fired() != 2 {
		t.Fatalf("results %q, Fired %d", got, inj.Fired())
	}

	always := srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultSlowDown, Times: -1,
		Match: func(r *http.Request) bool { return r.Header.Get("Range") != "" }})
	for range 3 {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("other"), Range: aws.String("bytes=0-0")})
		wantCode(t, err, "SlowDown", http.StatusServiceUnavailable)
	}
	if always.Fired() != 3 {
		t.Fatalf("Fired = %d", always.Fired())
	}
	srv.Faults().Clear()
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("other"), Range: aws.String("bytes=0-0")}); err != nil {
		t.Fatalf("after Clear: %v", err)
	}
}

// noBackoff retries at once.
type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func TestRetriedFaults(t *testing.T) {
	t.Parallel()
	srv, _, bucket := setup(t)
	c := clientFor(srv, func(o *s3.Options) {
		o.RetryMaxAttempts = 0
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = noBackoff{}
			so.RateLimiter = ratelimit.None
		})
	})
	tests := []struct {
		kind    s3fake.FaultKind
		op      s3fake.Operation
		request func(ctx context.Context) error
	}{
		{s3fake.FaultInternalError, s3fake.OpPutObject, func(ctx context.Context) error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("v")})
			return err
		}},
		{s3fake.FaultSlowDown, s3fake.OpHeadObject, func(ctx context.Context) error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
			return err
		}},
		{s3fake.FaultReset, s3fake.OpListObjectsV2, func(ctx context.Context) error {
			_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			inj := srv.Faults().Add(s3fake.Fault{Kind: tt.kind, Op: tt.op, Times: 2})
			if err := tt.request(t.Context()); err != nil {
				t.Fatalf("with retries: %v", err)
			}
			if inj.Fired() != 2 || srv.Count(tt.op, bucket, "") != 1 {
				t.Fatalf("Fired %d, answered %d", inj.Fired(), srv.Count(tt.op, bucket, ""))
			}
		})
	}
}

func TestFaultProxy(t *testing.T) {
	t.Parallel()
	backend, _, bucket := setup(t)
	var mu sync.Mutex
	hosts := map[string]bool{}
	backend.Faults().Add(s3fake.Fault{Times: -1, Match: func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		hosts[r.Host] = true
		return false
	}})
	target, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	faults := s3fake.NewFaults()
	proxy := httptest.NewServer(faults.Handler(s3fake.ProxyHandler(target, nil)))
	t.Cleanup(proxy.Close)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(proxy.URL), UsePathStyle: true,
		Credentials:                clientFor(backend).Options().Credentials,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired, RetryMaxAttempts: 1})
	put(t, c, bucket, "via-proxy", "proxied")
	faults.Add(s3fake.Fault{Kind: s3fake.FaultTruncate, Op: s3fake.OpGetObject, Key: "via-proxy"})
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("via-proxy")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(out.Body)
	out.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated read through the proxy: %v", err)
	}
	if b, _ := backend.Body(t.Context(), bucket, "via-proxy"); string(b) != "proxied" {
		t.Fatalf("backend holds %q", b)
	}
	proxyHost := strings.TrimPrefix(proxy.URL, "http://")
	mu.Lock()
	defer mu.Unlock()
	if !hosts[proxyHost] {
		t.Fatalf("the backend saw hosts %v, want the signed %s", hosts, proxyHost)
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	if s := s3fake.FaultTruncate.String(); s != "FaultTruncate" {
		t.Errorf("String = %q", s)
	}
	if s := s3fake.FaultKind(99).String(); s != "FaultKind(99)" {
		t.Errorf("String = %q", s)
	}
}

func TestSharedFaults(t *testing.T) {
	t.Parallel()
	f := s3fake.NewFaults()
	a, b := start(t, s3fake.WithFaults(f)), start(t, s3fake.WithFaults(f))
	if a.Faults() != f || b.Faults() != f {
		t.Fatal("WithFaults is not used")
	}
	inj := f.Add(s3fake.Fault{Kind: s3fake.FaultSlowDown, Op: s3fake.OpListBuckets, Times: 2})
	for _, srv := range []*s3fake.Server{a, b} {
		_, err := clientFor(srv).ListBuckets(t.Context(), &s3.ListBucketsInput{})
		wantCode(t, err, "SlowDown", http.StatusServiceUnavailable)
	}
	if inj.Fired() != 2 {
		t.Fatalf("Fired = %d", inj.Fired())
	}
}
