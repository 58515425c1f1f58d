package main_test

import (
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

// TestE2ESamePlaceIsAValidationError: a move whose two environments point
// at the same folder is refused by validate, plan and apply with the
// move's file:line, and writes nothing; a storage move that renames its
// buckets within one place is allowed, and a bucket it would copy onto
// itself is a blocker naming it.
func TestE2ESamePlaceIsAValidationError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "data")
	writeFiles(t, filepath.Join(src, "buckets", "b"), map[string]string{"a.txt": "a"})
	writeFiles(t, filepath.Join(src, "buckets", "c"), map[string]string{"c.txt": "c"})
	writeConfig(t, dir, storageConfig(src, src+"/", ""))
	for _, args := range [][]string{{"validate"}, {"plan"}, {"apply", "-auto-approve"}} {
		r := runRehome(t, dir, args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "migration.hcl:13") || !strings.Contains(r.Stderr, "same place") ||
			!strings.Contains(r.Stderr, "move.storage.data") {
			t.Errorf("%v on a move onto itself: %s", args, r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".rehome")); err == nil {
		t.Error("a refused plan left a .rehome directory")
	}

	// Within one place with a rename: bucket b goes to b2, bucket c keeps
	// its name and is a blocker.
	writeConfig(t, dir, storageConfig(src, src, "  rename = { b = \"b2\" }\n"))
	p := planJSON(t, dir)
	same := findings(p, "storage.same_bucket")
	if len(same) != 1 || !strings.Contains(same[0]["message"].(string), `bucket "c"`) || same[0]["severity"] != "blocker" {
		t.Fatalf("same_bucket findings %v", same)
	}
	for _, args := range [][]string{{"apply", "-auto-approve"}, {"apply", "-auto-approve", "-target=move.storage.data"}} {
		if r := runRehome(t, dir, args...); r.Code == 0 || !strings.Contains(r.Stderr+r.Stdout, "storage-same-bucket") {
			t.Fatalf("%v with a blocker: %s", args, r)
		}
	}
}

// TestE2EFailedPlanLeavesNoState: plans that fail (config error, discovery
// error, unacknowledged blocker) and a successful plain plan leave no
// state directory where none was; one that existed stays.
func TestE2EFailedPlanLeavesNoState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeFiles(t, filepath.Join(src, "buckets", "b"), map[string]string{"a.txt": "a"})
	cases := map[string]string{
		"config error":    storageConfig(src, filepath.Join(dir, "dst"), "  nonsense = 1\n"),
		"discovery error": storageConfig(filepath.Join(dir, "missing"), filepath.Join(dir, "dst"), ""),
		"blocker":         storageConfig(src, filepath.Join(dir, "dst"), "  buckets = [\"nope\"]\n"),
		"plain plan":      storageConfig(src, filepath.Join(dir, "dst"), ""),
	}
	for _, name := range []string{"config error", "discovery error", "blocker", "plain plan"} {
		writeConfig(t, dir, cases[name])
		r := runRehome(t, dir, "plan")
		if (r.Code == 0) != (name == "plain plan" || name == "blocker") {
			t.Errorf("%s: plan exit %d:\n%s", name, r.Code, r)
		}
		r = runRehome(t, dir, "apply", "-auto-approve")
		if name != "plain plan" && r.Code == 0 {
			t.Errorf("%s: apply succeeded", name)
		}
		if name != "plain plan" {
			if _, err := os.Stat(filepath.Join(dir, ".rehome")); err == nil {
				t.Errorf("%s: a failed plan or apply left .rehome: %v", name, listFiles(t, filepath.Join(dir, ".rehome")))
			}
		}
	}
	// The plain plan's apply saved state: it stays, and a later failing
	// plan keeps it.
	if _, err := os.Stat(filepath.Join(dir, ".rehome", "state", "state.json")); err != nil {
		t.Fatalf("apply saved no state: %v", err)
	}
	writeConfig(t, dir, cases["discovery error"])
	runRehome(t, dir, "plan")
	if _, err := os.Stat(filepath.Join(dir, ".rehome", "state", "state.json")); err != nil {
		t.Fatalf("a failed plan removed existing state: %v", err)
	}
}

// TestE2EDiscoveryErrorNamesTheBlock: a source path that is missing or a
// file is reported at the environment's path attribute, in plain words.
func TestE2EDiscoveryErrorNamesTheBlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"afile": "x"})
	for path, want := range map[string]string{
		filepath.Join(dir, "missing"): "does not exist",
		filepath.Join(dir, "afile"):   "is a file, not a folder",
	} {
		writeConfig(t, dir, storageConfig(path, filepath.Join(dir, "dst"), ""))
		r := runRehome(t, dir, "plan")
		if r.Code != 1 || !strings.Contains(r.Stderr, "migration.hcl:5: ") || !strings.Contains(r.Stderr, want) ||
			!strings.Contains(r.Stderr, `environment "src"`) {
			t.Errorf("plan with source %s: %s", path, r)
		}
	}
}

