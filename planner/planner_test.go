package planner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchNames(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		want             bool
	}{
		{"shop-assets", nil, nil, true},
		{"shop-assets", []string{"shop-*"}, nil, true},
		{"logs", []string{"shop-*"}, nil, false},
		{"shop-tmp", []string{"shop-*"}, []string{"*-tmp"}, false},
		{"x", nil, []string{"x"}, false},
	}
	for _, tt := range tests {
		if got := MatchNames(tt.name, tt.include, tt.exclude); got != tt.want {
			t.Errorf("MatchNames(%q, %v, %v) = %v, want %v", tt.name, tt.include, tt.exclude, got, tt.want)
		}
	}
}

func TestFindingIDStable(t *testing.T) {
	a := FindingID("storage.dest_conflict", `move.storage.a.objects["b"]`, "")
	if a != FindingID("storage.dest_conflict", `move.storage.a.objects["b"]`, "") {
		t.Fatal("FindingID is not deterministic")
	}
	if a == FindingID("storage.dest_conflict", `move.storage.a.objects["c"]`, "") {
		t.Fatal("FindingID does not depend on the address")
	}
	if want := "storage-dest-conflict-"; a[:len(want)] != want {
		t.Fatalf("FindingID = %q, want prefix %q", a, want)
	}
}

func TestApplyTargets(t *testing.T) {
	acts := []Action{
		{Address: `move.storage.a.bucket["x"]`},
		{Address: `move.storage.a.objects["x"]`, DependsOn: []string{`move.storage.a.bucket["x"]`}},
		{Address: `move.dns.z.zone["e.com"]`},
	}
	fs := []Finding{{ID: "1", Address: `move.storage.a.objects["x"]`}, {ID: "2", Address: `move.dns.z.zone["e.com"]`}}
	got, gotF := applyTargets(acts, fs, []string{`move.storage.a.objects["x"]`})
	var addrs []string
	for _, a := range got {
		addrs = append(addrs, a.Address)
	}
	if d := cmp.Diff([]string{`move.storage.a.bucket["x"]`, `move.storage.a.objects["x"]`}, addrs); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
	if len(gotF) != 1 || gotF[0].ID != "1" {
		t.Errorf("findings = %+v, want only finding 1", gotF)
	}
	got, _ = applyTargets(acts, fs, []string{"move.dns.z"})
	if len(got) != 1 || got[0].Address != `move.dns.z.zone["e.com"]` {
		t.Errorf("move-level target = %+v", got)
	}
}

func TestContainsName(t *testing.T) {
	tests := []struct {
		line, name string
		want       bool
	}{
		{"bucket: shop-media", "shop-media", true},
		{"bucket: shop-media-2026", "shop-media", false},
		{`s3://shop-media/x`, "shop-media", true},
		{"old-shop-media", "shop-media", false},
		{"a shop-media-x and shop-media", "shop-media", true},
	}
	for _, tt := range tests {
		if got := containsName(tt.line, tt.name); got != tt.want {
			t.Errorf("containsName(%q, %q) = %v, want %v", tt.line, tt.name, got, tt.want)
		}
	}
}
