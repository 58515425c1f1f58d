package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
)

const tib = int64(1) << 40

func catalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.00051 }

func item(t *testing.T, r *Report, side string) Item {
	t.Helper()
	for _, it := range r.Items {
		if it.Side == side {
			return it
		}
	}
	t.Fatalf("no %s item in %+v", side, r.Items)
	return Item{}
}

// TestBucketPrices: a bucket of 1 TiB with 10M objects at its source and
// at each destination, with the arithmetic spelled out.
func TestBucketPrices(t *testing.T) {
	bucket := func(provider, region string) providers.Resource {
		return providers.Resource{Env: "src", Provider: provider, Kind: "storage", Type: providers.TypeBucket, Name: "media",
			Attrs: map[string]string{providers.AttrRegion: region}, Usage: providers.Usage{Bytes: tib, Objects: 10_000_000}}
	}
	tests := []struct {
		name      string
		src       providers.Resource
		dest      Target
		currency  string
		srcTotal  float64
		destTotal float64
	}{
		// S3 Standard eu-central-1: 1024 GB × 0.0245 USD = 25.088 USD.
		// Hetzner: base 4.99 EUR (1 TB included) + (1.099511627776 - 1) TB
		// × 4.99 EUR = 5.486563 EUR = 5.925488 USD at 1.08.
		{"s3 to hetzner", bucket("aws", "eu-central-1"), Target{Env: "dst", Provider: "hcloud", Region: "fsn1"}, "USD",
			25.088, (4.99 + (1.099511627776-1)*4.99) * 1.08},
		// Spaces: 5 USD (250 GiB included) + 774 GiB × 0.02 USD = 20.48 USD.
		{"s3 to spaces", bucket("aws", "eu-central-1"), Target{Env: "dst", Provider: "digitalocean", Region: "fra1"}, "USD",
			25.088, 5 + 774*0.02},
		// S3 us-east-1 in EUR: 1024 × 0.023 / 1.08 = 21.807407 EUR.
		{"spaces to s3 in EUR", bucket("digitalocean", "ams3"), Target{Env: "dst", Provider: "aws", Region: "us-east-1"}, "EUR",
			(5 + 774*0.02) / 1.08, 1024 * 0.023 / 1.08},
		{"hetzner to spaces", bucket("hcloud", "nbg1"), Target{Env: "dst", Provider: "digitalocean"}, "EUR",
			4.99 + (1.099511627776-1)*4.99, (5 + 774*0.02) / 1.08},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(Input{Catalog: catalog(t), Currency: tt.currency,
				Subjects: []Subject{{Address: "move.storage.m.bucket[\"media\"]", Resource: tt.src, Moved: true, Dest: &tt.dest}}})
			if err != nil {
				t.Fatal(err)
			}
			src, dst := item(t, r, SideSource), item(t, r, SideDestination)
			if !near(src.Monthly, tt.srcTotal) || !near(dst.Monthly, tt.destTotal) {
				t.Fatalf("source %.6f (%s), destination %.6f (%s); want %.6f and %.6f", src.Monthly, src.Basis, dst.Monthly, dst.Basis, tt.srcTotal, tt.destTotal)
			}
			if !near(r.Difference, r.DestTotal-r.SourceTotal) || !near(r.SourceTotal, tt.srcTotal) {
				t.Fatalf("totals %v %v difference %v", r.SourceTotal, r.DestTotal, r.Difference)
			}
			if src.Unknown || dst.Unknown {
				t.Fatalf("unexpected unknown: %+v %+v", src, dst)
			}
			for _, c := range append(src.Components, dst.Components...) {
				if c.Price != nil && (c.SourceURL == "" || c.CatalogDate == "" || c.Unit == "") {
					t.Errorf("component %q lacks its source, date or unit", c.Name)
				}
			}
		})
	}
}

