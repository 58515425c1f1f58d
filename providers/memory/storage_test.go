package memory_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC)

func put(t *testing.T, p *memory.Provider, bucket, key, body string) providers.Object {
	t.Helper()
	o, err := p.Put(context.Background(), bucket, providers.Object{Key: key, Size: int64(len(body)), ModTime: t0}, strings.NewReader(body))
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return o
}

func mkBucket(t *testing.T, p *memory.Provider, name string) {
	t.Helper()
	if err := p.CreateBucket(context.Background(), providers.Bucket{Name: name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

func keys(t *testing.T, p *memory.Provider, bucket string) []string {
	t.Helper()
	var out []string
	for o, err := range p.Objects(context.Background(), bucket) {
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		out = append(out, o.Key)
	}
	return out
}

func body(t *testing.T, p *memory.Provider, bucket, key string) string {
	t.Helper()
	rc, _, err := p.Get(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestS3Keys: keys are opaque strings, as in S3 — a key can also be the
// "folder" of another, and empty segments or a trailing '/' are allowed —
// and listings are in byte order of the keys.
func TestS3Keys(t *testing.T) {
	p := memory.NewStore().Env("e")
	mkBucket(t, p, "bkt")
	in := []string{"a/b", "a", "dir/", "x//y", "a-c", "żółw", "Z", "/lead"}
	for _, k := range in {
		put(t, p, "bkt", k, "body of "+k)
	}
	want := []string{"/lead", "Z", "a", "a-c", "a/b", "dir/", "x//y", "żółw"}
	if d := cmp.Diff(want, keys(t, p, "bkt")); d != "" {
		t.Fatalf("listing (-want +got):\n%s", d)
	}
	for _, k := range in {
		if got := body(t, p, "bkt", k); got != "body of "+k {
			t.Errorf("%q holds %q", k, got)
		}
	}
	for _, bad := range []string{"", string([]byte{0xff, 'a'}), strings.Repeat("k", 1025)} {
		if _, err := p.Put(context.Background(), "bkt", providers.Object{Key: bad, Size: 1}, strings.NewReader("x")); err == nil {
			t.Errorf("put key %q: no error", bad)
		}
	}
}

// TestObjectFields: what Put keeps and what the store computes.
func TestObjectFields(t *testing.T) {
	s := memory.NewStore()
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	p := s.Env("e")
	mkBucket(t, p, "bkt")
	const data = "hello, world"
	md := md5.Sum([]byte(data))
	sh := sha256.Sum256([]byte(data))
	in := providers.Object{Key: "k.txt", Size: int64(len(data)), ModTime: t0, ContentType: "text/x-custom",
		CacheControl: "max-age=60", Metadata: map[string]string{"Owner": "ops", "x-app": "1"}, Tags: map[string]string{"env": "prod"},
		ETag: "ignored", SHA256: "ignored"}
	got, err := p.Put(context.Background(), "bkt", in, strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := providers.Object{Key: "k.txt", Size: int64(len(data)), ModTime: t0, ETag: hex.EncodeToString(md[:]), SHA256: hex.EncodeToString(sh[:]),
		ContentType: "text/x-custom", CacheControl: "max-age=60",
		Metadata: map[string]string{"owner": "ops", "x-app": "1"}, Tags: map[string]string{"env": "prod"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Put returned (-want +got):\n%s", d)
	}
	head, err := p.Head(context.Background(), "bkt", "k.txt")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, head); d != "" {
		t.Errorf("Head (-want +got):\n%s", d)
	}
	var listed []providers.Object
	for o, err := range p.Objects(context.Background(), "bkt") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, o)
	}
	if d := cmp.Diff([]providers.Object{want}, listed); d != "" {
		t.Errorf("Objects (-want +got):\n%s", d)
	}
	// Changing what was returned does not change the store.
	head.Metadata["owner"] = "mallory"
	in.Metadata["Owner"] = "mallory"
	again, _ := p.Head(context.Background(), "bkt", "k.txt")
	if again.Metadata["owner"] != "ops" {
		t.Errorf("the store's metadata was changed through a returned map: %v", again.Metadata)
	}

	// Without ModTime or ContentType: the store's clock and the S3 default.
	o, err := p.Put(context.Background(), "bkt", providers.Object{Key: "bare", Size: -1}, strings.NewReader("xyz"))
	if err != nil {
		t.Fatal(err)
	}
	if !o.ModTime.Equal(now) || o.ContentType != "application/octet-stream" || o.Size != 3 || o.Metadata != nil || o.Tags != nil {
		t.Errorf("bare put = %+v", o)
	}
}

type cancelReader struct {
	r      io.Reader
	cancel func()
}

func (c *cancelReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.cancel()
	return n, err
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestPutFailuresStoreNothing: a size mismatch, a cancelled context, a
// failing body or a missing bucket leave the old object (or nothing) and
// are not counted as writes.
func TestPutFailuresStoreNothing(t *testing.T) {
	s := memory.NewStore()
	p := s.Env("e")
	mkBucket(t, p, "bkt")
	put(t, p, "bkt", "k", "original")
	big := bytes.Repeat([]byte("x"), 300<<10)
	tests := []struct {
		name   string
		bucket string
		size   int64
		body   func(cancel func()) io.Reader
		pre    bool // cancel before the call
		is     error
	}{
		{name: "longer than Size", bucket: "bkt", size: 3, body: func(func()) io.Reader { return strings.NewReader("four") }},
		{name: "shorter than Size", bucket: "bkt", size: 10, body: func(func()) io.Reader { return strings.NewReader("four") }},
		{name: "cancelled before", bucket: "bkt", size: 4, pre: true, is: context.Canceled,
			body: func(func()) io.Reader { return strings.NewReader("four") }},
		{name: "cancelled while reading", bucket: "bkt", size: int64(len(big)), is: context.Canceled,
			body: func(cancel func()) io.Reader { return &cancelReader{r: bytes.NewReader(big), cancel: cancel} }},
		{name: "body fails", bucket: "bkt", size: -1, body: func(func()) io.Reader { return errReader{} }},
		{name: "no bucket", bucket: "nope", size: 4, is: providers.ErrNotFound,
			body: func(func()) io.Reader { return strings.NewReader("four") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.pre {
				cancel()
			}
			_, err := p.Put(ctx, tt.bucket, providers.Object{Key: "k", Size: tt.size}, tt.body(cancel))
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if got := body(t, p, "bkt", "k"); got != "original" {
				t.Errorf("object is now %q", got)
			}
			if w := s.Writes("e"); w != 1 {
				t.Errorf("Writes = %d, want 1", w)
			}
			if w := s.KeyWrites("e", "bkt", "k"); w != 1 {
				t.Errorf("KeyWrites = %d, want 1", w)
			}
		})
	}
}

// TestBucketsAndErrors: the sentinel errors of the storage contract.
func TestBucketsAndErrors(t *testing.T) {
	ctx := context.Background()
	p := memory.NewStore().Env("e")
	mkBucket(t, p, "b-two")
	mkBucket(t, p, "a.one")
	if err := p.CreateBucket(ctx, providers.Bucket{Name: "a.one"}); !errors.Is(err, providers.ErrExists) {
		t.Errorf("create existing: %v, want ErrExists", err)
	}
	for _, bad := range []string{"", "ab", "Upper", "has_underscore", "-start", "end-", "a..b", strings.Repeat("a", 64), "a/b"} {
		if err := p.CreateBucket(ctx, providers.Bucket{Name: bad}); err == nil {
			t.Errorf("create bucket %q: no error", bad)
		}
	}
	bs, err := p.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
		if b.Region == "" || b.CreatedAt.IsZero() {
			t.Errorf("bucket %+v lacks region or creation time", b)
		}
	}
	if d := cmp.Diff([]string{"a.one", "b-two"}, names); d != "" {
		t.Errorf("Buckets (-want +got):\n%s", d)
	}

	put(t, p, "a.one", "k", "v")
	if err := p.DeleteBucket(ctx, "a.one"); !errors.Is(err, providers.ErrNotEmpty) {
		t.Errorf("delete non-empty bucket: %v, want ErrNotEmpty", err)
	}
	if err := p.DeleteBucket(ctx, "zzz"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("delete missing bucket: %v, want ErrNotFound", err)
	}
	if _, err := p.Head(ctx, "a.one", "missing"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("head missing key: %v", err)
	}
	if _, err := p.Head(ctx, "zzz", "k"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("head in missing bucket: %v", err)
	}
	if _, _, err := p.Get(ctx, "a.one", "missing"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("get missing key: %v", err)
	}
	for _, err := range p.Objects(ctx, "zzz") {
		if !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("list missing bucket: %v", err)
		}
	}
	if err := p.Delete(ctx, "a.one", "k"); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, "a.one", "k"); err != nil {
		t.Errorf("second delete: %v, want none (idempotent)", err)
	}
	if err := p.Delete(ctx, "zzz", "k"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("delete in missing bucket: %v, want ErrNotFound", err)
	}
	if err := p.DeleteBucket(ctx, "a.one"); err != nil {
		t.Errorf("delete emptied bucket: %v", err)
	}
}

// TestSpaces: environments configured with the same name share data; other
// names and other stores do not.
func TestSpaces(t *testing.T) {
	ctx := context.Background()
	s := memory.NewStore()
	f := s.Factory()
	cfg := func(name string) providers.Config {
		return providers.Config{Env: "env-" + name, Value: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name)}),
			Logger: slog.New(slog.DiscardHandler)}
	}
	open := func(f providers.Factory, name string) providers.Storage {
		p := f.New()
		if err := p.Configure(ctx, cfg(name)); err != nil {
			t.Fatal(err)
		}
		return p.(providers.Storage)
	}
	a1, a2, b := open(f, "a"), open(f, "a"), open(f, "b")
	other := open(memory.Factory(), "a")
	if err := a1.CreateBucket(ctx, providers.Bucket{Name: "shared"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Put(ctx, "shared", providers.Object{Key: "k", Size: 1}, strings.NewReader("1")); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Head(ctx, "shared", "k"); err != nil {
		t.Errorf("same name, same store: %v", err)
	}
	if _, err := b.Head(ctx, "shared", "k"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("other name: %v, want ErrNotFound", err)
	}
	if _, err := other.Head(ctx, "shared", "k"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("other store: %v, want ErrNotFound", err)
	}
	if s.Writes("a") != 1 || s.Writes("b") != 0 || s.KeyWrites("a", "shared", "k") != 1 || s.KeyWrites("nope", "x", "y") != 0 {
		t.Errorf("write counters: a=%d b=%d", s.Writes("a"), s.Writes("b"))
	}

	for _, v := range []cty.Value{
		cty.EmptyObjectVal,
		cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("")}),
		cty.ObjectVal(map[string]cty.Value{"name": cty.NullVal(cty.String)}),
		cty.NullVal(cty.EmptyObject),
	} {
		if err := f.New().Configure(ctx, providers.Config{Env: "x", Value: v}); err == nil {
			t.Errorf("configure with %#v: no error", v)
		}
	}
	unconfigured := f.New().(*memory.Provider)
	if _, err := unconfigured.Buckets(ctx); err == nil {
		t.Error("an unconfigured provider listed buckets")
	}
	if f.Name != "memory" || !f.Caps.Storage.Metadata || !f.Caps.Storage.Tags || !f.Caps.Storage.ContentType || f.Caps.Storage.FileKeys {
		t.Errorf("storage caps = %+v", f.Caps.Storage)
	}
}

