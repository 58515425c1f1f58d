package lang_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/providers"
)

func TestLoadValid(t *testing.T) {
	abs := func(t *testing.T, p string) string {
		t.Helper()
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name  string
		check func(t *testing.T, cfg *lang.Config)
	}{
		{"full", func(t *testing.T, cfg *lang.Config) {
			dir := abs(t, "testdata/valid/full")
			wantMigration := &lang.Migration{
				Name:            "shop",
				Description:     "Shop: AWS eu-central-1 to Hetzner fsn1",
				RequiredVersion: ">= 0.1",
				StatePath:       filepath.Join(dir, ".rehome", "state"),
			}
			if diff := cmp.Diff(wantMigration, cfg.Migration, ignoreRanges); diff != "" {
				t.Errorf("Migration (-want +got):\n%s", diff)
			}
			if got := sortedNames(cfg.Environments); !slices.Equal(got, []string{"aws", "hetzner", "orders_mysql", "orders_pg"}) {
				t.Errorf("environments = %v", got)
			}
			aws := cfg.Environments["aws"]
			wantAWS := cty.ObjectVal(map[string]cty.Value{
				"region":    cty.StringVal("eu-central-1"),
				"endpoints": cty.MapVal(map[string]cty.Value{"s3": cty.StringVal("http://127.0.0.1:9000")}),
			})
			if aws.Provider != "aws" || !aws.Value.RawEquals(wantAWS) {
				t.Errorf("aws = %s %#v, want %#v", aws.Provider, aws.Value, wantAWS)
			}
			h := cfg.Environments["hetzner"]
			if got := h.Value.GetAttr("object_storage").GetAttr("endpoint").AsString(); got != "https://fsn1.your-objectstorage.com" {
				t.Errorf("hetzner object_storage.endpoint = %q", got)
			}
			if got := h.Value.GetAttr("token").AsString(); got != "hc-token-123" {
				t.Errorf("hetzner token = %q", got)
			}
			if !slices.Equal(h.Sensitive, []string{"token"}) {
				t.Errorf("hetzner Sensitive = %v, want [token]", h.Sensitive)
			}
			if h.Value.ContainsMarked() {
				t.Error("environment value is marked; want it unmarked for the provider")
			}
			wantMoves := []*lang.Move{
				{Kind: providers.KindStorage, Name: "assets", From: "aws", To: "hetzner", Settings: &storage.Settings{
					Include: []string{"shop-*"},
					Rename:  map[string]string{"shop-assets": "shop-assets-fsn1"},
					Verify:  "checksum",
				}},
				{Kind: providers.KindDNS, Name: "zones", From: "aws", To: "hetzner",
					Acknowledge: []string{"dns.unsupported_type"},
					Settings:    &dns.Settings{Zones: []string{"shop.example.com"}, CutoverTTL: 60}},
				{Kind: providers.KindDatabase, Name: "orders", From: "orders_mysql", To: "orders_pg", Overwrite: true,
					Settings: map[string][]string{"databases": {"orders"}}},
			}
			if diff := cmp.Diff(wantMoves, cfg.Moves, ignoreRanges); diff != "" {
				t.Errorf("Moves (-want +got):\n%s", diff)
			}
			if got := cfg.Moves[0].Addr(); got != "move.storage.assets" {
				t.Errorf("Addr = %q", got)
			}
			wantAudit := &lang.Audit{Scan: []string{abs(t, "testdata/valid/app")}}
			if diff := cmp.Diff(wantAudit, cfg.Audit, ignoreRanges); diff != "" {
				t.Errorf("Audit (-want +got):\n%s", diff)
			}
			if _, ok := cfg.Files["migration.hcl"]; !ok {
				t.Errorf("Files = %v, want migration.hcl", sortedNames(cfg.Files))
			}
			if cfg.Moves[0].DeclRange.Filename != "migration.hcl" || cfg.Moves[0].DeclRange.Start.Line != 32 {
				t.Errorf("move DeclRange = %s, want migration.hcl:32", cfg.Moves[0].DeclRange)
			}
		}},
		{"minimal", func(t *testing.T, cfg *lang.Config) {
			dir := abs(t, "testdata/valid/minimal")
			want := &lang.Migration{Name: "minimal", StatePath: filepath.Join(dir, ".rehome", "state")}
			if diff := cmp.Diff(want, cfg.Migration, ignoreRanges); diff != "" {
				t.Errorf("default Migration (-want +got):\n%s", diff)
			}
			if cfg.Audit != nil {
				t.Errorf("Audit = %+v, want nil", cfg.Audit)
			}
			wantMoves := []*lang.Move{
				{Kind: providers.KindSecrets, Name: "all", From: "src", To: "dst", Settings: &secrets.Settings{}},
				{Kind: providers.KindQueue, Name: "jobs", From: "src", To: "dst", Settings: map[string][]string{
					"include": {"jobs-*"}, "exclude": {"jobs-tmp-?"},
				}},
			}
			if diff := cmp.Diff(wantMoves, cfg.Moves, ignoreRanges); diff != "" {
				t.Errorf("Moves (-want +got):\n%s", diff)
			}
			if got := cfg.Environments["dst"].Value.GetAttr("age_recipients"); !got.IsNull() {
				t.Errorf("unset optional attribute = %#v, want null", got)
			}
		}},
		{"locals", func(t *testing.T, cfg *lang.Config) {
			want := map[string]cty.Value{
				"bucket_glob": cty.StringVal("shop-prod-*"),
				"name":        cty.StringVal("shop-prod"),
				"env":         cty.StringVal("prod"),
				"path":        cty.StringVal("/srv/shop-prod"),
				"zones":       cty.TupleVal([]cty.Value{cty.StringVal("a.shop-prod.example.com"), cty.StringVal("b.shop-prod.example.com")}),
			}
			if diff := cmp.Diff(want, cfg.Locals, ctyEqual); diff != "" {
				t.Errorf("Locals (-want +got):\n%s", diff)
			}
			if got := cfg.Environments["src"].Value.GetAttr("path").AsString(); got != "/srv/shop-prod" {
				t.Errorf("src path = %q", got)
			}
			if got := cfg.Moves[0].Settings.(*storage.Settings).Include; !slices.Equal(got, []string{"shop-prod-*"}) {
				t.Errorf("include = %v", got)
			}
		}},
		{"functions", func(t *testing.T, cfg *lang.Config) {
			want := map[string]cty.Value{
				"with_default": cty.StringVal("fallback"),
				"from_env":     cty.StringVal("from-env"),
				"recipients":   cty.ListVal([]cty.Value{cty.StringVal("age1aaa"), cty.StringVal("age1bbb")}),
				"joined":       cty.StringVal("A,b,C"),
				"n":            cty.NumberIntVal(5 + 2 + 5 + 255),
				"replaced":     cty.StringVal("a_b_c"),
				"merged":       cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)}),
				"json":         cty.StringVal(`{"k":"v"}`),
				"strs":         cty.ListVal([]cty.Value{cty.StringVal("x"), cty.StringVal("y")}),
				"fmtd":         cty.StringVal("id-007"),
				"maybe":        cty.StringVal("none"),
			}
			if diff := cmp.Diff(want, cfg.Locals, ctyEqual); diff != "" {
				t.Errorf("Locals (-want +got):\n%s", diff)
			}
			src := cfg.Environments["src"].Value
			if got := src.GetAttr("path").AsString(); got != "/srv/from-env" {
				t.Errorf("src path = %q", got)
			}
			if got := src.GetAttr("age_recipients").LengthInt(); got != 2 {
				t.Errorf("age_recipients has %d elements, want 2", got)
			}
			if got := cfg.Environments["dst"].Value.GetAttr("location").AsString(); got != "fsn1" {
				t.Errorf("location = %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := lang.Load(filepath.Join("testdata", "valid", tt.name), testOptions())
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", diagText(cfg, diags))
			}
			tt.check(t, cfg)
		})
	}
}

