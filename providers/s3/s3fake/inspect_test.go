package s3fake_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, target string
		header         http.Header
		want           s3fake.Request
	}{
		{"GET", "/", nil, s3fake.Request{Op: s3fake.OpListBuckets}},
		{"PUT", "/b", nil, s3fake.Request{Op: s3fake.OpCreateBucket, Bucket: "b"}},
		{"PUT", "/b/", nil, s3fake.Request{Op: s3fake.OpCreateBucket, Bucket: "b"}},
		{"GET", "/b?list-type=2&prefix=x", nil, s3fake.Request{Op: s3fake.OpListObjectsV2, Bucket: "b"}},
		{"GET", "/b", nil, s3fake.Request{Op: s3fake.OpListObjects, Bucket: "b"}},
		{"GET", "/b?policyStatus", nil, s3fake.Request{Op: s3fake.OpGetBucketPolicyStatus, Bucket: "b"}},
		{"POST", "/b?delete", nil, s3fake.Request{Op: s3fake.OpDeleteObjects, Bucket: "b"}},
		{"PUT", "/b/dir/k?x-id=PutObject", nil, s3fake.Request{Op: s3fake.OpPutObject, Bucket: "b", Key: "dir/k"}},
		{"PUT", "/b/k", http.Header{"X-Amz-Copy-Source": {"/b/src"}}, s3fake.Request{Op: s3fake.OpCopyObject, Bucket: "b", Key: "k"}},
		{"PUT", "/b/k?partNumber=1&uploadId=u", nil, s3fake.Request{Op: s3fake.OpUploadPart, Bucket: "b", Key: "k"}},
		{"PUT", "/b/k?partNumber=1&uploadId=u", http.Header{"X-Amz-Copy-Source": {"/b/src"}},
			s3fake.Request{Op: s3fake.OpUploadPartCopy, Bucket: "b", Key: "k"}},
		{"PUT", "/b/k?tagging", nil, s3fake.Request{Op: s3fake.OpPutObjectTagging, Bucket: "b", Key: "k"}},
		{"POST", "/b/k?uploads", nil, s3fake.Request{Op: s3fake.OpCreateMultipartUpload, Bucket: "b", Key: "k"}},
		{"POST", "/b/k?uploadId=u", nil, s3fake.Request{Op: s3fake.OpCompleteMultipartUpload, Bucket: "b", Key: "k"}},
		{"DELETE", "/b/k?uploadId=u", nil, s3fake.Request{Op: s3fake.OpAbortMultipartUpload, Bucket: "b", Key: "k"}},
		{"GET", "/b/k?uploadId=u", nil, s3fake.Request{Op: s3fake.OpListParts, Bucket: "b", Key: "k"}},
		{"HEAD", "/b/a%2Fb//c/", nil, s3fake.Request{Op: s3fake.OpHeadObject, Bucket: "b", Key: "a/b//c/"}},
		{"GET", "/b/k?retention", nil, s3fake.Request{Op: s3fake.OpGetObjectRetention, Bucket: "b", Key: "k"}},
		{"PATCH", "/b/k", nil, s3fake.Request{Op: s3fake.OpUnknown, Bucket: "b", Key: "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			if d := cmp.Diff(tt.want, s3fake.Classify(r)); d != "" {
				t.Errorf("Classify (-want +got):\n%s", d)
			}
		})
	}
}

func TestCallsAndObjects(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	put(t, c, bucket, "a", "1")
	put(t, c, bucket, "a", "2")
	put(t, c, bucket, "b", "3")
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")})
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)

	if n := srv.Count(s3fake.OpPutObject, bucket, "a"); n != 2 {
		t.Errorf("Count(PutObject, a) = %d", n)
	}
	if n := srv.Count(s3fake.OpPutObject, "", ""); n != 3 {
		t.Errorf("Count(PutObject) = %d", n)
	}
	if n := srv.Count(s3fake.OpGetObject, "", ""); n != 0 {
		t.Errorf("a failed GetObject counted: %d", n)
	}
	want := []s3fake.Call{
		{Op: s3fake.OpCreateBucket, Bucket: bucket, Status: 200},
		{Op: s3fake.OpPutObject, Bucket: bucket, Key: "a", Status: 200},
		{Op: s3fake.OpPutObject, Bucket: bucket, Key: "a", Status: 200},
		{Op: s3fake.OpPutObject, Bucket: bucket, Key: "b", Status: 200},
		{Op: s3fake.OpGetObject, Bucket: bucket, Key: "missing", Status: 404, Code: "NoSuchKey"},
	}
	if d := cmp.Diff(want, srv.Calls()); d != "" {
		t.Errorf("Calls (-want +got):\n%s", d)
	}
	srv.ResetCalls()
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("Calls after ResetCalls = %d", n)
	}
	if d := cmp.Diff([]string{"a", "b"}, srv.Keys(bucket)); d != "" {
		t.Errorf("Keys (-want +got):\n%s", d)
	}
	rc, err := srv.OpenObject(ctx, bucket, "a")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "2" {
		t.Errorf("OpenObject = %q", data)
	}
	if _, err := srv.OpenObject(ctx, bucket, "missing"); err == nil {
		t.Error("OpenObject of a missing key succeeded")
	}
	if _, ok := srv.Object("nobucket", "a"); ok || srv.Keys("nobucket") != nil {
		t.Error("a missing bucket has objects")
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultInternalError, Times: -1, Op: s3fake.OpPutObject})
	if err := srv.Seed(t.Context(), bucket, "dir/a b?", []byte("seeded"),
		http.Header{"content-type": {"text/plain"}, "X-Amz-Meta-Who": {"seed"}, "X-Amz-Tagging": {"k=v"}}); err != nil {
		t.Fatal(err)
	}
	out, data := get(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/a b?")})
	if string(data) != "seeded" || aws.ToString(out.ContentType) != "text/plain" || out.Metadata["who"] != "seed" ||
		aws.ToInt32(out.TagCount) != 1 {
		t.Fatalf("seeded object = %q %+v", data, out)
	}
	if n := srv.Count(s3fake.OpPutObject, "", ""); n != 0 {
		t.Errorf("Seed was logged: %d PutObject calls", n)
	}
	if err := srv.Seed(t.Context(), "nobucket", "k", nil, nil); err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("Seed into a missing bucket: %v", err)
	}
}
