package storage_test

// Tests of a storage move's own arguments: buckets, prefix, delete_extra
// (with its safety threshold), storage classes and archived objects.

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// TestBucketsAndPrefix: a buckets list picks buckets by name (a missing
// one is a blocker naming what exists); a prefix moves only the keys under
// it and leaves the destination's other keys alone.
func TestBucketsAndPrefix(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "media", "logs")
	movertest.Put(t, src, "media", movertest.Obj("img/a.png"), "a")
	movertest.Put(t, src, "media", movertest.Obj("img/b.png"), "bkt")
	movertest.Put(t, src, "media", movertest.Obj("raw/c.tif"), "c")
	movertest.Put(t, src, "logs", movertest.Obj("l1"), "l")
	movertest.Buckets(t, dst, "media")
	movertest.Put(t, dst, "media", movertest.Obj("keep/x"), "theirs")

	sm := &storage.Settings{Buckets: []string{"media", "nope"}, Prefix: "img/"}
	p := h.Plan(h.Config(btStorageMove("m", "cloud", "dst", sm)))
	f := movertest.FindingByCode(t, p, "storage.bucket_missing")
	if f.Severity != planner.SevBlocker || !strings.Contains(f.Message, `"nope"`) || !strings.Contains(f.Message, "logs") {
		t.Errorf("bucket_missing: %+v", f)
	}
	cp := movertest.ActionAt(t, p, `move.storage.m.objects["media"]`)
	if cp.Estimate.Items != 2 {
		t.Errorf("prefix: %d objects to copy, want 2 (%s)", cp.Estimate.Items, cp.Reason)
	}
	for _, a := range p.Actions {
		if a.From.Name == "logs" {
			t.Errorf("bucket logs is not in the list, yet %s plans it", a.Address)
		}
	}
	// Acknowledge the missing bucket and apply.
	sm.Buckets = []string{"media"}
	h.Apply(h.Config(btStorageMove("m", "cloud", "dst", sm)))
	want := map[string]string{"img/a.png": "a", "img/b.png": "bkt", "keep/x": "theirs"}
	if d := cmp.Diff(want, movertest.Contents(t, dst, "media")); d != "" {
		t.Errorf("destination (-want +got):\n%s", d)
	}
	// The keys outside the prefix are not "destination-only" noise.
	p = h.Plan(h.Config(btStorageMove("m", "cloud", "dst", sm)))
	if a := movertest.ActionAt(t, p, `move.storage.m.objects["media"]`); a.Action != planner.ActNoop {
		t.Errorf("re-plan: %s %s", a.Action, a.Reason)
	}
	for _, f := range p.Audit {
		if f.Code == "storage.dest_only" {
			t.Errorf("keys outside the prefix counted: %s", f.Message)
		}
	}
	h.Rollback(h.Config(btStorageMove("m", "cloud", "dst", sm)))
	if d := cmp.Diff(map[string]string{"keep/x": "theirs"}, movertest.Contents(t, dst, "media")); d != "" {
		t.Errorf("after rollback (-want +got):\n%s", d)
	}
}

// TestDeleteExtra: with delete_extra the plan warns which destination
// objects the cutover removes; the cutover removes them after backing
// each up, and rollback puts them back with their headers.
func TestDeleteExtra(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "bkt")
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5"} {
		movertest.Put(t, src, "bkt", movertest.Obj(k), "v-"+k)
	}
	movertest.Buckets(t, dst, "bkt")
	movertest.Put(t, dst, "bkt", providers.Object{Key: "stale", ContentType: "text/plain", CacheControl: "no-cache",
		ContentDisposition: "attachment", Metadata: map[string]string{"owner": "ops"}, Tags: map[string]string{"t": "1"}, ModTime: movertest.At(3)}, "old")
	cfg := h.Config(btStorageMove("m", "cloud", "dst", &storage.Settings{DeleteExtra: true}))
	p := h.Apply(cfg)
	f := movertest.FindingByCode(t, p, "storage.delete_extra")
	if f.Severity != planner.SevWarning || !strings.Contains(f.Message, "stale") || strings.Contains(f.Message, "-force") {
		t.Errorf("delete_extra finding: %+v", f)
	}
	if _, ok := movertest.Contents(t, dst, "bkt")["stale"]; !ok {
		t.Fatal("apply removed an extra object; only the cutover may")
	}
	h.Cutover(cfg)
	got := movertest.Contents(t, dst, "bkt")
	if _, ok := got["stale"]; ok || len(got) != 5 {
		t.Fatalf("after cutover: %v", got)
	}
	h.Force = true // rollback after a cutover
	h.Rollback(cfg)
	o, err := dst.Head(h.Ctx, "bkt", "stale")
	if err != nil {
		t.Fatalf("rollback did not restore the removed object: %v", err)
	}
	want := providers.Object{Key: "stale", Size: 3, ContentType: "text/plain", CacheControl: "no-cache", ContentDisposition: "attachment",
		Metadata: map[string]string{"owner": "ops"}, Tags: map[string]string{"t": "1"}, ModTime: movertest.At(3)}
	o.ETag, o.SHA256 = "", ""
	if d := cmp.Diff(want, o); d != "" {
		t.Errorf("restored object (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"stale": "old"}, movertest.Contents(t, dst, "bkt")); d != "" {
		t.Errorf("after rollback (-want +got):\n%s", d)
	}
}

