package planner_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/state"
)

// TestStreamRecords: records come in key byte order across pages (more
// than one page of 1,024), only from their scope, and stop when asked.
func TestStreamRecords(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p, err := state.Open(filepath.Join(t.TempDir(), "st")).OpenProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const n = 2500
	items := map[string]any{}
	for i := range n {
		items[fmt.Sprintf("k/%05d", i)] = i
	}
	items["k-"] = -1 // '-' sorts before '/'
	if err := p.PutMany(ctx, "s", items); err != nil {
		t.Fatal(err)
	}
	if err := p.PutMany(ctx, "other", map[string]any{"k/00001": 99, "zz": 99}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for r, err := range planner.StreamRecords[int](ctx, p, "s") {
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 0 && r.Key <= keys[len(keys)-1] {
			t.Fatalf("%q after %q", r.Key, keys[len(keys)-1])
		}
		if want := items[r.Key]; r.Value != want {
			t.Fatalf("%s = %d, want %v", r.Key, r.Value, want)
		}
		keys = append(keys, r.Key)
	}
	if len(keys) != n+1 || keys[0] != "k-" || keys[n] != fmt.Sprintf("k/%05d", n-1) {
		t.Fatalf("%d keys, first %q, last %q", len(keys), keys[0], keys[len(keys)-1])
	}
	seen := 0
	for range planner.StreamRecords[int](ctx, p, "s") {
		if seen++; seen == 1500 {
			break
		}
	}
	for _, err := range planner.StreamRecords[int](ctx, p, "none") {
		t.Fatalf("an empty scope yielded: %v", err)
	}
	for _, err := range planner.StreamRecords[string](ctx, p, "s") {
		if err == nil {
			t.Fatal("a record of the wrong shape decoded")
		}
		break
	}
}
