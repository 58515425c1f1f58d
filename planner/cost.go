package planner

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/providers"
)

// PricesFile is where `rehome prices refresh` writes its dated overrides,
// relative to the configuration directory.
const PricesFile = ".rehome/prices.json"

// LoadPrices returns the catalog a configuration in dir prices with: the
// embedded one and the overrides in dir/.rehome/prices.json.
func LoadPrices(dir string) (*cost.Catalog, error) {
	c, err := cost.Load(filepath.Join(dir, PricesFile))
	if err != nil {
		return nil, fmt.Errorf("load the price catalog: %w", err)
	}
	return c, nil
}

// cost prices every resource the source environments hold: moved ones at
// the move's destination, the others (left behind) at the destination of
// the moves out of their environment, and the plan's copies as one-off
// egress.
func (b *builder) cost() error {
	in, err := CostInput(b.in, b.plan.Actions)
	if err != nil {
		return err
	}
	r, err := cost.Build(in)
	if err != nil {
		return err
	}
	b.plan.Cost = *r
	return nil
}

// CostInput is what the cost report prices for a plan's input and
// actions; `rehome cost` and Build share it.
func CostInput(in Input, actions []Action) (cost.Input, error) {
	cat := in.Prices
	if cat == nil {
		var err error
		if cat, err = LoadPrices(in.Config.Dir); err != nil {
			return cost.Input{}, err
		}
	}
	ci := cost.Input{Catalog: cat, Usage: &cost.Usage{}}
	if c := in.Config.Cost; c != nil {
		ci.Currency = c.Currency
		if c.UsageFile != "" {
			u, diags := cost.LoadUsage(c.UsageFile)
			if diags.HasErrors() {
				return cost.Input{}, fmt.Errorf("usage file (cost block at %s:%d): %w", c.DeclRange.Filename, c.DeclRange.Start.Line, diags)
			}
			ci.Usage = u
		}
	}
	// Usage blocks in the configuration itself come on top.
	if diags := ci.Usage.AddBlocks(in.Config.Usage); diags.HasErrors() {
		return cost.Input{}, fmt.Errorf("usage blocks: %w", diags)
	}
	// What the plan's actions move, by source resource.
	type movedTo struct{ addr, env string }
	moved := map[[3]string]movedTo{}
	firstDest := map[string]string{}
	copies := map[string]*cost.Copy{}
	for _, a := range actions {
		if a.From.Env == "" {
			continue
		}
		if _, ok := firstDest[a.From.Env]; !ok && a.To.Env != "" && a.To.Env != a.From.Env {
			firstDest[a.From.Env] = a.To.Env
		}
		if a.Moves != nil {
			k := [3]string{a.From.Env, a.Moves.Type, a.From.Name}
			if _, ok := moved[k]; !ok {
				moved[k] = movedTo{addr: a.Address, env: a.To.Env}
			}
		}
		if (a.Action == ActCopy || a.Action == ActSync) && (a.Estimate.Bytes > 0 || a.Estimate.Unit == "objects") {
			c := copies[a.From.Env]
			if c == nil {
				e := in.Envs[a.From.Env]
				c = &cost.Copy{Env: a.From.Env}
				if e != nil {
					c.Provider, c.Region = e.Factory.Name, envRegion(in, a.From.Env)
				}
				copies[a.From.Env] = c
			}
			c.Bytes += a.Estimate.Bytes
			if a.Estimate.Unit == "objects" {
				c.Objects += a.Estimate.Items
			}
		}
	}
	sized := map[string]bool{} // destinations whose database server is priced
	for _, n := range in.Envs.Names() {
		e := in.Envs[n]
		if !e.Source || e.Inventory == nil {
			continue
		}
		for _, r := range e.Inventory.Resources {
			if r.Env == "" {
				r.Env = n
			}
			if r.Provider == "" {
				r.Provider = e.Factory.Name
			}
			if r.Attrs[providers.AttrRegion] == "" {
				if reg := envRegion(in, n); reg != "" {
					attrs := map[string]string{providers.AttrRegion: reg}
					for k, v := range r.Attrs {
						attrs[k] = v
					}
					r.Attrs = attrs
				}
			}
			s := cost.Subject{Resource: r, Address: fmt.Sprintf("%s.%s[%q]", n, r.Type, r.Name)}
			dest := firstDest[n]
			if m, ok := moved[[3]string{n, r.Type, r.Name}]; ok {
				s.Address, s.Moved, dest = m.addr, true, m.env
			}
			if d := in.Envs[dest]; d != nil {
				s.Dest = &cost.Target{Env: dest, Provider: d.Factory.Name, Region: envRegion(in, dest)}
				// A database server the destination creates is priced once,
				// with the first database moved into it.
				if ds, ok := d.Provider.(providers.DatabaseSizer); ok && s.Moved && !sized[dest] &&
					(r.Type == providers.TypeDatabase || r.Type == providers.TypeDatabaseInstance) {
					if class, nodes, ok := ds.DatabaseSize(); ok {
						s.Dest.DatabaseClass, s.Dest.DatabaseNodes, sized[dest] = class, nodes, true
					}
				}
			}
			ci.Subjects = append(ci.Subjects, s)
		}
	}
	sort.SliceStable(ci.Subjects, func(i, j int) bool {
		if ci.Subjects[i].Moved != ci.Subjects[j].Moved {
			return ci.Subjects[i].Moved
		}
		return ci.Subjects[i].Address < ci.Subjects[j].Address
	})
	for _, n := range in.Envs.Names() {
		if c := copies[n]; c != nil {
			ci.Copies = append(ci.Copies, *c)
		}
	}
	return ci, nil
}

// envRegion is the region or location an environment's configuration
// names ("" when it names none).
func envRegion(in Input, env string) string {
	if in.Config == nil {
		return ""
	}
	e := in.Config.Environments[env]
	if e == nil || e.Value == cty.NilVal || e.Value.IsNull() || !e.Value.Type().IsObjectType() {
		return ""
	}
	for _, k := range []string{"region", "location"} {
		if e.Value.Type().HasAttribute(k) {
			if v := e.Value.GetAttr(k); v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				return v.AsString()
			}
		}
	}
	return ""
}
