package main_test

// End-to-end tests: the rehome binary (built once by TestMain in
// e2e_helpers_test.go) run against local-provider environments in temporary
// folders. Run them with `go test ./cmd/rehome/ -run E2E`.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
	"github.com/joho/godotenv"
	"github.com/miekg/dns"

	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/state"
)

// quickstartCopy copies examples/quickstart (without the outputs of earlier
// runs) into a temporary folder and returns it.
func quickstartCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "quickstart"), dir, "out", ".rehome")
	return dir
}

// zoneRRs parses a zone file and returns its records in presentation
// format, sorted, without the apex SOA and NS (the destination's own).
func zoneRRs(t *testing.T, path, origin string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zp := dns.NewZoneParser(f, origin, path)
	var out []string
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		h.Name = strings.ToLower(h.Name)
		if h.Rrtype == dns.TypeSOA || (h.Rrtype == dns.TypeNS && h.Name == origin) {
			continue
		}
		out = append(out, rr.String())
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	sort.Strings(out)
	return out
}

// decryptDotenv decrypts an age-encrypted dotenv file with the identities
// in keyFile and parses it.
func decryptDotenv(t *testing.T, path, keyFile string) map[string]string {
	t.Helper()
	ids, err := age.ParseIdentities(bytes.NewReader(readFile(t, keyFile)))
	if err != nil {
		t.Fatalf("parse %s: %v", keyFile, err)
	}
	r, err := age.Decrypt(bytes.NewReader(readFile(t, path)), ids...)
	if err != nil {
		t.Fatalf("decrypt %s: %v", path, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decrypt %s: %v", path, err)
	}
	m, err := godotenv.UnmarshalBytes(plain)
	if err != nil {
		t.Fatalf("%s does not decrypt to dotenv: %v", path, err)
	}
	return m
}

var applyCompleteRE = regexp.MustCompile(`Apply complete: (\d+) actions?, ([\d,]+) items? copied`)

// TestE2EQuickstartRoundTrip runs the quickstart: validate, plan, apply,
// check every destination item, plan again, roll back, plan again.
func TestE2EQuickstartRoundTrip(t *testing.T) {
	t.Parallel()
	named, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Fatalf("named-checkzone is needed to check the written zone file: apt-get install bind9-utils (%v)", err)
	}
	dir := quickstartCopy(t)
	legacy := filepath.Join(dir, "legacy")
	out := filepath.Join(dir, "out", "new-env")
	sourceBefore := snapshotTree(t, legacy)

	r := mustRun(t, dir, 0, "validate")
	if !strings.Contains(r.Stdout, "Success! The configuration is valid (4 environment(s), 4 move(s)).") {
		t.Errorf("validate does not report success: %s", r)
	}
	mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	firstPlan := planJSON(t, dir)
	summary := firstPlan["summary"].(map[string]any)

	// What the apply must copy: the objects of the shop-* buckets, the
	// record sets the plan lists and every secret of legacy/secrets.env.
	objects := len(listFiles(t, filepath.Join(legacy, "buckets", "shop-assets"))) +
		len(listFiles(t, filepath.Join(legacy, "buckets", "shop-media")))
	srcSecrets, err := godotenv.Read(filepath.Join(legacy, "secrets.env"))
	if err != nil {
		t.Fatal(err)
	}
	if got := int(summary["objects"].(float64)); got != objects {
		t.Errorf("plan summary: %d objects, want %d (the files of the shop-* buckets)", got, objects)
	}
	if got := int(summary["secrets"].(float64)); got != len(srcSecrets) {
		t.Errorf("plan summary: %d secrets, want %d", got, len(srcSecrets))
	}
	// The shop database's rows (legacy/databases/shop.sql): 22.
	if got := int(summary["rows"].(float64)); got != 22 {
		t.Errorf("plan summary: %d rows, want 22 (the shop database)", got)
	}
	wantItems := objects + len(srcSecrets) + int(summary["records"].(float64)) + 22

	r = mustRun(t, dir, 0, "apply", "-auto-approve")
	m := applyCompleteRE.FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("apply does not say how many items it copied: %s", r)
	}
	if got := atoiComma(m[2]); got != wantItems {
		t.Errorf("apply says %d items copied, want %d (%d objects, %v records, %d secrets)", got, wantItems, objects, summary["records"], len(srcSecrets))
	}

	// Storage: shop-* only, shop-media renamed, every object identical.
	ents, err := os.ReadDir(filepath.Join(out, "buckets"))
	if err != nil {
		t.Fatal(err)
	}
	var buckets []string
	for _, e := range ents {
		buckets = append(buckets, e.Name())
	}
	if d := cmp.Diff([]string{"shop-assets", "shop-media-2026"}, buckets); d != "" {
		t.Errorf("destination buckets (-want +got):\n%s", d)
	}
	assertSameFiles(t, filepath.Join(legacy, "buckets", "shop-assets"), filepath.Join(out, "buckets", "shop-assets"))
	assertSameFiles(t, filepath.Join(legacy, "buckets", "shop-media"), filepath.Join(out, "buckets", "shop-media-2026"))

	// DNS: BIND loads the zone, and it holds the source's records.
	zoneFile := filepath.Join(out, "zones", "shop.example.com.zone")
	chk, err := exec.Command(named, "shop.example.com", zoneFile).CombinedOutput()
	if err != nil {
		t.Errorf("named-checkzone rejects the written zone: %v\n%s\n%s", err, chk, readFile(t, zoneFile))
	}
	if d := cmp.Diff(zoneRRs(t, filepath.Join(legacy, "zones", "shop.example.com.zone"), "shop.example.com."),
		zoneRRs(t, zoneFile, "shop.example.com.")); d != "" {
		t.Errorf("zone records differ (-source +destination):\n%s", d)
	}

	// Secrets: encrypted, private, same key/values.
	ageFile := filepath.Join(out, "secrets.env.age")
	if fi, err := os.Stat(ageFile); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", ageFile, fi.Mode().Perm())
	}
	if d := cmp.Diff(srcSecrets, decryptDotenv(t, ageFile, filepath.Join(dir, "demo-age.key"))); d != "" {
		t.Errorf("decrypted destination secrets differ (-source +destination):\n%s", d)
	}

	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	mustRun(t, dir, 0, "rollback", "-auto-approve")

	if left := listFiles(t, filepath.Join(dir, "out")); len(left) > 0 {
		t.Errorf("files left under out/ after rollback: %v", left)
	}
	for _, b := range []string{"shop-assets", "shop-media-2026"} {
		if _, err := os.Stat(filepath.Join(out, "buckets", b)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("bucket folder %s still exists after rollback (stat: %v)", b, err)
		}
	}

	r = runRehome(t, dir, "plan", "-json", "-detailed-exitcode")
	if r.Code != 2 {
		t.Errorf("plan after rollback: want exit 2 (the full move again), got %s", r)
	}
	if d := cmp.Diff(summary, decodeJSON(t, r.Stdout)["summary"]); d != "" {
		t.Errorf("plan summary after rollback differs from the first plan's (-first +now):\n%s", d)
	}
	assertSameTree(t, "legacy/ (the source)", sourceBefore, snapshotTree(t, legacy))
}

