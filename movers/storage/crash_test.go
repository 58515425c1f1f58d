package storage_test

// Crash-window tests (crash_*_test.go): a memory provider wrapped to fail
// calls before or after they take effect — a lost response leaves the same
// durable state as kill -9 between a write and its record — drives the
// ownership rules through every window the executor has. Each test names
// the guarantee it holds.

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/state"
)

// --- objects: bucket "data", key a.txt, from memory "cloud" to faulty "dst"
type objectCase struct {
	h        *movertest.Harness
	src, dst *memory.Provider
	hooks    *movertest.FaultHooks
	m        *lang.Move
}

// newObjectCase seeds the source's a.txt with srcBody and, when foreign is
// not "", the destination's with a foreign object.
func newObjectCase(t *testing.T, srcBody, foreign string, sm *storage.Settings) *objectCase {
	h := movertest.New(t)
	c := &objectCase{h: h, src: h.Mem("cloud")}
	c.dst, c.hooks = h.Faulty("dst")
	movertest.Buckets(t, c.src, "data")
	movertest.Put(t, c.src, "data", movertest.Obj("a.txt"), srcBody)
	if foreign != "" {
		movertest.Buckets(t, c.dst, "data")
		movertest.Put(t, c.dst, "data", movertest.Obj("a.txt"), foreign)
	}
	c.m = btStorageMove("data", "cloud", "dst", sm)
	return c
}

func (c *objectCase) setSource(t *testing.T, body string, mtime time.Time) {
	t.Helper()
	movertest.Put(t, c.src, "data", providers.Object{Key: "a.txt", ModTime: mtime}, body)
}

func (c *objectCase) setDest(t *testing.T, body string, mtime time.Time) {
	t.Helper()
	movertest.Put(t, c.dst, "data", providers.Object{Key: "a.txt", ModTime: mtime}, body)
}

func (c *objectCase) dest(t *testing.T) string {
	t.Helper()
	got, ok := movertest.Contents(t, c.dst, "data")["a.txt"]
	if !ok {
		return "<absent>"
	}
	return got
}

// A replace that failed before writing claims nothing: someone's later
// write at the key is a conflict (overwrite now off) and is kept.
func TestCrashFailedReplaceClaimsNothing(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "source", "X-foreign", nil)
	c.m.Overwrite = true
	c.hooks.PutBefore["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	c.setDest(t, "Z-someone", movertest.At(1))
	c.m.Overwrite = false
	movertest.FindingByCode(t, c.h.Plan(c.h.Config(c.m)), "storage.dest_conflict")
	if err := c.h.ApplyErr(c.h.Config(c.m)); err == nil {
		t.Fatal("apply went ahead over a conflict")
	}
	if got := c.dest(t); got != "Z-someone" {
		t.Errorf("foreign Z replaced with overwrite off: a.txt = %q", got)
	}
}

