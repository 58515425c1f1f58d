package postgres

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

// The binary COPY read gives the values pgx's own decoding gives, for
// every base type, NULLs, edge values and more rows than a page.
func TestCopyReadMatchesPgx(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE public.v (id int PRIMARY KEY, b bool, s smallint, i int, l bigint, r real, d double precision,
  n numeric, t text, vc varchar(10), c char(4), by bytea, dt date, tm time, ts timestamp, tz timestamptz, j jsonb, u uuid, o inet)`,
		`INSERT INTO public.v VALUES
  (1, true, -32768, -2147483648, -9223372036854775808, 'NaN', '-Infinity', -0.000100, '', '', '', '', '0001-01-01', '00:00:00', '1969-12-31 23:59:59.999999', '1900-01-01 00:00:00.000001+01', '{"b":1,"a":[1,2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '::1'),
  (2, false, 32767, 2147483647, 9223372036854775807, 3.4e38, 1e-308, 12345678901234567890.5, 'Ann 😀 tab	nl
', 'x', 'ab', '\x00ff', '9999-12-31', '24:00:00', '2000-01-01 00:00:00', '2262-04-11 23:47:16.854775+00', 'null', NULL, '10.0.0.0/8'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO public.v (id, t, by, ts) SELECT g, repeat('é', g % 7), decode(repeat('ab', g), 'hex'), '1999-12-31 23:59:59.5'::timestamp + g * interval '1 day'
  FROM generate_series(4, 3000) g`,
		`INSERT INTO public.v (id, t, by) VALUES (3001, repeat('long ', 10000), decode(repeat('cd', 40000), 'hex'))`)
	p := Factory().New().(*Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "pg", Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)}),
		Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := t.Context()
	pool, err := p.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cols, _, err := p.tableInfo(ctx, pool, "public", "v")
	if err != nil {
		t.Fatal(err)
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = ident(c.name)
		if textCast(c.typ.Base) {
			sel[i] += "::text"
		}
	}
	rows, err := pool.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM public.v ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var want []providers.Row
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make(providers.Row, len(vals))
		for i, v := range vals {
			if row[i], err = portable(v, cols[i].typ.Base); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rs, err := p.ReadRows(ctx, "public", "v", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var got []providers.Row
	for {
		row, ok := rs.Next(ctx)
		if !ok {
			break
		}
		got = append(got, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows; want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if f, ok := w.(float64); ok && f != f {
				if gf, ok := g.(float64); ok && gf != gf {
					continue // NaN
				}
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("row %d column %s = %#v; pgx reads %#v", i+1, cols[j].name, g, w)
			}
		}
	}
	// FingerprintColumns agrees with FingerprintRows over the rows read,
	// in another column order and with other canonical types (a source's).
	order := []int{18, 3, 0, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 2, 1}
	for name, retype := range map[string]func(c column) providers.ColumnType{
		"own types": func(c column) providers.ColumnType { return c.typ },
		"text as decimal, ints as decimal, jsonb as text": func(c column) providers.ColumnType {
			switch c.typ.Base {
			case "text":
				return providers.ColumnType{Base: "decimal"}
			case "int32":
				return providers.ColumnType{Base: "decimal"}
			case "json":
				return providers.ColumnType{Base: "text"}
			case "bytes":
				return providers.ColumnType{Base: "json"}
			}
			return c.typ
		},
	} {
		names := make([]string, len(order))
		types := make([]providers.ColumnType, len(order))
		rows := make([]providers.Row, len(got))
		for k, j := range order {
			names[k], types[k] = cols[j].name, retype(cols[j])
		}
		for r, row := range got {
			rows[r] = make(providers.Row, len(order))
			for k, j := range order {
				rows[r][k] = row[j]
			}
		}
		want, err := providers.FingerprintRows(ctx, &providers.SliceRows{Rows: rows}, types)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := p.FingerprintColumns(ctx, "public", "v", names, types)
		if err != nil || fp != want {
			t.Errorf("%s: FingerprintColumns = %+v, %v; FingerprintRows over ReadRows = %+v", name, fp, err, want)
		}
	}
	if _, err := p.FingerprintColumns(ctx, "public", "v", []string{"id", "nope"}, make([]providers.ColumnType, 2)); err == nil ||
		!strings.Contains(err.Error(), `no column "nope"`) {
		t.Errorf("FingerprintColumns of a missing column: %v", err)
	}
	// Closing a read before its end stops the COPY and frees the
	// connection.
	for range 6 {
		rs, err := p.ReadRows(ctx, "public", "v", providers.KeyRange{From: providers.Row{int64(10)}})
		if err != nil {
			t.Fatal(err)
		}
		if row, ok := rs.Next(ctx); !ok || row[0] != int64(11) {
			t.Fatalf("first row after 10 = %v (%v)", row, rs.Err())
		}
		if err := rs.Close(); err != nil {
			t.Fatalf("close mid-read: %v", err)
		}
	}
	// Infinite timestamps have no portable form: a clear error.
	pgtest.Exec(t, url, `INSERT INTO public.v (id, ts) VALUES (5000, 'infinity')`)
	rs, err = p.ReadRows(ctx, "public", "v", providers.KeyRange{From: providers.Row{int64(4999)}})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if _, ok := rs.Next(ctx); ok || rs.Err() == nil || !strings.Contains(rs.Err().Error(), "column ts: an infinite timestamp") {
		t.Errorf("reading an infinite timestamp: %v", rs.Err())
	}
}
