package local

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// sourceEnv is an environment holding testdata/example.com.zone.
func sourceEnv(t *testing.T) *Provider {
	t.Helper()
	p := newProvider(t, opts{})
	copyFile(t, filepath.Join("testdata", "example.com.zone"), filepath.Join(p.Root(), "zones", "example.com.zone"))
	return p
}

func records(t *testing.T, p *Provider, zone string) map[string]providers.RecordSet {
	t.Helper()
	sets, err := p.Records(ctx(), zone)
	if err != nil {
		t.Fatalf("Records(%s): %v", zone, err)
	}
	m := map[string]providers.RecordSet{}
	for _, rs := range sets {
		if _, dup := m[rs.Key()]; dup {
			t.Fatalf("set %s listed twice", rs.Key())
		}
		m[rs.Key()] = rs
	}
	return m
}

func withoutApex(zone string, m map[string]providers.RecordSet) map[string]providers.RecordSet {
	out := map[string]providers.RecordSet{}
	for k, rs := range m {
		if rs.Name == zone && (rs.Type == "SOA" || rs.Type == "NS") {
			continue
		}
		out[k] = rs
	}
	return out
}

func TestRecordsOfRealisticZone(t *testing.T) {
	p := sourceEnv(t)
	checkZone(t, "example.com", filepath.Join(p.Root(), "zones", "example.com.zone"))
	sets, err := p.Records(ctx(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "example.com.records.json")
	got, _ := json.MarshalIndent(sets, "", "  ")
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("records differ from %s (-want +got):\n%s", golden, diff)
	}

	m := records(t, p, "example.com")
	tests := []struct {
		key  string
		want providers.RecordSet
	}{
		{"example.com. SOA", providers.RecordSet{Name: "example.com.", Type: "SOA", TTL: 3600,
			Values: []string{"ns1.example.net. hostmaster.example.com. 2025120301 7200 900 1209600 300"}}},
		{"example.com. NS", providers.RecordSet{Name: "example.com.", Type: "NS", TTL: 3600,
			Values: []string{"ns1.example.net.", "ns2.example.org."}}},
		{"example.com. MX", providers.RecordSet{Name: "example.com.", Type: "MX", TTL: 3600,
			Values: []string{"10 mail.example.com.", "20 mx.backup.example.org."}}},
		{"example.com. CAA", providers.RecordSet{Name: "example.com.", Type: "CAA", TTL: 3600,
			Values: []string{`0 iodef "mailto:security@example.com"`, `0 issue "letsencrypt.org"`}}},
		// Mixed TTLs: the lowest wins.
		{"mail.example.com. A", providers.RecordSet{Name: "mail.example.com.", Type: "A", TTL: 300,
			Values: []string{"192.0.2.25", "192.0.2.26"}}},
		// "Mail" is lower-cased into the same owner.
		{"mail.example.com. AAAA", providers.RecordSet{Name: "mail.example.com.", Type: "AAAA", TTL: 3600,
			Values: []string{"2001:db8::25"}}},
		{"www.example.com. CNAME", providers.RecordSet{Name: "www.example.com.", Type: "CNAME", TTL: 3600,
			Values: []string{"example.com."}}},
		{"*.example.com. TXT", providers.RecordSet{Name: "*.example.com.", Type: "TXT", TTL: 3600,
			Values: []string{`"wildcard"`}}},
		{"*.apps.example.com. A", providers.RecordSet{Name: "*.apps.example.com.", Type: "A", TTL: 300,
			Values: []string{"192.0.2.80"}}},
		{"_sip._tcp.example.com. SRV", providers.RecordSet{Name: "_sip._tcp.example.com.", Type: "SRV", TTL: 3600,
			Values: []string{"10 60 5060 sip.example.com."}}},
		{"long.example.com. TXT", providers.RecordSet{Name: "long.example.com.", Type: "TXT", TTL: 3600,
			Values: []string{`"This record holds more text than one character string can carry (255 bytes), so it is written as several strings; " "rehome must keep the split unchanged through a round trip."`}}},
		{"quoted.example.com. TXT", providers.RecordSet{Name: "quoted.example.com.", Type: "TXT", TTL: 3600,
			Values: []string{`"say \"hi\"; it's fine" "second string"`}}},
		{"sub.example.com. DS", providers.RecordSet{Name: "sub.example.com.", Type: "DS", TTL: 3600,
			Values: []string{"12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118ABCDEF0123456789ABCDEF01"}}},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, m[tc.key]); diff != "" {
				t.Errorf("set (-want +got):\n%s", diff)
			}
		})
	}
	// Every type the capability table claims occurs in the fixture.
	seen := map[string]bool{}
	for _, rs := range sets {
		seen[rs.Type] = true
	}
	for _, typ := range recordTypes() {
		if !seen[typ] {
			t.Errorf("fixture has no %s record; the round-trip tests do not cover it", typ)
		}
	}

	zones, err := p.Zones(ctx())
	if err != nil {
		t.Fatal(err)
	}
	wantZones := []providers.Zone{{Name: "example.com.", ID: filepath.Join(p.Root(), "zones", "example.com.zone"),
		Nameservers: []string{"ns1.example.net.", "ns2.example.org."}}}
	if diff := cmp.Diff(wantZones, zones); diff != "" {
		t.Errorf("Zones (-want +got):\n%s", diff)
	}
}

