package dns_test

// Table tests of planner.Build's findings and actions, driven through the
// engine (Open -> Plan -> Apply/Cutover/Rollback) with the memory provider,
// whose cloud semantics (S3 keys, metadata, versioned secrets, a DNS service
// without PTR) reach planner paths the local provider cannot.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// seedLocalZone writes a zone with a PTR and a TLSA set into a local
// environment through its own calls.
func btSeedLocalZone(t *testing.T, d providers.DNS) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.CreateZone(ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	cs := []providers.RecordChange{
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 3600, Values: []string{"192.0.2.1"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "1.example.com.", Type: "PTR", TTL: 3600, Values: []string{"host.example.com."}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "_443._tcp.www.example.com.", Type: "TLSA", TTL: 3600,
			Values: []string{"3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}},
	}
	if err := d.ApplyRecords(ctx, "example.com.", cs); err != nil {
		t.Fatal(err)
	}
}

// TestBuildDNSUnsupportedType: PTR and TLSA at a local source cannot be held
// by the memory destination: one blocker per type; acknowledged, the sets
// are skipped and the rest is copied.
func TestBuildDNSUnsupportedType(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Local("disk")
	dst := h.Mem("cloud")
	btSeedLocalZone(t, src)
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "disk", To: "cloud", Settings: &dns.Settings{Zones: []string{"example.com"}}}
	cfg := h.Config(m)
	const recAddr = `move.dns.zones.records["example.com"]`

	p := h.Plan(cfg)
	want := []movertest.Finding{
		{Code: "dns.unsupported_type", Severity: planner.SevBlocker, Address: recAddr, Acknowledged: false},
		{Code: "dns.unsupported_type", Severity: planner.SevBlocker, Address: recAddr, Acknowledged: false},
		{Code: "dns.apex_not_copied", Severity: planner.SevInfo, Address: recAddr, Acknowledged: false},
	}
	if d := cmp.Diff(want, movertest.Findings(p)); d != "" {
		t.Fatalf("findings (-want +got):\n%s", d)
	}
	var ids []string
	for i, typ := range []string{"PTR", "TLSA"} {
		f := p.Audit[i]
		if f.ID != planner.FindingID("dns.unsupported_type", recAddr, typ) || !strings.Contains(f.Message, "cannot hold "+typ) {
			t.Errorf("finding %d: %s %q", i, f.ID, f.Message)
		}
		ids = append(ids, f.ID)
	}
	rec := movertest.ActionAt(t, p, recAddr)
	if rec.Action != planner.ActCopy || !cmp.Equal(rec.Items, []string{"www.example.com. A"}) || len(rec.Skipped) != 0 {
		t.Errorf("records action before acknowledging: %s items=%v skipped=%v", rec.Action, rec.Items, rec.Skipped)
	}
	var be *engine.BlockerError
	if err := h.ApplyErr(cfg); !errors.As(err, &be) || len(be.Blockers) != 2 {
		t.Fatalf("apply: %v, want a BlockerError with 2 blockers", err)
	}

	m.Acknowledge = ids
	p = h.Plan(cfg)
	for _, f := range p.Audit {
		if f.Code == "dns.unsupported_type" && !f.Acknowledged {
			t.Errorf("%s not acknowledged", f.ID)
		}
	}
	rec = movertest.ActionAt(t, p, recAddr)
	if d := cmp.Diff([]string{"1.example.com. PTR", "_443._tcp.www.example.com. TLSA"}, rec.Skipped); d != "" {
		t.Errorf("records action Skipped (-want +got):\n%s", d)
	}
	if !slices.Contains(rec.Options, planner.Option{Name: "skip_types", Value: "PTR,TLSA"}) || !strings.Contains(string(rec.Params), `"skip_types":["PTR","TLSA"]`) ||
		!cmp.Equal(rec.Items, []string{"www.example.com. A"}) {
		t.Errorf("records action options %v params %s items %v", rec.Options, rec.Params, rec.Items)
	}
	h.Apply(cfg)
	if d := cmp.Diff([]string{"example.com. NS", "example.com. SOA", "www.example.com. A"}, movertest.SetKeys(t, dst, "example.com.")); d != "" {
		t.Errorf("destination sets (-want +got):\n%s", d)
	}
	if again := h.Plan(cfg); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply has %d changes", again.Summary.Changes)
	}
}

