package main_test

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

// -update rewrites the golden files; defined here unless another test
// file of the package defines it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// shopAccount starts the AWS fakes of the shop account (compute, load
// balancer, database, function, roles) with S3 holding three buckets,
// and a second S3 fake as the Hetzner object storage. It returns the
// configuration's environment blocks.
func shopAccount(t *testing.T) string {
	t.Helper()
	acct := awsfake.NewAccount("123456789012", "eu-central-1")
	t.Cleanup(acct.Close)
	acct.SeedShop()
	src := s3fake.New(s3fake.WithRegion("eu-central-1"))
	t.Cleanup(src.Close)
	for _, b := range []string{"shop-assets", "shop-reports", "shop-uploads"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("PUT", "/"+b, strings.NewReader(
			`<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint></CreateBucketConfiguration>`))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDAUDIT/20260101/eu-central-1/s3/aws4_request, SignedHeaders=host, Signature=0")
		src.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("create bucket %s: %d %s", b, rec.Code, rec.Body)
		}
		if err := src.Seed(context.Background(), b, "index.txt", []byte("hello "+b), nil); err != nil {
			t.Fatal(err)
		}
	}
	// A zone nobody moves, whose records point at the load balancer, a
	// CDN and the web server's address.
	eps0 := map[string]cty.Value{}
	for k, v := range acct.Endpoints() {
		eps0[k] = cty.StringVal(v)
	}
	r53 := aws.Factory().New()
	if err := r53.Configure(context.Background(), providers.Config{Env: "aws", Value: cty.ObjectVal(map[string]cty.Value{
		"region": cty.StringVal("eu-central-1"), "access_key": cty.StringVal("AKIDAUDIT"), "secret_key": cty.StringVal("seed"),
		"endpoints": cty.MapVal(eps0)})}); err != nil {
		t.Fatal(err)
	}
	dns := r53.(providers.DNS)
	if _, err := dns.CreateZone(context.Background(), providers.Zone{Name: "shop.example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := dns.ApplyRecords(context.Background(), "shop.example.com", []providers.RecordChange{
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "www.shop.example.com.", Type: "CNAME", TTL: 300, Values: []string{"shop-alb-1234567890.eu-central-1.elb.amazonaws.com."}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "static.shop.example.com.", Type: "CNAME", TTL: 300, Values: []string{"d111111abcdef8.cloudfront.net."}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "api.shop.example.com.", Type: "A", TTL: 300, Values: []string{"198.51.100.11"}}},
	}); err != nil {
		t.Fatal(err)
	}
	dst := s3fake.New(s3fake.WithRegion("fsn1"))
	t.Cleanup(dst.Close)
	eps := acct.Endpoints()
	eps["s3"] = src.URL
	keys := make([]string, 0, len(eps))
	for k := range eps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("    %s = %q", k, eps[k]))
	}
	return fmt.Sprintf(`environment "aws" {
  provider   = "aws"
  region     = "eu-central-1"
  access_key = "AKIDAUDIT"
  secret_key = "audit-secret-key-never-shown"
  endpoints = {
%s
  }
}

environment "hetzner" {
  provider = "hcloud"
  token    = "hc-token-never-shown"
  location = "fsn1"
  endpoint = "http://127.0.0.1:1/v1"
  object_storage {
    endpoint   = %q
    access_key = "AKIDHETZNER"
    secret_key = "hetzner-secret-never-shown"
  }
}
`, strings.Join(lines, "\n"), dst.URL)
}

const shopMoves = `
move "storage" "assets" {
  from    = environment.aws
  to      = environment.hetzner
  include = ["shop-assets", "shop-reports"]
}

audit { scan = ["app"] }
`

