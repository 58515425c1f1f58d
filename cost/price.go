package cost

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rehome/rehome/providers"
)

// Byte sizes of the catalog's units: AWS and DigitalOcean bill a GB as
// 2^30 bytes; Hetzner's object storage TB is 10^12.
const (
	gib = 1 << 30
	tb  = 1e12
)

type pricer struct {
	cat   *Catalog
	cur   string
	usage *Usage
	pools map[string]*pool
}

// pool is a subscription several items share (Hetzner Object Storage,
// DigitalOcean Spaces, a broker server for queues): priced once on the
// members' total, then split between them by weight.
type pool struct {
	key     string
	label   string
	build   func(total float64) []Component
	members []poolMember
}

type poolMember struct {
	addr, side string
	weight     float64
}

func ptr(f float64) *float64 { return &f }

// comp prices qty units of a catalog entry (qty nil: depends on usage).
func (p *pricer) comp(provider, service, sku, region string, qty *float64, from string) Component {
	c := Component{SKU: provider + "/" + service + "/" + sku, Region: region, Quantity: qty, QuantityFrom: from}
	e, ok := p.cat.Lookup(provider, service, sku, region)
	if !ok {
		c.Name = fmt.Sprintf("%s %s %s", provider, service, sku)
		c.Note = fmt.Sprintf("no price in the catalog for %s %s %q in region %q", provider, service, sku, region)
		return c
	}
	c.Name, c.Unit, c.Region = e.Name, e.Unit, e.Region
	if c.Name == "" {
		c.Name = sku
	}
	c.Price, c.PriceCurrency, c.CatalogDate, c.SourceURL = ptr(e.Price), e.Currency, e.Read, e.Source
	if qty == nil {
		c.Note = "depends on usage: give it in the usage file"
		return c
	}
	amount, err := p.cat.Convert(*qty*e.Price, e.Currency, p.cur)
	if err != nil {
		c.Price, c.Note = nil, err.Error()
		return c
	}
	c.Monthly = ptr(round(amount))
	return c
}

// fromUsage reads a usage value divided by per (requests per 1K...), or
// nil when the usage file does not give it.
func (p *pricer) fromUsage(r providers.Resource, key string, per float64) (*float64, string) {
	if v, ok := p.usage.Get(r.Type, r.Name, key); ok {
		return ptr(v / per), FromUsageFile
	}
	return nil, FromUsageFile
}

func attr(r providers.Resource, k string) string { return r.Attrs[k] }

func attrFloat(r providers.Resource, k string) (float64, bool) {
	f, err := strconv.ParseFloat(r.Attrs[k], 64)
	return f, err == nil
}

// region is the resource's region, or the provider's default one.
func (p *pricer) region(provider, region string) string {
	if region != "" {
		return region
	}
	if d := p.cat.DefaultRegions[provider]; d != "" {
		return d
	}
	return "*"
}

// bucketBytes is a bucket's size in the unit's bytes, nil when not measured.
func bucketQty(r providers.Resource, unit float64) (*float64, string) {
	if r.Usage.Unmeasured {
		return nil, FromDiscovered
	}
	return ptr(float64(r.Usage.Bytes) / unit), FromDiscovered
}

// noCharge are resource types the clouds do not bill for.
var noCharge = map[string]bool{providers.TypeRole: true, providers.TypeFirewall: true, providers.TypeCertificate: true}

// notBilled says (and notes in the item) whether r has no price of its
// own: types the clouds do not bill, and databases, which are priced with
// the server that holds them.
func notBilled(it *Item, r providers.Resource) bool {
	switch {
	case noCharge[r.Type]:
		it.Resource, it.Basis = r.Type, "not billed by the provider"
	case r.Type == providers.TypeDatabase:
		it.Resource, it.Basis = "database", "priced with the server that holds it"
	default:
		return false
	}
	return true
}

// source prices a resource where it is.
func (p *pricer) source(s Subject) Item {
	r := s.Resource
	reg := p.region(r.Provider, attr(r, providers.AttrRegion))
	it := Item{Address: s.Address, Env: r.Env, Side: SideSource, Provider: r.Provider, Type: r.Type, Name: r.Name, Region: reg, Moved: s.Moved}
	p.price(&it, r, r.Provider, reg, SideSource)
	return it
}