// A replace that landed (response lost), then someone's write at the key:
// rollback keeps their write and says the original stays in the backups.
func TestCrashRollbackKeepsLaterForeignWrite(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "source", "X-foreign", nil)
	c.m.Overwrite = true
	c.hooks.PutAfter["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	c.setDest(t, "Z-someone", movertest.At(1))
	err := c.h.RollbackErr(c.h.Config(c.m))
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
	t.Parallel()
	c := newObjectCase(t, "v1", "", nil)
	c.hooks.PutAfter["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	c.h.Apply(c.h.Config(c.m))
	c.setSource(t, "v2", movertest.At(1))
	for _, f := range c.h.Plan(c.h.Config(c.m)).Audit {
		if f.Code == "storage.dest_conflict" {
			t.Errorf("rehome's own copy is a conflict: %s", f.Message)
		}
	}
}

// A re-copy of a key rehome owns whose response was lost still counts as
// rehome's: rollback restores the original it replaced first.
func TestCrashLostRecopyKeepsOriginal(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "v1", "X-original", nil)
	c.m.Overwrite = true
	c.h.Apply(c.h.Config(c.m))
	c.setSource(t, "v2", movertest.At(1))
	c.hooks.PutAfter["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	c.h.Apply(c.h.Config(c.m))
	c.h.Rollback(c.h.Config(c.m))
	if got := c.dest(t); got != "X-original" {
		t.Errorf("after rollback a.txt = %q; want the original X", got)
	}
}

// The same for an object rehome created: rollback removes it (and so the
// bucket) without error.
func TestCrashLostRecopyOfCreatedRollsBack(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "v1", "", nil)
	c.h.Apply(c.h.Config(c.m))
	c.setSource(t, "v2", movertest.At(1))
	c.hooks.PutAfter["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	c.h.Apply(c.h.Config(c.m))
	if err := c.h.RollbackErr(c.h.Config(c.m)); err != nil {
		t.Fatalf("rollback after a lost write response: %v", err)
	}
}

// kill -9 within the flusher's window after a re-copy leaves the intent
// made before the write (the earlier record, unconfirmed): the re-run
// settles it and rollback still restores the original.
func TestCrashKillInFlushWindowKeepsOriginal(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "v1", "X-original", nil)
	h := c.h
	c.m.Overwrite = true
	h.Apply(h.Config(c.m))
	st := state.Open(filepath.Join(h.Dir, "state"))
	scope := storage.Scope("move.storage.data", "data", "memory:dst", "data")
	withProg := func(fn func(p *state.Progress)) {
		p, err := st.OpenProgress(h.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		fn(p)
	}
	var rec1 storage.ObjectRecord
	withProg(func(p *state.Progress) {
		if ok, err := p.Get(h.Ctx, scope, "a.txt", &rec1); !ok || err != nil {
			t.Fatalf("no record: %v", err)
		}
	})
	c.setSource(t, "v2", movertest.At(1))
	h.Apply(h.Config(c.m))
	withProg(func(p *state.Progress) { // what a kill in the flush window leaves durable
		rec := rec1
		rec.State = storage.ItemWriting
		if err := p.Put(h.Ctx, scope, "a.txt", rec); err != nil {
			t.Fatal(err)
		}
	})
	h.Apply(h.Config(c.m))
	h.Rollback(h.Config(c.m))
	if got := c.dest(t); got != "X-original" {
		t.Errorf("after a kill in the flush window, re-apply and rollback, a.txt = %q; want X", got)
	}
}

// A replace whose response was lost, then a source change: the original
// is kept, with or without a re-apply in between.
func TestCrashLostReplaceThenSourceChangeKeepsOriginal(t *testing.T) {
	t.Parallel()
	for _, reapply := range []bool{true, false} {
		c := newObjectCase(t, "S1-source", "X-foreign-original", nil)
		c.m.Overwrite = true
		c.hooks.PutAfter["a.txt"] = 1
		c.h.FailApply(t, c.h.Config(c.m))
		c.setSource(t, "S2-source", movertest.At(1))
		if reapply {
			c.h.Apply(c.h.Config(c.m))
		}
		if err := c.h.RollbackErr(c.h.Config(c.m)); err != nil {
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
	t.Parallel()
	c := newObjectCase(t, "S1", "", nil)
	c.hooks.PutAfter["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	c.setSource(t, "S2", movertest.At(1))
	if err := c.h.RollbackErr(c.h.Config(c.m)); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := movertest.Contents(t, c.dst, "data"); got != nil {
		t.Errorf("after rollback the bucket rehome created still holds %v", got)
	}
}

// A create whose response was lost, then the source object is deleted:
// the next copy removes rehome's copy (the destination mirrors the source).
func TestCrashLostCreateThenSourceDeleteIsRemoved(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "S1", "", nil)
	movertest.Put(t, c.src, "data", movertest.Obj("b.txt"), "B")
	c.hooks.PutAfter["a.txt"] = 1
	c.h.FailApply(t, c.h.Config(c.m))
	if err := c.src.Delete(c.h.Ctx, "data", "a.txt"); err != nil {
		t.Fatal(err)
	}
	c.h.Apply(c.h.Config(c.m))
	if got := c.dest(t); got != "<absent>" {
		t.Errorf("rehome's copy of a.txt (gone from the source) not removed: %q", got)
	}
	if err := c.h.RollbackErr(c.h.Config(c.m)); err != nil {
		t.Fatalf("rollback: %v", err)
	}
}

// In checksum mode a failed write never counts as landed on size and time
// alone (reproducible builds stamp equal times on different content):
// neither for a foreign object nor for rehome's own earlier copy.
func TestCrashSameTimeIsNotProofOfWrite(t *testing.T) {
	t.Parallel()
	t.Run("foreign", func(t *testing.T) {
		c := newObjectCase(t, "AAAA", "BBBB", &storage.Settings{Verify: "checksum"})
		c.m.Overwrite = true
		c.hooks.PutBefore["a.txt"] = 1
		c.h.FailApply(t, c.h.Config(c.m))
		c.h.Apply(c.h.Config(c.m))
		if got := c.dest(t); got != "AAAA" {
			t.Errorf("a.txt = %q after apply, source is AAAA", got)
		}
	})
	t.Run("rewrite", func(t *testing.T) {
		c := newObjectCase(t, "AAAA", "", &storage.Settings{Verify: "checksum"})
		c.h.Apply(c.h.Config(c.m))
		c.setSource(t, "CCCC", movertest.T0) // same size, same time
		c.hooks.PutBefore["a.txt"] = 1
		_ = c.h.ApplyErr(c.h.Config(c.m)) // fails, unless the change was not seen
		c.h.Apply(c.h.Config(c.m))
		if got := c.dest(t); got != "CCCC" {
			t.Errorf("a.txt = %q after apply, source is CCCC", got)
		}
	})
}

// A source rewritten within the same second (local listings carry no
// checksums) is copied again: the record's nanosecond time shows the change.
func TestCrashSameSecondRewriteIsCopied(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Local("disk"), h.Local("disk2")
	movertest.Buckets(t, src, "data")
	movertest.Put(t, src, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0}, "aaaa")
	m := btStorageMove("data", "disk", "disk2", &storage.Settings{Verify: "checksum"})
	h.Apply(h.Config(m))
	movertest.Put(t, src, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0.Add(500 * time.Millisecond)}, "bbbb")
	h.Apply(h.Config(m))
	if got := movertest.Contents(t, dst, "data")["a.txt"]; got != "bbbb" {
		t.Errorf("a.txt = %q after apply, source is bbbb", got)
	}
}

// An orphan is re-checked before removal: an object someone writes at the
// key during the copy is kept.
func TestCrashOrphanRecheckedBeforeRemoval(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "v1", "", nil)
	movertest.Put(t, c.src, "data", movertest.Obj("gone.txt"), "old")
	c.h.Apply(c.h.Config(c.m))
	if err := c.src.Delete(c.h.Ctx, "data", "gone.txt"); err != nil {
		t.Fatal(err)
	}
	c.setSource(t, "v2", movertest.At(1))
	c.hooks.OnPut = func(key string) {
		if key == "a.txt" { // during the copy, someone writes gone.txt
			c.hooks.OnPut = nil
			movertest.Put(t, c.dst, "data", providers.Object{Key: "gone.txt", ModTime: movertest.At(2)}, "someone's new file")
		}
	}
	c.h.Apply(c.h.Config(c.m))
	if _, ok := movertest.Contents(t, c.dst, "data")["gone.txt"]; !ok {
		t.Errorf("a foreign object written during the copy was removed as an orphan")
	}
}

