package digitalocean

// DigitalOcean Domains through godo: a per-record API, grouped here into
// record sets by owner name and type.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"
	"github.com/miekg/dns"

	"github.com/rehome/rehome/providers"
)

// dnsRecordTypes are the record types DigitalOcean Domains holds.
func dnsRecordTypes() []string {
	return []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"}
}

// dnsCaps is DigitalOcean Domains' table (docs.digitalocean.com, DNS
// records and the API's domain records): the types above, TTLs of 30 s
// and more, wildcards, its own apex SOA (not editable) and NS
// (ns1-3.digitalocean.com), TXT held as one string, CAA tags issue,
// issuewild and iodef; no routing policies, no alias records, no DNSSEC
// signing.
func dnsCaps() providers.DNSCaps {
	return providers.DNSCaps{
		RecordTypes: dnsRecordTypes(),
		OwnApex:     true,
		Wildcards:   true,
		MinTTL:      30,
		TXTJoined:   true,
		CAATags:     []string{"issue", "issuewild", "iodef"},
		DNSSEC:      false, // DigitalOcean does not sign zones
	}
}

var _ providers.DNS = (*Provider)(nil)

// Per-page size for listings (the API's maximum).
const perPage = 200

// doErr says what a failed call was about: 404 wraps ErrNotFound, 429 and
// 5xx are transient.
func doErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var er *godo.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch c := er.Response.StatusCode; {
		case c == http.StatusNotFound:
			return fmt.Errorf("digitalocean: %s: %w (%w)", what, err, providers.ErrNotFound)
		case c == http.StatusTooManyRequests || c >= 500:
			return providers.Retryable(fmt.Errorf("digitalocean: %s: %w", what, err))
		}
	}
	return fmt.Errorf("digitalocean: %s: %w", what, err)
}

// hostFQ reads a host name as the API returns it: "@" is the apex, other
// names are fully qualified without the trailing dot.
func hostFQ(zoneFQ, data string) string {
	switch {
	case data == "@":
		return zoneFQ
	case strings.HasSuffix(data, "."):
		return strings.ToLower(data)
	}
	return strings.ToLower(data) + "."
}

