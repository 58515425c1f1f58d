package lang_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rehome/rehome/lang"
)

func TestCostBlock(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		usage    string // relative to the directory
		currency string
		err      string // a diagnostic's summary and place
	}{
		{"none", ``, "", "", ""},
		{"usage and currency", "cost {\n  usage_file = \"usage.txt\"\n  currency = \"EUR\"\n}\n", "usage.txt", "EUR", ""},
		{"missing usage file", "cost {\n  usage_file = \"nope.hcl\"\n}\n", "", "", "main.hcl:3: Usage file not found"},
		{"usage block with a wrong key", "usage \"bucket\" \"b\" {\n  gets = 1\n}\n", "", "", "main.hcl:3: Unknown usage key"},
		{"usage block", "usage \"zone\" \"*\" {\n  queries = 1\n}\n", "", "", ""},
		{"bad currency", "cost {\n  currency = \"GBP\"\n}\n", "", "", "main.hcl:3: Invalid currency"},
		{"duplicate", "cost {}\ncost {}\n", "", "", "main.hcl:3: Duplicate cost block"},
		{"unknown argument", "cost {\n  usage = \"x\"\n}\n", "", "", "main.hcl:3: Unsupported argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"main.hcl": "migration \"m\" {}\n" + tt.src, "usage.txt": "usage \"bucket\" \"*\" {\n  get_requests = 5\n}\n"})
			cfg, diags := lang.Load(dir, testOptions())
			if tt.err != "" {
				got := ""
				for _, d := range diags {
					if d.Subject != nil {
						got += filepath.Base(d.Subject.Filename) + ":" + strconv.Itoa(d.Subject.Start.Line) + ": " + d.Summary + "\n"
					}
				}
				if !strings.Contains(got, tt.err) {
					t.Fatalf("diagnostics %q, want %q", got, tt.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diagText(cfg, diags))
			}
			if !strings.HasPrefix(tt.src, "cost") {
				if cfg.Cost != nil {
					t.Fatalf("cost block %+v without one in the file", cfg.Cost)
				}
				return
			}
			want := ""
			if tt.usage != "" {
				want = filepath.Join(dir, tt.usage)
			}
			if cfg.Cost.UsageFile != want || cfg.Cost.Currency != tt.currency {
				t.Fatalf("cost %+v, want usage %q currency %q", cfg.Cost, want, tt.currency)
			}
		})
	}
}
