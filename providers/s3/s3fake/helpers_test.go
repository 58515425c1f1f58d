package s3fake_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

// start returns a server closed with the test.
func start(t *testing.T, opts ...s3fake.Option) *s3fake.Server {
	t.Helper()
	srv := s3fake.New(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// clientFor returns the SDK client the brief prescribes: checksums only
// when required, no retries (tests that want retries set them).
func clientFor(srv *s3fake.Server, opts ...func(*s3.Options)) *s3.Client {
	o := s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		HTTPClient:                 srv.Client(),
		RetryMaxAttempts:           1,
	}
	for _, f := range opts {
		f(&o)
	}
	return s3.New(o)
}

// setup starts a server with a bucket and returns a client for it.
func setup(t *testing.T, opts ...s3fake.Option) (*s3fake.Server, *s3.Client, string) {
	t.Helper()
	srv := start(t, opts...)
	c := clientFor(srv)
	const bucket = "bucket"
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return srv, c, bucket
}

func put(t *testing.T, c *s3.Client, bucket, key, body string) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
	return out
}

func get(t *testing.T, c *s3.Client, in *s3.GetObjectInput) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	out, err := c.GetObject(t.Context(), in)
	if err != nil {
		t.Fatalf("GetObject %s: %v", aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read GetObject %s: %v", aws.ToString(in.Key), err)
	}
	return out, data
}

// code returns an SDK error's S3 error code and HTTP status.
func code(err error) (string, int) {
	if err == nil {
		return "", 0
	}
	c, status := "", 0
	var api smithy.APIError
	if errors.As(err, &api) {
		c = api.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return c, status
}

func wantCode(t *testing.T, err error, wantCode string, wantStatus int) {
	t.Helper()
	c, status := code(err)
	if c != wantCode || status != wantStatus {
		t.Fatalf("error = %v (code %q, status %d), want %s %d", err, c, status, wantCode, wantStatus)
	}
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// rawRequest sends a hand-made request to srv and returns the status, the
// headers and the body of the answer.
func rawRequest(t *testing.T, ctx context.Context, srv *s3fake.Server, method, path string, hdr http.Header, body []byte) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			if strings.EqualFold(k, "Content-Length") {
				continue
			}
			req.Header.Add(k, v)
		}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, string(data)
}

// errorCode extracts <Code> from an S3 error body.
func errorCode(body string) string {
	_, rest, ok := strings.Cut(body, "<Code>")
	if !ok {
		return ""
	}
	c, _, _ := strings.Cut(rest, "</Code>")
	return c
}
