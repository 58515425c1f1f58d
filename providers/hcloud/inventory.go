package hcloud

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/rehome/rehome/providers"
)

// inventory lists the project's compute for the audit and the cost report
// (Scope.Full): servers (type, cores, memory, architecture, location,
// addresses, firewalls), volumes, load balancers (with their server
// targets), primary and floating IPs, firewalls (with the servers they
// apply to) and certificates, through the Cloud API's paginated listings.
// IDs are API paths (servers/42) so references between types are unique.
func (p *Provider) inventory(ctx context.Context) ([]providers.Resource, error) {
	var out []providers.Resource
	add := func(typ, id, name string, attrs map[string]string, refs []string) {
		out = append(out, providers.NewResource(p.env, Name, typ, id, name, attrs, refs))
	}
	loc := func(l *hcloud.Location) string {
		if l == nil {
			return ""
		}
		return l.Name
	}
	fail := func(what string, err error) error {
		err = fmt.Errorf("hcloud: discover %s: %w", what, err)
		if hcloud.IsError(err, hcloud.ErrorCodeServerError, hcloud.ErrorCodeBadGateway, hcloud.ErrorCodeTimeout,
			hcloud.ErrorCodeRateLimitExceeded, hcloud.ErrorCodeMaintenance) {
			return providers.Retryable(err) // the API's "please retry" codes
		}
		return providers.MarkTransient(err)
	}
	servers, err := p.api.Server.All(ctx)
	if err != nil {
		return nil, fail("servers", err)
	}
	for _, s := range servers {
		attrs := map[string]string{providers.AttrProduct: "server", providers.AttrRegion: loc(s.Location), providers.AttrState: string(s.Status)}
		if s.PublicNet.IPv4.IP != nil && !s.PublicNet.IPv4.IP.IsUnspecified() {
			attrs[providers.AttrPublicIP] = s.PublicNet.IPv4.IP.String()
		}
		if t := s.ServerType; t != nil {
			attrs[providers.AttrClass] = t.Name
			attrs[providers.AttrVCPUs] = strconv.Itoa(t.Cores)
			attrs[providers.AttrMemoryMiB] = strconv.Itoa(int(t.Memory * 1024))
			attrs[providers.AttrArch] = arch(t.Architecture)
			attrs[providers.AttrSizeGiB] = strconv.Itoa(t.Disk)
		}
		var refs []string
		for _, f := range s.PublicNet.Firewalls {
			if f != nil {
				refs = append(refs, "firewalls/"+strconv.FormatInt(f.Firewall.ID, 10))
			}
		}
		add(providers.TypeInstance, "servers/"+strconv.FormatInt(s.ID, 10), s.Name, attrs, refs)
	}
	volumes, err := p.api.Volume.All(ctx)
	if err != nil {
		return nil, fail("volumes", err)
	}
	for _, v := range volumes {
		var refs []string
		if v.Server != nil {
			refs = append(refs, "servers/"+strconv.FormatInt(v.Server.ID, 10))
		}
		add(providers.TypeVolume, "volumes/"+strconv.FormatInt(v.ID, 10), v.Name, map[string]string{providers.AttrProduct: "volume",
			providers.AttrClass: "volume", providers.AttrSizeGiB: strconv.Itoa(v.Size), providers.AttrRegion: loc(v.Location),
			providers.AttrState: string(v.Status)}, refs)
	}
	lbs, err := p.api.LoadBalancer.All(ctx)
	if err != nil {
		return nil, fail("load balancers", err)
	}
	for _, lb := range lbs {
		var refs []string
		for _, t := range lb.Targets {
			if t.Server != nil && t.Server.Server != nil {
				refs = append(refs, "servers/"+strconv.FormatInt(t.Server.Server.ID, 10))
			}
		}
		attrs := map[string]string{providers.AttrProduct: "load_balancer", providers.AttrRegion: loc(lb.Location)}
		if lb.LoadBalancerType != nil {
			attrs[providers.AttrClass], attrs[providers.AttrLBType] = lb.LoadBalancerType.Name, lb.LoadBalancerType.Name
		}
		if ip := lb.PublicNet.IPv4.IP; ip != nil && !ip.IsUnspecified() {
			attrs[providers.AttrPublicIP], attrs[providers.AttrEndpoint] = ip.String(), ip.String()
		}
		add(providers.TypeLoadBalancer, "load_balancers/"+strconv.FormatInt(lb.ID, 10), lb.Name, attrs, refs)
	}
	pips, err := p.api.PrimaryIP.All(ctx)
	if err != nil {
		return nil, fail("primary IPs", err)
	}
	for _, ip := range pips {
		var refs []string
		if ip.AssigneeType == "server" && ip.AssigneeID != 0 {
			refs = append(refs, "servers/"+strconv.FormatInt(ip.AssigneeID, 10))
		}
		add(providers.TypeIP, "primary_ips/"+strconv.FormatInt(ip.ID, 10), providers.First(ip.Name, ip.IP.String()), map[string]string{
			providers.AttrProduct: "primary_ip", providers.AttrClass: "primary_" + string(ip.Type), providers.AttrPublicIP: ip.IP.String(),
			providers.AttrRegion: loc(ip.Location)}, refs)
	}
	fips, err := p.api.FloatingIP.All(ctx)
	if err != nil {
		return nil, fail("floating IPs", err)
	}
	for _, ip := range fips {
		var refs []string
		if ip.Server != nil {
			refs = append(refs, "servers/"+strconv.FormatInt(ip.Server.ID, 10))
		}
		add(providers.TypeIP, "floating_ips/"+strconv.FormatInt(ip.ID, 10), providers.First(ip.Name, ip.IP.String()), map[string]string{
			providers.AttrProduct: "floating_ip", providers.AttrClass: "floating_" + string(ip.Type), providers.AttrPublicIP: ip.IP.String(),
			providers.AttrRegion: loc(ip.HomeLocation)}, refs)
	}
	fws, err := p.api.Firewall.All(ctx)
	if err != nil {
		return nil, fail("firewalls", err)
	}
	for _, f := range fws {
		var refs []string
		for _, a := range f.AppliedTo {
			if a.Server != nil {
				refs = append(refs, "servers/"+strconv.FormatInt(a.Server.ID, 10))
			}
		}
		add(providers.TypeFirewall, "firewalls/"+strconv.FormatInt(f.ID, 10), f.Name, map[string]string{providers.AttrProduct: "firewall",
			"rules": strconv.Itoa(len(f.Rules))}, refs)
	}
	certs, err := p.api.Certificate.All(ctx)
	if err != nil {
		return nil, fail("certificates", err)
	}
	for _, c := range certs {
		domains := ""
		for i, d := range c.DomainNames {
			if i > 0 {
				domains += ","
			}
			domains += d
		}
		add(providers.TypeCertificate, "certificates/"+strconv.FormatInt(c.ID, 10), c.Name, map[string]string{providers.AttrProduct: "certificate",
			providers.AttrClass: string(c.Type), "domains": domains}, nil)
	}
	return out, nil
}

// arch maps Hetzner's architecture names (x86, arm) to the shared ones.
func arch(a hcloud.Architecture) string {
	switch a {
	case hcloud.ArchitectureX86:
		return "x86_64"
	case hcloud.ArchitectureARM:
		return "arm64"
	}
	return string(a)
}