// TestE2ERunbookRollbackMatchesRollback: the Markdown runbook's "Rolling
// back" section lists exactly the steps `rehome rollback` takes after the
// apply and the cutover, in its order and with its names; every step of
// the runbook has a duration estimate; `rehome cutover` shows the cutover
// steps, not the prepare phase, and never says to run itself.
func TestE2ERunbookRollbackMatchesRollback(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	md := mustRun(t, dir, 0, "plan", "-format=markdown").Stdout
	section := md[strings.Index(md, "## Rolling back"):]
	section = section[:strings.Index(section, "## After cutover")]
	var planned []string
	for _, l := range strings.Split(section, "\n") {
		if i := strings.Index(l, "`move."); i >= 0 && l != "" && l[0] >= '1' && l[0] <= '9' {
			addr := l[i+1:]
			planned = append(planned, addr[:strings.Index(addr, "`")])
		}
	}
	steps := strings.Count(md, "\n   - Depends on:") + strings.Count(md, "\n    - Depends on:")
	if est := strings.Count(md, "- Estimate: "); steps == 0 || est != steps {
		t.Errorf("%d of %d runbook steps have an estimate:\n%s", est, steps, md)
	}
	if strings.Contains(md, "<1s") || strings.Contains(md, " and 1 more") {
		t.Errorf("the runbook has \"<1s\" or cuts a list short:\n%s", md)
	}

	mustRun(t, dir, 0, "apply", "-auto-approve")
	writeFiles(t, filepath.Join(dir, "legacy", "buckets", "shop-assets"), map[string]string{"late.txt": "late"})
	cut := mustRun(t, dir, 0, "cutover", "-auto-approve").Stdout
	if strings.Contains(cut, "Prepare phase (rehome apply)") || strings.Contains(cut, "run `rehome cutover`") ||
		!strings.Contains(cut, " steps to run") || !strings.Contains(cut, "+ create  late.txt") {
		t.Errorf("cutover output:\n%s", cut)
	}
	rb := mustRun(t, dir, 0, "rollback", "-auto-approve", "-force").Stdout
	var ran []string
	for _, l := range strings.Split(rb, "\n") {
		if strings.HasPrefix(l, "  - move.") {
			ran = append(ran, strings.SplitN(strings.TrimPrefix(l, "  - "), ": ", 2)[0])
		}
	}
	if len(ran) == 0 || strings.Join(ran, "\n") != strings.Join(planned, "\n") {
		t.Errorf("the runbook's rollback:\n  %s\nrollback ran:\n  %s", strings.Join(planned, "\n  "), strings.Join(ran, "\n  "))
	}
}

