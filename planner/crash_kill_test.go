package planner_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// C3: kill -9 within the flusher's 200 ms after re-copying an object rehome
// owns: the durable record is the intent made before the write (the earlier
// record, unconfirmed). Simulated by putting it back after the second apply.
func TestCrashKillInFlushWindow(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	btPut(t, dst, "data", btObj("a.txt"), "X-original")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	h.apply(h.config(m))
	st := state.Open(filepath.Join(h.dir, "state"))
	scope := planner.StorageScope("move.storage.data", "data", "memory:dst", "data")
	var rec1 planner.ObjectRecord
	withProg := func(fn func(p *state.Progress)) {
		p, err := st.OpenProgress(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		fn(p)
	}
	withProg(func(p *state.Progress) {
		if ok, err := p.Get(h.ctx, scope, "a.txt", &rec1); !ok || err != nil {
			t.Fatalf("no record: %v", err)
		}
	})
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "v2")
	h.apply(h.config(m))
	// What is durable after a kill in the flush window: the intent made
	// before the re-copy (the earlier record, marked unconfirmed).
	withProg(func(p *state.Progress) {
		rec := rec1
		rec.State = planner.ItemWriting
		if err := p.Put(h.ctx, scope, "a.txt", rec); err != nil {
			t.Fatal(err)
		}
	})
	h.apply(h.config(m)) // the re-run after the crash
	h.rollback(h.config(m))
	if got := btContents(t, dst, "data")["a.txt"]; got != "X-original" {
		ok, _ := st.HasBackup(h.ctx, scope, "a.txt")
		t.Logf("backup of X still in the state: %v", ok)
		t.Errorf("after kill in the flush window + re-apply + rollback, a.txt = %q; X lost", got)
	}
}
