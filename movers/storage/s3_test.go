package storage_test

// Storage moves to, from and between S3 endpoints: the real aws-sdk-go-v2
// client (package providers/s3) against s3fake servers on 127.0.0.1, with
// faults injected at the wire.

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	s3p "github.com/rehome/rehome/providers/s3"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

const mib = 1 << 20

// payload returns n pseudo-random bytes, the same for the same seed.
func payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// s3Set is the object set every S3 case moves: nested and unicode keys, a
// 0-byte object, every header, metadata and tags, and (when big) one
// object large enough to go in parts.
func s3Set(big bool) []struct {
	obj  providers.Object
	body []byte
} {
	set := []struct {
		obj  providers.Object
		body []byte
	}{
		{providers.Object{Key: "index.html", ContentType: "text/html; charset=utf-8", CacheControl: "max-age=60",
			ContentDisposition: `inline; filename="index.html"`, ContentEncoding: "identity", ContentLanguage: "de-CH",
			Expires: "Wed, 21 Oct 2026 07:28:00 GMT", Metadata: map[string]string{"owner": "web", "build": "42"},
			Tags: map[string]string{"team": "web"}}, []byte("<html>hi</html>")},
		{providers.Object{Key: "a/b/c/deep.txt", ContentType: "text/plain"}, []byte("deep")},
		{providers.Object{Key: "ünï/cødé ✓ space+plus%.txt", ContentType: "text/plain"}, []byte("unicode")},
		{providers.Object{Key: "empty", ContentType: "application/octet-stream"}, nil},
		{providers.Object{Key: "logs/2026-12-02.log", ContentType: "text/plain", StorageClass: "STANDARD_IA"}, payload(1, 300_000)},
	}
	if big {
		set = append(set, struct {
			obj  providers.Object
			body []byte
		}{providers.Object{Key: "media/big.bin", ContentType: "video/mp4", Metadata: map[string]string{"codec": "h264"},
			Tags: map[string]string{"tier": "hot"}}, payload(2, 12*mib+12345)})
	}
	return set
}

func fill(t *testing.T, s providers.Storage, bucket string, big bool) {
	t.Helper()
	movertest.Buckets(t, s, bucket)
	for _, o := range s3Set(big) {
		o.obj.Size = int64(len(o.body))
		if _, err := s.Put(t.Context(), bucket, o.obj, bytes.NewReader(o.body)); err != nil {
			t.Fatalf("put %s: %v", o.obj.Key, err)
		}
	}
}

// checkMoved compares every object of the set at srv with the source's:
// body, headers, metadata and tags.
func checkMoved(t *testing.T, srv *s3fake.Server, bucket string, big bool) {
	t.Helper()
	checkObjects(t, srv, bucket, big, false)
}

// checkObjects is checkMoved; keepClass: the storage classes are the
// set's (at a source), rather than the default.
func checkObjects(t *testing.T, srv *s3fake.Server, bucket string, big, keepClass bool) {
	t.Helper()
	for _, o := range s3Set(big) {
		got, ok := srv.Object(bucket, o.obj.Key)
		if !ok {
			t.Errorf("%s: not at the destination", o.obj.Key)
			continue
		}
		body, err := srv.Body(t.Context(), bucket, o.obj.Key)
		if err != nil || !bytes.Equal(body, o.body) {
			t.Errorf("%s: %d bytes at the destination, want %d (%v)", o.obj.Key, len(body), len(o.body), err)
		}
		want := o.obj
		type hdr struct{ CT, CC, CD, CE, CL, Exp string }
		if d := cmp.Diff(hdr{want.ContentType, want.CacheControl, want.ContentDisposition, want.ContentEncoding, want.ContentLanguage, want.Expires},
			hdr{got.ContentType, got.CacheControl, got.ContentDisposition, got.ContentEncoding, got.ContentLanguage, got.Expires}); d != "" {
			t.Errorf("%s: headers (-want +got):\n%s", o.obj.Key, d)
		}
		if len(want.Metadata) > 0 || len(got.Metadata) > 0 {
			if d := cmp.Diff(want.Metadata, got.Metadata); d != "" {
				t.Errorf("%s: metadata (-want +got):\n%s", o.obj.Key, d)
			}
		}
		if len(want.Tags) > 0 || len(got.Tags) > 0 {
			if d := cmp.Diff(want.Tags, got.Tags); d != "" {
				t.Errorf("%s: tags (-want +got):\n%s", o.obj.Key, d)
			}
		}
		// The generic s3 provider knows only the default class: others
		// are written in it (the plan warns, storage.class_mapped).
		wantClass := "STANDARD"
		if keepClass && want.StorageClass != "" {
			wantClass = want.StorageClass
		}
		if got.StorageClass != wantClass {
			t.Errorf("%s: storage class %q, want %s", o.obj.Key, got.StorageClass, wantClass)
		}
	}
}