// TestBuildDNSZoneMissing: a listed zone the source lacks is a blocker on
// that zone's address; the others are planned.
func TestBuildDNSZoneMissing(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	h.Mem("dst")
	if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", Settings: &dns.Settings{Zones: []string{"example.com", "missing.example"}}}
	p := h.Plan(h.Config(m))
	f := movertest.FindingByCode(t, p, "dns.zone_missing")
	if f.Severity != planner.SevBlocker || f.Address != `move.dns.zones.zone["missing.example"]` ||
		!strings.Contains(f.Message, `"missing.example"`) || !strings.Contains(f.Message, "found: example.com") {
		t.Errorf("zone_missing finding: %+v", f)
	}
	want := []movertest.Action{
		{Address: `move.dns.zones.zone["example.com"]`, Action: planner.ActCreate, Phase: planner.PhasePrepare, DependsOn: []string{}, From: planner.Endpoint{Env: "cloud", Name: "example.com"}, To: planner.Endpoint{Env: "dst", Name: "example.com"}},
		{Address: `move.dns.zones.records["example.com"]`, Action: planner.ActNoop, Phase: planner.PhasePrepare, DependsOn: []string{`move.dns.zones.zone["example.com"]`}, From: planner.Endpoint{Env: "cloud", Name: "example.com"}, To: planner.Endpoint{Env: "dst", Name: "example.com"}},
		{Address: `move.dns.zones.cutover_sync["example.com"]`, Action: planner.ActSync, Phase: planner.PhaseCutover, DependsOn: []string{`move.dns.zones.records["example.com"]`}, From: planner.Endpoint{Env: "cloud", Name: "example.com"}, To: planner.Endpoint{Env: "dst", Name: "example.com"}},
		{Address: `move.dns.zones.delegation["example.com"]`, Action: planner.ActSwitch, Phase: planner.PhaseCutover, DependsOn: []string{`move.dns.zones.cutover_sync["example.com"]`}, From: planner.Endpoint{Env: "cloud", Name: "example.com"}, To: planner.Endpoint{Env: "dst", Name: "example.com"}},
	}
	if d := cmp.Diff(want, movertest.Actions(p)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	m.Acknowledge = []string{f.ID}
	if p = h.Plan(h.Config(m)); p.Summary.Blockers != 0 || !movertest.FindingByCode(t, p, "dns.zone_missing").Acknowledged {
		t.Errorf("acknowledged zone_missing: summary %+v", p.Summary)
	}
}

// TestBuildDNSCutoverTTL: cutover_ttl lowers the source TTLs in the prepare
// phase; the destination gets the original TTLs; the step's duration is
// the wait it starts (the highest old TTL), and the cutover refuses to run
// before it has passed unless forced; rollback restores the source
// exactly.
func TestBuildDNSCutoverTTL(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	err := src.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 3600, Values: []string{"192.0.2.1"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.2"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "example.com.", Type: "MX", TTL: 7200, Values: []string{"10 mx.example.net."}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srcBefore, err := src.Records(h.Ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", Settings: &dns.Settings{Zones: []string{"example.com"}, CutoverTTL: 300}}
	cfg := h.Config(m)
	const (
		zoneAddr = `move.dns.zones.zone["example.com"]`
		ttlAddr  = `move.dns.zones.source_ttl["example.com"]`
		recAddr  = `move.dns.zones.records["example.com"]`
	)

	p := h.Plan(cfg)
	src1 := planner.Endpoint{Env: "cloud", Name: "example.com"}
	dst1 := planner.Endpoint{Env: "dst", Name: "example.com"}
	want := []movertest.Action{
		{Address: zoneAddr, Action: planner.ActCreate, Phase: planner.PhasePrepare, DependsOn: []string{}, From: src1, To: dst1},
		{Address: ttlAddr, Action: planner.ActLowerTTL, Phase: planner.PhasePrepare, DependsOn: []string{}, From: src1, To: src1},
		{Address: recAddr, Action: planner.ActCopy, Phase: planner.PhasePrepare, DependsOn: []string{zoneAddr, ttlAddr}, From: src1, To: dst1},
		{Address: `move.dns.zones.cutover_sync["example.com"]`, Action: planner.ActSync, Phase: planner.PhaseCutover, DependsOn: []string{recAddr}, From: src1, To: dst1},
		{Address: `move.dns.zones.delegation["example.com"]`, Action: planner.ActSwitch, Phase: planner.PhaseCutover, DependsOn: []string{`move.dns.zones.cutover_sync["example.com"]`}, From: src1, To: dst1},
	}
	if d := cmp.Diff(want, movertest.Actions(p)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	ttl := movertest.ActionAt(t, p, ttlAddr)
	// The apex NS (172800 s) is lowered too; the SOA and api (60 s) are not.
	if d := cmp.Diff([]string{"example.com. NS", "example.com. MX", "www.example.com. A"}, ttl.Items); d != "" {
		t.Errorf("lowered sets (-want +got):\n%s", d)
	}
	if ttl.Estimate.Items != 3 || ttl.Estimate.Seconds != 172800 || !strings.Contains(string(ttl.Params), `"ttl":300`) ||
		!strings.Contains(ttl.Reason, "the cutover waits 172800 s") {
		t.Errorf("lower_ttl estimate %+v params %s", ttl.Estimate, ttl.Params)
	}
	if rec := movertest.ActionAt(t, p, recAddr); !strings.Contains(string(rec.Params), `"ttl":300`) || rec.Estimate.Items != 3 {
		t.Errorf("records action: params %s estimate %+v", rec.Params, rec.Estimate)
	}
	if f := movertest.FindingByCode(t, p, "dns.ttl_lowered"); f.Severity != planner.SevInfo || f.Address != ttlAddr {
		t.Errorf("ttl finding %+v", f)
	}

	h.Apply(cfg)
	ttls := func(d providers.DNS) map[string]uint32 {
		sets, err := d.Records(h.Ctx, "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint32{}
		for _, rs := range sets {
			out[rs.Key()] = rs.TTL
		}
		return out
	}
	wantSrc := map[string]uint32{"example.com. SOA": 900, "example.com. NS": 300, "example.com. MX": 300, "www.example.com. A": 300, "api.example.com. A": 60}
	if d := cmp.Diff(wantSrc, ttls(src)); d != "" {
		t.Errorf("source TTLs after apply (-want +got):\n%s", d)
	}
	// The destination is written with the source's own TTLs, not the
	// lowered ones it would otherwise keep for good.
	wantDst := map[string]uint32{"example.com. SOA": 900, "example.com. NS": 172800, "example.com. MX": 7200, "www.example.com. A": 3600, "api.example.com. A": 60}
	if d := cmp.Diff(wantDst, ttls(dst)); d != "" {
		t.Errorf("destination TTLs after apply (-want +got):\n%s", d)
	}
	again := h.Plan(cfg)
	if again.Summary.Changes != 0 || movertest.ActionAt(t, again, ttlAddr).Action != planner.ActNoop {
		t.Errorf("re-plan after apply: %d changes, ttl action %s", again.Summary.Changes, movertest.ActionAt(t, again, ttlAddr).Action)
	}
	sync := movertest.ActionAt(t, again, `move.dns.zones.cutover_sync["example.com"]`)
	if !strings.Contains(string(sync.Params), `"not_before":`) || !strings.Contains(sync.Reason, "old TTLs (up to 172800 s)") {
		t.Errorf("cutover sync after the lowering: params %s reason %q", sync.Params, sync.Reason)
	}
	if err := h.CutoverErr(cfg); err == nil || !strings.Contains(err.Error(), "may still cache the source's old TTLs") {
		t.Errorf("cutover right after the lowering: %v; want a refusal", err)
	}
	h.Force = true
	h.Cutover(cfg)

	h.Rollback(cfg)
	srcAfter, err := src.Records(h.Ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(srcBefore, srcAfter); d != "" {
		t.Errorf("source after rollback (-before +after):\n%s", d)
	}
	if zs, _ := dst.Zones(h.Ctx); len(zs) != 0 {
		t.Errorf("rollback left zones at the destination: %+v", zs)
	}
}

// TestPruneRecords: a record set rehome created and that is then removed
// at the source is deleted at the destination; foreign sets stay.
func TestPruneRecords(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	for _, d := range []providers.DNS{src, dst} {
		if _, err := d.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
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
		if err := d.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{c}); err != nil {
			t.Fatal(err)
		}
	}
	set(src, providers.ChangeCreate, "a.example.com.", "192.0.2.1")
	set(src, providers.ChangeCreate, "b.example.com.", "192.0.2.2")
	set(dst, providers.ChangeCreate, "foreign.example.com.", "198.51.100.1")
	cfg := h.Config(&lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", Settings: &dns.Settings{}})
	h.Apply(cfg)

	set(src, providers.ChangeDelete, "b.example.com.", "192.0.2.2")
	p := h.Plan(cfg)
	rec := movertest.ActionAt(t, p, `move.dns.z.records["example.com"]`)
	if rec.Action != "copy" || rec.Estimate.Removals != 1 || rec.Estimate.Items != 0 {
		t.Fatalf("records after a source deletion = %s %+v; want 1 removal", rec.Action, rec.Estimate)
	}
	h.Apply(cfg)
	want := []string{"a.example.com. A", "example.com. NS", "example.com. SOA", "foreign.example.com. A"}
	if d := cmp.Diff(want, movertest.SetKeys(t, dst, "example.com.")); d != "" {
		t.Fatalf("destination sets after pruning (-want +got):\n%s", d)
	}
	if again := h.Plan(cfg); again.Summary.Changes != 0 {
		t.Fatalf("re-plan after pruning has %d changes", again.Summary.Changes)
	}

	// Someone now puts their own set where rehome's was: it is foreign,
	// so neither a copy nor a rollback removes it.
	set(dst, providers.ChangeCreate, "b.example.com.", "203.0.113.50")
	if p := h.Plan(cfg); p.Summary.Changes != 0 {
		t.Fatalf("a foreign set at a name rehome once wrote is planned away: %+v", movertest.ActionAt(t, p, `move.dns.z.records["example.com"]`))
	}
	h.Apply(cfg)
	h.Rollback(cfg)
	want = []string{"b.example.com. A", "example.com. NS", "example.com. SOA", "foreign.example.com. A"}
	if d := cmp.Diff(want, movertest.SetKeys(t, dst, "example.com.")); d != "" {
		t.Fatalf("destination sets after rollback (-want +got):\n%s", d)
	}
}

// TestDNSOwnershipLapses: a set rehome wrote that someone changed since is
// theirs: with overwrite it is replaced and rollback gives back their value
// (not the state before rehome); a set rehome removed and someone then
// re-created, even identically, is not removed again.
func TestDNSOwnershipLapses(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	for _, d := range []providers.DNS{src, dst} {
		if _, err := d.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(d providers.DNS, c providers.RecordChange) {
		t.Helper()
		if err := d.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{c}); err != nil {
			t.Fatal(err)
		}
	}
	a := func(name, ip string) *providers.RecordSet {
		return &providers.RecordSet{Name: name, Type: "A", TTL: 300, Values: []string{ip}}
	}
	apply(src, providers.RecordChange{Op: providers.ChangeCreate, New: a("www.example.com.", "192.0.2.1")})
	apply(src, providers.RecordChange{Op: providers.ChangeCreate, New: a("old.example.com.", "192.0.2.2")})
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", Settings: &dns.Settings{}}
	h.Apply(h.Config(m))

	// Someone changes www; the source drops old, rehome removes it, and
	// someone puts it back exactly as it was.
	apply(dst, providers.RecordChange{Op: providers.ChangeUpdate, Old: a("www.example.com.", "192.0.2.1"), New: a("www.example.com.", "203.0.113.9")})
	apply(src, providers.RecordChange{Op: providers.ChangeDelete, Old: a("old.example.com.", "192.0.2.2")})
	p := h.Plan(h.Config(m))
	movertest.FindingByCode(t, p, "dns.dest_conflict") // www is theirs now
	m.Acknowledge = []string{movertest.FindingByCode(t, p, "dns.dest_conflict").ID}
	h.Apply(h.Config(m)) // removes old, leaves www
	apply(dst, providers.RecordChange{Op: providers.ChangeCreate, New: a("old.example.com.", "192.0.2.2")})
	m.Acknowledge = nil
	m.Overwrite = true
	p = h.Plan(h.Config(m))
	if rec := movertest.ActionAt(t, p, `move.dns.z.records["example.com"]`); rec.Estimate.Removals != 0 {
		t.Fatalf("the re-created old set is planned for removal: %+v", rec)
	}
	h.Apply(h.Config(m)) // replaces www (overwrite)
	h.Rollback(h.Config(m))
	sets, err := dst.Records(h.Ctx, "example.com.")
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
	t.Parallel()
	h := movertest.New(t)
	src, _ := h.Mem("cloud"), h.Mem("dst")
	if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	set := func(name string, ttl uint32) *providers.RecordSet {
		return &providers.RecordSet{Name: name, Type: "A", TTL: ttl, Values: []string{"192.0.2.1"}}
	}
	for _, n := range []string{"a.example.com.", "b.example.com."} {
		if err := src.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate, New: set(n, 3600)}}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := h.Config(&lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", Settings: &dns.Settings{CutoverTTL: 60}})
	h.Apply(cfg)
	if err := src.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate,
		Old: set("b.example.com.", 60), New: set("b.example.com.", 120)}}); err != nil {
		t.Fatal(err)
	}
	h.Rollback(cfg)
	sets, err := src.Records(h.Ctx, "example.com.")
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
