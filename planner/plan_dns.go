package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

func (b *builder) dns(m *lang.Move) error {
	src, dst := b.in.Envs[m.From], b.in.Envs[m.To]
	sd, dd := src.DNS(), dst.DNS()
	if sd == nil || dd == nil {
		return fmt.Errorf("provider of %s or %s has no DNS", m.From, m.To)
	}
	srcZones := map[string]bool{}
	var all []string
	for _, r := range src.Inventory.OfKind(providers.KindDNS) {
		if r.Type == "zone" {
			n := strings.TrimSuffix(r.Name, ".")
			srcZones[n] = true
			all = append(all, n)
		}
	}
	dstZones := map[string]bool{}
	for _, r := range dst.Inventory.OfKind(providers.KindDNS) {
		if r.Type == "zone" {
			dstZones[strings.TrimSuffix(r.Name, ".")] = true
		}
	}
	zones := m.DNS.Zones
	if len(zones) == 0 {
		zones = all
	}
	sort.Strings(all)
	for _, z := range zones {
		if !srcZones[z] {
			b.finding(m, SevBlocker, Addr(m, "zone", z), "dns.zone_missing", "",
				fmt.Sprintf("zone %q is not in %s (found: %s)", z, m.From, first(all, 10)),
				"correct the zones list, or acknowledge to skip the zone")
			continue
		}
		if err := b.dnsZone(m, src, dst, z, dstZones[z]); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) dnsZone(m *lang.Move, src, dst *Env, zone string, dstExists bool) error {
	fq := Fqdn(zone)
	zoneAddr := Addr(m, "zone", zone)
	recAddr := Addr(m, "records", zone)
	ttlAddr := Addr(m, "source_ttl", zone)
	syncAddr := Addr(m, "cutover_sync", zone)
	from := Endpoint{Env: m.From, Name: zone}
	to := Endpoint{Env: m.To, Name: zone}

	b.container(m, Action{Address: zoneAddr, Move: m.Addr(), Kind: providers.KindDNS, Type: "zone",
		From: from, To: to, Check: fmt.Sprintf("zone %s exists at %s", zone, m.To)}, dstExists,
		fmt.Sprintf("delete zone %s at %s (refused if it holds record sets rehome did not write)", zone, m.To),
		"dns.dest_zone_exists",
		fmt.Sprintf("zone %s already exists at %s; rehome adds and updates record sets and never deletes sets it did not write", zone, m.To))

	srcSets, err := src.DNS().Records(b.ctx, fq)
	if err != nil {
		return fmt.Errorf("read zone %s at %s: %w", zone, m.From, err)
	}
	var dstSets []providers.RecordSet
	if dstExists {
		if dstSets, err = dst.DNS().Records(b.ctx, fq); err != nil {
			return fmt.Errorf("read zone %s at %s: %w", zone, m.To, err)
		}
	}

	// Lowering source TTLs (only when cutover_ttl is set): a recorded,
	// undoable change at the source.
	var deps []string
	if ttl := m.DNS.CutoverTTL; ttl > 0 {
		lower := LowerTTLChanges(srcSets, ttl)
		a := Action{Address: ttlAddr, Move: m.Addr(), Kind: providers.KindDNS, Type: "source_ttl",
			Action: ActNoop, Phase: PhasePrepare, From: from, To: from,
			Params: map[string]string{"zone": zone, "ttl": fmt.Sprint(ttl), "scope": TTLScope(m.Addr(), src.ID(), zone)},
			Check:  fmt.Sprintf("every record set of %s at %s has a TTL of at most %d s", zone, m.From, ttl),
			Undo:   fmt.Sprintf("restore the original TTLs of %s at %s", zone, m.From)}
		if len(lower) > 0 {
			a.Action = ActLowerTTL
			a.Items = ChangeKeys(lower)
			a.Estimate = Estimate{Records: int64(len(lower)), Seconds: 1}
			a.Reason = fmt.Sprintf("lower %s at the source to %d s so the cutover propagates quickly (wait out the old TTLs before cutover)",
				plural(int64(len(lower)), "TTL", "TTLs"), ttl)
			b.finding(m, SevInfo, ttlAddr, "dns.ttl_lowered", "",
				fmt.Sprintf("%s in %s at %s will be lowered to %d s; rollback restores them", plural(int64(len(lower)), "TTL", "TTLs"), zone, m.From, ttl),
				"none needed")
			// The copy then carries the lowered TTLs, so both sides agree
			// during the cutover window.
			srcSets = applyTTL(srcSets, ttl)
		} else {
			a.Reason = "TTLs already at or below the cutover TTL"
		}
		b.add(a)
		deps = append(deps, ttlAddr)
	}

	recs, err := LoadRecords[RecordSetRecord](b.ctx, b.in.Progress, DNSScope(m.Addr(), dst.ID(), zone))
	if err != nil {
		return err
	}
	// Findings first, then the diff that honours acknowledged ones.
	probe := DiffRecords(RecordDiffInput{Zone: fq, Src: srcSets, Dst: dstSets, DstCaps: dst.Factory.Caps.DNS, Records: recs, Overwrite: m.Overwrite})
	skipTypes, skipKeys := map[string]bool{}, map[string]bool{}
	var types []string
	for t := range probe.Unsupported {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		keys := probe.Unsupported[t]
		f := b.finding(m, SevBlocker, recAddr, "dns.unsupported_type", t,
			fmt.Sprintf("%s (%s) cannot hold %s records: %s", m.To, dst.Factory.Name, t, first(keys, 5)),
			"remove the records at the source, or acknowledge to skip them")
		if f.Acknowledged {
			skipTypes[t] = true
		}
	}
	if len(probe.Conflicts) > 0 {
		f := b.finding(m, SevBlocker, recAddr, "dns.dest_conflict", "",
			fmt.Sprintf("%s in %s at %s %s from the source and %s not rehome's (rehome did not write %s, or someone changed %s since): %s",
				plural(int64(len(probe.Conflicts)), "record set", "record sets"), zone, m.To, verb(len(probe.Conflicts), "differs", "differ"),
				verb(len(probe.Conflicts), "is", "are"), verb(len(probe.Conflicts), "it", "them"), verb(len(probe.Conflicts), "it", "them"), first(probe.Conflicts, 5)),
			"set overwrite = true in "+m.Addr()+" to replace them (the originals are kept for rollback), or acknowledge to leave them")
		if f.Acknowledged {
			for _, k := range probe.Conflicts {
				skipKeys[k] = true
			}
		}
	}
	if len(probe.CNAMEClash) > 0 {
		f := b.finding(m, SevBlocker, recAddr, "dns.cname_conflict", "",
			fmt.Sprintf("%s in %s would share a name with a CNAME (or be a CNAME beside other data) at %s, which DNS forbids: %s",
				plural(int64(len(probe.CNAMEClash)), "record set", "record sets"), zone, m.To, first(probe.CNAMEClash, 5)),
			"remove the conflicting set at the destination, or acknowledge to skip the source set")
		if f.Acknowledged {
			for _, k := range probe.CNAMEClash {
				skipKeys[k] = true
			}
		}
	}
	if len(probe.Replaced) > 0 {
		b.finding(m, SevWarning, recAddr, "dns.overwrite", "",
			fmt.Sprintf("%s in %s at %s that rehome did not write will be replaced: %s; rollback restores them",
				plural(int64(len(probe.Replaced)), "record set", "record sets"), zone, m.To, first(probe.Replaced, 5)),
			"none needed if intended")
	}
	if len(probe.Apex) > 0 && dst.Factory.Caps.DNS.OwnApex {
		b.finding(m, SevInfo, recAddr, "dns.apex_not_copied", "",
			fmt.Sprintf("the apex SOA and NS of %s are %s's own and are not copied; delegate the zone to %s's name servers at cutover", zone, m.To, m.To),
			"update the delegation at the registrar when cutting over")
	}
	if len(probe.DestOnly) > 0 {
		b.finding(m, SevInfo, recAddr, "dns.dest_only", "",
			fmt.Sprintf("%s %s only at %s: %s; rehome leaves %s untouched",
				plural(int64(len(probe.DestOnly)), "record set", "record sets"), verb(len(probe.DestOnly), "exists", "exist"), m.To,
				first(probe.DestOnly, 5), verb(len(probe.DestOnly), "it", "them")),
			"none needed")
	}
	d := DiffRecords(RecordDiffInput{Zone: fq, Src: srcSets, Dst: dstSets, DstCaps: dst.Factory.Caps.DNS, Records: recs,
		Overwrite: m.Overwrite, SkipTypes: skipTypes, SkipKeys: skipKeys})

	params := map[string]string{"zone": zone, "overwrite": fmt.Sprint(m.Overwrite), "scope": DNSScope(m.Addr(), dst.ID(), zone)}
	if len(skipTypes) > 0 {
		params["skip_types"] = strings.Join(sortedKeys(skipTypes), ",")
	}
	if m.DNS.CutoverTTL > 0 {
		params["ttl"] = fmt.Sprint(m.DNS.CutoverTTL)
	}
	rec := Action{Address: recAddr, Move: m.Addr(), Kind: providers.KindDNS, Type: "records",
		Action: ActNoop, Phase: PhasePrepare, DependsOn: append([]string{zoneAddr}, deps...), From: from, To: to,
		Params:  params,
		Skipped: append(sortedKeys(skipKeys), d.Skipped...),
		Check:   fmt.Sprintf("every copied record set of %s at %s equals the source's", zone, m.To),
		Undo:    fmt.Sprintf("restore the record sets rehome changed in %s at %s to their previous values and delete those it created", zone, m.To)}
	if n := int64(len(d.Changes)); n > 0 {
		rm := int64(d.Removals)
		rec.Action = ActCopy
		rec.Items = ChangeKeys(d.Changes)
		rec.Estimate = Estimate{Records: n - rm, Removals: rm, Seconds: 1}
		rec.Reason = fmt.Sprintf("%s to write, %d unchanged", plural(n-rm, "record set", "record sets"), d.Unchanged)
		if rm > 0 {
			rec.Reason += fmt.Sprintf("; %s rehome wrote earlier to remove (gone from the source)", plural(rm, "record set", "record sets"))
		}
	} else if len(d.Confirm) > 0 {
		rec.Action = ActCopy
		rec.Reason = fmt.Sprintf("%s an interrupted run wrote, to record (not rewritten)", plural(int64(len(d.Confirm)), "record set", "record sets"))
	} else {
		rec.Reason = fmt.Sprintf("all %s in place", plural(int64(d.Unchanged), "record set", "record sets"))
	}
	b.add(rec)

	sync := rec
	sync.Address, sync.Action, sync.Phase = syncAddr, ActSync, PhaseCutover
	sync.DependsOn = []string{recAddr}
	sync.Items, sync.Estimate = nil, Estimate{}
	sync.Check = rec.Check + ", after a final pass"
	sync.Reason = "final pass over record sets changed at the source since the copy"
	if b.cutoverDone() {
		if len(d.Changes) == 0 {
			sync.Action, sync.Reason = ActNoop, "cutover already ran"
		} else {
			sync.Items, sync.Estimate = rec.Items, rec.Estimate
			sync.Reason = "record sets changed at the source since the cutover"
		}
	}
	b.add(sync)
	return nil
}

func applyTTL(sets []providers.RecordSet, ttl uint32) []providers.RecordSet {
	out := make([]providers.RecordSet, len(sets))
	for i, rs := range sets {
		if rs.Type != "SOA" && rs.TTL > ttl {
			rs.TTL = ttl
		}
		out[i] = rs
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