// TestE2EPlanRenderings checks that plan -json, plan -format=json and show
// -json of a saved plan are one document, and the Markdown rendering.
func TestE2EPlanRenderings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"fresh state", func(t *testing.T, dir string) {}},
		{"after an apply", func(t *testing.T, dir string) {
			mustRun(t, dir, 0, "apply", "-auto-approve")
			writeFiles(t, filepath.Join(dir, "legacy", "buckets", "shop-assets"), map[string]string{"new/late.txt": "late\n"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := quickstartCopy(t)
			tc.setup(t, dir)
			planFile := filepath.Join(t.TempDir(), "plan.bin")

			byFlag := planJSON(t, dir)
			byFormat := decodeJSON(t, mustRun(t, dir, 0, "plan", "-format=json").Stdout)
			mustRun(t, dir, 0, "plan", "-out="+planFile)
			shown := decodeJSON(t, mustRun(t, dir, 0, "show", "-json", planFile).Stdout)

			for _, k := range []string{"format_version", "migration", "actions", "audit", "cost", "summary"} {
				if _, ok := byFlag[k]; !ok {
					t.Errorf("plan JSON has no %q key", k)
				}
			}
			actions, _ := byFlag["actions"].([]any)
			if len(actions) == 0 {
				t.Fatalf("plan JSON has no actions")
			}
			for _, a := range actions {
				a := a.(map[string]any)
				for _, k := range []string{"address", "kind", "action", "phase", "depends_on", "estimate", "check", "undo"} {
					if _, ok := a[k]; !ok {
						t.Errorf("action %v has no %q key", a["address"], k)
					}
				}
			}

			noTime := func(m map[string]any) map[string]any {
				c := map[string]any{}
				for k, v := range m {
					if k != "created_at" {
						c[k] = v
					}
				}
				return c
			}
			if d := cmp.Diff(noTime(byFlag), noTime(byFormat)); d != "" {
				t.Errorf("plan -json and plan -format=json differ (-json +format=json):\n%s", d)
			}
			if d := cmp.Diff(noTime(byFlag), noTime(shown)); d != "" {
				t.Errorf("plan -json and show -json PLANFILE differ (-plan +show):\n%s", d)
			}

			// One run that prints and saves: identical, created_at included.
			planFile2 := filepath.Join(t.TempDir(), "plan2.bin")
			printed := decodeJSON(t, mustRun(t, dir, 0, "plan", "-json", "-out="+planFile2).Stdout)
			if d := cmp.Diff(printed, decodeJSON(t, mustRun(t, dir, 0, "show", "-json", planFile2).Stdout)); d != "" {
				t.Errorf("plan -json -out=F printed another document than show -json F (-printed +shown):\n%s", d)
			}

			// Markdown: one numbered step per non-no-op action, carrying the
			// action's success check and rollback, and the commands to run.
			md := mustRun(t, dir, 0, "plan", "-format=markdown").Stdout
			if !strings.HasPrefix(md, "# Migration plan: `quickstart`") {
				t.Errorf("markdown does not start with its title:\n%s", md)
			}
			for _, want := range []string{"`rehome apply`", "`rehome cutover`", "## Rolling back"} {
				if !strings.Contains(md, want) {
					t.Errorf("markdown lacks %q", want)
				}
			}
			step := 0
			for _, phase := range []string{"prepare", "cutover"} {
				for _, a := range actions {
					a := a.(map[string]any)
					if a["phase"] != phase || a["action"] == "no-op" {
						continue
					}
					step++
					head := regexp.MustCompile(fmt.Sprintf(`(?m)^%d\. \*\*[A-Z][a-z-]+\*\* `+"`%s`", step, regexp.QuoteMeta(a["address"].(string))))
					if !head.MatchString(md) {
						t.Errorf("markdown has no step %d for %v", step, a["address"])
					}
					for _, line := range []string{"**Success check:** " + a["check"].(string), "**Rollback:** " + a["undo"].(string)} {
						if !strings.Contains(md, line) {
							t.Errorf("markdown lacks %q (step %d)", line, step)
						}
					}
				}
			}
			if n := strings.Count(md, "**Success check:**"); n != step {
				t.Errorf("markdown has %d success checks, want %d (one per step)", n, step)
			}
			if n := strings.Count(md, "**Rollback:**"); n != step {
				t.Errorf("markdown has %d rollback lines, want %d (one per step)", n, step)
			}
		})
	}
}