func TestUsageAndEgress(t *testing.T) {
	u, diags := ParseUsage([]byte(`
usage "bucket" "media" {
  get_requests = 2000000
  put_requests = 100000
}
usage "zone" "*" { queries = 3000000 }
`), "usage.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := catalog(t)
	b := providers.Resource{Env: "aws", Provider: "aws", Type: providers.TypeBucket, Name: "media",
		Attrs: map[string]string{providers.AttrRegion: "us-east-1"}, Usage: providers.Usage{Bytes: 100 * gib, Objects: 1000}}
	z := providers.Resource{Env: "aws", Provider: "aws", Type: providers.TypeZone, Name: "example.com"}
	r, err := Build(Input{Catalog: c, Usage: u, Subjects: []Subject{{Address: "b", Resource: b}, {Address: "z", Resource: z}},
		Copies: []Copy{{Env: "aws", Provider: "aws", Region: "us-east-1", Bytes: 100 * gib, Objects: 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	// 100 GB × 0.023 + 100 × 0.005 + 2000 × 0.0004 = 2.3 + 0.5 + 0.8 = 3.6; egress depends on usage.
	if bi := r.Items[0]; !near(bi.Monthly, 3.6) || bi.NeedsUsage != 1 {
		t.Errorf("bucket %v (%s), needs usage %d; want 3.6 and 1 (egress)", bi.Monthly, bi.Basis, bi.NeedsUsage)
	}
	// 0.50 + 3 × 0.40 = 1.70.
	if zi := r.Items[1]; !near(zi.Monthly, 1.7) || zi.NeedsUsage != 0 {
		t.Errorf("zone %v (%s)", zi.Monthly, zi.Basis)
	}
	// One-off: 100 GB × 0.09 + 1 × 0.0004 = 9.0004.
	if len(r.OneOff) != 1 || !near(r.OneOff[0].Cost, 9.0004) || !near(r.OneOffTotal, 9.0004) {
		t.Errorf("one-off %+v total %v, want 9.0004", r.OneOff, r.OneOffTotal)
	}

	_, diags = ParseUsage([]byte("usage \"bucket\" \"x\" {\n  gets = 1\n}\nusage \"volume\" \"y\" {}\n"), "bad.hcl")
	if len(diags) != 2 || !strings.Contains(diags[0].Error(), "bad.hcl:2") || !strings.Contains(diags[1].Error(), "bad.hcl:4") {
		t.Errorf("diagnostics %v, want an unknown key at bad.hcl:2 and an unknown type at bad.hcl:4", diags)
	}
}

func TestUnknownIsNotZero(t *testing.T) {
	c := catalog(t)
	subjects := []Subject{
		// A class the catalog lacks.
		{Address: "a", Resource: providers.Resource{Env: "aws", Provider: "aws", Type: providers.TypeInstance, Name: "big",
			Attrs: map[string]string{providers.AttrClass: "x2iedn.32xlarge", providers.AttrRegion: "eu-central-1"}},
			Dest: &Target{Env: "h", Provider: "hcloud"}},
		// A region the catalog lacks.
		{Address: "b", Resource: providers.Resource{Env: "aws", Provider: "aws", Type: providers.TypeInstance, Name: "web",
			Attrs: map[string]string{providers.AttrClass: "t3.micro", providers.AttrRegion: "ap-south-2"}}},
		// A self-hosted provider.
		{Address: "c", Resource: providers.Resource{Env: "pg", Provider: "postgres", Type: providers.TypeBucket, Name: "x"}},
	}
	r, err := Build(Input{Catalog: c, Subjects: subjects})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range r.Items {
		if !it.Unknown || it.Monthly != 0 || !strings.Contains(it.Basis, "unknown") && !strings.Contains(it.Basis, "not") {
			t.Errorf("%s %s: unknown=%v monthly=%v basis=%q", it.Address, it.Side, it.Unknown, it.Monthly, it.Basis)
		}
	}
	if r.SourceUnknown != 3 || r.DestUnknown != 1 || len(r.Notes) == 0 {
		t.Errorf("unknown counts %d/%d notes %v", r.SourceUnknown, r.DestUnknown, r.Notes)
	}
}

func TestNearestEquivalents(t *testing.T) {
	c := catalog(t)
	res := func(typ string, attrs map[string]string) providers.Resource {
		attrs[providers.AttrRegion] = "eu-central-1"
		return providers.Resource{Env: "aws", Provider: "aws", Type: typ, Name: "r", Attrs: attrs}
	}
	tests := []struct {
		name     string
		r        providers.Resource
		dest     string
		resource string // the destination product's prefix
		monthly  float64
	}{
		{"t3.large to hetzner", res(providers.TypeInstance, map[string]string{providers.AttrClass: "t3.large"}), "hcloud", "Hetzner cx32", 6.80 * 1.08},
		{"t4g.medium to hetzner arm", res(providers.TypeInstance, map[string]string{providers.AttrClass: "t4g.medium"}), "hcloud", "Hetzner cax11", 3.79 * 1.08},
		{"m5.xlarge to droplet", res(providers.TypeInstance, map[string]string{providers.AttrClass: "m5.xlarge"}), "digitalocean", "Droplet s-8vcpu-16gb", 96}, // the cheapest with at least 4 vCPU and 16 GiB,
		{"rds to do managed", res(providers.TypeDatabaseInstance, map[string]string{providers.AttrClass: "db.t3.medium", providers.AttrEngine: "postgres", providers.AttrMultiAZ: "true", providers.AttrStorageGiB: "100"}),
			"digitalocean", "DigitalOcean managed database db-s-2vcpu-4gb", 120},
		{"rds to hetzner server", res(providers.TypeDatabaseInstance, map[string]string{providers.AttrClass: "db.t3.micro", providers.AttrEngine: "mysql", providers.AttrStorageGiB: "20"}),
			"hcloud", "self-managed database on 1 × cx22", (3.79 + 20*0.044) * 1.08},
		{"ebs to hetzner volume", res(providers.TypeVolume, map[string]string{providers.AttrClass: "gp3", providers.AttrSizeGiB: "100"}), "hcloud", "Hetzner volume", 4.4 * 1.08},
		{"alb to hetzner lb", res(providers.TypeLoadBalancer, map[string]string{providers.AttrLBType: "application"}), "hcloud", "Hetzner lb11", 5.39 * 1.08},
		{"eip to hetzner", res(providers.TypeIP, map[string]string{}), "hcloud", "Hetzner primary ipv4", 0.5 * 1.08},
		{"zone to hetzner is free", res(providers.TypeZone, map[string]string{}), "hcloud", "Hetzner DNS zone", 0},
		{"queue to hetzner broker", res(providers.TypeQueue, map[string]string{}), "hcloud", "self-hosted broker (RabbitMQ or NATS) on a cx22 server", 3.79 * 1.08},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(Input{Catalog: c, Subjects: []Subject{{Address: "a", Resource: tt.r, Moved: true, Dest: &Target{Env: "d", Provider: tt.dest}}}})
			if err != nil {
				t.Fatal(err)
			}
			d := item(t, r, SideDestination)
			if !strings.HasPrefix(d.Resource, tt.resource) || !near(d.Monthly, tt.monthly) || d.Unknown {
				t.Fatalf("destination %q %.4f unknown=%v (%s); want %q %.4f", d.Resource, d.Monthly, d.Unknown, d.Basis, tt.resource, tt.monthly)
			}
		})
	}
}

// TestSharedSubscription: two buckets moved to Spaces share one
// subscription, split by size, and the whole is priced once.
func TestSharedSubscription(t *testing.T) {
	b := func(name string, bytes int64) Subject {
		return Subject{Address: name, Moved: true, Dest: &Target{Env: "do", Provider: "digitalocean"},
			Resource: providers.Resource{Env: "aws", Provider: "aws", Type: providers.TypeBucket, Name: name,
				Attrs: map[string]string{providers.AttrRegion: "us-east-1"}, Usage: providers.Usage{Bytes: bytes}}}
	}
	r, err := Build(Input{Catalog: catalog(t), Subjects: []Subject{b("a", 300*gib), b("b", 100*gib)}})
	if err != nil {
		t.Fatal(err)
	}
	// 400 GiB: 5 + 150 × 0.02 = 8 USD, 6 to a and 2 to b.
	if !near(r.DestTotal, 8) {
		t.Fatalf("destination total %v, want 8", r.DestTotal)
	}
	for _, it := range r.Items {
		if it.Side == SideDestination && it.Name == "a" && !near(it.Monthly, 6) {
			t.Errorf("a: %v (%s), want 6", it.Monthly, it.Basis)
		}
	}
}

func TestDigitalOceanKubernetes(t *testing.T) {
	r, err := Build(Input{Catalog: catalog(t), Subjects: []Subject{{Address: "k", Resource: providers.Resource{Env: "do", Provider: "digitalocean",
		Type: providers.TypeKubernetes, Name: "prod", Attrs: map[string]string{providers.AttrClass: "s-2vcpu-4gb", providers.AttrNodes: "3"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// 3 nodes × 24 USD; the control plane is free.
	if it := r.Items[0]; it.Unknown || !near(it.Monthly, 72) {
		t.Fatalf("%+v", it)
	}
}
