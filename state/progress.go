package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// progressOpenTimeout bounds how long opening progress.db waits for another
// process that has it open (bbolt holds a file lock on it).
const progressOpenTimeout = 5 * time.Second

// Progress records per-item progress of large copies in <dir>/progress.db,
// an embedded transactional store (bbolt). Items live in scopes (usually an
// action's address); keys are item keys, values JSON. It is safe for
// concurrent use. Only one process may have it open for writing; a
// read-only open waits for a writer to close it.
type Progress struct {
	db   *bolt.DB
	path string
}

// OpenProgress opens (creating it if needed) progress.db for reading and
// writing. It fails, rather than hangs, if another process keeps it open
// for longer than a few seconds or past ctx's deadline.
func (s *Store) OpenProgress(ctx context.Context) (*Progress, error) {
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return nil, fmt.Errorf("state: progress: create %s: %w", s.dir, err)
	}
	return s.openProgress(ctx, false)
}

// OpenProgressReadOnly opens an existing progress.db for reading only, for
// diagnostics and tests. It wraps fs.ErrNotExist if there is none.
func (s *Store) OpenProgressReadOnly(ctx context.Context) (*Progress, error) {
	return s.openProgress(ctx, true)
}

func (s *Store) openProgress(ctx context.Context, readOnly bool) (*Progress, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := s.path(progressName)
	timeout := progressOpenTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(d)), time.Millisecond)
	}
	db, err := bolt.Open(p, fileMode, &bolt.Options{Timeout: timeout, ReadOnly: readOnly})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state: open %s: another process has it open: %w", p, err)
	}
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", p, err)
	}
	return &Progress{db: db, path: p}, nil
}

// Put stores v under key in scope. Concurrent Puts are coalesced into few
// transactions (and fsyncs); when Put returns, v is durable. A lone Put
// waits a few milliseconds for company: write many items from one goroutine
// with PutMany.
func (p *Progress) Put(ctx context.Context, scope, key string, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state: progress put %s %s: %w", scope, key, err)
	}
	err = p.db.Batch(func(tx *bolt.Tx) error { // may run more than once: idempotent
		b, err := tx.CreateBucketIfNotExists([]byte(scope))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), data)
	})
	if err != nil {
		return fmt.Errorf("state: progress put %s %s: %w", scope, key, err)
	}
	return nil
}

// PutMany stores all items in scope in one transaction.
func (p *Progress) PutMany(ctx context.Context, scope string, items map[string]any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	enc := make(map[string][]byte, len(items))
	for k, v := range items {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("state: progress put %s %s: %w", scope, k, err)
		}
		enc[k] = data
	}
	err := p.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(scope))
		if err != nil {
			return err
		}
		for k, data := range enc {
			if err := b.Put([]byte(k), data); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: progress put %d items in %s: %w", len(items), scope, err)
	}
	return nil
}

// Get decodes the value of key in scope into v and reports whether there
// was one.
func (p *Progress) Get(ctx context.Context, scope, key string, v any) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var found bool
	err := p.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(scope))
		if b == nil {
			return nil
		}
		data := b.Get([]byte(key))
		if data == nil {
			return nil
		}
		found = true
		return json.Unmarshal(data, v)
	})
	if err != nil {
		return found, fmt.Errorf("state: progress get %s %s: %w", scope, key, err)
	}
	return found, nil
}

// ForEach calls fn for every item of scope in key byte order, with the raw
// JSON value (a copy fn may keep). It stops at fn's first error, or when
// ctx is done, and returns it. fn must not write to p.
func (p *Progress) ForEach(ctx context.Context, scope string, fn func(key string, raw []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := 0
	err := p.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(scope))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return fn(string(k), append([]byte(nil), v...))
		})
	})
	if err != nil {
		return fmt.Errorf("state: progress list %s: %w", scope, err)
	}
	return nil
}

// Page calls fn for up to limit items of scope whose keys follow after
// (from the first when after is ""), in key byte order, in one short read
// transaction, and returns the last key it passed to fn. raw is valid only
// during the call. Callers page through a large scope without holding a
// transaction open between pages.
func (p *Progress) Page(ctx context.Context, scope, after string, limit int, fn func(key string, raw []byte) error) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	last := ""
	err := p.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(scope))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if after == "" {
			k, v = c.First()
		} else if k, v = c.Seek([]byte(after)); k != nil && string(k) == after {
			k, v = c.Next()
		}
		for n := 0; k != nil && n < limit; k, v = c.Next() {
			if v == nil {
				continue // a nested bucket, not an item
			}
			last = string(k)
			if err := fn(last, v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return last, fmt.Errorf("state: progress list %s: %w", scope, err)
	}
	return last, nil
}

// Count returns the number of items in scope.
func (p *Progress) Count(ctx context.Context, scope string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := p.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(scope)); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("state: progress count %s: %w", scope, err)
	}
	return n, nil
}

// DeleteScope removes scope and all its items; a missing scope is fine.
func (p *Progress) DeleteScope(ctx context.Context, scope string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := p.db.Update(func(tx *bolt.Tx) error {
		err := tx.DeleteBucket([]byte(scope))
		if errors.Is(err, berrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("state: progress delete %s: %w", scope, err)
	}
	return nil
}

// Delete removes one key of a scope; a missing key or scope is not an error.
func (p *Progress) Delete(ctx context.Context, scope, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := p.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(scope))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("state: progress delete %s/%s: %w", scope, key, err)
	}
	return nil
}

// Scopes returns the names of all scopes, in byte order.
func (p *Progress) Scopes(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []string
	err := p.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			out = append(out, string(name))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: progress scopes: %w", err)
	}
	return out, nil
}

// Close closes the database.
func (p *Progress) Close() error {
	if err := p.db.Close(); err != nil {
		return fmt.Errorf("state: close %s: %w", p.path, err)
	}
	return nil
}