// TestE2EBrokenConfigs checks that every configuration error is reported
// with its file and line, by validate and by plan, and that plan touches
// nothing. "# ERR" marks the line each diagnostic must point at.
func TestE2EBrokenConfigs(t *testing.T) {
	t.Parallel()
	const base = `migration "broken" {}

environment "a" {
  provider = "local"
  path     = "a"
}

environment "b" {
  provider = "local"
  path     = "b"
}

`
	for _, tc := range []struct {
		name, config string
		summaries    []string // in the order of the marked lines
	}{
		{"syntax error", `move "storage" "s" { # ERR
  from = environment.a
  to   = environment.b
`, []string{"Unclosed configuration block"}},
		{"unknown block type", `bogus "x" {} # ERR
`, []string{`Unsupported block type; Blocks of type "bogus" are not expected here.`}},
		{"unknown attribute in environment", `environment "c" {
  provider = "local"
  path     = "c"
  colour   = "red" # ERR
}
`, []string{`Unsupported argument; An argument named "colour" is not expected here.`}},
		{"local environment without path", `environment "c" { # ERR
  provider = "local"
}
`, []string{`Missing required argument; The argument "path" is required`}},
		{"unknown provider", `environment "c" {
  provider = "nope" # ERR
  path     = "c"
}
`, []string{`Unknown provider; There is no provider named "nope".`}},
		{"move without from", `move "storage" "s" { # ERR
  to = environment.b
}
`, []string{`Missing required argument; The argument "from" is required`}},
		{"move without to", `move "storage" "s" { # ERR
  from = environment.a
}
`, []string{`Missing required argument; The argument "to" is required`}},
		{"undeclared environment", `move "storage" "s" {
  from = environment.a
  to   = environment.zz # ERR
}
`, []string{`Unknown environment; There is no environment named "zz".`}},
		{"undeclared variable", `move "storage" "s" {
  from    = environment.a
  to      = environment.b
  include = [var.nope] # ERR
}
`, []string{`Reference to undeclared input variable; An input variable named "nope" has not been declared.`}},
		{"unknown move kind", `move "teleport" "s" { # ERR
  from = environment.a
  to   = environment.b
}
`, []string{`Unknown move kind; There is no move kind "teleport".`}},
		{"providers without the kind", `move "database" "s" {
  from      = environment.a # ERR
  to        = environment.b # ERR
  databases = ["orders"]
}
`, []string{`Provider cannot be a source for database`, `Provider cannot be a destination for database`}},
		{"bad verify", `move "storage" "s" {
  from   = environment.a
  to     = environment.b
  verify = "maybe" # ERR
}
`, []string{`Invalid verify value`}},
		{"env() unset without default", `environment "c" {
  provider = "local"
  path     = env("REHOME_E2E_UNSET") # ERR
}
`, []string{`Error in function call; Call to function "env" failed: the environment variable REHOME_E2E_UNSET is not set and no default was given`}},
		{"three errors at once", `environment "c" {
  provider = "local"
  path     = "c"
  colour   = "red" # ERR
}

move "storage" "s" {
  from   = environment.a
  to     = environment.b
  verify = "maybe" # ERR
}

move "dns" "z" {
  from = environment.a
  to   = environment.zz # ERR
}
`, []string{`Unsupported argument`, `Invalid verify value`, `Unknown environment`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			text := base + tc.config
			writeConfig(t, dir, text)
			var lines []int
			for i, l := range strings.Split(text, "\n") {
				if strings.Contains(l, "# ERR") {
					lines = append(lines, i+1)
				}
			}
			if len(lines) != len(tc.summaries) {
				t.Fatalf("test case: %d marked lines, %d summaries", len(lines), len(tc.summaries))
			}
			for _, cmd := range [][]string{{"validate"}, {"plan"}} {
				r := runRehome(t, dir, cmd...)
				if r.Code != 1 {
					t.Errorf("%s: want exit 1, got %s", cmd[0], r)
					continue
				}
				if strings.Contains(r.Stdout, "Success!") {
					t.Errorf("%s claims success: %s", cmd[0], r)
				}
				for i, line := range lines {
					re := regexp.MustCompile(fmt.Sprintf(`migration\.hcl:%d,[0-9,-]+: %s`, line, regexp.QuoteMeta(tc.summaries[i])))
					if !re.MatchString(r.Stderr) {
						t.Errorf("%s: stderr lacks `migration.hcl:%d,...: %s`:\n%s", cmd[0], line, tc.summaries[i], r.Stderr)
					}
				}
				if n := strings.Count(r.Stderr, "Error: migration.hcl:"); n != len(lines) {
					t.Errorf("%s: %d errors reported, want %d:\n%s", cmd[0], n, len(lines), r.Stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, ".rehome")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("plan of a broken configuration created .rehome (stat: %v)", err)
			}
		})
	}
}

// smallMigration makes a configuration folder moving a few files from src/
// to dst/, both inside it.
func smallMigration(t *testing.T, moveExtra string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, filepath.Join(dir, "src", "buckets", "data"), map[string]string{
		"a.txt":          "alpha\n",
		"b/c.txt":        "gamma gamma\n",
		"b/d/e.json":     `{"e": 5}` + "\n",
		"z/last-one.bin": strings.Repeat("z", 5000),
	})
	writeConfig(t, dir, storageConfig("src", "dst", moveExtra))
	return dir
}

// TestE2EStalePlanRefused checks that a saved plan is refused once the
// state or the configuration changed, and that a fresh one applies without
// a prompt.
func TestE2EStalePlanRefused(t *testing.T) {
	t.Parallel()
	t.Run("state changed", func(t *testing.T) {
		dir := smallMigration(t, "")
		plans := t.TempDir()
		mustRun(t, dir, 0, "apply", "-auto-approve")
		writeFiles(t, filepath.Join(dir, "src", "buckets", "data"), map[string]string{"late/1.txt": "one\n"})
		p1 := filepath.Join(plans, "p1")
		mustRun(t, dir, 0, "plan", "-out="+p1)
		mustRun(t, dir, 0, "apply", "-auto-approve") // copies late/1.txt, bumps the serial
		writeFiles(t, filepath.Join(dir, "src", "buckets", "data"), map[string]string{"late/2.txt": "two\n"})
		before := snapshotTree(t, filepath.Join(dir, "dst"))
		r := runRehome(t, dir, "apply", p1)
		if r.Code != 1 || !strings.Contains(r.Stderr, "stale plan: the state changed since the plan was made") {
			t.Errorf("apply of a plan older than the state: want exit 1 and a stale-plan error, got %s", r)
		}
		assertSameTree(t, "the destination after a refused stale plan", before, snapshotTree(t, filepath.Join(dir, "dst")))
	})

	t.Run("configuration changed", func(t *testing.T) {
		dir := smallMigration(t, "")
		plans := t.TempDir()
		mustRun(t, dir, 0, "apply", "-auto-approve")
		writeFiles(t, filepath.Join(dir, "src", "buckets", "data"), map[string]string{"late/1.txt": "one\n"})
		p2 := filepath.Join(plans, "p2")
		mustRun(t, dir, 0, "plan", "-out="+p2)
		cfg := filepath.Join(dir, "migration.hcl")
		if err := os.WriteFile(cfg, append(readFile(t, cfg), "# an edit, nothing more\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		before := snapshotTree(t, filepath.Join(dir, "dst"))
		r := runRehome(t, dir, "apply", p2)
		if r.Code != 1 || !strings.Contains(r.Stderr, "stale plan: the configuration changed") {
			t.Errorf("apply of a plan made before a config edit: want exit 1 and a stale-plan error, got %s", r)
		}
		assertSameTree(t, "the destination after a refused stale plan", before, snapshotTree(t, filepath.Join(dir, "dst")))

		// A fresh plan applies, without -auto-approve and without a terminal.
		p3 := filepath.Join(plans, "p3")
		mustRun(t, dir, 0, "plan", "-out="+p3)
		r = mustRun(t, dir, 0, "apply", p3)
		if strings.Contains(r.Stdout, "Enter a value") {
			t.Errorf("apply of a saved plan prompted: %s", r)
		}
		assertSameFiles(t, filepath.Join(dir, "src", "buckets", "data"), filepath.Join(dir, "dst", "buckets", "data"))
	})

	t.Run("first plan of a migration, saved and applied", func(t *testing.T) {
		// No state exists yet when the plan is made.
		dir := smallMigration(t, "")
		p0 := filepath.Join(t.TempDir(), "p0")
		mustRun(t, dir, 0, "plan", "-out="+p0)
		r := runRehome(t, dir, "apply", p0)
		if r.Code != 0 {
			t.Fatalf("apply of the first saved plan of a migration (nothing changed since): want exit 0, got %s", r)
		}
		assertSameFiles(t, filepath.Join(dir, "src", "buckets", "data"), filepath.Join(dir, "dst", "buckets", "data"))
	})
}

// TestE2ENoTerminalNoAutoApprove checks that apply and rollback do not act
// without a terminal to confirm on, unless told to.
func TestE2ENoTerminalNoAutoApprove(t *testing.T) {
	t.Parallel()
	dir := smallMigration(t, "")
	dst := filepath.Join(dir, "dst")
	for _, tc := range []struct {
		name  string
		stdin io.Reader
		args  []string
		want  string
	}{
		{"stdin /dev/null", nil, []string{"apply"}, "re-run with -auto-approve"},
		{"yes on a pipe", strings.NewReader("yes\n"), []string{"apply"}, "re-run with -auto-approve"},
		{"json events", nil, []string{"apply", "-json"}, "-json needs -auto-approve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runRehomeOpts(t, dir, runOpts{Stdin: tc.stdin}, tc.args...)
			if r.Code != 1 || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("want exit 1 and %q, got %s", tc.want, r)
			}
			if files := listFiles(t, dst); len(files) > 0 {
				t.Errorf("the destination was written: %v", files)
			}
			if _, err := os.Stat(filepath.Join(dir, ".rehome", "state", "state.json")); err == nil {
				if f := readStateFile(t, dir); len(f.Journal) > 0 {
					t.Errorf("the journal has %d entries after an unconfirmed apply", len(f.Journal))
				}
			}
		})
	}

	t.Run("rollback", func(t *testing.T) {
		mustRun(t, dir, 0, "apply", "-auto-approve")
		before := snapshotTree(t, dst)
		r := runRehome(t, dir, "rollback")
		if r.Code != 1 || !strings.Contains(r.Stderr, "re-run with -auto-approve") {
			t.Errorf("rollback without a terminal: want exit 1 and a hint at -auto-approve, got %s", r)
		}
		assertSameTree(t, "the destination after an unconfirmed rollback", before, snapshotTree(t, dst))
	})
}

