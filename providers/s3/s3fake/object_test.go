package s3fake_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestPutObjectKeepsHeaders(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	srv, c, bucket := setup(t, s3fake.WithClock(func() time.Time { return now }))
	ctx := t.Context()
	body := []byte("hello, headers")
	expiresAt := time.Date(2044, 12, 1, 16, 0, 0, 0, time.UTC)
	expires := expiresAt.Format(http.TimeFormat)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("dir/a b.txt"), Body: bytes.NewReader(body),
		ContentType: aws.String("text/plain"), CacheControl: aws.String("max-age=60"),
		ContentDisposition: aws.String(`attachment; filename="a.txt"`), ContentEncoding: aws.String("identity"),
		ContentLanguage: aws.String("de-CH"), Expires: &expiresAt,
		Metadata:     map[string]string{"Owner": "Ann", "x-Mixed-Case": "v"},
		StorageClass: types.StorageClassStandardIa, Tagging: aws.String("team=a%20b&env=prod%2Bqa"),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/a b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"ContentType": aws.ToString(head.ContentType), "CacheControl": aws.ToString(head.CacheControl),
		"ContentDisposition": aws.ToString(head.ContentDisposition), "ContentEncoding": aws.ToString(head.ContentEncoding),
		"ContentLanguage": aws.ToString(head.ContentLanguage), "Expires": aws.ToString(head.ExpiresString),
		"StorageClass": string(head.StorageClass), "SSE": string(head.ServerSideEncryption),
		"ETag": aws.ToString(head.ETag), "TagCount": fmt.Sprint(aws.ToInt32(head.TagCount)),
		"LastModified": head.LastModified.UTC().String(), "Size": fmt.Sprint(aws.ToInt64(head.ContentLength)),
	}
	want := map[string]string{
		"ContentType": "text/plain", "CacheControl": "max-age=60", "ContentDisposition": `attachment; filename="a.txt"`,
		"ContentEncoding": "identity", "ContentLanguage": "de-CH", "Expires": expires, "StorageClass": "STANDARD_IA",
		"SSE": "AES256", "ETag": `"` + md5hex(body) + `"`, "TagCount": "2",
		"LastModified": now.Truncate(time.Second).String(), "Size": fmt.Sprint(len(body)),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("HeadObject (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"owner": "Ann", "x-mixed-case": "v"}, head.Metadata); d != "" {
		t.Errorf("Metadata (-want +got):\n%s", d)
	}
	out, data := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/a b.txt")})
	if !bytes.Equal(data, body) || aws.ToString(out.ContentType) != "text/plain" || aws.ToInt32(out.TagCount) != 2 {
		t.Errorf("GetObject = %q %q tags %d", data, aws.ToString(out.ContentType), aws.ToInt32(out.TagCount))
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("dir/a b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	gotTags := map[string]string{}
	for _, tg := range tags.TagSet {
		gotTags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if d := cmp.Diff(map[string]string{"team": "a b", "env": "prod+qa"}, gotTags); d != "" {
		t.Errorf("tags (-want +got):\n%s", d)
	}
	o, ok := srv.Object(bucket, "dir/a b.txt")
	if !ok || o.Header.Get("Cache-Control") != "max-age=60" || o.Metadata["owner"] != "Ann" || o.Tags["team"] != "a b" {
		t.Errorf("srv.Object = %+v, %v", o, ok)
	}
}

func TestPutObjectDefaults(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	put(t, c, bucket, "plain", "x")
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK sends application/octet-stream; S3's own default is
	// binary/octet-stream, for a PUT without Content-Type.
	if ct := aws.ToString(head.ContentType); ct != "application/octet-stream" {
		t.Errorf("SDK's Content-Type = %q", ct)
	}
	if status, _, _ := rawRequest(t, ctx, srv, http.MethodPut, "/"+bucket+"/raw", nil, []byte("x")); status != 200 {
		t.Fatalf("raw PUT = %d", status)
	}
	if o, _ := srv.Object(bucket, "raw"); o.ContentType != "binary/octet-stream" {
		t.Errorf("default Content-Type = %q", o.ContentType)
	}
	if head.StorageClass != "" || head.ServerSideEncryption != "" || head.TagCount != nil {
		t.Errorf("HEAD of a STANDARD object: class %q, sse %q, tags %v", head.StorageClass, head.ServerSideEncryption, head.TagCount)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(list.Contents) != 2 || list.Contents[0].StorageClass != types.ObjectStorageClassStandard {
		t.Fatalf("listing = %+v, %v", list, err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("x"),
		StorageClass: "CHEAP"})
	wantCode(t, err, "InvalidStorageClass", http.StatusBadRequest)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("nope"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")})
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")})
	wantCode(t, err, "NotFound", http.StatusNotFound)
}

func TestPutObjectDigests(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	body := []byte("digest me")
	md := md5.Sum(body)
	sha := sha256.Sum256(body)
	crc := crc32.ChecksumIEEE(body)
	crcBytes := []byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)}
	crcc := crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))
	crccBytes := []byte{byte(crcc >> 24), byte(crcc >> 16), byte(crcc >> 8), byte(crcc)}
	sha1sum := sha1.Sum(body)
	nvme := crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5))
	nvme.Write(body)
	tests := []struct {
		name     string
		in       s3.PutObjectInput
		code     string
		status   int
		checksum func(*s3.HeadObjectOutput) string
		want     string
	}{
		{name: "content-md5", in: s3.PutObjectInput{ContentMD5: aws.String(b64(md[:]))}},
		{name: "bad content-md5", in: s3.PutObjectInput{ContentMD5: aws.String(b64(make([]byte, 16)))}, code: "BadDigest", status: 400},
		{name: "invalid content-md5", in: s3.PutObjectInput{ContentMD5: aws.String("nope")}, code: "InvalidDigest", status: 400},
		{name: "sha256", in: s3.PutObjectInput{ChecksumSHA256: aws.String(b64(sha[:]))},
			checksum: func(h *s3.HeadObjectOutput) string { return aws.ToString(h.ChecksumSHA256) }, want: b64(sha[:])},
		{name: "bad sha256", in: s3.PutObjectInput{ChecksumSHA256: aws.String(b64(make([]byte, 32)))}, code: "BadDigest", status: 400},
		{name: "crc32", in: s3.PutObjectInput{ChecksumCRC32: aws.String(b64(crcBytes))},
			checksum: func(h *s3.HeadObjectOutput) string { return aws.ToString(h.ChecksumCRC32) }, want: b64(crcBytes)},
		{name: "bad crc32", in: s3.PutObjectInput{ChecksumCRC32: aws.String("AAAAAA==")}, code: "BadDigest", status: 400},
		{name: "crc32c", in: s3.PutObjectInput{ChecksumCRC32C: aws.String(b64(crccBytes))},
			checksum: func(h *s3.HeadObjectOutput) string { return aws.ToString(h.ChecksumCRC32C) }, want: b64(crccBytes)},
		{name: "sha1", in: s3.PutObjectInput{ChecksumSHA1: aws.String(b64(sha1sum[:]))},
			checksum: func(h *s3.HeadObjectOutput) string { return aws.ToString(h.ChecksumSHA1) }, want: b64(sha1sum[:])},
		{name: "bad sha1", in: s3.PutObjectInput{ChecksumSHA1: aws.String(b64(make([]byte, 20)))}, code: "BadDigest", status: 400},
		{name: "crc64nvme", in: s3.PutObjectInput{ChecksumCRC64NVME: aws.String(b64(nvme.Sum(nil)))},
			checksum: func(h *s3.HeadObjectOutput) string { return aws.ToString(h.ChecksumCRC64NVME) }, want: b64(nvme.Sum(nil))},
		{name: "malformed crc32", in: s3.PutObjectInput{ChecksumCRC32: aws.String("AAAA")}, code: "InvalidRequest", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "k-" + strings.ReplaceAll(tt.name, " ", "-")
			in := tt.in
			in.Bucket, in.Key, in.Body = aws.String(bucket), aws.String(key), bytes.NewReader(body)
			out, err := c.PutObject(t.Context(), &in)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.status)
				_, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
				wantCode(t, err, "NotFound", http.StatusNotFound)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.ETag) != `"`+md5hex(body)+`"` {
				t.Errorf("ETag = %s", aws.ToString(out.ETag))
			}
			if tt.checksum == nil {
				return
			}
			head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.checksum(head); got != tt.want || head.ChecksumType != types.ChecksumTypeFullObject {
				t.Errorf("checksum = %q (%s), want %q", got, head.ChecksumType, tt.want)
			}
			plain, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil || tt.checksum(plain) != "" {
				t.Errorf("checksum without checksum mode = %q, %v", tt.checksum(plain), err)
			}
		})
	}
}

