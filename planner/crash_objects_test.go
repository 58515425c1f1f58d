package planner_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// A replace that failed before writing claims nothing: someone's later
// write at the key is a conflict (overwrite now off) and is kept.
func TestCrashFailedReplaceClaimsNothing(t *testing.T) {
	c := newObjectCase(t, "source", "X-foreign", nil)
	c.m.Overwrite = true
	c.hooks.putBefore["a.txt"] = 1
	c.h.failApply(t, c.m)
	c.setDest(t, "Z-someone", at(1))
	c.m.Overwrite = false
	btFindingByCode(t, c.h.plan(c.h.config(c.m)), "storage.dest_conflict")
	if err := c.h.applyErr(c.h.config(c.m)); err == nil {
		t.Fatal("apply went ahead over a conflict")
	}
	if got := c.dest(t); got != "Z-someone" {
		t.Errorf("foreign Z replaced with overwrite off: a.txt = %q", got)
	}
}

// A replace that landed (response lost), then someone's write at the key:
// rollback keeps their write and says the original stays in the backups.
func TestCrashRollbackKeepsLaterForeignWrite(t *testing.T) {
	c := newObjectCase(t, "source", "X-foreign", nil)
	c.m.Overwrite = true
	c.hooks.putAfter["a.txt"] = 1
	c.h.failApply(t, c.m)
	c.setDest(t, "Z-someone", at(1))
	err := c.h.rollbackErr(c.m)
	if err == nil || !strings.Contains(err.Error(), "originals stay in the state's backups") {
		t.Errorf("rollback = %v; want it to keep Z and say where the original is", err)
	}
	if got := c.dest(t); got != "Z-someone" {
		t.Errorf("rollback replaced foreign Z written after rehome: a.txt = %q", got)
	}
}

// A create whose response was lost is adopted on the next run, so rehome's
// own copy is never a conflict later.
func TestCrashLostCreateIsAdopted(t *testing.T) {
	c := newObjectCase(t, "v1", "", nil)
	c.hooks.putAfter["a.txt"] = 1
	c.h.failApply(t, c.m)
	c.h.apply(c.h.config(c.m))
	c.setSource(t, "v2", at(1))
	for _, f := range c.h.plan(c.h.config(c.m)).Audit {
		if f.Code == "storage.dest_conflict" {
			t.Errorf("rehome's own copy is a conflict: %s", f.Message)
		}
	}
}

// A re-copy of a key rehome owns whose response was lost still counts as
// rehome's: rollback restores the original it replaced first.
func TestCrashLostRecopyKeepsOriginal(t *testing.T) {
	c := newObjectCase(t, "v1", "X-original", nil)
	c.m.Overwrite = true
	c.h.apply(c.h.config(c.m))
	c.setSource(t, "v2", at(1))
	c.hooks.putAfter["a.txt"] = 1
	c.h.failApply(t, c.m)
	c.h.apply(c.h.config(c.m))
	c.h.rollback(c.h.config(c.m))
	if got := c.dest(t); got != "X-original" {
		t.Errorf("after rollback a.txt = %q; want the original X", got)
	}
}

// The same for an object rehome created: rollback removes it (and so the
// bucket) without error.
func TestCrashLostRecopyOfCreatedRollsBack(t *testing.T) {
	c := newObjectCase(t, "v1", "", nil)
	c.h.apply(c.h.config(c.m))
	c.setSource(t, "v2", at(1))
	c.hooks.putAfter["a.txt"] = 1
	c.h.failApply(t, c.m)
	c.h.apply(c.h.config(c.m))
	if err := c.h.rollbackErr(c.m); err != nil {
		t.Fatalf("rollback after a lost write response: %v", err)
	}
}