// Zones lists the account's domains with DigitalOcean's name servers.
func (p *Provider) Zones(ctx context.Context) ([]providers.Zone, error) {
	var out []providers.Zone
	opt := &godo.ListOptions{Page: 1, PerPage: perPage}
	for {
		ds, resp, err := p.api.Domains.List(ctx, opt)
		if err != nil {
			return nil, doErr("list domains", err)
		}
		for _, d := range ds {
			out = append(out, zoneOf(d.Name))
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			break
		}
		opt.Page++
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func zoneOf(name string) providers.Zone {
	var ns []string
	for _, n := range doNameservers {
		ns = append(ns, n+".")
	}
	return providers.Zone{Name: name + ".", ID: name, Nameservers: ns}
}

// doNameservers are the apex NS records DigitalOcean writes into every
// domain.
var doNameservers = []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"}

// CreateZone creates a domain (without an apex A); DigitalOcean writes
// its SOA and NS records.
func (p *Provider) CreateZone(ctx context.Context, z providers.Zone) (providers.Zone, error) {
	n, err := providers.APIZoneName(z.Name)
	if err != nil {
		return providers.Zone{}, fmt.Errorf("digitalocean: create domain: %w", err)
	}
	if _, _, err := p.api.Domains.Get(ctx, n); err == nil {
		return providers.Zone{}, fmt.Errorf("digitalocean: create domain %s: %w", n, providers.ErrExists)
	} else if err := doErr("look up domain "+n, err); !errors.Is(err, providers.ErrNotFound) {
		return providers.Zone{}, err
	}
	d, _, err := p.api.Domains.Create(ctx, &godo.DomainCreateRequest{Name: n})
	if err != nil {
		var er *godo.ErrorResponse
		if errors.As(err, &er) && strings.Contains(strings.ToLower(er.Message), "already exists") {
			return providers.Zone{}, fmt.Errorf("digitalocean: create domain %s: %w (%w)", n, err, providers.ErrExists)
		}
		return providers.Zone{}, doErr("create domain "+n, err)
	}
	p.log.InfoContext(ctx, "digitalocean: created domain", "domain", d.Name)
	return zoneOf(d.Name), nil
}

// DeleteZone deletes a domain and its records; ErrNotFound when absent.
func (p *Provider) DeleteZone(ctx context.Context, name string) error {
	n, err := providers.APIZoneName(name)
	if err != nil {
		return fmt.Errorf("digitalocean: delete domain: %w", err)
	}
	if _, err := p.api.Domains.Delete(ctx, n); err != nil {
		return doErr("delete domain "+n, err)
	}
	return nil
}

// allRecords lists a domain's records, every page.
func (p *Provider) allRecords(ctx context.Context, n string) ([]godo.DomainRecord, error) {
	var out []godo.DomainRecord
	opt := &godo.ListOptions{Page: 1, PerPage: perPage}
	for {
		rs, resp, err := p.api.Domains.Records(ctx, n, opt)
		if err != nil {
			return nil, doErr("list records of domain "+n, err)
		}
		out = append(out, rs...)
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return out, nil
		}
		opt.Page++
	}
}

// txtValue renders TXT data (one string) as DigitalOcean serves it:
// quoted strings of at most 255 characters.
func txtValue(data string) string {
	var parts []string
	for chunk := range slices.Chunk([]byte(data), 255) {
		parts = append(parts, `"`+escapeTXT(string(chunk))+`"`)
	}
	if len(parts) == 0 {
		return `""`
	}
	return strings.Join(parts, " ")
}

func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 32 || c > 126:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rdata returns a record's RDATA as sent on the wire (miekg/dns packs
// it), which holds TXT and CAA text unescaped.
func rdata(rr dns.RR) ([]byte, error) {
	buf := make([]byte, dns.Len(rr)+1)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return nil, err
	}
	n := int(rr.Header().Rdlength)
	return buf[off-n : off], nil
}

// txtText is a TXT record's strings, joined.
func txtText(rr *dns.TXT) (string, error) {
	w, err := rdata(rr)
	if err != nil {
		return "", err
	}
	var b []byte
	for len(w) > 0 {
		n := int(w[0])
		if 1+n > len(w) {
			return "", errors.New("truncated TXT string")
		}
		b, w = append(b, w[1:1+n]...), w[1+n:]
	}
	return string(b), nil
}

// caaValue is a CAA record's value, unescaped (RFC 8659: flags, tag
// length, tag, value).
func caaValue(rr *dns.CAA) (string, error) {
	w, err := rdata(rr)
	if err != nil {
		return "", err
	}
	if len(w) < 2 || 2+int(w[1]) > len(w) {
		return "", errors.New("truncated CAA record")
	}
	return string(w[2+int(w[1]):]), nil
}

// value renders one API record as zone-file RDATA.
func value(zoneFQ string, r godo.DomainRecord) string {
	switch r.Type {
	case "CNAME", "NS":
		return hostFQ(zoneFQ, r.Data)
	case "MX":
		return fmt.Sprintf("%d %s", r.Priority, hostFQ(zoneFQ, r.Data))
	case "SRV":
		return fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, hostFQ(zoneFQ, r.Data))
	case "CAA":
		return fmt.Sprintf("%d %s \"%s\"", r.Flags, r.Tag, escapeTXT(r.Data))
	case "TXT":
		return txtValue(r.Data)
	}
	return r.Data
}

// soaValue is the domain's SOA as its zone file shows it; DigitalOcean's
// SOA record itself holds only the negative-caching TTL.
func soaValue(zoneFQ string, d *godo.Domain, r godo.DomainRecord) string {
	if d != nil && d.ZoneFile != "" {
		zp := dns.NewZoneParser(strings.NewReader(d.ZoneFile), zoneFQ, "")
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			if soa, isSOA := rr.(*dns.SOA); isSOA {
				return strings.TrimPrefix(soa.String(), soa.Hdr.String())
			}
		}
	}
	return fmt.Sprintf("%s. hostmaster.%s 0 10800 3600 604800 %s", doNameservers[0], zoneFQ, r.Data)
}

