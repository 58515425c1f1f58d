package state

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackups(t *testing.T) {
	ctx := t.Context()
	s := Open(filepath.Join(t.TempDir(), "st"))
	tests := []struct {
		name, scope, key, content string
	}{
		{"object", `move.storage.assets.copy["shop-assets"]`, "img/logo.png", "old logo"},
		{"same scope, other key", `move.storage.assets.copy["shop-assets"]`, "index.html", "<html>"},
		{"empty", `move.storage.assets.copy["shop-assets"]`, "empty", ""},
		{"other scope", `move.dns.zones.records["shop.example.com"]`, "www A", "www 300 IN A 192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok, err := s.HasBackup(ctx, tt.scope, tt.key); ok || err != nil {
				t.Fatalf("HasBackup before write = %v, %v", ok, err)
			}
			n, err := s.WriteBackup(ctx, tt.scope, tt.key, strings.NewReader(tt.content))
			if err != nil || n != int64(len(tt.content)) {
				t.Fatalf("WriteBackup = %d, %v", n, err)
			}
			if ok, err := s.HasBackup(ctx, tt.scope, tt.key); !ok || err != nil {
				t.Fatalf("HasBackup after write = %v, %v", ok, err)
			}
			rc, err := s.OpenBackup(ctx, tt.scope, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(got) != tt.content {
				t.Errorf("backup content = %q, %v; want %q", got, err, tt.content)
			}
		})
	}

	t.Run("overwrite", func(t *testing.T) {
		sc, k := tests[0].scope, tests[0].key
		if _, err := s.WriteBackup(ctx, sc, k, bytes.NewReader([]byte("newer"))); err != nil {
			t.Fatal(err)
		}
		rc, _ := s.OpenBackup(ctx, sc, k)
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != "newer" {
			t.Errorf("content = %q", got)
		}
	})
	t.Run("modes and no temp files", func(t *testing.T) {
		root := filepath.Join(s.Dir(), "backups")
		checkMode(t, root, 0o700)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				checkMode(t, p, 0o700)
				return nil
			}
			checkMode(t, p, 0o600)
			if strings.HasPrefix(d.Name(), ".") {
				t.Errorf("temp file left: %s", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("remove scope", func(t *testing.T) {
		sc := tests[0].scope
		if err := s.RemoveBackups(ctx, sc); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveBackups(ctx, sc); err != nil {
			t.Errorf("removing again: %v", err)
		}
		if ok, _ := s.HasBackup(ctx, sc, tests[0].key); ok {
			t.Error("backup still there after RemoveBackups")
		}
		if _, err := s.OpenBackup(ctx, sc, tests[0].key); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenBackup of a removed backup = %v; want os.ErrNotExist", err)
		}
		if ok, _ := s.HasBackup(ctx, tests[3].scope, tests[3].key); !ok {
			t.Error("RemoveBackups removed another scope's backup")
		}
	})
}

// failingReader fails after some bytes, like a broken download.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestWriteBackupFailureLeavesNothing(t *testing.T) {
	ctx := t.Context()
	s := Open(t.TempDir())
	if _, err := s.WriteBackup(ctx, "sc", "k", strings.NewReader("good")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteBackup(ctx, "sc", "k", &failingReader{n: 10}); err == nil {
		t.Fatal("WriteBackup from a failing reader succeeded")
	}
	rc, err := s.OpenBackup(ctx, "sc", "k")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "good" {
		t.Errorf("a failed write replaced the backup: %q", got)
	}
	ents, _ := os.ReadDir(filepath.Dir(s.backupPath("sc", "k")))
	if len(ents) != 1 {
		t.Errorf("%d entries in the scope dir; want 1 (temp file left?)", len(ents))
	}
}
