package main_test

// End-to-end tests of what a newcomer meets first: `rehome init` (a local
// starter, and one discovered from a fake AWS account), the local
// provider's "not found" messages that say where rehome looked, and source
// files rehome cannot read reported by the plan rather than by apply.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/local/localtest"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

// TestE2EInitLocal: init writes a starter that validates and is formatted,
// refuses to overwrite it without -force, and documents itself in help.
func TestE2EInitLocal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRun(t, dir, 0, "init")
	if !strings.Contains(r.Stdout, "migration.hcl") {
		t.Errorf("init does not say what it wrote:\n%s", r)
	}
	text := string(readFile(t, filepath.Join(dir, "migration.hcl")))
	for _, want := range []string{`environment "legacy"`, `environment "new"`, `move "storage"`, `move "dns"`, `move "secrets"`, "audit {", "buckets/NAME/", "zones/ZONE.zone", "secrets.env"} {
		if !strings.Contains(text, want) {
			t.Errorf("starter lacks %q:\n%s", want, text)
		}
	}
	v := mustRun(t, dir, 0, "validate")
	if !strings.Contains(v.Stdout, "2 environment(s), 3 move(s)") {
		t.Errorf("validate: %s", v)
	}
	mustRun(t, dir, 0, "fmt", "-check")

	// An existing file is kept unless -force.
	if err := os.WriteFile(filepath.Join(dir, "migration.hcl"), []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, dir, 1, "init")
	if !strings.Contains(r.Stderr, "already exists") || !strings.Contains(r.Stderr, "-force") {
		t.Errorf("init over an existing file: %s", r)
	}
	if got := string(readFile(t, filepath.Join(dir, "migration.hcl"))); got != "# mine\n" {
		t.Errorf("init overwrote the file without -force: %q", got)
	}
	mustRun(t, dir, 0, "init", "-force")
	mustRun(t, dir, 0, "validate")

	// -chdir writes into that folder.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, 0, "-chdir=sub", "init")
	mustRun(t, sub, 0, "validate")

	for _, args := range [][]string{{"help", "init"}, {"init", "-h"}} {
		h := mustRun(t, dir, 0, args...)
		if !strings.Contains(h.Stdout, "Usage: rehome init") || !strings.Contains(h.Stdout, "-from") {
			t.Errorf("rehome %s: %s", strings.Join(args, " "), h)
		}
	}
	if u := mustRun(t, dir, 0, "help"); !strings.Contains(u.Stdout, "init ") {
		t.Errorf("usage does not list init:\n%s", u.Stdout)
	}
	if r := mustRun(t, dir, 1, "init", "-from=gcp"); !strings.Contains(r.Stderr, "aws, hcloud or digitalocean") {
		t.Errorf("init -from=gcp: %s", r)
	}
}

