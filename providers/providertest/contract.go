package providertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rehome/rehome/providers"
)

// The contract checks: what the movers rely on a provider doing, called
// directly on a fresh environment. The movers' ownership rules depend on
// these answers (a missing bucket must say ErrNotFound for rollback to know
// it is gone; a conditional put must write nothing when the key is taken).

func (o Opt) fresh(t *testing.T) providers.Provider {
	t.Helper()
	p := o.Factory.New()
	if err := p.Configure(t.Context(), providers.Config{Env: "contract", Dir: t.TempDir(), Value: o.NewEnv(t),
		Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	return p
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s = %v; want an error wrapping %q", what, err, target)
	}
}

// failingReader yields some bytes, then fails: a body cut short.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("the body broke off")
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

func runStorageContract(t *testing.T, o Opt) {
	ctx := t.Context()
	s := o.fresh(t).(providers.Storage)
	put := func(key, body string) providers.Object {
		t.Helper()
		got, err := s.Put(ctx, "contract-b", providers.Object{Key: key, Size: int64(len(body)),
			ModTime: time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)}, strings.NewReader(body))
		if err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		return got
	}
	read := func(key string) (string, error) {
		rc, _, err := s.Get(ctx, "contract-b", key)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return string(b), err
	}

	wantIs(t, "DeleteBucket of a missing bucket", s.DeleteBucket(ctx, "contract-b"), providers.ErrNotFound)
	for _, err := range s.Objects(ctx, "contract-b") {
		wantIs(t, "listing a missing bucket", err, providers.ErrNotFound)
		break
	}
	if err := s.CreateBucket(ctx, providers.Bucket{Name: "contract-b"}); err != nil {
		t.Fatal(err)
	}
	wantIs(t, "CreateBucket of an existing bucket", s.CreateBucket(ctx, providers.Bucket{Name: "contract-b"}), providers.ErrExists)
	_, err := s.Head(ctx, "contract-b", "nope")
	wantIs(t, "Head of a missing key", err, providers.ErrNotFound)
	_, err = read("nope")
	wantIs(t, "Get of a missing key", err, providers.ErrNotFound)
	if err := s.Delete(ctx, "contract-b", "nope"); err != nil {
		t.Errorf("Delete of a missing key = %v; want nil", err)
	}

	// Listings are in byte order of the keys (the diff merges two of them).
	keys := []string{"b/d", "b-c", "B", "z", "b.e", "é/x", "a b", "0"}
	for _, k := range keys {
		put(k, "v:"+k)
	}
	var listed []string
	for obj, err := range s.Objects(ctx, "contract-b") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, obj.Key)
	}
	want := slices.Clone(keys)
	slices.Sort(want) // Go sorts strings by bytes
	if !slices.Equal(listed, want) {
		t.Errorf("listing order %q; want byte order %q", listed, want)
	}
	wantIs(t, "DeleteBucket of a bucket with objects", s.DeleteBucket(ctx, "contract-b"), providers.ErrNotEmpty)

	// Put reports what it stored, and replaces atomically: a body that
	// breaks off leaves the previous object whole.
	got := put("z", "new content")
	if got.Size != int64(len("new content")) || got.Key != "z" {
		t.Errorf("Put returned %+v; want the stored object's key and size", got)
	}
	if sum := sha256hex("new content"); got.SHA256 != "" && got.SHA256 != sum {
		t.Errorf("Put returned SHA256 %s; want %s, the content's (or none)", got.SHA256, sum)
	}
	_, err = s.Put(ctx, "contract-b", providers.Object{Key: "z", Size: 1 << 20}, &failingReader{n: 4096})
	if err == nil {
		t.Error("a Put whose body broke off succeeded")
	}
	if v, err := read("z"); err != nil || v != "new content" {
		t.Errorf("after a broken Put the key holds %q (%v); want the previous object whole", v, err)
	}
	_, err = s.Put(ctx, "contract-b", providers.Object{Key: "fresh", Size: 1 << 20}, &failingReader{n: 4096})
	if err == nil {
		t.Error("a Put whose body broke off succeeded")
	}
	if _, err := s.Head(ctx, "contract-b", "fresh"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("after a broken Put of a new key, Head = %v; want nothing stored", err)
	}

	// A conditional put writes only where nothing stands.
	if cp, ok := s.(providers.ConditionalPutter); ok {
		_, err := cp.PutIfAbsent(ctx, "contract-b", providers.Object{Key: "z", Size: 5}, strings.NewReader("other"))
		wantIs(t, "PutIfAbsent over an existing key", err, providers.ErrExists)
		if v, _ := read("z"); v != "new content" {
			t.Errorf("PutIfAbsent over an existing key changed it to %q", v)
		}
		if _, err := cp.PutIfAbsent(ctx, "contract-b", providers.Object{Key: "absent", Size: 2}, strings.NewReader("ok")); err != nil {
			t.Errorf("PutIfAbsent of a free key = %v", err)
		}
		if v, _ := read("absent"); v != "ok" {
			t.Errorf("PutIfAbsent of a free key stored %q", v)
		}
	}
}

func runDNSContract(t *testing.T, o Opt) {
	ctx := t.Context()
	d := o.fresh(t).(providers.DNS)
	const zone = "contract.example.com."
	_, err := d.Records(ctx, zone)
	wantIs(t, "Records of a missing zone", err, providers.ErrNotFound)
	if _, err := d.CreateZone(ctx, providers.Zone{Name: zone}); err != nil {
		t.Fatal(err)
	}
	_, err = d.CreateZone(ctx, providers.Zone{Name: zone})
	wantIs(t, "CreateZone of an existing zone", err, providers.ErrExists)
	set := providers.RecordSet{Name: "www." + zone, Type: "A", TTL: 300, Values: []string{"192.0.2.1"}}
	if err := d.ApplyRecords(ctx, zone, []providers.RecordChange{{Op: providers.ChangeCreate, New: &set}}); err != nil {
		t.Fatal(err)
	}
	// An update must name the set as it stands: a stale one is refused and
	// changes nothing (the movers' pre-images rely on it).
	stale := set
	stale.Values = []string{"192.0.2.99"}
	nw := set
	nw.Values = []string{"192.0.2.2"}
	if err := d.ApplyRecords(ctx, zone, []providers.RecordChange{{Op: providers.ChangeUpdate, Old: &stale, New: &nw}}); err == nil {
		t.Error("an update naming a stale set was applied")
	}
	sets, err := d.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range sets {
		if rs.Key() == set.Key() && !rs.Equal(set) {
			t.Errorf("a refused update changed the set to %+v", rs)
		}
	}
}

func runSecretsContract(t *testing.T, o Opt) {
	ctx := t.Context()
	s := o.fresh(t).(providers.Secrets)
	_, err := s.GetSecret(ctx, "NOPE")
	wantIs(t, "GetSecret of a missing secret", err, providers.ErrNotFound)
	if err := s.DeleteSecrets(ctx, []string{"NOPE"}); err != nil {
		t.Errorf("DeleteSecrets of a missing secret = %v; want nil", err)
	}
	if _, err := s.PutSecrets(ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "K"}, Value: []byte("v1")}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSecret(ctx, "K")
	if err != nil || !bytes.Equal(got.Value, []byte("v1")) {
		t.Errorf("GetSecret after PutSecrets = %v; want the value written", err)
	}
	if c, ok := s.(providers.SecretStoreChecker); ok {
		if err := errors.Join(c.WriteReady(), c.ReadReady()); err != nil {
			t.Errorf("a store that just took and gave back a secret says it cannot: %v", err)
		}
	}
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
