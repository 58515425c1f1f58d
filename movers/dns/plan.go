package dns

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// Action types of the dns kind.
const (
	typeZone    = "zone"
	typeRecords = "records"
	typeTTL     = "source_ttl"
)

// recordsParams are the inputs of a zone's copy and of its cutover sync.
type recordsParams struct {
	Zone      string   `json:"zone"`
	Overwrite bool     `json:"overwrite"`
	SkipTypes []string `json:"skip_types,omitempty"`
	// TTL is the move's cutover_ttl, 0 for none.
	TTL uint32 `json:"ttl,omitempty"`
	// FlattenAlias and SkipRules steer the translation: the move's
	// flatten_alias, and the translation rules whose blocked sets the
	// user acknowledged leaving out.
	FlattenAlias bool     `json:"flatten_alias,omitempty"`
	SkipRules    []string `json:"skip_rules,omitempty"`
	// SameAccount and DropHealthChecks steer the health check rule.
	SameAccount      bool `json:"same_account,omitempty"`
	DropHealthChecks bool `json:"drop_health_checks,omitempty"`
	// NotBefore (RFC 3339), on the cutover's sync: the earliest safe
	// cutover, when the source's old TTLs have run out since they were
	// lowered.
	NotBefore string `json:"not_before,omitempty"`
}

// ttlParams are the inputs of lowering a zone's TTLs at the source.
type ttlParams struct {
	Zone string `json:"zone"`
	TTL  uint32 `json:"ttl"`
}

func sides(src, dst *planner.Env) (providers.DNS, providers.DNS, error) {
	return planner.Capabilities[providers.DNS](src, dst, "DNS")
}

func dnsOf(e *planner.Env) (providers.DNS, error) { return planner.Capability[providers.DNS](e, "DNS") }

// Plan plans a dns move: per zone, its create, the lowering of source TTLs
// (when cutover_ttl is set), its record copy and its cutover sync.
func (Mover) Plan(ctx context.Context, mc *planner.MoveContext) error {
	m, src, dst := mc.Move, mc.From, mc.To
	if _, _, err := sides(src, dst); err != nil {
		return err
	}
	srcZones := map[string]bool{}
	var all []string
	for _, r := range src.Inventory.OfKind(Kind) {
		if r.Type == typeZone {
			n := strings.TrimSuffix(r.Name, ".")
			srcZones[n] = true
			all = append(all, n)
		}
	}
	dstZones := map[string]bool{}
	for _, r := range dst.Inventory.OfKind(Kind) {
		if r.Type == typeZone {
			dstZones[strings.TrimSuffix(r.Name, ".")] = true
		}
	}
	zones := settings(m).Zones
	if len(zones) == 0 {
		for _, z := range all {
			if planner.MatchNames(z, settings(m).Include, settings(m).Exclude) {
				zones = append(zones, z)
			}
		}
		sort.Strings(zones)
	}
	sort.Strings(all)
	for _, z := range zones {
		if !srcZones[z] {
			mc.Finding(planner.SevBlocker, mc.Addr(typeZone, z), "dns.zone_missing", "",
				fmt.Sprintf("%s (found: %s)", providers.Missing(src.Provider, m.From, Kind, "zone", z), planner.First(all, 10)),
				"correct the zones list, or acknowledge to skip the zone")
			continue
		}
		if err := planZone(ctx, mc, z, dstZones[z]); err != nil {
			return err
		}
	}
	return nil
}

func sets(n int) string { return planner.Plural(int64(n), "record set", "record sets") }

