package planner_test

import (
	"testing"
	"time"

	"github.com/rehome/rehome/providers"
)

// G: orphans are chosen at diff time and deleted after the whole copy with
// an unconditional Delete: an object someone writes at the key meanwhile
// is deleted.
func TestCrashOrphanDeleteRace(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	btPut(t, src, "data", btObj("gone.txt"), "old")
	m := btStorageMove("data", "cloud", "dst", nil)
	h.apply(h.config(m))
	if err := src.Delete(h.ctx, "data", "gone.txt"); err != nil {
		t.Fatal(err)
	}
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "v2")
	hooks.onPut = func(key string) {
		if key == "a.txt" { // during the copy, someone writes gone.txt
			hooks.onPut = nil
			btPut(t, dst, "data", providers.Object{Key: "gone.txt", ModTime: btTime.Add(2 * time.Hour)}, "someone's new file")
		}
	}
	h.apply(h.config(m))
	if _, ok := btContents(t, dst, "data")["gone.txt"]; !ok {
		t.Errorf("foreign object written during the copy was deleted as an orphan")
	}
}
