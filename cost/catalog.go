package cost

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strings"
	"time"
)

//go:embed catalog/prices.json
var embedded embed.FS

// Entry is one price: a provider's product (SKU) in a region, in a
// currency, per unit, with the page it was read from and when.
type Entry struct {
	Provider string  `json:"provider"`
	Service  string  `json:"service"`
	SKU      string  `json:"sku"`
	Name     string  `json:"name,omitempty"`
	Region   string  `json:"region"`
	Unit     string  `json:"unit"`
	Price    float64 `json:"price"`
	Currency string  `json:"currency"`
	Source   string  `json:"source_url"`
	Read     string  `json:"read"`
	// Free marks a product the provider gives away (DNS zones at Hetzner
	// and DigitalOcean): its zero price is a price, not a gap.
	Free bool `json:"free,omitempty"`
	// Specs of compute products, for the nearest-equivalent search.
	VCPUs     float64 `json:"vcpus,omitempty"`
	MemoryMiB float64 `json:"memory_mib,omitempty"`
	Arch      string  `json:"arch,omitempty"`
	// What a subscription includes.
	IncludedTB  float64 `json:"included_tb,omitempty"`
	IncludedGiB float64 `json:"included_gib,omitempty"`
}

// FX is the EUR/USD rate the report converts with.
type FX struct {
	USDPerEUR float64 `json:"usd_per_eur"`
	Date      string  `json:"date"`
	Source    string  `json:"source_url,omitempty"`
	Note      string  `json:"note,omitempty"`
}

// Catalog is the price list: the embedded one with any local overrides
// laid over it.
type Catalog struct {
	Description string
	FX          FX
	// Regions maps a provider's location to its price region
	// (hcloud: fsn1 -> eu).
	Regions map[string]map[string]string
	// DefaultRegions is the region to price a provider in when nothing
	// says where the destination is.
	DefaultRegions map[string]string
	// Sources names where the catalog came from (embedded, then each
	// override file).
	Sources []string
	entries map[key]Entry
}

type key struct{ provider, service, sku, region string }

// catalogFile is the on-disk shape: groups of entries sharing provider,
// service, region, currency, unit, source and date.
type catalogFile struct {
	Version        int                          `json:"version"`
	Description    string                       `json:"description,omitempty"`
	Generated      string                       `json:"generated,omitempty"`
	FX             *FX                          `json:"fx,omitempty"`
	Regions        map[string]map[string]string `json:"regions,omitempty"`
	DefaultRegions map[string]string            `json:"default_regions,omitempty"`
	Groups         []group                      `json:"groups"`
}

type group struct {
	Provider string  `json:"provider"`
	Service  string  `json:"service"`
	Region   string  `json:"region"`
	Currency string  `json:"currency"`
	Source   string  `json:"source_url"`
	Read     string  `json:"read"`
	Unit     string  `json:"unit"`
	Prices   []Entry `json:"prices"`
}

// Embedded returns the catalog built into the binary.
func Embedded() (*Catalog, error) {
	raw, err := embedded.ReadFile("catalog/prices.json")
	if err != nil {
		return nil, fmt.Errorf("read the embedded price catalog: %w", err)
	}
	c := &Catalog{entries: map[key]Entry{}, Regions: map[string]map[string]string{}, DefaultRegions: map[string]string{}}
	if err := c.merge(raw, "embedded catalog"); err != nil {
		return nil, err
	}
	return c, nil
}

// Load returns the embedded catalog with the override file at path laid
// over it, when that file exists (path "" or missing: the embedded one).
func Load(path string) (*Catalog, error) {
	c, err := Embedded()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return c, nil
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read price overrides: %w", err)
	}
	if err := c.merge(raw, path); err != nil {
		return nil, err
	}
	return c, nil
}

// merge lays a catalog file over c, checking every entry.
func (c *Catalog) merge(raw []byte, name string) error {
	var f catalogFile
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if f.Version != 1 {
		return fmt.Errorf("%s: catalog version %d, want 1", name, f.Version)
	}
	if c.Description == "" {
		c.Description = f.Description
	}
	if f.FX != nil {
		if f.FX.USDPerEUR <= 0 || f.FX.Date == "" {
			return fmt.Errorf("%s: fx needs a positive usd_per_eur and a date", name)
		}
		c.FX = *f.FX
	}
	for p, m := range f.Regions {
		if c.Regions[p] == nil {
			c.Regions[p] = map[string]string{}
		}
		for k, v := range m {
			c.Regions[p][k] = v
		}
	}
	for p, r := range f.DefaultRegions {
		c.DefaultRegions[p] = r
	}
	for gi, g := range f.Groups {
		for pi, e := range g.Prices {
			e = fill(e, g)
			if err := e.Check(); err != nil {
				return fmt.Errorf("%s: group %d (%s %s %s) price %d: %w", name, gi, g.Provider, g.Service, g.Region, pi, err)
			}
			c.entries[key{e.Provider, e.Service, e.SKU, e.Region}] = e
		}
	}
	c.Sources = append(c.Sources, name)
	return nil
}

