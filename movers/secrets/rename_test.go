package secrets_test

import (
	"strings"
	"testing"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/providers"
)

// TestRename moves secrets under other names: include and exclude match
// the source names, the actions and the destination carry the new ones,
// a secret renamed away is not also moved under its own name, and a
// rename onto another source secret's name is refused.
func TestRename(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rename  map[string]string
		include []string
		want    map[string]string // at the destination after apply
		err     string            // a plan error
	}{
		{"paths to dotenv-like names", map[string]string{"/app/db": "DB", "/app/key": "KEY"}, []string{"/app/*"},
			map[string]string{"DB": "db-v", "KEY": "key-v", "/app/db": "<absent>", "OTHER": "<absent>"}, ""},
		{"include matches source names", map[string]string{"OTHER": "RENAMED"}, []string{"OTHER"},
			map[string]string{"RENAMED": "other-v", "OTHER": "<absent>", "DB": "<absent>"}, ""},
		{"onto another source secret", map[string]string{"/app/db": "OTHER"}, nil, nil, "which is the name of another source secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := movertest.New(t)
			src, dst := h.Mem("cloud"), h.Mem("dst")
			for n, v := range map[string]string{"/app/db": "db-v", "/app/key": "key-v", "OTHER": "other-v"} {
				movertest.PutSecret(t, src, n, v)
			}
			cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst",
				Settings: &secrets.Settings{Include: tt.include, Rename: tt.rename}})
			if tt.err != "" {
				s := h.Open(cfg, "plan")
				defer s.Close()
				if _, err := s.Plan(h.Ctx, nil); err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("plan: %v, want an error saying %q", err, tt.err)
				}
				return
			}
			h.Apply(cfg)
			for n, v := range tt.want {
				if got := movertest.SecretValue(t, dst, n); got != v {
					t.Errorf("%s at the destination: %q, want %q", n, got, v)
				}
			}
			if p := h.Plan(cfg); len(p.Blockers()) > 0 || len(movertest.Actions(p)) == 0 {
				t.Errorf("re-plan: blockers %+v", p.Blockers())
			}
		})
	}
}