// TestConcurrentPuts: the provider is safe for concurrent use and counts
// every write.
func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	s := memory.NewStore()
	p := s.Env("e")
	mkBucket(t, p, "bkt")
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				key := fmt.Sprintf("k%03d", i)
				if _, err := p.Put(ctx, "bkt", providers.Object{Key: key, Size: 1}, strings.NewReader("x")); err != nil {
					t.Error(err)
				}
				for _, err := range p.Objects(ctx, "bkt") {
					if err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if got := s.Writes("e"); got != 400 {
		t.Errorf("Writes = %d, want 400", got)
	}
	if got := s.KeyWrites("e", "bkt", "k007"); got != 8 {
		t.Errorf("KeyWrites(k007) = %d, want 8", got)
	}
	if n := len(keys(t, p, "bkt")); n != 50 {
		t.Errorf("%d objects, want 50", n)
	}
}

// TestDiscover: the inventory shape — buckets with usage, zones with
// record counts, secrets by name — narrowed by the scope.
func TestDiscover(t *testing.T) {
	ctx := context.Background()
	s := memory.NewStore()
	p := s.Factory().New().(*memory.Provider)
	if err := p.Configure(ctx, providers.Config{Env: "cloud", Value: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("space")})}); err != nil {
		t.Fatal(err)
	}
	mkBucket(t, p, "media")
	put(t, p, "media", "a", "12345")
	put(t, p, "media", "a/b", "678")
	if _, err := p.CreateZone(ctx, providers.Zone{Name: "Example.COM"}); err != nil {
		t.Fatal(err)
	}
	if err := p.ApplyRecords(ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate,
		New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.2", "192.0.2.1"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PutSecrets(ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "TOKEN"}, Value: []byte("t")}}); err != nil {
		t.Fatal(err)
	}
	inv, err := p.Discover(ctx, providers.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Kind                    providers.Kind
		Type, Name, Env, Prov   string
		Objects, Bytes, Records int64
	}
	var got []row
	for _, r := range inv.Resources {
		if r.ID == "" {
			t.Errorf("%s %s has no ID", r.Type, r.Name)
		}
		got = append(got, row{r.Kind, r.Type, r.Name, r.Env, r.Provider, r.Usage.Objects, r.Usage.Bytes, r.Usage.Records})
	}
	want := []row{
		{providers.KindDNS, "zone", "example.com", "cloud", "memory", 0, 0, 4}, // SOA, NS, 2 A
		{providers.KindSecrets, "secret", "TOKEN", "cloud", "memory", 0, 0, 0},
		{providers.KindStorage, "bucket", "media", "cloud", "memory", 2, 8, 0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Discover (-want +got):\n%s", d)
	}
	if inv.Env != "cloud" || inv.Provider != "memory" {
		t.Errorf("inventory env/provider = %q/%q", inv.Env, inv.Provider)
	}
	only, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{providers.KindSecrets}})
	if err != nil {
		t.Fatal(err)
	}
	if len(only.Resources) != 1 || only.Resources[0].Type != "secret" {
		t.Errorf("scoped discovery = %+v", only.Resources)
	}
}

func TestPutIfAbsent(t *testing.T) {
	p := memory.NewStore().Env("e")
	ctx := t.Context()
	if err := p.CreateBucket(ctx, providers.Bucket{Name: "bkt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PutIfAbsent(ctx, "bkt", providers.Object{Key: "k", Size: -1}, strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PutIfAbsent(ctx, "bkt", providers.Object{Key: "k", Size: -1}, strings.NewReader("second")); !errors.Is(err, providers.ErrExists) {
		t.Fatalf("PutIfAbsent over an object = %v, want ErrExists", err)
	}
	if o, err := p.Head(ctx, "bkt", "k"); err != nil || o.Size != 5 {
		t.Fatalf("object after a refused PutIfAbsent: %+v %v", o, err)
	}
}
