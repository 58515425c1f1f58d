package lang_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rehome/rehome/lang"
)

// TestAuditRules: the audit block's rules file is read at load; a bad
// rule is a diagnostic at the attribute that names the file's line.
func TestAuditRules(t *testing.T) {
	good := `{"rules": [{"id": "acme.api", "category": "mandatory", "effort": 3, "pattern": "api\\.acme\\.internal", "message": "the old API"}]}`
	bad := "{\"rules\": [\n  {\"id\": \"acme.api\", \"category\": \"urgent\", \"pattern\": \"x\", \"message\": \"m\"}\n]}"
	tests := []struct {
		name, src, file, want string // want: a diagnostic's place, summary and detail part
	}{
		{"good", "audit {\n  scan  = [\"app\"]\n  rules = \"rules.json\"\n}\n", good, ""},
		{"bad rule", "audit {\n  scan  = [\"app\"]\n  rules = \"rules.json\"\n}\n", bad,
			`main.hcl:4: Invalid audit rules: audit rules ` + "DIR" + `/rules.json:2: rule "acme.api": category "urgent"`},
		{"missing file", "audit {\n  rules = \"nope.json\"\n}\n", good, "main.hcl:3: Invalid audit rules: audit rules: open DIR/nope.json"},
		{"empty", "audit {\n  rules = \"\"\n}\n", good, "main.hcl:3: Invalid rules file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"main.hcl": "migration \"m\" {}\n" + tt.src, "rules.json": tt.file})
			cfg, diags := lang.Load(dir, testOptions())
			if tt.want == "" {
				if diags.HasErrors() {
					t.Fatal(diagText(cfg, diags))
				}
				if cfg.Audit.Rules != filepath.Join(dir, "rules.json") {
					t.Fatalf("rules %q", cfg.Audit.Rules)
				}
				return
			}
			got := ""
			for _, d := range diags {
				if d.Subject != nil {
					got += filepath.Base(d.Subject.Filename) + ":" + strconv.Itoa(d.Subject.Start.Line) + ": " + d.Summary + ": " + d.Detail + "\n"
				}
			}
			if want := strings.ReplaceAll(tt.want, "DIR", dir); !strings.Contains(got, want) {
				t.Fatalf("diagnostics %q, want %q", got, want)
			}
		})
	}
}
