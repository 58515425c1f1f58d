package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehome/rehome/cmd/rehome/views"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

// TestE2ECost: `rehome cost` over an AWS source (S3 through s3fake, STS
// through awsfake) moving a bucket to a local folder: the bucket's S3
// price from its measured bytes, the usage file's requests, the
// destination unknown (local is not priced), the bucket left behind, and
// the one-off egress for the bytes the plan copies.
func TestE2ECost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s3 := s3fake.New()
	t.Cleanup(s3.Close)
	sts := httptest.NewServer(awsfake.STS("123456789012"))
	t.Cleanup(sts.Close)
	for _, b := range []string{"shop-assets", "shop-logs"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, s3.URL+"/"+b, nil)
		resp, err := s3.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("create bucket %s: %v %v", b, err, resp)
		}
		resp.Body.Close()
	}
	body := strings.Repeat("x", 1<<20)
	for i := range 4 {
		if err := s3.Seed(ctx, "shop-assets", fmt.Sprintf("img/%d.jpg", i), []byte(body), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s3.Seed(ctx, "shop-logs", "a.log", []byte("log"), nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`migration "shop" {}

environment "aws" {
  provider   = "aws"
  region     = "eu-central-1"
  access_key = "AKIDTEST"
  secret_key = "secret-test"
  endpoints  = { s3 = %q, sts = %q }
}

environment "out" {
  provider = "local"
  path     = "out"
}

move "storage" "assets" {
  from    = environment.aws
  to      = environment.out
  buckets = ["shop-assets"]
}

cost {
  usage_file = "usage.hcl"
}
`, s3.URL, sts.URL))
	writeFiles(t, dir, map[string]string{"usage.hcl": `usage "bucket" "shop-assets" {
  get_requests = 1000000
  put_requests = 10000
}
`})

	r := mustRun(t, dir, 0, "cost", "-json")
	var d views.CostDoc
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatalf("cost -json: %v\n%s", err, r.Stdout)
	}
	var assets, logs *views.CostResource
	for i, res := range d.Resources {
		switch res.Name {
		case "shop-assets":
			assets = &d.Resources[i]
		case "shop-logs":
			logs = &d.Resources[i]
		}
	}
	if assets == nil || logs == nil {
		t.Fatalf("resources %+v", d.Resources)
	}
	// The fake's buckets are in us-east-1 (created without a location
	// constraint): 4 MiB = 0.00390625 GB × 0.023 = 0.0001 + 10 × 0.005 +
	// 1000 × 0.0004 = 0.4501.
	if !assets.Moved || assets.Address != `move.storage.assets.bucket["shop-assets"]` || assets.Source.Monthly == nil ||
		*assets.Source.Monthly != 0.4501 || assets.Source.Region != "us-east-1" {
		t.Errorf("shop-assets source %+v", assets.Source)
	}
	if assets.Destination == nil || assets.Destination.Monthly != nil || assets.Difference != nil {
		t.Errorf("shop-assets at a local folder must be unknown: %+v", assets.Destination)
	}
	if logs.Moved || logs.Address != `aws.bucket["shop-logs"]` {
		t.Errorf("shop-logs %+v, want left behind", logs)
	}
	// 4 MiB of egress at 0.09 USD/GB + 4 GETs.
	if len(d.OneOff) != 1 || d.OneOff[0].Bytes != 4<<20 || d.OneOff[0].Cost != 0.0004 {
		t.Errorf("one-off %+v", d.OneOff)
	}
	if strings.Contains(r.Stdout, "secret-test") || strings.Contains(r.Stderr, "secret-test") {
		t.Error("the secret key was printed")
	}

	// The plan carries the same report.
	p := mustRun(t, dir, 0, "plan", "-json")
	var plan struct {
		Cost struct {
			Items  []json.RawMessage `json:"items"`
			OneOff []json.RawMessage `json:"one_off"`
		} `json:"cost"`
	}
	if err := json.Unmarshal([]byte(p.Stdout), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Cost.Items) != 4 || len(plan.Cost.OneOff) != 1 {
		t.Errorf("plan cost items %d one-off %d, want 4 and 1", len(plan.Cost.Items), len(plan.Cost.OneOff))
	}
	for _, f := range []string{"human", "markdown"} {
		out := mustRun(t, dir, 0, "cost", "-format="+f, "-currency=EUR").Stdout
		if !strings.Contains(out, "shop-assets") || !strings.Contains(out, "EUR") || !strings.Contains(out, "unknown") {
			t.Errorf("cost -format=%s:\n%s", f, out)
		}
	}

	// A usage file with a mistake names file:line.
	writeFiles(t, dir, map[string]string{"bad.hcl.txt": "usage \"bucket\" \"x\" {\n  gets = 3\n}\n"})
	bad := mustRun(t, dir, 1, "cost", "-usage=bad.hcl.txt")
	if !strings.Contains(bad.Stderr, "bad.hcl.txt:2") || !strings.Contains(bad.Stderr, "Unknown usage key") {
		t.Errorf("bad usage file: %s", bad.Stderr)
	}
}