// memToS3 is a harness moving from a memory environment "cloud" to an
// S3 environment "dst" on a fresh s3fake server.
func memToS3(t *testing.T) (*movertest.Harness, providers.Storage, *s3fake.Server) {
	h := movertest.New(t)
	src := h.Mem("cloud")
	srv := s3fake.New()
	t.Cleanup(srv.Close)
	h.S3("dst", srv.URL)
	return h, src, srv
}

// s3ToS3 is a harness moving between two S3 environments, "src" on
// server a and "dst" on server b.
func s3ToS3(t *testing.T) (h *movertest.Harness, src providers.Storage, a, b *s3fake.Server) {
	h = movertest.New(t)
	a, b = s3fake.New(), s3fake.New()
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	src = h.S3("src", a.URL)
	h.S3("dst", b.URL)
	return h, src, a, b
}

func objectsAction(t *testing.T, p *planner.Plan, bucket string) planner.Action {
	t.Helper()
	return movertest.ActionAt(t, p, fmt.Sprintf(`move.storage.m.objects[%q]`, bucket))
}

// TestS3FromMemory: a set moves to an S3 endpoint with every header kept;
// the large object goes in parallel parts (a composite ETag verified); the
// second apply sends nothing and reads nothing; rollback removes it all.
func TestS3FromMemory(t *testing.T) {
	t.Parallel()
	h, src, srv := memToS3(t)
	fill(t, src, "site", true)
	cfg := h.Config(btStorageMove("m", "cloud", "dst", &storage.Settings{PartSize: 5 * mib}))
	p := h.Apply(cfg)
	if f := movertest.FindingByCode(t, p, "storage.class_mapped"); !strings.Contains(f.Message, "STANDARD_IA") {
		t.Errorf("class_mapped: %s", f.Message)
	}
	checkMoved(t, srv, "site", true)
	if o, _ := srv.Object("site", "media/big.bin"); o.Parts != 3 || !strings.HasSuffix(o.ETag, `-3"`) {
		t.Errorf("big.bin: %d parts, ETag %s; want 3 parts", o.Parts, o.ETag)
	}
	if u := srv.Uploads("site"); len(u) != 0 {
		t.Errorf("uploads left: %v", u)
	}

	srv.ResetCalls()
	p = h.Apply(cfg)
	if a := objectsAction(t, p, "site"); a.Action != planner.ActNoop {
		t.Errorf("second plan: %s (%s)", a.Action, a.Reason)
	}
	for _, op := range []s3fake.Operation{s3fake.OpPutObject, s3fake.OpUploadPart, s3fake.OpGetObject, s3fake.OpCopyObject} {
		if n := srv.Count(op, "", ""); n != 0 {
			t.Errorf("the second apply made %d %s calls", n, op)
		}
	}

	h.Rollback(cfg)
	if slices.Contains(srv.Buckets(), "site") {
		t.Errorf("rollback left the bucket: %v", srv.Keys("site"))
	}
}

// TestS3BetweenServers: one S3 endpoint to another, the large object in
// ranged reads of the listed version; the source is only read.
func TestS3BetweenServers(t *testing.T) {
	t.Parallel()
	h, src, a, b := s3ToS3(t)
	fill(t, src, "data", true)
	a.ResetCalls()
	cfg := h.Config(btStorageMove("m", "src", "dst", &storage.Settings{PartSize: 5 * mib}))
	h.Apply(cfg)
	checkMoved(t, b, "data", true)
	for _, c := range a.Calls() {
		switch c.Op {
		case s3fake.OpPutObject, s3fake.OpDeleteObject, s3fake.OpCreateMultipartUpload, s3fake.OpCopyObject:
			t.Errorf("the source was written: %+v", c)
		}
	}
	if n := a.Count(s3fake.OpGetObject, "data", "media/big.bin"); n < 3 {
		t.Errorf("big.bin read in %d GETs, want one per part", n)
	}
	h.Rollback(cfg)
	if slices.Contains(b.Buckets(), "data") {
		t.Error("rollback left the bucket")
	}
	checkObjects(t, a, "data", true, true) // the source is intact
}

