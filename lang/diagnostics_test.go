package lang_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/rehome/rehome/lang"
)

// undeclaredEnv loads the undeclared_environment fixture, whose line 12 is
//
//	to   = environment.hetznr # ERROR: Unknown environment
func undeclaredEnv(t *testing.T) (*lang.Config, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := lang.Load(filepath.Join("testdata", "invalid", "undeclared_environment"), testOptions())
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics, want 2:\n%s", len(diags), diagText(cfg, diags))
	}
	return cfg, diags
}

func TestWriteDiagnostics(t *testing.T) {
	cfg, diags := undeclaredEnv(t)
	tests := []struct {
		name  string
		color bool
		width uint
		want  string
	}{
		{
			name: "plain",
			want: `Error: main.hcl:12,10-28: Unknown environment; There is no environment named "hetznr". Did you mean "hetzner"? The declared environments are "aws", "hetzner".

  on main.hcl line 12, in move "storage" "assets":
    12:   to   = environment.hetznr # ERROR: Unknown environment
                 ^^^^^^^^^^^^^^^^^^

Error: main.hcl:16,10-15: Invalid environment reference; The argument "from" must name an environment, written environment.NAME (for example environment.aws), not a string or other expression.

  on main.hcl line 16, in move "storage" "logs":
    16:   from = "aws" # ERROR: Invalid environment reference
                 ^^^^^
`,
		},
		{
			name:  "wrapped",
			width: 60,
			want: `Error: main.hcl:12,10-28: Unknown environment; There is no
  environment named "hetznr". Did you mean "hetzner"? The
  declared environments are "aws", "hetzner".

  on main.hcl line 12, in move "storage" "assets":
    12:   to   = environment.hetznr # ERROR: Unknown environment
                 ^^^^^^^^^^^^^^^^^^
`,
		},
		{
			name:  "color",
			color: true,
			want: "\x1b[31mError\x1b[0m: main.hcl:12,10-28: Unknown environment; There is no environment named \"hetznr\". Did you mean \"hetzner\"? The declared environments are \"aws\", \"hetzner\".\n" +
				"\n" +
				"  on main.hcl line 12, in move \"storage\" \"assets\":\n" +
				"    12:   to   = \x1b[1;4menvironment.hetznr\x1b[0m # ERROR: Unknown environment\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diags
			if tt.name != "plain" {
				d = diags[:1]
			}
			var b strings.Builder
			if err := lang.WriteDiagnostics(&b, cfg.Files, d, tt.color, tt.width); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("first line is Error()", func(t *testing.T) {
		var b strings.Builder
		_ = lang.WriteDiagnostics(&b, cfg.Files, diags[:1], false, 0)
		first, _, _ := strings.Cut(b.String(), "\n")
		if want := "Error: " + diags[0].Error(); first != want {
			t.Errorf("first line = %q, want %q", first, want)
		}
	})

	t.Run("empty range", func(t *testing.T) {
		// HCL reports a missing argument at the (empty) start of the body.
		cfg, diags := lang.Load(filepath.Join("testdata", "invalid", "missing_provider_attribute"), testOptions())
		var b strings.Builder
		_ = lang.WriteDiagnostics(&b, cfg.Files, diags, false, 0)
		want := `Error: main.hcl:1,19-19: Missing required argument; The argument "region" is required, but no definition was found.

  on main.hcl line 1, in environment "aws":
     1: environment "aws" { # ERROR: Missing required argument
                          ^
`
		if diff := cmp.Diff(want, b.String()); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
	})

	t.Run("without source or subject", func(t *testing.T) {
		diags := hcl.Diagnostics{
			{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable", Detail: "Set with -var."},
			{Severity: hcl.DiagError, Summary: "Broken", Subject: &hcl.Range{
				Filename: "gone.hcl", Start: hcl.Pos{Line: 3, Column: 1}, End: hcl.Pos{Line: 3, Column: 4, Byte: 3},
			}},
		}
		var b strings.Builder
		_ = lang.WriteDiagnostics(&b, nil, diags, false, 0)
		want := "Warning: Value for undeclared variable; Set with -var.\n\nError: gone.hcl:3,1-4: Broken\n"
		if got := b.String(); got != want {
			t.Errorf("output = %q, want %q", got, want)
		}
	})
}

func TestWriteDiagnosticsExpressionValues(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `variable "size" { default = 3 }
variable "secret" {
  default   = "do-not-show"
  sensitive = true
}
locals {
  bad = { k = var.size }[var.secret]
}
`})
	cfg, diags := lang.Load(dir, testOptions())
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1:\n%s", len(diags), diagText(cfg, diags))
	}
	var b strings.Builder
	_ = lang.WriteDiagnostics(&b, cfg.Files, diags, false, 0)
	out := b.String()
	if !strings.Contains(out, "\n    var.size is 3\n") {
		t.Errorf("output lacks the value of var.size:\n%s", out)
	}
	if strings.Contains(out, "var.secret is") || strings.Contains(out, "do-not-show") {
		t.Errorf("output shows the sensitive variable:\n%s", out)
	}
}