// TestE2ESecretGoneFromSourceIsRemoved: a secret rehome copied and the
// source then lost is removed from the destination by the next apply (and
// by the cutover's final pass), shown as a removal; a secret someone put
// at the destination stays.
func TestE2ESecretGoneFromSourceIsRemoved(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	mustRun(t, dir, 0, "apply", "-auto-approve")
	env := filepath.Join(dir, "legacy", "secrets.env")
	var kept []string
	for _, l := range strings.Split(string(readFile(t, env)), "\n") {
		if !strings.HasPrefix(l, "SMTP_PASSWORD=") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(env, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	p := planJSON(t, dir)
	var removal map[string]any
	for _, a := range p["actions"].([]any) {
		a := a.(map[string]any)
		if a["address"] == `move.secrets.app.secret["SMTP_PASSWORD"]` {
			removal = a
		}
	}
	if removal == nil || removal["action"] != "delete" || !strings.Contains(removal["reason"].(string), "gone from the source") {
		t.Fatalf("plan has no removal of the secret gone from the source: %v", removal)
	}
	human := mustRun(t, dir, 0, "plan").Stdout
	if !strings.Contains(human, "removals: 1 to remove") || !strings.Contains(human, "1 to remove") {
		t.Errorf("the human plan does not show the removal:\n%s", human)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	ageFile, key := filepath.Join(dir, "out", "new-env", "secrets.env.age"), filepath.Join(dir, "demo-age.key")
	if got := decryptDotenv(t, ageFile, key); len(got) != 3 || got["SMTP_PASSWORD"] != "" {
		t.Errorf("destination secrets after the removal: %v", slices.Sorted(maps.Keys(got)))
	}
	names := mustRun(t, dir, 0, "state", "list").Stdout
	if strings.Contains(names, "SMTP_PASSWORD") {
		t.Errorf("state still lists the removed secret:\n%s", names)
	}
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); r.Code != 0 {
		t.Errorf("re-plan after the removal is not empty:\n%s", r.Stdout)
	}
	// Gone between apply and cutover: the final pass removes it.
	kept = kept[:0]
	for _, l := range strings.Split(string(readFile(t, env)), "\n") {
		if !strings.HasPrefix(l, "SESSION_SECRET=") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(env, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, 0, "cutover", "-auto-approve")
	if got := decryptDotenv(t, ageFile, key); len(got) != 2 || got["SESSION_SECRET"] != "" {
		t.Errorf("destination secrets after the cutover: %v", slices.Sorted(maps.Keys(got)))
	}
	if r := mustRun(t, dir, 0, "plan", "-detailed-exitcode"); r.Code != 0 {
		t.Errorf("re-plan after the cutover is not empty:\n%s", r.Stdout)
	}
	mustRun(t, dir, 0, "rollback", "-auto-approve", "-force")
}

// TestE2EReadmeTour runs the README's two commands' quickstart apply and
// then its tour, command by command in the README's order, as a newcomer
// would: each succeeds, and the tour's first plan is a real plan.
func TestE2EReadmeTour(t *testing.T) {
	t.Parallel()
	readme := string(readFile(t, filepath.Join("..", "..", "README.md")))
	i := strings.Index(readme, "## A tour")
	if i < 0 {
		t.Fatal("README has no tour")
	}
	block := readme[i:]
	block = block[strings.Index(block, "```sh")+len("```sh"):]
	block = block[:strings.Index(block, "```")]
	dir := quickstartCopy(t)
	mustRun(t, dir, 0, "apply", "-auto-approve") // the README's first command
	ran, planned := 0, false
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "/tmp/rehome ") {
			continue
		}
		if c := strings.Index(line, "#"); c >= 0 {
			line = strings.TrimSpace(line[:c])
		}
		args := strings.Fields(strings.TrimPrefix(line, "/tmp/rehome "))
		r := runRehome(t, dir, args...)
		if r.Code != 0 {
			t.Fatalf("tour step %q failed:\n%s", line, r)
		}
		if len(args) == 1 && args[0] == "plan" && !planned {
			planned = true
			if strings.Contains(r.Stdout, "No changes.") {
				t.Errorf("the tour's first plan shows no changes:\n%s", r.Stdout)
			}
		}
		ran++
	}
	if ran < 8 || !planned {
		t.Fatalf("ran %d tour commands (plan among them: %v)", ran, planned)
	}
}

// TestE2EPlanShowsRecordValues: after a source zone changes, the plan
// lists each record set it updates with old and new TTL and values, and
// each it removes apart, in every view; Markdown and JSON list them all.
func TestE2EPlanShowsRecordValues(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	mustRun(t, dir, 0, "apply", "-auto-approve")
	zf := filepath.Join(dir, "legacy", "zones", "shop.example.com.zone")
	var lines []string
	for _, l := range strings.Split(string(readFile(t, zf)), "\n") {
		switch {
		case strings.HasPrefix(l, "api ") && strings.Contains(l, "203.0.113.11"):
			l = strings.Replace(l, "203.0.113.11", "203.0.113.99", 1)
		case strings.HasPrefix(l, "_dmarc"):
			continue
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(zf, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	p := planJSON(t, dir)
	var changes []any
	for _, a := range p["actions"].([]any) {
		if a := a.(map[string]any); a["address"] == `move.dns.zones.records["shop.example.com"]` {
			changes, _ = a["changes"].([]any)
		}
	}
	var upd, rm map[string]any
	for _, c := range changes {
		c := c.(map[string]any)
		switch c["op"] {
		case "update":
			upd = c
		case "remove":
			rm = c
		}
	}
	if upd == nil || upd["item"] != "api.shop.example.com. A" || fmt.Sprint(upd["old"]) != "[300 203.0.113.11 300 203.0.113.12]" ||
		fmt.Sprint(upd["new"]) != "[300 203.0.113.12 300 203.0.113.99]" {
		t.Errorf("update change %v", upd)
	}
	if rm == nil || rm["item"] != "_dmarc.shop.example.com. TXT" || len(rm["old"].([]any)) != 1 {
		t.Errorf("removal change %v", rm)
	}
	md := mustRun(t, dir, 0, "plan", "-format=markdown").Stdout
	if !strings.Contains(md, "**Removals:**") || !strings.Contains(md, "`_dmarc.shop.example.com. TXT`") ||
		!strings.Contains(md, "300 203.0.113.11<br>300 203.0.113.12 | 300 203.0.113.12<br>300 203.0.113.99") {
		t.Errorf("markdown plan lacks the record changes:\n%s", md)
	}
	human := mustRun(t, dir, 0, "plan").Stdout
	if !strings.Contains(human, "~ update  api.shop.example.com. A  300 203.0.113.11, 300 203.0.113.12 → 300 203.0.113.12, 300 203.0.113.99") ||
		!strings.Contains(human, "removals: 1 to remove") {
		t.Errorf("human plan lacks the record changes:\n%s", human)
	}
}

// TestE2ECutoverTTLKeepsTheZoneFile: with cutover_ttl, lowering the local
// source's TTLs changes only TTL fields and the serial (comments, $TTL,
// `@` and columns stay); the destination is written with the source's own
// TTLs and keeps them after the cutover; rollback gives back the source
// file byte for byte, serial included.
func TestE2ECutoverTTLKeepsTheZoneFile(t *testing.T) {
	t.Parallel()
	dir := quickstartCopy(t)
	cfg := filepath.Join(dir, "migration.hcl")
	text := strings.Replace(string(readFile(t, cfg)), `zones = ["shop.example.com"]`, "zones = [\"shop.example.com\"]\n  cutover_ttl = 60", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	zf := filepath.Join(dir, "legacy", "zones", "shop.example.com.zone")
	orig := string(readFile(t, zf))
	origTTLs := map[string]uint32{}
	for _, rr := range zoneRRs(t, zf, "shop.example.com.") {
		f := strings.Fields(rr)
		origTTLs[f[0]+" "+f[3]] = uint32(atoiComma(f[1]))
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	lowered := string(readFile(t, zf))
	ol, ll := strings.Split(orig, "\n"), strings.Split(lowered, "\n")
	if len(ol) != len(ll) {
		t.Fatalf("lowering changed the number of lines:\n%s", lowered)
	}
	for i := range ol {
		if ol[i] == ll[i] {
			continue
		}
		// A changed line differs only by a TTL field ("60 ") or the serial.
		if strings.Replace(ll[i], " 60 IN ", " IN ", 1) != ol[i] && strings.Replace(ll[i], "60 IN ", "IN ", 1) != ol[i] &&
			strings.Replace(ll[i], " 60 IN", " 300 IN", 1) != ol[i] && !strings.Contains(ol[i], "; serial") {
			t.Errorf("line %d changed beyond its TTL:\n  was %q\n  now %q", i+1, ol[i], ll[i])
		}
	}
	if !strings.Contains(lowered, "; Legacy zone") || !strings.Contains(lowered, "$TTL 3600") {
		t.Errorf("comments or $TTL lost:\n%s", lowered)
	}
	dstZone := filepath.Join(dir, "out", "new-env", "zones", "shop.example.com.zone")
	checkDst := func(when string) {
		for _, rr := range zoneRRs(t, dstZone, "shop.example.com.") {
			f := strings.Fields(rr)
			if want, ok := origTTLs[f[0]+" "+f[3]]; ok && uint32(atoiComma(f[1])) != want {
				t.Errorf("%s: destination %s has TTL %s, the source's own is %d", when, f[0]+" "+f[3], f[1], want)
			}
		}
	}
	checkDst("after apply")
	// The cutover waits out the old TTLs; -force skips the wait here.
	mustRun(t, dir, 0, "cutover", "-auto-approve", "-force")
	checkDst("after cutover")
	mustRun(t, dir, 0, "rollback", "-auto-approve", "-force")
	if got := string(readFile(t, zf)); got != orig {
		t.Errorf("rollback did not restore the zone file byte for byte:\n%s", got)
	}
}

// TestE2ESamePlaceKnownAfterSTS: two aws environments written
// differently (other access keys) that STS says are one account in one
// region are the same place too; the plan refuses the move between them
// with its file:line once the account is known, and leaves nothing.
func TestE2ESamePlaceKnownAfterSTS(t *testing.T) {
	t.Parallel()
	s3 := s3fake.New()
	t.Cleanup(s3.Close)
	sts := httptest.NewServer(awsfake.STS("123456789012"))
	t.Cleanup(sts.Close)
	dir := t.TempDir()
	env := func(name, key string) string {
		return fmt.Sprintf(`environment %q {
  provider   = "aws"
  region     = "eu-central-1"
  access_key = %q
  secret_key = "secret-%s"
  endpoints  = { s3 = %q, sts = %q }
}
`, name, key, name, s3.URL, sts.URL)
	}
	writeConfig(t, dir, `migration "shop" {}

`+env("old", "AKIDOLD")+"\n"+env("new", "AKIDNEW")+`
move "storage" "assets" {
  from = environment.old
  to   = environment.new
}
`)
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		r := runRehome(t, dir, args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "migration.hcl:19") || !strings.Contains(r.Stderr, "same place") ||
			!strings.Contains(r.Stderr, "123456789012") || strings.Contains(r.Stderr+r.Stdout, "secret-old") {
			t.Errorf("%v between two names of one account: %s", args, r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".rehome", "state")); err == nil {
		t.Error("a refused apply left state")
	}
}
