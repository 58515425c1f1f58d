package secrets_test

// Table tests of planner.Build's findings and actions, driven through the
// engine (Open -> Plan -> Apply/Cutover/Rollback) with the memory provider,
// whose cloud semantics (S3 keys, metadata, versioned secrets, a DNS service
// without PTR) reach planner paths the local provider cannot.

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
)

// TestBuildSecretsConflictAndOverwrite: a foreign differing secret is a
// blocker; with overwrite, an unversioned destination makes the action
// irreversible (with a warning), a versioned one does not.
func TestBuildSecretsConflictAndOverwrite(t *testing.T) {
	t.Parallel()
	const addr = `move.secrets.s.secret["API_KEY"]`
	tests := []struct {
		dst          string
		irreversible bool
		warn         []movertest.Finding
		undo         string
	}{
		{local.Name, true, []movertest.Finding{{Code: "secrets.overwrite_irreversible", Severity: planner.SevWarning, Address: addr, Acknowledged: false}}, "keeps no prior versions"},
		{memory.Name, false, nil, "restore the previous version"},
	}
	for _, tt := range tests {
		t.Run(tt.dst, func(t *testing.T) {
			h := movertest.New(t)
			src := h.Mem("cloud")
			var dst providers.Secrets
			if tt.dst == local.Name {
				dst = h.Local("dst")
			} else {
				dst = h.Mem("dst")
			}
			sec := func(n, v string) providers.Secret {
				return providers.Secret{SecretMeta: providers.SecretMeta{Name: n}, Value: []byte(v)}
			}
			if _, err := src.PutSecrets(h.Ctx, []providers.Secret{sec("API_KEY", "new"), sec("DB_URL", "db")}); err != nil {
				t.Fatal(err)
			}
			if _, err := dst.PutSecrets(h.Ctx, []providers.Secret{sec("API_KEY", "old")}); err != nil {
				t.Fatal(err)
			}
			m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Settings: &secrets.Settings{}}
			cfg := h.Config(m)

			p := h.Plan(cfg)
			if d := cmp.Diff([]movertest.Finding{{Code: "secrets.dest_conflict", Severity: planner.SevBlocker, Address: addr, Acknowledged: false}}, movertest.Findings(p)); d != "" {
				t.Errorf("findings without overwrite (-want +got):\n%s", d)
			}
			for _, a := range p.Actions {
				if a.Address == addr {
					t.Errorf("a conflicting secret has an action: %+v", a)
				}
			}
			if a := movertest.ActionAt(t, p, `move.secrets.s.secret["DB_URL"]`); a.Action != planner.ActCreate || a.Irreversible {
				t.Errorf("DB_URL action %s irreversible=%v", a.Action, a.Irreversible)
			}

			m.Overwrite = true
			p = h.Plan(cfg)
			if d := cmp.Diff(tt.warn, movertest.Findings(p)); d != "" {
				t.Errorf("findings with overwrite (-want +got):\n%s", d)
			}
			a := movertest.ActionAt(t, p, addr)
			if a.Action != planner.ActUpdate || a.Irreversible != tt.irreversible || !strings.Contains(a.Undo, tt.undo) {
				t.Errorf("overwrite action: %s irreversible=%v undo=%q", a.Action, a.Irreversible, a.Undo)
			}
			if p.Summary.Blockers != 0 || p.Summary.Items["secrets"] != 2 {
				t.Errorf("summary %+v", p.Summary)
			}
		})
	}
}

// TestSecretAppearedSincePlanNotReplaced: with overwrite on, a secret the
// plan showed as a create but that someone wrote at the destination since is
// not replaced by that plan (its loss would be unreviewed).
func TestSecretAppearedSincePlanNotReplaced(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	secret := func(v string) []providers.Secret {
		return []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "TOKEN"}, Value: []byte(v)}}
	}
	if _, err := src.PutSecrets(h.Ctx, secret("from the source")); err != nil {
		t.Fatal(err)
	}
	cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Overwrite: true, Settings: &secrets.Settings{}})
	s := h.Open(cfg, "apply")
	defer s.Close()
	p, err := s.Plan(h.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := movertest.ActionAt(t, p, `move.secrets.s.secret["TOKEN"]`); a.Action != "create" {
		t.Fatalf("planned %s, want create", a.Action)
	}
	if _, err := dst.PutSecrets(h.Ctx, secret("written by someone else")); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(h.Ctx, p, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "appeared") {
		t.Fatalf("apply = %v, want a refusal naming the secret that appeared", rep.Err())
	}
	got, err := dst.GetSecret(h.Ctx, "TOKEN")
	if err != nil || string(got.Value) != "written by someone else" {
		t.Fatalf("the foreign secret was replaced: %q, %v", got.Value, err)
	}
}