// kill -9 within the flusher's window after a re-copy leaves the intent
// made before the write (the earlier record, unconfirmed): the re-run
// settles it and rollback still restores the original.
func TestCrashKillInFlushWindowKeepsOriginal(t *testing.T) {
	c := newObjectCase(t, "v1", "X-original", nil)
	h := c.h
	c.m.Overwrite = true
	h.apply(h.config(c.m))
	st := state.Open(filepath.Join(h.dir, "state"))
	scope := planner.StorageScope("move.storage.data", "data", "memory:dst", "data")
	withProg := func(fn func(p *state.Progress)) {
		p, err := st.OpenProgress(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		fn(p)
	}
	var rec1 planner.ObjectRecord
	withProg(func(p *state.Progress) {
		if ok, err := p.Get(h.ctx, scope, "a.txt", &rec1); !ok || err != nil {
			t.Fatalf("no record: %v", err)
		}
	})
	c.setSource(t, "v2", at(1))
	h.apply(h.config(c.m))
	withProg(func(p *state.Progress) { // what a kill in the flush window leaves durable
		rec := rec1
		rec.State = planner.ItemWriting
		if err := p.Put(h.ctx, scope, "a.txt", rec); err != nil {
			t.Fatal(err)
		}
	})
	h.apply(h.config(c.m))
	h.rollback(h.config(c.m))
	if got := c.dest(t); got != "X-original" {
		t.Errorf("after a kill in the flush window, re-apply and rollback, a.txt = %q; want X", got)
	}
}

// A replace whose response was lost, then a source change: the original
// is kept, with or without a re-apply in between.
func TestCrashLostReplaceThenSourceChangeKeepsOriginal(t *testing.T) {
	for _, reapply := range []bool{true, false} {
		c := newObjectCase(t, "S1-source", "X-foreign-original", nil)
		c.m.Overwrite = true
		c.hooks.putAfter["a.txt"] = 1
		c.h.failApply(t, c.m)
		c.setSource(t, "S2-source", at(1))
		if reapply {
			c.h.apply(c.h.config(c.m))
		}
		if err := c.h.rollbackErr(c.m); err != nil {
			t.Errorf("re-apply %v: rollback: %v", reapply, err)
		}
		if got := c.dest(t); got != "X-foreign-original" {
			t.Errorf("re-apply %v: after rollback a.txt = %q; want the original X", reapply, got)
		}
	}
}

// A create whose response was lost, then a source change: rollback still
// removes rehome's copy and the bucket it created.
func TestCrashLostCreateThenSourceChangeRollsBack(t *testing.T) {
	c := newObjectCase(t, "S1", "", nil)
	c.hooks.putAfter["a.txt"] = 1
	c.h.failApply(t, c.m)
	c.setSource(t, "S2", at(1))
	if err := c.h.rollbackErr(c.m); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := btContents(t, c.dst, "data"); got != nil {
		t.Errorf("after rollback the bucket rehome created still holds %v", got)
	}
}

// A create whose response was lost, then the source object is deleted:
// the next copy removes rehome's copy (the destination mirrors the source).
func TestCrashLostCreateThenSourceDeleteIsRemoved(t *testing.T) {
	c := newObjectCase(t, "S1", "", nil)
	btPut(t, c.src, "data", btObj("b.txt"), "B")
	c.hooks.putAfter["a.txt"] = 1
	c.h.failApply(t, c.m)
	if err := c.src.Delete(c.h.ctx, "data", "a.txt"); err != nil {
		t.Fatal(err)
	}
	c.h.apply(c.h.config(c.m))
	if got := c.dest(t); got != "<absent>" {
		t.Errorf("rehome's copy of a.txt (gone from the source) not removed: %q", got)
	}
	if err := c.h.rollbackErr(c.m); err != nil {
		t.Fatalf("rollback: %v", err)
	}
}

// In checksum mode a failed write never counts as landed on size and time
// alone (reproducible builds stamp equal times on different content):
// neither for a foreign object nor for rehome's own earlier copy.
func TestCrashSameTimeIsNotProofOfWrite(t *testing.T) {
	t.Run("foreign", func(t *testing.T) {
		c := newObjectCase(t, "AAAA", "BBBB", &lang.StorageMove{Verify: "checksum"})
		c.m.Overwrite = true
		c.hooks.putBefore["a.txt"] = 1
		c.h.failApply(t, c.m)
		c.h.apply(c.h.config(c.m))
		if got := c.dest(t); got != "AAAA" {
			t.Errorf("a.txt = %q after apply, source is AAAA", got)
		}
	})
	t.Run("rewrite", func(t *testing.T) {
		c := newObjectCase(t, "AAAA", "", &lang.StorageMove{Verify: "checksum"})
		c.h.apply(c.h.config(c.m))
		c.setSource(t, "CCCC", btTime) // same size, same time
		c.hooks.putBefore["a.txt"] = 1
		_ = c.h.applyErr(c.h.config(c.m)) // fails, unless the change was not seen
		c.h.apply(c.h.config(c.m))
		if got := c.dest(t); got != "CCCC" {
			t.Errorf("a.txt = %q after apply, source is CCCC", got)
		}
	})
}

// A source rewritten within the same second (local listings carry no
// checksums) is copied again: the record's nanosecond time shows the change.
func TestCrashSameSecondRewriteIsCopied(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.local("disk"), h.local("disk2")
	btBuckets(t, src, "data")
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime}, "aaaa")
	m := btStorageMove("data", "disk", "disk2", &lang.StorageMove{Verify: "checksum"})
	h.apply(h.config(m))
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(500 * time.Millisecond)}, "bbbb")
	h.apply(h.config(m))
	if got := btContents(t, dst, "data")["a.txt"]; got != "bbbb" {
		t.Errorf("a.txt = %q after apply, source is bbbb", got)
	}
}

