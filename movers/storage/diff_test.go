package storage

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func TestFileKeyProblems(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 123, time.UTC)
	src := providers.Object{Key: "k", Size: 10, ModTime: t0, ETag: "abc"}
	later := t0.Add(time.Hour) // the destination's mtime as rehome left it
	done := &ObjectRecord{State: ItemDone, SrcSize: 10, SrcMTime: t0.UnixNano(), SrcETag: "abc", Left: &Version{Size: 10, MTime: later.UnixNano()}}
	tests := []struct {
		name string
		dst  providers.Object
		rec  *ObjectRecord
		want bool
	}{
		{"size differs", providers.Object{Size: 9, ModTime: t0}, done, false},
		{"recorded copy of this version", providers.Object{Size: 10, ModTime: later}, done, true},
		{"recorded copy of an older version", providers.Object{Size: 10, ModTime: later},
			&ObjectRecord{State: ItemDone, SrcSize: 10, SrcMTime: t0.Add(-time.Hour).UnixNano(), SrcETag: "abc", Left: &Version{Size: 10, MTime: later.UnixNano()}}, true /* same etag */},
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
