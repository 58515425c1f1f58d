package lang_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
)

func TestVariablePrecedence(t *testing.T) {
	dir := filepath.Join("testdata", "valid", "precedence")
	varFile := filepath.Join("testdata", "varfiles", "prod.rehomevars")
	obj := func(name string, size int64) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name), "size": cty.NumberIntVal(size)})
	}
	strs := func(ss ...string) cty.Value {
		vals := make([]cty.Value, len(ss))
		for i, s := range ss {
			vals[i] = cty.StringVal(s)
		}
		return cty.ListVal(vals)
	}
	tests := []struct {
		name       string
		env        map[string]string
		varFiles   []string
		vars       []string
		want       map[string]cty.Value
		wantSource map[string]string
	}{
		{
			name: "defaults and auto files",
			// a and b come from the auto files (the later file wins for b).
			want: map[string]cty.Value{
				"a": cty.StringVal("auto"), "b": cty.NumberIntVal(4), "c": strs("auto"),
				"d": cty.StringVal("default"), "e": obj("default", 10),
			},
			wantSource: map[string]string{
				"a": "10-first.auto.rehomevars", "b": "20-second.auto.rehomevars", "d": "default",
			},
		},
		{
			name: "environment beats default, loses to auto files",
			env: map[string]string{
				"REHOME_VAR_a": "env", "REHOME_VAR_b": "9", "REHOME_VAR_d": "env",
				"REHOME_VAR_e": `{ name = "env", size = 2 }`,
			},
			want: map[string]cty.Value{
				"a": cty.StringVal("auto"), "b": cty.NumberIntVal(4), "c": strs("auto"),
				"d": cty.StringVal("env"), "e": obj("env", 2),
			},
			wantSource: map[string]string{"d": "REHOME_VAR_d", "e": "REHOME_VAR_e"},
		},
		{
			name:     "var file beats auto files",
			varFiles: []string{varFile},
			want: map[string]cty.Value{
				"a": cty.StringVal("varfile"), "b": cty.NumberIntVal(4), "c": strs("varfile"),
				"d": cty.StringVal("default"), "e": obj("default", 10),
			},
			wantSource: map[string]string{"a": varFile},
		},
		{
			name:     "-var beats everything, parsed for typed variables",
			env:      map[string]string{"REHOME_VAR_d": "env"},
			varFiles: []string{varFile},
			vars:     []string{"a=cli", `c=["x", "y"]`, "b=7", "d=[1]", `e={name="cli"}`, "a=last=wins"},
			want: map[string]cty.Value{
				"a": cty.StringVal("last=wins"), "b": cty.NumberIntVal(7), "c": strs("x", "y"),
				// d has no type: values are taken literally.
				"d": cty.StringVal("[1]"), "e": obj("cli", 10),
			},
			wantSource: map[string]string{"a": "-var", "d": "-var"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.Getenv = envFunc(tt.env)
			opts.VarFiles, opts.Vars = tt.varFiles, tt.vars
			cfg := mustLoad(t, dir, opts)
			got := map[string]cty.Value{}
			for name, v := range cfg.Variables {
				got[name] = v.Value
			}
			if diff := cmp.Diff(tt.want, got, ctyEqual); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			for name, src := range tt.wantSource {
				if got := cfg.Variables[name].Source; got != src {
					t.Errorf("var.%s Source = %q, want %q", name, got, src)
				}
			}
			if got := cfg.Environments["src"].Value.GetAttr("path"); !got.RawEquals(tt.want["a"]) {
				t.Errorf("path = %#v, want var.a", got)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	const config = `
variable "n" {
  type = number
}

variable "s" {
  type    = string
  default = "x"
}
`
	type want struct {
		severity hcl.DiagnosticSeverity
		summary  string
		detail   string // substring
		line     int    // 0: no subject
	}
	tests := []struct {
		name     string
		env      map[string]string
		vars     []string
		varFiles map[string]string // written next to the config, passed as -var-file
		want     []want
	}{
		{
			name: "no value",
			want: []want{{hcl.DiagError, "No value for required variable", `REHOME_VAR_n`, 2}},
		},
		{
			name: "undeclared -var",
			vars: []string{"n=1", "nn=2"},
			want: []want{{hcl.DiagError, "Value for undeclared variable", `Did you mean "n"?`, 0}},
		},
		{
			name: "malformed -var",
			vars: []string{"n=1", "secret-without-name"},
			want: []want{{hcl.DiagError, "Invalid -var option", "The 2nd -var option", 0}},
		},
		{
			name: "-var of the wrong type",
			vars: []string{"n=abc"},
			want: []want{{hcl.DiagError, "Invalid value for variable", `n: a number is required, got "abc" (from -var)`, 2}},
		},
		{
			name: "-var that does not parse",
			vars: []string{"n=[1"},
			want: []want{{hcl.DiagError, "Invalid value for variable", "from -var", 2}},
		},
		{
			name: "environment of the wrong type",
			env:  map[string]string{"REHOME_VAR_n": `"ten"`},
			want: []want{{hcl.DiagError, "Invalid value for variable", `n: a number is required, got "\"ten\"" (from the environment variable REHOME_VAR_n)`, 2}},
		},
		{
			name:     "var file",
			vars:     []string{"n=1"},
			varFiles: map[string]string{"prod.rehomevars": "s = \"ok\"\nzz = 1\n"},
			want: []want{
				{hcl.DiagWarning, "Value for undeclared variable", `sets "zz"`, 2},
			},
		},
		{
			name:     "var file of the wrong type",
			varFiles: map[string]string{"prod.rehomevars": "n = [1]\n"},
			want: []want{
				{hcl.DiagError, "Invalid value for variable", "number required", 1},
			},
		},
		{
			name:     "missing var file",
			vars:     []string{"n=1"},
			varFiles: map[string]string{"": ""},
			want:     []want{{hcl.DiagError, "Cannot read variables file", "no such file", 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"main.hcl": config})
			opts := testOptions()
			opts.Getenv = envFunc(tt.env)
			opts.Vars = tt.vars
			for name, src := range tt.varFiles {
				p := filepath.Join(t.TempDir(), "missing.rehomevars")
				if name != "" {
					p = filepath.Join(writeDir(t, map[string]string{name: src}), name)
				}
				opts.VarFiles = append(opts.VarFiles, p)
			}
			cfg, diags := lang.Load(dir, opts)
			if len(diags) != len(tt.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(tt.want), diagText(cfg, diags))
			}
			for i, w := range tt.want {
				d := diags[i]
				if d.Severity != w.severity || d.Summary != w.summary || !strings.Contains(d.Detail, w.detail) {
					t.Errorf("diagnostic %d = %v, want %q containing %q", i, d, w.summary, w.detail)
				}
				switch {
				case w.line == 0 && d.Subject != nil:
					t.Errorf("diagnostic %d has subject %s, want none", i, d.Subject)
				case w.line != 0 && (d.Subject == nil || d.Subject.Start.Line != w.line):
					t.Errorf("diagnostic %d has subject %v, want line %d", i, d.Subject, w.line)
				}
			}
		})
	}
}

func TestSensitiveValuesMarked(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `
variable "sub" {
  sensitive = true
}

locals {
  path  = "/srv/${var.sub}"
  upper = upper(var.sub)
  safe  = "/srv/public"
}

environment "src" {
  provider = "local"
  path     = local.path
}

environment "dst" {
  provider = "hcloud"
  token    = "literal-token"
  object_storage { endpoint = local.safe }
}
`})
	opts := testOptions()
	opts.Vars = []string{"sub=private-dir"}
	cfg := mustLoad(t, dir, opts)

	if v := cfg.Variables["sub"].Value; !v.HasMark(lang.SensitiveMark) {
		t.Errorf("var.sub = %#v, want marked sensitive", v)
	}
	if v := cfg.Locals["path"]; !v.HasMark(lang.SensitiveMark) {
		t.Errorf("local.path = %#v, want marked sensitive (derived)", v)
	}
	if v := cfg.Locals["upper"]; !v.RawEquals(cty.StringVal("PRIVATE-DIR").Mark(lang.SensitiveMark)) {
		t.Errorf("local.upper = %#v, want marked sensitive (function result)", v)
	}
	if v := cfg.Locals["safe"]; v.IsMarked() {
		t.Errorf("local.safe = %#v, want unmarked", v)
	}
	for name, want := range map[string][]string{"src": {"path"}, "dst": {"token"}} {
		env := cfg.Environments[name]
		if !slices.Equal(env.Sensitive, want) {
			t.Errorf("%s Sensitive = %v, want %v", name, env.Sensitive, want)
		}
		if env.Value.ContainsMarked() {
			t.Errorf("%s Value is marked; want it unmarked", name)
		}
	}
	if got := cfg.Environments["src"].Value.GetAttr("path").AsString(); got != "/srv/private-dir" {
		t.Errorf("src path = %q", got)
	}
}

