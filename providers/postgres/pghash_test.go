package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres/pgtest"
	"github.com/zclconf/go-cty/cty"
)

// The Go emulation of each kind's hash gives what the server's function
// gives, value by value, over the value's binary form, for edge values
// of every kind and several seeds (zero among them).
func TestNativeHashesMatchTheServer(t *testing.T) {
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// A session time zone other than UTC: timestamptz must not depend on it.
	if _, err := conn.Exec(ctx, "SET TimeZone = 'America/St_Johns'"); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("ab€😀", 300)
	cases := map[string]struct {
		typ    string
		values []string
	}{
		"bool":   {"boolean", []string{"true", "false"}},
		"int2":   {"smallint", []string{"0", "1", "-1", "32767", "-32768", "4242"}},
		"int4":   {"integer", []string{"0", "1", "-1", "2147483647", "-2147483648", "123456"}},
		"int8":   {"bigint", []string{"0", "1", "-1", "9223372036854775807", "-9223372036854775808", "4294967296", "-4294967297", "123456789012"}},
		"float4": {"real", []string{"0", "-0", "1.5", "NaN", "Infinity", "-Infinity", "3.4e38", "1e-45", "-2.5e-10"}},
		"float8": {"double precision", []string{"0", "-0", "NaN", "Infinity", "-Infinity", "1e308", "5e-324", "3.141592653589793", "-1"}},
		"text": {"text", []string{"", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij",
			"abcdefghijk", "abcdefghijkl", "abcdefghijklm", "trailing  ", "😀", "Grüße, Jürgen ✓", long}},
		"bpchar": {"char(13)", []string{"", "a", "ab  ", "abcdefghijklm", "😀x", " lead"}},
		"uuid":   {"uuid", []string{"00000000-0000-0000-0000-000000000000", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "ffffffff-ffff-ffff-ffff-ffffffffffff"}},
		"date":   {"date", []string{"2000-01-01", "1999-12-31", "2024-02-29", "infinity", "-infinity", "4713-01-01 BC", "294276-12-31"}},
		"time":   {"time", []string{"00:00", "24:00:00", "23:59:59.999999", "12:34:56.5"}},
		"timestamp": {"timestamp", []string{"2000-01-01", "infinity", "-infinity", "2024-01-01 12:34:56.789", "1900-01-01",
			"4713-01-01 00:00 BC", "294276-12-31 23:59:59.999999"}},
		"timestamptz": {"timestamptz", []string{"2000-01-01 00:00+00", "infinity", "-infinity", "2024-07-01 12:34:56.789+02",
			"1900-01-01 00:00 America/New_York", "2024-03-10 02:30 America/New_York"}},
	}
	cases["numeric"] = struct {
		typ    string
		values []string
	}{"numeric", []string{"0", "0.000", "-0.50", "1.50", "NaN", "Infinity", "-Infinity", "1e-20", "-12345678901234567890.123456789",
		"10000", "100000000", "0.0001"}}
	cases["bytea"] = struct {
		typ    string
		values []string
	}{"bytea", []string{`\x`, `\x00ff`, `\x` + strings.Repeat("ab", 5000)}}
	cases["json"] = struct {
		typ    string
		values []string
	}{"json", []string{`{"b": 1,  "a": [1, "x"]}`, `null`, `"😀"`}}
	cases["jsonb"] = struct {
		typ    string
		values []string
	}{"jsonb", []string{`{"b": 1,  "a": [1, "x"]}`, `null`, `"😀"`, `[]`}}
	cases["enum"] = struct {
		typ    string
		values []string
	}{"mood", []string{"sad", "happy 😀"}}
	if _, err := conn.Exec(ctx, "CREATE TYPE mood AS ENUM ('sad', 'happy 😀')"); err != nil {
		t.Fatal(err)
	}
	// varchar and name hash as text.
	cases["varchar"] = struct {
		typ    string
		values []string
	}{"varchar(20)", []string{"", "x", "twelve chars", "😀😀😀"}}
	cases["name"] = struct {
		typ    string
		values []string
	}{"name", []string{"", "pg_class", "a_name_of_sixty_three_bytes_is_the_longest_a_name_can_be_here_x"}}
	kindFor := map[string]string{"varchar": "text", "name": "text"}
	if len(hashKinds) != len(cases)-len(kindFor) {
		t.Errorf("%d kinds, %d of them tested", len(hashKinds), len(cases)-len(kindFor))
	}
	seeds := []uint64{columnSeed(0), columnSeed(5), 0, 1 << 40}
	for name, tc := range cases {
		kind := name
		if k, ok := kindFor[name]; ok {
			kind = k
		}
		hk := hashKinds[kind]
		for _, v := range tc.values {
			for _, seed := range seeds {
				q := "SELECT (" + fmt.Sprintf(hk.sql, "x", strconv.FormatInt(int64(seed), 10)) + ")::text, x FROM (SELECT " + quoteLiteral(v) + "::" + tc.typ + " AS x) s"
				rr := conn.PgConn().ExecParams(ctx, q, nil, nil, nil, []int16{0, 1}).Read()
				if rr.Err != nil {
					t.Fatalf("%s %q: %v", name, v, rr.Err)
				}
				want, err := strconv.ParseInt(string(rr.Rows[0][0]), 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				field := rr.Rows[0][1]
				if hk.text { // as the copy gives it: the text binaryText makes
					conv := map[string]func([]byte) ([]byte, error){"numeric": numericText, "json": sameText, "jsonb": jsonbText, "enum": sameText}[kind]
					if field, err = conv(field); err != nil {
						t.Fatalf("%s %q: %v", name, v, err)
					}
				}
				got, ok := hk.hash(field, seed)
				if !ok || int64(got) != want {
					t.Errorf("%s %q seed %d: Go hash %d (ok %v), the server's %d", name, v, seed, int64(got), ok, want)
				}
			}
		}
	}
}

// Low-level checks of the lookup3 port that need no server: lengths past
// a block, and the 4-byte integer path equal to hashing its bytes.
func TestHashBytesExtendedBlocks(t *testing.T) {
	seen := map[uint64]int{}
	for n := 0; n <= 40; n++ {
		h := hashBytesExtended([]byte(strings.Repeat("x", n)), 7)
		if m, dup := seen[h]; dup {
			t.Errorf("lengths %d and %d hash alike", m, n)
		}
		seen[h] = n
	}
	for _, k := range []uint32{0, 1, 0xdeadbeef} {
		b := []byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		if hashUint32Extended(k, 99) != hashBytesExtended(b, 99) {
			t.Errorf("hash_bytes_uint32_extended(%#x) differs from hashing its four bytes", k)
		}
	}
}

// A pass-through copy's native sums of its chunks add up to what the
// destination's server sums over the rows it holds, NULLs included, and
// differ from it once a value at the destination changes.
func TestNativeSumOfACopyMatchesTheDestinationsOwn(t *testing.T) {
	ctx := t.Context()
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	ddl := []string{`CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy')`,
		`CREATE TABLE public.t (id bigint PRIMARY KEY, small smallint, n integer, ok boolean, f real, d double precision,
  s text, v varchar(10), c char(6), day date, at timestamp, atz timestamptz, token uuid, tod time, price numeric(14,4), amount numeric,
  doc jsonb, js json, m public.mood, raw bytea)`}
	pgtest.Exec(t, srcURL, ddl...)
	pgtest.Exec(t, srcURL, `INSERT INTO public.t SELECT g, g % 100, g * 7, g % 2 = 0, g / 3.0, g / 7.0, 'row ' || g || ' 😀',
  'v' || g, 'c' || (g % 10), date '2024-01-01' + g, timestamp '2024-01-01' + g * interval '1 minute',
  timestamptz '2024-01-01 00:00+02' + g * interval '1 second', md5(g::text)::uuid, time '00:00' + g * interval '1 hour 1 minute 1.5 second',
  (ARRAY[0, -1.5, 0.0001, 123456789.1234, 10000, -0.0005])[1 + g % 6],
  (ARRAY['NaN', 'Infinity', '-Infinity', '0', '1e-20', '-12345678901234567890.5', '3.14159'])[1 + g % 7]::numeric,
  jsonb_build_object('k', g, 'a', jsonb_build_array(1, 'x')), ('{"b": ' || g || ', "a": [1]}')::json, (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::public.mood,
  decode(md5(g::text), 'hex')
  FROM generate_series(1, 2500) g`, `INSERT INTO public.t (id) VALUES (0)`)
	pgtest.Exec(t, dstURL, ddl...)
	src, dst := testProvider(t, srcURL), testProvider(t, dstURL)
	s, err := src.Schema(ctx, "public")
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	var types []providers.ColumnType
	for _, c := range s.Tables[0].Columns {
		cols, types = append(cols, c.Name), append(types, c.Type)
	}
	var sum providers.NativeSum
	chunks := 0
	ok, err := src.CopyRange(ctx, dst, "public", "public", "t", providers.KeyRange{Key: []string{"id"}}, cols, types, 1000, func(c providers.CopiedChunk) error {
		if c.Native == nil {
			return fmt.Errorf("chunk %d without a native sum", chunks)
		}
		chunks++
		var err error
		sum, err = sum.Plus(*c.Native)
		return err
	})
	if !ok || err != nil {
		t.Fatalf("CopyRange = %v, %v", ok, err)
	}
	if chunks != 3 || sum.Rows != 2501 {
		t.Fatalf("%d chunks of %d rows; want 3 of 2501", chunks, sum.Rows)
	}
	got, err := dst.NativeSum(ctx, "public", "t", providers.KeyRange{}, cols, sum.Method)
	if err != nil || got != sum {
		t.Fatalf("the destination's own sum = %+v, %v; the copy's %+v", got, err, sum)
	}
	// In key ranges (as the validation reads a split table) it adds up the same.
	lo, err := dst.NativeSum(ctx, "public", "t", providers.KeyRange{To: providers.Row{int64(1200)}, Key: []string{"id"}}, cols, sum.Method)
	if err != nil {
		t.Fatal(err)
	}
	hi, err := dst.NativeSum(ctx, "public", "t", providers.KeyRange{From: providers.Row{int64(1200)}, Key: []string{"id"}}, cols, sum.Method)
	if err != nil {
		t.Fatal(err)
	}
	if both, err := lo.Plus(hi); err != nil || both != sum {
		t.Errorf("two key ranges sum to %+v, %v; want %+v", both, err, sum)
	}
	for _, c := range []struct {
		sql     string
		changes bool
	}{
		{"UPDATE public.t SET c = 'c1 ' WHERE id = 11", false}, // the same char(6) value, blanks aside
		{"UPDATE public.t SET s = 'row 12 😁' WHERE id = 12", true},
		{"UPDATE public.t SET price = -price WHERE id = 13", true}, // a sign hash_numeric_extended would miss
		{"UPDATE public.t SET amount = 1.50 WHERE id = 14", true},  // 1e-20 before
		{"UPDATE public.t SET m = 'happy' WHERE m = 'ok' AND id = 16", true},
		{"UPDATE public.t SET raw = raw || '\\x00'::bytea WHERE id = 17", true},
	} {
		pgtest.Exec(t, dstURL, c.sql)
		got, err := dst.NativeSum(ctx, "public", "t", providers.KeyRange{}, cols, sum.Method)
		if err != nil {
			t.Fatal(err)
		}
		if changed := got != sum; changed != c.changes {
			t.Errorf("after %q the sum changed: %v; want %v", c.sql, changed, c.changes)
		}
	}
	// Another method, or a column of another type, is not summed here.
	if _, err := dst.NativeSum(ctx, "public", "t", providers.KeyRange{}, cols, "md5:x"); err == nil {
		t.Error("a foreign method was summed")
	}
	if _, err := dst.NativeSum(ctx, "public", "t", providers.KeyRange{}, []string{"id"}, nativeMethod+":text"); err == nil {
		t.Error("a bigint column was summed as text")
	}
}

func testProvider(t *testing.T, url string) *Provider {
	t.Helper()
	p := Factory().New().(*Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "pg", Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)}),
		Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// A table whose rows would pass through into PostgreSQL 15 or older is
