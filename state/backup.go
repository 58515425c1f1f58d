package state

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Backups keep what rehome overwrote at a destination, so rollback can put
// it back. A backup is addressed by scope (usually an action's address) and
// key (the item's key) and stored at
// <dir>/backups/<sha256(scope)[:16]>/<sha256(key)>. Its content is the
// caller's; store no secret values.

func (s *Store) backupScopeDir(scope string) string {
	h := sha256.Sum256([]byte(scope))
	return filepath.Join(s.dir, backupsDir, hex.EncodeToString(h[:])[:16])
}

func (s *Store) backupPath(scope, key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(s.backupScopeDir(scope), hex.EncodeToString(h[:]))
}

// WriteBackup stores r's content as the backup of key in scope, atomically,
// replacing any earlier one, and returns its size.
func (s *Store) WriteBackup(ctx context.Context, scope, key string, r io.Reader) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	dir := s.backupScopeDir(scope)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return 0, fmt.Errorf("state: backup %s %s: create %s: %w", scope, key, dir, err)
	}
	var n int64
	if err := writeAtomic(ctx, s.backupPath(scope, key), r, &n); err != nil {
		return 0, fmt.Errorf("state: backup %s %s: %w", scope, key, err)
	}
	return n, nil
}

// OpenBackup opens the backup of key in scope. The error wraps
// fs.ErrNotExist when there is none.
func (s *Store) OpenBackup(ctx context.Context, scope, key string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.backupPath(scope, key))
	if err != nil {
		return nil, fmt.Errorf("state: open backup %s %s: %w", scope, key, err)
	}
	return f, nil
}

// HasBackup reports whether there is a backup of key in scope.
func (s *Store) HasBackup(ctx context.Context, scope, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, err := os.Stat(s.backupPath(scope, key))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("state: stat backup %s %s: %w", scope, key, err)
	}
}

// RemoveBackups removes all backups of scope; none is fine.
func (s *Store) RemoveBackups(ctx context.Context, scope string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.RemoveAll(s.backupScopeDir(scope)); err != nil {
		return fmt.Errorf("state: remove backups of %s: %w", scope, err)
	}
	return nil
}
