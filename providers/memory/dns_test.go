package memory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
)

const zn = "example.com."

func set(name, typ string, ttl uint32, vals ...string) *providers.RecordSet {
	return &providers.RecordSet{Name: name, Type: typ, TTL: ttl, Values: vals}
}

func create(rs *providers.RecordSet) providers.RecordChange {
	return providers.RecordChange{Op: providers.ChangeCreate, New: rs}
}

func records(t *testing.T, p *memory.Provider) []providers.RecordSet {
	t.Helper()
	sets, err := p.Records(context.Background(), zn)
	if err != nil {
		t.Fatal(err)
	}
	return sets
}

func newZone(t *testing.T) *memory.Provider {
	t.Helper()
	p := memory.NewStore().Env("e")
	if _, err := p.CreateZone(context.Background(), providers.Zone{Name: "example.com", Nameservers: []string{"ns.source.example."}}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCreateZone: the provider writes its own apex SOA and NS, whatever the
// source's name servers were.
func TestCreateZone(t *testing.T) {
	ctx := context.Background()
	p := memory.NewStore().Env("e")
	z, err := p.CreateZone(ctx, providers.Zone{Name: "Example.COM", Nameservers: []string{"ns.source.example."}})
	if err != nil {
		t.Fatal(err)
	}
	if z.Name != zn || z.ID == "" || !cmp.Equal(z.Nameservers, []string{memory.Nameserver}) {
		t.Errorf("CreateZone = %+v", z)
	}
	want := []providers.RecordSet{
		{Name: zn, Type: "SOA", TTL: 900, Values: []string{"ns1.memory.example. hostmaster.example.com. 1 7200 900 1209600 86400"}},
		{Name: zn, Type: "NS", TTL: 172800, Values: []string{"ns1.memory.example."}},
	}
	if d := cmp.Diff(want, records(t, p)); d != "" {
		t.Errorf("records of a new zone (-want +got):\n%s", d)
	}
	if _, err := p.CreateZone(ctx, providers.Zone{Name: "example.com."}); !errors.Is(err, providers.ErrExists) {
		t.Errorf("create existing zone: %v, want ErrExists", err)
	}
	zs, err := p.Zones(ctx)
	if err != nil || len(zs) != 1 || zs[0].Name != zn {
		t.Errorf("Zones = %+v, %v", zs, err)
	}
	if _, err := p.Records(ctx, "other.example."); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("records of a missing zone: %v", err)
	}
	if err := p.DeleteZone(ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteZone(ctx, "example.com"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("delete missing zone: %v, want ErrNotFound", err)
	}
	caps := memory.Factory().Caps.DNS
	if !caps.OwnApex || !caps.Wildcards || caps.SupportsType("PTR") || caps.SupportsType("TLSA") || !caps.SupportsType("CAA") {
		t.Errorf("dns caps = %+v", caps)
	}
}

// TestApplyRecords: changes are validated against the zone as it is and
// applied all or nothing.
func TestApplyRecords(t *testing.T) {
	base := []providers.RecordChange{
		create(set("www.example.com.", "A", 300, "192.0.2.1")),
		create(set("example.com.", "MX", 300, "20 b.example.net.", "10 a.example.net.")),
	}
	tests := []struct {
		name    string
		changes []providers.RecordChange
		is      error // nil: must succeed
		fails   bool
		want    []providers.RecordSet // non-apex sets after the call
	}{
		{name: "update matching Old",
			changes: []providers.RecordChange{{Op: providers.ChangeUpdate, Old: set("www.example.com.", "A", 300, "192.0.2.1"), New: set("www.example.com.", "A", 60, "192.0.2.9")}},
			want:    []providers.RecordSet{*set("example.com.", "MX", 300, "10 a.example.net.", "20 b.example.net."), *set("www.example.com.", "A", 60, "192.0.2.9")}},
		{name: "delete matching Old (values in any order, names in any case)",
			changes: []providers.RecordChange{{Op: providers.ChangeDelete, Old: set("Example.com", "mx", 300, "20 b.example.net.", "10 a.example.net.")}},
			want:    []providers.RecordSet{*set("www.example.com.", "A", 300, "192.0.2.1")}},
		{name: "create identical set again is harmless",
			changes: []providers.RecordChange{create(set("www.example.com.", "A", 300, "192.0.2.1"))},
			want:    []providers.RecordSet{*set("example.com.", "MX", 300, "10 a.example.net.", "20 b.example.net."), *set("www.example.com.", "A", 300, "192.0.2.1")}},
		{name: "wildcard", changes: []providers.RecordChange{create(set("*.dev.example.com.", "CNAME", 60, "dev.example.net."))},
			want: []providers.RecordSet{*set("*.dev.example.com.", "CNAME", 60, "dev.example.net."), *set("example.com.", "MX", 300, "10 a.example.net.", "20 b.example.net."), *set("www.example.com.", "A", 300, "192.0.2.1")}},
		{name: "update with stale Old", is: memory.ErrZoneChanged,
			changes: []providers.RecordChange{{Op: providers.ChangeUpdate, Old: set("www.example.com.", "A", 600, "192.0.2.1"), New: set("www.example.com.", "A", 60, "192.0.2.9")}}},
		{name: "delete of a missing set", is: memory.ErrZoneChanged,
			changes: []providers.RecordChange{{Op: providers.ChangeDelete, Old: set("ftp.example.com.", "A", 300, "192.0.2.1")}}},
		{name: "create over a different set", is: memory.ErrZoneChanged,
			changes: []providers.RecordChange{create(set("www.example.com.", "A", 300, "192.0.2.2"))}},
		{name: "a bad change rolls back the good ones", is: memory.ErrZoneChanged,
			changes: []providers.RecordChange{
				create(set("new.example.com.", "A", 300, "192.0.2.5")),
				{Op: providers.ChangeDelete, Old: set("www.example.com.", "A", 1, "192.0.2.1")},
			}},
		{name: "PTR is not supported", is: providers.ErrUnsupported,
			changes: []providers.RecordChange{create(set("1.example.com.", "PTR", 300, "host.example.com."))}},
		{name: "TLSA is not supported", is: providers.ErrUnsupported,
			changes: []providers.RecordChange{create(set("_443._tcp.example.com.", "TLSA", 300, "3 1 1 abcd"))}},
		{name: "owner outside the zone", fails: true, changes: []providers.RecordChange{create(set("www.example.org.", "A", 300, "192.0.2.1"))}},
		{name: "CNAME beside other data", fails: true, changes: []providers.RecordChange{create(set("www.example.com.", "CNAME", 300, "example.com."))}},
		{name: "CNAME at the apex", fails: true, changes: []providers.RecordChange{create(set("example.com.", "CNAME", 300, "example.net."))}},
		{name: "delete the apex NS", fails: true,
			changes: []providers.RecordChange{{Op: providers.ChangeDelete, Old: set("example.com.", "NS", 172800, "ns1.memory.example.")}}},
		{name: "update renames the set", fails: true,
			changes: []providers.RecordChange{{Op: providers.ChangeUpdate, Old: set("www.example.com.", "A", 300, "192.0.2.1"), New: set("web.example.com.", "A", 300, "192.0.2.1")}}},
		{name: "empty values", fails: true, changes: []providers.RecordChange{create(set("x.example.com.", "A", 300))}},
		{name: "update without Old", fails: true, changes: []providers.RecordChange{{Op: providers.ChangeUpdate, New: set("www.example.com.", "A", 1, "192.0.2.1")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newZone(t)
			ctx := context.Background()
			if err := p.ApplyRecords(ctx, zn, base); err != nil {
				t.Fatal(err)
			}
			before := records(t, p)
			err := p.ApplyRecords(ctx, zn, tt.changes)
			if tt.is != nil || tt.fails {
				if err == nil {
					t.Fatal("no error")
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v, want %v", err, tt.is)
				}
				if d := cmp.Diff(before, records(t, p)); d != "" {
					t.Errorf("a refused call changed the zone (-before +after):\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []providers.RecordSet
			for _, rs := range records(t, p) {
				if rs.Name == zn && (rs.Type == "SOA" || rs.Type == "NS") {
					continue
				}
				got = append(got, rs)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("sets after the call (-want +got):\n%s", d)
			}
		})
	}
}

// TestRecordsAreCopies: a caller changing a returned set does not change
// the zone.
func TestRecordsAreCopies(t *testing.T) {
	p := newZone(t)
	sets := records(t, p)
	sets[1].Values[0] = "hijack."
	if got := records(t, p)[1].Values[0]; got != memory.Nameserver {
		t.Errorf("apex NS is now %q", got)
	}
}