func planZone(ctx context.Context, mc *planner.MoveContext, zone string, dstExists bool) error {
	m, src, dst := mc.Move, mc.From, mc.To
	cfg := settings(m)
	sd, dd, _ := sides(src, dst)
	fq := Fqdn(zone)
	zoneAddr := mc.Addr(typeZone, zone)
	recAddr := mc.Addr(typeRecords, zone)
	ttlAddr := mc.Addr(typeTTL, zone)
	syncAddr := mc.Addr("cutover_sync", zone)
	from := planner.Endpoint{Env: m.From, Name: zone}
	to := planner.Endpoint{Env: m.To, Name: zone}

	mc.Container(planner.Action{Address: zoneAddr, Type: typeZone, From: from, To: to, Moves: &planner.Moved{Type: "zone"},
		Check: fmt.Sprintf("zone %s exists at %s", zone, m.To)}, dstExists,
		fmt.Sprintf("delete zone %s at %s (refused if it holds record sets rehome did not write)", zone, m.To),
		"dns.dest_zone_exists",
		fmt.Sprintf("zone %s already exists at %s; rehome adds and updates record sets and never deletes sets it did not write", zone, m.To))

	srcSets, err := sd.Records(ctx, fq)
	if err != nil {
		return fmt.Errorf("read zone %s at %s: %w", zone, m.From, err)
	}
	var dstSets []providers.RecordSet
	if dstExists {
		if dstSets, err = dd.Records(ctx, fq); err != nil {
			return fmt.Errorf("read zone %s at %s: %w", zone, m.To, err)
		}
	}

	// Lowering source TTLs (only when cutover_ttl is set): a recorded,
	// undoable change at the source.
	var deps []string
	if ttl := cfg.CutoverTTL; ttl > 0 {
		lower := LowerTTLChanges(srcSets, ttl)
		a := planner.Action{Address: ttlAddr, Type: typeTTL, Action: planner.ActNoop, Phase: planner.PhasePrepare, From: from, To: from,
			Params:  planner.EncodeParams(ttlParams{Zone: zone, TTL: ttl}),
			Options: []planner.Option{{Name: "ttl", Value: fmt.Sprint(ttl)}},
			Scope:   TTLScope(m.Addr(), src.ID(), zone),
			Check:   fmt.Sprintf("every record set of %s at %s has a TTL of at most %d s", zone, m.From, ttl),
			Undo:    fmt.Sprintf("restore the original TTLs of %s at %s", zone, m.From)}
		if len(lower) > 0 {
			var olds []providers.RecordSet
			for _, c := range lower {
				olds = append(olds, *c.Old)
			}
			wait := maxTTL(olds)
			a.Action = planner.ActLowerTTL
			a.Items = ChangeKeys(lower)
			// The step's duration is the wait it starts: resolvers keep
			// the old TTLs that long.
			a.Estimate = planner.Estimate{Items: int64(len(lower)), Seconds: float64(wait),
				Basis: fmt.Sprintf("wait: the longest TTL lowered (%d s) must expire before the cutover", wait)}
			a.Reason = fmt.Sprintf("lower %s at the source to %d s so the cutover propagates quickly; the cutover waits %d s (the highest old TTL) after this step",
				planner.Plural(int64(len(lower)), "TTL", "TTLs"), ttl, wait)
			mc.Finding(planner.SevInfo, ttlAddr, "dns.ttl_lowered", "",
				fmt.Sprintf("%s in %s at %s will be lowered to %d s; rollback restores them", planner.Plural(int64(len(lower)), "TTL", "TTLs"), zone, m.From, ttl),
				"none needed")
		} else {
			a.Reason = "TTLs already at or below the cutover TTL"
		}
		mc.Add(a)
		deps = append(deps, ttlAddr)
	}

	// The destination keeps the original TTLs of the sets rehome lowered.
	if srcSets, err = originalTTLs(ctx, mc.Progress(), TTLScope(m.Addr(), src.ID(), zone), srcSets, cfg.CutoverTTL); err != nil {
		return err
	}
	recs, err := planner.LoadRecords[SetRecord](ctx, mc.Progress(), Scope(m.Addr(), dst.ID(), zone))
	if err != nil {
		return err
	}
	// Findings first, then the diff that honours acknowledged ones.
	dcaps := dst.Factory.Caps.DNS
	var dstZoneID string
	for _, r := range dst.Inventory.OfKind(Kind) {
		if r.Type == typeZone && strings.TrimSuffix(r.Name, ".") == zone {
			dstZoneID = r.ID
		}
	}
	tin := TranslateInput{Zone: fq, Src: srcSets, Caps: dcaps, FlattenAlias: cfg.FlattenAlias, DstZoneID: dstZoneID, SameAccount: sameAccount(src, dst)}
	tr := Translate(tin)
	skipRules := reportTranslation(mc, recAddr, zone, tr)
	if i := slices.Index(skipRules, ruleHealthCheck); i >= 0 {
		// Acknowledged: the sets are written without their health checks.
		skipRules = slices.Delete(skipRules, i, i+1)
		tin.DropHealthChecks = true
		tr = Translate(tin)
	}
	srcSets = tr.Sets
	probe := Diff(DiffInput{Zone: fq, Src: srcSets, Dst: dstSets, DstCaps: dcaps, Records: recs, Overwrite: m.Overwrite})
	skipTypes, skipKeys := map[string]bool{}, map[string]bool{}
	var needs []string
	for t := range probe.Unsupported {
		needs = append(needs, t)
	}
	sort.Strings(needs)
	for _, t := range needs {
		keys := probe.Unsupported[t]
		code, msg := "dns.unsupported_type", fmt.Sprintf("%s (%s) cannot hold %s records: %s", m.To, dst.Factory.Name, t, planner.First(keys, 5))
		switch t {
		case needRouting:
			code = "dns.routing_unsupported"
			msg = fmt.Sprintf("%s (%s) has no routing policies (weighted, latency, geolocation, failover, multivalue); %s would lose how resolvers choose among them: %s",
				m.To, dst.Factory.Name, sets(len(keys)), planner.First(keys, 5))
		case needAlias:
			code = "dns.alias_unsupported"
			msg = fmt.Sprintf("%s (%s) has no alias records; %s would no longer follow their targets: %s",
				m.To, dst.Factory.Name, sets(len(keys)), planner.First(keys, 5))
		}
		f := mc.Finding(planner.SevBlocker, recAddr, code, t, msg, "remove the records at the source, or acknowledge to skip them")
		if f.Acknowledged {
			skipTypes[t] = true
		}
	}
	if n := len(probe.Conflicts); n > 0 {
		f := mc.Finding(planner.SevBlocker, recAddr, "dns.dest_conflict", "",
			fmt.Sprintf("%s in %s at %s %s from the source and %s not rehome's (rehome did not write %s, or someone changed %s since): %s",
				sets(n), zone, m.To, planner.Verb(n, "differs", "differ"),
				planner.Verb(n, "is", "are"), planner.Verb(n, "it", "them"), planner.Verb(n, "it", "them"), planner.First(probe.Conflicts, 5)),
			"set overwrite = true in "+m.Addr()+" to replace them (the originals are kept for rollback), or acknowledge to leave them")
		if f.Acknowledged {
			for _, k := range probe.Conflicts {
				skipKeys[k] = true
			}
		}
	}
	if n := len(probe.CNAMEClash); n > 0 {
		f := mc.Finding(planner.SevBlocker, recAddr, "dns.cname_conflict", "",
			fmt.Sprintf("%s in %s would share a name with a CNAME (or be a CNAME beside other data) at %s, which DNS forbids: %s",
				sets(n), zone, m.To, planner.First(probe.CNAMEClash, 5)),
			"remove the conflicting set at the destination, or acknowledge to skip the source set")
		if f.Acknowledged {
			for _, k := range probe.CNAMEClash {
				skipKeys[k] = true
			}
		}
	}
	if n := len(probe.Replaced); n > 0 {
		mc.Finding(planner.SevWarning, recAddr, "dns.overwrite", "",
			fmt.Sprintf("%s in %s at %s that rehome did not write will be replaced: %s; rollback restores them",
				sets(n), zone, m.To, planner.First(probe.Replaced, 5)),
			"none needed if intended")
	}
	if len(probe.Apex) > 0 && dcaps.OwnApex {
		mc.Finding(planner.SevInfo, recAddr, "dns.apex_not_copied", "",
			fmt.Sprintf("the apex SOA and NS of %s are %s's own and are not copied; delegate the zone to %s's name servers at cutover", zone, m.To, m.To),
			"update the delegation at the registrar when cutting over")
	}
	if n := len(probe.DestOnly); n > 0 {
		mc.Finding(planner.SevInfo, recAddr, "dns.dest_only", "",
			fmt.Sprintf("%s %s only at %s: %s; rehome leaves %s untouched",
				sets(n), planner.Verb(n, "exists", "exist"), m.To, planner.First(probe.DestOnly, 5), planner.Verb(n, "it", "them")),
			"none needed")
	}
	d := Diff(DiffInput{Zone: fq, Src: srcSets, Dst: dstSets, DstCaps: dcaps, Records: recs,
		Overwrite: m.Overwrite, SkipTypes: skipTypes, SkipKeys: skipKeys})

	if touched, n, over := overThreshold(fq, dcaps, dstSets, d.Changes); over {
		mc.Finding(planner.SevWarning, recAddr, "dns.threshold", "",
			fmt.Sprintf("the copy updates or deletes %d of the %s in %s at %s (more than %.0f%% of a zone of %d or more): apply refuses it without -force",
				touched, sets(n), zone, m.To, thresholdShare*100, thresholdMin),
			"review the changes, then apply with -force")
	}
	p := recordsParams{Zone: zone, Overwrite: m.Overwrite, SkipTypes: slices.Sorted(maps.Keys(skipTypes)), TTL: cfg.CutoverTTL,
		FlattenAlias: cfg.FlattenAlias, SkipRules: skipRules, SameAccount: tin.SameAccount, DropHealthChecks: tin.DropHealthChecks}
	var options []planner.Option
	if p.TTL > 0 {
		options = append(options, planner.Option{Name: "ttl", Value: fmt.Sprint(p.TTL)})
	}
	if p.Overwrite {
		options = append(options, planner.Option{Name: "overwrite", Value: "true"})
	}
	if len(p.SkipTypes) > 0 {
		options = append(options, planner.Option{Name: "skip_types", Value: strings.Join(p.SkipTypes, ",")})
	}
	if p.FlattenAlias {
		options = append(options, planner.Option{Name: "flatten_alias", Value: "true"})
	}
	rec := planner.Action{Address: recAddr, Type: typeRecords, Action: planner.ActNoop, Phase: planner.PhasePrepare,
		DependsOn: append([]string{zoneAddr}, deps...), From: from, To: to,
		Params: planner.EncodeParams(p), Options: options, Scope: Scope(m.Addr(), dst.ID(), zone), Covered: true,
		Skipped: append(d.Skipped, skippedByRules(tr, skipRules)...),
		Check:   fmt.Sprintf("every copied record set of %s at %s equals the source's", zone, m.To),
		Undo:    fmt.Sprintf("restore the record sets rehome changed in %s at %s to their previous values and delete those it created", zone, m.To)}
	if n := int64(len(d.Changes)); n > 0 {
		rm := int64(d.Removals)
		rec.Action = planner.ActCopy
		rec.Items = ChangeKeys(d.Changes)
		rec.Changes = recordChanges(d.Changes)
		rec.Estimate = planner.Estimate{Items: n - rm, Removals: rm, Seconds: 1}
		rec.Reason = fmt.Sprintf("%s to write, %d unchanged", sets(int(n-rm)), d.Unchanged)
		if rm > 0 {
			rec.Reason += fmt.Sprintf("; %s rehome wrote earlier to remove (gone from the source)", sets(int(rm)))
		}
	} else if len(d.Confirm) > 0 {
		rec.Action = planner.ActCopy
		rec.Reason = fmt.Sprintf("%s an interrupted run wrote, to record (not rewritten)", sets(len(d.Confirm)))
	} else {
		rec.Reason = fmt.Sprintf("all %s in place", sets(d.Unchanged))
	}
	mc.Add(rec)

	sync := rec
	sync.Address, sync.Action, sync.Phase, sync.Covered = syncAddr, planner.ActSync, planner.PhaseCutover, false
	sync.DependsOn = []string{recAddr}
	sync.Items, sync.Changes, sync.Estimate = nil, nil, planner.Estimate{}
	sync.Check = rec.Check + ", after a final pass"
	sync.Reason = "final pass over record sets changed at the source since the copy"
	if t, wait := notBefore(mc.State().FindResource(ttlAddr)); !t.IsZero() && cfg.CutoverTTL > 0 {
		sp := p
		sp.NotBefore = t.UTC().Format(time.RFC3339)
		sync.Params = planner.EncodeParams(sp)
		sync.Options = append(slices.Clone(sync.Options), planner.Option{Name: "not_before", Value: sp.NotBefore})
		sync.Reason += fmt.Sprintf("; not before %s, when the old TTLs (up to %d s) have run out since they were lowered", sp.NotBefore, wait)
	}
	if mc.CutoverDone() {
		if len(d.Changes) == 0 {
			sync.Action, sync.Reason = planner.ActNoop, "cutover already ran"
		} else {
			sync.Items, sync.Changes, sync.Estimate = rec.Items, rec.Changes, rec.Estimate
			sync.Reason = "record sets changed at the source since the cutover"
		}
	}
	mc.Add(sync)
	deps = []string{syncAddr}
	if v := planVerify(mc, zone, p, syncAddr); v != "" {
		deps = append(deps, v)
	}
	return planCutoverSteps(ctx, mc, zone, sd, srcSets, dstSets, tr, deps)
}
