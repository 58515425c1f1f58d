package cost

import (
	"fmt"
	"strings"

	"github.com/rehome/rehome/providers"
)

// servers names each provider's catalog service of servers.
var servers = map[string]string{"aws": "ec2", "hcloud": "server", "digitalocean": "droplet"}

// equivalent prices r's nearest product at another platform (provider, in
// region reg).
func (p *pricer) equivalent(it *Item, r providers.Resource, provider, reg string) {
	if notBilled(it, r) {
		return
	}
	if _, ok := servers[provider]; !ok {
		unknown(it, provider+" "+r.Type, fmt.Sprintf("price unknown: provider %q is not in the catalog (self-hosted or unpriced)", provider))
		return
	}
	as := func(typ string, attrs map[string]string) providers.Resource {
		q := r
		q.Type, q.Attrs = typ, attrs
		return q
	}
	switch r.Type {
	case providers.TypeBucket:
		// The destination's standard class; requests from the usage file
		// are priced where they are charged (S3; free at Hetzner and
		// DigitalOcean).
		q := r
		q.Attrs = map[string]string{}
		p.price(it, q, provider, reg, SideDestination)
	case providers.TypeZone:
		p.price(it, r, provider, reg, SideDestination)
	case providers.TypeQueue:
		if provider == "aws" {
			p.price(it, r, provider, reg, SideDestination)
			return
		}
		e, ok := p.smallest(provider, reg, 1, 1024, "x86_64")
		if !ok {
			unknown(it, "self-hosted broker", fmt.Sprintf("no %s server in the catalog to run a broker on", provider))
			return
		}
		it.Resource = fmt.Sprintf("self-hosted broker (RabbitMQ or NATS) on a %s server", e.SKU)
		svc := servers[provider]
		p.join(it, provider+"/broker/"+it.Env, 0, func(float64) []Component {
			c := p.comp(provider, svc, e.SKU, reg, ptr(1), FromFixed)
			c.Note = strings.TrimSpace(c.Note + " " + provider + " has no managed queue: one server runs the broker for every queue moved there")
			return []Component{c}
		})
	case providers.TypeSecret, providers.TypeParameter:
		if provider == "aws" {
			p.price(it, r, provider, reg, SideDestination)
			return
		}
		unknown(it, "self-hosted secret store", provider+" has no managed secret store: keep secrets in a self-hosted store (its cost is not in the catalog)")
	case providers.TypeInstance:
		p.nearestServer(it, r, provider, reg)
	case providers.TypeDatabaseInstance:
		p.nearestDatabase(it, r, provider, reg)
	case providers.TypeVolume:
		attrs := map[string]string{providers.AttrSizeGiB: attr(r, providers.AttrSizeGiB)}
		if provider == "aws" {
			attrs[providers.AttrClass] = "gp3"
		}
		p.price(it, as(providers.TypeVolume, attrs), provider, reg, SideDestination)
	case providers.TypeLoadBalancer:
		attrs := map[string]string{}
		switch provider {
		case "aws":
			attrs[providers.AttrLBType] = "application"
		case "hcloud":
			attrs[providers.AttrClass] = "lb11"
		}
		p.price(it, as(providers.TypeLoadBalancer, attrs), provider, reg, SideDestination)
	case providers.TypeIP:
		p.price(it, as(providers.TypeIP, map[string]string{}), provider, reg, SideDestination)
	default:
		unknown(it, "no equivalent", fmt.Sprintf("%s has no equivalent of a %s in the catalog (a self-managed replacement is needed)", provider, r.Type))
	}
}

// specs are a resource's vCPUs, memory and architecture: its attributes,
// or its class's catalog entry.
func (p *pricer) specs(r providers.Resource, service string) (vcpus, mem float64, arch string) {
	vcpus, _ = attrFloat(r, providers.AttrVCPUs)
	mem, _ = attrFloat(r, providers.AttrMemoryMiB)
	arch = attr(r, providers.AttrArch)
	if vcpus > 0 && mem > 0 && arch != "" {
		return vcpus, mem, arch
	}
	sku := attr(r, providers.AttrClass)
	if service == "rds" {
		sku += "/" + rdsEngine(attr(r, providers.AttrEngine))
	}
	if e, ok := p.cat.Lookup(r.Provider, service, sku, p.region(r.Provider, attr(r, providers.AttrRegion))); ok {
		if vcpus == 0 {
			vcpus = e.VCPUs
		}
		if mem == 0 {
			mem = e.MemoryMiB
		}
		if arch == "" {
			arch = e.Arch
		}
	}
	return vcpus, mem, arch
}

// smallest is the cheapest product of the provider's servers with at
// least vcpus and mem, on arch (arm64 falls back to x86_64 where the
// provider has no Arm servers).
func (p *pricer) smallest(provider, reg string, vcpus, mem float64, arch string) (Entry, bool) {
	return pick(p.cat.Products(provider, servers[provider], reg), vcpus, mem, arch, "")
}

