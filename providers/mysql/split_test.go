package mysql

import (
	"context"
	"reflect"
	"testing"

	"github.com/rehome/rehome/providers"
)

// TestSplitKeys: the cuts are ascending keys in ReadRows's order (text in
// byte order, 'B' before 'a'), and the ranges they bound, read one by
// one, give exactly the whole table, also at a held snapshot.
func TestSplitKeys(t *testing.T) {
	p, db := testDB(t,
		"CREATE TABLE w (k VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL, n INT NOT NULL, v INT, PRIMARY KEY (k, n))",
		"INSERT INTO w (k, n, v) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600) "+
			"SELECT ELT(1 + i % 4, 'a', 'B', 'b', 'A'), i, i * 2 FROM s",
		"ANALYZE TABLE w")
	ctx := context.Background()
	whole := readAll(t, must(p.ReadRows(ctx, db, "w", providers.KeyRange{})))
	check := func(t *testing.T) {
		keys, err := p.SplitKeys(ctx, db, "w", 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 3 {
			t.Fatalf("SplitKeys = %v; want 3 cuts", keys)
		}
		var got []providers.Row
		bounds := append(append([]providers.Row{nil}, keys...), nil)
		for i := 0; i+1 < len(bounds); i++ {
			got = append(got, readAll(t, must(p.ReadRows(ctx, db, "w", providers.KeyRange{From: bounds[i], To: bounds[i+1]})))...)
		}
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("the ranges give %d rows, not the table's %d in order", len(got), len(whole))
		}
	}
	t.Run("no snapshot", check)
	t.Run("at a snapshot", func(t *testing.T) {
		_, _, release, err := p.Snapshot(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		check(t)
	})
}

func must(s providers.RowStream, err error) providers.RowStream {
	if err != nil {
		panic(err)
	}
	return s
}
