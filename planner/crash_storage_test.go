package planner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/providers"
)

// A: a replace whose write failed leaves {Backup, writing}; someone then
// writes Z at the key. With overwrite now off, rehome must not replace Z.
func TestCrashBackupWritingOverwritesForeign(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "source")
	btPut(t, dst, "data", btObj("a.txt"), "X-foreign")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	hooks.putBefore["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	// Someone else writes Z at the key.
	btPut(t, dst, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "Z-someone")
	m.Overwrite = false
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	err := h.applyErr(h.config(m))
	t.Logf("apply err: %v", err)
	if got := btContents(t, dst, "data")["a.txt"]; got != "Z-someone" {
		t.Errorf("overwrite off, foreign Z at a.txt replaced: now %q", got)
	}
}

// A2: same state, rollback: restores X over the foreign Z.
func TestCrashBackupWritingRollbackOverwritesForeign(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "source")
	btPut(t, dst, "data", btObj("a.txt"), "X-foreign")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	hooks.putAfter["a.txt"] = 1 // written, response lost
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	btPut(t, dst, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "Z-someone")
	// Rollback keeps Z and says the original stays in the backups, for the
	// user to decide: it does not report success over an open question.
	s := h.open(h.config(m), "rollback")
	rep, err := s.Rollback(h.ctx, false, engine.RunOptions{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "originals stay in the state's backups") {
		t.Errorf("rollback = %v; want it to keep Z and say where the original is", rep.Err())
	}
	if got := btContents(t, dst, "data")["a.txt"]; got != "Z-someone" {
		t.Errorf("rollback replaced foreign Z written after rehome: now %q", got)
	}
}

// B: a create whose write succeeded but was not recorded done (lost response
// or kill before the flusher) is never adopted when the listing carries
// checksums: the record stays "writing"; when the source changes, rehome's
// own copy is a foreign conflict.
func TestCrashPendingCreateNeverAdopted(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	_, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	m := btStorageMove("data", "cloud", "dst", nil)
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	p := h.apply(h.config(m))
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	t.Logf("re-apply: %s %s", cp.Action, cp.Reason)
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "v2")
	p = h.plan(h.config(m))
	for _, f := range p.Audit {
		if f.Code == "storage.dest_conflict" {
			t.Errorf("rehome's own copy is a conflict: %s", f.Message)
		}
	}
}

// C: an object rehome replaced (backup of foreign X) is re-copied after a
// source change; the write lands but its "done" record is lost (response
// lost, or kill -9 within the flusher's 200 ms). The stale Dst* fields make
// rehome's own copy look "changed by someone": rollback keeps it and drops
// X's backup.
func TestCrashStaleLeftLosesOriginal(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	btPut(t, dst, "data", btObj("a.txt"), "X-original")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	h.apply(h.config(m))
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "v2")
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	p := h.apply(h.config(m)) // re-run: reports everything in place
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	t.Logf("re-apply: %s %s", cp.Action, cp.Reason)
	rep := h.rollback(h.config(m))
	t.Logf("rollback: deleted %d restored %d", rep.Deleted, rep.Restored)
	if got := btContents(t, dst, "data")["a.txt"]; got != "X-original" {
		t.Errorf("rollback left a.txt = %q; the original X is lost", got)
	}
}

// C2: same as C for a created object in a bucket rehome created: rollback
// keeps rehome's copy and fails to delete the bucket.
func TestCrashStaleLeftCreated(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	m := btStorageMove("data", "cloud", "dst", nil)
	h.apply(h.config(m))
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "v2")
	hooks.putAfter["a.txt"] = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	h.apply(h.config(m))
	s := h.open(h.config(m), "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.ctx, false, zzRunOpts())
	if err == nil {
		err = rep.Err()
	}
	t.Logf("rollback err: %v", err)
	t.Logf("dst contents: %v", btContents(t, dst, "data"))
	if err != nil {
		t.Errorf("rollback fails after a lost write response")
	}
}
