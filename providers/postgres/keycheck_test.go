package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

// keysFixture has orphans of a single-column and a composite foreign
// key, both NOT VALID (so PostgreSQL let them in), rows whose foreign
// key holds a NULL (not orphans), and duplicates under a unique index
// left invalid by a failed CREATE UNIQUE INDEX CONCURRENTLY. The orders
// key is numeric, read through its text form: 9 comes before 10.
const keysFixture = `
CREATE SCHEMA app;
CREATE TABLE app.customers (id int PRIMARY KEY);
CREATE TABLE app.parents (a int, b text, PRIMARY KEY (a, b));
CREATE TABLE app.orders (id numeric PRIMARY KEY, customer_id int, pa int, pb text, code text);
INSERT INTO app.customers VALUES (1), (2);
INSERT INTO app.parents VALUES (1, 'x'), (2, 'y');
INSERT INTO app.orders VALUES
  (1, 1, 1, 'x', 'A'), (10, 7, 1, 'x', 'B'), (9, 8, 2, 'y', 'A'), (3, NULL, 1, 'y', 'A'),
  (4, 2, NULL, 'z', NULL), (5, 9, 3, NULL, NULL), (6, 2, 2, 'x', 'B');
ALTER TABLE app.orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES app.customers NOT VALID;
ALTER TABLE app.orders ADD CONSTRAINT orders_parent FOREIGN KEY (pa, pb) REFERENCES app.parents NOT VALID;
`

func TestKeyChecks(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, keysFixture)
	pgtest.InvalidUniqueIndex(t, url, "orders_code ON app.orders (code)")
	p := configure(t, url)
	s, err := p.Schema(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	var orders providers.Table
	for _, tb := range s.Tables {
		if tb.Name == "orders" {
			orders = tb
		}
	}
	fks := map[string]providers.ForeignKey{}
	for _, fk := range orders.ForeignKeys {
		fks[fk.Name] = fk
	}
	row := func(vs ...any) providers.Row { return providers.Row(vs) }
	for _, c := range []struct {
		name    string
		run     func(n int) (int64, []providers.Row, error)
		n       int
		count   int64
		samples []providers.Row
	}{
		{"orphans of one column", func(n int) (int64, []providers.Row, error) {
			return p.Orphans(ctx, "app", "orders", fks["orders_customer"], n)
		},
			3, 3, []providers.Row{row("5"), row("9"), row("10")}},
		{"orphans, first sample only", func(n int) (int64, []providers.Row, error) {
			return p.Orphans(ctx, "app", "orders", fks["orders_customer"], n)
		},
			1, 3, []providers.Row{row("5")}},
		{"orphans of a composite key", func(n int) (int64, []providers.Row, error) {
			return p.Orphans(ctx, "app", "orders", fks["orders_parent"], n)
		},
			3, 2, []providers.Row{row("3"), row("6")}},
		{"duplicates", func(n int) (int64, []providers.Row, error) {
			return p.Duplicates(ctx, "app", "orders", []string{"code"}, n)
		},
			3, 3, []providers.Row{row("3"), row("9"), row("10")}},
		{"no duplicates", func(n int) (int64, []providers.Row, error) {
			return p.Duplicates(ctx, "app", "orders", []string{"code", "id"}, n)
		},
			3, 0, nil},
		{"no orphans", func(n int) (int64, []providers.Row, error) {
			return p.Orphans(ctx, "app", "parents", providers.ForeignKey{Name: "x", Columns: []string{"a"}, RefTable: "customers", RefColumns: []string{"id"}}, n)
		}, 3, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			count, samples, err := c.run(c.n)
			if err != nil {
				t.Fatal(err)
			}
			if count != c.count || !reflect.DeepEqual(samples, c.samples) {
				t.Errorf("got %d, %v; want %d, %v", count, samples, c.count, c.samples)
			}
		})
	}
	// The unique index, invalid at the source, is in the schema: the plan
	// checks it.
	found := false
	for _, ix := range orders.Indexes {
		found = found || ix.Name == "orders_code" && ix.Unique
	}
	if !found {
		t.Errorf("the invalid unique index is not in the schema: %+v", orders.Indexes)
	}

	// At a held snapshot, rows written since are not seen.
	_, _, release, err := p.Snapshot(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, url, "ALTER TABLE app.orders DROP CONSTRAINT orders_customer", "INSERT INTO app.orders VALUES (2, 99, NULL, NULL, NULL)")
	n, _, err := p.Orphans(ctx, "app", "orders", fks["orders_customer"], 3)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err != nil || n != 3 {
		t.Errorf("at the snapshot: %d orphans, %v; want 3", n, err)
	}
	if n, _, err := p.Orphans(ctx, "app", "orders", fks["orders_customer"], 3); err != nil || n != 4 {
		t.Errorf("after the snapshot: %d orphans, %v; want 4", n, err)
	}

	// Errors name what was checked; a cancelled context stops the query.
	if _, _, err := p.Duplicates(ctx, "app", "orders", []string{"nope"}, 3); err == nil || !strings.Contains(err.Error(), "find the duplicates of [nope] in app.orders") {
		t.Errorf("unknown column: %v", err)
	}
	if _, _, err := p.Orphans(ctx, "app", "missing", fks["orders_customer"], 3); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("missing table: %v; want ErrNotFound", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := p.Duplicates(cctx, "app", "orders", []string{"code"}, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v; want context.Canceled", err)
	}
}
