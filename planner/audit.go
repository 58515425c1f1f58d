package planner

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rehome/rehome/audit"
	"github.com/rehome/rehome/cost"
	"github.com/rehome/rehome/providers"
)

// Audit finding codes of package audit's results.
const (
	CodeNoEquivalent    = "audit.no_equivalent"
	CodeDependencySplit = "audit.dependency_split"
	CodeReference       = "audit.reference"
)

// audit classifies the source resources (when discovered in full),
// relates them, and scans the audit block's folders with the rules (the
// built-in ones and the user's): package audit does the work, this turns
// it into the plan's inventory and findings.
func (b *builder) audit(ctx context.Context) error {
	cov := b.coverage()
	var srcs []audit.Source
	var invs []*providers.Inventory
	full := false
	provs := map[string]bool{}
	for _, n := range b.in.Envs.Names() {
		e := b.in.Envs[n]
		if !e.Source || e.Inventory == nil {
			continue
		}
		full = full || e.Scope.Full
		provs[e.Factory.Name] = true
		inv := e.Inventory
		if e.Scope.Full {
			inv = b.discoverRest(ctx, e)
			b.zoneReferences(ctx, e, inv)
		}
		srcs = append(srcs, audit.Source{Inventory: inv, Destination: b.destinationOf(n)})
		invs = append(invs, inv)
	}
	if full {
		eq, err := audit.BuiltinEquivalents()
		if err != nil {
			return err
		}
		items := audit.Classify(srcs, cov, eq)
		audit.SortItems(items)
		b.plan.Inventory = items
		status := map[string]audit.Item{}
		for _, it := range items {
			status[it.Address] = it
			if it.Status == audit.NoEquivalent {
				b.finding(nil, SevWarning, it.Address, CodeNoEquivalent, "",
					fmt.Sprintf("%s %q has no equivalent at %s", it.Type, it.Name, it.Destination),
					"replace it with "+it.Equivalent)
			}
		}
		deps := audit.Dependencies(invs)
		b.plan.Dependencies = deps
		for _, d := range deps {
			from, to := status[d.From], status[d.To]
			if from.Status != audit.Moved && to.Status == audit.Moved {
				b.finding(nil, SevWarning, d.From, CodeDependencySplit, d.To,
					fmt.Sprintf("%s stays at the source but refers to %s (%s), which %s moves", d.From, d.To, d.Ref, to.MovedBy),
					"after the cutover it still uses the source's copy: repoint it, or move it too")
			}
		}
	}
	a := b.in.Config.Audit
	if a == nil || len(a.Scan) == 0 {
		return nil
	}
	rules, err := audit.LoadRules(a.Rules)
	if err != nil {
		return err
	}
	hits, err := audit.Scan(ctx, audit.ScanInput{Dirs: a.Scan, Base: b.in.Config.Dir, Rules: rules, Providers: provs,
		Targets: b.scanTargets(invs, cov)})
	if err != nil {
		return err
	}
	occurrence := map[string]int{}
	for _, h := range hits {
		sev := SevInfo
		if h.Category == audit.Mandatory {
			sev = SevWarning
		}
		addr := h.Resource
		if h.MovedBy != "" {
			addr = h.MovedBy
		}
		if addr == "" {
			addr = "audit.scan"
		}
		detail := h.Rule + "\x00" + h.File + "\x00" + h.Match
		occurrence[detail]++
		detail += fmt.Sprint(occurrence[detail])
		remedy := "review it before the cutover"
		if h.Category == audit.Mandatory {
			remedy = "change it before the cutover"
		}
		b.finding(nil, sev, addr, CodeReference, detail, fmt.Sprintf("%s:%d: %s", h.File, h.Line, h.Message), remedy)
		last := &b.plan.Audit[len(b.plan.Audit)-1]
		last.File, last.Line, last.Rule, last.Category, last.Effort, last.Resource = h.File, h.Line, h.Rule, string(h.Category), h.Effort, h.Resource
	}
	return nil
}

