package s3fake_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

// compositeETag is S3's ETag of a multipart object: the MD5 of the
// parts' binary MD5s, a dash and the number of parts.
func compositeETag(parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	all := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all[:]), len(parts))
}

// upload runs a multipart upload of parts to key and returns the
// completed parts' list (not completed yet) and the upload ID.
func upload(t *testing.T, c *s3.Client, bucket, key string, parts ...[]byte) (string, []types.CompletedPart) {
	t.Helper()
	cr, err := c.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		out, err := c.UploadPart(t.Context(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cr.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	return aws.ToString(cr.UploadId), done
}

func complete(t *testing.T, c *s3.Client, bucket, key, id string, parts []types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
	t.Helper()
	return c.CompleteMultipartUpload(t.Context(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		UploadId: aws.String(id), MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
}

func TestMultipartCompositeETag(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithMinPartSize(6))
	ctx := t.Context()
	p1, p2, p3 := []byte("part-1"), []byte("part-2"), []byte("end")
	id, parts := upload(t, c, bucket, "mp", p1, p2, p3)
	out, err := complete(t, c, bucket, "mp", id, parts)
	if err != nil {
		t.Fatal(err)
	}
	want := compositeETag(p1, p2, p3)
	if aws.ToString(out.ETag) != want {
		t.Fatalf("Complete ETag = %s, want %s", aws.ToString(out.ETag), want)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp")})
	if err != nil || aws.ToString(head.ETag) != want || aws.ToInt64(head.ContentLength) != 15 {
		t.Fatalf("HEAD = %v %v, %v", aws.ToString(head.ETag), aws.ToInt64(head.ContentLength), err)
	}
	g, data := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp")})
	if aws.ToString(g.ETag) != want || string(data) != "part-1part-2end" {
		t.Fatalf("GET = %s %q", aws.ToString(g.ETag), data)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || aws.ToString(list.Contents[0].ETag) != want {
		t.Fatalf("listed ETag = %v, %v", list.Contents, err)
	}
	pg, pdata := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp"), PartNumber: aws.Int32(2)})
	if string(pdata) != "part-2" || aws.ToInt32(pg.PartsCount) != 3 || aws.ToString(pg.ContentRange) != "bytes 6-11/15" {
		t.Fatalf("GET partNumber=2 = %q parts %d range %q", pdata, aws.ToInt32(pg.PartsCount), aws.ToString(pg.ContentRange))
	}
	ph, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp"), PartNumber: aws.Int32(3)})
	if err != nil || aws.ToInt64(ph.ContentLength) != 3 || aws.ToInt32(ph.PartsCount) != 3 {
		t.Fatalf("HEAD partNumber=3 = %v, %v", ph, err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp"), PartNumber: aws.Int32(4)})
	wantCode(t, err, "InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable)
	if o, _ := srv.Object(bucket, "mp"); o.Parts != 3 || o.ETag != want {
		t.Fatalf("srv.Object = %+v", o)
	}
	if n := srv.Writes(bucket, "mp"); n != 3 {
		t.Fatalf("Writes = %d, want 3 parts", n)
	}
	// A copy is a single-part object: its ETag is the MD5 of its bytes.
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"), CopySource: aws.String(bucket + "/mp")})
	if err != nil || aws.ToString(cp.CopyObjectResult.ETag) != `"`+md5hex(data)+`"` {
		t.Fatalf("CopyObject of a multipart object = %v, %v", cp, err)
	}
	if uploads := srv.Uploads(bucket); len(uploads) != 0 {
		t.Fatalf("uploads left after Complete: %v", uploads)
	}
	_, err = complete(t, c, bucket, "mp", id, parts)
	wantCode(t, err, "NoSuchUpload", http.StatusNotFound)
}

func TestMultipartErrors(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t) // S3's 5 MiB minimum part size
	ctx := t.Context()
	small := []byte("small")
	tests := []struct {
		name   string
		parts  func(done []types.CompletedPart) []types.CompletedPart
		code   string
		status int
	}{
		{name: "part too small", parts: func(d []types.CompletedPart) []types.CompletedPart { return d },
			code: "EntityTooSmall", status: 400},
		{name: "last part may be small", parts: func(d []types.CompletedPart) []types.CompletedPart { return d[2:] }},
		{name: "out of order", parts: func(d []types.CompletedPart) []types.CompletedPart { return []types.CompletedPart{d[1], d[0]} },
			code: "InvalidPartOrder", status: 400},
		{name: "repeated part", parts: func(d []types.CompletedPart) []types.CompletedPart { return []types.CompletedPart{d[0], d[0]} },
			code: "InvalidPartOrder", status: 400},
		{name: "wrong etag", parts: func(d []types.CompletedPart) []types.CompletedPart {
			return []types.CompletedPart{{PartNumber: d[0].PartNumber, ETag: aws.String(`"00"`)}}
		}, code: "InvalidPart", status: 400},
		{name: "missing part", parts: func(d []types.CompletedPart) []types.CompletedPart {
			return []types.CompletedPart{{PartNumber: aws.Int32(9), ETag: d[0].ETag}}
		}, code: "InvalidPart", status: 400},
		{name: "no parts", parts: func([]types.CompletedPart) []types.CompletedPart { return nil }, code: "MalformedXML", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "k-" + tt.name
			id, done := upload(t, c, bucket, key, small, small, small)
			_, err := complete(t, c, bucket, key, id, tt.parts(done))
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code, tt.status)
			if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id)}); err != nil {
				t.Fatalf("a failed Complete lost the upload: %v", err)
			}
		})
	}

	id, _ := upload(t, c, bucket, "k")
	for _, pn := range []int32{0, 10001} {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id),
			PartNumber: aws.Int32(pn), Body: bytes.NewReader(small)})
		wantCode(t, err, "InvalidArgument", http.StatusBadRequest)
	}
	_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("other-key"), UploadId: aws.String(id),
		PartNumber: aws.Int32(1), Body: bytes.NewReader(small)})
	wantCode(t, err, "NoSuchUpload", http.StatusNotFound)
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id)})
	wantCode(t, err, "NoSuchUpload", http.StatusNotFound)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id),
		PartNumber: aws.Int32(1), Body: bytes.NewReader(small)})
	wantCode(t, err, "NoSuchUpload", http.StatusNotFound)
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id)})
	wantCode(t, err, "NoSuchUpload", http.StatusNotFound)
}