func TestDefaultChecksumIsCRC64NVME(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	body := []byte("no checksum sent")
	put(t, c, bucket, "k", string(body))
	head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	h := crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5))
	h.Write(body)
	if got := aws.ToString(head.ChecksumCRC64NVME); got != b64(h.Sum(nil)) || head.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("HEAD checksum = %q %q, want %q", got, head.ChecksumType, b64(h.Sum(nil)))
	}
}

func TestConditionalPut(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	in := func(body string) *s3.PutObjectInput {
		return &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader(body)}
	}
	first := in("first")
	first.IfNoneMatch = aws.String("*")
	out, err := c.PutObject(ctx, first)
	if err != nil {
		t.Fatalf("If-None-Match on a new key: %v", err)
	}
	again := in("second")
	again.IfNoneMatch = aws.String("*")
	_, err = c.PutObject(ctx, again)
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	if b, _ := srv.Body(ctx, bucket, "k"); string(b) != "first" {
		t.Fatalf("body after a failed conditional put = %q", b)
	}

	wrong := in("third")
	wrong.IfMatch = aws.String(`"0123"`)
	_, err = c.PutObject(ctx, wrong)
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	right := in("third")
	right.IfMatch = out.ETag
	if _, err := c.PutObject(ctx, right); err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	missing := in("x")
	missing.Key = aws.String("absent")
	missing.IfMatch = out.ETag
	_, err = c.PutObject(ctx, missing)
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)
	other := in("x")
	other.IfNoneMatch = out.ETag
	_, err = c.PutObject(ctx, other)
	wantCode(t, err, "NotImplemented", http.StatusNotImplemented)
	if n := srv.Writes(bucket, "k"); n != 2 {
		t.Fatalf("Writes = %d, want 2", n)
	}
}

