package planner_test

import "testing"

// Two failed record writes in a row (provider errors suffice) leave rehome
// owning its set and the foreign original as the pre-image: rollback after
// an overwrite restores the original.
func TestCrashFailedDNSWritesKeepOriginal(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.faulty("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	zoneWith(t, dst, wwwSet("198.51.100.9")) // foreign original
	m := dnsMove(true)
	h.apply(h.config(m))
	setWWW(t, src, "192.0.2.1", "192.0.2.2")
	hooks.applyBefore = 2
	h.failApply(t, m)
	h.failApply(t, m)
	h.apply(h.config(m))
	h.rollback(h.config(m))
	if got := www(t, dst); got != "198.51.100.9" {
		t.Errorf("rollback left www = %s, want the foreign original 198.51.100.9", got)
	}
}

// The same for a set rehome created: rollback removes it without error.
func TestCrashFailedDNSWritesOfCreatedSetRollBack(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.faulty("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	m := dnsMove(false)
	h.apply(h.config(m))
	setWWW(t, src, "192.0.2.1", "192.0.2.2")
	hooks.applyBefore = 2
	h.failApply(t, m)
	h.failApply(t, m)
	if err := h.rollbackErr(m); err != nil {
		t.Fatalf("rollback of rehome's own set after two failed writes: %v", err)
	}
	if got := www(t, dst); got != "<no zone>" {
		t.Errorf("after rollback www = %s; want the zone rehome created gone", got)
	}
}

// A record write whose response was lost is confirmed on the next run, so
// rehome's earlier write stops counting as its own: an operator who later
// sets the record back to that earlier value keeps it through rollback.
func TestCrashLostDNSWriteIsConfirmed(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.faulty("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	zoneWith(t, dst)
	m := dnsMove(false)
	h.apply(h.config(m))
	setWWW(t, src, "192.0.2.1", "192.0.2.2")
	hooks.applyAfter = 1
	h.failApply(t, m)
	h.apply(h.config(m))                     // in place now
	setWWW(t, dst, "192.0.2.2", "192.0.2.1") // the operator pins the old address
	_ = h.rollbackErr(m)
	if got := www(t, dst); got != "192.0.2.1" {
		t.Errorf("the operator's set was changed by rollback: %s", got)
	}
}
