package cost

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rehome/rehome/providers"
)

// Sides of an item.
const (
	SideSource      = "source"
	SideDestination = "destination"
)

// Where a component's quantity came from.
const (
	FromFixed      = "fixed"      // one a month, or the hours of a month
	FromDiscovered = "discovered" // measured by discovery (bytes, objects, size)
	FromUsageFile  = "usage_file" // the usage file
	FromPlan       = "plan"       // what the plan copies
)

// HoursPerMonth is the hours the catalog's hourly prices are multiplied by
// (AWS's convention: 24 × 365 / 12).
const HoursPerMonth = 730

// Component is one priced part of an item, like an Infracost cost
// component. Price is nil when the catalog has no entry (the amount is
// unknown); Quantity is nil when it depends on usage nobody gave (the
// amount is left out of the totals and the component says so).
type Component struct {
	Name          string   `json:"name"`
	Unit          string   `json:"unit"`
	Quantity      *float64 `json:"monthly_quantity"`
	Price         *float64 `json:"price"`
	PriceCurrency string   `json:"price_currency,omitempty"`
	// Monthly is in the report's currency.
	Monthly     *float64 `json:"monthly_cost"`
	SKU         string   `json:"sku"`
	Region      string   `json:"region,omitempty"`
	CatalogDate string   `json:"catalog_date,omitempty"`
	SourceURL   string   `json:"source_url,omitempty"`
	// QuantityFrom says where the quantity came from (fixed, discovered,
	// usage_file, plan).
	QuantityFrom string `json:"quantity_from,omitempty"`
	Note         string `json:"note,omitempty"`
}

// UnknownPrice: the catalog has no price for the component.
func (c Component) UnknownPrice() bool { return c.Price == nil }

// NeedsUsage: the price is known but the quantity depends on usage that
// was not given.
func (c Component) NeedsUsage() bool { return c.Price != nil && c.Quantity == nil }

// Item prices one resource on one side of the move. The plan's cost
// section lists a source item and a destination item per resource, under
// one address.
type Item struct {
	Address string `json:"address"`
	Env     string `json:"env"`
	// Resource names the product priced (S3 STANDARD, Hetzner cx22).
	Resource string `json:"resource"`
	// Monthly sums the known amounts, in the report's currency.
	Monthly float64 `json:"monthly"`
	// Basis says in a line how Monthly was reached.
	Basis    string `json:"basis"`
	Side     string `json:"side"`
	Provider string `json:"provider,omitempty"`
	Type     string `json:"type,omitempty"`
	Name     string `json:"name,omitempty"`
	Region   string `json:"region,omitempty"`
	// Moved: a move of the plan takes this resource to the destination;
	// otherwise it is left behind and the destination side shows what its
	// equivalent would cost.
	Moved bool `json:"moved"`
	// Unknown: a price the item needs is not in the catalog, so Monthly
	// is not its whole cost.
	Unknown bool `json:"unknown,omitempty"`
	// NeedsUsage counts components that depend on usage not given.
	NeedsUsage int         `json:"needs_usage,omitempty"`
	Components []Component `json:"components"`
}

// OneOff is a one-off cost of the move: the source's egress for what the
// plan copies out of one environment.
type OneOff struct {
	Env        string      `json:"env"`
	Bytes      int64       `json:"bytes"`
	Objects    int64       `json:"objects"`
	Cost       float64     `json:"cost"`
	Unknown    bool        `json:"unknown,omitempty"`
	Components []Component `json:"components"`
}

