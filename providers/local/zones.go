package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/rehome/rehome/providers"
)

// ErrZoneChanged is returned (wrapped) by ApplyRecords when a change's Old
// set no longer matches the zone file: someone edited it since it was read.
var ErrZoneChanged = errors.New("zone changed since it was read")

// SOA timers of zones CreateZone writes.
const (
	soaTTL     = 3600
	soaRefresh = 3600
	soaRetry   = 900
	soaExpire  = 1209600
	soaMinimum = 300
)

func (p *Provider) zonesRoot() string { return filepath.Join(p.root, zonesDir) }

// zoneName normalises a zone name: lower case, fully qualified.
func zoneName(name string) (string, error) {
	n := strings.ToLower(dns.Fqdn(strings.TrimSpace(name)))
	if _, ok := dns.IsDomainName(n); !ok || n == "." {
		return "", fmt.Errorf("%q is not a zone name", name)
	}
	if strings.ContainsAny(n, "/\\\x00") || strings.HasPrefix(n, ".") {
		return "", fmt.Errorf("zone name %q cannot be a file name", name)
	}
	return n, nil
}

// zoneFiles maps zone names (lower case, trailing dot) to their files.
func (p *Provider) zoneFiles() (map[string]string, error) {
	ents, err := os.ReadDir(p.zonesRoot())
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local: list zones in %s: %w", p.zonesRoot(), err)
	}
	out := map[string]string{}
	for _, e := range ents {
		base, ok := strings.CutSuffix(e.Name(), zoneFileSuffix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		n, err := zoneName(base)
		if err != nil {
			continue
		}
		fp := filepath.Join(p.zonesRoot(), e.Name())
		if prev, dup := out[n]; dup {
			return nil, fmt.Errorf("local: zone %s has two files, %s and %s", n, prev, fp)
		}
		out[n] = fp
	}
	return out, nil
}

// zonePath finds the file of zone name; ErrNotFound when there is none.
func (p *Provider) zonePath(name string) (string, string, error) {
	if err := p.configured(); err != nil {
		return "", "", err
	}
	n, err := zoneName(name)
	if err != nil {
		return "", "", err
	}
	files, err := p.zoneFiles()
	if err != nil {
		return "", "", err
	}
	fp, ok := files[n]
	if !ok {
		return n, "", fmt.Errorf("zone %q: %s: %w", strings.TrimSuffix(n, "."), p.Where(providers.KindDNS, n), providers.ErrNotFound)
	}
	return n, fp, nil
}

// zoneData is a parsed zone file.
type zoneData struct {
	name string // "example.com."
	path string
	sets map[string]*providers.RecordSet
	// orig and origRRs are the file as read and its records in file
	// order, so that a change of TTLs and the serial only is written as
	// an edit of those fields (zoneedit.go), keeping the rest of the file.
	orig    []byte
	origRRs []dns.RR
}

// parseErrorRE splits a miekg/dns parse error: `dns: WHAT: "TOKEN" at
// line: L:C`.
var parseErrorRE = regexp.MustCompile(`^dns: (.*?): ("(?:[^"\\]|\\.)*") at line: (\d+):(\d+)`)

// zoneParseError rewrites a zone parser error in plain words, naming the
// file, line and column once: "zones/example.com.zone:4:10: unknown
// record type "AA"".
func zoneParseError(path string, err error) string {
	m := parseErrorRE.FindStringSubmatch(err.Error())
	if m == nil {
		return path + ": " + strings.TrimPrefix(err.Error(), "dns: ")
	}
	what, tok, line, col := m[1], m[2], m[3], m[4]
	token, uerr := strconv.Unquote(tok)
	if uerr != nil {
		token = tok
	}
	msg := what + " " + tok
	switch {
	case what == "not a TTL" || what == "unknown RR type" || strings.HasPrefix(what, "expecting RR type"):
		// After an owner and class, anything that is not a TTL and not a
		// known type lands here.
		if _, known := dns.StringToType[strings.ToUpper(token)]; !known {
			msg = fmt.Sprintf("unknown record type %q", token)
		}
	case strings.HasPrefix(what, "bad "):
		typ := strings.Fields(strings.TrimPrefix(what, "bad "))
		part := ""
		if len(typ) > 1 && !strings.EqualFold(typ[1], typ[0]) {
			field := strings.ToLower(strings.Join(typ[1:], " "))
			if f, ok := map[string]string{"pref": "preference", "txt": "text", "a": "address", "aaaa": "address"}[field]; ok {
				field = f
			}
			part = " (the " + field + ")"
		}
		if len(typ) > 0 {
			msg = fmt.Sprintf("%s record with bad data%s: %q", typ[0], part, token)
		}
	case strings.HasPrefix(what, "bad owner name"):
		msg = fmt.Sprintf("bad owner name %q", token)
	case what == "garbage after rdata":
		msg = fmt.Sprintf("unexpected text after the record's data: %q", token)
	}
	return fmt.Sprintf("%s:%s:%s: %s", path, line, col, msg)
}