func TestZoneParseErrorNamesFileAndLine(t *testing.T) {
	p := newProvider(t, opts{})
	fp := filepath.Join(p.Root(), "zones", "bad.example.zone")
	copyFile(t, filepath.Join("testdata", "bad.example.zone"), fp)
	for name, call := range map[string]func() error{
		"Records":  func() error { _, err := p.Records(ctx(), "bad.example"); return err },
		"Zones":    func() error { _, err := p.Zones(ctx()); return err },
		"Discover": func() error { _, err := p.Discover(ctx(), providers.Scope{}); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil || !strings.Contains(err.Error(), fp+":5") {
				t.Errorf("err = %v, want it to name %s:5", err, fp)
			}
		})
	}
}

func TestCreateZone(t *testing.T) {
	tests := []struct {
		name        string
		nameservers []string
		wantNS      []string
		wantErr     string
	}{
		{name: "default nameserver", wantNS: []string{"localhost."}},
		{name: "out-of-zone nameservers", nameservers: []string{"ns1.example.net", "NS2.Example.ORG."},
			wantNS: []string{"ns1.example.net.", "ns2.example.org."}},
		{name: "in-zone nameserver refused", nameservers: []string{"ns1.example.com."},
			wantErr: "nameserver ns1.example.com. is inside the zone, so BIND needs an address record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, opts{nameservers: tc.nameservers})
			zn, err := p.CreateZone(ctx(), providers.Zone{Name: "Example.com", Nameservers: []string{"ns-1.awsdns-00.com."}})
			fp := filepath.Join(p.Root(), "zones", "example.com.zone")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("CreateZone = %v, want error %q", err, tc.wantErr)
				}
				if _, err := os.Stat(fp); !os.IsNotExist(err) {
					t.Errorf("zone file written although refused: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateZone: %v", err)
			}
			if diff := cmp.Diff(providers.Zone{Name: "example.com.", ID: fp, Nameservers: tc.wantNS}, zn); diff != "" {
				t.Errorf("zone (-want +got):\n%s", diff)
			}
			checkZone(t, "example.com", fp)
			want := map[string]providers.RecordSet{
				"example.com. SOA": {Name: "example.com.", Type: "SOA", TTL: 3600,
					Values: []string{tc.wantNS[0] + " hostmaster.example.com. 2026030401 3600 900 1209600 300"}},
				"example.com. NS": {Name: "example.com.", Type: "NS", TTL: 3600, Values: tc.wantNS},
			}
			if diff := cmp.Diff(want, records(t, p, "example.com.")); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if _, err := p.CreateZone(ctx(), providers.Zone{Name: "example.com."}); !errors.Is(err, providers.ErrExists) {
				t.Errorf("second CreateZone = %v, want ErrExists", err)
			}
		})
	}
}

