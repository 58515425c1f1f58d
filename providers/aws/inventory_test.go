package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// noKinds is a scope kind no discovery handles: only the full inventory
// runs, and no other service is called.
var noKinds = []providers.Kind{"none"}

func configured(t *testing.T, acct *awsfake.Account) *aws.Provider {
	t.Helper()
	for _, k := range []string{"AWS_CA_BUNDLE", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(k, "")
	}
	eps := map[string]cty.Value{}
	for k, v := range acct.Endpoints() {
		eps[k] = cty.StringVal(v)
	}
	p := aws.Factory().New().(*aws.Provider)
	err := p.Configure(context.Background(), providers.Config{Env: "aws", Value: cty.ObjectVal(map[string]cty.Value{
		"region":     cty.StringVal(acct.Region),
		"access_key": cty.StringVal("AKIDINVENTORY"),
		"secret_key": cty.StringVal("inventory-secret"),
		"endpoints":  cty.MapVal(eps),
	})})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInventory discovers the shop account through the real SDK clients
// with every service answering two items a page, and compares the
// inventory with the golden file.
func TestInventory(t *testing.T) {
	acct := awsfake.NewAccount("123456789012", "eu-central-1")
	t.Cleanup(acct.Close)
	acct.SeedShop()
	acct.SetPageLimit(2)
	p := configured(t, acct)
	inv, err := p.Discover(context.Background(), providers.Scope{Kinds: noKinds, Source: true, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	inv.Sort()
	got, _ := json.MarshalIndent(inv.Resources, "", "  ")
	got = append(got, '\n')
	golden := filepath.Join("testdata", "inventory.golden.json")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}

	// Several pages were followed.
	for _, c := range []struct {
		n    int
		what string
	}{
		{acct.EC2.Calls("DescribeInstances"), "DescribeInstances"},
		{acct.EC2.Calls("DescribeSecurityGroups"), "DescribeSecurityGroups"},
		{acct.EC2.Calls("DescribeVolumes"), "DescribeVolumes"},
		{acct.EC2.Calls("DescribeInstanceTypes"), "DescribeInstanceTypes"},
	} {
		if c.n < 2 {
			t.Errorf("%s called %d times; want the pages followed", c.what, c.n)
		}
	}
	// The attributes the cost report keys on.
	byName := map[string]providers.Resource{}
	for _, r := range inv.Resources {
		byName[r.Type+"/"+r.Name] = r
	}
	checks := []struct {
		key  string
		attr string
		want string
	}{
		{"instance/web-1", providers.AttrClass, "t3.large"},
		{"instance/web-1", providers.AttrVCPUs, "2"},
		{"instance/web-1", providers.AttrMemoryMiB, "8192"},
		{"instance/web-2", providers.AttrArch, "arm64"},
		{"instance/worker", providers.AttrState, "stopped"},
		{"volume/shop-data", providers.AttrSizeGiB, "500"},
		{"volume/shop-data", providers.AttrClass, "io2"},
		{"database_instance/orders", providers.AttrEngine, "postgres"},
		{"database_instance/orders", providers.AttrStorageGiB, "100"},
		{"database_instance/orders", providers.AttrMultiAZ, "true"},
		{"database_instance/orders", providers.AttrEndpoint, "orders.c9akciq32.eu-central-1.rds.amazonaws.com"},
		{"load_balancer/shop-alb", providers.AttrLBType, "application"},
		{"function/shop-resize", providers.AttrRuntime, "python3.12"},
		{"function/shop-resize", providers.AttrMemoryMB, "512"},
		{"ip/198.51.100.11", providers.AttrPublicIP, "198.51.100.11"},
	}
	for _, c := range checks {
		if got := byName[c.key].Attrs[c.attr]; got != c.want {
			t.Errorf("%s %s = %q; want %q", c.key, c.attr, got, c.want)
		}
	}
	if _, ok := byName["instance/old"]; ok {
		t.Error("a terminated instance is listed")
	}
	if strings.Contains(string(got), "sk_live") {
		t.Error("a function's environment variable reached the inventory")
	}
	if n := acct.IAM.Calls("GetRole") + acct.IAM.Calls("GetInstanceProfile"); n != 2 {
		t.Errorf("%d IAM calls; want one per referenced role or profile", n)
	}
}

// TestInventoryNotFull: without Scope.Full no inventory service is called.
func TestInventoryNotFull(t *testing.T) {
	acct := awsfake.NewAccount("123456789012", "eu-central-1")
	t.Cleanup(acct.Close)
	acct.SeedShop()
	p := configured(t, acct)
	inv, err := p.Discover(context.Background(), providers.Scope{Kinds: noKinds, Source: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Resources) != 0 || acct.EC2.Calls("DescribeInstances") != 0 {
		t.Fatalf("resources %v, %d EC2 calls; want none", inv.Resources, acct.EC2.Calls("DescribeInstances"))
	}
}

func TestInventoryErrors(t *testing.T) {
	tests := []struct {
		name      string
		break_    func(a *awsfake.Account)
		want      string
		retryable bool
	}{
		{"ec2 busy", func(a *awsfake.Account) { a.EC2.FailAction = "DescribeVolumes" }, "aws: discover EBS volumes: DescribeVolumes", true},
		{"missing instance type", func(a *awsfake.Account) {
			a.EC2.AddInstance(awsfake.EC2Instance{ID: "i-0new", Type: "x9.huge", State: "running"})
		}, "DescribeInstanceTypes: operation error EC2: DescribeInstanceTypes", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acct := awsfake.NewAccount("123456789012", "eu-central-1")
			t.Cleanup(acct.Close)
			acct.SeedShop()
			tc.break_(acct)
			p := configured(t, acct)
			_, err := p.Discover(context.Background(), providers.Scope{Kinds: noKinds, Source: true, Full: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
			if providers.IsRetryable(err) != tc.retryable {
				t.Errorf("retryable = %v; want %v (%v)", !tc.retryable, tc.retryable, err)
			}
			var re *providers.RetryableError
			_ = errors.As(err, &re)
		})
	}
}
