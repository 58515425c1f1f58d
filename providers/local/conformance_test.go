package local_test

import (
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/providertest"
)

// TestConformance runs the provider conformance suite: apply -> re-plan is
// empty; apply -> rollback -> discover gives the original inventory.
func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: local.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			dir := t.TempDir()
			id, err := age.GenerateX25519Identity()
			if err != nil {
				t.Fatal(err)
			}
			key := filepath.Join(dir, "key.txt")
			if err := writeFile(key, id.String()+"\n"); err != nil {
				t.Fatal(err)
			}
			return cty.ObjectVal(map[string]cty.Value{
				"path":              cty.StringVal(filepath.Join(dir, "env")),
				"age_recipients":    cty.ListVal([]cty.Value{cty.StringVal(id.Recipient().String())}),
				"age_identity_file": cty.StringVal(key),
				"nameservers":       cty.ListVal([]cty.Value{cty.StringVal("ns1.example.net.")}),
			})
		},
	})
}