// TestE2EConcurrentApplyRefused checks the state lock: a second apply (or
// plan) is refused while one runs, with the lock's holder and how to break
// it, and `state unlock` refuses to break a live lock.
func TestE2EConcurrentApplyRefused(t *testing.T) {
	t.Parallel()
	dir, dstBucket := bigMigration(t)
	lockInfo := filepath.Join(dir, ".rehome", "state", "state.lock.info")

	first := startRehome(t, dir, "apply", "-auto-approve")
	waitForPath(t, first, lockInfo, 30*time.Second)
	// Freeze the first apply while it holds the lock, so what follows does
	// not depend on how fast it copies.
	first.signal(t, syscall.SIGSTOP)
	stopped := true
	defer func() {
		if stopped {
			_ = first.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	var info state.LockInfo
	if err := json.Unmarshal(readFile(t, lockInfo), &info); err != nil {
		t.Fatalf("lock info: %v", err)
	}
	if info.PID != first.pid() || info.Operation != "apply" || info.ID == "" {
		t.Errorf("lock info %+v does not describe the running apply (pid %d)", info, first.pid())
	}

	for _, tc := range []struct {
		args    []string
		minWait time.Duration
	}{
		{[]string{"apply", "-auto-approve", "-lock-timeout=0"}, 0},
		{[]string{"apply", "-auto-approve", "-lock-timeout=200ms"}, 200 * time.Millisecond},
		{[]string{"plan", "-lock-timeout=0"}, 0},
	} {
		start := time.Now()
		r := runRehome(t, dir, tc.args...)
		took := time.Since(start)
		if r.Code != 1 {
			t.Errorf("%v while another apply holds the lock: want exit 1, got %s", tc.args, r)
			continue
		}
		for _, want := range []string{"the state is locked", "state.lock", fmt.Sprintf("pid %d", first.pid()), "rehome state unlock " + info.ID} {
			if !strings.Contains(r.Stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, want, r.Stderr)
			}
		}
		if took < tc.minWait {
			t.Errorf("%v gave up after %v, before its lock timeout", tc.args, took)
		}
	}
	r := runRehome(t, dir, "state", "unlock", info.ID)
	if r.Code != 1 || !strings.Contains(r.Stderr, "held by a running process") {
		t.Errorf("state unlock of a live lock: want exit 1 and a refusal, got %s", r)
	}

	first.signal(t, syscall.SIGCONT)
	stopped = false
	r = first.wait(t, 60*time.Second)
	if r.Code != 0 {
		t.Fatalf("the first apply failed: %s", r)
	}
	assertSameFiles(t, filepath.Join(bigSource(t), "buckets", bigBucket), dstBucket)
	if _, err := os.Stat(lockInfo); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock info left after the apply ended (stat: %v)", err)
	}
}

// fileID is what tells a rewritten file from an untouched one.
type fileID struct {
	Ino   uint64
	MTime int64
}

func fileIDs(t *testing.T, root string) map[string]fileID {
	t.Helper()
	out := map[string]fileID{}
	for _, f := range listFiles(t, root) {
		fi, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = fileID{Ino: fi.Sys().(*syscall.Stat_t).Ino, MTime: fi.ModTime().UnixNano()}
	}
	return out
}

