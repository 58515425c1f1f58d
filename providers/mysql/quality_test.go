package mysql

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
)

// TestCountBadValues: for every table of the fixture and the shop, the
// counts by query equal the bad values ReadRows returns, column by column
// and reason by reason, and the samples are the first such keys.
func TestCountBadValues(t *testing.T) {
	more := append(append([]string(nil), fixture...), "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
		"CREATE TABLE more_dates (id int NOT NULL PRIMARY KEY, d date, t time(2))",
		"INSERT INTO more_dates VALUES (1, '2024-00-10', '24:00:00'), (2, '2024-05-00', '-00:00:01'), (3, '0000-01-01', '23:59:59.99'), (4, '2023-02-29', NULL), (5, '2024-02-29', '00:00:00')")
	for name, stmts := range map[string][]string{"fixture": more, "shop": mysqltest.Shop(200)} {
		t.Run(name, func(t *testing.T) { checkBadValueCounts(t, stmts) })
	}
}

func checkBadValueCounts(t *testing.T, stmts []string) {
	p, db := testDB(t, stmts...)
	ctx := context.Background()
	s, err := p.Schema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	const samples = 2
	total := 0
	for _, tb := range s.Tables {
		t.Run(tb.Name, func(t *testing.T) {
			st, err := p.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
			if err != nil {
				t.Fatal(err)
			}
			type key struct{ col, reason string }
			want := map[key]*providers.BadValueCount{}
			var order []key
			for _, r := range readAll(t, st) {
				for i, v := range r {
					b, ok := v.(providers.BadValue)
					if !ok {
						continue
					}
					k := key{tb.Columns[i].Name, b.Reason}
					w := want[k]
					if w == nil {
						w = &providers.BadValueCount{Column: k.col, Reason: k.reason}
						want[k] = w
						order = append(order, k)
					}
					w.Count++
					if len(w.Samples) < samples && len(tb.PrimaryKey) > 0 {
						w.Samples = append(w.Samples, append(providers.Row(nil), r[:len(tb.PrimaryKey)]...))
					}
				}
			}
			got, err := p.CountBadValues(ctx, db, tb, samples)
			if err != nil {
				t.Fatal(err)
			}
			gotm := map[key]providers.BadValueCount{}
			for _, g := range got {
				gotm[key{g.Column, g.Reason}] = g
			}
			wantm := map[key]providers.BadValueCount{}
			for _, k := range order {
				wantm[k] = *want[k]
			}
			if d := cmp.Diff(wantm, gotm); d != "" {
				t.Errorf("bad values (-ReadRows +CountBadValues):\n%s", d)
			}
			if len(got) > 0 {
				t.Logf("%+v", got)
			}
			total += len(got)
		})
	}
	if total < 2 {
		t.Errorf("only %d kinds of bad values found; the fixture holds more", total)
	}
}
