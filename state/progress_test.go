package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type item struct {
	ETag string `json:"etag"`
	Size int64  `json:"size"`
}

func TestProgress(t *testing.T) {
	ctx := t.Context()
	s := Open(filepath.Join(t.TempDir(), "st"))
	p, err := s.OpenProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	checkMode(t, filepath.Join(s.Dir(), "progress.db"), 0o600)

	const scope = `move.storage.assets.copy["shop-assets"]`
	for _, k := range []string{"b/2", "a", "b/10", "c"} {
		if err := p.Put(ctx, scope, k, item{ETag: "e-" + k, Size: int64(len(k))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.PutMany(ctx, "other", map[string]any{"x": 1, "y": 2}); err != nil {
		t.Fatal(err)
	}
	if err := p.Put(ctx, scope, "a", item{ETag: "new", Size: 9}); err != nil { // overwrite
		t.Fatal(err)
	}

	t.Run("get", func(t *testing.T) {
		tests := []struct {
			scope, key string
			found      bool
			want       item
		}{
			{scope, "a", true, item{ETag: "new", Size: 9}},
			{scope, "b/10", true, item{ETag: "e-b/10", Size: 4}},
			{scope, "missing", false, item{}},
			{"no-such-scope", "a", false, item{}},
		}
		for _, tt := range tests {
			t.Run(tt.scope+"/"+tt.key, func(t *testing.T) {
				var got item
				found, err := p.Get(ctx, tt.scope, tt.key, &got)
				if err != nil || found != tt.found {
					t.Fatalf("Get = %v, %v; want found %v", found, err, tt.found)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("foreach in key order", func(t *testing.T) {
		var keys []string
		err := p.ForEach(ctx, scope, func(k string, raw []byte) error {
			var it item
			if err := json.Unmarshal(raw, &it); err != nil {
				return err
			}
			keys = append(keys, k)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"a", "b/10", "b/2", "c"}, keys); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		stop := errors.New("stop")
		n := 0
		err = p.ForEach(ctx, scope, func(string, []byte) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("ForEach with a failing fn = %v after %d calls", err, n)
		}
		if err := p.ForEach(ctx, "no-such-scope", func(string, []byte) error { return stop }); err != nil {
			t.Errorf("ForEach of a missing scope = %v", err)
		}
	})
	t.Run("count and scopes", func(t *testing.T) {
		for sc, want := range map[string]int{scope: 4, "other": 2, "none": 0} {
			if n, err := p.Count(ctx, sc); err != nil || n != want {
				t.Errorf("Count(%s) = %d, %v; want %d", sc, n, err, want)
			}
		}
		got, err := p.Scopes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{scope, "other"}, got); diff != "" {
			t.Errorf("Scopes (-want +got):\n%s", diff)
		}
	})
	t.Run("delete scope", func(t *testing.T) {
		if err := p.DeleteScope(ctx, "other"); err != nil {
			t.Fatal(err)
		}
		if err := p.DeleteScope(ctx, "other"); err != nil {
			t.Errorf("deleting a missing scope: %v", err)
		}
		if n, _ := p.Count(ctx, "other"); n != 0 {
			t.Errorf("Count after delete = %d", n)
		}
		got, _ := p.Scopes(ctx)
		if diff := cmp.Diff([]string{scope}, got); diff != "" {
			t.Errorf("Scopes (-want +got):\n%s", diff)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if err := p.Put(ctx, "", "k", 1); err == nil {
			t.Error("Put with an empty scope succeeded")
		}
		if err := p.Put(ctx, scope, "", 1); err == nil {
			t.Error("Put with an empty key succeeded")
		}
		if err := p.Put(ctx, scope, "k", func() {}); err == nil {
			t.Error("Put of a value JSON cannot encode succeeded")
		}
	})
}

func TestProgressConcurrentDurable(t *testing.T) {
	ctx := t.Context()
	s := Open(t.TempDir())
	p, err := s.OpenProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := p.Put(ctx, "copy", fmt.Sprintf("w%02d/%03d", w, i), item{Size: int64(i)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := s.OpenProgressReadOnly(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if n, err := ro.Count(ctx, "copy"); err != nil || n != workers*each {
		t.Fatalf("after reopen Count = %d, %v; want %d", n, err, workers*each)
	}
	for w := range workers {
		for i := range each {
			var it item
			if ok, err := ro.Get(ctx, "copy", fmt.Sprintf("w%02d/%03d", w, i), &it); !ok || err != nil || it.Size != int64(i) {
				t.Fatalf("w%02d/%03d: %v, %v, %+v", w, i, ok, err, it)
			}
		}
	}
	if err := ro.Put(ctx, "copy", "x", 1); err == nil {
		t.Error("Put on a read-only Progress succeeded")
	}
}

func TestProgressReadOnlyMissing(t *testing.T) {
	_, err := Open(t.TempDir()).OpenProgressReadOnly(t.Context())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v; want fs.ErrNotExist", err)
	}
}

func TestProgressDelete(t *testing.T) {
	ctx := t.Context()
	p, err := Open(filepath.Join(t.TempDir(), "st")).OpenProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.PutMany(ctx, "s", map[string]any{"a": 1, "b": 2}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "a", "missing"} {
		if err := p.Delete(ctx, "s", k); err != nil {
			t.Fatalf("Delete(%q): %v", k, err)
		}
	}
	if err := p.Delete(ctx, "no-such-scope", "x"); err != nil {
		t.Fatalf("Delete in a missing scope: %v", err)
	}
	if n, err := p.Count(ctx, "s"); err != nil || n != 1 {
		t.Fatalf("Count = %d, %v; want 1 (only b left)", n, err)
	}
	if found, _ := p.Get(ctx, "s", "b", new(int)); !found {
		t.Fatal("b was deleted too")
	}
}