// destination prices the resource's nearest equivalent at s.Dest.
func (p *pricer) destination(s Subject) Item {
	r, t := s.Resource, s.Dest
	reg := p.region(t.Provider, t.Region)
	it := Item{Address: s.Address, Env: t.Env, Side: SideDestination, Provider: t.Provider, Type: r.Type, Name: r.Name, Region: reg, Moved: s.Moved}
	if t.DatabaseClass != "" && (r.Type == providers.TypeDatabaseInstance || r.Type == providers.TypeDatabase) {
		// The server the configuration creates, at its configured size.
		q := r
		q.Type = providers.TypeDatabaseInstance
		q.Attrs = map[string]string{providers.AttrClass: t.DatabaseClass, providers.AttrNodes: strconv.Itoa(max(1, t.DatabaseNodes))}
		p.price(&it, q, t.Provider, reg, SideDestination)
		it.Resource += " (the cluster the configuration creates)"
		return it
	}
	if t.Provider == r.Provider && t.Provider != "" {
		// Same platform: the same product.
		p.price(&it, r, t.Provider, reg, SideDestination)
		return it
	}
	p.equivalent(&it, r, t.Provider, reg)
	return it
}

// unknown marks an item the catalog cannot price, saying why.
func unknown(it *Item, product, why string) {
	it.Resource = product
	it.Components = append(it.Components, Component{Name: product, SKU: it.Provider + "/" + it.Type, Region: it.Region, Note: why})
}

// price prices r as a product of provider in region (the source side, or
// a destination on the same platform).
func (p *pricer) price(it *Item, r providers.Resource, provider, reg, side string) {
	if notBilled(it, r) {
		return
	}
	switch provider {
	case "aws":
		p.aws(it, r, reg)
	case "hcloud":
		p.hcloud(it, r, reg, side)
	case "digitalocean":
		p.digitalocean(it, r, reg, side)
	default:
		unknown(it, provider+" "+r.Type, fmt.Sprintf("price unknown: provider %q is not in the catalog (self-hosted or unpriced)", provider))
	}
}