// TestE2EKillAndResume kills an apply with SIGKILL in the middle of a
// 3,000-object copy and checks that the next apply takes over the stale
// lock, keeps what was finished and completes the rest.
func TestE2EKillAndResume(t *testing.T) {
	t.Parallel()
	dir, dstBucket := bigMigration(t)
	srcBucket := filepath.Join(bigSource(t), "buckets", bigBucket)
	stateDir := filepath.Join(dir, ".rehome", "state")

	first := startRehome(t, dir, "apply", "-auto-approve", "-parallelism=4")
	seen := waitForFiles(t, first, dstBucket, bigFiles*3/10, 60*time.Second)
	first.signal(t, syscall.SIGKILL)
	first.wait(t, 10*time.Second)
	present := fileIDs(t, dstBucket)
	t.Logf("killed pid %d: %d files seen, %d at the destination", first.pid(), seen, len(present))
	if len(present) >= bigFiles {
		t.Fatalf("the apply copied everything before it was killed; nothing to resume")
	}
	if _, err := os.Stat(filepath.Join(stateDir, "state.lock.info")); err != nil {
		t.Fatalf("the killed apply left no lock info, so this test cannot check the take-over: %v", err)
	}

	// (a) What the progress store says is done.
	ctx := context.Background()
	prog, err := state.Open(stateDir).OpenProgressReadOnly(ctx)
	if err != nil {
		t.Fatalf("open the progress store: %v", err)
	}
	var done []string
	err = prog.ForEach(ctx, storage.Scope("move.storage.data", bigBucket, "local:"+filepath.Join(dir, "dst"), bigBucket), func(key string, raw []byte) error {
		var rec storage.ObjectRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if rec.State == "done" {
			done = append(done, key)
		}
		return nil
	})
	if cerr := prog.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d objects recorded done", len(done))
	if len(done) == 0 {
		t.Fatalf("no object recorded done after %d were written: the resume cannot be checked", len(present))
	}
	for _, k := range done {
		if _, ok := present[k]; !ok {
			t.Errorf("%s is recorded done but is not at the destination", k)
		} else if !bytes.Equal(readFile(t, filepath.Join(srcBucket, k)), readFile(t, filepath.Join(dstBucket, k))) {
			t.Errorf("%s is recorded done but differs from the source", k)
		}
	}

	// (b) Resume.
	r := runRehome(t, dir, "apply", "-auto-approve", "-parallelism=4")
	if r.Code != 0 {
		t.Fatalf("apply after the kill: %s", r)
	}
	if strings.Contains(r.Stderr, "is locked") {
		t.Errorf("apply after the kill complains about the lock: %s", r.Stderr)
	}
	for _, want := range []string{"stale state lock", fmt.Sprintf("pid %d", first.pid()), "taken over"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("apply after the kill does not report the stale lock it took over (no %q):\n%s", want, r.Stderr)
		}
	}
	copied, already := copyCounts(t, r.Stdout)
	if already != len(present) || copied != bigFiles-len(present) {
		t.Errorf("resumed copy: %d copied, %d already done; want %d and %d (the %d complete files found are checked, not copied again)",
			copied, already, bigFiles-len(present), len(present), len(present))
	}

	// (c) Complete, identical, nothing extra.
	assertSameFiles(t, srcBucket, dstBucket)
	if tmp := listFiles(t, filepath.Join(dir, "dst", ".rehome-tmp")); len(tmp) > 0 {
		t.Errorf("partial uploads left after the resumed apply: %v", tmp)
	}
	assertNoBegun(t, readStateFile(t, dir))

	// (d) Finished work was not redone.
	after := fileIDs(t, dstBucket)
	rewritten := 0
	for _, k := range done {
		if after[k] != present[k] {
			if rewritten++; rewritten <= 5 {
				t.Errorf("%s was recorded done but was rewritten: %+v, now %+v", k, present[k], after[k])
			}
		}
	}
	for k, id := range present {
		if after[k].Ino != id.Ino {
			if rewritten++; rewritten <= 5 {
				t.Errorf("%s was complete at the destination before the resume but was rewritten", k)
			}
		}
	}
	if rewritten > 5 {
		t.Errorf("... %d rewrites in all", rewritten)
	}

	// (e), (f)
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	mustRun(t, dir, 0, "rollback", "-auto-approve")
	if _, err := os.Stat(dstBucket); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the destination bucket is still there after rollback (stat: %v); holds %d files", err, countFiles(dstBucket))
	}
}

// TestE2EInterrupt sends SIGINT in the middle of a copy: the apply stops,
// records the interrupted action as failed, and the next apply completes.
func TestE2EInterrupt(t *testing.T) {
	t.Parallel()
	dir, dstBucket := bigMigration(t)
	srcBucket := filepath.Join(bigSource(t), "buckets", bigBucket)

	first := startRehome(t, dir, "apply", "-auto-approve")
	waitForFiles(t, first, dstBucket, bigFiles*3/10, 60*time.Second)
	first.signal(t, syscall.SIGINT)
	r := first.wait(t, 30*time.Second)
	if r.Code == 0 {
		t.Fatalf("an interrupted apply exited 0: %s", r)
	}
	if n := countFiles(dstBucket); n >= bigFiles {
		t.Fatalf("the apply copied everything before the interrupt; nothing to resume (%s)", r)
	}
	if !strings.Contains(r.Stderr, "interrupted") || !strings.Contains(r.Stderr, "resume") {
		t.Errorf("an interrupted apply does not say it was interrupted and how to resume: %s", r)
	}
	f := readStateFile(t, dir)
	assertNoBegun(t, f)
	failed := false
	for _, e := range f.Journal {
		failed = failed || (e.Address == `move.storage.data.objects["data"]` && e.Status == "failed")
	}
	if !failed {
		t.Errorf("the journal does not record the interrupted copy as failed: %+v", f.Journal)
	}

	r = mustRun(t, dir, 0, "apply", "-auto-approve")
	if _, already := copyCounts(t, r.Stdout); already == 0 {
		t.Errorf("the second apply found nothing already done: %s", r)
	}
	assertSameFiles(t, srcBucket, dstBucket)
	if tmp := listFiles(t, filepath.Join(dir, "dst", ".rehome-tmp")); len(tmp) > 0 {
		t.Errorf("partial uploads left: %v", tmp)
	}
	assertNoBegun(t, readStateFile(t, dir))
}