// TestS3ServerSideCopy: two environments on one endpoint copy with
// CopyObject; no object body passes through rehome.
func TestS3ServerSideCopy(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	srv := s3fake.New()
	t.Cleanup(srv.Close)
	src := h.S3("src", srv.URL)
	h.S3("dst", srv.URL)
	fill(t, src, "orig", false)
	srv.ResetCalls()
	cfg := h.Config(btStorageMove("m", "src", "dst", &storage.Settings{Rename: map[string]string{"orig": "copy"}}))
	h.Apply(cfg)
	checkMoved(t, srv, "copy", false)
	if n, want := srv.Count(s3fake.OpCopyObject, "copy", ""), len(s3Set(false)); n != want {
		t.Errorf("%d CopyObject calls, want %d", n, want)
	}
	if n := srv.Count(s3fake.OpPutObject, "", "") + srv.Count(s3fake.OpGetObject, "", ""); n != 0 {
		t.Errorf("%d object bodies passed through rehome", n)
	}
}

// TestS3MultipartResume: an apply that fails part-way through a large
// object's parts leaves its upload recorded; the next apply sends only the
// missing parts; a rollback instead aborts the upload.
func TestS3MultipartResume(t *testing.T) {
	t.Parallel()
	for _, then := range []string{"apply", "rollback"} {
		t.Run(then, func(t *testing.T) {
			t.Parallel()
			h, src, srv := memToS3(t)
			movertest.Buckets(t, src, "vids")
			body := payload(3, 21*mib) // 5 parts of 5 MiB
			movertest.Put(t, src, "vids", providers.Object{Key: "film.mp4"}, string(body))
			cfg := h.Config(btStorageMove("m", "cloud", "dst", &storage.Settings{PartSize: 5 * mib}))

			inj := srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultInternalError, Op: s3fake.OpUploadPart, Skip: 2, Times: -1})
			if err := h.ApplyErr(cfg); err == nil || !strings.Contains(err.Error(), "film.mp4") {
				t.Fatalf("apply with failing parts: %v", err)
			}
			if inj.Fired() == 0 {
				t.Fatal("the fault never fired")
			}
			ups := srv.Uploads("vids")
			if len(ups) != 1 || len(ups[0].Parts) != 2 {
				t.Fatalf("uploads after the failed apply: %+v", ups)
			}
			srv.Faults().Clear()
			srv.ResetCalls()
			if then == "rollback" {
				h.Rollback(cfg)
				if ups := srv.Uploads("vids"); len(ups) != 0 {
					t.Errorf("rollback left uploads: %+v", ups)
				}
				if slices.Contains(srv.Buckets(), "vids") {
					t.Error("rollback left the bucket")
				}
				return
			}
			h.Apply(cfg)
			if n := srv.Count(s3fake.OpUploadPart, "vids", "film.mp4"); n != 3 {
				t.Errorf("resumed with %d parts sent, want the 3 missing", n)
			}
			if n := srv.Count(s3fake.OpCreateMultipartUpload, "", ""); n != 0 {
				t.Errorf("resumed by starting %d new uploads", n)
			}
			got, err := srv.Body(t.Context(), "vids", "film.mp4")
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("resumed object: %d bytes (%v)", len(got), err)
			}
			if ups := srv.Uploads("vids"); len(ups) != 0 {
				t.Errorf("uploads left: %+v", ups)
			}
		})
	}
}