// readZone parses a BIND zone file with miekg/dns. $ORIGIN and $TTL are
// honoured; $INCLUDE is refused.
func readZone(ctx context.Context, name, path string) (*zoneData, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("local: read zone %s: %w", name, err)
	}
	zp := dns.NewZoneParser(bytes.NewReader(data), name, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("zone %s: %s", name, zoneParseError(path, err))
	}
	z := &zoneData{name: name, path: path, sets: map[string]*providers.RecordSet{}, orig: data, origRRs: rrs}
	for _, rr := range rrs {
		if err := z.add(rr); err != nil {
			return nil, fmt.Errorf("local: read zone %s from %s: %w", name, path, err)
		}
	}
	z.finish()
	return z, nil
}

// rdata renders an RR's data in presentation format: its String() minus
// the header text.
func rdata(rr dns.RR) (string, error) {
	s, h := rr.String(), rr.Header().String()
	v, ok := strings.CutPrefix(s, h)
	if !ok {
		return "", fmt.Errorf("cannot render %s record %q", dns.TypeToString[rr.Header().Rrtype], s)
	}
	return v, nil
}

func rrType(rr dns.RR) string {
	t := rr.Header().Rrtype
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// add puts rr into its set (owner lower-cased, the set's TTL the minimum).
func (z *zoneData) add(rr dns.RR) error {
	h := rr.Header()
	owner := strings.ToLower(dns.Fqdn(h.Name))
	typ := rrType(rr)
	if h.Class != dns.ClassINET {
		return fmt.Errorf("%s %s: class %s is not supported (only IN)", owner, typ, dns.ClassToString[h.Class])
	}
	if !dns.IsSubDomain(z.name, owner) {
		return fmt.Errorf("%s %s is outside the zone", owner, typ)
	}
	v, err := rdata(rr)
	if err != nil {
		return err
	}
	k := owner + " " + typ
	rs, ok := z.sets[k]
	if !ok {
		rs = &providers.RecordSet{Name: owner, Type: typ, TTL: h.Ttl}
		z.sets[k] = rs
	}
	rs.TTL = min(rs.TTL, h.Ttl)
	rs.Values = append(rs.Values, v)
	return nil
}

// finish sorts and de-duplicates every set's values.
func (z *zoneData) finish() {
	for _, rs := range z.sets {
		sort.Strings(rs.Values)
		rs.Values = slices.Compact(rs.Values)
	}
}

// ordered returns the sets in file order: owner names in canonical DNS
// order (so the apex comes first), then SOA, NS and the other types by
// type code.
func (z *zoneData) ordered() []providers.RecordSet {
	out := make([]providers.RecordSet, 0, len(z.sets))
	for _, rs := range z.sets {
		c := *rs
		c.Values = slices.Clone(rs.Values)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if c := compareNames(a.Name, b.Name); c != 0 {
			return c < 0
		}
		return typeRank(a.Type) < typeRank(b.Type)
	})
	return out
}

func typeRank(t string) int {
	switch t {
	case "SOA":
		return -2
	case "NS":
		return -1
	}
	return int(dns.StringToType[t])
}