func TestObjectLimits(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	meta := func(n int) map[string]string { return map[string]string{"k": strings.Repeat("v", n-1)} }
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("m"),
		Body: strings.NewReader("x"), Metadata: meta(2048)}); err != nil {
		t.Fatalf("2 KiB of metadata: %v", err)
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("m"),
		Body: strings.NewReader("x"), Metadata: meta(2049)})
	wantCode(t, err, "MetadataTooLarge", http.StatusBadRequest)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(strings.Repeat("k", 1025)),
		Body: strings.NewReader("x")})
	wantCode(t, err, "KeyTooLongError", http.StatusBadRequest)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("t"),
		Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")})
	wantCode(t, err, "InvalidTag", http.StatusBadRequest)
}

func TestMultipartSizeLimits(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t, s3fake.WithLimits(s3fake.Limits{MinPartSize: 1, MaxPartSize: 8, MaxObjectSize: 10}))
	id, parts := upload(t, c, bucket, "k", []byte("123456"), []byte("789012"))
	_, err := complete(t, c, bucket, "k", id, parts)
	wantCode(t, err, "EntityTooLarge", http.StatusBadRequest)
	_, err = c.UploadPart(t.Context(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id),
		PartNumber: aws.Int32(3), Body: strings.NewReader("123456789")})
	wantCode(t, err, "EntityTooLarge", http.StatusBadRequest)
}

func TestFailedBodiesLeaveNoFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, c, bucket := setup(t, s3fake.WithDir(dir))
	_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("body"),
		ContentMD5: aws.String(b64(make([]byte, 16)))})
	wantCode(t, err, "BadDigest", http.StatusBadRequest)
	put(t, c, bucket, "k", "v")
	_, err = c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("w"),
		IfNoneMatch: aws.String("*")})
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Fatalf("%d files for one object", len(files))
	}
}