// TestE2EInitFromAWS: init -from=aws discovers the buckets (s3fake) and
// hosted zones (awsfake Route 53) of the account the AWS_* variables
// name, and writes move blocks naming them, credentials as env()
// references only; the file validates, is formatted and plans.
func TestE2EInitFromAWS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s3 := s3fake.New()
	t.Cleanup(s3.Close)
	// Every service the aws provider calls, empty but for what is made
	// below: plans of the written file audit the whole account.
	acct := awsfake.NewAccount("123456789012", "eu-west-1")
	t.Cleanup(acct.Close)
	eps := acct.Endpoints()
	creds := credentials.NewStaticCredentialsProvider("AKIDINIT", "init-secret-value", "")
	s3c := sdks3.New(sdks3.Options{Region: "eu-west-1", BaseEndpoint: sdkaws.String(s3.URL), UsePathStyle: true, Credentials: creds,
		HTTPClient: s3.Client()})
	for _, b := range []string{"shop-logs", "shop-assets"} {
		if _, err := s3c.CreateBucket(ctx, &sdks3.CreateBucketInput{Bucket: sdkaws.String(b)}); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
	}
	if err := s3.Seed(ctx, "shop-assets", "img/a.jpg", []byte("jpeg"), nil); err != nil {
		t.Fatal(err)
	}
	raw := route53.New(route53.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(eps["route53"]), Credentials: creds})
	if _, err := raw.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: sdkaws.String("shop.example.com."),
		CallerReference: sdkaws.String("init-test")}); err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_ACCESS_KEY_ID=AKIDINIT", "AWS_SECRET_ACCESS_KEY=init-secret-value", "AWS_REGION=eu-west-1",
		"AWS_ENDPOINT_URL_S3=" + s3.URL}
	for svc, url := range eps {
		env = append(env, "AWS_ENDPOINT_URL_"+strings.ToUpper(svc)+"="+url)
	}
	dir := t.TempDir()
	r := runRehomeOpts(t, dir, runOpts{Env: env}, "init", "-from=aws")
	if r.Code != 0 {
		t.Fatalf("init -from=aws: %s", r)
	}
	text := string(readFile(t, filepath.Join(dir, "migration.hcl")))
	for _, want := range []string{`provider = "aws"`, `region   = "eu-west-1"`, `env("AWS_ACCESS_KEY_ID")`, `env("AWS_SECRET_ACCESS_KEY")`,
		`buckets = ["shop-assets", "shop-logs"]`, `zones = ["shop.example.com"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("starter lacks %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{"init-secret-value", "AKIDINIT"} {
		if strings.Contains(text, secret) || strings.Contains(r.Stdout+r.Stderr, secret) {
			t.Errorf("a credential value (%s) was written or printed:\n%s\n%s", secret, text, r)
		}
	}
	if v := runRehomeOpts(t, dir, runOpts{Env: env}, "validate"); v.Code != 0 {
		t.Fatalf("validate the discovered starter: %s", v)
	}
	mustRun(t, dir, 0, "fmt", "-check")
	p := runRehomeOpts(t, dir, runOpts{Env: env}, "plan")
	if p.Code != 0 && p.Code != 2 {
		t.Fatalf("plan the discovered starter: %s", p)
	}
	if !strings.Contains(p.Stdout, "shop-assets") || !strings.Contains(p.Stdout, "shop.example.com") {
		t.Errorf("the plan does not move what init found:\n%s", p)
	}

	// Credentials that do not work are a clear error, and nothing is written.
	dir2 := t.TempDir()
	bad := runRehomeOpts(t, dir2, runOpts{Env: []string{"AWS_ACCESS_KEY_ID=AKIDINIT", "AWS_REGION=eu-west-1",
		"AWS_ENDPOINT_URL_S3=" + s3.URL, "AWS_ENDPOINT_URL_ROUTE53=" + eps["route53"]}}, "init", "-from=aws")
	if bad.Code != 1 || !strings.Contains(bad.Stderr, "discover the aws source") {
		t.Errorf("init -from=aws with half the keys: %s", bad)
	}
	if _, err := os.Stat(filepath.Join(dir2, "migration.hcl")); err == nil {
		t.Errorf("a failed init wrote migration.hcl")
	}

	// Without key variables (a profile or SSO), the keys are commented out,
	// so that validate does not fail on an unset variable.
	dir3 := t.TempDir()
	noKeys := []string{"AWS_CONFIG_FILE=" + filepath.Join(dir3, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir3, "none")}
	for _, e := range env {
		if !strings.HasPrefix(e, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(e, "AWS_SECRET_ACCESS_KEY=") {
			noKeys = append(noKeys, e)
		}
	}
	if r := runRehomeOpts(t, dir3, runOpts{Env: noKeys}, "init", "-from=aws"); r.Code == 0 {
		text := string(readFile(t, filepath.Join(dir3, "migration.hcl")))
		if !strings.Contains(text, `# access_key = env("AWS_ACCESS_KEY_ID")`) {
			t.Errorf("keys not commented out without AWS_ACCESS_KEY_ID:\n%s", text)
		}
		if v := runRehomeOpts(t, dir3, runOpts{Env: noKeys}, "validate"); v.Code != 0 {
			t.Errorf("validate without key variables: %s", v)
		}
	} else if !strings.Contains(r.Stderr, "discover the aws source") {
		t.Errorf("init -from=aws without credentials: %s", r)
	}
}

