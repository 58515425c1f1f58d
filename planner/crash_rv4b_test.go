package planner_test

import (
	"context"
	"testing"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
)

type zzLost struct {
	*memory.Provider
	n *int
}

func (f *zzLost) ApplyRecords(ctx context.Context, zone string, cs []providers.RecordChange) error {
	err := f.Provider.ApplyRecords(ctx, zone, cs)
	if err == nil && *f.n > 0 {
		*f.n--
		return errZZ
	}
	return err
}

func (h *buildHarness) lostDNS(name string) (*memory.Provider, *int) {
	n := new(int)
	mf := h.store.Factory()
	f := mf
	f.Name = "lost"
	f.New = func() providers.Provider { return &zzLost{Provider: mf.New().(*memory.Provider), n: n} }
	h.reg = providers.NewRegistry(h.store.Factory(), local.Factory(), f)
	p := h.mem(name)
	h.envs[name].Provider = "lost"
	return p, n
}

// D3: a lost ApplyRecords response leaves Prev = rehome's earlier write;
// an operator later sets the record back to that earlier value: rehome
// treats it as its own (rewrites it without overwrite, rollback deletes it).
func TestCrashDNSPrevLingers(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, n := h.lostDNS("dst")
	zzZone(t, src, zzSet("192.0.2.1"))
	zzZone(t, dst)
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", DNS: &lang.DNSMove{Zones: []string{"example.com"}}}
	h.apply(h.config(m))
	zzSetTo(t, src, "192.0.2.1", "192.0.2.2")
	*n = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	h.apply(h.config(m))                      // in place now
	zzSetTo(t, dst, "192.0.2.2", "192.0.2.1") // operator pins the old address at the destination
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	err := h.rbErr(m)
	t.Logf("rollback: %v; www=%s", err, zzWWW(t, dst))
	if got := zzWWW(t, dst); got != "192.0.2.1" {
		t.Errorf("operator's set changed by rollback: %s", got)
	}
}

// U: rehome replaced X (backup); someone re-uploads the same bytes; a
// re-apply with overwrite records the key Untouched and drops the backup
// of X silently (rollback without the re-apply keeps X and says so).
func TestCrashUntouchedDropsBackup(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst := h.mem("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", btObj("a.txt"), "S1")
	btPut(t, dst, "data", btObj("a.txt"), "X-original")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	h.apply(h.config(m))
	btPut(t, dst, "data", providers.Object{Key: "a.txt", ModTime: btTime.Add(time.Hour)}, "S1")
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	h.apply(h.config(m))
	// The identical re-upload is taken as rehome's (same content), and the
	// original's backup is kept as the first pre-image: rollback restores X.
	if err := h.rbErr(m); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if got := btContents(t, dst, "data")["a.txt"]; got != "X-original" {
		t.Errorf("after rollback a.txt = %q; want the original X restored", got)
	}
}