// destinationOf is the provider the source environment's moves go to,
// a cloud platform before a self-hosted one ("" without moves).
func (b *builder) destinationOf(env string) string {
	var dests []string
	for _, m := range b.in.Config.Moves {
		if m.From != env {
			continue
		}
		if e, ok := b.in.Envs[m.To]; ok {
			dests = append(dests, e.Factory.Name)
		}
	}
	sort.Slice(dests, func(i, j int) bool {
		ci, cj := audit.PlatformOf(dests[i]) != "self-hosted", audit.PlatformOf(dests[j]) != "self-hosted"
		if ci != cj {
			return ci
		}
		return dests[i] < dests[j]
	})
	if len(dests) == 0 {
		return ""
	}
	return dests[0]
}

// scanTargets are the source resources the scan looks up rule captures
// in, and whose names it searches for. Names the plan's own scan
// (scan.go) already searches for (moved bucket names) are only looked up.
func (b *builder) scanTargets(invs []*providers.Inventory, cov coverage) []audit.Target {
	searched := map[string]bool{}
	for _, act := range b.plan.Actions {
		if act.Moves != nil && act.Moves.Referenced {
			searched[act.From.Env+"\x00"+act.Moves.Type+"\x00"+act.From.Name] = true
		}
	}
	var out []audit.Target
	for _, inv := range invs {
		for _, r := range inv.Resources {
			env := r.Env
			if env == "" {
				env = inv.Env
				r.Env = env
			}
			t := audit.Target{Address: audit.Address(r), Env: env, Type: r.Type, Name: r.Name, MovedBy: cov.MovedBy(r)}
			t.Keys = []string{r.ID, r.Attrs[providers.AttrEndpoint]}
			if !searched[env+"\x00"+r.Type+"\x00"+r.Name] {
				switch r.Type {
				case providers.TypeBucket, providers.TypeQueue, providers.TypeSecret, providers.TypeParameter:
					t.Literals = []string{r.Name}
				}
				if ep := r.Attrs[providers.AttrEndpoint]; ep != "" {
					t.Literals = append(t.Literals, ep)
				}
			}
			out = append(out, t)
		}
	}
	return out
}

// coverage says which source resources the plan's actions move.
type coverage struct {
	// byType: env, resource type, name -> action address (Action.Moves).
	byType map[string]string
	// byKind: env, kind, name -> action address.
	byKind map[string]string
	// dbSources: where the database moves' source environments point
	// (their ID), for RDS instances reached through a database provider.
	dbSources map[string]string
}

func (b *builder) coverage() coverage {
	c := coverage{byType: map[string]string{}, byKind: map[string]string{}, dbSources: map[string]string{}}
	for _, a := range b.plan.Actions {
		if a.Phase != PhasePrepare || a.From.Name == "" {
			continue
		}
		if a.Moves != nil {
			if _, ok := c.byType[a.From.Env+"\x00"+a.Moves.Type+"\x00"+a.From.Name]; !ok {
				c.byType[a.From.Env+"\x00"+a.Moves.Type+"\x00"+a.From.Name] = a.Address
			}
		}
		if _, ok := c.byKind[a.From.Env+"\x00"+string(a.Kind)+"\x00"+a.From.Name]; !ok {
			c.byKind[a.From.Env+"\x00"+string(a.Kind)+"\x00"+a.From.Name] = a.Address
		}
	}
	for _, m := range b.in.Config.Moves {
		if m.Kind != providers.KindDatabase {
			continue
		}
		if e, ok := b.in.Envs[m.From]; ok {
			c.dbSources[strings.ToLower(e.ID())] = m.Addr()
		}
	}
	return c
}

// MovedBy implements audit.Coverage.
func (c coverage) MovedBy(r providers.Resource) string {
	if a := c.byType[r.Env+"\x00"+r.Type+"\x00"+r.Name]; a != "" {
		return a
	}
	if r.Kind != "" {
		if a := c.byKind[r.Env+"\x00"+string(r.Kind)+"\x00"+r.Name]; a != "" {
			return a
		}
	}
	if ep := strings.ToLower(r.Attrs[providers.AttrEndpoint]); r.Type == providers.TypeDatabaseInstance && ep != "" {
		ids := make([]string, 0, len(c.dbSources))
		for id := range c.dbSources {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if strings.Contains(id, ep) {
				return c.dbSources[id]
			}
		}
	}
	return ""
}