// better copied as one stream; one that takes the row path (an array
// column here), or a newer destination, is cut into ranges.
func TestSplitPays(t *testing.T) {
	ctx := t.Context()
	srcURL, dstURL := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	ddl := []string{`CREATE TABLE public.plain (id bigint PRIMARY KEY, v text)`, `CREATE TABLE public.tagged (id bigint PRIMARY KEY, tags text[])`}
	pgtest.Exec(t, srcURL, ddl...)
	pgtest.Exec(t, dstURL, ddl...)
	src, dst := testProvider(t, srcURL), testProvider(t, dstURL)
	version, _ := strconv.Atoi(pgtest.Query(t, dstURL, "SHOW server_version_num")[0])
	for _, tc := range []struct {
		table string
		cols  []string
		pays  bool
	}{{"plain", []string{"id", "v"}, version >= 160000}, {"tagged", []string{"id", "tags"}, true}} {
		pays, why, err := src.SplitPays(ctx, dst, "public", "public", tc.table, tc.cols)
		if err != nil || pays != tc.pays || pays != (why == "") {
			t.Errorf("SplitPays(%s) = %v, %q, %v; want %v, with a reason when false", tc.table, pays, why, err, tc.pays)
		}
		if !pays && !strings.Contains(why, fmt.Sprintf("PostgreSQL %d,", version/10000)) {
			t.Errorf("the reason %q does not name the destination's version", why)
		}
	}
}