// createAll turns every set of src except the apex SOA and NS into creates,
// as the planner does for a destination that owns its apex.
func createAll(zone string, src map[string]providers.RecordSet, reverse bool) []providers.RecordChange {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if reverse {
		slices.Reverse(keys)
	}
	var out []providers.RecordChange
	for _, k := range keys {
		rs := src[k]
		if rs.Name == zone && (rs.Type == "SOA" || rs.Type == "NS") {
			continue
		}
		out = append(out, providers.RecordChange{Op: providers.ChangeCreate, New: &rs})
	}
	return out
}

func TestZoneRoundTrip(t *testing.T) {
	src := sourceEnv(t)
	srcSets := records(t, src, "example.com.")

	var files [][]byte
	for _, reverse := range []bool{false, true} {
		dst := newProvider(t, opts{nameservers: []string{"ns1.example.net."}})
		if _, err := dst.CreateZone(ctx(), providers.Zone{Name: "example.com."}); err != nil {
			t.Fatal(err)
		}
		if err := dst.ApplyRecords(ctx(), "example.com.", createAll("example.com.", srcSets, reverse)); err != nil {
			t.Fatalf("ApplyRecords: %v", err)
		}
		fp := filepath.Join(dst.Root(), "zones", "example.com.zone")
		checkZone(t, "example.com", fp)
		got := records(t, dst, "example.com.")
		if diff := cmp.Diff(withoutApex("example.com.", srcSets), withoutApex("example.com.", got)); diff != "" {
			t.Errorf("records after the round trip (-source +destination):\n%s", diff)
		}
		if ns := got["example.com. NS"].Values; !slices.Equal(ns, []string{"ns1.example.net."}) {
			t.Errorf("apex NS = %v, want the destination's own", ns)
		}
		b, err := os.ReadFile(fp)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if string(files[0]) != string(files[1]) {
		t.Errorf("zone file depends on the order of changes:\n%s\n---\n%s", files[0], files[1])
	}
	// The file starts with $ORIGIN, then SOA, then the apex NS.
	lines := strings.Split(string(files[0]), "\n")
	if !strings.HasPrefix(lines[1], "$ORIGIN example.com.") || !strings.Contains(lines[2], "\tSOA\t") || !strings.Contains(lines[3], "\tNS\t") {
		t.Errorf("file does not start with $ORIGIN, SOA, NS:\n%s", strings.Join(lines[:4], "\n"))
	}
	// Reading the written file as a source gives the same sets again.
	again := newProvider(t, opts{})
	writeFile(t, filepath.Join(again.Root(), "zones", "example.com.zone"), string(files[0]))
	if diff := cmp.Diff(withoutApex("example.com.", srcSets), withoutApex("example.com.", records(t, again, "example.com"))); diff != "" {
		t.Errorf("re-read (-want +got):\n%s", diff)
	}
}

func TestApplyRecordsNormalisesForeignValues(t *testing.T) {
	p := newProvider(t, opts{nameservers: []string{"ns1.example.net."}})
	if _, err := p.CreateZone(ctx(), providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("k", 300)
	changes := []providers.RecordChange{
		// One character string longer than 255 bytes (as some APIs return it).
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "dkim.example.com.", Type: "TXT", TTL: 300, Values: []string{`"` + long + `"`}}},
		// Upper case, no trailing dot, duplicates, unsorted.
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "WWW.example.com", Type: "a", TTL: 60, Values: []string{"192.0.2.2", "192.0.2.1", "192.0.2.2"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "*.example.com.", Type: "AAAA", TTL: 60, Values: []string{"2001:DB8::1"}}},
	}
	if err := p.ApplyRecords(ctx(), "example.com", changes); err != nil {
		t.Fatal(err)
	}
	checkZone(t, "example.com", filepath.Join(p.Root(), "zones", "example.com.zone"))
	got := withoutApex("example.com.", records(t, p, "example.com."))
	want := map[string]providers.RecordSet{
		"dkim.example.com. TXT": {Name: "dkim.example.com.", Type: "TXT", TTL: 300, Values: []string{`"` + long[:255] + `" "` + long[255:] + `"`}},
		"www.example.com. A":    {Name: "www.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.1", "192.0.2.2"}},
		"*.example.com. AAAA":   {Name: "*.example.com.", Type: "AAAA", TTL: 60, Values: []string{"2001:db8::1"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	// The normalised set is what a later update must name as Old.
	old := got["www.example.com. A"]
	nw := old
	nw.TTL = 30
	if err := p.ApplyRecords(ctx(), "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate, Old: &old, New: &nw}}); err != nil {
		t.Errorf("update naming the read-back set: %v", err)
	}
}

func TestApplyRecordsRefused(t *testing.T) {
	set := func(name, typ string, ttl uint32, vals ...string) *providers.RecordSet {
		return &providers.RecordSet{Name: name, Type: typ, TTL: ttl, Values: vals}
	}
	mailA := set("mail.example.com.", "A", 300, "192.0.2.25", "192.0.2.26")
	tests := []struct {
		name    string
		change  providers.RecordChange
		stale   bool   // want ErrZoneChanged
		wantErr string // substring
	}{
		{name: "update with stale TTL", stale: true,
			change: providers.RecordChange{Op: providers.ChangeUpdate, Old: set("mail.example.com.", "A", 600, "192.0.2.25", "192.0.2.26"), New: set("mail.example.com.", "A", 60, "192.0.2.25")}},
		{name: "update with stale values", stale: true,
			change: providers.RecordChange{Op: providers.ChangeUpdate, Old: set("mail.example.com.", "A", 300, "192.0.2.25"), New: set("mail.example.com.", "A", 60, "192.0.2.25")}},
		{name: "delete of a vanished set", stale: true,
			change: providers.RecordChange{Op: providers.ChangeDelete, Old: set("gone.example.com.", "A", 300, "192.0.2.1")}},
		{name: "create of an existing set", stale: true,
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("mail.example.com.", "A", 300, "192.0.2.1")}},
		{name: "update renaming the set", wantErr: "changes the set's name or type",
			change: providers.RecordChange{Op: providers.ChangeUpdate, Old: mailA, New: set("mail2.example.com.", "A", 300, "192.0.2.1")}},
		{name: "CNAME and other data", wantErr: "CNAME and other data",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("mail.example.com.", "CNAME", 300, "example.org.")}},
		{name: "CNAME at the apex", wantErr: "CNAME and other data",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("example.com.", "CNAME", 300, "example.org.")}},
		{name: "DS at the apex", wantErr: "DS record at the apex",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("example.com.", "DS", 300, "12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118ABCDEF0123456789ABCDEF01")}},
		{name: "outside the zone", wantErr: "outside the zone",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("www.example.org.", "A", 300, "192.0.2.1")}},
		{name: "bad value", wantErr: `value "192.0.2.300"`,
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("x.example.com.", "A", 300, "192.0.2.300")}},
		{name: "value smuggling a second record", wantErr: "spans lines",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("x.example.com.", "TXT", 300, "\"a\"\nevil 300 IN A 192.0.2.66")}},
		{name: "value with trailing garbage", wantErr: "garbage after rdata",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("x.example.com.", "A", 300, "192.0.2.1 ( ) x")}},
		{name: "unknown type", wantErr: "unknown record type",
			change: providers.RecordChange{Op: providers.ChangeCreate, New: set("x.example.com.", "BOGUS", 300, "1")}},
		{name: "delete the SOA", wantErr: "exactly one SOA",
			change: providers.RecordChange{Op: providers.ChangeDelete, Old: set("example.com.", "SOA", 3600, "ns1.example.net. hostmaster.example.com. 2025120301 7200 900 1209600 300")}},
		{name: "delete the apex NS", wantErr: "apex needs NS",
			change: providers.RecordChange{Op: providers.ChangeDelete, Old: set("example.com.", "NS", 3600, "ns1.example.net.", "ns2.example.org.")}},
		{name: "apex NS inside the zone without address", wantErr: "nameserver www2.example.com. is inside the zone",
			change: providers.RecordChange{Op: providers.ChangeUpdate, Old: set("example.com.", "NS", 3600, "ns1.example.net.", "ns2.example.org."), New: set("example.com.", "NS", 3600, "www2.example.com.")}},
		{name: "create without New", wantErr: "create without New",
			change: providers.RecordChange{Op: providers.ChangeCreate, Old: mailA}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := sourceEnv(t)
			fp := filepath.Join(p.Root(), "zones", "example.com.zone")
			before, _ := os.ReadFile(fp)
			err := p.ApplyRecords(ctx(), "example.com.", []providers.RecordChange{tc.change})
			if err == nil {
				t.Fatal("ApplyRecords succeeded, want an error")
			}
			if tc.stale && !errors.Is(err, ErrZoneChanged) {
				t.Errorf("err = %v, want ErrZoneChanged", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "example.com.") {
				t.Errorf("err = %q, want it to name the zone and say %q", err, tc.wantErr)
			}
			after, _ := os.ReadFile(fp)
			if string(before) != string(after) {
				t.Error("zone file changed although the changes were refused")
			}
		})
	}
}

