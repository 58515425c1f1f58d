package database_test

import (
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

func TestStatusText(t *testing.T) {
	orders := providers.Table{Name: "orders", Rows: 1_000_000, Bytes: 100 << 20}
	for _, tc := range []struct {
		name        string
		t           providers.Table
		before, now int64
		elapsed     time.Duration
		want        string
	}{
		{"a quarter", orders, 0, 250_000, 10 * time.Second, "table orders: 250,000 of ~1,000,000 rows (25%), ~25.0 MiB, 25,000 rows/s, ETA 30s"},
		{"resumed", orders, 500_000, 250_000, 5 * time.Second, "table orders: 750,000 of ~1,000,000 rows (75%), ~75.0 MiB, 50,000 rows/s, ETA 5s"},
		{"past the estimate", orders, 0, 1_200_000, 10 * time.Second, "table orders: 1,200,000 rows, ~120.0 MiB, 120,000 rows/s"},
		{"no estimate", providers.Table{Name: "t"}, 0, 10, time.Second, "table t: 10 rows, 10 rows/s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := database.StatusText(tc.t.Name, tc.t, tc.before, tc.now, tc.elapsed); got != tc.want {
				t.Errorf("statusText = %q\nwant        %q", got, tc.want)
			}
		})
	}
}

// TestProgressLines: while a table is copied, the apply prints its
// progress line (rows of the estimate, rate) at the set interval.
func TestProgressLines(t *testing.T) {
	defer database.SetProgressEvery(time.Millisecond)()
	defer database.SetChunkRows(500)()
	h := harness(t, postgres.Factory())
	src, dst := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, src, `CREATE TABLE public.big (id int PRIMARY KEY, v text)`,
		`INSERT INTO public.big SELECT g, repeat('x', 100) FROM generate_series(1, 40000) g`, `ANALYZE public.big`)
	h.Env("old", "postgres", map[string]cty.Value{"url": cty.StringVal(src)})
	h.Env("new", "postgres", map[string]cty.Value{"url": cty.StringVal(dst)})
	_, out, err := apply(t, h, h.Config(move(&database.Settings{Databases: []string{"public"}, OnBadValue: database.PolicyFail, Parallelism: 1})))
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "table big: ") || !strings.Contains(out, " of ~40,000 rows (") || !strings.Contains(out, " rows/s") {
		t.Errorf("apply output has no progress line for table big:\n%s", out)
	}
}