// TestE2ENotFoundSaysWhere: a bucket or zone the local source does not
// hold is a blocker saying which file or folder rehome looked for, below
// the environment's path as the configuration wrote it; `rehome providers
// local` documents the layout.
func TestE2ENotFoundSaysWhere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"legacy/buckets/a/f.txt": "hi", "legacy/zones/.keep": ""})
	writeConfig(t, dir, `migration "t" {}

environment "legacy" {
  provider = "local"
  path     = "legacy"
}

environment "new" {
  provider = "local"
  path     = "new"
}

move "storage" "b" {
  from    = environment.legacy
  to      = environment.new
  buckets = ["missing", "a"]
}

move "dns" "z" {
  from  = environment.legacy
  to    = environment.new
  zones = ["example.org"]
}
`)
	plan := planJSON(t, dir)
	for code, want := range map[string]string{
		"storage.bucket_missing": `bucket "missing": no folder buckets/missing/ under legacy/`,
		"dns.zone_missing":       `zone "example.org": no file zones/example.org.zone under legacy/`,
	} {
		fs := findings(plan, code)
		if len(fs) != 1 {
			t.Errorf("want one %s finding, got %v", code, fs)
			continue
		}
		if msg, _ := fs[0]["message"].(string); !strings.Contains(msg, want) {
			t.Errorf("%s: message %q does not contain %q", code, msg, want)
		}
	}

	r := mustRun(t, dir, 0, "providers", "local")
	for _, want := range []string{"buckets/NAME/", "zones/ZONE.zone", "secrets.env", "secrets.env.age", "path (required)", "age_recipients"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("rehome providers local lacks %q:\n%s", want, r.Stdout)
		}
	}
	if r := mustRun(t, dir, 1, "providers", "nope"); !strings.Contains(r.Stderr, `no provider "nope"`) {
		t.Errorf("providers nope: %s", r)
	}
}

// TestE2EUnreadableSource: source entries rehome cannot read (a folder
// it cannot list; as a non-root user also a file and a folder without
// permission) are a plan-time blocker naming each path, not a copy that
// fails halfway; acknowledged, apply copies the rest and leaves them out.
func TestE2EUnreadableSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"src/buckets/data/ok.txt": "fine", "src/buckets/data/z/also.txt": "fine too"})
	bucket := filepath.Join(dir, "src", "buckets", "data")
	deep := localtest.DeepFolder(t, bucket, "d")
	wantKeys := []string{deep + "/"}
	if os.Geteuid() != 0 {
		// Permissions stop a non-root user only.
		writeFiles(t, bucket, map[string]string{"secret.txt": "x", "locked/in.txt": "y"})
		for _, p := range []string{"secret.txt", "locked"} {
			if err := os.Chmod(filepath.Join(bucket, p), 0); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { _ = os.Chmod(filepath.Join(bucket, "locked"), 0o755) })
		wantKeys = append(wantKeys, "secret.txt: cannot read the file: permission denied", "locked/: cannot list the folder: permission denied")
	} else {
		t.Log("running as root: permission bits stop nothing, so only the over-long folder is unreadable")
	}
	writeConfig(t, dir, storageConfig("src", "dst", ""))
	plan := planJSON(t, dir)
	fs := findings(plan, "storage.unreadable")
	if len(fs) != 1 {
		t.Fatalf("want one storage.unreadable finding, got %v", findings(plan, ""))
	}
	msg, _ := fs[0]["message"].(string)
	for _, k := range wantKeys {
		if !strings.Contains(msg, k) {
			t.Errorf("finding %q does not name %q", msg, k)
		}
	}
	if !strings.Contains(msg, "file name too long") {
		t.Errorf("finding %q does not say why", msg)
	}
	if fs[0]["severity"] != "blocker" {
		t.Errorf("severity %v, want blocker", fs[0]["severity"])
	}
	if r := runRehome(t, dir, "apply", "-auto-approve"); r.Code == 0 {
		t.Fatalf("apply went ahead over an unacknowledged blocker: %s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "dst", "buckets", "data", "ok.txt")); err == nil {
		t.Errorf("a blocked apply copied objects")
	}

	id, _ := fs[0]["id"].(string)
	writeConfig(t, dir, storageConfig("src", "dst", fmt.Sprintf("  acknowledge = [%q]\n", id)))
	r := mustRun(t, dir, 0, "apply", "-auto-approve")
	got := listFiles(t, filepath.Join(dir, "dst", "buckets", "data"))
	want := []string{"ok.txt", "z/also.txt"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("copied %v, want %v\n%s", got, want, r)
	}
}
