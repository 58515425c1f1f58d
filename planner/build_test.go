package planner_test

// Table tests of planner.Build's findings and actions, driven through the
// engine (Open -> Plan -> Apply/Cutover/Rollback) with the memory provider,
// whose cloud semantics (S3 keys, metadata, versioned secrets, a DNS service
// without PTR) reach planner paths the local provider cannot.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
)

// TestBuildUnknownAcknowledge: an acknowledge entry matching no finding is
// a warning naming it, on the move's address.
func TestBuildUnknownAcknowledge(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Put(t, src, "data", providers.Object{Key: "k"}, "v")
	const typo = "storage-key-invalid-deadbeef"
	m := storageMove("data", "cloud", "dst", nil)
	m.Acknowledge = []string{typo}
	p := h.Plan(h.Config(m))
	f := movertest.FindingByCode(t, p, "move.unknown_acknowledge")
	if f.Severity != planner.SevWarning || f.Address != "move.storage.data" || f.Acknowledged ||
		f.ID != planner.FindingID("move.unknown_acknowledge", "move.storage.data", typo) || !strings.Contains(f.Message, typo) {
		t.Errorf("finding %+v", f)
	}
	if p.Summary.Warnings != 1 || p.Summary.Blockers != 0 {
		t.Errorf("summary %+v", p.Summary)
	}
}

// TestBuildReplanAfterApply: after apply nothing is left to prepare but the
// cutover steps; source drift shows as exactly the drifted object; after the
// cutover the syncs are no-ops until the source drifts again.
func TestBuildReplanAfterApply(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	h.Mem("dst")
	movertest.Buckets(t, src, "data")
	for i := 0; i < 5; i++ {
		movertest.Put(t, src, "data", providers.Object{Key: fmt.Sprintf("k%d", i)}, fmt.Sprintf("v%d", i))
	}
	if _, err := src.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	if err := src.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate,
		New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.PutSecrets(h.Ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "K"}, Value: []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	cfg := h.Config(
		storageMove("data", "cloud", "dst", nil),
		&lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", Settings: &dns.Settings{}},
		&lang.Move{Kind: providers.KindSecrets, Name: "keys", From: "cloud", To: "dst", Settings: &secrets.Settings{}},
	)
	const (
		objAddr  = `move.storage.data.objects["data"]`
		syncAddr = `move.storage.data.cutover_sync["data"]`
	)
	first := h.Apply(cfg)
	if first.Summary.Changes != 5 || first.Summary.Items["objects"] != 5 || first.Summary.Items["records"] != 1 || first.Summary.Items["secrets"] != 1 {
		t.Errorf("first plan summary %+v", first.Summary)
	}

	p := h.Plan(cfg)
	// Cutover steps: the three final syncs and the dns move's registrar
	// switch (the name servers).
	if p.Summary.Changes != 0 || p.Summary.CutoverSteps != 4 {
		t.Errorf("re-plan after apply: %d changes, %d cutover steps; want 0 and 4", p.Summary.Changes, p.Summary.CutoverSteps)
	}
	for _, a := range p.Actions {
		if a.Phase == planner.PhaseCutover && a.Action != planner.ActSync && a.Action != planner.ActSwitch {
			t.Errorf("%s is %s before the cutover, want sync or switch", a.Address, a.Action)
		}
	}
	if a := movertest.ActionAt(t, p, objAddr); a.Action != planner.ActNoop || a.Reason != "all 5 objects in place" {
		t.Errorf("copy after apply: %s %q", a.Action, a.Reason)
	}

	movertest.Put(t, src, "data", providers.Object{Key: "k9"}, "drift")
	p = h.Plan(cfg)
	a := movertest.ActionAt(t, p, objAddr)
	if a.Action != planner.ActCopy || a.Estimate.Items != 1 || a.Estimate.Bytes != 5 || a.Reason != "1 object to copy, 5 objects already in place" {
		t.Errorf("after source drift: %s %+v %q", a.Action, a.Estimate, a.Reason)
	}
	if p.Summary.Changes != 1 {
		t.Errorf("after source drift: %d changes", p.Summary.Changes)
	}
	h.Apply(cfg)
	if n := h.Store.Writes("dst"); n != 6 {
		t.Errorf("%d writes at the destination after two applies, want 6 (nothing rewritten)", n)
	}

	h.Cutover(cfg)
	p = h.Plan(cfg)
	if p.Summary.Changes != 0 || p.Summary.CutoverSteps != 0 || p.Summary.Cutover[planner.ActNoop] != 4 {
		t.Errorf("re-plan after cutover: summary %+v", p.Summary)
	}
	for _, a := range p.Actions {
		if a.Phase == planner.PhaseCutover && (a.Action != planner.ActNoop || a.Reason != "cutover already ran") {
			t.Errorf("%s after cutover: %s %q", a.Address, a.Action, a.Reason)
		}
	}

	movertest.Put(t, src, "data", providers.Object{Key: "k10"}, "late")
	p = h.Plan(cfg)
	s := movertest.ActionAt(t, p, syncAddr)
	if s.Action != planner.ActSync || s.Estimate.Items != 1 || p.Summary.CutoverSteps != 1 {
		t.Errorf("sync after drift past the cutover: %s %+v (cutover steps %d)", s.Action, s.Estimate, p.Summary.CutoverSteps)
	}
}

