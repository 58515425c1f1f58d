package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/rehome/rehome/cmd/rehome/views"
	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
)

// cost discovers and plans like plan, then prints the cost report: per
// resource, its monthly cost at the source and at the destination, the
// difference, and the move's one-off egress.
func (c *cli) cost(args []string) int {
	fs := c.newFlags("cost [options]")
	jsonOut := fs.Bool("json", false, "print the cost report as JSON (same as -format=json)")
	format := fs.String("format", "human", "output format: human, markdown or json")
	usage := fs.String("usage", "", "read monthly usage (requests, queries, transfer) from `FILE` instead of the cost block's usage_file")
	currency := fs.String("currency", "", "report in USD or EUR (default: the cost block's currency, or USD)")
	lockTimeout := fs.Duration("lock-timeout", 0, "how long to wait for the state lock")
	var v varFlags
	v.add(fs)
	if _, ok := c.parse(fs, args, 0); !ok {
		return c.failed()
	}
	if *jsonOut {
		*format = "json"
	}
	c.jsonOut = *format == "json"
	if *format != "human" && *format != "markdown" && *format != "json" {
		return c.errorf("-format must be human, markdown or json, not %q", *format)
	}
	if *currency != "" && *currency != "USD" && *currency != "EUR" {
		return c.errorf("-currency must be USD or EUR, not %q", *currency)
	}
	e := c.engine(v)
	cfg, ok := c.load(e)
	if !ok {
		return 1
	}
	if *usage != "" || *currency != "" {
		if cfg.Cost == nil {
			cfg.Cost = &lang.Cost{}
		}
		if *usage != "" {
			cfg.Cost.UsageFile = *usage
			if !filepath.IsAbs(*usage) {
				cfg.Cost.UsageFile = filepath.Join(c.dir, *usage)
			}
		}
		if *currency != "" {
			cfg.Cost.Currency = *currency
		}
	}
	sess, code := c.open(e, cfg, "cost", *lockTimeout)
	if sess == nil {
		return code
	}
	defer sess.Close()
	p, err := sess.Plan(c.ctx, nil)
	if err != nil {
		return c.errorf("%v", err)
	}
	switch *format {
	case "json":
		err = views.RenderCostJSON(c.s.out, p)
	case "markdown":
		err = views.RenderCostMarkdown(c.s.out, p)
	default:
		err = views.RenderCostHuman(c.s.out, p)
	}
	if err != nil {
		return c.errorf("%v", err)
	}
	return 0
}

// prices runs `rehome prices refresh`: it reads the pricing APIs of the
// providers whose token is set (HCLOUD_TOKEN, DIGITALOCEAN_TOKEN) and
// writes the dated overrides later runs lay over the embedded catalog.
func (c *cli) prices(args []string) int {
	if len(args) == 0 || args[0] != "refresh" {
		if helpArg(args) {
			fmt.Fprintf(c.s.out, "Usage: rehome prices refresh [options]\n\n%s.\n", summaries["prices"])
			return 0
		}
		return c.errorf("usage: rehome prices refresh [-out FILE] [-aws-offer FILE]... [-hcloud-endpoint URL] [-digitalocean-endpoint URL]")
	}
	fs := c.newFlags("prices refresh [options]")
	out := fs.String("out", "", "write the overrides to `FILE` (default .rehome/prices.json in the configuration directory)")
	hzURL := fs.String("hcloud-endpoint", hcloud.Endpoint, "Hetzner Cloud API `URL`")
	doURL := fs.String("digitalocean-endpoint", "https://api.digitalocean.com/", "DigitalOcean API `URL`")
	var offers multi
	fs.Var(&offers, "aws-offer", "read EC2 or RDS prices from an AWS Price List offer `FILE` (AmazonEC2/AmazonRDS JSON; repeatable)")
	if _, ok := c.parse(fs, args[1:], 0); !ok {
		return c.failed()
	}
	path := *out
	if path == "" {
		path = filepath.Join(c.dir, planner.PricesFile)
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(c.dir, path)
	}
	base, err := cost.Load(path)
	if err != nil {
		return c.errorf("%v", err)
	}
	o := cost.RefreshOptions{Base: base, Now: time.Now()}
	var skipped []string
	if tok, ok := c.getenv("HCLOUD_TOKEN"); ok && tok != "" {
		o.HCloud = hcloud.NewClient(hcloud.WithEndpoint(strings.TrimSuffix(*hzURL, "/")), hcloud.WithToken(tok),
			hcloud.WithApplication("rehome", strings.TrimPrefix(version, "v")))
	} else {
		skipped = append(skipped, "Hetzner (set HCLOUD_TOKEN)")
	}
	if tok, ok := c.getenv("DIGITALOCEAN_TOKEN"); ok && tok != "" {
		dc := godo.NewFromToken(tok)
		u, err := url.Parse(*doURL)
		if err != nil {
			return c.errorf("-digitalocean-endpoint: %v", err)
		}
		dc.BaseURL = u
		o.DigitalOcean = dc
	} else {
		skipped = append(skipped, "DigitalOcean (set DIGITALOCEAN_TOKEN)")
	}
	for _, f := range offers {
		if !filepath.IsAbs(f) {
			f = filepath.Join(c.dir, f)
		}
		o.AWSOffers = append(o.AWSOffers, f)
	}
	if o.HCloud == nil && o.DigitalOcean == nil && len(o.AWSOffers) == 0 {
		return c.errorf("no pricing API to read: set HCLOUD_TOKEN and/or DIGITALOCEAN_TOKEN, or give an AWS Price List offer file with -aws-offer (rehome does not download AWS's: they are too large)")
	}
	r, err := cost.Refresh(c.ctx, o)
	if err != nil {
		return c.errorf("%v", err)
	}
	if err := r.Write(path); err != nil {
		return c.errorf("%v", err)
	}
	for _, p := range r.Providers {
		fmt.Fprintf(c.s.out, "%s: %d prices read\n", p, r.Count[p])
	}
	for _, s := range skipped {
		fmt.Fprintf(c.s.out, "skipped %s\n", s)
	}
	for _, ch := range r.Changes {
		e := ch.Entry
		if ch.Old == nil {
			fmt.Fprintf(c.s.out, "  new     %s %s %s (%s): %g %s/%s\n", e.Provider, e.Service, e.SKU, e.Region, e.Price, e.Currency, e.Unit)
		} else {
			fmt.Fprintf(c.s.out, "  changed %s %s %s (%s): %g -> %g %s/%s\n", e.Provider, e.Service, e.SKU, e.Region, *ch.Old, e.Price, e.Currency, e.Unit)
		}
	}
	fmt.Fprintf(c.s.out, "Wrote %s (%d changed or new). Not refreshed (no pricing API): AWS beyond the offer files given, Hetzner Object Storage, Spaces and managed databases.\n", path, len(r.Changes))
	return 0
}