// TestMultipartDefaultSizes uploads 5 MiB parts to a file-backed store.
func TestMultipartDefaultSizes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, c, bucket := setup(t, s3fake.WithDir(dir))
	p1 := bytes.Repeat([]byte{1}, 5<<20)
	p2 := bytes.Repeat([]byte{2}, 5<<20)
	p3 := []byte("tail")
	id, parts := upload(t, c, bucket, "big", p1, p2, p3)
	out, err := complete(t, c, bucket, "big", id, parts)
	if err != nil || aws.ToString(out.ETag) != compositeETag(p1, p2, p3) {
		t.Fatalf("Complete = %v, %v", out, err)
	}
	got, err := srv.Body(t.Context(), bucket, "big")
	if err != nil || !bytes.Equal(got, slices.Concat(p1, p2, p3)) {
		t.Fatalf("stored %d bytes, %v", len(got), err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 3 {
		t.Errorf("%d files in the store, want one a part", len(files))
	}
	srv.Close()
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("Close left %d files", len(files))
	}
}

func TestMultipartKeepsHeaders(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithMinPartSize(1))
	cr, err := c.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		ContentType: aws.String("video/mp4"), CacheControl: aws.String("no-store"), ContentLanguage: aws.String("fr"),
		Metadata: map[string]string{"Kind": "movie"}, Tagging: aws.String("a=1"), StorageClass: types.StorageClassOnezoneIa,
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("key-1")})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadPart(t.Context(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("x"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := complete(t, c, bucket, "k", aws.ToString(cr.UploadId), []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}); err != nil {
		t.Fatal(err)
	}
	o, _ := srv.Object(bucket, "k")
	got := []string{o.ContentType, o.CacheControl, o.ContentLanguage, o.Metadata["kind"], o.Tags["a"], o.StorageClass,
		o.ServerSideEncryption, o.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")}
	want := []string{"video/mp4", "no-store", "fr", "movie", "1", "ONEZONE_IA", "aws:kms", "key-1"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("object from an upload (-want +got):\n%s", d)
	}
}

func TestUploadPartCopy(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithMinPartSize(10))
	ctx := t.Context()
	src := []byte("0123456789abcdefghij")
	put(t, c, bucket, "src", string(src))
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("dst")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, rng := range []string{"bytes=10-19", "bytes=0-9"} {
		out, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(bucket), Key: aws.String("dst"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String(bucket + "/src"), CopySourceRange: aws.String(rng)})
		if err != nil {
			t.Fatalf("UploadPartCopy %s: %v", rng, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag})
	}
	out, err := complete(t, c, bucket, "dst", aws.ToString(cr.UploadId), parts)
	if err != nil {
		t.Fatal(err)
	}
	if want := compositeETag(src[10:], src[:10]); aws.ToString(out.ETag) != want {
		t.Errorf("ETag = %s, want %s", aws.ToString(out.ETag), want)
	}
	if b, _ := srv.Body(ctx, bucket, "dst"); string(b) != "abcdefghij0123456789" {
		t.Errorf("body = %q", b)
	}
	id, _ := upload(t, c, bucket, "dst")
	for _, rng := range []string{"bytes=10-20", "bytes=5-1", "10-12"} {
		_, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(bucket), Key: aws.String("dst"), UploadId: aws.String(id),
			PartNumber: aws.Int32(1), CopySource: aws.String(bucket + "/src"), CopySourceRange: aws.String(rng)})
		wantCode(t, err, "InvalidArgument", http.StatusBadRequest)
	}
}

