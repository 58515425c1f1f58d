package planner_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
)

// TestRetargetedMoveTreatsNewPlaceAsForeign: after an apply, pointing the
// move at another destination bucket (a new rename) must not carry rehome's
// ownership over: the new bucket's objects are foreign (conflicts, never
// removals), and rollback undoes both places correctly.
func TestRetargetedMoveTreatsNewPlaceAsForeign(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "new a")
	btPut(t, src, "data", btObj("old.txt"), "old")
	move := func(to string) *lang.Move {
		return btStorageMove("data", "cloud", "dst", &lang.StorageMove{Rename: map[string]string{"data": to}, Verify: "checksum"})
	}
	h.apply(h.config(move("data-one")))

	if err := src.Delete(h.ctx, "data", "old.txt"); err != nil {
		t.Fatal(err)
	}
	btBuckets(t, dst, "data-two")
	btPut(t, dst, "data-two", btObj("a.txt"), "foreign a")
	btPut(t, dst, "data-two", btObj("old.txt"), "foreign old")

	cfg := h.config(move("data-two"))
	p := h.plan(cfg)
	bucket := btActionAt(t, p, `move.storage.data.bucket["data"]`)
	if bucket.Reason != "already exists at the destination" {
		t.Errorf("bucket data-two: %q, want it seen as foreign", bucket.Reason)
	}
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	if cp.Estimate.Removals != 0 {
		t.Errorf("the retargeted copy removes %d objects from a bucket rehome never wrote", cp.Estimate.Removals)
	}
	if f := btFindingByCode(t, p, "storage.dest_conflict"); f.Acknowledged {
		t.Errorf("conflict finding unexpectedly acknowledged")
	}

	h.rollback(cfg)
	if d := cmp.Diff(map[string]string{"a.txt": "foreign a", "old.txt": "foreign old"}, btContents(t, dst, "data-two")); d != "" {
		t.Errorf("rollback touched the foreign bucket (-want +got):\n%s", d)
	}
	bs, err := dst.Buckets(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Name != "data-two" {
		t.Errorf("after rollback the destination has buckets %v; want only the foreign data-two (data-one removed)", bs)
	}
}

func btObj(key string) providers.Object { return providers.Object{Key: key} }

// TestUntouchedStaysForeign: an identical foreign object that rehome left
// alone (recorded Untouched) remains foreign: when the source changes and
// overwrite is off, it is a conflict, and with overwrite on it is backed up
// and restored by rollback.
func TestUntouchedStaysForeign(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime}, "same")
	btPut(t, dst, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "same")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	h.apply(h.config(m))
	if n := h.store.KeyWrites("dst", "data", "a.txt"); n != 1 {
		t.Fatalf("identical foreign object written %d times; want only the seed write", n)
	}

	btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(2 * time.Hour)}, "changed at the source")
	m.Overwrite = false
	p := h.plan(h.config(m))
	btFindingByCode(t, p, "storage.dest_conflict")
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("apply replaced a foreign object with overwrite off")
	}

	m.Overwrite = true
	h.apply(h.config(m))
	if got := btContents(t, dst, "data")["a.txt"]; got != "changed at the source" {
		t.Fatalf("with overwrite on, a.txt = %q", got)
	}
	h.rollback(h.config(m))
	if got := btContents(t, dst, "data")["a.txt"]; got != "same" {
		t.Fatalf("rollback restored a.txt = %q, want the foreign original", got)
	}
}