// TestSensitiveNeverPrinted provokes errors around sensitive values, some
// of which (like parseint's) quote their arguments, and checks that no
// rendering of the diagnostics contains the values.
func TestSensitiveNeverPrinted(t *testing.T) {
	secrets := []string{"s3cr3t-db-pass", "sk-live-ABCDEF123456", "hunter2-list", "tok-from-env-999"}
	dir := writeDir(t, map[string]string{
		"main.hcl": `
variable "db_password" {
  type      = number
  sensitive = true
}

variable "api_key" {
  sensitive = true
}

variable "pin" {
  type      = string
  sensitive = true
}

locals {
  parsed  = parseint(var.api_key, 10)
  decoded = jsondecode(var.api_key)
  number  = tonumber(var.api_key)
  bool    = tobool(upper(var.api_key))
}

environment "vault" {
  provider       = "local"
  path           = var.api_key
  age_recipients = var.api_key
  nameservers    = [var.api_key, 1 + var.api_key]
}

environment "hetzner" {
  provider = "hcloud"
  token    = env("HCLOUD_TOKEN")
  location = parseint(env("HCLOUD_TOKEN"), 10)
}
`,
		"secrets.auto.rehomevars": "pin = [\"hunter2-list\"]\n",
	})
	opts := testOptions()
	opts.Getenv = envFunc(map[string]string{
		"REHOME_VAR_db_password": "s3cr3t-db-pass",
		"HCLOUD_TOKEN":           "tok-from-env-999",
	})
	opts.Vars = []string{"api_key=sk-live-ABCDEF123456"}
	cfg, diags := lang.Load(dir, opts)
	if n := len(diags.Errs()); n < 8 {
		t.Fatalf("got %d errors, want at least 8:\n%s", n, diagText(cfg, diags))
	}

	var renderings []string
	for _, color := range []bool{false, true} {
		var b strings.Builder
		if err := lang.WriteDiagnostics(&b, cfg.Files, diags, color, 80); err != nil {
			t.Fatal(err)
		}
		renderings = append(renderings, b.String())
	}
	js, err := json.Marshal(lang.NewValidateJSON(cfg.Files, diags))
	if err != nil {
		t.Fatal(err)
	}
	renderings = append(renderings, string(js), diags.Error())
	for _, d := range diags {
		renderings = append(renderings, d.Error())
	}
	for _, r := range renderings {
		for _, s := range secrets {
			if strings.Contains(r, s) {
				t.Errorf("a rendering contains the sensitive value %q:\n%s", s, r)
			}
		}
	}
	text := renderings[0]
	for _, want := range []string{"Invalid value for variable", "Invalid function argument", "Incorrect attribute value type"} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "panic") {
		t.Errorf("a function panicked:\n%s", text)
	}
}
