package s3fake_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

// payloadModes records the x-amz-content-sha256 and x-amz-trailer of each
// PutObject and UploadPart request a server sees.
type payloadModes struct {
	mu    sync.Mutex
	modes []string
}

func (p *payloadModes) watch(srv *s3fake.Server) {
	srv.Faults().Add(s3fake.Fault{Times: -1, Match: func(r *http.Request) bool {
		if op := s3fake.Classify(r).Op; op == s3fake.OpPutObject || op == s3fake.OpUploadPart {
			p.mu.Lock()
			p.modes = append(p.modes, r.Header.Get("X-Amz-Content-Sha256")+" "+r.Header.Get("X-Amz-Trailer"))
			p.mu.Unlock()
		}
		return false
	}})
}

func (p *payloadModes) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.modes...)
}

// TestSDKDefaultChecksums runs the SDK with its default checksum settings
// (WhenSupported): over TLS it sends aws-chunked bodies with a trailing
// CRC32, over HTTP a CRC32 header, and it validates response checksums.
func TestSDKDefaultChecksums(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{true, false} {
		name := map[bool]string{true: "tls", false: "http"}[tls]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := []s3fake.Option{s3fake.WithMinPartSize(1)}
			if tls {
				opts = append(opts, s3fake.WithTLS())
			}
			srv := start(t, opts...)
			var modes payloadModes
			modes.watch(srv)
			c := clientFor(srv, func(o *s3.Options) {
				o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
				o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
			})
			ctx := t.Context()
			const bucket = "defaults"
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatal(err)
			}
			body := bytes.Repeat([]byte("checksummed "), 300_000) // several aws-chunked chunks
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big"), Body: bytes.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
			stored, _ := srv.Object(bucket, "big")
			if got, _ := srv.Body(ctx, bucket, "big"); !bytes.Equal(got, body) || stored.ChecksumAlgorithm != "CRC32" {
				t.Fatalf("stored %d bytes with checksum %q; want %d with CRC32", len(got), stored.ChecksumAlgorithm, len(body))
			}
			if tls {
				// Unseekable bodies need no help over TLS.
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("streamed"),
					Body: struct{ io.Reader }{bytes.NewReader(body)}, ContentLength: aws.Int64(int64(len(body)))}); err != nil {
					t.Fatal(err)
				}
				if got, _ := srv.Body(ctx, bucket, "streamed"); !bytes.Equal(got, body) {
					t.Fatalf("streamed: stored %d bytes", len(got))
				}
			}

			cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp")})
			if err != nil {
				t.Fatal(err)
			}
			var parts []types.CompletedPart
			for i, p := range [][]byte{body[:1000], body[1000:]} {
				out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: cr.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
			}
			if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"),
				UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
				t.Fatal(err)
			}

			// The SDK validates the CRC32 of "big" and the CRC64NVME of "mp".
			for _, key := range []string{"big", "mp"} {
				out, got := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
				if !bytes.Equal(got, body) {
					t.Fatalf("GET %s: %d bytes", key, len(got))
				}
				if aws.ToString(out.ChecksumCRC32) == "" && aws.ToString(out.ChecksumCRC64NVME) == "" {
					t.Errorf("GET %s answered no checksum to validate", key)
				}
			}

			want := "STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32"
			for _, m := range modes.all() {
				if tls && m != want || !tls && strings.HasPrefix(m, "STREAMING-") {
					t.Errorf("payload sent as %q (TLS %v)", m, tls)
				}
			}
		})
	}
}
