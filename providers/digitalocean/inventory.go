package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"

	"github.com/rehome/rehome/providers"
)

// inventory lists the account's compute for the audit and the cost report
// (Scope.Full): droplets (size slug, vCPUs, memory, region, public
// address), volumes, load balancers (with their droplets), reserved IPs,
// Kubernetes clusters (node pools: sizes and counts), App Platform apps
// and managed database clusters (engine, version, size, nodes, host; the
// connection's credentials are never read into the inventory). IDs are
// API paths (droplets/42) so references between types are unique.
func (p *Provider) inventory(ctx context.Context) ([]providers.Resource, error) {
	var out []providers.Resource
	add := func(typ, id, name string, attrs map[string]string, refs []string) {
		out = append(out, providers.NewResource(p.env, Name, typ, id, name, attrs, refs))
	}
	region := func(r *godo.Region) string {
		if r == nil {
			return ""
		}
		return r.Slug
	}
	droplet := func(id int) string { return "droplets/" + strconv.Itoa(id) }

	droplets, err := allPages(ctx, "droplets", p.api.Droplets.List)
	if err != nil {
		return nil, err
	}
	for _, d := range droplets {
		attrs := map[string]string{providers.AttrProduct: "droplet", providers.AttrClass: d.SizeSlug, providers.AttrVCPUs: strconv.Itoa(d.Vcpus),
			providers.AttrMemoryMiB: strconv.Itoa(d.Memory), providers.AttrArch: "x86_64", providers.AttrRegion: region(d.Region),
			providers.AttrState: d.Status, providers.AttrSizeGiB: strconv.Itoa(d.Disk)}
		if ip, err := d.PublicIPv4(); err == nil {
			attrs[providers.AttrPublicIP] = ip
		}
		var refs []string
		for _, v := range d.VolumeIDs {
			refs = append(refs, "volumes/"+v)
		}
		add(providers.TypeInstance, droplet(d.ID), d.Name, attrs, refs)
	}
	volumes, err := allPages(ctx, "volumes", func(ctx context.Context, o *godo.ListOptions) ([]godo.Volume, *godo.Response, error) {
		return p.api.Storage.ListVolumes(ctx, &godo.ListVolumeParams{ListOptions: o})
	})
	if err != nil {
		return nil, err
	}
	for _, v := range volumes {
		var refs []string
		for _, d := range v.DropletIDs {
			refs = append(refs, droplet(d))
		}
		add(providers.TypeVolume, "volumes/"+v.ID, v.Name, map[string]string{providers.AttrProduct: "volume", providers.AttrClass: "volume",
			providers.AttrSizeGiB: strconv.FormatInt(v.SizeGigaBytes, 10), providers.AttrRegion: region(v.Region)}, refs)
	}
	lbs, err := allPages(ctx, "load balancers", p.api.LoadBalancers.List)
	if err != nil {
		return nil, err
	}
	for _, lb := range lbs {
		var refs []string
		for _, d := range lb.DropletIDs {
			refs = append(refs, droplet(d))
		}
		class := lb.SizeSlug
		if class == "" && lb.SizeUnit > 0 {
			class = fmt.Sprintf("lb-%d-units", lb.SizeUnit)
		}
		add(providers.TypeLoadBalancer, "load_balancers/"+lb.ID, lb.Name, map[string]string{providers.AttrProduct: "load_balancer",
			providers.AttrClass: class, providers.AttrLBType: providers.First(lb.Type, "REGIONAL"), providers.AttrRegion: region(lb.Region),
			providers.AttrPublicIP: lb.IP, providers.AttrEndpoint: lb.IP, providers.AttrState: lb.Status, "size_unit": unit(lb.SizeUnit)}, refs)
	}
	ips, err := allPages(ctx, "reserved IPs", p.api.ReservedIPs.List)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		var refs []string
		if ip.Droplet != nil {
			refs = append(refs, droplet(ip.Droplet.ID))
		}
		add(providers.TypeIP, "reserved_ips/"+ip.IP, ip.IP, map[string]string{providers.AttrProduct: "reserved_ip", providers.AttrClass: "reserved_ipv4",
			providers.AttrPublicIP: ip.IP, providers.AttrRegion: region(ip.Region)}, refs)
	}
	clusters, err := allPages(ctx, "Kubernetes clusters", p.api.Kubernetes.List)
	if err != nil {
		return nil, err
	}
	for _, k := range clusters {
		nodes := 0
		var pools []string
		for _, np := range k.NodePools {
			if np != nil {
				nodes += np.Count
				pools = append(pools, fmt.Sprintf("%s:%s×%d", np.Name, np.Size, np.Count))
			}
		}
		add(providers.TypeKubernetes, "kubernetes/clusters/"+k.ID, k.Name, map[string]string{providers.AttrProduct: "doks",
			providers.AttrRegion: k.RegionSlug, providers.AttrVersion: k.VersionSlug, providers.AttrNodes: strconv.Itoa(nodes),
			"node_pools": strings.Join(pools, ",")}, nil)
	}
	apps, err := allPages(ctx, "apps", func(ctx context.Context, o *godo.ListOptions) ([]*godo.App, *godo.Response, error) {
		return p.api.Apps.List(ctx, o)
	})
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		name, reg := "", ""
		if a.Spec != nil {
			name, reg = a.Spec.Name, a.Spec.Region
		}
		if a.Region != nil && a.Region.Slug != "" {
			reg = a.Region.Slug
		}
		var refs []string
		if a.LiveURL != "" {
			refs = append(refs, strings.TrimPrefix(strings.TrimPrefix(a.LiveURL, "https://"), "http://"))
		}
		add(providers.TypeApp, "apps/"+a.ID, name, map[string]string{providers.AttrProduct: "app_platform", providers.AttrRegion: reg,
			providers.AttrEndpoint: a.DefaultIngress}, refs)
	}
	dbs, err := allPages(ctx, "database clusters", p.api.Databases.List)
	if err != nil {
		return nil, err
	}
	for _, d := range dbs {
		host := ""
		if d.Connection != nil {
			host = d.Connection.Host // only the host: the connection holds the password
		}
		attrs := map[string]string{providers.AttrProduct: "managed_database", providers.AttrClass: d.SizeSlug, providers.AttrEngine: d.EngineSlug,
			providers.AttrVersion: d.VersionSlug, providers.AttrNodes: strconv.Itoa(d.NumNodes), providers.AttrRegion: d.RegionSlug,
			providers.AttrState: d.Status, providers.AttrEndpoint: host}
		if d.StorageSizeMib > 0 {
			attrs[providers.AttrStorageGiB] = strconv.FormatUint(d.StorageSizeMib/1024, 10)
		}
		add(providers.TypeDatabaseInstance, "databases/"+d.ID, d.Name, attrs, nil)
	}
	return out, nil
}

func unit(n uint32) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(int(n))
}

// allPages follows godo's links from page 1 to the last, 200 a page (the
// API's largest).
func allPages[T any](ctx context.Context, what string, list func(context.Context, *godo.ListOptions) ([]T, *godo.Response, error)) ([]T, error) {
	var out []T
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	for {
		items, resp, err := list(ctx, opt)
		if err != nil {
			err = fmt.Errorf("digitalocean: discover %s: %w", what, err)
			var er *godo.ErrorResponse
			if errors.As(err, &er) && er.Response != nil && (er.Response.StatusCode == http.StatusTooManyRequests || er.Response.StatusCode >= 500) {
				return nil, providers.Retryable(err)
			}
			return nil, providers.MarkTransient(err)
		}
		out = append(out, items...)
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return out, nil
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, fmt.Errorf("digitalocean: discover %s: read the page links: %w", what, err)
		}
		opt.Page = page + 1
	}
}
