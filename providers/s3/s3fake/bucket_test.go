package s3fake_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestCreateBucketNames(t *testing.T) {
	t.Parallel()
	c := clientFor(start(t))
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my.bucket-1", true},
		{strings.Repeat("a", 63), true},
		{"ab", false},
		{strings.Repeat("a", 64), false},
		{"Upper", false},
		{"under_score", false},
		{"-start", false},
		{"end-", false},
		{"two..dots", false},
		{"192.168.5.4", false},
		{"xn--bucket", false},
		{"bucket-s3alias", false},
		{"bucket--ol-s3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(tt.name)})
			if tt.ok {
				if err != nil {
					t.Fatalf("CreateBucket(%q): %v", tt.name, err)
				}
				return
			}
			wantCode(t, err, "InvalidBucketName", http.StatusBadRequest)
		})
	}
}

func TestCreateBucketAgainAndLocation(t *testing.T) {
	t.Parallel()
	srv := start(t)
	c := clientFor(srv)
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("east")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("east")})
	wantCode(t, err, "BucketAlreadyOwnedByYou", http.StatusConflict)

	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bad-lc"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}})
	wantCode(t, err, "InvalidLocationConstraint", http.StatusBadRequest)

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	for bucket, want := range map[string]types.BucketLocationConstraint{"east": "", "west": "eu-west-1"} {
		out, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		if out.LocationConstraint != want {
			t.Errorf("GetBucketLocation(%s) = %q, want %q", bucket, out.LocationConstraint, want)
		}
	}
	head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("west")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.BucketRegion) != "eu-west-1" {
		t.Errorf("HeadBucket region = %q", aws.ToString(head.BucketRegion))
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")})
	wantCode(t, err, "NotFound", http.StatusNotFound) // HEAD errors have no body
	_, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("missing")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
}

func TestRegionalEndpointRefusesOtherConstraint(t *testing.T) {
	t.Parallel()
	srv := start(t, s3fake.WithRegion("eu-central-1"))
	c := clientFor(srv)
	_, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("bk1"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	wantCode(t, err, "IllegalLocationConstraintException", http.StatusBadRequest)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("bk2")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketLocation(t.Context(), &s3.GetBucketLocationInput{Bucket: aws.String("bk2")})
	if err != nil || out.LocationConstraint != "eu-central-1" {
		t.Fatalf("GetBucketLocation = %v, %v", out, err)
	}
}

func TestListBucketsPages(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	srv := start(t, s3fake.WithClock(func() time.Time { return clock }))
	c := clientFor(srv)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("bucket-%02d", i)
		want = append(want, name)
		if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	pages := 0
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{MaxBuckets: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, b := range out.Buckets {
			got = append(got, aws.ToString(b.Name))
			if !b.CreationDate.Equal(clock.Truncate(time.Second)) {
				t.Errorf("CreationDate = %v, want %v", b.CreationDate, clock.Truncate(time.Second))
			}
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("ListBuckets = %v in %d pages, want %v in 3", got, pages, want)
	}
	out, err := c.ListBuckets(t.Context(), &s3.ListBucketsInput{Prefix: aws.String("bucket-0"), MaxBuckets: aws.Int32(100)})
	if err != nil || len(out.Buckets) != 7 {
		t.Fatalf("ListBuckets prefix = %v, %v", out, err)
	}
}

func TestDeleteBucket(t *testing.T) {
	t.Parallel()
	srv, c, bucket := setup(t)
	ctx := t.Context()
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("missing")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)

	put(t, c, bucket, "k", "v")
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	wantCode(t, err, "BucketNotEmpty", http.StatusConflict)

	// An upload in progress does not keep a general purpose bucket.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucket with an upload in progress: %v", err)
	}
	if got := srv.Buckets(); len(got) != 0 {
		t.Fatalf("Buckets after delete = %v", got)
	}
}

func TestBucketACL(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	out, err := c.GetBucketAcl(t.Context(), &s3.GetBucketAclInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Grants) != 1 || out.Grants[0].Permission != types.PermissionFullControl ||
		aws.ToString(out.Grants[0].Grantee.ID) != aws.ToString(out.Owner.ID) {
		t.Fatalf("GetBucketAcl = %+v", out)
	}
	put(t, c, bucket, "k", "v")
	if _, err := c.GetObjectAcl(t.Context(), &s3.GetObjectAclInput{Bucket: aws.String(bucket), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObjectAcl(t.Context(), &s3.GetObjectAclInput{Bucket: aws.String(bucket), Key: aws.String("nope")})
	wantCode(t, err, "NoSuchKey", http.StatusNotFound)
}

func TestNotImplemented(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	_, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	wantCode(t, err, "NotImplemented", http.StatusNotImplemented)
	_, err = c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(bucket)})
	wantCode(t, err, "NotImplemented", http.StatusNotImplemented)
	put(t, c, bucket, "k", "v")
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: aws.String("v1")})
	wantCode(t, err, "NotImplemented", http.StatusNotImplemented)
	_, err = c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag}})
	wantCode(t, err, "NotImplemented", http.StatusNotImplemented)
}