func TestObjectSizeLimit(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithLimits(s3fake.Limits{MaxPutSize: 10}))
	_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big"),
		Body: strings.NewReader(strings.Repeat("x", 11))})
	wantCode(t, err, "EntityTooLarge", http.StatusBadRequest)
	put(t, c, bucket, "fits", strings.Repeat("x", 10))

	// S3's 5 GiB limit is refused from the header, before any byte is read.
	full := start(t)
	fc := clientFor(full)
	if _, err := fc.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	status, body := headerOnlyPut(t, full, "/"+bucket+"/huge", 5<<30+1)
	if status != http.StatusBadRequest || errorCode(body) != "EntityTooLarge" {
		t.Fatalf("6 GiB PUT = %d %s", status, body)
	}
	_ = srv
}

func TestGetRange(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	put(t, c, bucket, "digits", "0123456789")
	put(t, c, bucket, "empty", "")
	tests := []struct {
		key, rng, want, contentRange string
		code                         string
	}{
		{key: "digits", rng: "bytes=0-3", want: "0123", contentRange: "bytes 0-3/10"},
		{key: "digits", rng: "bytes=5-", want: "56789", contentRange: "bytes 5-9/10"},
		{key: "digits", rng: "bytes=-3", want: "789", contentRange: "bytes 7-9/10"},
		{key: "digits", rng: "bytes=-30", want: "0123456789", contentRange: "bytes 0-9/10"},
		{key: "digits", rng: "bytes=8-100", want: "89", contentRange: "bytes 8-9/10"},
		{key: "digits", rng: "bytes=9-9", want: "9", contentRange: "bytes 9-9/10"},
		{key: "digits", rng: "bytes=10-", code: "InvalidRange"},
		{key: "digits", rng: "bytes=-0", code: "InvalidRange"},
		{key: "empty", rng: "bytes=0-", code: "InvalidRange"},
		{key: "digits", rng: "bytes=0-1,3-4", want: "0123456789"},
		{key: "digits", rng: "bytes=5-2", want: "0123456789"},
		{key: "digits", rng: "lines=1-2", want: "0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.rng, func(t *testing.T) {
			in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(tt.key), Range: aws.String(tt.rng)}
			if tt.code != "" {
				_, err := c.GetObject(t.Context(), in)
				wantCode(t, err, tt.code, http.StatusRequestedRangeNotSatisfiable)
				return
			}
			out, data := get(t, c, in)
			if string(data) != tt.want || aws.ToString(out.ContentRange) != tt.contentRange ||
				aws.ToInt64(out.ContentLength) != int64(len(tt.want)) {
				t.Errorf("GET %s = %q, Content-Range %q, length %d; want %q, %q", tt.rng, data,
					aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength), tt.want, tt.contentRange)
			}
		})
	}
}

