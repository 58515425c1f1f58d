package mysql

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
)

// chained reads several streams one after another, as one.
type chained struct {
	streams []providers.RowStream
	err     error
}

func (c *chained) Columns() []string { return c.streams[0].Columns() }
func (c *chained) Next(ctx context.Context) (providers.Row, bool) {
	for len(c.streams) > 0 {
		if r, ok := c.streams[0].Next(ctx); ok {
			return r, true
		}
		if err := c.streams[0].Err(); err != nil {
			c.err = err
			return nil, false
		}
		c.streams[0].Close()
		c.streams = c.streams[1:]
	}
	return nil, false
}
func (c *chained) Err() error   { return c.err }
func (c *chained) Close() error { return nil }

// TestShop reads the realistic shop fixture: the schema in dependency
// order, every row once across key ranges (fingerprints of the ranges
// chained equal the table's), counts equal to the server's, zero dates
// reported as bad values, and the same fingerprints from parallel readers
// at a snapshot.
func TestShop(t *testing.T) {
	p, db := testDB(t, mysqltest.Shop(400)...)
	ctx := context.Background()
	s, err := p.Schema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tb := range s.Tables {
		for _, fk := range tb.ForeignKeys {
			if fk.RefTable != tb.Name && !seen[fk.RefTable] {
				t.Errorf("table %s comes before %s, which it references", tb.Name, fk.RefTable)
			}
		}
		seen[tb.Name] = true
	}
	for _, n := range mysqltest.ShopTables() {
		if !seen[n] {
			t.Errorf("table %s missing from the schema", n)
		}
	}
	if len(s.Tables) != len(mysqltest.ShopTables()) {
		t.Errorf("%d tables, want %d", len(s.Tables), len(mysqltest.ShopTables()))
	}
	url := mysqltest.ServerURL() + db
	whole := map[string]providers.Fingerprint{}
	for _, tb := range s.Tables {
		t.Run(tb.Name, func(t *testing.T) {
			want, _ := strconv.ParseInt(mysqltest.Query(t, url, "SELECT COUNT(*) FROM "+quoteIdent(tb.Name))[0], 10, 64)
			fp, err := p.Fingerprint(ctx, db, tb.Name)
			if err != nil {
				t.Fatal(err)
			}
			if fp.Rows != want {
				t.Errorf("fingerprint counts %d rows, the server %d", fp.Rows, want)
			}
			whole[tb.Name] = fp
			// Cut at every 97th key and read the ranges in reverse order.
			all, err := p.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
			if err != nil {
				t.Fatal(err)
			}
			rows := readAll(t, all)
			var bounds []providers.Row
			for i := 96; i < len(rows)-1; i += 97 {
				bounds = append(bounds, append(providers.Row(nil), rows[i][:len(tb.PrimaryKey)]...))
			}
			var streams []providers.RowStream
			for i := len(bounds); i >= 0; i-- {
				var r providers.KeyRange
				if i > 0 {
					r.From = bounds[i-1]
				}
				if i < len(bounds) {
					r.To = bounds[i]
				}
				st, err := p.ReadRows(ctx, db, tb.Name, r)
				if err != nil {
					t.Fatal(err)
				}
				streams = append(streams, st)
			}
			types := make([]providers.ColumnType, len(tb.Columns))
			for i, c := range tb.Columns {
				types[i] = c.Type
			}
			got, err := providers.FingerprintRows(ctx, badAsNull{&chained{streams: streams}}, types)
			if err != nil {
				t.Fatal(err)
			}
			if got != fp {
				t.Errorf("ranges fingerprint %+v, table %+v", got, fp)
			}
		})
	}

	bad := map[string]int{}
	for _, tb := range []string{"customers", "orders"} {
		st, err := p.ReadRows(ctx, db, tb, providers.KeyRange{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range readAll(t, st) {
			for _, v := range r {
				if b, ok := v.(providers.BadValue); ok {
					bad[tb+": "+b.Reason]++
				}
			}
		}
	}
	wantBad := map[string]int{
		"customers: zero date": atoi(t, mysqltest.Query(t, url, "SELECT COUNT(*) FROM customers WHERE birthday = '0000-00-00'")[0]),
		"orders: zero date":    atoi(t, mysqltest.Query(t, url, "SELECT COUNT(*) FROM orders WHERE shipped_on = '0000-00-00'")[0]),
	}
	if d := cmp.Diff(wantBad, bad); d != "" || wantBad["customers: zero date"] == 0 {
		t.Errorf("bad values (-want +got):\n%s", d)
	}

	_, _, release, err := p.Snapshot(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	exec(t, "DELETE FROM "+qualified(db, "order_items")+" WHERE line = 3")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, tb := range mysqltest.ShopTables() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fp, err := p.Fingerprint(ctx, db, tb)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || fp != whole[tb] {
				t.Errorf("%s at the snapshot: %+v, %v; want %+v", tb, fp, err, whole[tb])
			}
		}()
	}
	wg.Wait()
	now, err := configured(t, mysqltest.ServerURL()).Fingerprint(ctx, db, "order_items")
	if err != nil || now == whole["order_items"] {
		t.Errorf("order_items after the delete: %+v, %v", now, err)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
