package storage_test

// Every pairing of storage providers the capability tables allow: local
// folders, the memory provider, a generic S3 endpoint, AWS, Hetzner and
// DigitalOcean (each over its own s3fake server, with the STS and
// DigitalOcean account fakes). Each pair moves the same set, re-plans to
// nothing and rolls back to the original destination.

import (
	"bytes"
	"io"
	"maps"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

// storageEnv declares environment name of one provider kind in h and
// returns its storage.
type storageEnv func(t *testing.T, h *movertest.Harness, name string) providers.Storage

func s3Keys(url string) map[string]cty.Value {
	return map[string]cty.Value{"endpoint": cty.StringVal(url), "access_key": cty.StringVal("AKIDTEST"), "secret_key": cty.StringVal("secret-test")}
}

func fakeS3(t *testing.T) *s3fake.Server {
	srv := s3fake.New()
	t.Cleanup(srv.Close)
	return srv
}

var storageEnvs = map[string]storageEnv{
	"local":  func(t *testing.T, h *movertest.Harness, name string) providers.Storage { return h.Local(name) },
	"memory": func(t *testing.T, h *movertest.Harness, name string) providers.Storage { return h.Mem(name) },
	"s3": func(t *testing.T, h *movertest.Harness, name string) providers.Storage {
		return h.S3(name, fakeS3(t).URL)
	},
	"aws": func(t *testing.T, h *movertest.Harness, name string) providers.Storage {
		sts := httptest.NewServer(awsfake.STS("123456789012"))
		t.Cleanup(sts.Close)
		return h.Env(name, "aws", map[string]cty.Value{
			"region": cty.StringVal("eu-central-1"), "access_key": cty.StringVal("AKIDTEST"), "secret_key": cty.StringVal("secret-test"),
			"endpoints": cty.MapVal(map[string]cty.Value{"s3": cty.StringVal(fakeS3(t).URL), "sts": cty.StringVal(sts.URL)}),
		}).(providers.Storage)
	},
	"hcloud": func(t *testing.T, h *movertest.Harness, name string) providers.Storage {
		return h.Env(name, "hcloud", map[string]cty.Value{
			"token": cty.StringVal("hc-test-token"), "location": cty.StringVal("fsn1"),
			"endpoint":       cty.StringVal("http://127.0.0.1:1/v1"), // storage makes no Cloud API call
			"object_storage": cty.ObjectVal(s3Keys(fakeS3(t).URL)),
		}).(providers.Storage)
	},
	"digitalocean": func(t *testing.T, h *movertest.Harness, name string) providers.Storage {
		api := httptest.NewServer(dofake.API("do-test-token", "b6fr89dbf6d9156cace5f3c78dc9851d957381ef"))
		t.Cleanup(api.Close)
		return h.Env(name, "digitalocean", map[string]cty.Value{
			"token": cty.StringVal("do-test-token"), "region": cty.StringVal("fra1"), "endpoint": cty.StringVal(api.URL),
			"spaces": cty.ObjectVal(s3Keys(fakeS3(t).URL)),
		}).(providers.Storage)
	},
}

// snapshot reads every object of a bucket with its attributes (nil when
// the bucket is absent).
func snapshot(t *testing.T, s providers.Storage, bucket string) map[string]providers.Object {
	t.Helper()
	out := map[string]providers.Object{}
	for o, err := range s.Objects(t.Context(), bucket) {
		if err != nil {
			return nil
		}
		rc, full, err := s.Get(t.Context(), bucket, o.Key)
		if err != nil {
			t.Fatalf("get %s: %v", o.Key, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		full.SHA256 = string(b) // the body, for comparison
		out[o.Key] = full
	}
	return out
}

// carried compares what the destination holds with the source, field by
// field where both sides' tables say they keep it.
func carried(t *testing.T, src, dst map[string]providers.Object, scaps, dcaps providers.StorageCaps) {
	t.Helper()
	if d := cmp.Diff(slices.Sorted(maps.Keys(src)), slices.Sorted(maps.Keys(dst))); d != "" {
		t.Fatalf("keys (-src +dst):\n%s", d)
	}
	for k, s := range src {
		d := dst[k]
		if s.SHA256 != d.SHA256 || s.Size != d.Size {
			t.Errorf("%s: body differs (%d bytes, want %d)", k, d.Size, s.Size)
		}
		if scaps.ContentType && dcaps.ContentType && s.ContentType != d.ContentType {
			t.Errorf("%s: Content-Type %q, want %q", k, d.ContentType, s.ContentType)
		}
		if scaps.Headers && dcaps.Headers {
			type hdr struct{ CC, CD, CE, CL, Exp string }
			if df := cmp.Diff(hdr{s.CacheControl, s.ContentDisposition, s.ContentEncoding, s.ContentLanguage, s.Expires},
				hdr{d.CacheControl, d.ContentDisposition, d.ContentEncoding, d.ContentLanguage, d.Expires}); df != "" {
				t.Errorf("%s: headers (-src +dst):\n%s", k, df)
			}
		}
		if scaps.Metadata && dcaps.Metadata && !maps.Equal(s.Metadata, d.Metadata) {
			t.Errorf("%s: metadata %v, want %v", k, d.Metadata, s.Metadata)
		}
		if scaps.Tags && dcaps.Tags && !maps.Equal(s.Tags, d.Tags) {
			t.Errorf("%s: tags %v, want %v", k, d.Tags, s.Tags)
		}
		if scaps.ModTime && dcaps.ModTime && !s.ModTime.Equal(d.ModTime) {
			t.Errorf("%s: modified %v, want %v", k, d.ModTime, s.ModTime)
		}
	}
}

func TestStoragePairs(t *testing.T) {
	t.Parallel()
	names := slices.Sorted(maps.Keys(storageEnvs))
	for _, from := range names {
		for _, to := range names {
			t.Run(from+"→"+to, func(t *testing.T) {
				t.Parallel()
				h := movertest.New(t)
				src := storageEnvs[from](t, h, "src")
				dst := storageEnvs[to](t, h, "dst")
				movertest.Buckets(t, src, "pairs")
				for _, o := range s3Set(false) {
					o.obj.Size = int64(len(o.body))
					o.obj.ModTime = movertest.T0
					if _, err := src.Put(t.Context(), "pairs", o.obj, bytes.NewReader(o.body)); err != nil {
						t.Fatalf("put %s: %v", o.obj.Key, err)
					}
				}
				// An object of someone else's already at the destination
				// must survive the move and its rollback.
				movertest.Buckets(t, dst, "pairs")
				movertest.Put(t, dst, "pairs", providers.Object{Key: "theirs.txt", ContentType: "text/plain"}, "not rehome's")
				before := snapshot(t, src, "pairs")
				dstBefore := snapshot(t, dst, "pairs")

				cfg := h.Config(btStorageMove("m", "src", "dst", nil))
				p := h.Apply(cfg)
				for _, f := range p.Audit {
					if f.Severity == planner.SevBlocker {
						t.Errorf("blocker: %s: %s", f.Code, f.Message)
					}
				}
				after := snapshot(t, dst, "pairs")
				delete(after, "theirs.txt")
				caps := func(env string) providers.StorageCaps {
					f, _ := h.Reg.Get(h.Envs[env].Provider)
					return f.Caps.Storage
				}
				carried(t, before, after, caps("src"), caps("dst"))

				if a := objectsAction(t, h.Plan(cfg), "pairs"); a.Action != planner.ActNoop {
					t.Errorf("re-plan: %s (%s)", a.Action, a.Reason)
				}
				h.Rollback(cfg)
				if d := cmp.Diff(dstBefore, snapshot(t, dst, "pairs")); d != "" {
					t.Errorf("destination after rollback (-before +after):\n%s", d)
				}
				if d := cmp.Diff(before, snapshot(t, src, "pairs")); d != "" {
					t.Errorf("source changed (-before +after):\n%s", d)
				}
			})
		}
	}
}
