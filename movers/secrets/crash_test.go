package secrets_test

// Crash-window tests (crash_*_test.go): a memory provider wrapped to fail
// calls before or after they take effect — a lost response leaves the same
// durable state as kill -9 between a write and its record — drives the
// ownership rules through every window the executor has. Each test names
// the guarantee it holds.

import (
	"testing"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/providers"
)

func secretsMove(to string, overwrite bool) *lang.Move {
	return &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: to, Overwrite: overwrite, Settings: &secrets.Settings{}}
}

// newSecretsCase seeds source secret K and, when foreign is not "", a
// foreign K at a faulty destination; it returns readers and writers of K.
func newSecretsCase(t *testing.T, srcVal, foreign string) (*movertest.Harness, *movertest.FaultHooks, func() string, func(string)) {
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst, hooks := h.Faulty("dst")
	movertest.PutSecret(t, src, "K", srcVal)
	if foreign != "" {
		movertest.PutSecret(t, dst, "K", foreign)
	}
	dstVal := func() string { return movertest.SecretValue(t, dst, "K") }
	setSource := func(v string) { movertest.PutSecret(t, src, "K", v) }
	return h, hooks, dstVal, setSource
}

// A secret write whose response was lost is confirmed on the next run:
// after a source change it is not a conflict, and rollback deletes it.
func TestCrashLostSecretWriteIsConfirmed(t *testing.T) {
	t.Parallel()
	h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "")
	m := secretsMove("dst", false)
	hooks.SecretsAfter = 1
	h.FailApply(t, h.Config(m))
	h.Apply(h.Config(m)) // same value: recorded, not rewritten
	setSource("v2")
	h.Apply(h.Config(m)) // rehome's own: updated without overwrite
	h.Rollback(h.Config(m))
	if got := dstVal(); got != "<absent>" {
		t.Errorf("after rollback K = %q; rehome created it", got)
	}
}

// A replace whose response was lost keeps the foreign original as the
// version rollback restores, through later re-copies.
func TestCrashLostSecretReplaceKeepsOriginal(t *testing.T) {
	t.Parallel()
	h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "F-foreign")
	m := secretsMove("dst", true)
	hooks.SecretsAfter = 1
	h.FailApply(t, h.Config(m))
	h.Apply(h.Config(m))
	setSource("v2")
	h.Apply(h.Config(m))
	h.Rollback(h.Config(m))
	if got := dstVal(); got != "F-foreign" {
		t.Errorf("after rollback K = %q, want the foreign original", got)
	}
}

// A secret rehome created and someone rotated since is theirs: a conflict
// for the next copy, and kept by rollback.
func TestCrashRotatedSecretIsTheirs(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.PutSecret(t, src, "K", "v1")
	m := secretsMove("dst", false)
	h.Apply(h.Config(m))
	movertest.PutSecret(t, dst, "K", "rotated-at-dst")
	movertest.FindingByCode(t, h.Plan(h.Config(m)), "secrets.dest_conflict")
	h.Rollback(h.Config(m))
	if got := movertest.SecretValue(t, dst, "K"); got != "rotated-at-dst" {
		t.Fatalf("after rollback K = %q, want the rotated value kept", got)
	}
}

// On a store without versions (local) a secret someone changed after rehome
// wrote it is theirs too: kept by rollback.
func TestCrashChangedUnversionedSecretIsTheirs(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Local("disk")
	movertest.PutSecret(t, src, "K", "v1")
	m := secretsMove("disk", false)
	h.Apply(h.Config(m))
	movertest.PutSecret(t, dst, "K", "changed-by-owner")
	movertest.FindingByCode(t, h.Plan(h.Config(m)), "secrets.dest_conflict")
	_ = h.RollbackErr(h.Config(m))
	if got := movertest.SecretValue(t, dst, "K"); got != "changed-by-owner" {
		t.Errorf("after rollback K = %q; the owner's change was not kept", got)
	}
}

// A replace that failed before writing restores nothing: a value the owner
// set since is kept by rollback.
func TestCrashFailedSecretReplaceRestoresNothing(t *testing.T) {
	t.Parallel()
	h, hooks, dstVal, _ := newSecretsCase(t, "source", "F-foreign")
	m := secretsMove("dst", true)
	hooks.SecretsBefore = 1
	h.FailApply(t, h.Config(m))
	movertest.PutSecret(t, h.Store.Env("dst"), "K", "G-rotated-by-owner")
	h.Rollback(h.Config(m))
	if got := dstVal(); got != "G-rotated-by-owner" {
		t.Errorf("rehome never wrote K, yet rollback changed it to %q", got)
	}
}

// A create whose response was lost, then a source rotation — with or
// without a re-apply (overwrite on) — is still rolled back.
func TestCrashLostSecretCreateThenRotationRollsBack(t *testing.T) {
	t.Parallel()
	for _, reapply := range []bool{false, true} {
		h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "")
		m := secretsMove("dst", reapply)
		hooks.SecretsAfter = 1
		h.FailApply(t, h.Config(m))
		setSource("v2")
		if reapply {
			h.Apply(h.Config(m))
		}
		if err := h.RollbackErr(h.Config(m)); err != nil {
			t.Errorf("re-apply %v: rollback: %v", reapply, err)
		}
		if got := dstVal(); got != "<absent>" {
			t.Errorf("re-apply %v: after rollback K = %q; rehome created it", reapply, got)
		}
	}
}

// A rewrite that fails before writing leaves rehome owning its earlier
// write (no conflict); so does a lost write followed by a failed one; both
// are rolled back.
func TestCrashFailedSecretRewriteKeepsOwnership(t *testing.T) {
	t.Parallel()
	for _, lostFirst := range []bool{false, true} {
		h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "")
		m := secretsMove("dst", false)
		if lostFirst {
			hooks.SecretsAfter = 1
			h.FailApply(t, h.Config(m))
		} else {
			h.Apply(h.Config(m))
		}
		setSource("v2")
		hooks.SecretsBefore = 1
		h.FailApply(t, h.Config(m))
		for _, f := range movertest.Findings(h.Plan(h.Config(m))) {
			if f.Code == "secrets.dest_conflict" {
				t.Errorf("lost first %v: rehome's own write is a conflict after a failed rewrite", lostFirst)
			}
		}
		h.Rollback(h.Config(m))
		if got := dstVal(); got != "<absent>" {
			t.Errorf("lost first %v: after rollback K = %q; rehome created it", lostFirst, got)
		}
	}
}
