package lang_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/lang"
)

const (
	messy = "environment \"aws\" {\nprovider=\"aws\"\n    region = \"eu-central-1\"\n}\n"
	tidy  = "environment \"aws\" {\n  provider = \"aws\"\n  region   = \"eu-central-1\"\n}\n"
)

func TestFormatSource(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		want      string
		wantError string // summary of the expected error
	}{
		{name: "messy", src: messy, want: tidy},
		{name: "already tidy", src: tidy, want: tidy},
		{name: "vars file", src: "a=1\nbb = \"x\"\n", want: "a  = 1\nbb = \"x\"\n"},
		{name: "syntax error", src: "environment \"aws\" {\n  provider = \n}\n", wantError: "Invalid expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := lang.FormatSource([]byte(tt.src), "main.hcl")
			if tt.wantError != "" {
				if !diags.HasErrors() || diags[0].Summary != tt.wantError || diags[0].Subject.Filename != "main.hcl" {
					t.Errorf("diags = %v, want %q in main.hcl", diags, tt.wantError)
				}
				if got != nil {
					t.Errorf("formatted a file with syntax errors: %q", got)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatDir(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"a.hcl":                   messy,
		"b.hcl":                   tidy,
		"bad.hcl":                 "locals {\n",
		"prod.auto.rehomevars":    "a=1\nbb = 2\n",
		"notes.txt":               "not=formatted\n",
		"sub/c.hcl":               messy,
		".rehome/state/x.hcl":     messy,
		".hidden/d.hcl":           messy,
		"sub/.hidden/e.hcl":       messy,
		"sub/deeper/f.rehomevars": "x=1\n",
	})
	type result struct {
		Path    string
		Changed bool
		Errors  bool
	}
	tests := []struct {
		recursive bool
		want      []result
	}{
		{false, []result{
			{"a.hcl", true, false},
			{"b.hcl", false, false},
			{"bad.hcl", false, true},
			{"prod.auto.rehomevars", true, false},
		}},
		{true, []result{
			{"a.hcl", true, false},
			{"b.hcl", false, false},
			{"bad.hcl", false, true},
			{"prod.auto.rehomevars", true, false},
			{"sub/c.hcl", true, false},
			{"sub/deeper/f.rehomevars", true, false},
		}},
	}
	for _, tt := range tests {
		name := "flat"
		if tt.recursive {
			name = "recursive"
		}
		t.Run(name, func(t *testing.T) {
			results, err := lang.FormatDir(dir, tt.recursive)
			if err != nil {
				t.Fatal(err)
			}
			var got []result
			for _, r := range results {
				got = append(got, result{r.Path, r.Changed, r.Diags.HasErrors()})
				if r.Path == "a.hcl" && (string(r.Old) != messy || string(r.New) != tidy) {
					t.Errorf("a.hcl Old/New = %q / %q", r.Old, r.New)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("syntax errors render with snippets", func(t *testing.T) {
		results, err := lang.FormatDir(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range results {
			_ = lang.WriteDiagnostics(&b, lang.SourceFiles(results), r.Diags, false, 0)
		}
		if !strings.Contains(b.String(), "Error: bad.hcl:1,") || !strings.Contains(b.String(), "   1: locals {") {
			t.Errorf("output:\n%s", b.String())
		}
	})

	if _, err := lang.FormatDir(dir+"/missing", false); err == nil {
		t.Error("FormatDir of a missing directory: no error")
	}
}

func TestUnifiedDiff(t *testing.T) {
	want := `--- old/a.hcl
+++ new/a.hcl
@@ -1,4 +1,4 @@
 environment "aws" {
-provider="aws"
-    region = "eu-central-1"
+  provider = "aws"
+  region   = "eu-central-1"
 }
`
	if diff := cmp.Diff(want, lang.UnifiedDiff("a.hcl", []byte(messy), []byte(tidy))); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	if got := lang.UnifiedDiff("a.hcl", []byte(tidy), []byte(tidy)); got != "" {
		t.Errorf("diff of equal files = %q, want empty", got)
	}
}