func TestDiagnosticsJSON(t *testing.T) {
	cfg, diags := undeclaredEnv(t)
	got := lang.NewValidateJSON(cfg.Files, diags)
	ctx := `move "storage" "assets"`
	want := lang.JSONDiagnostic{
		Severity: "error",
		Summary:  "Unknown environment",
		Detail:   `There is no environment named "hetznr". Did you mean "hetzner"? The declared environments are "aws", "hetzner".`,
		Range: &lang.JSONRange{
			Filename: "main.hcl",
			Start:    lang.JSONPos{Line: 12, Column: 10, Byte: 179},
			End:      lang.JSONPos{Line: 12, Column: 28, Byte: 197},
		},
		Snippet: &lang.JSONSnippet{
			Context:              &ctx,
			Code:                 `  to   = environment.hetznr # ERROR: Unknown environment`,
			StartLine:            12,
			HighlightStartOffset: 9,
			HighlightEndOffset:   27,
			Values:               []lang.JSONExpressionValue{},
		},
	}
	if got.FormatVersion != "1.0" || got.Valid || got.ErrorCount != 2 || got.WarningCount != 0 || len(got.Diagnostics) != 2 {
		t.Errorf("summary = %+v", got)
	}
	if diff := cmp.Diff(want, got.Diagnostics[0], cmp.AllowUnexported(lang.JSONSnippet{}), cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".lineStarts"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("diagnostic (-want +got):\n%s", diff)
	}
	if sn := got.Diagnostics[0].Snippet; sn.Code[sn.HighlightStartOffset:sn.HighlightEndOffset] != "environment.hetznr" {
		t.Errorf("highlight = %q", sn.Code[sn.HighlightStartOffset:sn.HighlightEndOffset])
	}

	// The encoded shape, as bots read it.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		`"format_version":"1.0"`, `"valid":false`, `"error_count":2`, `"warning_count":0`,
		`"severity":"error"`, `"range":{"filename":"main.hcl","start":{"line":12,"column":10,"byte":179}`,
		`"snippet":{"context":"move \"storage\" \"assets\"","code":`, `"start_line":12`,
		`"highlight_start_offset":9`, `"highlight_end_offset":27`, `"values":[]`,
	} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s:\n%s", key, b)
		}
	}

	empty, _ := json.Marshal(lang.NewValidateJSON(nil, nil))
	if want := `{"format_version":"1.0","valid":true,"error_count":0,"warning_count":0,"diagnostics":[]}`; string(empty) != want {
		t.Errorf("empty = %s, want %s", empty, want)
	}
	noSubject := lang.DiagnosticsJSON(nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "s"}})
	if b, _ := json.Marshal(noSubject); string(b) != `[{"severity":"warning","summary":"s","detail":""}]` {
		t.Errorf("no subject = %s", b)
	}
}

func TestHash(t *testing.T) {
	const config = `
variable "region" { default = "eu-central-1" }
variable "token" {
  sensitive = true
  default   = ""
}
environment "aws" {
  provider = "aws"
  region   = var.region
}
`
	hexRE := regexp.MustCompile(`^[0-9a-f]{64}$`)
	base := func(t *testing.T) (string, lang.Options) {
		return writeDir(t, map[string]string{"main.hcl": config}), testOptions()
	}
	baseDir, baseOpts := base(t)
	baseHash := mustLoad(t, baseDir, baseOpts).Hash
	if !hexRE.MatchString(baseHash) {
		t.Fatalf("Hash = %q, want 64 hex digits", baseHash)
	}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string, opts *lang.Options)
		same   bool
	}{
		{"reload", func(*testing.T, string, *lang.Options) {}, true},
		{"same content elsewhere", func(t *testing.T, dir string, _ *lang.Options) {}, true},
		{"sensitive -var", func(_ *testing.T, _ string, o *lang.Options) { o.Vars = []string{"token=abc"} }, true},
		{"sensitive env", func(_ *testing.T, _ string, o *lang.Options) {
			o.Getenv = envFunc(map[string]string{"REHOME_VAR_token": "xyz"})
		}, true},
		{"non-sensitive -var", func(_ *testing.T, _ string, o *lang.Options) { o.Vars = []string{"region=us-east-1"} }, false},
		{"non-sensitive env", func(_ *testing.T, _ string, o *lang.Options) {
			o.Getenv = envFunc(map[string]string{"REHOME_VAR_region": "us-east-1"})
		}, false},
		{"same value from -var", func(_ *testing.T, _ string, o *lang.Options) { o.Vars = []string{"region=eu-central-1"} }, true},
		{"auto vars file", func(t *testing.T, dir string, _ *lang.Options) {
			writeFile(t, dir, "x.auto.rehomevars", `region = "ap-south-1"`)
		}, false},
		{"edited file", func(t *testing.T, dir string, _ *lang.Options) {
			writeFile(t, dir, "main.hcl", config+"\n")
		}, false},
		{"added file", func(t *testing.T, dir string, _ *lang.Options) {
			writeFile(t, dir, "more.hcl", "locals {}\n")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, opts := base(t)
			tt.change(t, dir, &opts)
			got := mustLoad(t, dir, opts).Hash
			if same := got == baseHash; same != tt.same {
				t.Errorf("hash changed = %v, want %v", !same, !tt.same)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}