// TestE2EOverwriteAndRollback covers a destination bucket that already
// holds a different object at a key the source has, and a foreign one.
func TestE2EOverwriteAndRollback(t *testing.T) {
	t.Parallel()
	const (
		foreignA = "the destination's own a.txt, longer than the source's\n"
		foreignF = "only at the destination\n"
	)
	setup := func(t *testing.T, moveExtra string) (dir, dstBucket string, aTime time.Time) {
		dir = smallMigration(t, moveExtra)
		dstBucket = filepath.Join(dir, "dst", "buckets", "data")
		writeFiles(t, dstBucket, map[string]string{"a.txt": foreignA, "foreign.txt": foreignF})
		aTime = time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
		if err := os.Chtimes(filepath.Join(dstBucket, "a.txt"), aTime, aTime); err != nil {
			t.Fatal(err)
		}
		return dir, dstBucket, aTime
	}
	srcFiles := func(dir string) string { return filepath.Join(dir, "src", "buckets", "data") }

	t.Run("overwrite = true", func(t *testing.T) {
		dir, dstBucket, aTime := setup(t, "  overwrite = true\n")
		r := mustRun(t, dir, 0, "plan")
		if !regexp.MustCompile(`1 object at dst/data that rehome did not write will be replaced \(overwrite = true\): \[?a\.txt`).MatchString(r.Stdout) {
			t.Errorf("plan does not warn that a.txt will be replaced: %s", r)
		}
		if f := findings(planJSON(t, dir), "storage.overwrite"); len(f) != 1 || f[0]["severity"] != "warning" {
			t.Errorf("plan JSON: want one storage.overwrite warning, got %v", f)
		}
		mustRun(t, dir, 0, "apply", "-auto-approve")
		for _, k := range []string{"a.txt", "b/c.txt", "b/d/e.json", "z/last-one.bin"} {
			if !bytes.Equal(readFile(t, filepath.Join(srcFiles(dir), k)), readFile(t, filepath.Join(dstBucket, k))) {
				t.Errorf("%s at the destination is not the source's after apply", k)
			}
		}
		if got := string(readFile(t, filepath.Join(dstBucket, "foreign.txt"))); got != foreignF {
			t.Errorf("foreign.txt changed by apply: %q", got)
		}

		mustRun(t, dir, 0, "rollback", "-auto-approve")
		if d := cmp.Diff([]string{"a.txt", "foreign.txt"}, listFiles(t, dstBucket)); d != "" {
			t.Errorf("destination bucket after rollback (-want +got):\n%s", d)
		}
		if got := string(readFile(t, filepath.Join(dstBucket, "a.txt"))); got != foreignA {
			t.Errorf("a.txt not restored by rollback: %q", got)
		}
		if fi, err := os.Stat(filepath.Join(dstBucket, "a.txt")); err == nil && !fi.ModTime().Equal(aTime) {
			t.Errorf("a.txt restored with mtime %v, want its original %v", fi.ModTime(), aTime)
		}
		if got := string(readFile(t, filepath.Join(dstBucket, "foreign.txt"))); got != foreignF {
			t.Errorf("foreign.txt changed by rollback: %q", got)
		}
	})

	t.Run("without overwrite", func(t *testing.T) {
		dir, dstBucket, _ := setup(t, "")
		plan := planJSON(t, dir)
		blockers := findings(plan, "storage.dest_conflict")
		if len(blockers) != 1 || blockers[0]["severity"] != "blocker" {
			t.Fatalf("plan JSON: want one storage.dest_conflict blocker, got %v", blockers)
		}
		id := blockers[0]["id"].(string)
		r := mustRun(t, dir, 0, "plan")
		if !strings.Contains(r.Stdout, id) || !strings.Contains(r.Stdout, "a.txt") {
			t.Errorf("plan does not show blocker %s about a.txt: %s", id, r)
		}
		before := snapshotTree(t, filepath.Join(dir, "dst"))
		r = runRehome(t, dir, "apply", "-auto-approve")
		if r.Code != 1 || !strings.Contains(r.Stderr, id) {
			t.Errorf("apply with an unacknowledged blocker: want exit 1 naming %s, got %s", id, r)
		}
		assertSameTree(t, "the destination after a blocked apply", before, snapshotTree(t, filepath.Join(dir, "dst")))

		writeConfig(t, dir, storageConfig("src", "dst", fmt.Sprintf("  acknowledge = [%q]\n", id)))
		r = mustRun(t, dir, 0, "apply", "-auto-approve")
		if !strings.Contains(r.Stdout, "Acknowledged findings") || !strings.Contains(r.Stdout, id) {
			t.Errorf("apply does not list the acknowledged finding: %s", r)
		}
		if got := string(readFile(t, filepath.Join(dstBucket, "a.txt"))); got != foreignA {
			t.Errorf("the acknowledged conflicting a.txt was written: %q", got)
		}
		if got := string(readFile(t, filepath.Join(dstBucket, "foreign.txt"))); got != foreignF {
			t.Errorf("foreign.txt changed: %q", got)
		}
		for _, k := range []string{"b/c.txt", "b/d/e.json", "z/last-one.bin"} {
			if !bytes.Equal(readFile(t, filepath.Join(srcFiles(dir), k)), readFile(t, filepath.Join(dstBucket, k))) {
				t.Errorf("%s at the destination is not the source's", k)
			}
		}
	})
}

// TestE2ESecretsNeverLeak runs every command over a secrets move with debug
// logging and looks for the secret values in everything rehome wrote.
func TestE2ESecretsNeverLeak(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"API_TOKEN":   "s3cr3t-VALUE-7f3a9",
		"DB_PASSWORD": "p4ss VALUE-b81c2 with spaces #and-a-hash",
		"SIGNING_KEY": "k3y-VALUE-c3d4e",
	}
	const oldToken, foreign = "old-VALUE-0d9e8", "foreign-VALUE-11aa2"
	values := []string{oldToken, foreign}
	for _, v := range secrets {
		values = append(values, v)
	}

	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"dst.key":                 "# test key\n" + id.String() + "\n",
		"src/buckets/files/a.txt": "not a secret\n",
	})
	var env strings.Builder
	for _, k := range []string{"API_TOKEN", "DB_PASSWORD", "SIGNING_KEY"} {
		fmt.Fprintf(&env, "%s=%q\n", k, secrets[k])
	}
	writeFiles(t, dir, map[string]string{"src/secrets.env": env.String()})
	// The destination already holds an older API_TOKEN and a secret of its own.
	var enc bytes.Buffer
	w, err := age.Encrypt(&enc, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "API_TOKEN=%s\nOTHER=%s\n", oldToken, foreign)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "dst"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dst", "secrets.env.age"), enc.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, dir, fmt.Sprintf(`migration "secrets" {}

environment "src" {
  provider = "local"
  path     = "src"
}

environment "dst" {
  provider          = "local"
  path              = "dst"
  age_recipients    = [%q]
  age_identity_file = "dst.key"
}

move "storage" "files" {
  from = environment.src
  to   = environment.dst
}

