package planner_test

import (
	"testing"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

func zzSet(v string) *providers.RecordSet {
	return &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{v}}
}

func zzZone(t *testing.T, d providers.DNS, sets ...*providers.RecordSet) {
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

func zzSetTo(t *testing.T, d providers.DNS, old, nw string) {
	t.Helper()
	if err := d.ApplyRecords(t.Context(), "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate, Old: zzSet(old), New: zzSet(nw)}}); err != nil {
		t.Fatal(err)
	}
}

func zzWWW(t *testing.T, d providers.DNS) string {
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

// D: two failed ApplyRecords in a row (provider errors, no crash needed)
// shift Prev onto the unapplied write: the set rehome wrote is no longer
// rehome's; with overwrite on, the original pre-image is replaced by
// rehome's own earlier write, so rollback restores the wrong value.
func TestCrashDNSPrevShiftLosesOriginal(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	zzZone(t, src, zzSet("192.0.2.1"))
	zzZone(t, dst, zzSet("198.51.100.9")) // foreign original
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", DNS: &lang.DNSMove{Zones: []string{"example.com"}}, Overwrite: true}
	h.apply(h.config(m))
	zzSetTo(t, src, "192.0.2.1", "192.0.2.2")
	hooks.applyBefore = 2
	for i := 0; i < 2; i++ {
		if err := h.applyErr(h.config(m)); err == nil {
			t.Fatal("want injected failure")
		}
	}
	m.Overwrite = false
	p := h.plan(h.config(m))
	t.Logf("overwrite off, findings: %v", btFindings(p))
	m.Overwrite = true
	h.apply(h.config(m))
	h.rollback(h.config(m))
	if got := zzWWW(t, dst); got != "198.51.100.9" {
		t.Errorf("rollback left www = %s, want the foreign original 198.51.100.9", got)
	}
}

// D2: a created set after two failed writes: rollback leaves it, zone
// delete refused.
func TestCrashDNSPrevShiftCreated(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	zzZone(t, src, zzSet("192.0.2.1"))
	m := &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", DNS: &lang.DNSMove{Zones: []string{"example.com"}}}
	h.apply(h.config(m))
	zzSetTo(t, src, "192.0.2.1", "192.0.2.2")
	hooks.applyBefore = 2
	for i := 0; i < 2; i++ {
		if err := h.applyErr(h.config(m)); err == nil {
			t.Fatal("want injected failure")
		}
	}
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	s := h.open(h.config(m), "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.ctx, false, zzRunOpts())
	if err == nil {
		err = rep.Err()
	}
	t.Logf("rollback err: %v; www now %s", err, zzWWW(t, dst))
	if err != nil {
		t.Error("rollback cannot undo rehome's own set after two failed writes")
	}
}

func zzSec(n, v string) []providers.Secret {
	return []providers.Secret{{SecretMeta: providers.SecretMeta{Name: n}, Value: []byte(v)}}
}

func zzGetSec(t *testing.T, s providers.Secrets, n string) string {
	v, err := s.GetSecret(t.Context(), n)
	if err != nil {
		return "<absent>"
	}
	return string(v.Value)
}

// E: a secret written but not confirmed (lost response) is skipped as
// "same" on the re-run, never confirmed; after a source change it is a
// conflict, and with overwrite on its Created flag is lost: rollback
// restores rehome's earlier copy instead of deleting it.
func TestCrashSecretNeverConfirmed(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}}
	hooks.secretsAfter = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	h.apply(h.config(m)) // re-run: same value, skipped
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v2")); err != nil {
		t.Fatal(err)
	}
	p := h.plan(h.config(m))
	t.Logf("findings: %v", btFindings(p))
	m.Overwrite = true
	h.apply(h.config(m))
	h.rollback(h.config(m))
	if got := zzGetSec(t, dst, "K"); got != "<absent>" {
		t.Errorf("after rollback secret K = %q at the destination; rehome created it", got)
	}
}

// E2: foreign original F replaced (overwrite on), write not confirmed,
// re-run skips, source changes, apply: PrevVersion now points at rehome's
// own copy; rollback restores v1 (rehome's) instead of F.
func TestCrashSecretForeignOriginalLost(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.PutSecrets(h.ctx, zzSec("K", "F-foreign")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}, Overwrite: true}
	hooks.secretsAfter = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	h.apply(h.config(m))
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v2")); err != nil {
		t.Fatal(err)
	}
	h.apply(h.config(m))
	h.rollback(h.config(m))
	if got := zzGetSec(t, dst, "K"); got != "F-foreign" {
		t.Errorf("after rollback secret K = %q, want the foreign original", got)
	}
}

// F: a secret rehome created and someone then changed at the destination
// stays "rehome's": the next apply overwrites it without a conflict and
// rollback deletes it.
func TestCrashSecretChangedAtDestStaysOurs(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst := h.mem("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "v1")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}}
	h.apply(h.config(m))
	if _, err := dst.PutSecrets(h.ctx, zzSec("K", "rotated-at-dst")); err != nil {
		t.Fatal(err)
	}
	// Rotated at the destination since rehome wrote it: theirs again, so a
	// conflict for the next copy, and kept by rollback.
	p := h.plan(h.config(m))
	btFindingByCode(t, p, "secrets.dest_conflict")
	h.rollback(h.config(m))
	if got := zzGetSec(t, dst, "K"); got != "rotated-at-dst" {
		t.Fatalf("after rollback K = %q, want the rotated value kept", got)
	}
}

// I: a replace whose PutSecrets failed (nothing written) leaves
// {writing, PrevVersion: v1}; someone then sets the secret at the
// destination; rollback makes v1 current again over their value.
func TestCrashSecretFailedReplaceRollback(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.flaky("dst")
	if _, err := src.PutSecrets(h.ctx, zzSec("K", "source")); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.PutSecrets(h.ctx, zzSec("K", "F-foreign")); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}, Overwrite: true}
	hooks.secretsBefore = 1
	if err := h.applyErr(h.config(m)); err == nil {
		t.Fatal("want injected failure")
	}
	if _, err := dst.PutSecrets(h.ctx, zzSec("K", "G-rotated-by-owner")); err != nil {
		t.Fatal(err)
	}
	h.rollback(h.config(m))
	if got := zzGetSec(t, dst, "K"); got != "G-rotated-by-owner" {
		t.Errorf("rehome never wrote K, yet rollback changed it to %q", got)
	}
}
