package providertest

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

// Creates returns create changes for the sets.
func Creates(sets ...providers.RecordSet) []providers.RecordChange {
	cs := make([]providers.RecordChange, 0, len(sets))
	for i := range sets {
		cs = append(cs, providers.RecordChange{Op: providers.ChangeCreate, New: &sets[i]})
	}
	return cs
}

// ApplyRecords applies the changes to zone and fails the test on an error.
func ApplyRecords(t testing.TB, d providers.DNS, zone string, cs ...providers.RecordChange) {
	t.Helper()
	if err := d.ApplyRecords(t.Context(), zone, cs); err != nil {
		t.Fatalf("apply records to %s: %v", zone, err)
	}
}

// SetsByKey reads a zone's record sets, keyed by RecordSet.Key.
func SetsByKey(t testing.TB, d providers.DNS, zone string) map[string]providers.RecordSet {
	t.Helper()
	sets, err := d.Records(t.Context(), zone)
	if err != nil {
		t.Fatalf("records of %s: %v", zone, err)
	}
	out := make(map[string]providers.RecordSet, len(sets))
	for _, rs := range sets {
		out[rs.Key()] = rs
	}
	return out
}

// RoundTripCase is one record set written and read back; Want is what
// the provider must read back (nil: In's values, sorted).
type RoundTripCase struct {
	Name string
	In   providers.RecordSet
	Want []string
}

// CheckRoundTrip creates zone, writes every case's set in one batch,
// reads the zone back and compares each set (a subtest per case); it
// returns what was read.
func CheckRoundTrip(t *testing.T, d providers.DNS, zone string, cases []RoundTripCase) map[string]providers.RecordSet {
	t.Helper()
	if _, err := d.CreateZone(t.Context(), providers.Zone{Name: zone}); err != nil {
		t.Fatalf("create zone %s: %v", zone, err)
	}
	sets := make([]providers.RecordSet, 0, len(cases))
	for _, tc := range cases {
		sets = append(sets, tc.In)
	}
	ApplyRecords(t, d, zone, Creates(sets...)...)
	got := SetsByKey(t, d, zone)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			want := tc.In
			want.Values = tc.Want
			if want.Values == nil {
				want.Values = slices.Sorted(slices.Values(tc.In.Values))
			}
			if diff := cmp.Diff(want, got[tc.In.Key()]); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
	return got
}

// WantError fails the test unless err is set, says every one of want and
// does not show secret.
func WantError(t testing.TB, err error, secret string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error; want one")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("error shows a secret: %v", err)
	}
}
