package views

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// costFixture is an AWS account (eu-central-1) moving to Hetzner (fsn1):
// moved buckets, a zone, queues, a secret and an RDS instance; left behind
// instances (one of a class the catalog lacks), a volume, a load balancer,
// an Elastic IP, a Lambda function and an IAM role; a usage file's
// requests; and the copy's egress.
func costFixture(t *testing.T) *planner.Plan {
	t.Helper()
	cat, err := cost.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	res := func(typ, name string, attrs map[string]string, u providers.Usage) providers.Resource {
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[providers.AttrRegion] = "eu-central-1"
		return providers.Resource{Env: "aws", Provider: "aws", Type: typ, Name: name, Attrs: attrs, Usage: u}
	}
	dest := &cost.Target{Env: "hetzner", Provider: "hcloud", Region: "fsn1"}
	moved := func(kind, typ, name string, r providers.Resource) cost.Subject {
		return cost.Subject{Address: "move." + kind + ".main." + typ + `["` + name + `"]`, Resource: r, Moved: true, Dest: dest}
	}
	left := func(r providers.Resource) cost.Subject {
		return cost.Subject{Address: "aws." + r.Type + `["` + r.Name + `"]`, Resource: r, Dest: dest}
	}
	var u cost.Usage
	u.Set("bucket", "shop-assets", "get_requests", 2_000_000)
	u.Set("bucket", "shop-assets", "put_requests", 100_000)
	u.Set("bucket", "shop-assets", "egress_gb", 500)
	u.Set("zone", "*", "queries", 5_000_000)
	u.Set("queue", "orders.fifo", "requests", 3_000_000)
	const gib = 1 << 30
	in := cost.Input{Catalog: cat, Currency: "EUR", Usage: &u,
		Subjects: []cost.Subject{
			moved("storage", "bucket", "shop-assets", res(providers.TypeBucket, "shop-assets", nil, providers.Usage{Bytes: 1024 * gib, Objects: 10_000_000})),
			moved("storage", "bucket", "shop-media", res(providers.TypeBucket, "shop-media", nil, providers.Usage{Bytes: 200 * gib, Objects: 40_000})),
			moved("dns", "zone", "shop.example.com", res(providers.TypeZone, "shop.example.com", nil, providers.Usage{Records: 14})),
			moved("queue", "queue", "orders.fifo", res(providers.TypeQueue, "orders.fifo", nil, providers.Usage{})),
			moved("queue", "queue", "jobs", res(providers.TypeQueue, "jobs", nil, providers.Usage{})),
			moved("secrets", "secret", "prod/db-password", res(providers.TypeSecret, "prod/db-password", nil, providers.Usage{})),
			moved("database", "database_instance", "orders-db", res(providers.TypeDatabaseInstance, "orders-db", map[string]string{
				providers.AttrClass: "db.t3.medium", providers.AttrEngine: "postgres", providers.AttrMultiAZ: "true", providers.AttrStorageGiB: "100"}, providers.Usage{})),
			left(res(providers.TypeInstance, "web-1", map[string]string{providers.AttrClass: "t3.large", providers.AttrState: "running"}, providers.Usage{})),
			left(res(providers.TypeInstance, "arm-1", map[string]string{providers.AttrClass: "t4g.medium"}, providers.Usage{})),
			left(res(providers.TypeInstance, "mem-1", map[string]string{providers.AttrClass: "x2iedn.xlarge"}, providers.Usage{})),
			left(res(providers.TypeVolume, "vol-data", map[string]string{providers.AttrClass: "gp3", providers.AttrSizeGiB: "100"}, providers.Usage{})),
			left(res(providers.TypeLoadBalancer, "shop-alb", map[string]string{providers.AttrLBType: "application"}, providers.Usage{})),
			left(res(providers.TypeIP, "eipalloc-1", nil, providers.Usage{})),
			left(res(providers.TypeFunction, "thumbnails", nil, providers.Usage{})),
			left(res(providers.TypeRole, "thumbnails-role", nil, providers.Usage{})),
		},
		Copies: []cost.Copy{{Env: "aws", Provider: "aws", Region: "eu-central-1", Bytes: 1224 * gib, Objects: 10_040_000}},
	}
	r, err := cost.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return &planner.Plan{Migration: "shop", Cost: *r,
		Environments: []planner.EnvSummary{{Name: "aws", Provider: "aws", Role: "source"}, {Name: "hetzner", Provider: "hcloud", Role: "destination"}}}
}

func TestCostGolden(t *testing.T) {
	p := costFixture(t)
	for _, f := range []struct {
		name   string
		render func(*bytes.Buffer, *planner.Plan) error
	}{
		{"cost.txt", func(b *bytes.Buffer, p *planner.Plan) error { return RenderCostHuman(b, p) }},
		{"cost.md", func(b *bytes.Buffer, p *planner.Plan) error { return RenderCostMarkdown(b, p) }},
		{"cost.json", func(b *bytes.Buffer, p *planner.Plan) error { return RenderCostJSON(b, p) }},
		{"cost_plan.txt", func(b *bytes.Buffer, p *planner.Plan) error { return RenderPlanHuman(b, p, HumanOptions{}) }},
		{"cost_plan.md", func(b *bytes.Buffer, p *planner.Plan) error { return RenderPlanMarkdown(b, p) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.render(&b, p); err != nil {
				t.Fatal(err)
			}
			golden(t, f.name+".golden", b.Bytes())
		})
	}
}

// TestCostDocument checks the JSON's arithmetic and unknowns directly,
// beyond the golden file.
func TestCostDocument(t *testing.T) {
	var b bytes.Buffer
	if err := RenderCostJSON(&b, costFixture(t)); err != nil {
		t.Fatal(err)
	}
	var d CostDoc
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	byAddr := map[string]CostResource{}
	for _, r := range d.Resources {
		byAddr[r.Address] = r
	}
	mem := byAddr[`aws.instance["mem-1"]`]
	if mem.Source == nil || mem.Source.Monthly != nil || mem.Difference != nil || mem.Moved {
		t.Errorf("the unknown class is not unknown: %+v", mem.Source)
	}
	web := byAddr[`aws.instance["web-1"]`]
	// 730 h × 0.096 USD / 1.08 = 64.8889 EUR; nearest Hetzner: cx32 (2 vCPU, 8 GiB) 6.80 EUR.
	if web.Source == nil || *web.Source.Monthly != 64.8889 || web.Destination == nil || *web.Destination.Monthly != 6.8 || *web.Difference != -58.0889 {
		t.Errorf("web-1: %+v / %+v / %v", web.Source, web.Destination, web.Difference)
	}
	if d.Totals.SourceUnknown != 1 || d.Totals.DestUnknown < 2 || len(d.OneOff) != 1 || d.Totals.OneOff <= 0 {
		t.Errorf("totals %+v one-off %+v", d.Totals, d.OneOff)
	}
	for _, r := range d.Resources {
		for _, s := range r.sides() {
			for _, c := range s.side.Components {
				if c.Price != nil && (c.SourceURL == "" || c.CatalogDate == "") {
					t.Errorf("%s %s: component %q lacks its source", r.Address, s.label, c.Name)
				}
				if c.Price == nil && c.Monthly != nil {
					t.Errorf("%s: unknown price with an amount", c.Name)
				}
			}
		}
	}
	if !strings.Contains(b.String(), `"monthly_cost": null`) {
		t.Error("no null amount for the unknown prices")
	}
}