// An identical re-upload over rehome's replacement keeps the original's
// backup: rollback restores the original.
func TestCrashIdenticalReuploadKeepsBackup(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "S1", "X-original", nil)
	c.m.Overwrite = true
	c.h.Apply(c.h.Config(c.m))
	c.setDest(t, "S1", movertest.At(1))
	c.h.Apply(c.h.Config(c.m))
	if err := c.h.RollbackErr(c.h.Config(c.m)); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := c.dest(t); got != "X-original" {
		t.Errorf("after rollback a.txt = %q; want the original X", got)
	}
}

// A bucket create cut short after its journal begin is not claimed: a
// bucket someone else made meanwhile survives rollback.
func TestCrashInterruptedCreateIsNotClaimed(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Put(t, src, "data", movertest.Obj("a.txt"), "v1")
	cfg := h.Config(btStorageMove("data", "cloud", "dst", nil))
	s := h.Open(cfg, "apply")
	p, err := s.Plan(h.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := movertest.ActionAt(t, p, `move.storage.data.bucket["data"]`)
	undo := state.Undo{Description: a.Undo, Move: a.Move, Kind: string(a.Kind), Type: a.Type, From: a.From, To: a.To, Params: a.Params}
	if _, err := s.Journal.Begin(h.Ctx, "apply", a.Address, string(a.Action), string(a.Phase), undo); err != nil {
		t.Fatal(err)
	}
	s.Close()                         // the process dies here
	movertest.Buckets(t, dst, "data") // someone else creates the bucket
	h.Rollback(cfg)
	if bs, _ := dst.Buckets(h.Ctx); len(bs) == 0 {
		t.Errorf("rollback deleted a bucket rehome never created")
	}
}

// A transient failure before the write takes effect is retried, and the
// retry writes the object once.
func TestRetryTransientWriteFailure(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "source", "", nil)
	c.hooks.Transient = true
	c.hooks.PutBefore["a.txt"] = 2
	p := c.h.Apply(c.h.Config(c.m))
	if got := c.dest(t); got != "source" {
		t.Fatalf("a.txt = %q after retries, want the source's", got)
	}
	if n := c.h.Store.KeyWrites("dst", "data", "a.txt"); n != 1 {
		t.Errorf("a.txt written %d times, want once", n)
	}
	s := c.h.Open(c.h.Config(c.m), "plan")
	var retries int64
	for _, e := range s.State().Journal {
		if e.Address == `move.storage.data.objects["data"]` {
			retries += e.Result.Retries
		}
	}
	s.Close()
	if retries != 2 {
		t.Errorf("the copy's journal entry records %d retries, want 2", retries)
	}
	if again := c.h.Plan(c.h.Config(c.m)); again.Summary.Changes != 0 || p.Summary.Changes == 0 {
		t.Errorf("changes: first plan %d, re-plan %d; want some, then none", p.Summary.Changes, again.Summary.Changes)
	}
}