func (p *pricer) aws(it *Item, r providers.Resource, reg string) {
	add := func(c Component) { it.Components = append(it.Components, c) }
	switch r.Type {
	case providers.TypeBucket:
		class := strings.ToUpper(attr(r, providers.AttrClass))
		if class == "" {
			class = "STANDARD"
		}
		it.Resource = "S3 " + class
		q, from := bucketQty(r, gib)
		add(p.comp("aws", "s3", "storage."+class, reg, q, from))
		if class == "INTELLIGENT_TIERING" {
			add(p.comp("aws", "s3", "monitoring.INTELLIGENT_TIERING", reg, ptr(float64(r.Usage.Objects)/1000), FromDiscovered))
		}
		p.s3Requests(it, r, reg)
		q, from = p.fromUsage(r, "egress_gb", 1)
		add(p.comp("aws", "transfer", "out.internet", reg, q, from))
	case providers.TypeZone:
		it.Resource = "Route 53 hosted zone"
		add(p.comp("aws", "route53", "hosted_zone", "*", ptr(1), FromFixed))
		q, from := p.fromUsage(r, "queries", 1e6)
		add(p.comp("aws", "route53", "queries.standard", "*", q, from))
	case providers.TypeQueue:
		sku := "requests.standard"
		if strings.HasSuffix(r.Name, ".fifo") || attr(r, "fifo") == "true" {
			sku = "requests.fifo"
		}
		it.Resource = "SQS " + strings.TrimPrefix(sku, "requests.") + " queue"
		q, from := p.fromUsage(r, "requests", 1e6)
		add(p.comp("aws", "sqs", sku, reg, q, from))
	case providers.TypeSecret:
		it.Resource = "Secrets Manager secret"
		add(p.comp("aws", "secretsmanager", "secret", reg, ptr(1), FromFixed))
		q, from := p.fromUsage(r, "api_calls", 1e4)
		add(p.comp("aws", "secretsmanager", "api", reg, q, from))
	case providers.TypeParameter:
		if strings.EqualFold(attr(r, "tier"), "advanced") {
			it.Resource = "SSM advanced parameter"
			add(p.comp("aws", "ssm", "parameter.advanced", reg, ptr(1), FromFixed))
			q, from := p.fromUsage(r, "api_calls", 1e4)
			add(p.comp("aws", "ssm", "api.advanced", reg, q, from))
		} else {
			it.Resource = "SSM standard parameter"
			add(p.comp("aws", "ssm", "parameter.standard", reg, ptr(1), FromFixed))
		}
	case providers.TypeDatabaseInstance:
		class, eng := attr(r, providers.AttrClass), rdsEngine(attr(r, providers.AttrEngine))
		multi := attr(r, providers.AttrMultiAZ) == "true"
		it.Resource = "RDS " + class + " " + eng
		hours := float64(HoursPerMonth)
		c := p.comp("aws", "rds", class+"/"+eng, reg, &hours, FromFixed)
		if multi {
			it.Resource += " Multi-AZ"
			c = p.comp("aws", "rds", class+"/"+eng, reg, ptr(2*HoursPerMonth), FromFixed)
			c.Note = "Multi-AZ: a standby instance, billed as a second instance-hour"
		}
		add(c)
		if gb, ok := storageGiB(r); ok {
			sku := "storage.gp2"
			if t := attr(r, "storage_type"); t == "gp3" {
				sku = "storage.gp3"
			}
			if multi {
				sku += ".multi_az"
			}
			add(p.comp("aws", "rds", sku, reg, ptr(gb), FromDiscovered))
		}
	case providers.TypeInstance:
		class := attr(r, providers.AttrClass)
		it.Resource = "EC2 " + class
		hours := float64(HoursPerMonth)
		c := p.comp("aws", "ec2", class, reg, &hours, FromFixed)
		if attr(r, providers.AttrState) == "stopped" {
			c = p.comp("aws", "ec2", class, reg, ptr(0), FromDiscovered)
			c.Note = "stopped: no instance-hours (its volumes are still billed)"
		}
		add(c)
		q, from := p.fromUsage(r, "egress_gb", 1)
		add(p.comp("aws", "transfer", "out.internet", reg, q, from))
	case providers.TypeVolume:
		class := attr(r, providers.AttrClass)
		if class == "" {
			class = "gp2"
		}
		it.Resource = "EBS " + class
		gb, _ := attrFloat(r, providers.AttrSizeGiB)
		add(p.comp("aws", "ebs", class, reg, ptr(gb), FromDiscovered))
		if iops, ok := attrFloat(r, "iops"); ok && class == "io1" {
			add(p.comp("aws", "ebs", "io1.iops", reg, ptr(iops), FromDiscovered))
		}
	case providers.TypeLoadBalancer:
		t := attr(r, providers.AttrLBType)
		if t == "" {
			t = "application"
		}
		it.Resource = "ELB " + t
		add(p.comp("aws", "elb", t, reg, ptr(HoursPerMonth), FromFixed))
		switch t {
		case "classic":
			q, from := p.fromUsage(r, "processed_gb", 1)
			add(p.comp("aws", "elb", "classic.gb", reg, q, from))
		default:
			q, from := p.fromUsage(r, "lcu", 1)
			if q != nil {
				*q *= HoursPerMonth
			}
			add(p.comp("aws", "elb", t+".lcu", reg, q, from))
		}
	case providers.TypeIP:
		it.Resource = "public IPv4 address"
		add(p.comp("aws", "vpc", "public_ipv4", reg, ptr(HoursPerMonth), FromFixed))
	case providers.TypeFunction:
		it.Resource = "Lambda function"
		q, from := p.fromUsage(r, "requests", 1e6)
		add(p.comp("aws", "lambda", "requests", reg, q, from))
		arch := attr(r, providers.AttrArch)
		if arch != "arm64" {
			arch = "x86_64"
		}
		q, from = p.fromUsage(r, "gb_seconds", 1)
		add(p.comp("aws", "lambda", "duration."+arch, reg, q, from))
	case providers.TypeCDN:
		it.Resource = "CloudFront distribution"
		q, from := p.fromUsage(r, "egress_gb", 1)
		add(p.comp("aws", "cloudfront", "transfer.eu_us", "*", q, from))
		q, from = p.fromUsage(r, "requests", 1e4)
		add(p.comp("aws", "cloudfront", "requests.https", "*", q, from))
	default:
		unknown(it, "aws "+r.Type, fmt.Sprintf("no AWS price for resource type %q in the catalog", r.Type))
	}
}

// s3Requests adds the usage file's request counts.
func (p *pricer) s3Requests(it *Item, r providers.Resource, reg string) {
	q, from := p.fromUsage(r, "put_requests", 1000)
	it.Components = append(it.Components, p.comp("aws", "s3", "requests.put", reg, q, from))
	q, from = p.fromUsage(r, "get_requests", 1000)
	it.Components = append(it.Components, p.comp("aws", "s3", "requests.get", reg, q, from))
}

func rdsEngine(e string) string {
	switch e {
	case "mysql", "mariadb":
		return "mysql"
	case "postgres", "postgresql", "pg":
		return "postgres"
	}
	return e
}

func storageGiB(r providers.Resource) (float64, bool) {
	if v, ok := attrFloat(r, providers.AttrStorageGiB); ok {
		return v, true
	}
	return attrFloat(r, providers.AttrSizeGiB)
}