// priceInventory copies the cost report's monthly amounts onto the
// inventory: what each resource costs at the source and what its
// destination equivalent would (unknown prices stay nil).
func (b *builder) priceInventory() {
	type key struct{ env, typ, name string }
	src := map[key]CostItem{}
	dst := map[string]CostItem{} // by address
	for _, c := range b.plan.Cost.Items {
		switch c.Side {
		case cost.SideSource:
			src[key{c.Env, c.Type, c.Name}] = c
		case cost.SideDestination:
			dst[c.Address] = c
		}
	}
	for i := range b.plan.Inventory {
		it := &b.plan.Inventory[i]
		s, ok := src[key{it.Env, it.Type, it.Name}]
		if !ok {
			continue
		}
		it.Currency = b.plan.Cost.Currency
		if !s.Unknown {
			m := s.Monthly
			it.Monthly = &m
		}
		if d, ok := dst[s.Address]; ok {
			it.PricedAs = d.Resource
			if !d.Unknown {
				m := d.Monthly
				it.EquivalentMonthly = &m
			}
		}
	}
}

// discoverRest returns the environment's inventory with the resources of
// the kinds its provider can be the source of but no move asked for (a
// zone nobody moves is left behind, and the audit lists it). Those are
// discovered shallowly; a failure is a warning, not the audit's end.
func (b *builder) discoverRest(ctx context.Context, e *Env) *providers.Inventory {
	if len(e.Scope.Kinds) == 0 {
		return e.Inventory // every kind was discovered
	}
	var rest []providers.Kind
	for k, r := range e.Factory.Caps.Kinds {
		if r.Can(providers.Source) && !e.Scope.Has(k) {
			rest = append(rest, k)
		}
	}
	if len(rest) == 0 {
		return e.Inventory
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	more, err := e.Provider.Discover(ctx, providers.Scope{Kinds: rest, Source: true, Shallow: true})
	if err != nil {
		b.finding(nil, SevWarning, e.Name, "audit.discovery_failed", fmt.Sprint(rest),
			fmt.Sprintf("could not list the %v resources of %q, which no move uses, for the audit: %v", rest, e.Name, err),
			"check the environment's credentials and endpoints for those services; the audit lists what it could see")
		return e.Inventory
	}
	out := *e.Inventory
	out.Resources = append(append([]providers.Resource{}, e.Inventory.Resources...), more.Resources...)
	for i := range out.Resources {
		if out.Resources[i].Env == "" {
			out.Resources[i].Env = e.Name
		}
	}
	out.Sort()
	return &out
}

// zoneReferences gives each zone of the inventory without references the
// targets of its records (CNAME and alias targets, A and AAAA addresses),
// read through the environment's DNS service, so the audit relates
// records to the load balancers, buckets, CDNs and servers they point at.
// A zone that cannot be read is a warning.
func (b *builder) zoneReferences(ctx context.Context, e *Env, inv *providers.Inventory) {
	dns, ok := e.Provider.(providers.DNS)
	if !ok {
		return
	}
	for i, r := range inv.Resources {
		if r.Type != providers.TypeZone || len(r.References) > 0 {
			continue
		}
		sets, err := dns.Records(ctx, r.Name)
		if err != nil {
			b.finding(nil, SevWarning, audit.Address(r), "audit.discovery_failed", "records",
				fmt.Sprintf("could not read the records of zone %q for the audit: %v", r.Name, err), "the audit relates no records of this zone")
			continue
		}
		var refs []string
		for _, s := range sets {
			switch s.Type {
			case "CNAME", "A", "AAAA":
				refs = append(refs, s.Values...)
			}
			if s.Alias != nil && s.Alias.Target != "" {
				refs = append(refs, s.Alias.Target)
			}
		}
		sort.Strings(refs)
		inv.Resources[i].References = slices.Compact(refs)
	}
}
