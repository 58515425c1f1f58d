package planner_test

import (
	"testing"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

func (h *buildHarness) rbErr(m *lang.Move) error {
	s := h.open(h.config(m), "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.ctx, false, zzRunOpts())
	if err == nil {
		err = rep.Err()
	}
	return err
}

// R1: overwrite on, foreign X; replace write lands but response lost; the
// source changes before the next run; re-apply (overwrite still on) backs
// up rehome's own copy over X's backup; rollback restores rehome's copy.
func TestCrashBackupLostResponseThenSourceChange(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "S1-source")
	btPut(t, dst, "data", btObj("a.txt"), "X-foreign-original")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "S2-source")
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	h.apply(h.config(m))
	err := h.rbErr(m)
	t.Logf("rollback err: %v", err)
	if got := btContents(t, dst, "data")["a.txt"]; got != "X-foreign-original" {
		t.Errorf("after rollback a.txt = %q; want the original X", got)
	}
}

// R1b: same without overwrite: rehome's own copy is a conflict blocker;
// rollback keeps it (and X's backup).
func TestCrashBackupLostResponseThenSourceChangeRollback(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "S1-source")
	btPut(t, dst, "data", btObj("a.txt"), "X-foreign-original")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "S2-source")
	err := h.rbErr(m)
	t.Logf("rollback err: %v", err)
	if got := btContents(t, dst, "data")["a.txt"]; got != "X-foreign-original" {
		t.Errorf("after rollback a.txt = %q; want the original X", got)
	}
}

// R2: a created object whose write landed (response lost); the source
// changes; rollback leaves rehome's copy and cannot delete the bucket.
func TestCrashCreatedLostResponseThenSourceChange(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "S1")
	m := btStorageMove("data", "cloud", "dst", nil)
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "S2")
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	err := h.rbErr(m)
	t.Logf("rollback err: %v; dst=%v", err, btContents(t, dst, "data"))
	if c := btContents(t, dst, "data"); c != nil {
		t.Errorf("after rollback the bucket rehome created still holds %v", c)
	}
}

// R2b: same, source object deleted instead: never an orphan, rollback keeps.
func TestCrashCreatedLostResponseThenSourceDelete(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "S1")
	btPut(t, src, "data", btObj("b.txt"), "B")
	m := btStorageMove("data", "cloud", "dst", nil)
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	if err := src.Delete(h.ctx, "data", "a.txt"); err != nil {
		t.Fatal(err)
	}
	p := h.apply(h.config(m))
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	t.Logf("re-apply: %s %s", cp.Action, cp.Reason)
	if _, ok := btContents(t, dst, "data")["a.txt"]; ok {
		t.Errorf("rehome's copy of a.txt (gone from the source) not removed by the next copy")
	}
	err := h.rbErr(m)
	t.Logf("rollback err: %v; dst=%v", err, btContents(t, dst, "data"))
}

// R3: secrets: created, write lands with lost response; source rotates
// before any re-run; rollback leaves rehome's value at the destination.
func TestCrashSecretLostResponseThenSourceChange(t *testing.T) {
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
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	err := h.rbErr(m)
	t.Logf("rollback: %v", err)
	if got := zzGetSec(t, dst, "K"); got != "<absent>" {
		t.Errorf("after rollback K = %q at the destination; rehome created it", got)
	}
}

// R3b: with overwrite on, re-apply after the source change: Created lost.
func TestCrashSecretLostResponseThenSourceChangeOverwrite(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}, Overwrite: true}
	hooks.secretsAfter = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v2")); err != nil {
		t.Fatal(err)
	}
	h.apply(h.config(m))
	err := h.rbErr(m)
	t.Logf("rollback: %v", err)
	if got := zzGetSec(t, dst, "K"); got != "<absent>" {
		t.Errorf("after rollback K = %q at the destination; rehome created it", got)
	}
}

// R4: unversioned destination (local): a secret rehome created and someone
// then changed stays rehome's: overwritten without overwrite, deleted by rollback.
func TestCrashUnversionedSecretChangedStaysOurs(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst := h.local("disk")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "disk", Secrets: &lang.SecretsMove{}}
	h.apply(h.config(m))
	if _, err := dst.PutSecrets(h.ctx, zzSec("K", "changed-by-owner")); err != nil {
		t.Fatal(err)
	}
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	for _, a := range btActions(p) {
		t.Logf("action %+v", a)
	}
	err := h.rbErr(m)
	t.Logf("rollback: %v", err)
	if got := zzGetSec(t, dst, "K"); got != "changed-by-owner" {
		t.Errorf("after rollback K = %q; the owner's change was not kept", got)
	}
}
