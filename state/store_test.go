package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sampleFile(t *testing.T) *File {
	t.Helper()
	f := NewFile()
	f.Migration = "shop"
	f.Phase = "applied"
	f.SetResource(Resource{Address: "move.storage.assets.bucket[\"b\"]", Kind: "storage", Type: "bucket", Env: "hetzner", Name: "b", Created: true})
	f.SetResource(Resource{Address: "move.dns.zones.zone[\"a\"]", Kind: "dns", Type: "zone", Env: "hetzner", Name: "a", Changed: true, Attrs: map[string]string{"ttl": "300"}})
	seq := f.Begin("apply", "move.dns.zones.zone[\"a\"]", "lower_ttl", "prepare", Undo{Description: "restore TTL 300",
		Kind: "dns", Type: "source_ttl", Keys: []string{"a"}, Params: []byte(`{"ttl":300}`)})
	f.End(seq, Done, Result{Copied: 3, Bytes: 42})
	return f
}

func TestLoadMissing(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "st")
	s := Open(dir)
	f1, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f1.Version != FormatVersion || f1.Serial != 0 || len(f1.Resources) != 0 || len(f1.Journal) != 0 {
		t.Errorf("fresh file = %+v", f1)
	}
	if len(f1.Lineage) != 36 || f1.Lineage == f2.Lineage {
		t.Errorf("lineages %q, %q: want two distinct UUIDs", f1.Lineage, f2.Lineage)
	}
	if ok, err := s.Exists(ctx); err != nil || ok {
		t.Errorf("Exists = %v, %v; want false", ok, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load created %s (err %v)", dir, err)
	}
}

func TestSaveLoad(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "a", "st")
	s := Open(dir)
	f := sampleFile(t)

	for want := uint64(1); want <= 3; want++ {
		if err := s.Save(ctx, f); err != nil {
			t.Fatal(err)
		}
		if f.Serial != want {
			t.Fatalf("serial after save %d = %d", want, f.Serial)
		}
	}
	got, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("round trip (-saved +loaded):\n%s", diff)
	}
	if ok, err := s.Exists(ctx); err != nil || !ok {
		t.Errorf("Exists = %v, %v; want true", ok, err)
	}

	t.Run("backup is the previous version", func(t *testing.T) {
		b, err := decodeFile(filepath.Join(dir, "state.json.backup"))
		if err != nil {
			t.Fatal(err)
		}
		if b.Serial != 2 || b.Lineage != f.Lineage {
			t.Errorf("backup serial %d lineage %s; want 2, %s", b.Serial, b.Lineage, f.Lineage)
		}
	})
	t.Run("modes", func(t *testing.T) {
		checkMode(t, dir, 0o700)
		checkMode(t, filepath.Join(dir, "state.json"), 0o600)
		checkMode(t, filepath.Join(dir, "state.json.backup"), 0o600)
	})
	t.Run("no temp files", func(t *testing.T) {
		checkDir(t, dir, "state.json", "state.json.backup")
	})
}

func TestSaveRefuses(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name string
		// prepare saves something to s and returns the File to save next.
		prepare func(t *testing.T, s *Store) *File
		check   func(t *testing.T, err error)
	}{
		{
			name: "other lineage",
			prepare: func(t *testing.T, s *Store) *File {
				mustSave(t, s, NewFile())
				return NewFile()
			},
			check: func(t *testing.T, err error) {
				var le *LineageError
				if !errors.As(err, &le) {
					t.Fatalf("err = %v; want *LineageError", err)
				}
			},
		},
		{
			name: "stale serial",
			prepare: func(t *testing.T, s *Store) *File {
				f := NewFile()
				mustSave(t, s, f)
				old := f.Clone()
				mustSave(t, s, f)
				return old
			},
			check: func(t *testing.T, err error) {
				var se *StaleError
				if !errors.As(err, &se) || se.DiskSerial != 2 || se.FileSerial != 1 {
					t.Fatalf("err = %v; want *StaleError 2 over 1", err)
				}
			},
		},
		{
			name: "newer format on disk",
			prepare: func(t *testing.T, s *Store) *File {
				writeState(t, s, `{"version": 99, "lineage": "x", "serial": 5}`)
				f := NewFile()
				f.Lineage = "x"
				f.Serial = 5
				return f
			},
			check: func(t *testing.T, err error) {
				var ve *VersionError
				if !errors.As(err, &ve) {
					t.Fatalf("err = %v; want *VersionError", err)
				}
			},
		},
		{
			name: "corrupt file on disk",
			prepare: func(t *testing.T, s *Store) *File {
				writeState(t, s, `{"version": 1, "lin`)
				return NewFile()
			},
			check: func(t *testing.T, err error) {
				var ue *UnusableError
				if !errors.As(err, &ue) {
					t.Fatalf("err = %v; want *UnusableError", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t.TempDir())
			f := tt.prepare(t, s)
			before, _ := os.ReadFile(filepath.Join(s.Dir(), "state.json"))
			serial := f.Serial
			err := s.Save(ctx, f)
			tt.check(t, err)
			if f.Serial != serial {
				t.Errorf("serial changed on a refused save: %d -> %d", serial, f.Serial)
			}
			after, _ := os.ReadFile(filepath.Join(s.Dir(), "state.json"))
			if string(before) != string(after) {
				t.Errorf("state.json changed on a refused save")
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		check   func(t *testing.T, err error)
	}{
		{"future version", `{"version": 3, "lineage": "x"}`, func(t *testing.T, err error) {
			var ve *VersionError
			if !errors.As(err, &ve) || ve.Version != 3 || ve.Supported != FormatVersion {
				t.Fatalf("err = %v; want *VersionError for 3", err)
			}
			if !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "upgrade rehome") {
				t.Errorf("message %q should say the file is newer", err)
			}
		}},
		{"not json", "this is not json", wantUnusable},
		{"truncated", `{"version": 1, "lineage": "x", "resources": [`, wantUnusable},
		{"no version", `{"lineage": "x"}`, wantUnusable},
		{"version zero", `{"version": 0, "lineage": "x"}`, wantUnusable},
		{"no lineage", `{"version": 1}`, wantUnusable},
		{"unknown field", `{"version": 1, "lineage": "x", "extra": true}`, wantUnusable},
		{"trailing data", `{"version": 1, "lineage": "x"} {}`, wantUnusable},
		{"wrong type", `{"version": 1, "lineage": "x", "serial": "one"}`, wantUnusable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t.TempDir())
			writeState(t, s, tt.content)
			_, err := s.Load(t.Context())
			tt.check(t, err)
		})
	}
}

func wantUnusable(t *testing.T, err error) {
	t.Helper()
	var ue *UnusableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v; want *UnusableError", err)
	}
	if !strings.HasSuffix(ue.Path, "state.json") || !strings.Contains(err.Error(), ue.Path) {
		t.Errorf("error %q should name the file", err)
	}
	if errors.Unwrap(err) == nil {
		t.Errorf("UnusableError should unwrap to the cause")
	}
}

func TestSaveContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s := Open(t.TempDir())
	if err := s.Save(ctx, NewFile()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}

func mustSave(t *testing.T, s *Store, f *File) {
	t.Helper()
	if err := s.Save(t.Context(), f); err != nil {
		t.Fatal(err)
	}
}

func writeState(t *testing.T, s *Store, content string) {
	t.Helper()
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir(), "state.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func decodeFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decode(path, data)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %o; want %o", path, got, want)
	}
}

// checkDir fails unless dir holds exactly the named entries.
func checkDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries of %s (-want +got):\n%s", dir, diff)
	}
}
