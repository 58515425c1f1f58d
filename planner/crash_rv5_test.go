package planner_test

import (
	"testing"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// S1: rehome's confirmed secret; source rotates; the rewrite fails before
// writing. The record now carries only the new digest: rehome's own v1 is
// a conflict, and rollback leaves it behind.
func TestCrashSecretRewriteFailedBefore(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}}
	h.apply(h.config(m))
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v2")); err != nil {
		t.Fatal(err)
	}
	hooks.secretsBefore = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	for _, f := range btFindings(p) {
		if f.Code == "secrets.dest_conflict" {
			t.Errorf("rehome's own unchanged write is a conflict after a failed rewrite")
		}
	}
	rep := h.runner().Rollback(t, h.config(m))
	t.Logf("rollback: %+v", rep)
	if got := zzGetSec(t, dst, "K"); got != "<absent>" {
		t.Errorf("after rollback K = %q; rehome created it", got)
	}
}

// S2: same with a lost response twice (v1 lands, v2 fails before): the
// landed v1 is forgotten.
func TestCrashSecretLostThenFailedBefore(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}}
	hooks.secretsAfter = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v2")); err != nil {
		t.Fatal(err)
	}
	hooks.secretsBefore = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	rep := h.runner().Rollback(t, h.config(m))
	t.Logf("rollback: %+v", rep)
	if got := zzGetSec(t, dst, "K"); got != "<absent>" {
		t.Errorf("after rollback K = %q; rehome created it", got)
	}
}

// O1: checksum mode, foreign object with the source's size and mtime but
// other content (reproducible-build mtimes). Replace fails before the
// write; the next run takes the foreign object for rehome's landed write.
func TestCrashObjectFailedBeforeSameMTime(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "AAAA")
	btPut(t, dst, "data", btObj("a.txt"), "BBBB")
	m := btStorageMove("data", "cloud", "dst", &lang.StorageMove{Verify: "checksum"})
	m.Overwrite = true
	hooks.putBefore["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	p := h.apply(h.config(m))
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	t.Logf("%s: %s", cp.Action, cp.Reason)
	if got := btContents(t, dst, "data")["a.txt"]; got != "AAAA" {
		t.Errorf("destination a.txt = %q after apply, source is AAAA", got)
	}
}

// O2: rehome's own copy v1; source rewritten, same size & mtime; rewrite
// fails before the put; next run adopts the stale v1.
func TestCrashObjectRewriteFailedBeforeSameMTime(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "AAAA")
	m := btStorageMove("data", "cloud", "dst", &lang.StorageMove{Verify: "checksum"})
	h.apply(h.config(m))
	btPut(t, src, "data", btObj("a.txt"), "CCCC")
	hooks.putBefore["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Log("no failure: the source change was not seen")
	}
	h.apply(h.config(m))
	if got := btContents(t, dst, "data")["a.txt"]; got != "CCCC" {
		t.Errorf("destination a.txt = %q after apply, source is CCCC", got)
	}
}