func TestSerialBump(t *testing.T) {
	day := time.Date(2026, 3, 4, 23, 59, 0, 0, time.UTC)
	tests := []struct {
		cur, want uint32
	}{
		{0, 2026030401},
		{1, 2026030401},
		{2025120301, 2026030401},                     // older date
		{2026030401, 2026030402},                     // same day
		{2026030499, 2026030500},                     // 99 changes in a day: spill over (+1)
		{2099010101, 2099010102},                     // a future date: +1
		{1772600000, 2026030401},                     // unix-time serial: today's is newer
		{4294967295, 2026030401},                     // wrap-around: today's is newer in serial arithmetic
		{2026030401 + 1<<31, 2026030401 + 1<<31 + 1}, // today's is "older" in serial arithmetic
	}
	for _, tc := range tests {
		if got := nextSerial(tc.cur, day); got != tc.want {
			t.Errorf("nextSerial(%d) = %d, want %d", tc.cur, got, tc.want)
		}
		if !serialGreater(nextSerial(tc.cur, day), tc.cur) {
			t.Errorf("nextSerial(%d) is not newer in RFC 1982 arithmetic", tc.cur)
		}
	}

	p := newProvider(t, opts{nameservers: []string{"ns1.example.net."}})
	if _, err := p.CreateZone(ctx(), providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	serial := func() string {
		return strings.Fields(records(t, p, "example.com.")["example.com. SOA"].Values[0])[2]
	}
	if s := serial(); s != "2026030401" {
		t.Fatalf("serial after CreateZone = %s", s)
	}
	a := &providers.RecordSet{Name: "a.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.1"}}
	if err := p.ApplyRecords(ctx(), "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate, New: a}}); err != nil {
		t.Fatal(err)
	}
	if s := serial(); s != "2026030402" {
		t.Errorf("serial after ApplyRecords = %s, want 2026030402", s)
	}
	if err := p.ApplyRecords(ctx(), "example.com.", nil); err != nil {
		t.Fatal(err)
	}
	if s := serial(); s != "2026030402" {
		t.Errorf("serial after an empty ApplyRecords = %s, want it unchanged", s)
	}
	checkZone(t, "example.com", filepath.Join(p.Root(), "zones", "example.com.zone"))
}

