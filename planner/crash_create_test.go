package planner_test

import (
	"testing"

	"github.com/rehome/rehome/state"
)

// J: kill -9 after Journal.Begin of a bucket create and before the
// CreateBucket call; someone else then creates the (empty) bucket.
// reconcile (on apply) / created() (on rollback) take it for rehome's.
func TestCrashBegunCreateClaimsForeignBucket(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "v1")
	m := btStorageMove("data", "cloud", "dst", nil)
	cfg := h.config(m)
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
	bs, _ := dst.Buckets(h.ctx)
	if len(bs) == 0 {
		t.Errorf("rollback deleted a bucket rehome never created")
	}
}
