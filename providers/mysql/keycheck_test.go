package mysql

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
)

// TestKeyChecks: orphans of a single-column and a composite foreign key,
// loaded with foreign_key_checks off (a NULL in the key is no orphan),
// and duplicates, counted by query with the first keys of a composite
// primary key in key order.
func TestKeyChecks(t *testing.T) {
	p, db := testDB(t,
		"SET SESSION foreign_key_checks = 0",
		"CREATE TABLE customers (id int NOT NULL PRIMARY KEY)",
		"CREATE TABLE parents (a int NOT NULL, b varchar(10) NOT NULL, PRIMARY KEY (a, b))",
		`CREATE TABLE orders (region varchar(5) NOT NULL, id int NOT NULL, customer_id int, pa int, pb varchar(10), code varchar(5),
		  PRIMARY KEY (region, id), CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
		  CONSTRAINT orders_parent FOREIGN KEY (pa, pb) REFERENCES parents (a, b))`,
		"INSERT INTO customers VALUES (1), (2)",
		"INSERT INTO parents VALUES (1, 'x'), (2, 'y')",
		`INSERT INTO orders VALUES ('eu', 1, 1, 1, 'x', 'A'), ('us', 10, 7, 1, 'x', 'B'), ('eu', 9, 8, 2, 'y', 'A'), ('eu', 3, NULL, 1, 'y', 'A'),
		  ('us', 4, 2, NULL, 'z', NULL), ('eu', 5, 9, 3, NULL, NULL), ('us', 6, 2, 2, 'x', 'B')`)
	ctx := context.Background()
	s, err := p.Schema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	fks := map[string]providers.ForeignKey{}
	for _, tb := range s.Tables {
		for _, fk := range tb.ForeignKeys {
			fks[fk.Name] = fk
		}
	}
	key := func(region string, id int64) providers.Row { return providers.Row{region, id} }
	for _, c := range []struct {
		name    string
		run     func() (int64, []providers.Row, error)
		count   int64
		samples []providers.Row
	}{
		{"orphans of one column", func() (int64, []providers.Row, error) { return p.Orphans(ctx, db, "orders", fks["orders_customer"], 3) },
			3, []providers.Row{key("eu", 5), key("eu", 9), key("us", 10)}},
		{"first sample only", func() (int64, []providers.Row, error) { return p.Orphans(ctx, db, "orders", fks["orders_customer"], 1) },
			3, []providers.Row{key("eu", 5)}},
		{"orphans of a composite key", func() (int64, []providers.Row, error) { return p.Orphans(ctx, db, "orders", fks["orders_parent"], 3) },
			2, []providers.Row{key("eu", 3), key("us", 6)}},
		{"duplicates", func() (int64, []providers.Row, error) { return p.Duplicates(ctx, db, "orders", []string{"code"}, 3) },
			3, []providers.Row{key("eu", 3), key("eu", 9), key("us", 10)}},
		{"no duplicates", func() (int64, []providers.Row, error) {
			return p.Duplicates(ctx, db, "orders", []string{"code", "id"}, 3)
		},
			0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			count, samples, err := c.run()
			if err != nil {
				t.Fatal(err)
			}
			if count != c.count {
				t.Errorf("count = %d; want %d", count, c.count)
			}
			if d := cmp.Diff(c.samples, samples); d != "" {
				t.Errorf("samples (-want +got):\n%s", d)
			}
		})
	}
	if _, _, err := p.Duplicates(ctx, db, "orders", []string{"nope"}, 3); err == nil || !strings.Contains(err.Error(), "find the duplicates of [nope] in "+db+".orders") {
		t.Errorf("unknown column: %v", err)
	}
	if _, _, err := p.Orphans(ctx, db, "missing", fks["orders_customer"], 3); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("missing table: %v; want ErrNotFound", err)
	}

	// At a held snapshot, rows written since are not seen.
	_, _, release, err := p.Snapshot(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	mysqltest.Exec(t, mysqltest.ServerURL(), "SET SESSION foreign_key_checks = 0", "INSERT INTO `"+db+"`.orders VALUES ('eu', 2, 99, NULL, NULL, NULL)")
	n, _, err := p.Orphans(ctx, db, "orders", fks["orders_customer"], 3)
	if rerr := release(); rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil || n != 3 {
		t.Errorf("at the snapshot: %d orphans, %v; want 3", n, err)
	}
	if n, _, err := p.Orphans(ctx, db, "orders", fks["orders_customer"], 3); err != nil || n != 4 {
		t.Errorf("after the snapshot: %d orphans, %v; want 4", n, err)
	}
}

// TestKillOnCancel: a statement whose context ends is stopped on the
// server, not left running on a dropped connection.
func TestKillOnCancel(t *testing.T) {
	p, _ := testDB(t)
	pool, _, err := p.pool(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var id int64
	if err := conn.QueryRowContext(context.Background(), "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	stop, err := killOnCancel(ctx, pool, conn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, "SELECT SLEEP(30)")
	stop()
	if err == nil {
		t.Fatal("the sleep was not interrupted")
	}
	running := func() bool {
		var n int
		if err := pool.QueryRowContext(context.Background(),
			"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE 'SELECT SLEEP%'", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	for deadline := time.Now().Add(3 * time.Second); running(); {
		if time.Now().After(deadline) {
			t.Fatal("the statement still runs on the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
