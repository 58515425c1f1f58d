package planner_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// TestPruneStorage: an object rehome copied and that is then deleted at the
// source is removed from the destination by the next copy (shown in the
// plan as a removal); a foreign destination-only object is never touched.
func TestPruneStorage(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", providers.Object{Key: "keep.txt"}, "keep")
	btPut(t, src, "data", providers.Object{Key: "gone.txt"}, "gone")
	btPut(t, dst, "data", providers.Object{Key: "foreign.txt"}, "mine")
	cfg := h.config(btStorageMove("data", "cloud", "dst", nil))
	h.apply(cfg)

	if err := src.Delete(h.ctx, "data", "gone.txt"); err != nil {
		t.Fatal(err)
	}
	p := h.plan(cfg)
	cp := btActionAt(t, p, `move.storage.data.objects["data"]`)
	if cp.Action != "copy" || cp.Estimate.Removals != 1 || cp.Estimate.Objects != 0 {
		t.Fatalf("copy after a source deletion = %s %+v (%s); want a copy with 1 removal", cp.Action, cp.Estimate, cp.Reason)
	}
	h.apply(cfg)
	if d := cmp.Diff(map[string]string{"keep.txt": "keep", "foreign.txt": "mine"}, btContents(t, dst, "data")); d != "" {
		t.Fatalf("destination after the pruning copy (-want +got):\n%s", d)
	}
	if again := h.plan(cfg); again.Summary.Changes != 0 {
		t.Fatalf("re-plan after pruning has %d changes", again.Summary.Changes)
	}
	h.rollback(cfg)
	if d := cmp.Diff(map[string]string{"foreign.txt": "mine"}, btContents(t, dst, "data")); d != "" {
		t.Fatalf("destination after rollback (-want +got):\n%s", d)
	}
}

// TestPruneRecords: a record set rehome created and that is then removed
// at the source is deleted at the destination; foreign sets stay.
func TestPruneRecords(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	for _, d := range []providers.DNS{src, dst} {
		if _, err := d.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
			t.Fatal(err)
		}
	}
	set := func(d providers.DNS, op providers.ChangeOp, name, ip string) {
		t.Helper()
		rs := &providers.RecordSet{Name: name, Type: "A", TTL: 300, Values: []string{ip}}
		c := providers.RecordChange{Op: op, New: rs}
		if op == providers.ChangeDelete {
			c = providers.RecordChange{Op: op, Old: rs}
		}
		if err := d.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{c}); err != nil {
			t.Fatal(err)
		}
	}
	set(src, providers.ChangeCreate, "a.example.com.", "192.0.2.1")
	set(src, providers.ChangeCreate, "b.example.com.", "192.0.2.2")
	set(dst, providers.ChangeCreate, "foreign.example.com.", "198.51.100.1")
	cfg := h.config(&lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", DNS: &lang.DNSMove{}})
	h.apply(cfg)

	set(src, providers.ChangeDelete, "b.example.com.", "192.0.2.2")
	p := h.plan(cfg)
	rec := btActionAt(t, p, `move.dns.z.records["example.com"]`)
	if rec.Action != "copy" || rec.Estimate.Removals != 1 || rec.Estimate.Records != 0 {
		t.Fatalf("records after a source deletion = %s %+v; want 1 removal", rec.Action, rec.Estimate)
	}
	h.apply(cfg)
	want := []string{"a.example.com. A", "example.com. NS", "example.com. SOA", "foreign.example.com. A"}
	if d := cmp.Diff(want, btSetKeys(t, dst, "example.com.")); d != "" {
		t.Fatalf("destination sets after pruning (-want +got):\n%s", d)
	}
	if again := h.plan(cfg); again.Summary.Changes != 0 {
		t.Fatalf("re-plan after pruning has %d changes", again.Summary.Changes)
	}

	// Someone now puts their own set where rehome's was: it is foreign,
	// so neither a copy nor a rollback removes it.
	set(dst, providers.ChangeCreate, "b.example.com.", "203.0.113.50")
	if p := h.plan(cfg); p.Summary.Changes != 0 {
		t.Fatalf("a foreign set at a name rehome once wrote is planned away: %+v", btActionAt(t, p, `move.dns.z.records["example.com"]`))
	}
	h.apply(cfg)
	h.rollback(cfg)
	want = []string{"b.example.com. A", "example.com. NS", "example.com. SOA", "foreign.example.com. A"}
	if d := cmp.Diff(want, btSetKeys(t, dst, "example.com.")); d != "" {
		t.Fatalf("destination sets after rollback (-want +got):\n%s", d)
	}
}