// The one rewrite rehome does of a source zone: lowering TTLs before a
// cutover, and restoring them on rollback.
func TestLowerTTLOnSourceZone(t *testing.T) {
	p := sourceEnv(t)
	fp := filepath.Join(p.Root(), "zones", "example.com.zone")
	before := records(t, p, "example.com.")
	var lower, restore []providers.RecordChange
	for _, rs := range before {
		if rs.Type == "SOA" || rs.TTL <= 60 {
			continue
		}
		old, nw := rs, rs
		nw.TTL = 60
		lower = append(lower, providers.RecordChange{Op: providers.ChangeUpdate, Old: &old, New: &nw})
		restore = append(restore, providers.RecordChange{Op: providers.ChangeUpdate, Old: &nw, New: &old})
	}
	if err := p.ApplyRecords(ctx(), "example.com.", lower); err != nil {
		t.Fatal(err)
	}
	checkZone(t, "example.com", fp)
	for k, rs := range records(t, p, "example.com.") {
		if rs.Type != "SOA" && rs.TTL != 60 {
			t.Errorf("%s TTL = %d after lowering", k, rs.TTL)
		}
	}
	if err := p.ApplyRecords(ctx(), "example.com.", restore); err != nil {
		t.Fatal(err)
	}
	checkZone(t, "example.com", fp)
	after := records(t, p, "example.com.")
	delete(before, "example.com. SOA")
	if diff := cmp.Diff(before, withoutKey(after, "example.com. SOA")); diff != "" {
		t.Errorf("records after restore (-before +after):\n%s", diff)
	}
}

