package s3fake_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

// listV2 pages through ListObjectsV2 and returns the keys and common
// prefixes in order, and the number of pages.
func listV2(t *testing.T, c *s3.Client, in *s3.ListObjectsV2Input) (keys, prefixes []string, pages int) {
	t.Helper()
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if n := len(out.Contents) + len(out.CommonPrefixes); int32(n) != aws.ToInt32(out.KeyCount) {
			t.Errorf("KeyCount = %d, entries %d", aws.ToInt32(out.KeyCount), n)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return keys, prefixes, pages
}

// seedKeys stores an empty object at each key.
func seedKeys(t *testing.T, srv *s3fake.Server, bucket string, keys []string) {
	t.Helper()
	for _, k := range keys {
		if err := srv.Seed(t.Context(), bucket, k, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListObjectsV2Pages(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	var keys []string
	for i := range 2500 {
		keys = append(keys, fmt.Sprintf("k%05d", i))
	}
	// Byte order, not locale order: upper case and '/' sort before lower.
	keys = append(keys, "Z", "a/b", "a-b", "é", "a")
	seedKeys(t, srv, bucket, keys)
	sort.Strings(keys)

	got, _, pages := listV2(t, c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if !slices.Equal(got, keys) || pages != 3 {
		t.Fatalf("default pages: %d keys in %d pages, want %d in 3 (first %v)", len(got), pages, len(keys), got[:3])
	}
	got, _, pages = listV2(t, c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(700)})
	if !slices.Equal(got, keys) || pages != 4 {
		t.Fatalf("700 a page: %d keys in %d pages", len(got), pages)
	}
	out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(5000)})
	if err != nil || len(out.Contents) != 1000 || !aws.ToBool(out.IsTruncated) {
		t.Fatalf("max-keys 5000 = %d keys, truncated %v, %v", len(out.Contents), aws.ToBool(out.IsTruncated), err)
	}
	out, err = c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(0)})
	if err != nil || len(out.Contents) != 0 || aws.ToBool(out.IsTruncated) {
		t.Fatalf("max-keys 0 = %+v, %v", out, err)
	}
}

func TestListObjectsV2Delimiter(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	seedKeys(t, srv, bucket, []string{"a.txt", "dir/1", "dir/2", "dir/sub/3", "dir2/x", "dir/", "e/f/g", "z"})
	tests := []struct {
		name                 string
		in                   s3.ListObjectsV2Input
		wantKeys, wantPrefix []string
	}{
		{name: "top", in: s3.ListObjectsV2Input{Delimiter: aws.String("/")},
			wantKeys: []string{"a.txt", "z"}, wantPrefix: []string{"dir/", "dir2/", "e/"}},
		{name: "in dir", in: s3.ListObjectsV2Input{Delimiter: aws.String("/"), Prefix: aws.String("dir/")},
			wantKeys: []string{"dir/", "dir/1", "dir/2"}, wantPrefix: []string{"dir/sub/"}},
		{name: "one a page", in: s3.ListObjectsV2Input{Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)},
			wantKeys: []string{"a.txt", "z"}, wantPrefix: []string{"dir/", "dir2/", "e/"}},
		{name: "prefix without delimiter", in: s3.ListObjectsV2Input{Prefix: aws.String("dir")},
			wantKeys: []string{"dir/", "dir/1", "dir/2", "dir/sub/3", "dir2/x"}},
		{name: "start after", in: s3.ListObjectsV2Input{StartAfter: aws.String("dir/2")},
			wantKeys: []string{"dir/sub/3", "dir2/x", "e/f/g", "z"}},
		{name: "other delimiter", in: s3.ListObjectsV2Input{Delimiter: aws.String("i")},
			wantKeys: []string{"a.txt", "e/f/g", "z"}, wantPrefix: []string{"di"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket = aws.String(bucket)
			keys, prefixes, _ := listV2(t, c, &in)
			if d := cmp.Diff(tt.wantKeys, keys); d != "" {
				t.Errorf("keys (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantPrefix, prefixes); d != "" {
				t.Errorf("prefixes (-want +got):\n%s", d)
			}
		})
	}
}

func TestListObjectsV2Details(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	put(t, c, bucket, "a b+c/ü", "123")
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), EncodingType: types.EncodingTypeUrl,
		FetchOwner: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	o := out.Contents[0]
	if aws.ToString(o.Key) != "a+b%2Bc/%C3%BC" {
		t.Errorf("url-encoded key = %q", aws.ToString(o.Key))
	}
	if k, _ := url.QueryUnescape(aws.ToString(o.Key)); k != "a b+c/ü" {
		t.Errorf("decoded key = %q", k)
	}
	stored, _ := srv.Object(bucket, "a b+c/ü")
	if aws.ToInt64(o.Size) != 3 || aws.ToString(o.ETag) != stored.ETag || !o.LastModified.Equal(stored.LastModified) ||
		o.StorageClass != types.ObjectStorageClassStandard || o.Owner == nil {
		t.Errorf("listed %+v, stored %+v", o, stored)
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), ContinuationToken: aws.String("bogus")})
	wantCode(t, err, "InvalidArgument", http.StatusBadRequest)
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(-1)})
	wantCode(t, err, "InvalidArgument", http.StatusBadRequest)
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("missing")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
}

func TestListObjectsV1(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	keys := []string{"a/1", "a/2", "b", "c/1", "d"}
	seedKeys(t, srv, bucket, keys)
	var got []string
	marker := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		out, err := c.ListObjects(t.Context(), &s3.ListObjectsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(2),
			Delimiter: aws.String("/"), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			got = append(got, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		marker = aws.ToString(out.NextMarker)
		if marker == "" {
			t.Fatal("a truncated listing with a delimiter has no NextMarker")
		}
	}
	sort.Strings(got)
	if d := cmp.Diff([]string{"a/", "b", "c/", "d"}, got); d != "" {
		t.Errorf("v1 listing (-want +got):\n%s", d)
	}
	out, err := c.ListObjects(t.Context(), &s3.ListObjectsInput{Bucket: aws.String(bucket), Marker: aws.String("b")})
	if err != nil || len(out.Contents) != 2 || aws.ToString(out.Contents[0].Key) != "c/1" {
		t.Fatalf("v1 after marker b = %+v, %v", out.Contents, err)
	}
}

func TestListConsistentWhileWriting(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t, s3fake.WithMinPartSize(1))
	seedKeys(t, srv, bucket, []string{"a", "c", "e"})
	out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	// A key written before the token's position is not listed; one after it is.
	seedKeys(t, srv, bucket, []string{"0", "d"})
	rest, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), ContinuationToken: out.NextContinuationToken})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range rest.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	if strings.Join(got, ",") != "c,d,e" {
		t.Fatalf("after the token: %v", got)
	}
}
