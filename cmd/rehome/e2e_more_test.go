package main_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// TestE2EFmtAndValidateJSON: fmt -check/-diff/rewrite and validate -json.
func TestE2EFmtAndValidateJSON(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	cfg := filepath.Join(dir, "migration.hcl")
	orig := readFile(t, cfg)
	ugly := strings.Replace(string(orig), `  path     = "legacy"`, `  path="legacy"`, 1)
	if err := os.WriteFile(cfg, []byte(ugly), 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, dir, 3, "fmt", "-check", "-diff")
	if !strings.Contains(r.Stdout, "migration.hcl") || !strings.Contains(r.Stdout, `-  path="legacy"`) || !strings.Contains(r.Stdout, `+  path     = "legacy"`) {
		t.Errorf("fmt -check -diff output lacks the file name or the diff:\n%s", r.Stdout)
	}
	if string(readFile(t, cfg)) != ugly {
		t.Fatal("fmt -check rewrote the file")
	}
	mustRun(t, dir, 0, "fmt")
	if got := readFile(t, cfg); string(got) != string(orig) {
		t.Fatalf("fmt did not restore the canonical form:\n%s", got)
	}
	mustRun(t, dir, 0, "fmt", "-check")

	var v struct {
		Valid       bool `json:"valid"`
		ErrorCount  int  `json:"error_count"`
		Diagnostics []struct {
			Summary string `json:"summary"`
			Range   struct {
				Filename string             `json:"filename"`
				Start    struct{ Line int } `json:"start"`
			} `json:"range"`
		} `json:"diagnostics"`
	}
	r = mustRun(t, dir, 0, "validate", "-json")
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || !v.Valid || v.ErrorCount != 0 {
		t.Fatalf("validate -json on the quickstart = %+v (%v):\n%s", v, err, r.Stdout)
	}
	broken := strings.Replace(string(orig), "from    = environment.legacy", "from    = environment.nowhere", 1)
	if err := os.WriteFile(cfg, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, dir, 1, "validate", "-json")
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v.Valid || v.ErrorCount != 1 ||
		v.Diagnostics[0].Summary != "Unknown environment" || v.Diagnostics[0].Range.Filename != "migration.hcl" || v.Diagnostics[0].Range.Start.Line == 0 {
		t.Fatalf("validate -json on a broken config = %+v (%v)", v, err)
	}
}

// TestE2ETargetAndCutoverTTL: -target plans and applies one address and
// what it depends on; cutover_ttl lowers the source TTLs as a recorded step
// that rollback undoes.
func TestE2ETargetAndCutoverTTL(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	cfg := filepath.Join(dir, "migration.hcl")
	text := strings.Replace(string(readFile(t, cfg)), `zones = ["shop.example.com"]`, "zones       = [\"shop.example.com\"]\n  cutover_ttl = 60", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	target := `move.dns.zones.records["shop.example.com"]`
	plan := planJSON(t, dir, "-target="+target)
	var addrs []string
	for _, a := range plan["actions"].([]any) {
		addrs = append(addrs, a.(map[string]any)["address"].(string))
	}
	want := []string{`move.dns.zones.zone["shop.example.com"]`, `move.dns.zones.source_ttl["shop.example.com"]`, target}
	if strings.Join(addrs, " ") != strings.Join(want, " ") {
		t.Fatalf("-target plan actions = %v, want %v (the target and its dependencies)", addrs, want)
	}

	srcZone := filepath.Join(dir, "legacy", "zones", "shop.example.com.zone")
	before := zoneRRs(t, srcZone, "shop.example.com.")
	mustRun(t, dir, 0, "apply", "-auto-approve", "-target="+target)
	if n := countFiles(filepath.Join(dir, "out", "new-env", "buckets")); n != 0 {
		t.Fatalf("a dns-only -target apply wrote %d bucket files", n)
	}
	lowered := zoneRRs(t, srcZone, "shop.example.com.")
	if len(lowered) != len(before) {
		t.Fatalf("lowering TTLs changed the number of records: %d -> %d", len(before), len(lowered))
	}
	for _, rr := range lowered {
		// name TTL class type rdata: every set (3600 and 300 before) is now 60.
		if f := strings.Fields(rr); f[1] != "60" {
			t.Errorf("source record not lowered to 60: %s", rr)
		}
	}
	dst := zoneRRs(t, filepath.Join(dir, "out", "new-env", "zones", "shop.example.com.zone"), "shop.example.com.")
	if len(dst) == 0 {
		t.Fatal("the destination zone is empty")
	}
	r := mustRun(t, dir, 0, "rollback", "-auto-approve")
	if !strings.Contains(r.Stdout, "source_ttl") {
		t.Errorf("rollback output does not mention the source TTL step:\n%s", r.Stdout)
	}
	if after := zoneRRs(t, srcZone, "shop.example.com."); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("rollback did not restore the source records:\nbefore:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
}

// TestE2EProviderSettingsAreDiagnostics: what a provider rejects when it is
// configured (a malformed age recipient, a name server that is not a domain
// name, an identity file that is missing) is reported by validate, all at
// once, each pointing at its attribute's line.
func TestE2EProviderSettingsAreDiagnostics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeConfig(t, dir, `migration "x" {}

environment "a" {
  provider = "local"
  path     = "a"
}

environment "b" {
  provider          = "local"
  path              = "b"
  age_recipients    = ["age1notarealkey"]
  age_identity_file = "missing.key"
  nameservers       = ["ok.example.", "bad name!"]
}

move "storage" "s" {
  from = environment.a
  to   = environment.b
}
`)
	for _, args := range [][]string{{"validate"}, {"plan"}} {
		r := mustRun(t, dir, 1, args...)
		for _, want := range []string{"migration.hcl:11,", "migration.hcl:12,", "migration.hcl:13,", "Invalid environment setting", "age_recipients[0]", "nameservers[1]"} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.Stderr)
			}
		}
	}
}

