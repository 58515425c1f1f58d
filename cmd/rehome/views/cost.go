package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/planner"
)

// CostFormatVersion is the version of `rehome cost -json`.
const CostFormatVersion = "1.0"

// CostDoc is `rehome cost -json`: Infracost's breakdown/diff shape where
// it fits. Each resource has its source and destination side, each with
// its cost components (name, unit, monthly quantity, unit price, monthly
// cost, the catalog entry's date and source URL); null amounts are
// unknown, never zero.
type CostDoc struct {
	FormatVersion string         `json:"format_version"`
	Migration     string         `json:"migration"`
	Currency      string         `json:"currency"`
	CatalogDate   string         `json:"catalog_date"`
	Catalog       []string       `json:"catalog"`
	FX            *cost.FX       `json:"fx,omitempty"`
	Resources     []CostResource `json:"resources"`
	Totals        CostTotals     `json:"totals"`
	OneOff        []cost.OneOff  `json:"one_off"`
	Notes         []string       `json:"notes"`
}

// CostResource is one resource, both sides.
type CostResource struct {
	Address     string    `json:"address"`
	Type        string    `json:"type"`
	Name        string    `json:"name"`
	Moved       bool      `json:"moved"`
	Source      *CostSide `json:"source"`
	Destination *CostSide `json:"destination"`
	// Difference is destination minus source; null when either is unknown.
	Difference *float64 `json:"monthly_difference"`
}

// CostSide is one side of a resource.
type CostSide struct {
	Env        string           `json:"env"`
	Provider   string           `json:"provider"`
	Region     string           `json:"region,omitempty"`
	Product    string           `json:"product"`
	Monthly    *float64         `json:"monthly_cost"`
	Known      float64          `json:"known_monthly_cost"`
	NeedsUsage int              `json:"components_needing_usage"`
	Basis      string           `json:"basis"`
	Components []cost.Component `json:"cost_components"`
}

// CostTotals are the report's totals.
type CostTotals struct {
	Source        float64 `json:"source_monthly_cost"`
	Destination   float64 `json:"destination_monthly_cost"`
	Difference    float64 `json:"monthly_difference"`
	SourceUnknown int     `json:"source_unknown"`
	DestUnknown   int     `json:"destination_unknown"`
	NeedsUsage    int     `json:"components_needing_usage"`
	OneOff        float64 `json:"one_off_cost"`
}

// NewCostDoc pairs the plan's cost items by address.
func NewCostDoc(p *planner.Plan) CostDoc {
	r := p.Cost
	d := CostDoc{FormatVersion: CostFormatVersion, Migration: p.Migration, Currency: r.Currency, CatalogDate: r.CatalogDate,
		Catalog: r.Catalog, FX: r.FX, Resources: []CostResource{}, OneOff: r.OneOff, Notes: r.Notes,
		Totals: CostTotals{Source: r.SourceTotal, Destination: r.DestTotal, Difference: r.Difference,
			SourceUnknown: r.SourceUnknown, DestUnknown: r.DestUnknown, NeedsUsage: r.NeedsUsage, OneOff: r.OneOffTotal}}
	if d.Catalog == nil {
		d.Catalog = []string{}
	}
	if d.OneOff == nil {
		d.OneOff = []cost.OneOff{}
	}
	if d.Notes == nil {
		d.Notes = []string{}
	}
	idx := map[string]int{}
	for _, it := range r.Items {
		i, ok := idx[it.Address]
		if !ok {
			i = len(d.Resources)
			idx[it.Address] = i
			d.Resources = append(d.Resources, CostResource{Address: it.Address, Type: it.Type, Name: it.Name, Moved: it.Moved})
		}
		side := &CostSide{Env: it.Env, Provider: it.Provider, Region: it.Region, Product: it.Resource, Known: it.Monthly,
			NeedsUsage: it.NeedsUsage, Basis: it.Basis, Components: it.Components}
		if side.Components == nil {
			side.Components = []cost.Component{}
		}
		if !it.Unknown {
			side.Monthly = ptrFloat(it.Monthly)
		}
		if it.Side == cost.SideDestination {
			d.Resources[i].Destination = side
		} else {
			d.Resources[i].Source = side
		}
	}
	for i, cr := range d.Resources {
		if cr.Source != nil && cr.Destination != nil && cr.Source.Monthly != nil && cr.Destination.Monthly != nil {
			d.Resources[i].Difference = ptrFloat(roundCents(*cr.Destination.Monthly - *cr.Source.Monthly))
		}
	}
	return d
}