// TestChecksumModeComparesForeignContent: a foreign object with the
// source's size and modification time but other bytes is not "in place"
// when verify = "checksum" (it is a conflict); verify = "size" accepts it,
// as its name says.
func TestChecksumModeComparesForeignContent(t *testing.T) {
	for _, tt := range []struct {
		verify       string
		wantConflict bool
	}{{"checksum", true}, {"size", false}} {
		t.Run(tt.verify, func(t *testing.T) {
			// A local destination lists no checksums, so only size and
			// time are known without reading.
			h := newBuildHarness(t)
			src, dst := h.mem("cloud"), h.local("dst")
			btBuckets(t, src, "data")
			btBuckets(t, dst, "data")
			btPut(t, src, "data", providers.Object{Key: "a.txt", ModTime: btTime}, "hello")
			btPut(t, dst, "data", providers.Object{Key: "a.txt", ModTime: btTime}, "HELLO")
			p := h.plan(h.config(btStorageMove("data", "cloud", "dst", &lang.StorageMove{Verify: tt.verify})))
			conflict := false
			for _, f := range p.Audit {
				conflict = conflict || f.Code == "storage.dest_conflict"
			}
			if conflict != tt.wantConflict {
				t.Fatalf("verify=%s: conflict=%v, want %v (findings %v)", tt.verify, conflict, tt.wantConflict, btFindings(p))
			}
		})
	}
}

// TestTargetCollision: two moves writing the same destination bucket are a
// blocker.
func TestTargetCollision(t *testing.T) {
	h := newBuildHarness(t)
	a, b := h.mem("one"), h.mem("two")
	h.mem("dst")
	btBuckets(t, a, "data")
	btBuckets(t, b, "data")
	p := h.plan(h.config(btStorageMove("data", "one", "dst", nil), &lang.Move{Kind: providers.KindStorage, Name: "other",
		From: "two", To: "dst", Storage: &lang.StorageMove{Verify: "checksum"}}))
	f := btFindingByCode(t, p, "move.target_collision")
	if f.Severity != "blocker" || f.Address != `move.storage.other.bucket["data"]` {
		t.Fatalf("collision finding = %+v", f)
	}
}

// TestSecretAppearedSincePlanNotReplaced: with overwrite on, a secret the
// plan showed as a create but that someone wrote at the destination since is
// not replaced by that plan (its loss would be unreviewed).
func TestSecretAppearedSincePlanNotReplaced(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	secret := func(v string) []providers.Secret {
		return []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "TOKEN"}, Value: []byte(v)}}
	}
	if _, err := src.PutSecrets(h.ctx, secret("from the source")); err != nil {
		t.Fatal(err)
	}
	cfg := h.config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Overwrite: true, Secrets: &lang.SecretsMove{}})
	s := h.open(cfg, "apply")
	defer s.Close()
	p, err := s.Plan(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := btActionAt(t, p, `move.secrets.s.secret["TOKEN"]`); a.Action != "create" {
		t.Fatalf("planned %s, want create", a.Action)
	}
	if _, err := dst.PutSecrets(h.ctx, secret("written by someone else")); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(h.ctx, p, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "appeared") {
		t.Fatalf("apply = %v, want a refusal naming the secret that appeared", rep.Err())
	}
	got, err := dst.GetSecret(h.ctx, "TOKEN")
	if err != nil || string(got.Value) != "written by someone else" {
		t.Fatalf("the foreign secret was replaced: %q, %v", got.Value, err)
	}
}

// TestChangedDestinationObjectIsForeign: an object rehome wrote and
// someone changed at the destination since is theirs: a conflict for the
// next copy, and kept (not deleted) by rollback.
func TestChangedDestinationObjectIsForeign(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "hello")
	btPut(t, src, "data", btObj("b.txt"), "world")
	cfg := h.config(btStorageMove("data", "cloud", "dst", nil))
	h.apply(cfg)
	h.store.SetClock(func() time.Time { return btTime.Add(48 * time.Hour) })
	btPut(t, dst, "data", btObj("a.txt"), "HELLO") // same size, other bytes

	p := h.plan(cfg)
	btFindingByCode(t, p, "storage.dest_conflict")
	rollbackKeepsBucket(t, h, cfg)
	got := btContents(t, dst, "data")
	if d := cmp.Diff(map[string]string{"a.txt": "HELLO"}, got); d != "" {
		t.Fatalf("rollback (-want +got):\n%s", d)
	}
}

