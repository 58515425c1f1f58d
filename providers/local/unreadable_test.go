package local

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rehome/rehome/providers"
)

// TestObjectsUnreadable: a folder the listing cannot enter is an entry
// with Unreadable set (its key ending in '/'), in key order among the
// others, instead of a failed listing; discovery counts it and succeeds.
func TestObjectsUnreadable(t *testing.T) {
	root := t.TempDir()
	bucket := filepath.Join(root, "buckets", "b")
	for _, f := range []string{"a.txt", "z.txt"} {
		if err := os.MkdirAll(bucket, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bucket, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A chain of folders longer than PATH_MAX: unlistable even for root.
	name := strings.Repeat("m", 200)
	fd, err := syscall.Open(bucket, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 22 {
		if err := syscall.Mkdirat(fd, name, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := syscall.Openat(fd, name, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		syscall.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	syscall.Close(fd)

	p := configured(t, root)
	var got []string
	for o, err := range p.Objects(t.Context(), "b") {
		if err != nil {
			t.Fatalf("listing failed instead of reporting the entry: %v", err)
		}
		got = append(got, o.Key+"|"+o.Unreadable)
	}
	tests := []struct {
		name, prefix, unreadable string
	}{
		{"readable first", "a.txt|", ""},
		{"unreadable folder", name + "/|", "cannot list the folder: file name too long"},
		{"readable last", "z.txt|", ""},
	}
	if len(got) != len(tests) {
		t.Fatalf("got %d entries, want %d: %q", len(got), len(tests), got)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.HasPrefix(got[i], tc.prefix) || !strings.HasSuffix(got[i], "|"+tc.unreadable) {
				t.Errorf("entry %d = %q, want key %q and reason %q", i, got[i], tc.prefix, tc.unreadable)
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