// doSet is a record set with the API records that hold it, by value.
type doSet struct {
	set  providers.RecordSet
	recs map[string][]godo.DomainRecord
}

// sets groups a domain's records into record sets (TTL: the lowest of
// the set's records), values normalised.
func (p *Provider) sets(ctx context.Context, n string) (map[string]*doSet, error) {
	zoneFQ := n + "."
	d, _, err := p.api.Domains.Get(ctx, n)
	if err != nil {
		return nil, doErr("get domain "+n, err)
	}
	recs, err := p.allRecords(ctx, n)
	if err != nil {
		return nil, err
	}
	out := map[string]*doSet{}
	for _, r := range recs {
		v := value(zoneFQ, r)
		if r.Type == "SOA" {
			v = soaValue(zoneFQ, d, r)
		}
		norm, _, err := providers.NormalizeSet(zoneFQ, providers.RecordSet{Name: providers.AbsoluteName(zoneFQ, r.Name), Type: r.Type, TTL: uint32(max(r.TTL, 0)), Values: []string{v}})
		if err != nil {
			return nil, fmt.Errorf("digitalocean: domain %s: read record %d: %w", n, r.ID, err)
		}
		k := norm.Key()
		s, ok := out[k]
		if !ok {
			s = &doSet{set: providers.RecordSet{Name: norm.Name, Type: norm.Type, TTL: norm.TTL}, recs: map[string][]godo.DomainRecord{}}
			out[k] = s
		}
		s.set.TTL = min(s.set.TTL, norm.TTL)
		s.recs[norm.Values[0]] = append(s.recs[norm.Values[0]], r)
	}
	for _, s := range out {
		for v := range s.recs {
			s.set.Values = append(s.set.Values, v)
		}
		sort.Strings(s.set.Values)
	}
	return out, nil
}

