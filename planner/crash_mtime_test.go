package planner_test

import (
	"testing"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// H: local source (no checksums in listings), checksum mode: a source
// object rehome copied is rewritten with the same size within the same
// second. The record proves the source changed (its ns mtime differs), yet
// SameObject falls back to second-granularity time and calls it in place.
func TestCrashSameSecondRewriteInPlace(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.local("disk"), h.local("disk2")
	btBuckets(t, src, "data")
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime}, "aaaa")
	m := btStorageMove("data", "disk", "disk2", &lang.StorageMove{Verify: "checksum"})
	h.apply(h.config(m))
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(500 * time.Millisecond)}, "bbbb")
	p := h.apply(h.config(m))
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	t.Logf("%s: %s", cp.Action, cp.Reason)
	if got := btContents(t, dst, "data")["a.txt"]; got != "bbbb" {
		t.Errorf("destination a.txt = %q after apply, source is bbbb; plan said %q", got, cp.Reason)
	}
}
