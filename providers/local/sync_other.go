//go:build !linux

package local

import (
	"context"
	"os"
	"path/filepath"
)

// syncPaths makes the files written under root durable, and the folders
// naming them, one fsync each (no syncfs here).
func syncPaths(ctx context.Context, _ string, paths []string) error {
	dirs := map[string]bool{}
	for _, p := range append([]string(nil), paths...) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fsyncPath(p); err != nil && !os.IsNotExist(err) {
			return err
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := fsyncPath(d); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func fsyncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