func TestGetConditions(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	_, c, bucket := setup(t, s3fake.WithClock(func() time.Time { return now }))
	etag := aws.ToString(put(t, c, bucket, "k", "body").ETag)
	before, after := now.Add(-time.Hour), now.Add(time.Hour)
	tests := []struct {
		name   string
		in     s3.GetObjectInput
		status int // 0: 200
	}{
		{name: "if-match", in: s3.GetObjectInput{IfMatch: aws.String(etag)}},
		{name: "if-match star", in: s3.GetObjectInput{IfMatch: aws.String("*")}},
		{name: "if-match other", in: s3.GetObjectInput{IfMatch: aws.String(`"x"`)}, status: 412},
		{name: "if-none-match", in: s3.GetObjectInput{IfNoneMatch: aws.String(etag)}, status: 304},
		{name: "if-none-match other", in: s3.GetObjectInput{IfNoneMatch: aws.String(`"x"`)}},
		{name: "if-modified-since before", in: s3.GetObjectInput{IfModifiedSince: &before}},
		{name: "if-modified-since now", in: s3.GetObjectInput{IfModifiedSince: &now}, status: 304},
		{name: "if-unmodified-since before", in: s3.GetObjectInput{IfUnmodifiedSince: &before}, status: 412},
		{name: "if-unmodified-since after", in: s3.GetObjectInput{IfUnmodifiedSince: &after}},
		{name: "if-match wins over if-unmodified-since", in: s3.GetObjectInput{IfMatch: aws.String(etag), IfUnmodifiedSince: &before}},
		{name: "if-none-match wins over if-modified-since", in: s3.GetObjectInput{IfNoneMatch: aws.String(`"x"`), IfModifiedSince: &after}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket, in.Key = aws.String(bucket), aws.String("k")
			out, err := c.GetObject(t.Context(), &in)
			switch tt.status {
			case 0:
				if err != nil {
					t.Fatal(err)
				}
				out.Body.Close()
			case 412:
				wantCode(t, err, "PreconditionFailed", 412)
			default:
				wantCode(t, err, "NotModified", tt.status)
			}
			hin := &s3.HeadObjectInput{Bucket: in.Bucket, Key: in.Key, IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch,
				IfModifiedSince: in.IfModifiedSince, IfUnmodifiedSince: in.IfUnmodifiedSince}
			_, err = c.HeadObject(t.Context(), hin)
			if _, status := code(err); tt.status != 0 && status != tt.status || tt.status == 0 && err != nil {
				t.Errorf("HEAD: %v, want status %d", err, tt.status)
			}
		})
	}
}

func TestGetPartNumberOfSinglePartObject(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	put(t, c, bucket, "k", "whole")
	out, data := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), PartNumber: aws.Int32(1)})
	if string(data) != "whole" || aws.ToString(out.ContentRange) != "bytes 0-4/5" || out.PartsCount != nil {
		t.Errorf("partNumber=1 = %q %q parts %v", data, aws.ToString(out.ContentRange), out.PartsCount)
	}
	_, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), PartNumber: aws.Int32(2)})
	wantCode(t, err, "InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable)
	_, err = c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), PartNumber: aws.Int32(1),
		Range: aws.String("bytes=0-1")})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest)
}

func TestArchivedObjectAndOverrides(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("cold"),
		Body: strings.NewReader("ice"), StorageClass: types.StorageClassGlacier}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("cold")})
	if err != nil || head.StorageClass != types.StorageClassGlacier {
		t.Fatalf("HEAD archived = %v, %v", head, err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("cold")})
	wantCode(t, err, "InvalidObjectState", http.StatusForbidden)

	put(t, c, bucket, "warm", "sun")
	out, _ := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("warm"),
		ResponseContentType: aws.String("text/csv"), ResponseContentDisposition: aws.String("inline"),
		ResponseCacheControl: aws.String("no-cache")})
	if aws.ToString(out.ContentType) != "text/csv" || aws.ToString(out.ContentDisposition) != "inline" ||
		aws.ToString(out.CacheControl) != "no-cache" {
		t.Errorf("overrides = %q %q %q", aws.ToString(out.ContentType), aws.ToString(out.ContentDisposition), aws.ToString(out.CacheControl))
	}
}

func TestDeleteObject(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("absent")}); err != nil {
		t.Fatalf("DeleteObject of an absent key: %v", err)
	}
	etag := put(t, c, bucket, "k", "v").ETag
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), IfMatch: aws.String(`"x"`)})
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), IfMatch: etag}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Object(bucket, "k"); ok {
		t.Fatal("object still there after DeleteObject")
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("nope"), Key: aws.String("k")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
}