// TestS3Faults: transient failures on either side are retried (5xx,
// SlowDown, 429, resets, truncated and corrupted bodies in either
// direction) and every object arrives intact; corruption is caught by
// comparing digests, never by trusting a write's echo.
func TestS3Faults(t *testing.T) {
	t.Parallel()
	const key = "logs/2026-12-02.log" // 300,000 bytes, copied in one PUT
	tests := []struct {
		name  string
		side  string // "src" or "dst"
		fault s3fake.Fault
	}{
		{"dst 500", "dst", s3fake.Fault{Kind: s3fake.FaultInternalError, Op: s3fake.OpPutObject, Key: key, Times: 2}},
		{"dst SlowDown", "dst", s3fake.Fault{Kind: s3fake.FaultSlowDown, Op: s3fake.OpPutObject, Times: 3}},
		{"dst 429", "dst", s3fake.Fault{Kind: s3fake.FaultTooManyRequests, Op: s3fake.OpPutObject, Key: key}},
		{"dst reset", "dst", s3fake.Fault{Kind: s3fake.FaultReset, Op: s3fake.OpPutObject, Key: key}},
		{"dst lost response", "dst", s3fake.Fault{Kind: s3fake.FaultResetAfter, Op: s3fake.OpPutObject, Key: key}},
		{"dst corrupted write", "dst", s3fake.Fault{Kind: s3fake.FaultCorruptRequest, Op: s3fake.OpPutObject, Key: key}},
		{"src 500 on list", "src", s3fake.Fault{Kind: s3fake.FaultInternalError, Op: s3fake.OpListObjectsV2}},
		{"src reset mid-body", "src", s3fake.Fault{Kind: s3fake.FaultResetMidBody, Op: s3fake.OpGetObject, Key: key}},
		{"src truncated body", "src", s3fake.Fault{Kind: s3fake.FaultTruncate, Op: s3fake.OpGetObject, Key: key}},
		{"src corrupted read", "src", s3fake.Fault{Kind: s3fake.FaultCorruptResponse, Op: s3fake.OpGetObject, Key: key}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, src, a, b := s3ToS3(t)
			fill(t, src, "data", false)
			cfg := h.Config(btStorageMove("m", "src", "dst", nil))
			srv := map[string]*s3fake.Server{"src": a, "dst": b}[tt.side]
			inj := srv.Faults().Add(tt.fault)
			h.Apply(cfg)
			if inj.Fired() == 0 {
				t.Fatal("the fault never fired")
			}
			checkMoved(t, b, "data", false)
			srv.Faults().Clear()
			if a := objectsAction(t, h.Plan(cfg), "data"); a.Action != planner.ActNoop {
				t.Errorf("re-plan: %s (%s)", a.Action, a.Reason)
			}
		})
	}
}

// TestS3PermanentFailureNamesObject: an object that keeps failing fails
// the apply with its bucket and key named; the others are copied.
func TestS3PermanentFailureNamesObject(t *testing.T) {
	t.Parallel()
	h, src, srv := memToS3(t)
	fill(t, src, "data", false)
	srv.Faults().Add(s3fake.Fault{Kind: s3fake.FaultInternalError, Op: s3fake.OpPutObject, Key: "a/b/c/deep.txt", Times: -1})
	err := h.ApplyErr(h.Config(btStorageMove("m", "cloud", "dst", nil)))
	if err == nil || !strings.Contains(err.Error(), `"a/b/c/deep.txt"`) || !strings.Contains(err.Error(), "1 of 5 objects failed") {
		t.Fatalf("apply: %v", err)
	}
	if got := srv.Keys("data"); len(got) != 4 || slices.Contains(got, "a/b/c/deep.txt") {
		t.Errorf("destination keys: %v", got)
	}
}

