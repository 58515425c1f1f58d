package dns_test

// Crash-window tests (crash_*_test.go): a memory provider wrapped to fail
// calls before or after they take effect — a lost response leaves the same
// durable state as kill -9 between a write and its record — drives the
// ownership rules through every window the executor has. Each test names
// the guarantee it holds.

import (
	"testing"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/providers"
)

// --- DNS: www.example.com A in zone example.com
func wwwSet(v string) *providers.RecordSet {
	return &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{v}}
}

func zoneWith(t *testing.T, d providers.DNS, sets ...*providers.RecordSet) {
	t.Helper()
	if _, err := d.CreateZone(t.Context(), providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	var cs []providers.RecordChange
	for _, s := range sets {
		cs = append(cs, providers.RecordChange{Op: providers.ChangeCreate, New: s})
	}
	if err := d.ApplyRecords(t.Context(), "example.com.", cs); err != nil {
		t.Fatal(err)
	}
}

func setWWW(t *testing.T, d providers.DNS, old, nw string) {
	t.Helper()
	if err := d.ApplyRecords(t.Context(), "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate, Old: wwwSet(old), New: wwwSet(nw)}}); err != nil {
		t.Fatal(err)
	}
}

func www(t *testing.T, d providers.DNS) string {
	sets, err := d.Records(t.Context(), "example.com.")
	if err != nil {
		return "<no zone>"
	}
	for _, s := range sets {
		if s.Name == "www.example.com." && s.Type == "A" {
			return s.Values[0]
		}
	}
	return "<absent>"
}

func dnsMove(overwrite bool) *lang.Move {
	return &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", Overwrite: overwrite,
		Settings: &dns.Settings{Zones: []string{"example.com"}}}
}

// Two failed record writes in a row (provider errors suffice) leave rehome
// owning its set and the foreign original as the pre-image: rollback after
// an overwrite restores the original.
func TestCrashFailedDNSWritesKeepOriginal(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst, hooks := h.Faulty("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	zoneWith(t, dst, wwwSet("198.51.100.9")) // foreign original
	m := dnsMove(true)
	h.Apply(h.Config(m))
	setWWW(t, src, "192.0.2.1", "192.0.2.2")
	hooks.ApplyBefore = 2
	h.FailApply(t, h.Config(m))
	h.FailApply(t, h.Config(m))
	h.Apply(h.Config(m))
	h.Rollback(h.Config(m))
	if got := www(t, dst); got != "198.51.100.9" {
		t.Errorf("rollback left www = %s, want the foreign original 198.51.100.9", got)
	}
}

// The same for a set rehome created: rollback removes it without error.
func TestCrashFailedDNSWritesOfCreatedSetRollBack(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst, hooks := h.Faulty("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	m := dnsMove(false)
	h.Apply(h.Config(m))
	setWWW(t, src, "192.0.2.1", "192.0.2.2")
	hooks.ApplyBefore = 2
	h.FailApply(t, h.Config(m))
	h.FailApply(t, h.Config(m))
	if err := h.RollbackErr(h.Config(m)); err != nil {
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
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst, hooks := h.Faulty("dst")
	zoneWith(t, src, wwwSet("192.0.2.1"))
	zoneWith(t, dst)
	m := dnsMove(false)
	h.Apply(h.Config(m))
	setWWW(t, src, "192.0.2.1", "192.0.2.2")
	hooks.ApplyAfter = 1
	h.FailApply(t, h.Config(m))
	h.Apply(h.Config(m))                     // in place now
	setWWW(t, dst, "192.0.2.2", "192.0.2.1") // the operator pins the old address
	_ = h.RollbackErr(h.Config(m))
	if got := www(t, dst); got != "192.0.2.1" {
		t.Errorf("the operator's set was changed by rollback: %s", got)
	}
}
