package planner_test

import "testing"

// newSecretsCase seeds source secret K and, when foreign is not "", a
// foreign K at a faulty destination; it returns readers and writers of K.
func newSecretsCase(t *testing.T, srcVal, foreign string) (*buildHarness, *faultHooks, func() string, func(string)) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst, hooks := h.faulty("dst")
	putSecret(t, src, "K", srcVal)
	if foreign != "" {
		putSecret(t, dst, "K", foreign)
	}
	dstVal := func() string { return secretValue(t, dst, "K") }
	setSource := func(v string) { putSecret(t, src, "K", v) }
	return h, hooks, dstVal, setSource
}

// A secret write whose response was lost is confirmed on the next run:
// after a source change it is not a conflict, and rollback deletes it.
func TestCrashLostSecretWriteIsConfirmed(t *testing.T) {
	h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "")
	m := secretsMove("dst", false)
	hooks.secretsAfter = 1
	h.failApply(t, m)
	h.apply(h.config(m)) // same value: recorded, not rewritten
	setSource("v2")
	h.apply(h.config(m)) // rehome's own: updated without overwrite
	h.rollback(h.config(m))
	if got := dstVal(); got != "<absent>" {
		t.Errorf("after rollback K = %q; rehome created it", got)
	}
}

// A replace whose response was lost keeps the foreign original as the
// version rollback restores, through later re-copies.
func TestCrashLostSecretReplaceKeepsOriginal(t *testing.T) {
	h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "F-foreign")
	m := secretsMove("dst", true)
	hooks.secretsAfter = 1
	h.failApply(t, m)
	h.apply(h.config(m))
	setSource("v2")
	h.apply(h.config(m))
	h.rollback(h.config(m))
	if got := dstVal(); got != "F-foreign" {
		t.Errorf("after rollback K = %q, want the foreign original", got)
	}
}

// A secret rehome created and someone rotated since is theirs: a conflict
// for the next copy, and kept by rollback.
func TestCrashRotatedSecretIsTheirs(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	putSecret(t, src, "K", "v1")
	m := secretsMove("dst", false)
	h.apply(h.config(m))
	putSecret(t, dst, "K", "rotated-at-dst")
	btFindingByCode(t, h.plan(h.config(m)), "secrets.dest_conflict")
	h.rollback(h.config(m))
	if got := secretValue(t, dst, "K"); got != "rotated-at-dst" {
		t.Fatalf("after rollback K = %q, want the rotated value kept", got)
	}
}

// On a store without versions (local) a secret someone changed after rehome
// wrote it is theirs too: kept by rollback.
func TestCrashChangedUnversionedSecretIsTheirs(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.local("disk")
	putSecret(t, src, "K", "v1")
	m := secretsMove("disk", false)
	h.apply(h.config(m))
	putSecret(t, dst, "K", "changed-by-owner")
	btFindingByCode(t, h.plan(h.config(m)), "secrets.dest_conflict")
	_ = h.rollbackErr(m)
	if got := secretValue(t, dst, "K"); got != "changed-by-owner" {
		t.Errorf("after rollback K = %q; the owner's change was not kept", got)
	}
}

// A replace that failed before writing restores nothing: a value the owner
// set since is kept by rollback.
func TestCrashFailedSecretReplaceRestoresNothing(t *testing.T) {
	h, hooks, dstVal, _ := newSecretsCase(t, "source", "F-foreign")
	m := secretsMove("dst", true)
	hooks.secretsBefore = 1
	h.failApply(t, m)
	putSecret(t, h.store.Env("dst"), "K", "G-rotated-by-owner")
	h.rollback(h.config(m))
	if got := dstVal(); got != "G-rotated-by-owner" {
		t.Errorf("rehome never wrote K, yet rollback changed it to %q", got)
	}
}

// A create whose response was lost, then a source rotation — with or
// without a re-apply (overwrite on) — is still rolled back.
func TestCrashLostSecretCreateThenRotationRollsBack(t *testing.T) {
	for _, reapply := range []bool{false, true} {
		h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "")
		m := secretsMove("dst", reapply)
		hooks.secretsAfter = 1
		h.failApply(t, m)
		setSource("v2")
		if reapply {
			h.apply(h.config(m))
		}
		if err := h.rollbackErr(m); err != nil {
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
	for _, lostFirst := range []bool{false, true} {
		h, hooks, dstVal, setSource := newSecretsCase(t, "v1", "")
		m := secretsMove("dst", false)
		if lostFirst {
			hooks.secretsAfter = 1
			h.failApply(t, m)
		} else {
			h.apply(h.config(m))
		}
		setSource("v2")
		hooks.secretsBefore = 1
		h.failApply(t, m)
		for _, f := range btFindings(h.plan(h.config(m))) {
			if f.Code == "secrets.dest_conflict" {
				t.Errorf("lost first %v: rehome's own write is a conflict after a failed rewrite", lostFirst)
			}
		}
		h.rollback(h.config(m))
		if got := dstVal(); got != "<absent>" {
			t.Errorf("lost first %v: after rollback K = %q; rehome created it", lostFirst, got)
		}
	}
}