// fill takes the group's values for the fields an entry leaves empty.
func fill(e Entry, g group) Entry {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&e.Provider, g.Provider)
	def(&e.Service, g.Service)
	def(&e.Region, g.Region)
	def(&e.Currency, g.Currency)
	def(&e.Source, g.Source)
	def(&e.Read, g.Read)
	def(&e.Unit, g.Unit)
	return e
}

// Check says what an entry lacks.
func (e Entry) Check() error {
	var miss []string
	for _, f := range []struct{ n, v string }{{"provider", e.Provider}, {"service", e.Service}, {"sku", e.SKU},
		{"region", e.Region}, {"unit", e.Unit}, {"currency", e.Currency}, {"source_url", e.Source}, {"read", e.Read}} {
		if f.v == "" {
			miss = append(miss, f.n)
		}
	}
	if len(miss) > 0 {
		return fmt.Errorf("%s: missing %s", e.SKU, strings.Join(miss, ", "))
	}
	if e.Currency != "USD" && e.Currency != "EUR" {
		return fmt.Errorf("%s: currency %q, want USD or EUR", e.SKU, e.Currency)
	}
	if _, err := time.Parse(time.DateOnly, e.Read); err != nil {
		return fmt.Errorf("%s: read date %q is not YYYY-MM-DD", e.SKU, e.Read)
	}
	if math.IsNaN(e.Price) || e.Price < 0 {
		return fmt.Errorf("%s: negative price %v", e.SKU, e.Price)
	}
	if e.Price == 0 && !e.Free {
		return fmt.Errorf("%s: zero price on a product that is not marked free", e.SKU)
	}
	if !strings.HasPrefix(e.Source, "https://") && !strings.HasPrefix(e.Source, "http://") && !strings.HasPrefix(e.Source, "file:") {
		return fmt.Errorf("%s: source %q is not a URL", e.SKU, e.Source)
	}
	return nil
}

// Entries returns every entry, sorted by provider, service, region, SKU.
func (c *Catalog) Entries() []Entry {
	out := make([]Entry, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.SKU < b.SKU
	})
	return out
}

// Lookup finds a price: in the region itself, then in the region's price
// region (fsn1 -> eu), then a global entry ("*").
func (c *Catalog) Lookup(provider, service, sku, region string) (Entry, bool) {
	for _, r := range c.regionChain(provider, region) {
		if e, ok := c.entries[key{provider, service, sku, r}]; ok {
			return e, true
		}
	}
	return Entry{}, false
}

func (c *Catalog) regionChain(provider, region string) []string {
	chain := []string{region}
	if g, ok := c.Regions[provider][region]; ok {
		chain = append(chain, g)
	}
	return append(chain, "*")
}

// Products lists a service's entries priced in region (as Lookup resolves
// it), for the nearest-equivalent search; sorted by price.
func (c *Catalog) Products(provider, service, region string) []Entry {
	seen := map[string]bool{}
	var out []Entry
	for _, r := range c.regionChain(provider, region) {
		for k, e := range c.entries {
			if k.provider == provider && k.service == service && k.region == r && !seen[k.sku] {
				seen[k.sku] = true
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Price != out[j].Price {
			return out[i].Price < out[j].Price
		}
		return out[i].SKU < out[j].SKU
	})
	return out
}

// Date is the newest read date of the catalog's entries.
func (c *Catalog) Date() string {
	d := ""
	for _, e := range c.entries {
		if e.Read > d {
			d = e.Read
		}
	}
	return d
}

// Convert converts amount from currency to the target currency with the
// catalog's rate.
func (c *Catalog) Convert(amount float64, from, to string) (float64, error) {
	if from == to {
		return amount, nil
	}
	if c.FX.USDPerEUR <= 0 {
		return 0, fmt.Errorf("no EUR/USD rate in the catalog")
	}
	switch {
	case from == "EUR" && to == "USD":
		return amount * c.FX.USDPerEUR, nil
	case from == "USD" && to == "EUR":
		return amount / c.FX.USDPerEUR, nil
	}
	return 0, fmt.Errorf("cannot convert %s to %s", from, to)
}

// Add puts entries into the catalog (refresh results), replacing entries
// with the same provider, service, SKU and region.
func (c *Catalog) Add(es ...Entry) error {
	for _, e := range es {
		if err := e.Check(); err != nil {
			return err
		}
		c.entries[key{e.Provider, e.Service, e.SKU, e.Region}] = e
	}
	return nil
}