// TestE2EPricesRefresh: `rehome prices refresh` reads the fakes of
// Hetzner's /pricing and DigitalOcean's sizes and writes the overrides that
// `rehome cost` then uses.
func TestE2EPricesRefresh(t *testing.T) {
	t.Parallel()
	hz := httptest.NewServer(hcloudfake.Pricing("hz-secret-token", hcloudfake.ExamplePricing(), hcloudfake.ExampleServerTypes()...))
	t.Cleanup(hz.Close)
	do := httptest.NewServer(dofake.Sizes("do-secret-token", dofake.ExampleSizes()))
	t.Cleanup(do.Close)
	dir := t.TempDir()
	env := []string{"HCLOUD_TOKEN=hz-secret-token", "DIGITALOCEAN_TOKEN=do-secret-token"}
	r := runRehomeOpts(t, dir, runOpts{Env: env}, "prices", "refresh", "-hcloud-endpoint="+hz.URL, "-digitalocean-endpoint="+do.URL)
	if r.Code != 0 {
		t.Fatalf("prices refresh: %s", r)
	}
	for _, want := range []string{"hcloud: 14 prices read", "digitalocean: 8 prices read", "changed hcloud server cx22 (fsn1): 3.79 -> 3.99 EUR/month", "new     hcloud server cpx11 (ash)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.Stdout)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, ".rehome", "prices.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw)+r.Stdout+r.Stderr, "secret-token") {
		t.Error("a token was written or printed")
	}
	var f struct {
		Generated string `json:"generated"`
		Groups    []struct {
			Provider string `json:"provider"`
			Source   string `json:"source_url"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Generated == "" || len(f.Groups) == 0 {
		t.Fatalf("overrides %v: %s", err, raw)
	}
	for _, g := range f.Groups {
		if g.Source != "https://api.hetzner.cloud/v1/pricing" && g.Source != "https://api.digitalocean.com/v2/sizes" {
			t.Errorf("group of %s from %q", g.Provider, g.Source)
		}
	}

	// A wrong token fails with the API's answer and writes nothing new.
	bad := runRehomeOpts(t, dir, runOpts{Env: []string{"HCLOUD_TOKEN=nope"}}, "prices", "refresh", "-hcloud-endpoint="+hz.URL)
	if bad.Code != 1 || !strings.Contains(bad.Stderr, "hetzner: get /pricing") {
		t.Errorf("wrong token: %s", bad)
	}
	// An AWS offer file alone needs no token, and keeps the other providers' prices.
	offer, err := filepath.Abs("../../cost/testdata/aws-ec2-offer.json")
	if err != nil {
		t.Fatal(err)
	}
	aws := mustRun(t, dir, 0, "prices", "refresh", "-aws-offer="+offer)
	if !strings.Contains(aws.Stdout, "aws: 2 prices read") || !strings.Contains(aws.Stdout, "new     aws ec2 m8g.large (eu-central-1)") {
		t.Errorf("aws offer refresh:\n%s", aws.Stdout)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, ".rehome", "prices.json")); !strings.Contains(string(raw), "api.hetzner.cloud") {
		t.Error("the AWS refresh dropped the Hetzner prices")
	}
	none := runRehomeOpts(t, dir, runOpts{}, "prices", "refresh")
	if none.Code != 1 || !strings.Contains(none.Stderr, "HCLOUD_TOKEN") {
		t.Errorf("no token: %s", none)
	}
}
