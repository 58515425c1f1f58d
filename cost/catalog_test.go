package cost

import (
	"strings"
	"testing"
)

func TestEmbeddedCatalogIntegrity(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	es := c.Entries()
	if len(es) < 200 {
		t.Fatalf("catalog has %d entries, want the full coverage (200+)", len(es))
	}
	for _, e := range es {
		if err := e.Check(); err != nil {
			t.Errorf("%s/%s/%s: %v", e.Provider, e.Service, e.Region, err)
		}
		if e.Price == 0 && !strings.Contains(strings.ToLower(e.Name), "free") {
			t.Errorf("%s/%s/%s: free entry whose name does not say so: %q", e.Provider, e.Service, e.SKU, e.Name)
		}
		if e.VCPUs > 0 && (e.MemoryMiB <= 0 || (e.Arch != "x86_64" && e.Arch != "arm64")) {
			t.Errorf("%s/%s/%s: compute entry without memory or architecture", e.Provider, e.Service, e.SKU)
		}
	}
	if c.FX.USDPerEUR <= 0 || c.FX.Date == "" || c.FX.Source == "" {
		t.Errorf("FX rate %+v lacks a rate, date or source", c.FX)
	}
}

// TestCatalogCoversCommonSizes: every resource type and common class
// discovery reports has a price.
func TestCatalogCoversCommonSizes(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var want []struct{ provider, service, sku, region string }
	add := func(provider, service, region string, skus ...string) {
		for _, s := range skus {
			want = append(want, struct{ provider, service, sku, region string }{provider, service, s, region})
		}
	}
	for _, reg := range []string{"us-east-1", "eu-central-1"} {
		add("aws", "s3", reg, "storage.STANDARD", "storage.STANDARD_IA", "storage.ONEZONE_IA", "storage.INTELLIGENT_TIERING",
			"storage.GLACIER_IR", "storage.GLACIER", "storage.DEEP_ARCHIVE", "requests.put", "requests.get")
		add("aws", "sqs", reg, "requests.standard", "requests.fifo")
		add("aws", "secretsmanager", reg, "secret", "api")
		add("aws", "ssm", reg, "parameter.advanced")
		add("aws", "transfer", reg, "out.internet")
		add("aws", "vpc", reg, "public_ipv4")
		add("aws", "ebs", reg, "gp2", "gp3", "io1", "st1", "sc1")
		add("aws", "elb", reg, "application", "network", "application.lcu", "network.lcu")
		add("aws", "lambda", reg, "requests", "duration.x86_64", "duration.arm64")
		for _, fam := range []string{"t3", "t4g"} {
			for _, s := range []string{"nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"} {
				add("aws", "ec2", reg, fam+"."+s)
			}
		}
		for _, fam := range []string{"m5", "m6i", "c5", "c6i", "r5"} {
			for _, s := range []string{"large", "xlarge", "2xlarge", "4xlarge"} {
				add("aws", "ec2", reg, fam+"."+s)
			}
		}
		add("aws", "ec2", reg, "m7g.medium", "m7g.large", "m7g.xlarge", "m7g.2xlarge")
		for _, eng := range []string{"postgres", "mysql"} {
			for _, cls := range []string{"db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro", "db.m5.large", "db.m6i.large", "db.r5.large"} {
				add("aws", "rds", reg, cls+"/"+eng)
			}
		}
		add("aws", "rds", reg, "storage.gp2", "storage.gp2.multi_az", "storage.gp3", "storage.gp3.multi_az")
	}
	add("aws", "route53", "*", "hosted_zone", "queries.standard")
	for _, loc := range []string{"fsn1", "nbg1", "hel1"} {
		add("hcloud", "server", loc, "cx22", "cx32", "cx42", "cx52", "cpx11", "cpx21", "cpx31", "cpx41", "cax11", "cax21", "cax31", "cax41", "ccx13", "ccx23", "ccx33")
		add("hcloud", "volume", loc, "volume")
		add("hcloud", "object_storage", loc, "base", "storage", "egress")
		add("hcloud", "load_balancer", loc, "lb11", "lb21", "lb31")
		add("hcloud", "ip", loc, "primary_ipv4", "floating_ipv4")
		add("hcloud", "dns", loc, "zone")
	}
	for _, reg := range []string{"fra1", "nyc3", "ams3"} {
		add("digitalocean", "droplet", reg, "s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb", "g-2vcpu-8gb", "c-2", "c-4")
		add("digitalocean", "volume", reg, "volume")
		add("digitalocean", "spaces", reg, "base", "storage", "egress")
		add("digitalocean", "database", reg, "db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb")
		add("digitalocean", "load_balancer", reg, "lb-small")
		add("digitalocean", "dns", reg, "zone")
	}
	for _, w := range want {
		e, ok := c.Lookup(w.provider, w.service, w.sku, w.region)
		if !ok {
			t.Errorf("no price for %s %s %s in %s", w.provider, w.service, w.sku, w.region)
			continue
		}
		if e.Price <= 0 && !e.Free {
			t.Errorf("%s %s %s: price %v", w.provider, w.service, w.sku, e.Price)
		}
	}
}

func TestCatalogRejectsBadEntries(t *testing.T) {
	good := Entry{Provider: "aws", Service: "s3", SKU: "x", Region: "*", Unit: "month", Price: 1, Currency: "USD", Source: "https://x", Read: "2026-12-03"}
	tests := []struct {
		name string
		edit func(*Entry)
		want string
	}{
		{"ok", func(*Entry) {}, ""},
		{"no source", func(e *Entry) { e.Source = "" }, "missing source_url"},
		{"no date", func(e *Entry) { e.Read = "" }, "missing read"},
		{"bad date", func(e *Entry) { e.Read = "yesterday" }, "not YYYY-MM-DD"},
		{"no currency", func(e *Entry) { e.Currency = "" }, "missing currency"},
		{"odd currency", func(e *Entry) { e.Currency = "GBP" }, "want USD or EUR"},
		{"negative", func(e *Entry) { e.Price = -1 }, "negative price"},
		{"zero not free", func(e *Entry) { e.Price = 0 }, "zero price"},
		{"zero free", func(e *Entry) { e.Price, e.Free = 0, true }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good
			tt.edit(&e)
			err := e.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestOnlyFreeProductsAreFree: the zero prices are exactly the products
// the providers give away.
func TestOnlyFreeProductsAreFree(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"aws/route53/queries.alias": true, "aws/ssm/parameter.standard": true,
		"hcloud/dns/zone": true, "hcloud/ip/primary_ipv6": true,
		"digitalocean/dns/zone": true, "digitalocean/ip/reserved_ipv4": true,
	}
	got := map[string]bool{}
	for _, e := range c.Entries() {
		if e.Free || e.Price == 0 {
			got[e.Provider+"/"+e.Service+"/"+e.SKU] = true
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s is priced at zero but the provider charges for it", k)
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s should be in the catalog as free", k)
		}
	}
}