move "secrets" "app" {
  from      = environment.src
  to        = environment.dst
  overwrite = true
}
`, id.Recipient().String()))

	logFile := filepath.Join(t.TempDir(), "rehome.log")
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	var outputs []runResult
	run := func(toFile bool, want int, args ...string) runResult {
		t.Helper()
		e := []string{"REHOME_LOG=debug"}
		if toFile {
			e = append(e, "REHOME_LOG_PATH="+logFile)
		}
		r := runRehomeOpts(t, dir, runOpts{Env: e}, args...)
		outputs = append(outputs, r)
		if r.Code != want {
			t.Errorf("rehome %s: want exit %d, got %s", strings.Join(args, " "), want, r)
		}
		return r
	}
	run(false, 0, "validate")
	run(true, 0, "plan")
	run(false, 0, "plan", "-json")
	run(true, 0, "plan", "-format=markdown")
	run(false, 0, "plan", "-out="+planFile)
	run(true, 0, "show", planFile)
	run(false, 0, "show", "-json", planFile)
	run(true, 0, "apply", "-json", "-auto-approve")
	list := run(false, 0, "state", "list")
	for _, addr := range strings.Fields(list.Stdout) {
		run(true, 0, "state", "show", addr)
	}
	run(false, 0, "show")
	run(true, 0, "show", "-json")
	run(false, 0, "plan", "-detailed-exitcode")
	run(true, 0, "rollback", "-auto-approve")
	run(false, 0, "apply", "-auto-approve")
	run(true, 0, "cutover", "-auto-approve")
	run(false, 0, "rollback", "-json", "-auto-approve", "-force")

	// The secrets did move: after the last rollback the destination keeps
	// its own OTHER and the overwritten API_TOKEN as rehome wrote it (the
	// local store keeps no versions); the secrets rehome created are gone.
	got := decryptDotenv(t, filepath.Join(dir, "dst", "secrets.env.age"), filepath.Join(dir, "dst.key"))
	if d := cmp.Diff(map[string]string{"API_TOKEN": secrets["API_TOKEN"], "OTHER": foreign}, got); d != "" {
		t.Errorf("destination secrets at the end (-want +got; values are test data):\n%s", d)
	}

	check := func(what string, data []byte) {
		t.Helper()
		for _, v := range values {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("secret value %q appears in %s", v, what)
			}
		}
	}
	for i, r := range outputs {
		check(fmt.Sprintf("the stdout of command %d", i+1), []byte(r.Stdout))
		check(fmt.Sprintf("the stderr of command %d", i+1), []byte(r.Stderr))
	}
	check("the plan file", readFile(t, planFile))
	if len(readFile(t, logFile)) == 0 {
		t.Errorf("REHOME_LOG_PATH=%s: no log written", logFile)
	}
	check("the log file", readFile(t, logFile))
	for _, root := range []string{filepath.Join(dir, ".rehome"), filepath.Join(dir, "dst")} {
		for _, f := range listFiles(t, root) {
			check(filepath.Join(root, f), readFile(t, filepath.Join(root, f)))
		}
	}
}

// TestE2ESensitiveVariable checks that a sensitive variable's value is not
// printed, even by a diagnostic or finding about it.
func TestE2ESensitiveVariable(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-VAR-7f3a9"
	for _, tc := range []struct {
		name      string
		varType   string
		moveExtra string
		viaFlag   bool
		want      int
		diag      string
	}{
		{"wrong type, environment variable", "number", "", false, 1, `Invalid value for variable`},
		{"wrong type, -var", "number", "", true, 1, `Invalid value for variable`},
		{"in verify", "string", "  verify = var.token\n", true, 1, `Sensitive value not allowed`},
		{"env() of it", "string", "  verify = env(var.token)\n", false, 1, `Error in function call`},
		{"file() of it", "string", "  verify = file(var.token)\n", true, 1, `Invalid function argument`},
		// Names, globs and ids are shown in plans, so a secret may not flow
		// into them: refused with a diagnostic that does not echo it.
		{"in include", "string", "  include = [var.token]\n", false, 1, `Sensitive value not allowed`},
		{"in acknowledge", "string", "  acknowledge = [var.token]\n", true, 1, `Sensitive value not allowed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := smallMigration(t, tc.moveExtra)
			cfg := filepath.Join(dir, "migration.hcl")
			text := strings.Replace(string(readFile(t, cfg)), `migration "e2e" {}`,
				fmt.Sprintf("migration \"e2e\" {}\n\nvariable \"token\" {\n  type      = %s\n  sensitive = true\n}", tc.varType), 1)
			if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			o := runOpts{Env: []string{"REHOME_LOG=debug", "REHOME_VAR_token=" + secret}}
			var extra []string
			if tc.viaFlag {
				o.Env = []string{"REHOME_LOG=debug"}
				extra = []string{"-var", "token=" + secret}
			}
			var all strings.Builder
			for _, args := range [][]string{{"validate"}, {"plan"}, {"plan", "-json"}, {"plan", "-format=markdown"}} {
				r := runRehomeOpts(t, dir, o, append(args, extra...)...)
				if r.Code != tc.want {
					t.Errorf("%v: want exit %d, got %s", args, tc.want, r)
				}
				all.WriteString(r.Stdout + r.Stderr)
				for _, l := range strings.Split(r.Stdout+r.Stderr, "\n") {
					if strings.Contains(l, secret) {
						t.Errorf("%v prints the sensitive value: %s", args, strings.TrimSpace(l))
					}
				}
			}
			if !strings.Contains(all.String(), tc.diag) {
				t.Errorf("no %q diagnostic or finding in the output:\n%s", tc.diag, all.String())
			}
		})
	}
}

