package cost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"
)

// Where refreshed prices come from.
const (
	HCloudPricingURL = "https://api.hetzner.cloud/v1/pricing"
	DOSizesURL       = "https://api.digitalocean.com/v2/sizes"
)

// RefreshOptions says which pricing APIs to read. A nil client skips its
// provider (its earlier refreshed prices, if any, are kept).
type RefreshOptions struct {
	HCloud       *hcloud.Client
	DigitalOcean *godo.Client
	// AWSOffers are paths of AWS Price List offer files (AmazonEC2,
	// AmazonRDS; JSON) to read EC2 and RDS prices from.
	AWSOffers []string
	Now       time.Time
	// Base is the catalog in use, for the specs of refreshed servers and
	// for reporting what changed.
	Base *Catalog
}

// Change is one price a refresh changed or added.
type Change struct {
	Entry Entry
	// Old is the price before (nil: a new product).
	Old *float64
}

// Refreshed is the result of a refresh: the override file to write and
// what changed.
type Refreshed struct {
	file      catalogFile
	refreshed map[[2]string]bool // provider, service
	Providers []string
	Count     map[string]int
	Changes   []Change
}

// Refresh reads the providers' pricing APIs: Hetzner's /pricing (servers,
// load balancers, volumes, primary and floating IPs, per location, net of
// VAT) and DigitalOcean's droplet sizes. Hetzner Object Storage, Spaces,
// managed databases and every AWS price are not published through these
// APIs and stay as the embedded catalog has them.
func Refresh(ctx context.Context, o RefreshOptions) (*Refreshed, error) {
	if o.Base == nil {
		return nil, errors.New("refresh prices: no base catalog")
	}
	day := o.Now.UTC().Format(time.DateOnly)
	r := &Refreshed{file: catalogFile{Version: 1, Generated: o.Now.UTC().Format(time.RFC3339),
		Description: "Prices rehome read from the providers' pricing APIs (rehome prices refresh); laid over the embedded catalog."},
		Count: map[string]int{}, refreshed: map[[2]string]bool{}}
	if o.HCloud != nil {
		gs, err := hcloudGroups(ctx, o.HCloud, o.Base, day)
		if err != nil {
			return nil, err
		}
		r.add("hcloud", gs)
	}
	if o.DigitalOcean != nil {
		gs, err := doGroups(ctx, o.DigitalOcean, day)
		if err != nil {
			return nil, err
		}
		r.add("digitalocean", gs)
	}
	for _, path := range o.AWSOffers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		gs, err := awsOfferGroups(path, o.Base)
		if err != nil {
			return nil, err
		}
		r.add("aws", gs)
	}
	for _, g := range r.file.Groups {
		for _, e := range g.Prices {
			e = fill(e, g)
			old, ok := o.Base.Lookup(e.Provider, e.Service, e.SKU, e.Region)
			switch {
			case !ok:
				r.Changes = append(r.Changes, Change{Entry: e})
			case old.Price != e.Price || old.Currency != e.Currency:
				r.Changes = append(r.Changes, Change{Entry: e, Old: ptr(old.Price)})
			}
		}
	}
	return r, nil
}

func (r *Refreshed) add(provider string, gs []group) {
	if !contains(r.Providers, provider) {
		r.Providers = append(r.Providers, provider)
	}
	for _, g := range gs {
		r.Count[provider] += len(g.Prices)
		r.refreshed[[2]string{g.Provider, g.Service}] = true
	}
	r.file.Groups = append(r.file.Groups, gs...)
}

