package sqlite_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
)

// keysFixture: SQLite checks no foreign key unless asked, so orphans of
// a single-column and a composite key are in the file as written; a NULL
// in a key is no orphan. The orders key is text, in byte order.
const keysFixture = `
CREATE TABLE customers (id INTEGER PRIMARY KEY);
CREATE TABLE parents (a INTEGER, b TEXT, PRIMARY KEY (a, b));
CREATE TABLE orders (id TEXT PRIMARY KEY, customer_id INTEGER REFERENCES customers, pa INTEGER, pb TEXT, code TEXT,
  CONSTRAINT orders_parent FOREIGN KEY (pa, pb) REFERENCES parents (a, b));
INSERT INTO customers VALUES (1), (2);
INSERT INTO parents VALUES (1, 'x'), (2, 'y');
INSERT INTO orders VALUES ('a', 1, 1, 'x', 'A'), ('Z', 7, 1, 'x', 'B'), ('c', 8, 2, 'y', 'A'), ('b', NULL, 1, 'y', 'A'),
  ('d', 2, NULL, 'z', NULL), ('B', 9, 3, NULL, NULL), ('e', 2, 2, 'x', 'B');
`

func TestKeyChecks(t *testing.T) {
	ctx := t.Context()
	p := configure(t, newFile(t, keysFixture))
	s, err := p.Schema(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	var customer, parent providers.ForeignKey
	for _, tb := range s.Tables {
		for _, fk := range tb.ForeignKeys {
			if tb.Name == "orders" && fk.RefTable == "customers" {
				customer = fk
			}
			if tb.Name == "orders" && fk.RefTable == "parents" {
				parent = fk
			}
		}
	}
	keys := func(ks ...string) []providers.Row {
		var out []providers.Row
		for _, k := range ks {
			out = append(out, providers.Row{k})
		}
		return out
	}
	for _, c := range []struct {
		name    string
		run     func() (int64, []providers.Row, error)
		count   int64
		samples []providers.Row
	}{
		{"orphans of one column", func() (int64, []providers.Row, error) { return p.Orphans(ctx, "main", "orders", customer, 3) },
			3, keys("B", "Z", "c")},
		{"first sample only", func() (int64, []providers.Row, error) { return p.Orphans(ctx, "main", "orders", customer, 1) },
			3, keys("B")},
		{"orphans of a composite key", func() (int64, []providers.Row, error) { return p.Orphans(ctx, "main", "orders", parent, 3) },
			2, keys("b", "e")},
		{"duplicates", func() (int64, []providers.Row, error) {
			return p.Duplicates(ctx, "main", "orders", []string{"code"}, 3)
		},
			3, keys("b", "c", "e")},
		{"no duplicates", func() (int64, []providers.Row, error) {
			return p.Duplicates(ctx, "main", "orders", []string{"code", "id"}, 3)
		},
			0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			count, samples, err := c.run()
			if err != nil {
				t.Fatal(err)
			}
			if count != c.count || !reflect.DeepEqual(samples, c.samples) {
				t.Errorf("got %d, %v; want %d, %v", count, samples, c.count, c.samples)
			}
		})
	}
	if _, _, err := p.Duplicates(ctx, "main", "orders", []string{"nope"}, 3); err == nil || !strings.Contains(err.Error(), "find the duplicates of [nope] in orders") {
		t.Errorf("unknown column: %v", err)
	}
	if _, _, err := p.Orphans(ctx, "main", "missing", customer, 3); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("missing table: %v; want ErrNotFound", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := p.Duplicates(cctx, "main", "orders", []string{"code"}, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v; want context.Canceled", err)
	}
}