// A write whose response was lost is retried as a create-only-if-absent,
// which then finds the key taken: rehome's own write landed, proven by
// content, so the object is rehome's (rollback removes it), not a foreign
// one that appeared.
func TestRetryAfterLostCreateResponseClaimsOwnWrite(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "source", "", nil)
	c.hooks.Transient = true
	c.hooks.PutAfter["a.txt"] = 1
	c.h.Apply(c.h.Config(c.m))
	if n := c.h.Store.KeyWrites("dst", "data", "a.txt"); n != 1 {
		t.Errorf("a.txt written %d times, want once", n)
	}
	if again := c.h.Plan(c.h.Config(c.m)); again.Summary.Changes != 0 {
		t.Errorf("re-plan has %d changes; the landed write was not recorded as rehome's", again.Summary.Changes)
	}
	c.h.Rollback(c.h.Config(c.m))
	if got := c.dest(t); got != "<absent>" {
		t.Errorf("after rollback a.txt = %q; rehome's own write should be gone", got)
	}
}

// A retried create that finds the key taken by someone else's object
// claims nothing: the copy fails naming it, and the object survives
// rollback.
func TestRetryFindingForeignObjectClaimsNothing(t *testing.T) {
	t.Parallel()
	c := newObjectCase(t, "source", "", nil)
	c.hooks.Transient = true
	c.hooks.PutBefore["a.txt"] = 1
	// Between the failed attempt and the retry, someone writes the key.
	c.hooks.OnFail = func(string) { c.setDest(t, "someone else's", movertest.At(2)) }
	if err := c.h.ApplyErr(c.h.Config(c.m)); err == nil || !strings.Contains(err.Error(), "appeared at the destination") {
		t.Fatalf("apply = %v; want it to refuse the object that appeared", err)
	}
	// The bucket rehome created now holds someone's object: rollback keeps
	// both, and says so.
	if err := c.h.RollbackErr(c.h.Config(c.m)); err == nil || !strings.Contains(err.Error(), "holds objects rehome did not write") {
		t.Errorf("rollback = %v; want it to keep the bucket holding a foreign object", err)
	}
	if got := c.dest(t); got != "someone else's" {
		t.Errorf("after rollback a.txt = %q; the foreign object must stay", got)
	}
}