// Records lists the domain's record sets, its SOA and NS included.
func (p *Provider) Records(ctx context.Context, zone string) ([]providers.RecordSet, error) {
	n, err := providers.APIZoneName(zone)
	if err != nil {
		return nil, fmt.Errorf("digitalocean: records: %w", err)
	}
	m, err := p.sets(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("records of zone %s: %w", zone, err)
	}
	out := make([]providers.RecordSet, 0, len(m))
	for _, s := range m {
		out = append(out, s.set)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, nil
}

// request turns one parsed record into the API's fields.
func request(zoneFQ string, rr dns.RR, ttl uint32) (godo.DomainRecordEditRequest, error) {
	h := rr.Header()
	var err error
	req := godo.DomainRecordEditRequest{Type: dns.TypeToString[h.Rrtype], Name: providers.RelativeName(zoneFQ, strings.ToLower(h.Name)), TTL: int(ttl)}
	switch r := rr.(type) {
	case *dns.A:
		req.Data = r.A.String()
	case *dns.AAAA:
		req.Data = r.AAAA.String()
	case *dns.CNAME:
		req.Data = r.Target
	case *dns.NS:
		req.Data = r.Ns
	case *dns.MX:
		req.Data, req.Priority = r.Mx, int(r.Preference)
	case *dns.SRV:
		req.Data, req.Priority, req.Weight, req.Port = r.Target, int(r.Priority), int(r.Weight), int(r.Port)
	case *dns.CAA:
		req.Flags, req.Tag = int(r.Flag), r.Tag
		req.Data, err = caaValue(r)
	case *dns.TXT:
		req.Data, err = txtText(r)
	}
	return req, err
}

// desired is one value of a set bound for DigitalOcean and the record
// fields that hold it.
type desired struct {
	value string
	req   godo.DomainRecordEditRequest
}

// checkSet normalises a set bound for DigitalOcean and refuses what it
// cannot hold exactly, naming the set.
func checkSet(zoneFQ string, rs providers.RecordSet) (providers.RecordSet, []desired, error) {
	if rs.Routing != nil || rs.SetID != "" {
		return rs, nil, fmt.Errorf("record set %s: DigitalOcean has no routing policies", rs.Key())
	}
	if rs.Alias != nil {
		return rs, nil, fmt.Errorf("record set %s: DigitalOcean has no alias records", rs.Key())
	}
	if err := providers.ASCIIName(rs.Name); err != nil {
		return rs, nil, fmt.Errorf("record set %s: %w", rs.Key(), err)
	}
	norm, rrs, err := providers.NormalizeSet(zoneFQ, rs)
	if err != nil {
		return norm, nil, err
	}
	if !slices.Contains(dnsRecordTypes(), norm.Type) || norm.Type == "SOA" {
		why := "cannot hold " + norm.Type + " records"
		if norm.Type == "SOA" {
			why = "writes its own SOA, which cannot be edited"
		}
		return norm, nil, fmt.Errorf("record set %s: DigitalOcean %s", norm.Key(), why)
	}
	if norm.TTL < dnsCaps().MinTTL {
		return norm, nil, fmt.Errorf("record set %s: TTL %d is under DigitalOcean's minimum of %d s", norm.Key(), norm.TTL, dnsCaps().MinTTL)
	}
	var out []desired
	seen := map[string]bool{}
	for _, rr := range rrs {
		req, err := request(zoneFQ, rr, norm.TTL)
		if err != nil {
			return norm, nil, fmt.Errorf("record set %s: %w", norm.Key(), err)
		}
		// What DigitalOcean will serve for these fields must be the value
		// asked for, exactly.
		back, _, err := providers.NormalizeSet(zoneFQ, providers.RecordSet{Name: norm.Name, Type: norm.Type, TTL: norm.TTL,
			Values: []string{value(zoneFQ, godo.DomainRecord{Type: req.Type, Data: hostData(zoneFQ, req), Priority: req.Priority,
				Port: req.Port, Weight: req.Weight, Flags: req.Flags, Tag: req.Tag})}})
		orig := strings.TrimPrefix(rr.String(), rr.Header().String())
		if err != nil || back.Values[0] != orig {
			got := "nothing"
			if err == nil {
				got = back.Values[0]
			}
			return norm, nil, fmt.Errorf("record set %s: DigitalOcean cannot hold the value %s exactly (it would serve %s; TXT is held as one string, split at 255 characters)", norm.Key(), orig, got)
		}
		if !seen[orig] {
			seen[orig] = true
			out = append(out, desired{value: orig, req: req})
		}
	}
	return norm, out, nil
}

// hostData is the data field as the API would store it (host names
// without the trailing dot).
func hostData(zoneFQ string, req godo.DomainRecordEditRequest) string {
	switch req.Type {
	case "CNAME", "NS", "MX", "SRV":
		if req.Data == zoneFQ {
			return "@"
		}
		return strings.TrimSuffix(req.Data, ".")
	}
	return req.Data
}

// ApplyRecords checks every change first (shape, values DigitalOcean can
// hold exactly, and that each update or delete names the set as it
// stands; a create over an equal set is a no-op), then writes per record:
// records whose value stays keep their ids (a TTL change edits them in
// place), a removed value's record is edited into an added one where it
// can, and the rest are created or deleted. DigitalOcean has no
// transaction: a failure part way leaves the earlier writes made, and the
// error names the set and record.
func (p *Provider) ApplyRecords(ctx context.Context, zone string, changes []providers.RecordChange) error {
	n, err := providers.APIZoneName(zone)
	if err != nil {
		return fmt.Errorf("digitalocean: apply records: %w", err)
	}
	cur, err := p.sets(ctx, n)
	if err != nil {
		return fmt.Errorf("apply records to zone %s: %w", zone, err)
	}
	if len(changes) == 0 {
		return nil
	}
	zoneFQ := n + "."
	sets := make(map[string]providers.RecordSet, len(cur))
	for k, ds := range cur {
		sets[k] = ds.set
	}
	checked, err := providers.CheckChanges(zoneFQ, sets, changes, func(rs providers.RecordSet) (providers.RecordSet, error) {
		norm, _, err := checkSet(zoneFQ, rs)
		return norm, err
	})
	if err != nil {
		return fmt.Errorf("digitalocean: apply records to domain %s: %w", n, err)
	}
	type plan struct {
		key  string
		have *doSet
		want []desired
		ttl  uint32
	}
	var plans []plan
	for _, c := range checked {
		pl := plan{key: c.New.Key(), ttl: c.New.TTL}
		if c.Op != providers.ChangeCreate {
			if c.Old.Type == "SOA" {
				return fmt.Errorf("digitalocean: apply records to domain %s: %s %s: DigitalOcean writes its own SOA, which cannot be edited", n, c.Op, c.Old.Key())
			}
			pl.key, pl.have = c.Old.Key(), cur[c.Old.Key()]
		}
		if c.Op != providers.ChangeDelete {
			if _, pl.want, err = checkSet(zoneFQ, c.New); err != nil {
				return err
			}
		}
		plans = append(plans, pl)
	}
	for _, pl := range plans {
		if err := p.writeSet(ctx, n, pl.key, pl.have, pl.want, pl.ttl); err != nil {
			return err
		}
	}
	p.log.DebugContext(ctx, "digitalocean: applied record changes", "domain", n, "changes", len(plans))
	return nil
}

// writeSet makes the records of one set hold want (nothing: delete them).
func (p *Provider) writeSet(ctx context.Context, n, key string, have *doSet, want []desired, ttl uint32) error {
	var spare []godo.DomainRecord // records whose value goes
	keep := map[string]bool{}
	if have != nil {
		wanted := map[string]bool{}
		for _, d := range want {
			wanted[d.value] = true
		}
		for _, v := range have.set.Values {
			recs := have.recs[v]
			if wanted[v] {
				keep[v] = true
				for _, r := range recs[:1] {
					if r.TTL != int(ttl) {
						if err := p.edit(ctx, n, key, r.ID, want[slices.IndexFunc(want, func(d desired) bool { return d.value == v })].req); err != nil {
							return err
						}
					}
				}
				spare = append(spare, recs[1:]...) // duplicates of one value
				continue
			}
			spare = append(spare, recs...)
		}
	}
	for _, d := range want {
		if keep[d.value] {
			continue
		}
		if len(spare) > 0 {
			r := spare[0]
			spare = spare[1:]
			if err := p.edit(ctx, n, key, r.ID, d.req); err != nil {
				return err
			}
			continue
		}
		req := d.req
		if _, _, err := p.api.Domains.CreateRecord(ctx, n, &req); err != nil {
			return doErr(fmt.Sprintf("domain %s: create record %s %s", n, key, d.value), err)
		}
	}
	for _, r := range spare {
		if _, err := p.api.Domains.DeleteRecord(ctx, n, r.ID); err != nil {
			return doErr(fmt.Sprintf("domain %s: delete record %d of %s", n, r.ID, key), err)
		}
	}
	return nil
}

func (p *Provider) edit(ctx context.Context, n, key string, id int, req godo.DomainRecordEditRequest) error {
	if _, _, err := p.api.Domains.EditRecord(ctx, n, id, &req); err != nil {
		return doErr(fmt.Sprintf("domain %s: edit record %d of %s", n, id, key), err)
	}
	return nil
}

// discoverZones lists the domains as inventory.
func (p *Provider) discoverZones(ctx context.Context) ([]providers.Resource, error) {
	zs, err := p.Zones(ctx)
	if err != nil {
		return nil, err
	}
	var out []providers.Resource
	for _, z := range zs {
		n := strings.TrimSuffix(z.Name, ".")
		m, err := p.sets(ctx, n)
		if err != nil {
			return nil, err
		}
		var recs int64
		for _, s := range m {
			recs += int64(len(s.set.Values))
		}
		out = append(out, providers.Resource{
			Env: p.env, Provider: Name, Kind: providers.KindDNS, Type: providers.TypeZone, ID: n, Name: n,
			Attrs: map[string]string{
				"nameservers": strings.Join(z.Nameservers, ","),
				"record_sets": strconv.Itoa(len(m)),
			},
			Usage: providers.Usage{Records: recs},
		})
	}
	return out, nil
}