// TestLoadInvalid loads each testdata/invalid/<case> directory and checks
// its diagnostics against the "# ERROR: <summary>" (and "# WARNING:")
// markers in its files: every marker's line gets a diagnostic with that
// summary, and there is no error without a marker.
func TestLoadInvalid(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "invalid"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", "invalid", e.Name())
			want := readMarkers(t, dir)
			if len(want) == 0 {
				t.Fatal("fixture has no # ERROR markers")
			}
			cfg, diags := lang.Load(dir, testOptions())
			if cfg == nil {
				t.Fatal("Load returned a nil Config")
			}
			if !diags.HasErrors() {
				t.Fatal("Load reported no errors")
			}
			var got []marker
			for _, d := range diags {
				m := marker{severity: severityName(d.Severity), summary: d.Summary}
				if d.Subject != nil {
					m.file, m.line = d.Subject.Filename, d.Subject.Start.Line
				}
				got = append(got, m)
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("missing diagnostic %s", w)
				}
			}
			for i, g := range got {
				if g.severity == "ERROR" && !slices.Contains(want, g) {
					t.Errorf("unexpected diagnostic %s: %s", g, diags[i].Detail)
				}
			}
			if t.Failed() {
				t.Logf("all diagnostics:\n%s", diagText(cfg, diags))
			}
		})
	}
}

// marker is an expected (or actual) diagnostic: severity, place, summary.
type marker struct {
	severity, file string
	line           int
	summary        string
}

func (m marker) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", m.file, m.line, m.severity, m.summary)
}

func severityName(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagWarning {
		return "WARNING"
	}
	return "ERROR"
}

// readMarkers collects the markers in dir's configuration files. A line
// may hold several: `# ERROR: A # ERROR: B`.
func readMarkers(t *testing.T, dir string) []marker {
	t.Helper()
	var out []marker
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".hcl") && !strings.HasSuffix(e.Name(), ".rehomevars") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			for {
				i := strings.Index(text, "# ")
				if i < 0 {
					break
				}
				text = text[i+2:]
				sev, rest, ok := strings.Cut(text, ": ")
				if !ok || (sev != "ERROR" && sev != "WARNING") {
					continue
				}
				summary := rest
				if j := strings.Index(rest, " # "); j >= 0 {
					summary = rest[:j]
				}
				out = append(out, marker{sev, e.Name(), line, strings.TrimSpace(summary)})
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// ignoreRanges ignores source ranges when comparing config structs.
var ignoreRanges = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().String() == ".DeclRange"
}, cmp.Ignore())

// ctyEqual compares cty values exactly (type and value).
var ctyEqual = cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) })

func sortedNames[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