// flatNames are the catalog service and product names of the servers and
// volumes Hetzner and DigitalOcean bill alike.
var flatNames = map[string][4]string{
	"hcloud":       {"server", "Hetzner ", "Hetzner volume", "Hetzner DNS zone"},
	"digitalocean": {"droplet", "Droplet ", "DigitalOcean volume", "DigitalOcean DNS domain"},
}

// flat prices a server (its class, a month), a volume (per GB), a bucket
// (a share of the object storage subscription) or a zone (free) at
// Hetzner or DigitalOcean; false for other types.
func (p *pricer) flat(it *Item, r providers.Resource, provider, reg, side string) bool {
	n := flatNames[provider]
	switch r.Type {
	case providers.TypeInstance:
		class := attr(r, providers.AttrClass)
		it.Resource = n[1] + class
		it.Components = append(it.Components, p.comp(provider, n[0], class, reg, ptr(1), FromFixed))
	case providers.TypeVolume:
		it.Resource = n[2]
		gb, _ := attrFloat(r, providers.AttrSizeGiB)
		it.Components = append(it.Components, p.comp(provider, "volume", "volume", reg, ptr(gb), FromDiscovered))
	case providers.TypeBucket:
		p.bucketShare(it, r, provider, reg, side)
	case providers.TypeZone:
		it.Resource = n[3]
		it.Components = append(it.Components, p.comp(provider, "dns", "zone", reg, ptr(1), FromFixed))
	default:
		return false
	}
	return true
}

func (p *pricer) hcloud(it *Item, r providers.Resource, reg, side string) {
	if p.flat(it, r, "hcloud", reg, side) {
		return
	}
	add := func(c Component) { it.Components = append(it.Components, c) }
	switch r.Type {
	case providers.TypeLoadBalancer:
		class := attr(r, providers.AttrClass)
		if class == "" {
			class = attr(r, providers.AttrLBType)
		}
		it.Resource = "Hetzner " + class
		add(p.comp("hcloud", "load_balancer", class, reg, ptr(1), FromFixed))
	case providers.TypeIP:
		sku := attr(r, providers.AttrClass)
		if sku == "" {
			sku = "primary_ipv4"
			if strings.Contains(attr(r, providers.AttrProduct), "floating") {
				sku = "floating_ipv4"
			}
		}
		it.Resource = "Hetzner " + strings.ReplaceAll(sku, "_", " ")
		add(p.comp("hcloud", "ip", sku, reg, ptr(1), FromFixed))
	default:
		unknown(it, "hcloud "+r.Type, fmt.Sprintf("no Hetzner price for resource type %q in the catalog", r.Type))
	}
}

func (p *pricer) digitalocean(it *Item, r providers.Resource, reg, side string) {
	if p.flat(it, r, "digitalocean", reg, side) {
		return
	}
	add := func(c Component) { it.Components = append(it.Components, c) }
	nodes := 1.0
	if n, ok := attrFloat(r, providers.AttrNodes); ok && n > 0 {
		nodes = n
	}
	switch r.Type {
	case providers.TypeLoadBalancer:
		it.Resource = "DigitalOcean load balancer"
		add(p.comp("digitalocean", "load_balancer", "lb-small", reg, ptr(nodes), FromDiscovered))
	case providers.TypeIP:
		sku := "reserved_ipv4"
		if attr(r, "assigned") == "false" {
			sku = "reserved_ipv4.unassigned"
		}
		it.Resource = "DigitalOcean reserved IP"
		add(p.comp("digitalocean", "ip", sku, reg, ptr(1), FromFixed))
	case providers.TypeKubernetes:
		// DOKS: the control plane is free; the nodes are droplets.
		class := attr(r, providers.AttrClass)
		it.Resource = fmt.Sprintf("DigitalOcean Kubernetes, %g × %s nodes", nodes, class)
		c := p.comp("digitalocean", "droplet", class, reg, ptr(nodes), FromDiscovered)
		c.Note = "the control plane is free; each node is billed as a droplet"
		add(c)
	case providers.TypeDatabaseInstance:
		class := attr(r, providers.AttrClass)
		it.Resource = "DigitalOcean managed database " + class
		c := p.comp("digitalocean", "database", class, reg, ptr(nodes), FromDiscovered)
		if nodes > 1 {
			c.Note = "one primary and standby nodes, each billed as a node"
		}
		add(c)
	default:
		unknown(it, "digitalocean "+r.Type, fmt.Sprintf("no DigitalOcean price for resource type %q in the catalog", r.Type))
	}
}