// hcloudGroups turns Hetzner's /pricing into catalog groups.
func hcloudGroups(ctx context.Context, c *hcloud.Client, base *Catalog, day string) ([]group, error) {
	p, _, err := c.Pricing.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("refresh prices: hetzner: get /pricing: %w", err)
	}
	types, err := c.ServerType.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("refresh prices: hetzner: list server types: %w", err)
	}
	specs := map[string]*hcloud.ServerType{}
	for _, t := range types {
		specs[t.Name] = t
	}
	cur := p.Currency
	if cur == "" {
		cur = "EUR"
	}
	groups := map[[2]string]*group{}
	var order [][2]string
	addTo := func(service, region, unit string, e Entry) {
		k := [2]string{service + "/" + unit, region}
		g := groups[k]
		if g == nil {
			g = &group{Provider: "hcloud", Service: service, Region: region, Currency: cur, Source: HCloudPricingURL, Read: day, Unit: unit}
			groups[k] = g
			order = append(order, k)
		}
		g.Prices = append(g.Prices, e)
	}
	var bad []error
	net := func(what, s string) (float64, bool) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 {
			bad = append(bad, fmt.Errorf("%s: price %q is not a number", what, s))
			return 0, false
		}
		return f, true
	}
	locations := map[string]bool{}
	for _, st := range p.ServerTypes {
		if st.ServerType == nil {
			continue
		}
		for _, lp := range st.Pricings {
			if lp.Location == nil {
				continue
			}
			loc := lp.Location.Name
			locations[loc] = true
			f, ok := net("server type "+st.ServerType.Name, lp.Monthly.Net)
			if !ok {
				continue
			}
			e := Entry{SKU: st.ServerType.Name, Price: f, Free: f == 0, Name: "Hetzner Cloud server " + st.ServerType.Name + " (monthly cap, excl. VAT)"}
			if t := specs[e.SKU]; t != nil {
				e.VCPUs, e.MemoryMiB, e.Arch = float64(t.Cores), float64(t.Memory)*1024, "x86_64"
				if t.Architecture == hcloud.ArchitectureARM {
					e.Arch = "arm64"
				}
			} else if b, ok := base.Lookup("hcloud", "server", e.SKU, loc); ok {
				e.VCPUs, e.MemoryMiB, e.Arch = b.VCPUs, b.MemoryMiB, b.Arch
			}
			addTo("server", loc, "month", e)
		}
	}
	for _, lt := range p.LoadBalancerTypes {
		if lt.LoadBalancerType == nil {
			continue
		}
		for _, lp := range lt.Pricings {
			if lp.Location == nil {
				continue
			}
			if f, ok := net("load balancer type "+lt.LoadBalancerType.Name, lp.Monthly.Net); ok {
				addTo("load_balancer", lp.Location.Name, "month", Entry{SKU: lt.LoadBalancerType.Name, Price: f, Free: f == 0, Name: "Load balancer " + lt.LoadBalancerType.Name})
			}
		}
	}
	for _, ip := range p.PrimaryIPs {
		for _, lp := range ip.Pricings {
			if f, ok := net("primary IP "+ip.Type, lp.Monthly.Net); ok {
				addTo("ip", lp.Location, "month", Entry{SKU: "primary_" + ip.Type, Price: f, Free: f == 0, Name: freeName("Primary "+ip.Type, f)})
			}
		}
	}
	for _, ip := range p.FloatingIPs {
		for _, lp := range ip.Pricings {
			if lp.Location == nil {
				continue
			}
			if f, ok := net("floating IP "+string(ip.Type), lp.Monthly.Net); ok {
				addTo("ip", lp.Location.Name, "month", Entry{SKU: "floating_" + string(ip.Type), Price: f, Free: f == 0, Name: freeName("Floating "+string(ip.Type), f)})
			}
		}
	}
	if s := p.Volume.PerGBMonthly.Net; s != "" {
		if f, ok := net("volume", s); ok {
			locs := make([]string, 0, len(locations))
			for l := range locations {
				locs = append(locs, l)
			}
			sort.Strings(locs)
			for _, l := range locs {
				addTo("volume", l, "GB-month", Entry{SKU: "volume", Price: f, Free: f == 0, Name: "Hetzner volume"})
			}
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("refresh prices: hetzner: %w", errors.Join(bad...))
	}
	out := make([]group, 0, len(order))
	for _, k := range order {
		out = append(out, *groups[k])
	}
	return out, nil
}

func freeName(n string, f float64) string {
	if f == 0 {
		return n + " (free)"
	}
	return n
}

// doGroups turns DigitalOcean's droplet sizes into a catalog group.
func doGroups(ctx context.Context, c *godo.Client, day string) ([]group, error) {
	g := group{Provider: "digitalocean", Service: "droplet", Region: "*", Currency: "USD", Source: DOSizesURL, Read: day, Unit: "month"}
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	for {
		sizes, resp, err := c.Sizes.List(ctx, opt)
		if err != nil {
			return nil, fmt.Errorf("refresh prices: digitalocean: list sizes (page %d): %w", opt.Page, err)
		}
		for _, s := range sizes {
			if s.PriceMonthly <= 0 {
				continue // not sold (a size without a price)
			}
			g.Prices = append(g.Prices, Entry{SKU: s.Slug, Price: s.PriceMonthly, VCPUs: float64(s.Vcpus), MemoryMiB: float64(s.Memory),
				Arch: "x86_64", Name: "Droplet " + s.Slug + " (" + s.Description + ", monthly cap)"})
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			break
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, fmt.Errorf("refresh prices: digitalocean: list sizes: %w", err)
		}
		opt.Page = page + 1
	}
	return []group{g}, nil
}

// Write writes the refreshed prices to path (atomically), keeping the
// groups of providers this refresh did not read from the file already
// there.
func (r *Refreshed) Write(path string) error {
	f := r.file
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		var prev catalogFile
		if err := json.Unmarshal(old, &prev); err != nil {
			return fmt.Errorf("read the earlier price overrides %s: %w", path, err)
		}
		var kept []group
		for _, g := range prev.Groups {
			if !r.refreshed[[2]string{g.Provider, g.Service}] {
				kept = append(kept, g)
			}
		}
		f.Groups = append(kept, f.Groups...)
		if prev.FX != nil {
			f.FX = prev.FX
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read the earlier price overrides: %w", err)
	}
	raw, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("encode price overrides: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write price overrides: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".prices-*.json")
	if err != nil {
		return fmt.Errorf("write price overrides: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write price overrides: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write price overrides: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write price overrides: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write price overrides: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write price overrides: %w", err)
	}
	return nil
}

// awsOfferGroups reads an AWS offer file into groups by service and region.
func awsOfferGroups(path string, base *Catalog) ([]group, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("refresh prices: aws: %w", err)
	}
	defer f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("refresh prices: aws: %w", err)
	}
	es, err := ReadAWSOffer(f, "file://"+filepath.ToSlash(abs), base)
	if err != nil {
		return nil, fmt.Errorf("refresh prices: aws: %s: %w", path, err)
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("refresh prices: aws: %s holds no on-demand Linux EC2 or PostgreSQL/MySQL RDS price", path)
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].Region != es[j].Region {
			return es[i].Region < es[j].Region
		}
		return es[i].SKU < es[j].SKU
	})
	var out []group
	for _, e := range es {
		if n := len(out); n == 0 || out[n-1].Service != e.Service || out[n-1].Region != e.Region {
			out = append(out, group{Provider: "aws", Service: e.Service, Region: e.Region, Currency: e.Currency, Source: e.Source, Read: e.Read, Unit: e.Unit})
		}
		e.Provider, e.Service, e.Region, e.Currency, e.Source, e.Read, e.Unit = "", "", "", "", "", "", ""
		out[len(out)-1].Prices = append(out[len(out)-1].Prices, e)
	}
	return out, nil
}
