package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

const passTable = `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE public.t (id bigint PRIMARY KEY, small smallint, n integer, ok boolean, f real, d double precision,
  s text, v varchar(10), c char(4), raw bytea, day date, at timestamp, atz timestamptz,
  price numeric(14,4), amount numeric, token uuid, doc jsonb, js json, tod time, m mood)`

// CopyRange passes rows between two databases without building them, in
// chunks it reports with their last keys and fingerprints, which add up
// to the fingerprints of both tables.
func TestCopyRangePassesRowsThrough(t *testing.T) {
	ctx := t.Context()
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, passTable, `INSERT INTO public.t SELECT g, g % 100, g * 7, g % 2 = 0, g / 3.0, g / 7.0, 'row ' || g || ' 😀',
  'v' || g, 'c' || (g % 10), decode(md5(g::text), 'hex'), date '2024-01-01' + g, timestamp '2024-01-01' + g * interval '1 minute',
  timestamptz '2024-01-01 00:00+02' + g * interval '1 second',
  (ARRAY[0, -1.5, 0.0001, 123456789.1234, 10000, -0.0005, 99999999.9999])[1 + g % 7],
  (ARRAY['NaN', 'Infinity', '-Infinity', '0', '1e-20', '-12345678901234567890.5', '100000000', '3.14159'])[1 + g % 8]::numeric,
  md5(g::text)::uuid, jsonb_build_object('k', g, 'a', jsonb_build_array(1, 'x')), ('{"b": ' || g || ', "a": [1]}')::json,
  time '00:00' + g * interval '1 hour 1 minute 1.5 second', (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood
  FROM generate_series(1, 25) g`,
		`INSERT INTO public.t (id) VALUES (26)`) // NULLs
	pgtest.Exec(t, dstURL, passTable, `INSERT INTO public.t (id, s) VALUES (30, 'left by a crashed run'), (5, 'before the range')`)
	pgtest.Exec(t, srcURL, `INSERT INTO public.t (id, tod) VALUES (27, '24:00:00'), (28, '23:59:59.999999')`)
	src, dst := configure(t, srcURL), configure(t, dstURL)
	s, err := src.Schema(ctx, "public")
	if err != nil {
		t.Fatal(err)
	}
	tb := s.Tables[0]
	var cols []string
	var types []providers.ColumnType
	for _, c := range tb.Columns {
		cols, types = append(cols, c.Name), append(types, c.Type)
	}
	var chunks []providers.CopiedChunk
	r := providers.KeyRange{From: providers.Row{int64(5)}, Key: []string{"id"}}
	ok, err := src.CopyRange(ctx, dst, "public", "public", "t", r, cols, types, 10, func(c providers.CopiedChunk) error {
		chunks = append(chunks, c)
		return nil
	})
	if !ok || err != nil {
		t.Fatalf("CopyRange = %v, %v", ok, err)
	}
	var got []string
	var sum providers.Fingerprint
	for _, c := range chunks {
		got = append(got, fmt.Sprintf("%d %v %v", c.Rows, c.Last, c.End))
		if sum, err = sum.Plus(c.Fingerprint); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"10 [15] false", "10 [25] false", "3 [] true"}; !slices.Equal(got, want) {
		t.Errorf("chunks = %q; want %q", got, want)
	}
	// The range (5, ) is the source's rows: the one left in it is gone,
	// the one before it stays.
	if got := pgtest.Query(t, dstURL, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.t WHERE s IS NULL OR s NOT LIKE 'row%'"); got[0] != "5,26,27,28" {
		t.Errorf("destination rows not copied from the source = %v; want 5 (before the range) and 26 (all NULLs)", got)
	}
	pgtest.Exec(t, dstURL, "DELETE FROM public.t WHERE id = 5")
	pgtest.Exec(t, srcURL, "DELETE FROM public.t WHERE id <= 5")
	for name, p := range map[string]interface {
		FingerprintColumns(context.Context, string, string, providers.KeyRange, []string, []providers.ColumnType) (providers.Fingerprint, error)
	}{"source": src, "destination": dst} {
		fp, err := p.FingerprintColumns(ctx, "public", "t", providers.KeyRange{}, cols, types)
		if err != nil || fp != sum {
			t.Errorf("the %s's fingerprint = %+v, %v; the chunks' add up to %+v", name, fp, err, sum)
		}
	}
	// Empty: the caller says the range holds nothing; no clearing.
	pgtest.Exec(t, dstURL, "INSERT INTO public.t (id) VALUES (100)")
	ok, err = src.CopyRange(ctx, dst, "public", "public", "t", providers.KeyRange{From: providers.Row{int64(99)}, Key: []string{"id"}, Empty: true},
		cols, types, 10, func(providers.CopiedChunk) error { return nil })
	if !ok || err != nil {
		t.Fatalf("CopyRange of an empty range = %v, %v", ok, err)
	}
	if got := pgtest.Query(t, dstURL, "SELECT count(*)::text FROM public.t WHERE id = 100"); got[0] != "1" {
		t.Errorf("an Empty range was cleared")
	}
}

