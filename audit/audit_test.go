package audit_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/audit"
	"github.com/rehome/rehome/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestBuiltinRulesCompile(t *testing.T) {
	rs, err := audit.BuiltinRules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 20 {
		t.Fatalf("%d built-in rules; want the full set", len(rs))
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.Origin, "rules.json (built in):") {
			t.Errorf("rule %s: origin %q", r.ID, r.Origin)
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"syntax", "{\"rules\": [\n  {\"id\": \"x\",,}\n]}", "u.json:2: invalid character ','"},
		{"unknown field", "{\"rules\": [\n{\"id\": \"x\", \"severity\": \"high\"}]}", `u.json:2: json: unknown field "severity"`},
		{"bad category", "{\"rules\": [\n\n{\"id\": \"x\", \"category\": \"urgent\", \"pattern\": \"a\", \"message\": \"m\"}]}",
			`u.json:3: rule "x": category "urgent": want mandatory, optional or potential`},
		{"bad pattern", `{"rules": [{"id": "x", "category": "optional", "pattern": "a(", "message": "m"}]}`,
			`u.json:1: rule "x": pattern: error parsing regexp: missing closing ): ` + "`a(`"},
		{"empty match", `{"rules": [{"id": "x", "category": "optional", "pattern": "a*", "message": "m"}]}`,
			`rule "x": the pattern matches an empty line`},
		{"points_at without name", `{"rules": [{"id": "x", "category": "optional", "pattern": "a", "message": "m", "points_at": ["bucket"]}]}`,
			`points_at needs a group named "name"`},
		{"duplicate", "{\"rules\": [{\"id\": \"x\", \"category\": \"optional\", \"pattern\": \"a\", \"message\": \"m\"},\n {\"id\": \"x\", \"category\": \"optional\", \"pattern\": \"b\", \"message\": \"m\"}]}",
			`u.json:2: rule "x" is already defined at u.json:1`},
		{"bad id", `{"rules": [{"id": "X Y", "category": "optional", "pattern": "a", "message": "m"}]}`, `rule id "X Y"`},
		{"no message", `{"rules": [{"id": "x", "category": "optional", "pattern": "a"}]}`, `rule "x": a message is required`},
		{"wrong type", "{\"rules\": [{\"id\": \"x\",\n \"effort\": \"big\"}]}", "u.json:2: effort: want int, got string"},
		{"not an object", `[]`, `want an object {"rules": [...]}`},
		{"other key", `{"patterns": []}`, `unknown field "patterns"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.ParseRules("u.json", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
}

func TestUserRulesReplaceAndAdd(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "rules.json")
	os.WriteFile(f, []byte(`{"rules": [
  {"id": "aws.region", "category": "potential", "effort": 0, "pattern": "eu-central-1", "message": "our region"},
  {"id": "acme.legacy-api", "category": "mandatory", "effort": 8, "pattern": "legacy\\.acme\\.internal", "message": "the legacy API"}
]}`), 0o644)
	rs, err := audit.LoadRules(f)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*audit.Rule{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	if r := byID["aws.region"]; r == nil || r.Category != audit.Potential || r.Origin != f+":2" {
		t.Errorf("aws.region = %+v; want the user's rule from %s:2", r, f)
	}
	if r := byID["acme.legacy-api"]; r == nil || r.Effort != 8 {
		t.Errorf("acme.legacy-api = %+v; want it added", r)
	}
	if _, err := audit.LoadRules(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// fixtureTargets are the source resources of the scan fixture's account.
func fixtureTargets() []audit.Target {
	mk := func(typ, name, moved string, keys ...string) audit.Target {
		r := providers.Resource{Env: "aws", Type: typ, Name: name}
		t := audit.Target{Address: audit.Address(r), Env: "aws", Type: typ, Name: name, Keys: keys, MovedBy: moved}
		switch typ {
		case providers.TypeBucket, providers.TypeQueue, providers.TypeSecret:
			t.Literals = []string{name}
		}
		if len(keys) > 0 && strings.Contains(keys[0], ".") {
			t.Literals = append(t.Literals, keys[0])
		}
		return t
	}
	return []audit.Target{
		mk("bucket", "shop-assets", `move.storage.assets.bucket["shop-assets"]`),
		mk("bucket", "shop-uploads", ""),
		mk("bucket", "shop-reports", `move.storage.assets.bucket["shop-reports"]`),
		mk("queue", "orders", ""),
		mk("secret", "shop/stripe", ""),
		mk("database_instance", "orders", "", "orders.c9akciq32.eu-central-1.rds.amazonaws.com"),
		mk("load_balancer", "shop-alb", "", "shop-alb-1234567890.eu-central-1.elb.amazonaws.com"),
		mk("cdn_distribution", "E2EXAMPLE", "", "d111111abcdef8.cloudfront.net"),
	}
}

// TestScanFixture scans a small app (Go, Python, JavaScript, .env, YAML,
// Terraform) and compares every finding with the golden file.
func TestScanFixture(t *testing.T) {
	rules, err := audit.BuiltinRules()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := filepath.Abs("testdata")
	hits, err := audit.Scan(context.Background(), audit.ScanInput{Dirs: []string{filepath.Join(base, "app")}, Base: base,
		Rules: rules, Providers: map[string]bool{"aws": true}, Targets: fixtureTargets()})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "%s:%d:%d %s %s effort=%d resource=%s moved_by=%s match=%q\n    %s\n",
			h.File, h.Line, h.Column, h.Rule, h.Category, h.Effort, h.Resource, h.MovedBy, h.Match, h.Message)
	}
	golden(t, "scan.golden", []byte(b.String()))

	// What the fixture is there to prove, independent of the golden file.
	want := []struct{ at, rule, resource string }{
		{"app/api/main.go:11", "aws.s3-url", `aws.bucket["shop-assets"]`},
		{"app/api/main.go:17", "aws.imds", ""},
		{"app/worker/worker.py:2", "aws.sdk-python", ""},
		{"app/worker/worker.py:4", "aws.sqs-url", `aws.queue["orders"]`},
		{"app/worker/worker.py:7", "aws.secret-arn", `aws.secret["shop/stripe"]`},
		{"app/web/upload.js:3", "aws.s3-host", `aws.bucket["shop-uploads"]`},
		{"app/web/upload.js:4", "aws.cloudfront-host", `aws.cdn_distribution["E2EXAMPLE"]`},
		{"app/deploy/.env:1", "aws.access-key", ""},
		{"app/deploy/.env:3", "aws.rds-endpoint", `aws.database_instance["orders"]`},
		{"app/deploy/values.yaml:4", "aws.elb-host", `aws.load_balancer["shop-alb"]`},
		{"app/deploy/values.yaml:5", audit.RuleResourceName, `aws.bucket["shop-reports"]`},
		{"app/infra/main.tf:1", "aws.terraform", ""},
	}
	for _, w := range want {
		found := false
		for _, h := range hits {
			found = found || (fmt.Sprintf("%s:%d", h.File, h.Line) == w.at && h.Rule == w.rule && h.Resource == w.resource)
		}
		if !found {
			t.Errorf("no %s finding at %s pointing at %q", w.rule, w.at, w.resource)
		}
	}
	for _, h := range hits {
		if strings.Contains(h.Match, "AKIA") || strings.Contains(h.Match, "never-shown") || strings.Contains(h.Message, "never-shown") {
			t.Errorf("a credential is shown: %+v", h)
		}
		if h.MovedBy != "" && h.Category != audit.Mandatory {
			t.Errorf("a reference to a moved resource is not mandatory: %+v", h)
		}
	}
}

func TestScanMissingDir(t *testing.T) {
	rules, _ := audit.BuiltinRules()
	_, err := audit.Scan(context.Background(), audit.ScanInput{Dirs: []string{"/nonexistent/app"}, Rules: rules})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/app") {
		t.Fatalf("error %v; want one naming the folder", err)
	}
}

func TestNearest(t *testing.T) {
	eq, err := audit.BuiltinEquivalents()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		platform string
		vcpus    int
		mem      int
		arch     string
		want     string
		wantNote string
	}{
		{"hcloud", 2, 1024, "x86_64", "cpx11", ""},
		{"hcloud", 2, 4096, "x86_64", "cx22", ""},
		{"hcloud", 2, 8192, "x86_64", "cx32", ""},
		{"hcloud", 4, 16384, "arm64", "cax31", ""},
		{"hcloud", 64, 262144, "x86_64", "ccx63", "no size at Hetzner Cloud has 64 vCPUs"},
		{"digitalocean", 2, 4096, "arm64", "s-2vcpu-4gb", "no arm64 size at DigitalOcean"},
		{"digitalocean", 1, 512, "x86_64", "s-1vcpu-1gb", ""},
		{"aws", 2, 4096, "x86_64", "t3.medium", ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s-%d-%d-%s", tc.platform, tc.vcpus, tc.mem, tc.arch), func(t *testing.T) {
			s, note, ok := eq.Platforms[tc.platform].Nearest(tc.vcpus, tc.mem, tc.arch)
			if !ok || s.Class != tc.want || !strings.Contains(note, tc.wantNote) || (tc.wantNote == "" && note != "") {
				t.Fatalf("Nearest = %s, %q, %v; want %s, %q", s.Class, note, ok, tc.want, tc.wantNote)
			}
		})
	}
}

type cov map[string]string

func (c cov) MovedBy(r providers.Resource) string { return c[r.Type+"/"+r.Name] }

func TestClassify(t *testing.T) {
	eq, _ := audit.BuiltinEquivalents()
	inv := &providers.Inventory{Env: "aws", Provider: "aws", Resources: []providers.Resource{
		{Env: "aws", Provider: "aws", Kind: providers.KindStorage, Type: "bucket", Name: "shop-assets"},
		{Env: "aws", Provider: "aws", Kind: providers.KindStorage, Type: "bucket", Name: "shop-logs"},
		{Env: "aws", Provider: "aws", Type: "instance", Name: "web-1", ID: "i-1",
			Attrs: map[string]string{"class": "t3.large", "vcpus": "2", "memory_mib": "8192", "arch": "x86_64"}},
		{Env: "aws", Provider: "aws", Type: "instance", Name: "arm-1", ID: "i-2",
			Attrs: map[string]string{"class": "t4g.small", "vcpus": "2", "memory_mib": "2048", "arch": "arm64"}},
		{Env: "aws", Provider: "aws", Type: "database_instance", Name: "orders"},
		{Env: "aws", Provider: "aws", Type: "function", Name: "resize"},
		{Env: "aws", Provider: "aws", Type: "volume", Name: "vol-1"},
		{Env: "aws", Provider: "aws", Type: "mystery", Name: "x"},
	}}
	tests := []struct {
		dest string
		want map[string]string // address -> status equivalent_class
	}{
		{"hcloud", map[string]string{
			`aws.bucket["shop-assets"]`:       "moved ",
			`aws.bucket["shop-logs"]`:         "left_behind ",
			`aws.instance["web-1"]`:           "left_behind cx32",
			`aws.instance["arm-1"]`:           "left_behind cax11",
			`aws.database_instance["orders"]`: "no_equivalent ",
			`aws.function["resize"]`:          "no_equivalent ",
			`aws.volume["vol-1"]`:             "left_behind ",
			`aws.mystery["x"]`:                "no_equivalent ",
		}},
		{"digitalocean", map[string]string{
			`aws.bucket["shop-assets"]`:       "moved ",
			`aws.bucket["shop-logs"]`:         "left_behind ",
			`aws.instance["web-1"]`:           "left_behind s-4vcpu-8gb",
			`aws.instance["arm-1"]`:           "left_behind s-2vcpu-2gb",
			`aws.database_instance["orders"]`: "left_behind ",
			`aws.function["resize"]`:          "left_behind ",
			`aws.volume["vol-1"]`:             "left_behind ",
			`aws.mystery["x"]`:                "no_equivalent ",
		}},
		{"postgres", map[string]string{
			`aws.bucket["shop-assets"]`:       "moved ",
			`aws.bucket["shop-logs"]`:         "left_behind ",
			`aws.instance["web-1"]`:           "left_behind ",
			`aws.instance["arm-1"]`:           "left_behind ",
			`aws.database_instance["orders"]`: "left_behind ",
			`aws.function["resize"]`:          "no_equivalent ",
			`aws.volume["vol-1"]`:             "left_behind ",
			`aws.mystery["x"]`:                "no_equivalent ",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.dest, func(t *testing.T) {
			items := audit.Classify([]audit.Source{{Inventory: inv, Destination: tc.dest}},
				cov{"bucket/shop-assets": `move.storage.assets.bucket["shop-assets"]`}, eq)
			got := map[string]string{}
			for _, it := range items {
				got[it.Address] = string(it.Status) + " " + it.EquivalentClass
				if it.Status != audit.Moved && it.Equivalent == "" {
					t.Errorf("%s: no equivalent or alternative named", it.Address)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDependencies(t *testing.T) {
	aws := &providers.Inventory{Env: "aws", Provider: "aws", Resources: []providers.Resource{
		{Type: "zone", Name: "shop.example.com", References: []string{"shop-alb-1.eu-central-1.elb.amazonaws.com.",
			"shop-assets.s3.eu-central-1.amazonaws.com", "unknown.example.net"}},
		{Type: "load_balancer", Name: "shop-alb", ID: "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/shop-alb/1",
			Attrs: map[string]string{"endpoint": "shop-alb-1.eu-central-1.elb.amazonaws.com"}, References: []string{"i-1"}},
		{Type: "instance", Name: "web-1", ID: "i-1", References: []string{"sg-1"}},
		{Type: "firewall", Name: "web", ID: "sg-1"},
		{Type: "bucket", Name: "shop-assets"},
		{Type: "queue", Name: "orders", ID: "https://sqs.eu-central-1.amazonaws.com/123456789012/orders"},
		{Type: "cdn_distribution", Name: "E2EXAMPLE", Attrs: map[string]string{"endpoint": "d111111abcdef8.cloudfront.net"}},
		{Type: "function", Name: "resize", References: []string{"arn:aws:sqs:eu-central-1:123456789012:orders", "shop-assets"}},
		{Type: "zone", Name: "cdn.example.com", References: []string{"dualstack.shop-alb-1.eu-central-1.elb.amazonaws.com.", "d111111abcdef8.cloudfront.net."}},
	}}
	for i := range aws.Resources {
		aws.Resources[i].Env = "aws"
	}
	got := audit.Dependencies([]*providers.Inventory{aws})
	want := []audit.Dependency{
		{From: `aws.function["resize"]`, To: `aws.bucket["shop-assets"]`, Ref: "shop-assets"},
		{From: `aws.function["resize"]`, To: `aws.queue["orders"]`, Ref: "arn:aws:sqs:eu-central-1:123456789012:orders"},
		{From: `aws.instance["web-1"]`, To: `aws.firewall["web"]`, Ref: "sg-1"},
		{From: `aws.load_balancer["shop-alb"]`, To: `aws.instance["web-1"]`, Ref: "i-1"},
		{From: `aws.zone["cdn.example.com"]`, To: `aws.cdn_distribution["E2EXAMPLE"]`, Ref: "d111111abcdef8.cloudfront.net."},
		{From: `aws.zone["cdn.example.com"]`, To: `aws.load_balancer["shop-alb"]`, Ref: "dualstack.shop-alb-1.eu-central-1.elb.amazonaws.com."},
		{From: `aws.zone["shop.example.com"]`, To: `aws.bucket["shop-assets"]`, Ref: "shop-assets.s3.eu-central-1.amazonaws.com"},
		{From: `aws.zone["shop.example.com"]`, To: `aws.load_balancer["shop-alb"]`, Ref: "shop-alb-1.eu-central-1.elb.amazonaws.com."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
