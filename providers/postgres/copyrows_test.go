package postgres

import (
	"context"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
		fp, err := p.FingerprintColumns(ctx, "public", "v", providers.KeyRange{}, names, types)
		if err != nil || fp != want {
			t.Errorf("%s: FingerprintColumns = %+v, %v; FingerprintRows over ReadRows = %+v", name, fp, err, want)
		}
	}
	if _, err := p.FingerprintColumns(ctx, "public", "v", providers.KeyRange{}, []string{"id", "nope"}, make([]providers.ColumnType, 2)); err == nil ||
		!strings.Contains(err.Error(), `no column "nope"`) {
		t.Errorf("FingerprintColumns of a missing column: %v", err)
	}
	// Key ranges add up to the whole table, each the rows ReadRows gives
	// for it.
	idType := []providers.ColumnType{{Base: "int64"}}
	whole, err := p.FingerprintColumns(ctx, "public", "v", providers.KeyRange{}, []string{"id"}, idType)
	if err != nil {
		t.Fatal(err)
	}
	lo, err1 := p.FingerprintColumns(ctx, "public", "v", providers.KeyRange{To: providers.Row{int64(10)}}, []string{"id"}, idType)
	hi, err2 := p.FingerprintColumns(ctx, "public", "v", providers.KeyRange{From: providers.Row{int64(10)}}, []string{"id"}, idType)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if sum, err := lo.Plus(hi); err != nil || sum != whole || lo.Rows == 0 || hi.Rows == 0 {
		t.Errorf("ranges (, 10] %+v and (10, ) %+v add up to %+v, %v; the table is %+v", lo, hi, sum, err, whole)
	}
	rs, err = p.ReadRows(ctx, "public", "v", providers.KeyRange{To: providers.Row{int64(10)}})
	if err != nil {
		t.Fatal(err)
	}
	read, err := providers.FingerprintRows(ctx, &firstColumn{rs}, idType)
	rs.Close()
	if err != nil || read != lo {
		t.Errorf("range (, 10]: FingerprintColumns %+v; FingerprintRows over ReadRows %+v, %v", lo, read, err)
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

// WriteRows' binary COPY stores what its text COPY stores, and hands a
// value binary cannot carry (a string for an integer, a float float4
// cannot hold, nanoseconds) to a text COPY for the rest of the rows.
func TestWriteRowsBinaryMatchesText(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const cols = `id bigint PRIMARY KEY, b bool, s smallint, i int, r real, d double precision, t text, vc varchar(12), c char(4),
  by bytea, dt date, ts timestamp, tz timestamptz`
	// The numeric column makes the second table load in text format only.
	pgtest.Exec(t, url, `CREATE TABLE public.bin (`+cols+`)`, `CREATE TABLE public.txt (`+cols+`, n numeric)`)
	p := Factory().New().(*Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "pg", Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)}),
		Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	at := func(y int, m time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, m, d, h, mi, s, ns, time.UTC)
	}
	names := []string{"id", "b", "s", "i", "r", "d", "t", "vc", "c", "by", "dt", "ts", "tz"}
	var rows []providers.Row
	for k := range 3000 {
		rows = append(rows, providers.Row{int64(k), k%2 == 0, int64(k%65536 - 32768), int64(k) * 700000, float64(k) / 4, float64(k) / 3,
			"tab\tnl\nback\\slash 😀", "v" + strconv.Itoa(k), "ab", []byte{0, byte(k), 255}, at(1969, 12, 31, 0, 0, 0, 0).AddDate(0, 0, -k),
			at(1999, 12, 31, 23, 59, 59, 999999000).Add(time.Duration(k) * time.Hour), at(1, 1, 1, 0, 0, 0, 0).Add(time.Duration(k) * time.Second)})
	}
	rows[0] = providers.Row{int64(-1), nil, int64(math.MinInt16), int64(math.MaxInt32), float64(float32(0.1)), math.Inf(-1), "", "",
		"", []byte{}, at(9999, 12, 31, 0, 0, 0, 0), at(1900, 1, 1, 0, 0, 0, 1000), at(9999, 12, 31, 23, 59, 59, 999999000)}
	rows[2000][3] = "42"                             // a string for an integer column: text from here on
	rows[2001][4] = 0.1                              // not a float4: text
	rows[2002][11] = at(2024, 2, 29, 12, 0, 0, 1500) // nanoseconds: text
	n, err := p.WriteRows(t.Context(), "public", "bin", providers.KeyRange{}, &providers.SliceRows{Cols: names, Rows: rows})
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("WriteRows bin = %d, %v", n, err)
	}
	withN := make([]providers.Row, len(rows))
	for i, r := range rows {
		withN[i] = append(slices.Clone(r), nil)
	}
	n, err = p.WriteRows(t.Context(), "public", "txt", providers.KeyRange{}, &providers.SliceRows{Cols: append(slices.Clone(names), "n"), Rows: withN})
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("WriteRows txt = %d, %v", n, err)
	}
	diff := pgtest.Query(t, url, `SELECT count(*)::text FROM (
  (SELECT * FROM public.bin EXCEPT ALL SELECT `+strings.Join(names, ", ")+` FROM public.txt) UNION ALL
  (SELECT `+strings.Join(names, ", ")+` FROM public.txt EXCEPT ALL SELECT * FROM public.bin)) x`)
	if diff[0] != "0" {
		t.Errorf("%s rows differ between the binary and the text load", diff[0])
	}
	if got := pgtest.Query(t, url, `SELECT i::text || ' ' || r::text || ' ' || ts::text FROM public.bin WHERE id IN (2000, 2001, 2002) ORDER BY id`); !reflect.DeepEqual(got,
		[]string{"42 500 2000-03-24 07:59:59.999999", "1400700000 0.1 2000-03-24 08:59:59.999999", "1401400000 500.5 2024-02-29 12:00:00.000002"}) {
		t.Errorf("rows after the switch to text: %q", got)
	}
	// A bad value still fails the load, naming the column.
	bad := providers.Row{int64(9999), nil, nil, nil, nil, nil, providers.BadValue{Raw: "0000-00-00", Reason: "zero date"}, nil, nil, nil, nil, nil, nil}
	if _, err := p.WriteRows(t.Context(), "public", "bin", providers.KeyRange{}, &providers.SliceRows{Cols: names, Rows: []providers.Row{bad}}); err == nil ||
		!strings.Contains(err.Error(), "column t: bad value") {
		t.Errorf("WriteRows of a bad value: %v", err)
	}
}

// firstColumn passes on the first column of each row.
type firstColumn struct{ providers.RowStream }

func (f *firstColumn) Next(ctx context.Context) (providers.Row, bool) {
	row, ok := f.RowStream.Next(ctx)
	if !ok {
		return nil, false
	}
	return row[:1], true
}