func TestListParts(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	var parts [][]byte
	for i := range 5 {
		parts = append(parts, []byte(fmt.Sprint("part ", i)))
	}
	id, done := upload(t, c, bucket, "k", parts...)
	p := s3.NewListPartsPaginator(c, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("k"), UploadId: aws.String(id),
		MaxParts: aws.Int32(2)})
	var got []types.CompletedPart
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, pt := range out.Parts {
			got = append(got, types.CompletedPart{PartNumber: pt.PartNumber, ETag: pt.ETag})
			if aws.ToInt64(pt.Size) != int64(len(parts[aws.ToInt32(pt.PartNumber)-1])) {
				t.Errorf("part %d size %d", aws.ToInt32(pt.PartNumber), aws.ToInt64(pt.Size))
			}
		}
	}
	if pages != 3 || !cmp.Equal(done, got, cmp.Comparer(func(a, b types.CompletedPart) bool {
		return aws.ToInt32(a.PartNumber) == aws.ToInt32(b.PartNumber) && aws.ToString(a.ETag) == aws.ToString(b.ETag)
	})) {
		t.Fatalf("ListParts = %d parts in %d pages", len(got), pages)
	}
}

func TestListMultipartUploads(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	var want []string
	for _, k := range []string{"c", "a/1", "b", "a/2", "b"} {
		id, _ := upload(t, c, bucket, k)
		want = append(want, k+" "+id)
	}
	slices.Sort(want) // by key, then by ID, which grows with initiation
	var got []string
	pages := 0
	p := s3.NewListMultipartUploadsPaginator(c, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), MaxUploads: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Uploads {
			got = append(got, aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
		}
	}
	if d := cmp.Diff(want, got); d != "" || pages != 3 {
		t.Fatalf("uploads in %d pages (-want +got):\n%s", pages, d)
	}
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String("a/")})
	if err != nil || len(out.Uploads) != 2 {
		t.Fatalf("prefix a/ = %v, %v", out, err)
	}
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Delimiter: aws.String("/")})
	if err != nil || len(out.Uploads) != 3 || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "a/" {
		t.Fatalf("delimiter / = %d uploads %v, %v", len(out.Uploads), out.CommonPrefixes, err)
	}
}

func crc32Of(b []byte) []byte {
	c := crc32.ChecksumIEEE(b)
	return []byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)}
}

func TestMultipartChecksums(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t, s3fake.WithMinPartSize(1))
	ctx := t.Context()
	p1, p2 := []byte("first part"), []byte("second part")
	tests := []struct {
		name      string
		typ       types.ChecksumType
		sendParts bool
		want      string
	}{
		{name: "composite", typ: types.ChecksumTypeComposite, sendParts: true,
			want: b64(crc32Of(append(crc32Of(p1), crc32Of(p2)...))) + "-2"},
		{name: "full object", typ: types.ChecksumTypeFullObject, want: b64(crc32Of(append(append([]byte(nil), p1...), p2...)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "k-" + tt.name
			cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
				ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: tt.typ})
			if err != nil {
				t.Fatal(err)
			}
			var parts []types.CompletedPart
			for i, p := range [][]byte{p1, p2} {
				in := &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cr.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)}
				if tt.sendParts {
					in.ChecksumCRC32 = aws.String(b64(crc32Of(p)))
				}
				out, err := c.UploadPart(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, types.CompletedPart{PartNumber: in.PartNumber, ETag: out.ETag, ChecksumCRC32: in.ChecksumCRC32})
			}
			out, err := complete(t, c, bucket, key, aws.ToString(cr.UploadId), parts)
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.ChecksumCRC32) != tt.want || out.ChecksumType != tt.typ {
				t.Errorf("Complete checksum = %q %s, want %q %s", aws.ToString(out.ChecksumCRC32), out.ChecksumType, tt.want, tt.typ)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil || aws.ToString(head.ChecksumCRC32) != tt.want || head.ChecksumType != tt.typ {
				t.Errorf("HEAD checksum = %q %s, %v", aws.ToString(head.ChecksumCRC32), head.ChecksumType, err)
			}
		})
	}

	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("strict"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("strict"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(p1)})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest) // a composite upload needs part checksums
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("strict"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(p1), ChecksumCRC32: aws.String(b64(crc32Of(p1)))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = complete(t, c, bucket, "strict", aws.ToString(cr.UploadId), []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest) // and Complete must list them
	_, err = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("bad"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumType: types.ChecksumTypeFullObject})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest)
}

func TestConditionalComplete(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t, s3fake.WithMinPartSize(1))
	put(t, c, bucket, "k", "exists")
	id, parts := upload(t, c, bucket, "k", []byte("new"))
	_, err := c.CompleteMultipartUpload(t.Context(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		UploadId: aws.String(id), MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}, IfNoneMatch: aws.String("*")})
	wantCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	_, err = c.CompleteMultipartUpload(t.Context(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		UploadId: aws.String(id), MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}, MpuObjectSize: aws.Int64(4)})
	wantCode(t, err, "InvalidRequest", http.StatusBadRequest)
	if _, err := complete(t, c, bucket, "k", id, parts); err != nil {
		t.Fatalf("Complete after a failed conditional one: %v", err)
	}
}