// TestDNSOwnershipLapses: a set rehome wrote that someone changed since is
// theirs: with overwrite it is replaced and rollback gives back their value
// (not the state before rehome); a set rehome removed and someone then
// re-created, even identically, is not removed again.
func TestDNSOwnershipLapses(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	for _, d := range []providers.DNS{src, dst} {
		if _, err := d.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(d providers.DNS, c providers.RecordChange) {
		t.Helper()
		if err := d.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{c}); err != nil {
			t.Fatal(err)
		}
	}
	a := func(name, ip string) *providers.RecordSet {
		return &providers.RecordSet{Name: name, Type: "A", TTL: 300, Values: []string{ip}}
	}
	apply(src, providers.RecordChange{Op: providers.ChangeCreate, New: a("www.example.com.", "192.0.2.1")})
	apply(src, providers.RecordChange{Op: providers.ChangeCreate, New: a("old.example.com.", "192.0.2.2")})
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", DNS: &lang.DNSMove{}}
	h.apply(h.config(m))

	// Someone changes www; the source drops old, rehome removes it, and
	// someone puts it back exactly as it was.
	apply(dst, providers.RecordChange{Op: providers.ChangeUpdate, Old: a("www.example.com.", "192.0.2.1"), New: a("www.example.com.", "203.0.113.9")})
	apply(src, providers.RecordChange{Op: providers.ChangeDelete, Old: a("old.example.com.", "192.0.2.2")})
	p := h.plan(h.config(m))
	btFindingByCode(t, p, "dns.dest_conflict") // www is theirs now
	m.Acknowledge = []string{btFindingByCode(t, p, "dns.dest_conflict").ID}
	h.apply(h.config(m)) // removes old, leaves www
	apply(dst, providers.RecordChange{Op: providers.ChangeCreate, New: a("old.example.com.", "192.0.2.2")})
	m.Acknowledge = nil
	m.Overwrite = true
	p = h.plan(h.config(m))
	if rec := btActionAt(t, p, `move.dns.z.records["example.com"]`); rec.Estimate.Removals != 0 {
		t.Fatalf("the re-created old set is planned for removal: %+v", rec)
	}
	h.apply(h.config(m)) // replaces www (overwrite)
	h.rollback(h.config(m))
	sets, err := dst.Records(h.ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, rs := range sets {
		if rs.Type == "A" {
			got[rs.Name] = rs.Values
		}
	}
	want := map[string][]string{"www.example.com.": {"203.0.113.9"}, "old.example.com.": {"192.0.2.2"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("destination A sets after rollback (-want +got):\n%s", d)
	}
}

// TestTTLRollbackKeepsLaterEdits: rollback puts back only the TTLs rehome
// lowered and that still stand; a TTL someone set since is theirs.
func TestTTLRollbackKeepsLaterEdits(t *testing.T) {
	h := newBuildHarness(t)
	src, _ := h.mem("cloud"), h.mem("dst")
	if _, err := src.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	set := func(name string, ttl uint32) *providers.RecordSet {
		return &providers.RecordSet{Name: name, Type: "A", TTL: ttl, Values: []string{"192.0.2.1"}}
	}
	for _, n := range []string{"a.example.com.", "b.example.com."} {
		if err := src.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate, New: set(n, 3600)}}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := h.config(&lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", DNS: &lang.DNSMove{CutoverTTL: 60}})
	h.apply(cfg)
	if err := src.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate,
		Old: set("b.example.com.", 60), New: set("b.example.com.", 120)}}); err != nil {
		t.Fatal(err)
	}
	h.rollback(cfg)
	sets, err := src.Records(h.ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint32{}
	for _, rs := range sets {
		if rs.Type == "A" {
			got[rs.Name] = rs.TTL
		}
	}
	if d := cmp.Diff(map[string]uint32{"a.example.com.": 3600, "b.example.com.": 120}, got); d != "" {
		t.Fatalf("source TTLs after rollback (-want +got):\n%s", d)
	}
}
