package local

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncPaths makes the files written under root durable, and the folders
// naming them: on Linux with one syncfs(2) of root's file system, which
// writes back everything at once instead of an fsync per file.
func syncPaths(ctx context.Context, root string, _ []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := os.Open(root)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", root, err)
	}
	return nil
}
