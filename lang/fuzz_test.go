package lang_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehome/rehome/lang"
)

// FuzzLoad feeds the loader arbitrary configuration text, seeded with
// every fixture: it must never panic, and every rejection must be a
// diagnostic that names the file. The seeds run as an ordinary test;
// `go test -fuzz=FuzzLoad ./lang` explores further.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.hcl"))
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(string(data))
			}
		}
	}
	f.Add("")
	f.Add(`migration "m" {`)
	f.Add("move \"storage\" \"x\" { from = environment.a\nto = ${")
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := lang.Load(dir, testOptions())
		if !diags.HasErrors() {
			if cfg == nil {
				t.Fatal("no errors and no configuration")
			}
			return
		}
		for _, d := range diags {
			if d.Subject != nil && d.Subject.Filename != "" && !strings.HasSuffix(d.Subject.Filename, "main.hcl") {
				t.Errorf("diagnostic %q names %q, not the file", d.Summary, d.Subject.Filename)
			}
		}
		named := false
		for _, d := range diags {
			named = named || (d.Subject != nil && strings.HasSuffix(d.Subject.Filename, "main.hcl")) ||
				strings.Contains(d.Detail, "main.hcl") || strings.Contains(d.Summary, "No migration block") ||
				strings.Contains(d.Summary, "migration")
		}
		if !named {
			t.Errorf("no diagnostic names the file: %v", diags)
		}
	})
}
