package s3fake_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

const fakeSig = "0000000000000000000000000000000000000000000000000000000000000000"

// chunked frames chunks as aws-chunked: with chunk signatures when signed,
// then the trailer lines, if any.
func chunked(signed bool, chunks [][]byte, trailer ...string) []byte {
	var b bytes.Buffer
	ext := ""
	if signed {
		ext = ";chunk-signature=" + fakeSig
	}
	for _, c := range chunks {
		fmt.Fprintf(&b, "%x%s\r\n", len(c), ext)
		b.Write(c)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "0%s\r\n", ext)
	for _, t := range trailer {
		b.WriteString(t + "\r\n")
	}
	if signed && len(trailer) > 0 {
		b.WriteString("x-amz-trailer-signature:" + fakeSig + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func crc32b64(b []byte) string {
	c := crc32.ChecksumIEEE(b)
	return b64([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
}

func TestPayloadEncodings(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	big := bytes.Repeat([]byte("a"), 8192)
	small := []byte("tail of the body")
	whole := append(append([]byte(nil), big...), small...)
	sha := sha256.Sum256(whole)
	streaming := func(mode string, decoded int, extra ...string) http.Header {
		h := http.Header{"X-Amz-Content-Sha256": {mode}, "Content-Encoding": {"aws-chunked"},
			"X-Amz-Decoded-Content-Length": {fmt.Sprint(decoded)}}
		for i := 0; i+1 < len(extra); i += 2 {
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	tests := []struct {
		name   string
		hdr    http.Header
		body   []byte
		status int
		code   string
		sum    string // the CRC32 HEAD answers with checksum mode
	}{
		{name: "signed chunks", hdr: streaming("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", len(whole)),
			body: chunked(true, [][]byte{big, small}), status: 200},
		{name: "signed chunk too small", hdr: streaming("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 2*len(small)),
			body: chunked(true, [][]byte{small, small}), status: 400, code: "InvalidChunkSizeError"},
		{name: "signed with trailer", hdr: streaming("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", len(whole), "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body: chunked(true, [][]byte{big, small}, "x-amz-checksum-crc32:"+crc32b64(whole)), status: 200, sum: crc32b64(whole)},
		{name: "unsigned with trailer", hdr: streaming("STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(whole), "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body:   chunked(false, [][]byte{small, big}, "x-amz-checksum-crc32:"+crc32b64(append(append([]byte(nil), small...), big...))),
			status: 200, sum: crc32b64(append(append([]byte(nil), small...), big...))},
		{name: "unsigned with wrong trailer", hdr: streaming("STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(whole), "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body: chunked(false, [][]byte{big, small}, "x-amz-checksum-crc32:AAAAAA=="), status: 400, code: "BadDigest"},
		{name: "trailer missing", hdr: streaming("STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(whole), "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body: chunked(false, [][]byte{big, small}), status: 400, code: "InvalidRequest"},
		{name: "trailer header missing", hdr: streaming("STREAMING-UNSIGNED-PAYLOAD-TRAILER", len(whole)),
			body: chunked(false, [][]byte{whole}), status: 400, code: "InvalidRequest"},
		{name: "fewer bytes than declared", hdr: streaming("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", len(whole)+1),
			body: chunked(true, [][]byte{big, small}), status: 400, code: "IncompleteBody"},
		{name: "more bytes than declared", hdr: streaming("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", len(whole)-1),
			body: chunked(true, [][]byte{big, small}), status: 400, code: "IncompleteBody"},
		{name: "no decoded length", hdr: http.Header{"X-Amz-Content-Sha256": {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}},
			body: chunked(true, [][]byte{whole}), status: 411, code: "MissingContentLength"},
		{name: "unknown streaming", hdr: streaming("STREAMING-SOMETHING-NEW", len(whole)),
			body: chunked(true, [][]byte{whole}), status: 501, code: "NotImplemented"},
		{name: "bad chunk size", hdr: streaming("STREAMING-UNSIGNED-PAYLOAD-TRAILER", 3, "X-Amz-Trailer", "x-amz-checksum-crc32"),
			body: []byte("zz\r\nabc\r\n0\r\n\r\n"), status: 400, code: "InvalidRequest"},
		{name: "signed payload digest", hdr: http.Header{"X-Amz-Content-Sha256": {hex.EncodeToString(sha[:])}},
			body: whole, status: 200},
		{name: "signed payload digest mismatch", hdr: http.Header{"X-Amz-Content-Sha256": {hex.EncodeToString(make([]byte, 32))}},
			body: whole, status: 400, code: "XAmzContentSHA256Mismatch"},
		{name: "bad payload digest", hdr: http.Header{"X-Amz-Content-Sha256": {"nothex"}},
			body: whole, status: 400, code: "InvalidArgument"},
		{name: "unsigned payload", hdr: http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, body: whole, status: 200},
		{name: "checksum algorithm without value", hdr: http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"CRC32"}},
			body: whole, status: 400, code: "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := strings.ReplaceAll(tt.name, " ", "-")
			status, _, body := rawRequest(t, t.Context(), srv, http.MethodPut, "/"+bucket+"/"+key, tt.hdr, tt.body)
			if status != tt.status || errorCode(body) != tt.code {
				t.Fatalf("PUT = %d %s, want %d %s", status, body, tt.status, tt.code)
			}
			o, ok := srv.Object(bucket, key)
			if tt.status != 200 {
				if ok {
					t.Fatalf("a failed PUT stored %+v", o)
				}
				return
			}
			got, err := srv.Body(t.Context(), bucket, key)
			if err != nil || len(got) != len(whole) || o.ContentEncoding != "" {
				t.Fatalf("stored %d bytes (%v), Content-Encoding %q; want %d bytes, none", len(got), err, o.ContentEncoding, len(whole))
			}
			if tt.sum == "" {
				return
			}
			head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				ChecksumMode: types.ChecksumModeEnabled})
			if err != nil || aws.ToString(head.ChecksumCRC32) != tt.sum {
				t.Fatalf("HEAD CRC32 = %q, %v; want %q", aws.ToString(head.ChecksumCRC32), err, tt.sum)
			}
		})
	}
}

func TestAWSChunkedKeepsOtherEncodings(t *testing.T) {
	t.Parallel()
	srv, _, bucket := setup(t)
	body := []byte("gzipped, say")
	hdr := http.Header{"X-Amz-Content-Sha256": {"STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, "Content-Encoding": {"aws-chunked,gzip"},
		"X-Amz-Decoded-Content-Length": {fmt.Sprint(len(body))}, "X-Amz-Trailer": {"x-amz-checksum-crc32"}}
	status, _, resp := rawRequest(t, t.Context(), srv, http.MethodPut, "/"+bucket+"/gz", hdr,
		chunked(false, [][]byte{body}, "x-amz-checksum-crc32:"+crc32b64(body)))
	if status != 200 {
		t.Fatalf("PUT = %d %s", status, resp)
	}
	if o, _ := srv.Object(bucket, "gz"); o.ContentEncoding != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", o.ContentEncoding)
	}
}

// headerOnlyPut sends a PUT's headers claiming size bytes, and no body,
// and returns the answer: what a server says before reading a body.
func headerOnlyPut(t *testing.T, srv *s3fake.Server, path string, size int64) (int, string) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var d net.Dialer
	conn, err := d.DialContext(t.Context(), "tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\n\r\n", path, u.Host, size)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMissingContentLength(t *testing.T) {
	t.Parallel()
	srv, _, bucket := setup(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL+"/"+bucket+"/k", io.NopCloser(strings.NewReader("chunked")))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // sent with Transfer-Encoding: chunked
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusLengthRequired || errorCode(string(body)) != "MissingContentLength" {
		t.Fatalf("PUT without length = %d %s", resp.StatusCode, body)
	}
}

func TestErrorDocument(t *testing.T) {
	t.Parallel()
	srv, _, bucket := setup(t)
	status, hdr, body := rawRequest(t, t.Context(), srv, http.MethodGet, "/"+bucket+"/missing", nil, nil)
	if status != 404 || hdr.Get("X-Amz-Request-Id") == "" || hdr.Get("Content-Type") != "application/xml" {
		t.Fatalf("GET missing = %d %v", status, hdr)
	}
	for _, want := range []string{"<Code>NoSuchKey</Code>", "<Message>", "<Key>missing</Key>", "<Resource>/" + bucket + "/missing</Resource>",
		"<RequestId>" + hdr.Get("X-Amz-Request-Id") + "</RequestId>"} {
		if !strings.Contains(body, want) {
			t.Errorf("error body %s lacks %s", body, want)
		}
	}
	status, hdr, body = rawRequest(t, t.Context(), srv, http.MethodHead, "/"+bucket+"/missing", nil, nil)
	if status != 404 || body != "" || hdr.Get("X-Amz-Request-Id") == "" {
		t.Fatalf("HEAD missing = %d %q", status, body)
	}
}