// TestPendingIntentDoesNotClaim: keys an interrupted apply recorded an
// intent for but never wrote are not rehome's: a foreign object put there
// is a conflict, and rollback leaves it.
func TestPendingIntentDoesNotClaim(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst := h.mem("dst")
	btBuckets(t, src, "bulk")
	const total = 300
	for i := 0; i < total; i++ {
		btPut(t, src, "bulk", btObj(fmt.Sprintf("k%04d", i)), fmt.Sprintf("body %d", i))
	}
	cfg := h.config(btStorageMove("bulk", "cloud", "dst", nil))
	s := h.open(cfg, "apply")
	p, err := s.Plan(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	var once sync.Once
	sink := exec.SinkFunc(func(e exec.Event) {
		if e.Type == exec.EvProgress && e.Done >= 30 {
			once.Do(cancel)
		}
	})
	if _, err := s.Apply(ctx, p, engine.RunOptions{Parallelism: 2, Sink: sink}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Find a key with no object yet: its intent is pending.
	var key string
	for i := total - 1; i >= 0; i-- {
		k := fmt.Sprintf("k%04d", i)
		if _, err := dst.Head(h.ctx, "bulk", k); err != nil {
			key = k
			break
		}
	}
	if key == "" {
		t.Fatal("the cancelled apply wrote everything")
	}
	btPut(t, dst, "bulk", btObj(key), "FOREIGN")
	p = h.plan(cfg)
	f := btFindingByCode(t, p, "storage.dest_conflict")
	if !strings.Contains(f.Message, key) {
		t.Fatalf("conflict finding does not name %s: %s", key, f.Message)
	}
	rollbackKeepsBucket(t, h, cfg)
	if got := btContents(t, dst, "bulk"); len(got) != 1 || got[key] != "FOREIGN" {
		t.Fatalf("after rollback the destination holds %d objects (%s=%q); want only the foreign one", len(got), key, got[key])
	}
}

// rollbackKeepsBucket rolls back where a foreign object remains in a bucket
// rehome created: everything else is undone, and the bucket is kept with a
// clear error.
func rollbackKeepsBucket(t *testing.T, h *buildHarness, cfg *lang.Config) {
	t.Helper()
	s := h.open(cfg, "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.ctx, false, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "holds objects rehome did not write") {
		t.Fatalf("rollback = %v, want it to keep the bucket holding a foreign object", rep.Err())
	}
}

// TestSameEnvironmentNameElsewhere: an environment keeps its name but is
// pointed at another place: what is there is foreign (a conflict, never a
// removal), and rollback refuses to act on the new place for steps applied
// at the old one, saying where each is.
func TestSameEnvironmentNameElsewhere(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", btObj("a.txt"), "from the source")
	cfg := h.config(btStorageMove("data", "cloud", "dst", nil))
	h.apply(cfg)

	other := h.store.Env("other-place")
	btBuckets(t, other, "data")
	btPut(t, other, "data", btObj("a.txt"), "someone else's")
	h.envs["dst"].Value = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("other-place")})

	p := h.plan(cfg)
	btFindingByCode(t, p, "storage.dest_conflict")
	if b := btActionAt(t, p, `move.storage.data.bucket["data"]`); b.Reason != "already exists at the destination" {
		t.Errorf("the bucket at the other place: %q, want it foreign", b.Reason)
	}
	s := h.open(cfg, "rollback")
	rep, err := s.Rollback(h.ctx, false, engine.RunOptions{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "now points at memory:other-place") {
		t.Fatalf("rollback with the environment pointed elsewhere = %v; want a refusal naming both places", rep.Err())
	}
	if got := btContents(t, other, "data")["a.txt"]; got != "someone else's" {
		t.Fatalf("rollback touched the other place: a.txt = %q", got)
	}
	// Pointed back, rollback undoes the original place.
	h.envs["dst"].Value = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("dst")})
	h.rollback(cfg)
	if bs, _ := dst.Buckets(h.ctx); len(bs) != 0 {
		t.Fatalf("after rollback at the original place %d buckets remain", len(bs))
	}
}
