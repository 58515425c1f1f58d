package dns

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func rs(name, typ string, ttl uint32, vals ...string) providers.RecordSet {
	return providers.RecordSet{Name: name, Type: typ, TTL: ttl, Values: vals}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	const z = "e.com."
	caps := providers.DNSCaps{RecordTypes: []string{"A", "MX", "NS", "SOA", "TXT", "CNAME"}, OwnApex: true, Wildcards: true}
	src := []providers.RecordSet{
		rs(z, "SOA", 3600, "ns1.old. h.e.com. 1 2 3 4 5"),
		rs(z, "NS", 3600, "ns1.old."),
		rs(z, "A", 300, "192.0.2.1"),
		rs("www."+z, "CNAME", 300, "e.com."),
		rs("mail."+z, "A", 300, "192.0.2.2"),
		rs(z, "CAA", 300, `0 issue "x"`),
	}
	tests := []struct {
		name       string
		dst        []providers.RecordSet
		records    map[string]SetRecord
		overwrite  bool
		skipTypes  map[string]bool
		wantOps    []string
		conflicts  []string
		unsupp     []string
		destOnly   []string
		wantUnchgd int
	}{
		{name: "new zone", dst: nil,
			wantOps: []string{"create e.com. A", "create mail.e.com. A", "create www.e.com. CNAME"}, unsupp: []string{"e.com. CAA"}},
		{name: "foreign differing set is a conflict",
			dst:     []providers.RecordSet{rs(z, "SOA", 1, "x"), rs(z, "NS", 1, "ns.new."), rs(z, "A", 300, "198.51.100.1"), rs("old."+z, "A", 1, "1.1.1.1")},
			wantOps: []string{"create mail.e.com. A", "create www.e.com. CNAME"}, conflicts: []string{"e.com. A"},
			unsupp: []string{"e.com. CAA"}, destOnly: []string{"old.e.com. A"}},
		{name: "overwrite replaces it",
			dst:       []providers.RecordSet{rs(z, "A", 300, "198.51.100.1")},
			overwrite: true, wantOps: []string{"update e.com. A", "create mail.e.com. A", "create www.e.com. CNAME"}, unsupp: []string{"e.com. CAA"}},
		{name: "rehome's own set is updated",
			dst:     []providers.RecordSet{rs(z, "A", 300, "198.51.100.1"), rs("mail."+z, "A", 300, "192.0.2.2"), rs("www."+z, "CNAME", 300, "e.com.")},
			records: map[string]SetRecord{"e.com. A": {Written: ptr(rs(z, "A", 300, "198.51.100.1"))}},
			wantOps: []string{"update e.com. A"}, unsupp: []string{"e.com. CAA"}, wantUnchgd: 2},
		{name: "a set rehome wrote but someone changed since is foreign again",
			dst:       []providers.RecordSet{rs(z, "A", 300, "198.51.100.9"), rs("mail."+z, "A", 300, "192.0.2.2"), rs("www."+z, "CNAME", 300, "e.com.")},
			records:   map[string]SetRecord{"e.com. A": {Written: ptr(rs(z, "A", 300, "198.51.100.1"))}},
			conflicts: []string{"e.com. A"}, unsupp: []string{"e.com. CAA"}, wantUnchgd: 2},
		{name: "acknowledged type is skipped", skipTypes: map[string]bool{"CAA": true},
			wantOps: []string{"create e.com. A", "create mail.e.com. A", "create www.e.com. CNAME"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff(DiffInput{Zone: z, Src: src, Dst: tt.dst, DstCaps: caps, Records: tt.records,
				Overwrite: tt.overwrite, SkipTypes: tt.skipTypes})
			var ops []string
			for _, c := range d.Changes {
				ops = append(ops, string(c.Op)+" "+ChangeKeys([]providers.RecordChange{c})[0])
			}
			if diff := cmp.Diff(tt.wantOps, ops); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.conflicts, d.Conflicts); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
			var unsupp []string
			for _, ks := range d.Unsupported {
				unsupp = append(unsupp, ks...)
			}
			if diff := cmp.Diff(tt.unsupp, unsupp); diff != "" {
				t.Errorf("unsupported (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.destOnly, d.DestOnly); diff != "" {
				t.Errorf("dest only (-want +got):\n%s", diff)
			}
			if d.Unchanged != tt.wantUnchgd {
				t.Errorf("unchanged = %d, want %d", d.Unchanged, tt.wantUnchgd)
			}
			if len(d.Apex) != 2 {
				t.Errorf("apex = %v, want SOA and NS left to the destination", d.Apex)
			}
		})
	}
}

func TestLowerTTLChanges(t *testing.T) {
	t.Parallel()
	sets := []providers.RecordSet{rs("e.com.", "SOA", 3600, "x"), rs("e.com.", "A", 3600, "1.2.3.4"), rs("a.e.com.", "A", 30, "1.2.3.5")}
	cs := LowerTTLChanges(sets, 60)
	if len(cs) != 1 || cs[0].New.TTL != 60 || cs[0].Old.TTL != 3600 || cs[0].New.Type != "A" || cs[0].New.Name != "e.com." {
		t.Fatalf("LowerTTLChanges = %+v; want only e.com. A lowered from 3600 to 60", cs)
	}
}

func ptr[T any](v T) *T { return &v }