// compareNames orders domain names canonically (RFC 4034 6.1): label by
// label from the right, case-insensitively.
func compareNames(a, b string) int {
	la, lb := dns.SplitDomainName(strings.ToLower(a)), dns.SplitDomainName(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(la[i], lb[j]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// parseSet turns a record set (as another provider or the planner passes
// it) into RRs of zone and normalises the set the way Records would read it
// back. Values are parsed with the zone as origin, one RR each.
func parseSet(zone string, rs providers.RecordSet) (providers.RecordSet, []dns.RR, error) {
	name := strings.ToLower(dns.Fqdn(strings.TrimSpace(rs.Name)))
	typ := strings.ToUpper(strings.TrimSpace(rs.Type))
	out := providers.RecordSet{Name: name, Type: typ, TTL: rs.TTL}
	if _, ok := dns.IsDomainName(name); !ok {
		return out, nil, fmt.Errorf("record set %q: invalid owner name", rs.Key())
	}
	if !dns.IsSubDomain(zone, name) {
		return out, nil, fmt.Errorf("record set %s is outside the zone", out.Key())
	}
	code, ok := dns.StringToType[typ]
	if !ok || typ == "ANY" || typ == "OPT" {
		return out, nil, fmt.Errorf("record set %s: unknown record type", out.Key())
	}
	if len(rs.Values) == 0 {
		return out, nil, fmt.Errorf("record set %s has no values", out.Key())
	}
	var rrs []dns.RR
	for _, v := range rs.Values {
		if strings.ContainsAny(v, "\n\r") {
			return out, nil, fmt.Errorf("record set %s: value %q spans lines", out.Key(), v)
		}
		line := fmt.Sprintf("%s %d IN %s %s\n", name, rs.TTL, typ, v)
		zp := dns.NewZoneParser(strings.NewReader(line), zone, "")
		rr, ok := zp.Next()
		if !ok {
			err := zp.Err()
			if err == nil {
				err = errors.New("no record")
			}
			return out, nil, fmt.Errorf("record set %s: value %q: %w", out.Key(), v, err)
		}
		if _, more := zp.Next(); more || rr.Header().Rrtype != code {
			return out, nil, fmt.Errorf("record set %s: value %q is not one %s record", out.Key(), v, typ)
		}
		s, err := rdata(rr)
		if err != nil {
			return out, nil, err
		}
		out.Values = append(out.Values, s)
		rrs = append(rrs, rr)
	}
	sort.Strings(out.Values)
	out.Values = slices.Compact(out.Values)
	return out, rrs, nil
}

// render writes the zone deterministically: a comment, $ORIGIN, then every
// RR in canonical order, using miekg's RR String().
func (z *zoneData) render() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "; Zone %s, written by rehome. Comments are not preserved when rehome rewrites this file.\n", z.name)
	fmt.Fprintf(&b, "$ORIGIN %s\n", z.name)
	for _, rs := range z.ordered() {
		_, rrs, err := parseSet(z.name, rs)
		if err != nil {
			return nil, err
		}
		rs := make([]string, 0, len(rrs))
		for _, rr := range rrs {
			rs = append(rs, rr.String())
		}
		sort.Strings(rs)
		for _, s := range slices.Compact(rs) {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.Bytes(), nil
}

// validate refuses content named-checkzone would reject (the checks that
// fail a load; its warnings are left alone).
func (z *zoneData) validate() error {
	owners := map[string][]string{}
	for _, rs := range z.sets {
		owners[rs.Name] = append(owners[rs.Name], rs.Type)
		if rs.Type == "SOA" && rs.Name != z.name {
			return fmt.Errorf("SOA record at %s, below the apex", rs.Name)
		}
		if rs.Type == "DS" && rs.Name == z.name {
			return errors.New("DS record at the apex (it belongs in the parent zone)")
		}
		if rs.Type == "CNAME" && len(rs.Values) != 1 {
			return fmt.Errorf("%s has %d CNAME records; at most one is allowed", rs.Name, len(rs.Values))
		}
	}
	soa, ok := z.sets[z.name+" SOA"]
	if !ok || len(soa.Values) != 1 {
		return errors.New("the apex needs exactly one SOA record")
	}
	ns, ok := z.sets[z.name+" NS"]
	if !ok || len(ns.Values) == 0 {
		return errors.New("the apex needs NS records")
	}
	for owner, types := range owners {
		if !slices.Contains(types, "CNAME") {
			continue
		}
		for _, t := range types {
			if t != "CNAME" && t != "RRSIG" && t != "NSEC" {
				return fmt.Errorf("%s has a CNAME and %s records (CNAME and other data)", owner, t)
			}
		}
	}
	// BIND refuses to load a zone whose apex NS is inside the zone but has
	// no address. rehome cannot invent one.
	for _, v := range ns.Values {
		target := strings.ToLower(dns.Fqdn(v))
		if !dns.IsSubDomain(z.name, target) {
			continue
		}
		_, a := z.sets[target+" A"]
		_, aaaa := z.sets[target+" AAAA"]
		if !a && !aaaa {
			return fmt.Errorf("nameserver %s is inside the zone but has no A or AAAA record; add one, or use nameservers outside the zone", target)
		}
	}
	return nil
}

func (z *zoneData) soa() (*dns.SOA, error) {
	rs, ok := z.sets[z.name+" SOA"]
	if !ok || len(rs.Values) != 1 {
		return nil, errors.New("the apex needs exactly one SOA record")
	}
	_, rrs, err := parseSet(z.name, *rs)
	if err != nil {
		return nil, err
	}
	return rrs[0].(*dns.SOA), nil
}

func (z *zoneData) setSOA(soa *dns.SOA, ttl uint32) error {
	v, err := rdata(soa)
	if err != nil {
		return err
	}
	z.sets[z.name+" SOA"] = &providers.RecordSet{Name: z.name, Type: "SOA", TTL: ttl, Values: []string{v}}
	return nil
}

// write validates and atomically replaces the zone file.
func (z *zoneData) write() error {
	if err := z.validate(); err != nil {
		return err
	}
	if data, ok := z.editInPlace(); ok {
		return writeFileAtomic(z.path, data, 0o644)
	}
	data, err := z.render()
	if err != nil {
		return err
	}
	return writeFileAtomic(z.path, data, 0o644)
}

// serialGreater reports a > b in RFC 1982 serial number arithmetic.
func serialGreater(a, b uint32) bool {
	return a != b && int32(a-b) > 0
}

// nextSerial returns a serial newer than cur: YYYYMMDDnn for today when that
// is newer, otherwise cur+1.
func nextSerial(cur uint32, now time.Time) uint32 {
	y, m, d := now.UTC().Date()
	day := uint32(y*10000+int(m)*100+d) * 100
	if cand := day + 1; serialGreater(cand, cur) {
		return cand
	}
	return cur + 1
}

// Zones lists the zone files under PATH/zones, sorted by name, with their
// apex NS names.
func (p *Provider) Zones(ctx context.Context) ([]providers.Zone, error) {
	if err := p.configured(); err != nil {
		return nil, err
	}
	files, err := p.zoneFiles()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]providers.Zone, 0, len(names))
	for _, n := range names {
		z, err := readZone(ctx, n, files[n])
		if err != nil {
			return nil, err
		}
		out = append(out, z.zone())
	}
	return out, nil
}

func (z *zoneData) zone() providers.Zone {
	zn := providers.Zone{Name: z.name, ID: z.path}
	if ns, ok := z.sets[z.name+" NS"]; ok {
		zn.Nameservers = slices.Clone(ns.Values)
	}
	return zn
}

// Records lists the zone's record sets, apex SOA and NS included, in
// canonical order.
func (p *Provider) Records(ctx context.Context, zone string) ([]providers.RecordSet, error) {
	n, fp, err := p.zonePath(zone)
	if err != nil {
		return nil, fmt.Errorf("local: records of zone %s: %w", zone, err)
	}
	z, err := readZone(ctx, n, fp)
	if err != nil {
		return nil, err
	}
	return z.ordered(), nil
}

// CreateZone writes a new zone file holding a SOA and the apex NS set. The
// NS names come from the environment's `nameservers` (default
// DefaultNameserver), never from z.Nameservers: those are the source's
// servers, and the local provider owns its apex. It refuses nameservers
// inside the zone, which BIND would need addresses for.
func (p *Provider) CreateZone(ctx context.Context, zn providers.Zone) (providers.Zone, error) {
	if err := ctx.Err(); err != nil {
		return providers.Zone{}, err
	}
	if err := p.configured(); err != nil {
		return providers.Zone{}, err
	}
	name, err := zoneName(zn.Name)
	if err != nil {
		return providers.Zone{}, fmt.Errorf("local: create zone: %w", err)
	}
	p.zoneMu.Lock()
	defer p.zoneMu.Unlock()
	files, err := p.zoneFiles()
	if err != nil {
		return providers.Zone{}, err
	}
	if fp, ok := files[name]; ok {
		return providers.Zone{}, fmt.Errorf("local: create zone %s: file %s: %w", name, fp, providers.ErrExists)
	}
	fp := filepath.Join(p.zonesRoot(), strings.TrimSuffix(name, ".")+zoneFileSuffix)
	if ok, err := exists(fp); err != nil || ok {
		if err == nil {
			err = providers.ErrExists
		}
		return providers.Zone{}, fmt.Errorf("local: create zone %s: file %s: %w", name, fp, err)
	}
	nss := p.nameservers
	if len(nss) == 0 {
		nss = []string{DefaultNameserver}
	}
	for _, ns := range nss {
		if dns.IsSubDomain(name, ns) {
			return providers.Zone{}, fmt.Errorf("local: create zone %s: environment %q: nameserver %s is inside the zone, so BIND needs an address record for it, which rehome does not invent; set `nameservers` to names outside the zone", name, p.env, ns)
		}
	}
	soa := &dns.SOA{
		Hdr:     dns.RR_Header{Name: name, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: soaTTL},
		Ns:      nss[0],
		Mbox:    "hostmaster." + name,
		Serial:  nextSerial(0, p.now()),
		Refresh: soaRefresh,
		Retry:   soaRetry,
		Expire:  soaExpire,
		Minttl:  soaMinimum,
	}
	z := &zoneData{name: name, path: fp, sets: map[string]*providers.RecordSet{}}
	if err := z.setSOA(soa, soaTTL); err != nil {
		return providers.Zone{}, fmt.Errorf("local: create zone %s: %w", name, err)
	}
	z.sets[name+" NS"] = &providers.RecordSet{Name: name, Type: "NS", TTL: soaTTL, Values: slices.Clone(nss)}
	z.finish()
	if err := z.write(); err != nil {
		return providers.Zone{}, fmt.Errorf("local: create zone %s in %s: %w", name, fp, err)
	}
	return z.zone(), nil
}

// DeleteZone removes the zone's file; ErrNotFound when there is none.
func (p *Provider) DeleteZone(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.zoneMu.Lock()
	defer p.zoneMu.Unlock()
	_, fp, err := p.zonePath(name)
	if err != nil {
		return fmt.Errorf("local: delete zone %s: %w", name, err)
	}
	if err := os.Remove(fp); err != nil {
		return fmt.Errorf("local: delete zone %s: remove %s: %w", name, fp, err)
	}
	removeIfEmpty(p.zonesRoot())
	return nil
}

// ApplyRecords applies the changes to the zone file as one unit: each
// update or delete must name the set as it is now (else ErrZoneChanged), a
// create must find no set or exactly the set it creates (so a resumed apply
// is harmless). The SOA serial is bumped and the whole file is
// rewritten atomically in canonical order; comments in it are lost. No
// changes means no rewrite.
func (p *Provider) ApplyRecords(ctx context.Context, zone string, changes []providers.RecordChange) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.zoneMu.Lock()
	defer p.zoneMu.Unlock()
	name, fp, err := p.zonePath(zone)
	if err != nil {
		return fmt.Errorf("local: apply records to zone %s: %w", zone, err)
	}
	if len(changes) == 0 {
		return nil
	}
	z, err := readZone(ctx, name, fp)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		return fmt.Errorf("local: apply records to zone %s (%s): %w", name, fp, err)
	}
	oldSOA, err := z.soa()
	if err != nil {
		return fail(err)
	}
	var newSOA *dns.SOA
	for i, c := range changes {
		old, nw, err := normChange(name, c)
		if err != nil {
			return fail(fmt.Errorf("change %d: %w", i, err))
		}
		switch c.Op {
		case providers.ChangeCreate:
			if cur, ok := z.sets[nw.Key()]; ok {
				if cur.TTL == nw.TTL && slices.Equal(cur.Values, nw.Values) {
					continue // already there, exactly (a resumed apply)
				}
				return fail(fmt.Errorf("change %d: create %s: the set already exists (%d values, TTL %d): %w", i, nw.Key(), len(cur.Values), cur.TTL, ErrZoneChanged))
			}
		case providers.ChangeUpdate, providers.ChangeDelete:
			cur, ok := z.sets[old.Key()]
			if !ok {
				return fail(fmt.Errorf("change %d: %s %s: the set no longer exists: %w", i, c.Op, old.Key(), ErrZoneChanged))
			}
			if cur.TTL != old.TTL || !slices.Equal(cur.Values, old.Values) {
				return fail(fmt.Errorf("change %d: %s %s: the set differs from the one planned against: %w", i, c.Op, old.Key(), ErrZoneChanged))
			}
			if c.Op == providers.ChangeUpdate && old.Key() != nw.Key() {
				return fail(fmt.Errorf("change %d: update changes the set's name or type (%s to %s)", i, old.Key(), nw.Key()))
			}
			delete(z.sets, old.Key())
		}
		if nw != nil {
			s := *nw
			z.sets[s.Key()] = &s
			if s.Type == "SOA" && s.Name == name {
				_, rrs, err := parseSet(name, s)
				if err == nil && len(rrs) == 1 {
					newSOA = rrs[0].(*dns.SOA)
				}
			}
		}
	}
	// The serial is rehome's: at least one above the file's, YYYYMMDDnn
	// when possible. A new SOA set supplies the other fields.
	soa := oldSOA
	ttl := oldSOA.Hdr.Ttl
	if newSOA != nil {
		soa = newSOA
		ttl = newSOA.Hdr.Ttl
	}
	if cur, ok := z.sets[name+" SOA"]; ok {
		ttl = cur.TTL
		serial := nextSerial(oldSOA.Serial, p.now())
		if newSOA != nil && serialGreater(newSOA.Serial, serial) {
			serial = newSOA.Serial
		}
		s := *soa
		s.Serial = serial
		if err := z.setSOA(&s, ttl); err != nil {
			return fail(err)
		}
	}
	if err := z.write(); err != nil {
		return fail(err)
	}
	p.log.DebugContext(ctx, "local: rewrote zone file", "zone", name, "file", fp, "changes", len(changes))
	return nil
}