// TestS3ManyObjects: 10,000 objects, listed across pages on both sides,
// move and then re-plan to nothing.
func TestS3ManyObjects(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 objects")
	}
	h, src, srv := memToS3(t)
	movertest.Buckets(t, src, "many")
	const n = 10_000
	for i := range n {
		k := fmt.Sprintf("d%02d/obj-%05d", i%37, i)
		if _, err := src.Put(t.Context(), "many", providers.Object{Key: k, Size: int64(len(k))}, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	h.Runner().Options.Parallelism = 16
	cfg := h.Config(btStorageMove("m", "cloud", "dst", &storage.Settings{Parallelism: 16}))
	h.Apply(cfg)
	if got := len(srv.Keys("many")); got != n {
		t.Fatalf("%d objects at the destination, want %d", got, n)
	}
	srv.ResetCalls()
	if a := objectsAction(t, h.Plan(cfg), "many"); a.Action != planner.ActNoop {
		t.Errorf("re-plan: %s (%s)", a.Action, a.Reason)
	}
	if lists := srv.Count(s3fake.OpListObjectsV2, "many", ""); lists < n/1000 {
		t.Errorf("%d list pages for %d objects", lists, n)
	}
}

// TestS3GiBObject: a 1 GiB file goes from a folder to S3 in parallel
// parts (64 MiB by default), each read as a range of the file, and is
// verified by its composite ETag; the fake keeps it on disk.
func TestS3GiBObject(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("1 GiB")
	}
	h := movertest.New(t)
	src := h.Local("src")
	srv := s3fake.New(s3fake.WithDir(t.TempDir()))
	t.Cleanup(srv.Close)
	h.S3("dst", srv.URL)
	movertest.Buckets(t, src, "big")
	const size = 1 << 30
	block := payload(7, mib)
	want := md5.New()
	pr, pw := io.Pipe()
	go func() {
		for i := range size / mib {
			binary.BigEndian.PutUint64(block, uint64(i)) // every MiB differs
			want.Write(block)
			if _, err := pw.Write(block); err != nil {
				return
			}
		}
		pw.Close()
	}()
	if _, err := src.Put(t.Context(), "big", providers.Object{Key: "disk.img", Size: size}, pr); err != nil {
		t.Fatal(err)
	}
	cfg := h.Config(btStorageMove("m", "src", "dst", nil))
	h.Apply(cfg)
	o, ok := srv.Object("big", "disk.img")
	if !ok || o.Size != size || o.Parts != 16 {
		t.Fatalf("at the destination: %+v", o)
	}
	rc, err := srv.OpenObject(t.Context(), "big", "disk.img")
	if err != nil {
		t.Fatal(err)
	}
	got := md5.New()
	if _, err := io.Copy(got, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatal("the object at the destination differs from the file")
	}
	if a := objectsAction(t, h.Plan(cfg), "big"); a.Action != planner.ActNoop {
		t.Errorf("re-plan: %s (%s)", a.Action, a.Reason)
	}
}

// TestS3BucketFeatures: the settings of an S3 source bucket, as the S3
// API reports them, become findings by what the destination's table says
// it can hold: blockers where behaviour would silently change.
func TestS3BucketFeatures(t *testing.T) {
	t.Parallel()
	srv := fakeS3(t)
	cl := s3p.NewClient(s3p.ClientOptions{Endpoint: srv.URL, Region: "us-east-1", AccessKey: "AKIDTEST", SecretKey: "secret-test", PathStyle: true})
	ctx, b := t.Context(), aws.String("site")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b, ObjectLockEnabledForBucket: aws.Bool(true)}))
	must(cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)}))
	must(cl.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}}))
	must(cl.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{{ID: aws.String("expire"), Status: s3types.ExpirationStatusEnabled,
			Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(7)}}}}}))
	must(cl.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}}))
	must(cl.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}))
	must(cl.PutBucketRequestPayment(ctx, &s3.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{
		Payer: s3types.PayerRequester}}))

	for _, tt := range []struct {
		to   string
		want map[string]planner.Severity
	}{
		{"s3", map[string]planner.Severity{"storage.public": planner.SevBlocker, "storage.website_not_copied": planner.SevWarning,
			"storage.lifecycle_not_copied": planner.SevWarning, "storage.cors_not_copied": planner.SevWarning,
			"storage.object_lock": planner.SevWarning, "storage.requester_pays": planner.SevBlocker}},
		{"hcloud", map[string]planner.Severity{"storage.public": planner.SevBlocker, "storage.website": planner.SevBlocker,
			"storage.lifecycle_not_copied": planner.SevWarning, "storage.cors_not_copied": planner.SevWarning,
			"storage.encryption": planner.SevWarning, "storage.requester_pays": planner.SevBlocker}},
	} {
		t.Run(tt.to, func(t *testing.T) {
			t.Parallel()
			h := movertest.New(t)
			h.S3("src", srv.URL)
			storageEnvs[tt.to](t, h, "dst")
			p := h.Plan(h.Config(btStorageMove("m", "src", "dst", nil)))
			got := map[string]planner.Severity{}
			for _, f := range p.Audit {
				if _, ok := tt.want[f.Code]; ok {
					got[f.Code] = f.Severity
					if !strings.Contains(f.Message, `"site"`) {
						t.Errorf("%s does not name the bucket: %s", f.Code, f.Message)
					}
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
		})
	}
}