type labelledSide struct {
	label string
	side  *CostSide
}

// sides are the resource's sides that are priced, source first.
func (r CostResource) sides() []labelledSide {
	var out []labelledSide
	if r.Source != nil {
		out = append(out, labelledSide{"source", r.Source})
	}
	if r.Destination != nil {
		out = append(out, labelledSide{"destination", r.Destination})
	}
	return out
}

func ptrFloat(f float64) *float64 { return &f }

func roundCents(f float64) float64 { return math.Round(f*10000) / 10000 }

// RenderCostJSON writes `rehome cost -json`.
func RenderCostJSON(w io.Writer, p *planner.Plan) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(NewCostDoc(p)); err != nil {
		return fmt.Errorf("encode the cost report: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// amount is a known amount or "unknown".
func amount(f *float64, known float64) string {
	if f == nil {
		if known != 0 {
			return fmt.Sprintf("%.2f + unknown", known)
		}
		return "unknown"
	}
	return fmt.Sprintf("%.2f", *f)
}

// componentCells are a component's quantity, unit price and amount.
func componentCells(c cost.Component) (qty, price, monthly string) {
	switch {
	case c.UnknownPrice():
		return "", "", "unknown"
	case c.NeedsUsage():
		return "(usage)", fmtUnitPrice(c), "depends on usage"
	}
	return trim(*c.Quantity) + " " + c.Unit, fmtUnitPrice(c), fmt.Sprintf("%.2f", *c.Monthly)
}

func fmtUnitPrice(c cost.Component) string {
	return trim(*c.Price) + " " + c.PriceCurrency + "/" + c.Unit
}

func trim(f float64) string {
	s := fmt.Sprintf("%.7f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func sideTitle(s *CostSide) string {
	t := s.Env
	if s.Provider != "" {
		t += " (" + s.Provider
		if s.Region != "" && s.Region != "*" {
			t += " " + s.Region
		}
		t += ")"
	}
	return t
}

// RenderCostHuman writes the breakdown per resource, then the totals.
func RenderCostHuman(w io.Writer, p *planner.Plan) error {
	d := NewCostDoc(p)
	var b bytes.Buffer
	fmt.Fprintf(&b, "Cost of %s in %s (catalog %s", d.Migration, d.Currency, d.CatalogDate)
	if d.FX != nil && d.FX.USDPerEUR > 0 {
		fmt.Fprintf(&b, ", %.4f USD/EUR of %s", d.FX.USDPerEUR, d.FX.Date)
	}
	b.WriteString(")\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  NAME\tQUANTITY\tUNIT PRICE\tMONTHLY %s\n", d.Currency)
	for _, r := range d.Resources {
		status := "left behind"
		if r.Moved {
			status = "moved"
		}
		fmt.Fprintf(tw, "%s (%s)\t\t\t\n", r.Address, status)
		for _, s := range r.sides() {
			fmt.Fprintf(tw, "  %s %s: %s\t\t\t%s\n", s.label, sideTitle(s.side), s.side.Product, amount(s.side.Monthly, s.side.Known))
			for _, c := range s.side.Components {
				q, pr, m := componentCells(c)
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", c.Name, q, pr, m)
				if c.UnknownPrice() && c.Note != "" {
					fmt.Fprintf(tw, "      %s\t\t\t\n", c.Note)
				}
			}
			if len(s.side.Components) == 0 && s.side.Basis != "" {
				fmt.Fprintf(tw, "    %s\t\t\t\n", s.side.Basis)
			}
		}
		if r.Source != nil && r.Destination != nil {
			diff := "unknown"
			if r.Difference != nil {
				diff = fmt.Sprintf("%+.2f", *r.Difference)
			}
			fmt.Fprintf(tw, "  difference\t\t\t%s\n", diff)
		}
		fmt.Fprintf(tw, "\t\t\t\n")
	}
	tw.Flush()
	t := d.Totals
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  Source total\t%s\t\n", costCell(t.Source, t.SourceUnknown > 0))
	fmt.Fprintf(tw, "  Destination total\t%s\t\n", costCell(t.Destination, t.DestUnknown > 0))
	fmt.Fprintf(tw, "  Difference per month\t%s\t\n", costChangeText(p, t.Source, t.Destination))
	tw.Flush()
	for _, o := range d.OneOff {
		fmt.Fprintf(&b, "\n  One-off: %s %s egress from %s for %s (%s objects) the plan copies\n", costCell(o.Cost, o.Unknown), d.Currency, o.Env, format.Bytes(o.Bytes), format.Count(o.Objects))
		for _, c := range o.Components {
			q, pr, m := componentCells(c)
			fmt.Fprintf(&b, "    %s: %s × %s = %s\n", c.Name, q, pr, m)
		}
	}
	if len(d.Notes) > 0 {
		b.WriteString("\n")
	}
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "  Note: %s\n", n)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// RenderCostMarkdown writes a section for a pull request: a table per
// resource with both sides and the difference, then the components in a
// collapsed details block.
func RenderCostMarkdown(w io.Writer, p *planner.Plan) error {
	d := NewCostDoc(p)
	var b bytes.Buffer
	fmt.Fprintf(&b, "## Cost of `%s` (%s, catalog %s)\n\n", d.Migration, d.Currency, d.CatalogDate)
	t := d.Totals
	fmt.Fprintf(&b, "**Monthly:** %s → %s (%s)", costCell(t.Source, t.SourceUnknown > 0), costCell(t.Destination, t.DestUnknown > 0), costChangeText(p, t.Source, t.Destination))
	if len(d.OneOff) > 0 {
		unknown := false
		for _, o := range d.OneOff {
			unknown = unknown || o.Unknown
		}
		fmt.Fprintf(&b, " · **one-off egress:** %s %s", costCell(t.OneOff, unknown), d.Currency)
	}
	b.WriteString("\n\n| Resource | Status | Source | Destination | Difference |\n|---|---|--:|--:|--:|\n")
	for _, r := range d.Resources {
		status := "left behind"
		if r.Moved {
			status = "moved"
		}
		cells := [2]string{"-", "-"}
		for i, s := range []*CostSide{r.Source, r.Destination} {
			if s != nil {
				cells[i] = amount(s.Monthly, s.Known) + " (" + s.Product + ")"
			}
		}
		diff := "unknown"
		if r.Difference != nil {
			diff = fmt.Sprintf("%+.2f", *r.Difference)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(mdCode(r.Address)), status, mdCell(cells[0]), mdCell(cells[1]), diff)
	}
	b.WriteString("\n<details><summary>Cost components</summary>\n\n| Resource | Side | Component | Quantity | Unit price | Monthly | Source (read) |\n|---|---|---|--:|--:|--:|---|\n")
	for _, r := range d.Resources {
		for _, s := range r.sides() {
			for _, c := range s.side.Components {
				q, pr, m := componentCells(c)
				src := ""
				if c.SourceURL != "" {
					src = fmt.Sprintf("[%s](%s) (%s)", c.SKU, c.SourceURL, c.CatalogDate)
				} else if c.Note != "" {
					src = c.Note
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(mdCode(r.Address)), s.label, mdCell(c.Name), mdCell(q), mdCell(pr), m, mdCell(src))
			}
		}
	}
	b.WriteString("\n</details>\n\n")
	for _, o := range d.OneOff {
		fmt.Fprintf(&b, "- One-off: **%s %s** egress from %s for %s the plan copies\n", costCell(o.Cost, o.Unknown), d.Currency, mdCode(o.Env), format.Bytes(o.Bytes))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "- %s\n", mdCell(n))
	}
	_, err := w.Write(b.Bytes())
	return err
}