func TestDeleteObjects(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c", "locked"} {
		put(t, c, bucket, k, k)
	}
	srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultDeleteKeyError, Bucket: bucket, Key: "locked", Code: "AccessDenied", Message: "Access Denied"})
	ids := func(keys ...string) []types.ObjectIdentifier {
		var out []types.ObjectIdentifier
		for _, k := range keys {
			out = append(out, types.ObjectIdentifier{Key: aws.String(k)})
		}
		return out
	}
	objs := append(ids("a", "never", "locked"), types.ObjectIdentifier{Key: aws.String("b"), ETag: aws.String(`"x"`)})
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: objs}})
	if err != nil {
		t.Fatal(err)
	}
	var deleted, failed []string
	for _, d := range out.Deleted {
		deleted = append(deleted, aws.ToString(d.Key))
	}
	for _, e := range out.Errors {
		failed = append(failed, aws.ToString(e.Key)+":"+aws.ToString(e.Code))
	}
	if d := cmp.Diff([]string{"a", "never"}, deleted); d != "" {
		t.Errorf("Deleted (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"locked:AccessDenied", "b:PreconditionFailed"}, failed); d != "" {
		t.Errorf("Errors (-want +got):\n%s", d)
	}
	quiet, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket),
		Delete: &types.Delete{Objects: ids("b", "c", "locked"), Quiet: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(quiet.Deleted) != 0 || len(quiet.Errors) != 0 {
		t.Errorf("quiet DeleteObjects = %+v %+v", quiet.Deleted, quiet.Errors)
	}
	if keys := srv.Keys(bucket); len(keys) != 0 {
		t.Errorf("keys left = %v", keys)
	}
	var many []string
	for i := range 1001 {
		many = append(many, fmt.Sprint(i))
	}
	_, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: ids(many...)}})
	wantCode(t, err, "MalformedXML", http.StatusBadRequest)
}

func TestCopyObject(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithLimits(s3fake.Limits{MaxCopySize: 100}))
	ctx := t.Context()
	src := "src/ä b+c.txt"
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(src), Body: strings.NewReader("payload"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"m": "1"}, Tagging: aws.String("t=1")}); err != nil {
		t.Fatal(err)
	}
	source := aws.String(bucket + "/" + escapePath(src))
	out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"), CopySource: source})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.CopyObjectResult.ETag); got != `"`+md5hex([]byte("payload"))+`"` {
		t.Errorf("copy ETag = %s", got)
	}
	cp, ok := srv.Object(bucket, "copy")
	if !ok || cp.ContentType != "text/plain" || cp.Metadata["m"] != "1" || cp.Tags["t"] != "1" {
		t.Errorf("COPY directive: %+v", cp)
	}

	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("replaced"), CopySource: source,
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"n": "2"}, ContentType: aws.String("a/b"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("u=2")}); err != nil {
		t.Fatal(err)
	}
	rp, _ := srv.Object(bucket, "replaced")
	if rp.ContentType != "a/b" || rp.Metadata["n"] != "2" || rp.Metadata["m"] != "" || rp.Tags["u"] != "2" || rp.Tags["t"] != "" {
		t.Errorf("REPLACE directive: %+v", rp)
	}

	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c2"), CopySource: source,
		CopySourceIfMatch: aws.String(`"x"`)})
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c2"), CopySource: source,
		CopySourceIfMatch: out.CopyObjectResult.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(src), CopySource: source})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest)
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(src), CopySource: source,
		MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
		t.Fatalf("copy onto itself with REPLACE: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c3"), CopySource: aws.String(bucket + "/missing")})
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c3"), CopySource: aws.String("nobucket/x")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
	put(t, c, bucket, "big", strings.Repeat("x", 101))
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c4"), CopySource: aws.String(bucket + "/big")})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c5"), CopySource: source,
		IfNoneMatch: aws.String("*")})
	if err != nil {
		t.Fatalf("conditional copy to a new key: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("c5"), CopySource: source,
		IfNoneMatch: aws.String("*")})
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	if n := srv.Writes(bucket, "copy"); n != 1 {
		t.Errorf("Writes(copy) = %d", n)
	}
}

// escapePath URL-encodes a key for x-amz-copy-source.
func escapePath(key string) string {
	var b strings.Builder
	for _, r := range []byte(key) {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.IndexByte("-_.~/", r) >= 0 {
			b.WriteByte(r)
		} else {
			fmt.Fprintf(&b, "%%%02X", r)
		}
	}
	return b.String()
}