// objectStorage describes a provider's object storage subscription: a
// base price that includes some storage, and a price per unit beyond.
type objectStorage struct {
	service, label string
	unit           float64 // bytes in the storage price's unit
	included       func(Entry) float64
}

var objectStorages = map[string]objectStorage{
	"hcloud":       {"object_storage", "Hetzner Object Storage", tb, func(e Entry) float64 { return e.IncludedTB }},
	"digitalocean": {"spaces", "DigitalOcean Spaces", gib, func(e Entry) float64 { return e.IncludedGiB }},
}

// bucketShare makes a bucket a member of its environment's object storage
// subscription, priced once on the total of its buckets.
func (p *pricer) bucketShare(it *Item, r providers.Resource, provider, reg, side string) {
	os := objectStorages[provider]
	it.Resource = os.label
	p.join(it, provider+"/"+os.service+"/"+side+"/"+it.Env, float64(r.Usage.Bytes), func(total float64) []Component {
		base := p.comp(provider, os.service, "base", reg, ptr(1), FromFixed)
		incl := 0.0
		if e, ok := p.cat.Lookup(provider, os.service, "base", reg); ok {
			incl = os.included(e)
		}
		over := max(0, total/os.unit-incl)
		return []Component{base, p.comp(provider, os.service, "storage", reg, ptr(over), FromDiscovered)}
	})
}

// join makes the item a member of a shared subscription.
func (p *pricer) join(it *Item, key string, weight float64, build func(total float64) []Component) {
	pl := p.pools[key]
	if pl == nil {
		pl = &pool{key: key, label: it.Resource, build: build}
		p.pools[key] = pl
	}
	pl.members = append(pl.members, poolMember{addr: it.Address, side: it.Side, weight: weight})
}

// settlePools prices each shared subscription once and gives each member
// its share of every component.
func (p *pricer) settlePools(items []Item) {
	for _, pl := range p.pools {
		total := 0.0
		for _, m := range pl.members {
			total += m.weight
		}
		comps := pl.build(total)
		for _, m := range pl.members {
			share := 1 / float64(len(pl.members))
			how := "split equally"
			if total > 0 {
				share, how = m.weight/total, "split by size"
			}
			for i := range items {
				it := &items[i]
				if it.Address != m.addr || it.Side != m.side {
					continue
				}
				if len(pl.members) > 1 {
					it.Basis = fmt.Sprintf("%.1f%% share of one for %d (%s)", share*100, len(pl.members), how)
				}
				for _, c := range comps {
					if len(pl.members) > 1 && c.Quantity != nil {
						c.Quantity = ptr(*c.Quantity * share)
						if c.Monthly != nil {
							c.Monthly = ptr(round(*c.Monthly * share))
						}
						c.Note = strings.TrimSpace(c.Note + fmt.Sprintf(" share %.4f of the whole", share))
					}
					it.Components = append(it.Components, c)
				}
			}
		}
	}
}

// egress is the one-off cost of copying c out of its environment.
func (p *pricer) egress(c Copy) OneOff {
	o := OneOff{Env: c.Env, Bytes: c.Bytes, Objects: c.Objects}
	reg := p.region(c.Provider, c.Region)
	switch c.Provider {
	case "aws":
		o.Components = append(o.Components, p.comp("aws", "transfer", "out.internet", reg, ptr(float64(c.Bytes)/gib), FromPlan))
		if c.Objects > 0 {
			o.Components = append(o.Components, p.comp("aws", "s3", "requests.get", reg, ptr(float64(c.Objects)/1000), FromPlan))
		}
	case "hcloud":
		comp := p.comp("hcloud", "object_storage", "egress", reg, ptr(float64(c.Bytes)/tb), FromPlan)
		comp.Note = "the 1 TB of egress the subscription includes each month is not subtracted"
		o.Components = append(o.Components, comp)
	case "digitalocean":
		comp := p.comp("digitalocean", "spaces", "egress", reg, ptr(float64(c.Bytes)/gib), FromPlan)
		comp.Note = "the 1 TiB of transfer the subscription includes each month is not subtracted"
		o.Components = append(o.Components, comp)
	default:
		o.Components = append(o.Components, Component{Name: "egress from " + c.Provider, SKU: c.Provider + "/transfer",
			Note: fmt.Sprintf("provider %q is not in the price catalog", c.Provider)})
	}
	for _, comp := range o.Components {
		if comp.Monthly == nil {
			o.Unknown = true
			continue
		}
		o.Cost += *comp.Monthly
	}
	o.Cost = round(o.Cost)
	return o
}