// TestDeleteExtraThreshold: removing more than 30% of a bucket's objects
// is refused without -force, before anything is removed.
func TestDeleteExtraThreshold(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "bkt")
	movertest.Put(t, src, "bkt", movertest.Obj("k1"), "v")
	movertest.Buckets(t, dst, "bkt")
	for _, k := range []string{"x1", "x2", "x3"} {
		movertest.Put(t, dst, "bkt", movertest.Obj(k), "theirs")
	}
	cfg := h.Config(btStorageMove("m", "cloud", "dst", &storage.Settings{DeleteExtra: true}))
	p := h.Apply(cfg)
	if f := movertest.FindingByCode(t, p, "storage.delete_extra"); !strings.Contains(f.Message, "-force") {
		t.Errorf("the plan does not say the cutover needs -force: %s", f.Message)
	}
	err := h.CutoverErr(cfg)
	if err == nil || !strings.Contains(err.Error(), "3 of the 4 objects") || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("cutover: %v", err)
	}
	if n := len(movertest.Contents(t, dst, "bkt")); n != 4 {
		t.Fatalf("a refused cutover changed the bucket: %d objects", n)
	}
	h.Force = true
	h.Cutover(cfg)
	if d := cmp.Diff(map[string]string{"k1": "v"}, movertest.Contents(t, dst, "bkt")); d != "" {
		t.Errorf("after a forced cutover (-want +got):\n%s", d)
	}
}

// TestStorageClasses: objects in an archive class block the move (they
// cannot be read until restored; acknowledged, they are skipped); classes
// the destination lacks are warned about and written in its default.
func TestStorageClasses(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	h.Local("dst")
	movertest.Buckets(t, src, "bkt")
	movertest.Put(t, src, "bkt", providers.Object{Key: "cold", StorageClass: "DEEP_ARCHIVE"}, "zzz")
	movertest.Put(t, src, "bkt", providers.Object{Key: "ia", StorageClass: "STANDARD_IA"}, "ia")
	movertest.Put(t, src, "bkt", movertest.Obj("hot"), "hot")
	cfg := h.Config(btStorageMove("m", "cloud", "dst", nil))
	p := h.Plan(cfg)
	if f := movertest.FindingByCode(t, p, "storage.archived"); f.Severity != planner.SevBlocker || !strings.Contains(f.Message, "cold") {
		t.Errorf("archived: %+v", f)
	}
	if f := movertest.FindingByCode(t, p, "storage.class_mapped"); f.Severity != planner.SevWarning || !strings.Contains(f.Message, "STANDARD_IA") {
		t.Errorf("class_mapped: %+v", f)
	}
	if a := movertest.ActionAt(t, p, `move.storage.m.objects["bkt"]`); a.Estimate.Items != 2 {
		t.Errorf("%d objects to copy, want 2 (the archived one is not copied)", a.Estimate.Items)
	}
}

// TestPlanMeasuresSourceBuckets: discovery leaves a bucket's bytes to the
// move, whose diff lists it anyway; the plan's inventory carries them.
func TestPlanMeasuresSourceBuckets(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Local("src")
	h.Local("dst")
	movertest.Buckets(t, src, "media")
	movertest.Put(t, src, "media", movertest.Obj("a"), "12345")
	movertest.Put(t, src, "media", movertest.Obj("b/c"), "678")
	p := h.Plan(h.Config(btStorageMove("m", "src", "dst", nil)))
	mem := h.Mem("cloud")
	movertest.Buckets(t, mem, "arch")
	movertest.Put(t, mem, "arch", providers.Object{Key: "x", StorageClass: "GLACIER_IR"}, "x")
	movertest.Put(t, mem, "arch", providers.Object{Key: "y", StorageClass: "STANDARD_IA"}, "y")
	pm := h.Plan(h.Config(btStorageMove("m2", "cloud", "dst", nil)))
	classes := "none"
	for _, e := range pm.Environments {
		for _, r := range e.Resources {
			if e.Name == "cloud" && r.Name == "arch" {
				classes = r.Attrs["storage_classes"]
			}
		}
	}
	if classes != "GLACIER_IR,STANDARD_IA" {
		t.Errorf("classes in use: %q", classes)
	}
	for _, e := range p.Environments {
		if e.Name != "src" {
			continue
		}
		for _, r := range e.Resources {
			if r.Name == "media" {
				if want := (providers.Usage{Objects: 2, Bytes: 8}); r.Usage != want {
					t.Errorf("usage %+v, want %+v", r.Usage, want)
				}
				return
			}
		}
	}
	t.Fatal("no bucket media in the source inventory")
}