func pick(products []Entry, vcpus, mem float64, arch, suffix string) (Entry, bool) {
	var fit []Entry
	for _, e := range products {
		if suffix != "" && !strings.HasSuffix(e.SKU, suffix) {
			continue
		}
		if e.VCPUs > 0 {
			fit = append(fit, e)
		}
	}
	if arch == "" {
		arch = "x86_64"
	}
	hasArch := false
	for _, e := range fit {
		hasArch = hasArch || e.Arch == arch
	}
	var best, biggest Entry
	found := false
	for _, e := range fit {
		if hasArch && e.Arch != arch {
			continue
		}
		if e.VCPUs >= vcpus && e.MemoryMiB >= mem && (!found || e.Price < best.Price) {
			best, found = e, true
		}
		if e.VCPUs*1e6+e.MemoryMiB > biggest.VCPUs*1e6+biggest.MemoryMiB {
			biggest = e
		}
	}
	if found {
		return best, true
	}
	return biggest, biggest.SKU != ""
}

func (p *pricer) nearestServer(it *Item, r providers.Resource, provider, reg string) {
	vcpus, mem, arch := p.specs(r, "ec2")
	if r.Provider == "hcloud" {
		vcpus, mem, arch = p.specs(r, "server")
	} else if r.Provider == "digitalocean" {
		vcpus, mem, arch = p.specs(r, "droplet")
	}
	if vcpus == 0 || mem == 0 {
		unknown(it, "nearest server", fmt.Sprintf("the size of %s (class %q) is not known: no vCPUs or memory to match", r.Name, attr(r, providers.AttrClass)))
		return
	}
	e, ok := p.smallest(provider, reg, vcpus, mem, arch)
	if !ok {
		unknown(it, "nearest server", fmt.Sprintf("no %s server in the catalog for region %q", provider, reg))
		return
	}
	q := r
	q.Attrs = map[string]string{providers.AttrClass: e.SKU}
	p.price(it, q, provider, reg, SideDestination)
	it.Resource += fmt.Sprintf(" (nearest to %g vCPU, %g GiB, %s)", vcpus, mem/1024, arch)
	if e.Arch != arch && arch != "" {
		it.Resource += fmt.Sprintf("; no %s servers: %s", arch, e.Arch)
	}
}

func (p *pricer) nearestDatabase(it *Item, r providers.Resource, provider, reg string) {
	svc := map[string]string{"aws": "rds", "digitalocean": "database", "hcloud": "rds"}[r.Provider]
	if svc == "" {
		svc = "rds"
	}
	vcpus, mem, arch := p.specs(r, svc)
	if vcpus == 0 || mem == 0 {
		unknown(it, "nearest database", fmt.Sprintf("the size of %s (class %q) is not known: no vCPUs or memory to match", r.Name, attr(r, providers.AttrClass)))
		return
	}
	gb, hasGB := storageGiB(r)
	nodes := 1.0
	if n, ok := attrFloat(r, providers.AttrNodes); ok && n > 0 {
		nodes = n
	}
	if attr(r, providers.AttrMultiAZ) == "true" {
		nodes = 2
	}
	switch provider {
	case "digitalocean":
		e, ok := pick(p.cat.Products("digitalocean", "database", reg), vcpus, mem, "x86_64", "")
		if !ok {
			unknown(it, "managed database", "no DigitalOcean database size in the catalog")
			return
		}
		q := r
		q.Attrs = map[string]string{providers.AttrClass: e.SKU, providers.AttrNodes: fmt.Sprint(nodes)}
		p.price(it, q, provider, reg, SideDestination)
	case "aws":
		eng := rdsEngine(attr(r, providers.AttrEngine))
		e, ok := pick(p.cat.Products("aws", "rds", reg), vcpus, mem, arch, "/"+eng)
		if !ok {
			unknown(it, "RDS", fmt.Sprintf("no RDS %s class in the catalog for region %q", eng, reg))
			return
		}
		q := r
		q.Attrs = map[string]string{providers.AttrClass: strings.TrimSuffix(e.SKU, "/"+eng), providers.AttrEngine: eng,
			providers.AttrMultiAZ: fmt.Sprint(nodes > 1), providers.AttrStorageGiB: attr(r, providers.AttrStorageGiB)}
		p.price(it, q, provider, reg, SideDestination)
	default: // hcloud: no managed database
		e, ok := p.smallest(provider, reg, vcpus, mem, arch)
		if !ok {
			unknown(it, "database server", fmt.Sprintf("no %s server in the catalog", provider))
			return
		}
		it.Resource = fmt.Sprintf("self-managed database on %g × %s", nodes, e.SKU)
		c := p.comp(provider, "server", e.SKU, reg, ptr(nodes), FromDiscovered)
		c.Note = "Hetzner has no managed database: the engine runs on servers you manage"
		it.Components = append(it.Components, c)
		if hasGB {
			it.Components = append(it.Components, p.comp(provider, "volume", "volume", reg, ptr(gb*nodes), FromDiscovered))
		}
	}
}