// Tables that differ, or hold types whose binary form is local to a
// database (arrays) or that it has no text form for (domains), are left
// to the caller; a failed chunk leaves its range as it
// was.
func TestCopyRangeDeclinesAndFails(t *testing.T) {
	ctx := t.Context()
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Exec(t, srcURL, `CREATE DOMAIN posint AS int CHECK (VALUE > 0)`,
		`CREATE TABLE a (id int PRIMARY KEY, x posint)`, `CREATE TABLE b (id int PRIMARY KEY, x int)`, `CREATE TABLE c (id int PRIMARY KEY, x int)`,
		`INSERT INTO c SELECT g, g FROM generate_series(1, 30) g`, `CREATE TABLE e (id int PRIMARY KEY, tags int[])`)
	pgtest.Exec(t, dstURL, `CREATE DOMAIN posint AS int CHECK (VALUE > 0)`,
		`CREATE TABLE a (id int PRIMARY KEY, x posint)`, `CREATE TABLE b (id int PRIMARY KEY, x bigint)`,
		`CREATE TABLE c (id int PRIMARY KEY, x int CHECK (x < 25))`, `INSERT INTO c VALUES (1, 1)`, `CREATE TABLE e (id int PRIMARY KEY, tags int[])`)
	src, dst := configure(t, srcURL), configure(t, dstURL)
	ints := []providers.ColumnType{{Base: "int32"}, {Base: "int32"}}
	for _, tt := range []struct{ table, col string }{{"a", "x"}, {"b", "x"}, {"e", "tags"}} {
		ok, err := src.CopyRange(ctx, dst, "public", "public", tt.table, providers.KeyRange{}, []string{"id", tt.col}, ints, 10,
			func(providers.CopiedChunk) error { return errors.New("called") })
		if ok || err != nil {
			t.Errorf("CopyRange of table %s = %v, %v; want it declined", tt.table, ok, err)
		}
	}
	var chunks int
	ok, err := src.CopyRange(ctx, dst, "public", "public", "c", providers.KeyRange{}, []string{"id", "x"}, ints, 10,
		func(providers.CopiedChunk) error { chunks++; return nil })
	if !ok || err == nil || !strings.Contains(err.Error(), "c_x_check") {
		t.Fatalf("CopyRange into a table whose check fails = %v, %v; want the check's error", ok, err)
	}
	if chunks != 2 {
		t.Errorf("%d chunks committed; want 2 (rows 1-20)", chunks)
	}
	if got := pgtest.Query(t, dstURL, "SELECT count(*)::text || ' ' || max(id)::text FROM c"); got[0] != "20 20" {
		t.Errorf("destination c = %v; want the 2 committed chunks (20 rows)", got)
	}
}

// A key of a type read as text (numeric) comes back from its binary form
// as the text a read gives, and the next range starts after it.
func TestCopyRangeNumericKey(t *testing.T) {
	ctx := t.Context()
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	const table = `CREATE TABLE u (k numeric(10,2) PRIMARY KEY, v text)`
	pgtest.Exec(t, srcURL, table, `INSERT INTO u SELECT g / 4.0, 'v' || g FROM generate_series(1, 25) g`)
	pgtest.Exec(t, dstURL, table)
	src, dst := configure(t, srcURL), configure(t, dstURL)
	types := []providers.ColumnType{{Base: "decimal"}, {Base: "text"}}
	var lasts []string
	ok, err := src.CopyRange(ctx, dst, "public", "public", "u", providers.KeyRange{Key: []string{"k"}}, []string{"k", "v"}, types, 10,
		func(c providers.CopiedChunk) error {
			lasts = append(lasts, fmt.Sprint(c.Last))
			return nil
		})
	if !ok || err != nil {
		t.Fatalf("CopyRange = %v, %v", ok, err)
	}
	if want := []string{"[2.50]", "[5.00]", "[]"}; !slices.Equal(lasts, want) {
		t.Errorf("last keys = %q; want %q", lasts, want)
	}
	q := "SELECT count(*)::text || ' ' || sum(k)::text FROM u"
	if a, b := pgtest.Query(t, srcURL, q), pgtest.Query(t, dstURL, q); a[0] != b[0] {
		t.Errorf("destination %v; source %v", b, a)
	}
}