// normChange checks a change's shape and normalises its sets.
func normChange(zone string, c providers.RecordChange) (old, nw *providers.RecordSet, err error) {
	switch c.Op {
	case providers.ChangeCreate:
		if c.New == nil {
			return nil, nil, errors.New("create without New")
		}
	case providers.ChangeUpdate:
		if c.Old == nil || c.New == nil {
			return nil, nil, errors.New("update needs Old and New")
		}
	case providers.ChangeDelete:
		if c.Old == nil {
			return nil, nil, errors.New("delete without Old")
		}
	default:
		return nil, nil, fmt.Errorf("unknown change %q", c.Op)
	}
	if c.Old != nil && c.Op != providers.ChangeCreate {
		o, _, err := parseSet(zone, *c.Old)
		if err != nil {
			return nil, nil, err
		}
		old = &o
	}
	if c.New != nil && c.Op != providers.ChangeDelete {
		n, _, err := parseSet(zone, *c.New)
		if err != nil {
			return nil, nil, err
		}
		nw = &n
	}
	return old, nw, nil
}

func (p *Provider) discoverZones(ctx context.Context) ([]providers.Resource, error) {
	files, err := p.zoneFiles()
	if err != nil {
		return nil, err
	}
	var out []providers.Resource
	for n, fp := range files {
		z, err := readZone(ctx, n, fp)
		if err != nil {
			return nil, err
		}
		var records int64
		refs := map[string]bool{}
		for _, rs := range z.sets {
			records += int64(len(rs.Values))
			switch rs.Type {
			case "CNAME", "MX", "NS", "SRV":
			default:
				continue
			}
			_, rrs, err := parseSet(n, *rs)
			if err != nil {
				return nil, fmt.Errorf("local: discover zone %s: %w", n, err)
			}
			for _, rr := range rrs {
				var t string
				switch r := rr.(type) {
				case *dns.CNAME:
					t = r.Target
				case *dns.MX:
					t = r.Mx
				case *dns.NS:
					t = r.Ns
				case *dns.SRV:
					t = r.Target
				}
				t = strings.ToLower(t)
				if t != "" && t != "." && !dns.IsSubDomain(n, t) {
					refs[strings.TrimSuffix(t, ".")] = true
				}
			}
		}
		zn := z.zone()
		var references []string
		for r := range refs {
			references = append(references, r)
		}
		sort.Strings(references)
		out = append(out, providers.Resource{
			Kind: providers.KindDNS,
			Type: "zone",
			ID:   fp,
			Name: strings.TrimSuffix(n, "."),
			Attrs: map[string]string{
				"path":        fp,
				"nameservers": strings.Join(zn.Nameservers, ","),
				"record_sets": strconv.Itoa(len(z.sets)),
			},
			Usage:      providers.Usage{Records: records},
			References: references,
		})
	}
	return out, nil
}