func TestObjectTagging(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := now
	srv, c, bucket := setup(t, s3fake.WithClock(func() time.Time { return clock }))
	ctx := t.Context()
	etag := put(t, c, bucket, "k", "body").ETag
	clock = now.Add(time.Hour)
	tags := []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("")}}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: tags}}); err != nil {
		t.Fatal(err)
	}
	o, _ := srv.Object(bucket, "k")
	if o.ETag != aws.ToString(etag) || !o.LastModified.Equal(now) || len(o.Tags) != 2 {
		t.Errorf("after PutObjectTagging: %+v", o)
	}
	if b, _ := srv.Body(ctx, bucket, "k"); string(b) != "body" {
		t.Errorf("body after PutObjectTagging = %q", b)
	}
	var eleven []types.Tag
	for i := range 11 {
		eleven = append(eleven, types.Tag{Key: aws.String(fmt.Sprint(i)), Value: aws.String("v")})
	}
	_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: eleven}})
	wantCode(t, err, "InvalidTag", http.StatusBadRequest)
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}}})
	wantCode(t, err, "InvalidTag", http.StatusBadRequest)
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("absent"),
		Tagging: &types.Tagging{TagSet: tags}})
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err != nil || len(got.TagSet) != 0 {
		t.Fatalf("GetObjectTagging after delete = %v, %v", got, err)
	}
}

// TestUnseekableBodyOverHTTP streams a body the SDK cannot hash (as a
// GetObject body is): over plain HTTP that takes the unsigned-payload
// middleware and a length. An *io.PipeReader is sent with
// Transfer-Encoding: chunked whatever ContentLength says (smithy-go does
// so), which S3 refuses with 411 MissingContentLength; so does the fake.
func TestUnseekableBodyOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	body := bytes.Repeat([]byte("stream "), 10000)
	tests := []struct {
		name string
		body func() io.Reader
		code string
	}{
		{name: "reader", body: func() io.Reader { return struct{ io.Reader }{bytes.NewReader(body)} }},
		{name: "pipe", code: "MissingContentLength", body: func() io.Reader {
			pr, pw := io.Pipe()
			go func() {
				_, err := pw.Write(body)
				pw.CloseWithError(err)
			}()
			return pr
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(tt.name),
				Body: tt.body(), ContentLength: aws.Int64(int64(len(body)))},
				s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
			if tt.code != "" {
				wantCode(t, err, tt.code, http.StatusLengthRequired)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := srv.Body(t.Context(), bucket, tt.name)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("stored %d bytes, %v; want %d", len(got), err, len(body))
			}
		})
	}
}

func TestPresignedPutAndGet(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ps := s3.NewPresignClient(c)
	req, err := ps.PresignPutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := rawRequest(t, t.Context(), srv, http.MethodPut, strings.TrimPrefix(req.URL, srv.URL), nil, []byte("presigned"))
	if status != http.StatusOK {
		t.Fatalf("presigned PUT = %d %s", status, body)
	}
	greq, err := ps.PresignGetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	status, _, body = rawRequest(t, t.Context(), srv, http.MethodGet, strings.TrimPrefix(greq.URL, srv.URL), nil, nil)
	if status != http.StatusOK || body != "presigned" {
		t.Fatalf("presigned GET = %d %q", status, body)
	}
}

// TestKMSETag: S3's ETag of an SSE-KMS object is not the MD5 of its bytes.
func TestKMSETag(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	body := "secret"
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("kms"), Body: strings.NewReader(body),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	if err != nil {
		t.Fatal(err)
	}
	plain := `"` + md5hex([]byte(body)) + `"`
	if etag := aws.ToString(out.ETag); etag == plain || len(etag) != len(plain) {
		t.Errorf("SSE-KMS ETag = %s, want 32 hex digits other than the MD5 %s", etag, plain)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("plain"),
		CopySource: aws.String(bucket + "/kms"), ServerSideEncryption: types.ServerSideEncryptionAes256})
	if err != nil || aws.ToString(cp.CopyObjectResult.ETag) != plain {
		t.Errorf("SSE-S3 copy ETag = %v, %v; want %s", cp, err, plain)
	}
}