// TestE2EStateCommands covers state list/show/rm/unlock, providers and
// version.
func TestE2EStateCommands(t *testing.T) {
	t.Parallel()
	const (
		zoneAddr    = `move.dns.zones.zone["shop.example.com"]`
		recordsAddr = `move.dns.zones.records["shop.example.com"]`
		mediaAddr   = `move.storage.assets.objects["shop-media"]`
	)
	t.Run("list, show, rm, rollback", func(t *testing.T) {
		dir := quickstartCopy(t)
		mustRun(t, dir, 0, "apply", "-auto-approve")
		list := strings.Fields(mustRun(t, dir, 0, "state", "list").Stdout)
		db := []string{`move.database.shop.database["main"]`, `move.database.shop.rows["main"]`,
			`move.database.shop.table["main.customers"]`, `move.database.shop.table["main.order_items"]`,
			`move.database.shop.table["main.orders"]`, `move.database.shop.table["main.payments"]`,
			`move.database.shop.table["main.products"]`}
		want := []string{
			recordsAddr, zoneAddr,
			`move.secrets.app.secret["DATABASE_URL"]`, `move.secrets.app.secret["SESSION_SECRET"]`,
			`move.secrets.app.secret["SMTP_PASSWORD"]`, `move.secrets.app.secret["STRIPE_API_KEY"]`,
			`move.storage.assets.bucket["shop-assets"]`, `move.storage.assets.bucket["shop-media"]`,
			`move.storage.assets.objects["shop-assets"]`, mediaAddr,
		}
		if d := cmp.Diff(append(db, want...), list); d != "" {
			t.Errorf("state list (-want +got):\n%s", d)
		}
		show := mustRun(t, dir, 0, "state", "show", mediaAddr).Stdout
		for _, re := range []string{`(?m)^# ` + regexp.QuoteMeta(mediaAddr) + `$`, `(?m)^name\s+= shop-media-2026$`,
			`(?m)^attrs\.objects\s+= 2$`, `(?m)^attrs\.source\s+= legacy/shop-media$`, `apply copy \(prepare phase\): done`} {
			if !regexp.MustCompile(re).MatchString(show) {
				t.Errorf("state show %s does not match %s:\n%s", mediaAddr, re, show)
			}
		}
		if r := runRehome(t, dir, "state", "show", "move.nope.x"); r.Code != 1 || !strings.Contains(r.Stderr, "move.nope.x") {
			t.Errorf("state show of an unknown address: want exit 1 naming it, got %s", r)
		}

		zoneFile := filepath.Join(dir, "out", "new-env", "zones", "shop.example.com.zone")
		zone := readFile(t, zoneFile)
		r := mustRun(t, dir, 0, "state", "rm", zoneAddr, recordsAddr)
		if !strings.Contains(r.Stdout, "Removed 2 address(es)") {
			t.Errorf("state rm: %s", r)
		}
		list = strings.Fields(mustRun(t, dir, 0, "state", "list").Stdout)
		if d := cmp.Diff(append(db, want[2:]...), list); d != "" {
			t.Errorf("state list after rm (-want +got):\n%s", d)
		}
		if r := runRehome(t, dir, "state", "rm", "move.nope.x"); r.Code != 1 {
			t.Errorf("state rm of an unknown address: want exit 1, got %s", r)
		}
		mustRun(t, dir, 0, "rollback", "-auto-approve")
		if d := cmp.Diff([]string{"zones/shop.example.com.zone"}, listFiles(t, filepath.Join(dir, "out", "new-env"))); d != "" {
			t.Errorf("files after rollback (-want +got): only the forgotten zone must be left:\n%s", d)
		}
		if got := readFile(t, zoneFile); !bytes.Equal(got, zone) {
			t.Errorf("the forgotten zone file changed in rollback")
		}
	})

	t.Run("rm a secret, rollback keeps it", func(t *testing.T) {
		dir := quickstartCopy(t)
		mustRun(t, dir, 0, "apply", "-auto-approve")
		mustRun(t, dir, 0, "state", "rm", `move.secrets.app.secret["STRIPE_API_KEY"]`)
		mustRun(t, dir, 0, "rollback", "-auto-approve")
		ageFile := filepath.Join(dir, "out", "new-env", "secrets.env.age")
		if _, err := os.Stat(ageFile); err != nil {
			t.Fatalf("rollback deleted the secret forgotten with `state rm` (%v)", err)
		}
		src, err := godotenv.Read(filepath.Join(dir, "legacy", "secrets.env"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"STRIPE_API_KEY": src["STRIPE_API_KEY"]}
		if d := cmp.Diff(want, decryptDotenv(t, ageFile, filepath.Join(dir, "demo-age.key"))); d != "" {
			t.Errorf("destination secrets after rollback (-want +got):\n%s", d)
		}
	})

	t.Run("unlock, providers, version", func(t *testing.T) {
		dir := quickstartCopy(t)
		mustRun(t, dir, 0, "plan")
		if r := runRehome(t, dir, "state", "unlock", "BADID"); r.Code != 1 || !strings.Contains(r.Stderr, "BADID") {
			t.Errorf("state unlock BADID: want exit 1 naming the id, got %s", r)
		}
		p := mustRun(t, dir, 0, "providers").Stdout
		if !regexp.MustCompile(`(?m)^PROVIDER\s+STORAGE\s+DNS\s+SECRETS\s+QUEUE\s+DATABASE$`).MatchString(p) ||
			!regexp.MustCompile(`(?m)^local\s+src\+dst\s+src\+dst\s+src\+dst\s+-\s+-$`).MatchString(p) {
			t.Errorf("providers does not show the local provider's matrix:\n%s", p)
		}
		if v := mustRun(t, dir, 0, "version").Stdout; !regexp.MustCompile(`^rehome v\d+\.\d+\.\d+\S*\n$`).MatchString(v) {
			t.Errorf("version prints %q", v)
		}
	})
}

// TestE2ECutoverAndFinalize runs apply, cutover (which syncs what the
// source gained since), finalize, and checks rollback's guards.
func TestE2ECutoverAndFinalize(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	out := filepath.Join(dir, "out", "new-env")
	mustRun(t, dir, 0, "apply", "-auto-approve")
	late := map[string]string{"late/added-after-apply.txt": "added after the apply\n"}
	writeFiles(t, filepath.Join(dir, "legacy", "buckets", "shop-assets"), late)

	r := runRehome(t, dir, "cutover", "-auto-approve")
	if r.Code != 0 {
		t.Errorf("cutover after an apply, with an object added at the source since: want exit 0, got %s", r)
		// Go on with -force so that the rest is still checked.
		mustRun(t, dir, 0, "cutover", "-auto-approve", "-force")
	}
	got, err := os.ReadFile(filepath.Join(out, "buckets", "shop-assets", "late", "added-after-apply.txt"))
	if err != nil || string(got) != late["late/added-after-apply.txt"] {
		t.Errorf("the object added since the apply is not at the destination after cutover: %q, %v", got, err)
	}
	if ph := readStateFile(t, dir).Phase; ph != "cutover" {
		t.Errorf("phase after cutover: %q", ph)
	}

	beforeOut := snapshotTree(t, out)
	r = runRehome(t, dir, "rollback", "-auto-approve")
	if r.Code != 1 || !strings.Contains(r.Stderr, "-force") {
		t.Errorf("rollback after cutover without -force: want exit 1 asking for -force, got %s", r)
	}
	assertSameTree(t, "out/ after a refused rollback", beforeOut, snapshotTree(t, out))

	before := snapshotTree(t, filepath.Join(dir, "legacy"))
	r = mustRun(t, dir, 0, "finalize", "-auto-approve")
	for _, want := range []string{
		"rehome deleted nothing",
		`storage bucket "shop-assets" in legacy`,
		`storage bucket "shop-media" in legacy`,
		`dns zone "shop.example.com" in legacy`,
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("finalize does not list %q: %s", want, r)
		}
	}
	if strings.Contains(r.Stdout, "internal-logs") {
		t.Errorf("finalize lists internal-logs, which was not moved: %s", r)
	}
	assertSameTree(t, "legacy/ after finalize", before, snapshotTree(t, filepath.Join(dir, "legacy")))
	assertSameTree(t, "out/ after finalize", beforeOut, snapshotTree(t, out))
	if ph := readStateFile(t, dir).Phase; ph != "finalized" {
		t.Errorf("phase after finalize: %q", ph)
	}

	r = runRehome(t, dir, "rollback", "-auto-approve", "-force")
	if r.Code != 1 || !strings.Contains(r.Stderr, "finalized") {
		t.Errorf("rollback -force after finalize: want exit 1 (rollback window closed), got %s", r)
	}
	assertSameTree(t, "out/ after a refused rollback", beforeOut, snapshotTree(t, out))
}