func withoutKey(m map[string]providers.RecordSet, k string) map[string]providers.RecordSet {
	delete(m, k)
	return m
}

func TestDeleteZone(t *testing.T) {
	p := sourceEnv(t)
	if err := p.DeleteZone(ctx(), "EXAMPLE.com"); err != nil {
		t.Fatal(err)
	}
	if zs, err := p.Zones(ctx()); err != nil || len(zs) != 0 {
		t.Errorf("Zones after DeleteZone = %v, %v", zs, err)
	}
	if err := p.DeleteZone(ctx(), "example.com."); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("DeleteZone of a missing zone = %v, want ErrNotFound", err)
	}
	if _, err := p.Records(ctx(), "example.com."); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Records of a missing zone = %v, want ErrNotFound", err)
	}
}

func TestApplyRecordsCreateIsIdempotent(t *testing.T) {
	p := sourceEnv(t)
	cur := records(t, p, "example.com.")["mail.example.com. A"]
	if err := p.ApplyRecords(ctx(), "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate, New: &cur}}); err != nil {
		t.Fatalf("create of an identical existing set: %v", err)
	}
	if diff := cmp.Diff(cur, records(t, p, "example.com.")["mail.example.com. A"]); diff != "" {
		t.Errorf("set changed (-want +got):\n%s", diff)
	}
}

func TestZoneIncludeRefused(t *testing.T) {
	p := newProvider(t, opts{})
	fp := filepath.Join(p.Root(), "zones", "inc.example.zone")
	writeFile(t, filepath.Join(p.Root(), "zones", "other.txt"), "www 300 IN A 192.0.2.1\n")
	writeFile(t, fp, "$ORIGIN inc.example.\n@ 300 IN SOA localhost. hostmaster 1 2 3 4 5\n@ 300 IN NS localhost.\n$INCLUDE other.txt\n")
	_, err := p.Records(ctx(), "inc.example.")
	if err == nil || !strings.Contains(err.Error(), fp+":4") || !strings.Contains(err.Error(), "$INCLUDE") {
		t.Errorf("Records = %v, want a refusal of $INCLUDE naming %s:4", err, fp)
	}
}
