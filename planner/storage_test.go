package planner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func TestFileKeyProblems(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want []string
	}{
		{"clean", []string{"a-c", "a/b", "a/c/d"}, nil},
		{"file and folder", []string{"a", "a-x", "a/b"}, []string{"a", "a/b"}},
		{"deep folder", []string{"x/y", "x/y/z/w"}, []string{"x/y", "x/y/z/w"}},
		{"bad segments", []string{"/abs", "dir/", "a//b", "./a", "a/../b", "ok"}, []string{"/abs", "dir/", "a//b", "./a", "a/../b"}},
		{"nul", []string{"a\x00b"}, []string{"a\x00b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, FileKeyProblems(tt.keys)); d != "" {
				t.Errorf("FileKeyProblems (-want +got):\n%s", d)
			}
		})
	}
}

func TestSameObject(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 123, time.UTC)
	src := providers.Object{Key: "k", Size: 10, ModTime: t0, ETag: "abc"}
	later := t0.Add(time.Hour) // the destination's mtime as rehome left it
	done := &ObjectRecord{State: ItemDone, SrcSize: 10, SrcMTime: t0.UnixNano(), SrcETag: "abc", Left: &LeftObject{Size: 10, MTime: later.UnixNano()}}
	tests := []struct {
		name string
		dst  providers.Object
		rec  *ObjectRecord
		want bool
	}{
		{"size differs", providers.Object{Size: 9, ModTime: t0}, done, false},
		{"recorded copy of this version", providers.Object{Size: 10, ModTime: later}, done, true},
		{"recorded copy of an older version", providers.Object{Size: 10, ModTime: later},
			&ObjectRecord{State: ItemDone, SrcSize: 10, SrcMTime: t0.Add(-time.Hour).UnixNano(), SrcETag: "abc", Left: &LeftObject{Size: 10, MTime: later.UnixNano()}}, true /* same etag */},
		{"destination changed since rehome wrote it", providers.Object{Size: 10, ModTime: later.Add(time.Minute)}, done, false},
		{"same mtime to the second", providers.Object{Size: 10, ModTime: t0.Truncate(time.Second)}, nil, true},
		{"different mtime, no record", providers.Object{Size: 10, ModTime: t0.Add(2 * time.Second)}, nil, false},
		{"write in flight is checked by content", providers.Object{Size: 10, ModTime: t0}, &ObjectRecord{State: ItemWriting}, false},
		{"equal etags", providers.Object{Size: 10, ETag: "abc"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameObject(src, tt.dst, tt.rec); got != tt.want {
				t.Errorf("SameObject = %v, want %v", got, tt.want)
			}
		})
	}
	multipart := providers.Object{Key: "k", Size: 10, ETag: "abc-2"}
	if SameObject(multipart, providers.Object{Size: 10, ETag: "abc-2", ModTime: t0}, nil) {
		t.Errorf("multipart ETags must not count as checksums")
	}
}

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