// An orphan is re-checked before removal: an object someone writes at the
// key during the copy is kept.
func TestCrashOrphanRecheckedBeforeRemoval(t *testing.T) {
	c := newObjectCase(t, "v1", "", nil)
	btPut(t, c.src, "data", btObj("gone.txt"), "old")
	c.h.apply(c.h.config(c.m))
	if err := c.src.Delete(c.h.ctx, "data", "gone.txt"); err != nil {
		t.Fatal(err)
	}
	c.setSource(t, "v2", at(1))
	c.hooks.onPut = func(key string) {
		if key == "a.txt" { // during the copy, someone writes gone.txt
			c.hooks.onPut = nil
			btPut(t, c.dst, "data", providers.Object{Key: "gone.txt", ModTime: at(2)}, "someone's new file")
		}
	}
	c.h.apply(c.h.config(c.m))
	if _, ok := btContents(t, c.dst, "data")["gone.txt"]; !ok {
		t.Errorf("a foreign object written during the copy was removed as an orphan")
	}
}

// An identical re-upload over rehome's replacement keeps the original's
// backup: rollback restores the original.
func TestCrashIdenticalReuploadKeepsBackup(t *testing.T) {
	c := newObjectCase(t, "S1", "X-original", nil)
	c.m.Overwrite = true
	c.h.apply(c.h.config(c.m))
	c.setDest(t, "S1", at(1))
	c.h.apply(c.h.config(c.m))
	if err := c.h.rollbackErr(c.m); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := c.dest(t); got != "X-original" {
		t.Errorf("after rollback a.txt = %q; want the original X", got)
	}
}

// A bucket create cut short after its journal begin is not claimed: a
// bucket someone else made meanwhile survives rollback.
func TestCrashInterruptedCreateIsNotClaimed(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	cfg := h.config(btStorageMove("data", "cloud", "dst", nil))
	s := h.open(cfg, "apply")
	p, err := s.Plan(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := btActionAt(t, p, `move.storage.data.bucket["data"]`)
	params := map[string]string{"bucket": "data", "move": a.Move, "kind": string(a.Kind), "type": a.Type,
		"from_env": a.From.Env, "from": a.From.Name, "from_id": a.From.ID, "to_env": a.To.Env, "to": a.To.Name, "to_id": a.To.ID}
	if _, err := s.Journal.Begin(h.ctx, "apply", a.Address, string(a.Action), string(a.Phase), state.Undo{Description: a.Undo, Params: params}); err != nil {
		t.Fatal(err)
	}
	s.Close()                 // the process dies here
	btBuckets(t, dst, "data") // someone else creates the bucket
	h.rollback(cfg)
	if bs, _ := dst.Buckets(h.ctx); len(bs) == 0 {
		t.Errorf("rollback deleted a bucket rehome never created")
	}
}