// TestBuildPlanWithoutBlockersApplies: items a destination refuses at apply
// time must be caught by the audit first, as a blocker with the right code
// (its capability table, its SecretChecker, or the record sets already
// read): a key segment over the 255-byte file-name limit, a secret over the
// destination's size limit, a secret name the destination cannot hold, and
// a CNAME beside foreign data. A plan without blockers must apply.
func TestBuildPlanWithoutBlockersApplies(t *testing.T) {
	t.Parallel()
	secret := func(n string, v []byte) []providers.Secret {
		return []providers.Secret{{SecretMeta: providers.SecretMeta{Name: n}, Value: v}}
	}
	tests := []struct {
		name  string
		code  string // the blocker the audit must raise
		setup func(t *testing.T, h *movertest.Harness) *lang.Move
	}{
		{"storage_key_segment_too_long", "storage.key_invalid", func(t *testing.T, h *movertest.Harness) *lang.Move {
			src := h.Mem("cloud")
			h.Local("dst")
			movertest.Buckets(t, src, "site")
			movertest.Put(t, src, "site", providers.Object{Key: "long/" + strings.Repeat("x", 300)}, "v")
			return storageMove("site", "cloud", "dst", nil)
		}},
		{"secret_over_max_value_size", "secrets.unsupported", func(t *testing.T, h *movertest.Harness) *lang.Move {
			src := h.Local("disk")
			h.Mem("dst")
			if _, err := src.PutSecrets(h.Ctx, secret("BIG", []byte(strings.Repeat("x", 70<<10)))); err != nil {
				t.Fatal(err)
			}
			return &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "disk", To: "dst", Settings: &secrets.Settings{}}
		}},
		{"secret_name_destination_cannot_hold", "secrets.unsupported", func(t *testing.T, h *movertest.Harness) *lang.Move {
			src := h.Mem("cloud")
			h.Local("dst")
			if _, err := src.PutSecrets(h.Ctx, secret("app/db-url", []byte("postgres://x"))); err != nil {
				t.Fatal(err)
			}
			return &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Settings: &secrets.Settings{}}
		}},
		{"cname_beside_foreign_data", "dns.cname_conflict", func(t *testing.T, h *movertest.Harness) *lang.Move {
			src, dst := h.Mem("cloud"), h.Mem("dst")
			for i, d := range []*memory.Provider{src, dst} {
				if _, err := d.CreateZone(h.Ctx, providers.Zone{Name: "example.com."}); err != nil {
					t.Fatal(err)
				}
				rs := &providers.RecordSet{Name: "www.example.com.", Type: "CNAME", TTL: 300, Values: []string{"example.net."}}
				if i == 1 {
					rs = &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}}
				}
				if err := d.ApplyRecords(h.Ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate, New: rs}}); err != nil {
					t.Fatal(err)
				}
			}
			return &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", Settings: &dns.Settings{}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := movertest.New(t)
			cfg := h.Config(tt.setup(t, h))
			s := h.Open(cfg, "apply")
			defer s.Close()
			p, err := s.Plan(h.Ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if bs := p.Blockers(); len(bs) > 0 {
				for _, b := range bs {
					if b.Code == tt.code {
						return // the audit caught it, with the right finding
					}
				}
				t.Fatalf("blockers %v, want one with code %s", movertest.Findings(p), tt.code)
			}
			rep, err := s.Apply(h.Ctx, p, engine.RunOptions{})
			if err == nil {
				err = rep.Err()
			}
			if err != nil {
				t.Errorf("the plan had no blocker (findings %v) but apply failed: %.300v", movertest.Findings(p), err)
			}
		})
	}
}

// TestTargetCollision: two moves writing the same destination bucket are a
// blocker.
func TestTargetCollision(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	a, b := h.Mem("one"), h.Mem("two")
	h.Mem("dst")
	movertest.Buckets(t, a, "data")
	movertest.Buckets(t, b, "data")
	p := h.Plan(h.Config(storageMove("data", "one", "dst", nil), &lang.Move{Kind: providers.KindStorage, Name: "other",
		From: "two", To: "dst", Settings: &storage.Settings{Verify: "checksum"}}))
	f := movertest.FindingByCode(t, p, "move.target_collision")
	if f.Severity != "blocker" || f.Address != `move.storage.other.bucket["data"]` {
		t.Fatalf("collision finding = %+v", f)
	}
}

func storageMove(name, from, to string, sm *storage.Settings) *lang.Move {
	if sm == nil {
		sm = &storage.Settings{}
	}
	return &lang.Move{Kind: storage.Kind, Name: name, From: from, To: to, Settings: sm}
}