// TestE2EAuditShop audits the shop account moving to Hetzner: every
// resource is moved, left behind or without equivalent; the scan of a
// small app finds its references with file:line. Human, Markdown and
// JSON renderings are golden files; no secret is printed.
func TestE2EAuditShop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "audit", "testdata", "app"), filepath.Join(dir, "app"))
	writeConfig(t, dir, "migration \"shop\" {\n  description = \"Shop: AWS eu-central-1 to Hetzner fsn1\"\n}\n\n"+shopAccount(t)+shopMoves)
	for _, f := range []struct{ format, golden string }{
		{"human", "audit_shop.human.golden"},
		{"markdown", "audit_shop.md.golden"},
		{"json", "audit_shop.json.golden"},
	} {
		r := mustRun(t, dir, 0, "audit", "-format="+f.format)
		for _, secret := range []string{"never-shown", "sk_live", "AKIAIOSFODNN7EXAMPLE"} {
			if strings.Contains(r.Stdout+r.Stderr, secret) {
				t.Errorf("audit -format=%s printed a secret (%s)", f.format, secret)
			}
		}
		goldenFile(t, f.golden, r.Stdout)
	}
	doc := decodeJSON(t, mustRun(t, dir, 0, "audit", "-json").Stdout)
	status := map[string]string{}
	for _, x := range doc["resources"].([]any) {
		it := x.(map[string]any)
		status[it["address"].(string)] = it["status"].(string)
	}
	for addr, want := range map[string]string{
		`aws.bucket["shop-assets"]`:           "moved",
		`aws.bucket["shop-uploads"]`:          "left_behind",
		`aws.instance["web-1"]`:               "left_behind",
		`aws.volume["shop-data"]`:             "left_behind",
		`aws.load_balancer["shop-alb"]`:       "left_behind",
		`aws.database_instance["orders"]`:     "no_equivalent",
		`aws.function["shop-resize"]`:         "no_equivalent",
		`aws.iam_role["shop-web"]`:            "no_equivalent",
		`aws.firewall["shop-db"]`:             "left_behind",
		`aws.ip["198.51.100.11"]`:             "left_behind",
		`aws.instance["worker"]`:              "left_behind",
		`aws.iam_role["shop-resize"]`:         "no_equivalent",
		`aws.bucket["shop-reports"]`:          "moved",
		`aws.instance["web-2"]`:               "left_behind",
		`aws.volume["vol-0000000000000web1"]`: "left_behind",
	} {
		if status[addr] != want {
			t.Errorf("%s: status %q; want %q", addr, status[addr], want)
		}
	}
	// The plan's audit section has the same findings.
	plan := planJSON(t, dir)
	if got, want := len(plan["audit"].([]any)), len(doc["findings"].([]any)); got != want {
		t.Errorf("plan has %d findings, audit %d; want the same", got, want)
	}
}

// TestE2EAuditExitCodes: 0 without blockers, 3 with one (a destination
// that cannot read back the secrets it is given), 1 on bad options.
func TestE2EAuditExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"src/secrets.env": "DB_PASSWORD=hunter2-VALUE\n", "app/main.py": "import boto3\n",
		"mine.key":   id.String() + "\n",
		"rules.json": `{"rules": [{"id": "acme.boto", "category": "mandatory", "effort": 8, "pattern": "import boto3", "message": "our rule: boto3 goes"}]}`})
	ok := `migration "m" {}

environment "src" {
  provider = "local"
  path     = "src"
}

environment "dst" {
  provider = "local"
  path     = "dst"
}

move "storage" "files" {
  from = environment.src
  to   = environment.dst
}

audit {
  scan  = ["app"]
  rules = "rules.json"
}
`
	writeConfig(t, dir, ok)
	if r := mustRun(t, dir, 0, "audit"); !strings.Contains(r.Stdout, "Result: no blockers.") {
		t.Errorf("audit without blockers:\n%s", r.Stdout)
	}
	// The user's rule replaces nothing and finds its line.
	doc := decodeJSON(t, mustRun(t, dir, 0, "audit", "-json").Stdout)
	found := false
	for _, x := range doc["findings"].([]any) {
		f := x.(map[string]any)
		found = found || (f["rule"] == "acme.boto" && f["file"] == "app/main.py" && f["line"] == 1.0 && f["effort"] == 8.0)
	}
	if !found {
		t.Errorf("no finding of the user's rule at app/main.py:1: %v", doc["findings"])
	}
	writeConfig(t, dir, ok+`
move "secrets" "app" {
  from = environment.src
  to   = environment.dst
  age_recipients_note = 1
}
`)
	if r := runRehome(t, dir, "audit"); r.Code != 1 {
		t.Errorf("a bad configuration: want exit 1, got %s", r)
	}
	writeConfig(t, dir, strings.Replace(ok, `  path     = "dst"
}`, `  path     = "dst"
  age_identity_file = "mine.key"
}`, 1)+`
move "secrets" "app" {
  from = environment.src
  to   = environment.dst
}
`)
	r := runRehome(t, dir, "audit", "-format=markdown")
	if r.Code != 3 || !strings.Contains(r.Stdout, "| blocker |") || !strings.Contains(r.Stdout, "exit status 3") {
		t.Errorf("a blocker: want exit 3 and the blocker listed, got %s", r)
	}
	if strings.Contains(r.Stdout, "hunter2") {
		t.Error("a secret value was printed")
	}
	if r := runRehome(t, dir, "audit", "-format=yaml"); r.Code != 1 || !strings.Contains(r.Stderr, "-format must be human, markdown or json") {
		t.Errorf("-format=yaml: %s", r)
	}
	if r := runRehome(t, dir, "help", "audit"); r.Code != 0 || !strings.Contains(r.Stdout, "3 when there are unacknowledged blockers") {
		t.Errorf("help audit: %s", r)
	}
}