// TestE2EExamplesValidate: every configuration under examples/ is valid
// and formatted.
func TestE2EExamplesValidate(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("..", "..", "examples", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		t.Run(filepath.Base(d), func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, d, dir, "out", ".rehome")
			mustRun(t, dir, 0, "validate")
			mustRun(t, dir, 0, "fmt", "-check")
		})
	}
}

// TestE2EArgumentHandling: flags may follow positional arguments, stray
// arguments are refused, a -target that matches nothing is an error, fmt
// writes nothing when a file does not parse, and show says when there is
// no state yet.
func TestE2EArgumentHandling(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	mustRun(t, dir, 0, "plan", "-out=p.plan")
	r := mustRun(t, dir, 0, "show", "p.plan", "-json")
	if !strings.HasPrefix(strings.TrimSpace(r.Stdout), "{") || !strings.Contains(r.Stdout, `"format_version"`) {
		t.Errorf("show PLANFILE -json did not print the plan JSON:\n%.200s", r.Stdout)
	}
	r = mustRun(t, dir, 1, "validate", "somewhere")
	if !strings.Contains(r.Stderr, `unexpected argument "somewhere"`) {
		t.Errorf("validate with a stray argument: %s", r.Stderr)
	}
	r = mustRun(t, dir, 1, "plan", "-target=move.storage.typo")
	if !strings.Contains(r.Stderr, "matches no address") {
		t.Errorf("plan with an unmatched target: %s", r.Stderr)
	}
	r = mustRun(t, dir, 0, "show")
	if !strings.Contains(r.Stdout, "No state yet") {
		t.Errorf("show without state: %s", r.Stdout)
	}

	fdir := t.TempDir()
	writeFiles(t, fdir, map[string]string{
		"a.hcl": "variable \"x\" {\n  default=1\n}\n",
		"b.hcl": "variable \"y\" {\n",
	})
	mustRun(t, fdir, 1, "fmt")
	if got := string(readFile(t, filepath.Join(fdir, "a.hcl"))); got != "variable \"x\" {\n  default=1\n}\n" {
		t.Errorf("fmt rewrote a.hcl although b.hcl does not parse:\n%s", got)
	}
	// -check after the directory still only checks (exit 3, file kept).
	mustRun(t, fdir, 3, "fmt", "-check", "a.hcl") // a single file may be named too
	writeFiles(t, fdir, map[string]string{"b.hcl": "variable \"y\" {}\n"})
	mustRun(t, fdir, 3, "fmt", ".", "-check")
	if got := string(readFile(t, filepath.Join(fdir, "a.hcl"))); got != "variable \"x\" {\n  default=1\n}\n" {
		t.Errorf("fmt . -check rewrote a.hcl:\n%s", got)
	}
}

// TestE2ESecretsDestinationMustBeVerifiable: a destination that could not
// read back (no age_identity_file, or one for another key) or could not
// encrypt (no age_recipients) what rehome writes is a blocker at plan
// time naming the setting; apply refuses and writes nothing.
func TestE2ESecretsDestinationMustBeVerifiable(t *testing.T) {
	t.Parallel()
	mine, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, settings, code, names string
	}{
		{"recipients without identity", fmt.Sprintf("age_recipients = [%q]", mine.Recipient()), "secrets.dest_unverifiable", "age_identity_file"},
		{"identity of another key", fmt.Sprintf("age_recipients = [%q]\n  age_identity_file = \"other.key\"", mine.Recipient()), "secrets.dest_unverifiable", "age_identity_file"},
		{"no recipients", `age_identity_file = "mine.key"`, "secrets.dest_unwritable", "age_recipients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"src/secrets.env": "DB_PASSWORD=hunter2-VALUE\n",
				"mine.key":        mine.String() + "\n",
				"other.key":       other.String() + "\n",
			})
			writeConfig(t, dir, fmt.Sprintf(`migration "m" {}

environment "src" {
  provider = "local"
  path     = "src"
}

environment "dst" {
  provider = "local"
  path     = "dst"
  %s
}

move "secrets" "app" {
  from = environment.src
  to   = environment.dst
}
`, tc.settings))
			p := planJSON(t, dir)
			found := findings(p, tc.code)
			if len(found) != 1 || found[0]["severity"] != "blocker" || !strings.Contains(found[0]["message"].(string), tc.names) ||
				!strings.Contains(found[0]["remedy"].(string), `environment "dst"`) {
				t.Fatalf("plan findings %v; want one %s blocker naming %s and the environment", p["audit"], tc.code, tc.names)
			}
			r := runRehome(t, dir, "apply", "-auto-approve")
			if r.Code != 1 || !strings.Contains(r.Stderr, "must be fixed or acknowledged") {
				t.Errorf("apply: want a refusal over the blocker, got %s", r)
			}
			if strings.Contains(r.Stdout+r.Stderr, "hunter2") {
				t.Errorf("a secret value was printed: %s", r)
			}
			if _, err := os.Stat(filepath.Join(dir, "dst", "secrets.env.age")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("apply wrote secrets despite the blocker (stat: %v)", err)
			}
		})
	}
}
