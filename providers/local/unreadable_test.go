package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local/localtest"
)

// TestObjectsUnreadable: a folder the listing cannot enter is an entry
// with Unreadable set (its key ending in '/'), in key order among the
// others, instead of a failed listing; discovery counts it and succeeds.
func TestObjectsUnreadable(t *testing.T) {
	root := t.TempDir()
	bucket := filepath.Join(root, "buckets", "b")
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.txt", "z.txt"} {
		if err := os.WriteFile(filepath.Join(bucket, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A chain of folders longer than PATH_MAX: unlistable even for root,
	// where permission bits stop nothing.
	name := localtest.DeepFolder(t, bucket, "m")

	p := newProvider(t, opts{path: root})
	var got []providers.Object
	for o, err := range p.Objects(t.Context(), "b") {
		if err != nil {
			t.Fatalf("listing failed instead of reporting the entry: %v", err)
		}
		got = append(got, o)
	}
	tests := []struct {
		name, key, unreadable string
	}{
		{"readable first", "a.txt", ""},
		{"unreadable folder", "", "cannot list the folder: file name too long"},
		{"readable last", "z.txt", ""},
	}
	if len(got) != len(tests) {
		t.Fatalf("got %d entries, want %d: %+v", len(got), len(tests), got)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := got[i]
			if tc.key != "" && o.Key != tc.key {
				t.Errorf("entry %d key %q, want %q", i, o.Key, tc.key)
			}
			if tc.key == "" && (!strings.HasPrefix(o.Key, name+"/") || !strings.HasSuffix(o.Key, "/")) {
				t.Errorf("entry %d key %q, want a folder key below %s/", i, o.Key, name[:8])
			}
			if o.Unreadable != tc.unreadable {
				t.Errorf("entry %d Unreadable %q, want %q", i, o.Unreadable, tc.unreadable)
			}
		})
	}
	inv, err := p.Discover(t.Context(), providers.Scope{Source: true, Kinds: []providers.Kind{providers.KindStorage}})
	if err != nil {
		t.Fatalf("discovery failed on an unreadable folder: %v", err)
	}
	if r, ok := inv.Find("bucket", "b"); !ok || r.Usage.Objects != 3 {
		t.Errorf("bucket b: %+v (found %v), want 3 entries counted", r, ok)
	}
}

// TestWhere: "not found" messages name the file or folder rehome looked
// for, below the path as configured.
func TestWhere(t *testing.T) {
	dir := t.TempDir()
	p := newProvider(t, opts{path: "legacy", dir: dir})
	tests := []struct {
		name string
		kind providers.Kind
		res  string
		want string
	}{
		{"bucket", providers.KindStorage, "shop", "no folder buckets/shop/ under legacy/"},
		{"zone", providers.KindDNS, "example.org", "no file zones/example.org.zone under legacy/"},
		{"zone with dot", providers.KindDNS, "example.org.", "no file zones/example.org.zone under legacy/"},
		{"secrets", providers.KindSecrets, "", "no file secrets.env or secrets.env.age under legacy/"},
		{"queue", providers.KindQueue, "q", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Where(tc.kind, tc.res); got != tc.want {
				t.Errorf("Where(%s, %q) = %q, want %q", tc.kind, tc.res, got, tc.want)
			}
		})
	}
	_, err := p.Records(t.Context(), "example.org")
	if err == nil || !strings.Contains(err.Error(), `zone "example.org": no file zones/example.org.zone under legacy/`) {
		t.Errorf("Records of a missing zone: %v", err)
	}
}