// Report is the cost report: the plan's cost section and `rehome cost`.
type Report struct {
	Currency    string `json:"currency,omitempty"`
	CatalogDate string `json:"catalog_date,omitempty"`
	// Catalog lists where the prices came from (the embedded catalog,
	// then override files).
	Catalog     []string `json:"catalog,omitempty"`
	FX          *FX      `json:"fx,omitempty"`
	Items       []Item   `json:"items"`
	SourceTotal float64  `json:"source_monthly_total"`
	DestTotal   float64  `json:"destination_monthly_total"`
	Difference  float64  `json:"monthly_difference"`
	// SourceUnknown and DestUnknown count items with a price missing from
	// the catalog: the totals leave them out.
	SourceUnknown int `json:"source_unknown,omitempty"`
	DestUnknown   int `json:"destination_unknown,omitempty"`
	// NeedsUsage counts components left out because they depend on usage.
	NeedsUsage  int      `json:"needs_usage,omitempty"`
	OneOff      []OneOff `json:"one_off,omitempty"`
	OneOffTotal float64  `json:"one_off_total,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// Target is where a resource's equivalent is priced: the destination
// environment of the move that covers it (or, for a resource left behind,
// of the moves out of its environment).
type Target struct {
	Env      string
	Provider string
	// Region is the destination's region or location ("" : the
	// catalog's default for the provider).
	Region string
	// DatabaseClass and DatabaseNodes, when set, are the size of the
	// database server the configuration has rehome create there
	// (providers.DatabaseSizer): the subject is priced as that server.
	DatabaseClass string
	DatabaseNodes int
}

// Subject is one source resource to price.
type Subject struct {
	Address  string
	Resource providers.Resource
	Moved    bool
	// Dest is nil when no destination is known: only the source is priced.
	Dest *Target
}

// Copy is what the plan copies out of one source environment, for the
// one-off egress.
type Copy struct {
	Env, Provider, Region string
	Bytes, Objects        int64
}

// Input is what Build prices.
type Input struct {
	Catalog  *Catalog
	Currency string // USD (default) or EUR
	Subjects []Subject
	Usage    *Usage
	Copies   []Copy
}

// Build prices every subject at its source and at its destination, and
// the plan's copies as one-off egress.
func Build(in Input) (*Report, error) {
	if in.Catalog == nil {
		return nil, fmt.Errorf("price the plan: no catalog")
	}
	cur := in.Currency
	if cur == "" {
		cur = "USD"
	}
	if cur != "USD" && cur != "EUR" {
		return nil, fmt.Errorf("price the plan: currency %q: want USD or EUR", cur)
	}
	p := &pricer{cat: in.Catalog, cur: cur, usage: in.Usage, pools: map[string]*pool{}}
	fx := in.Catalog.FX
	r := &Report{Currency: cur, CatalogDate: in.Catalog.Date(), Catalog: in.Catalog.Sources, FX: &fx, Items: []Item{}}
	for _, s := range in.Subjects {
		src := p.source(s)
		r.Items = append(r.Items, src)
		if s.Dest != nil {
			r.Items = append(r.Items, p.destination(s))
		}
	}
	p.settlePools(r.Items)
	for i := range r.Items {
		it := &r.Items[i]
		finish(it)
		switch {
		case it.Side == SideSource:
			r.SourceTotal += it.Monthly
			if it.Unknown {
				r.SourceUnknown++
			}
		default:
			r.DestTotal += it.Monthly
			if it.Unknown {
				r.DestUnknown++
			}
		}
		r.NeedsUsage += it.NeedsUsage
	}
	for _, c := range in.Copies {
		if c.Bytes == 0 && c.Objects == 0 {
			continue
		}
		o := p.egress(c)
		r.OneOff = append(r.OneOff, o)
		r.OneOffTotal += o.Cost
	}
	r.SourceTotal, r.DestTotal, r.OneOffTotal = round(r.SourceTotal), round(r.DestTotal), round(r.OneOffTotal)
	r.Difference = round(r.DestTotal - r.SourceTotal)
	if r.SourceUnknown+r.DestUnknown > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d item(s) have prices missing from the catalog; the totals leave them out", r.SourceUnknown+r.DestUnknown))
	}
	if r.NeedsUsage > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d usage-based component(s) (requests, queries, transfer) have no usage; give it in the usage file", r.NeedsUsage))
	}
	if hasCurrency(r, otherCurrency(cur)) {
		r.Notes = append(r.Notes, fmt.Sprintf("%s prices converted at %.4f USD/EUR (%s)", otherCurrency(cur), fx.USDPerEUR, fx.Date))
	}
	return r, nil
}

func otherCurrency(c string) string {
	if c == "USD" {
		return "EUR"
	}
	return "USD"
}

func hasCurrency(r *Report, cur string) bool {
	for _, it := range r.Items {
		for _, c := range it.Components {
			if c.PriceCurrency == cur {
				return true
			}
		}
	}
	for _, o := range r.OneOff {
		for _, c := range o.Components {
			if c.PriceCurrency == cur {
				return true
			}
		}
	}
	return false
}

// finish sums an item's components and writes its basis: the known
// amounts' arithmetic, what is unknown and how many parts need usage.
func finish(it *Item) {
	it.Monthly, it.NeedsUsage = 0, 0
	var parts, unknowns []string
	for _, c := range it.Components {
		switch {
		case c.UnknownPrice():
			it.Unknown = true
			why := c.Note
			if !strings.HasPrefix(why, "price unknown") {
				why = "price unknown: " + why
			}
			unknowns = append(unknowns, why)
		case c.NeedsUsage():
			it.NeedsUsage++
		default:
			it.Monthly += *c.Monthly
			if *c.Monthly != 0 || len(it.Components) == 1 {
				parts = append(parts, fmt.Sprintf("%s × %s", fmtQty(*c.Quantity, c.Unit), fmtPrice(*c.Price, c.PriceCurrency)))
			}
		}
	}
	it.Monthly = round(it.Monthly)
	basis := strings.Join(append(parts, unknowns...), " + ")
	if it.NeedsUsage > 0 {
		basis = strings.TrimSpace(basis + fmt.Sprintf(" (+%d usage-based %s without usage)", it.NeedsUsage, plural(it.NeedsUsage, "part", "parts")))
	}
	switch {
	case it.Basis == "":
		it.Basis = basis
	case basis != "":
		it.Basis += ": " + basis
	}
	if it.Components == nil {
		it.Components = []Component{}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func fmtQty(q float64, unit string) string {
	s := trimFloat(q, 4)
	u := unit
	switch {
	case unit == "month":
		if q == 1 {
			return "1 month"
		}
		return s + " month"
	case unit == "hour":
		return s + " h"
	}
	return s + " " + u
}

func fmtPrice(p float64, cur string) string {
	return trimFloat(p, 7) + " " + cur
}

// trimFloat prints f with at most prec decimals, no trailing zeros.
func trimFloat(f float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, f)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// round keeps amounts to a hundredth of a cent.
func round(f float64) float64 { return math.Round(f*10000) / 10000 }

// SortItems orders items by address, source before destination.
func SortItems(items []Item) {
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].Address != items[j].Address {
			return items[i].Address < items[j].Address
		}
		return items[i].Side == SideSource && items[j].Side != SideSource
	})
}
