package mysql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func utc(y int, m time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, m, d, h, mi, s, ns, time.UTC)
}

// fixtureRows are the fixture's rows as the portable Go values they must
// read as.
var fixtureRows = map[string][]providers.Row{
	"ints": {
		{int64(1), false, int64(-128), int64(0), int64(-32768), int64(0), int64(-8388608), int64(0), int64(math.MinInt32), int64(0), int64(math.MinInt64), uint64(0), int64(1901), false, []byte{0, 0}},
		{int64(2), true, int64(127), int64(255), int64(32767), int64(65535), int64(8388607), int64(16777215), int64(math.MaxInt32), int64(math.MaxUint32), int64(math.MaxInt64), uint64(math.MaxUint64), int64(2155), true, []byte{0x0f, 0xff}},
		{int64(3), providers.BadValue{Raw: "5", Reason: "tinyint(1) value other than 0 or 1"}, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	},
	"nums": {
		{int64(1), float64(float32(16777217)), 0.1, "-99999999999999.999999", "999.99"},
		{int64(2), float64(float32(-3.4e38)), 1.7976931348623157e308, "0.000000", "0.00"},
		{int64(3), nil, nil, "12345678901234.000001", nil},
	},
	"texts": {
		{"a", "pad       ", "Grüße 😀", "line1\nline2\ttab", strings.Repeat("x", 1000), `{"b": [1, 2.50, "😀"], "a": null}`, "it's", "a,c", "café", "123e4567-e89b-12d3-a456-426614174000"},
		{"b", "          ", "", "", "", "[]", "medium", "", "", nil},
		{"c", nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{"d", "x'y       ", nil, nil, nil, nil, providers.BadValue{Raw: "", Reason: "value not among the enum's members (stored under a lax sql_mode)"}, nil, nil, nil},
	},
	"bins": {
		{int64(1), []byte{0, 1, 2, 0}, []byte{0, 0xff, 0}, []byte{0, 0, 0}},
		{int64(2), []byte{0, 0, 0, 0}, []byte{}, []byte{}},
		{int64(3), nil, nil, nil},
	},
	"times": {
		{int64(1), utc(2024, 2, 29, 0, 0, 0, 0), utc(2024, 2, 29, 23, 59, 59, 0), utc(1000, 1, 1, 0, 0, 0, 1000), utc(2038, 1, 19, 3, 14, 7, 0), utc(1970, 1, 1, 0, 0, 1, 0), utc(1, 1, 1, 23, 59, 59, 0), utc(1, 1, 1, 0, 0, 0, 500000000)},
		{int64(2), providers.BadValue{Raw: "0000-00-00", Reason: "zero date"}, providers.BadValue{Raw: "0000-00-00 00:00:00", Reason: "zero date"},
			providers.BadValue{Raw: "2024-02-30 12:00:00.000000", Reason: "invalid date"}, nil, utc(2000, 1, 1, 0, 0, 0, 0),
			providers.BadValue{Raw: "-12:00:00", Reason: "time outside 00:00:00..23:59:59 (an interval, not a time of day)"},
			providers.BadValue{Raw: "838:59:59.000000", Reason: "time outside 00:00:00..23:59:59 (an interval, not a time of day)"}},
		{int64(3), nil, nil, nil, nil, utc(2000, 1, 1, 0, 0, 0, 0), nil, nil},
	},
	"gen": {
		{int64(1), int64(10), int64(20), int64(11)},
		{int64(2), int64(-5), int64(-10), int64(-4)},
	},
	"logs": {
		{"one", utc(2024, 1, 1, 0, 0, 0, 0)},
		{"two", nil},
		{nil, nil},
	},
	"places": {
		// SRID 0, then WKB little-endian POINT(1 2).
		{int64(1), []byte{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40}, "hello"},
	},
}

func TestReadRowsValues(t *testing.T) {
	p, db := testDB(t, fixture...)
	ctx := context.Background()
	for table, want := range fixtureRows {
		t.Run(table, func(t *testing.T) {
			s, err := p.ReadRows(ctx, db, table, providers.KeyRange{})
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, s)
			if table == "logs" { // no key: the server's order is not promised
				sortRows(got)
				sortRows(want)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

func sortRows(rs []providers.Row) {
	key := func(r providers.Row) string { return fmt.Sprint(r...) }
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && key(rs[j]) < key(rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// TestReadRowsKeyRanges splits tables with composite, text and time keys
// at many points and checks that the ranges together give every row
// exactly once, in key order.
func TestReadRowsKeyRanges(t *testing.T) {
	p, db := testDB(t, keyTables()...)
	ctx := context.Background()

	tests := []struct {
		table string
		key   int // leading key columns
		n     int // rows
	}{
		{"pairs", 2, 60},
		{"words", 1, 6},
		{"events", 2, 5},
		{"nopk", 1, 3}, // ordered by its unique NOT NULL key
		{"sizes", 2, 4},
		{"ids", 1, 3},
		{"padded", 1, 5},
		{"nopad", 1, 5},
		{"chars", 1, 5},
	}
	// Text keys come in byte order whatever the collation (general_ci,
	// PAD SPACE _bin, enum member numbers, MariaDB's UUID order), as
	// PostgreSQL's "C" collation and SQLite's BINARY order them.
	wantOrder := map[string][]any{
		"words":  {"Banana", "Date", "apple", "cherry", "fig", "émile"},
		"sizes":  {"large", "large", "medium", "small"},
		"ids":    {"00000000-0000-0000-0000-0000000000ff", "12345678-0000-1000-8000-000000000000", "ffffffff-0000-0000-0000-000000000001"},
		"padded": {"", "B", "a", "a\t", "a!"},
		"nopad":  {"", "B", "a", "a\t", "a!"},
		"chars":  {"    ", "B   ", "a   ", "a!  ", "b c "}, // padded; ordered as PostgreSQL orders char(4)
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			s, err := p.ReadRows(ctx, db, tt.table, providers.KeyRange{})
			if err != nil {
				t.Fatal(err)
			}
			all := readAll(t, s)
			if len(all) != tt.n {
				t.Fatalf("whole table: %d rows, want %d", len(all), tt.n)
			}
			if want := wantOrder[tt.table]; want != nil {
				var got []any
				for _, r := range all {
					got = append(got, r[0])
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("key order (-want +got):\n%s", d)
				}
			}
			keyOf := func(r providers.Row) providers.Row { return append(providers.Row(nil), r[:tt.key]...) }
			// Cut every row, every few rows, and not at all.
			for _, step := range []int{1, 2, 3, 7, 11, tt.n} {
				var bounds []providers.Row
				for i := step - 1; i < tt.n-1; i += step {
					bounds = append(bounds, keyOf(all[i]))
				}
				var got []providers.Row
				var from providers.Row
				for i := 0; i <= len(bounds); i++ {
					var to providers.Row
					if i < len(bounds) {
						to = bounds[i]
					}
					s, err := p.ReadRows(ctx, db, tt.table, providers.KeyRange{From: from, To: to})
					if err != nil {
						t.Fatalf("range %v..%v: %v", from, to, err)
					}
					got = append(got, readAll(t, s)...)
					from = to
				}
				if d := cmp.Diff(all, got); d != "" {
					t.Fatalf("split every %d rows: ranges do not give each row once (-want +got):\n%s", step, d)
				}
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		_, err := p.ReadRows(ctx, db, "pairs", providers.KeyRange{From: providers.Row{int64(1)}})
		if err == nil || !strings.Contains(err.Error(), "has 1 values; the primary key has 2 columns") {
			t.Errorf("short bound: %v", err)
		}
		_, err = p.ReadRows(ctx, db, "nothere", providers.KeyRange{})
		if !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("missing table: %v, want ErrNotFound", err)
		}
	})
}

func TestReadRowsWithoutKey(t *testing.T) {
	p, db := testDB(t, fixture...)
	ctx := context.Background()
	_, err := p.ReadRows(ctx, db, "logs", providers.KeyRange{To: providers.Row{"x"}})
	if err == nil || !strings.Contains(err.Error(), "needs a primary key") || !strings.Contains(err.Error(), db+".logs") {
		t.Fatalf("range on a table without key: %v", err)
	}
}

// TestReadRowsStreams reads the first rows of a large table, closes the
// stream early, and checks the connection is usable again.
func TestReadRowsStreams(t *testing.T) {
	p, db := testDB(t, "CREATE TABLE big (id int NOT NULL PRIMARY KEY, pad char(200) NOT NULL)",
		"INSERT INTO big SELECT seq, REPEAT('p', 200) FROM seq_1_to_50000")
	ctx := context.Background()
	s, err := p.ReadRows(ctx, db, "big", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		r, ok := s.Next(ctx)
		if !ok || r[0] != int64(i) {
			t.Fatalf("row %d = %v, %v (err %v)", i, r, ok, s.Err())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Next(ctx); ok {
		t.Error("Next after Close returned a row")
	}
	fp, err := p.Fingerprint(ctx, db, "big")
	if err != nil {
		t.Fatal(err)
	}
	if fp.Rows != 50000 {
		t.Errorf("fingerprint rows = %d", fp.Rows)
	}
	// A cancelled context stops the stream with its error.
	cctx, cancel := context.WithCancel(ctx)
	s, err = p.ReadRows(cctx, db, "big", providers.KeyRange{})
	if err != nil {
		t.Fatal(err)
	}
	s.Next(cctx)
	cancel()
	for {
		if _, ok := s.Next(cctx); !ok {
			break
		}
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("after cancel: Err = %v", s.Err())
	}
	s.Close()
}

// sliceStream is a RowStream over rows built by hand.
type sliceStream struct {
	cols []string
	rows []providers.Row
}

func (s *sliceStream) Columns() []string { return s.cols }
func (s *sliceStream) Next(context.Context) (providers.Row, bool) {
	if len(s.rows) == 0 {
		return nil, false
	}
	r := s.rows[0]
	s.rows = s.rows[1:]
	return r, true
}
func (s *sliceStream) Err() error   { return nil }
func (s *sliceStream) Close() error { return nil }

// TestFingerprintMatchesHandBuiltRows: the fingerprint of each fixture
// table equals providers.FingerprintRows over the same values written out
// by hand (bad values as NULL), in another order.
func TestFingerprintMatchesHandBuiltRows(t *testing.T) {
	p, db := testDB(t, fixture...)
	ctx := context.Background()
	s, err := p.Schema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for table, rows := range fixtureRows {
		t.Run(table, func(t *testing.T) {
			tb := findTable(t, s, table)
			types := make([]providers.ColumnType, len(tb.Columns))
			for i, c := range tb.Columns {
				types[i] = c.Type
			}
			var hand []providers.Row
			for i := len(rows) - 1; i >= 0; i-- { // reversed: order must not matter
				r := append(providers.Row(nil), rows[i]...)
				for j, v := range r {
					if _, bad := v.(providers.BadValue); bad {
						r[j] = nil
					}
				}
				hand = append(hand, r)
			}
			want, err := providers.FingerprintRows(ctx, &sliceStream{rows: hand}, types)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Fingerprint(ctx, db, table)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Fingerprint = %+v, want %+v", got, want)
			}
			if got.Rows != int64(len(rows)) {
				t.Errorf("rows = %d, want %d", got.Rows, len(rows))
			}
		})
	}
	// The checksum sees a changed value.
	before, err := p.Fingerprint(ctx, db, "nums")
	if err != nil {
		t.Fatal(err)
	}
	exec(t, "UPDATE "+qualified(db, "nums")+" SET d = 0.1000001 WHERE id = 1")
	after, err := p.Fingerprint(ctx, db, "nums")
	if err != nil {
		t.Fatal(err)
	}
	if before.Checksum == after.Checksum || before.Rows != after.Rows {
		t.Errorf("fingerprint did not change with a value: %+v -> %+v", before, after)
	}
}

// keyTables are tables keyed by every kind of key whose order engines
// could disagree on: composite, case-insensitive text, PAD SPACE binary
// text, NO PAD text, CHAR, enum, UUID, datetime.
func keyTables() []string {
	var stmts []string
	stmts = append(stmts, "CREATE TABLE pairs (a int NOT NULL, b varchar(10) NOT NULL, v int, PRIMARY KEY (a, b))")
	var vals []string
	for a := 0; a < 12; a++ {
		for _, b := range []string{"A", "b", "C", "d", "É"} {
			vals = append(vals, fmt.Sprintf("(%d, '%s', %d)", a, b, a*10))
		}
	}
	stmts = append(stmts, "INSERT INTO pairs VALUES "+strings.Join(vals, ", "))
	stmts = append(stmts, "CREATE TABLE words (w varchar(20) NOT NULL PRIMARY KEY) COLLATE utf8mb4_general_ci",
		"INSERT INTO words VALUES ('apple'), ('Banana'), ('cherry'), ('Date'), ('émile'), ('fig')")
	stmts = append(stmts, "CREATE TABLE events (at datetime(6) NOT NULL, seq int unsigned NOT NULL, PRIMARY KEY (at, seq))",
		"INSERT INTO events VALUES ('2024-01-01 00:00:00', 1), ('2024-01-01 00:00:00', 2), ('2024-01-01 00:00:00.5', 1), ('2024-06-30 12:00:00', 7), ('2025-01-01 00:00:00', 0)")
	stmts = append(stmts, "CREATE TABLE nopk (x int UNIQUE NOT NULL, y int)", "INSERT INTO nopk VALUES (3, 1), (1, 2), (2, 3)")
	stmts = append(stmts, "CREATE TABLE sizes (s enum('small','medium','large') NOT NULL, n int NOT NULL, PRIMARY KEY (s, n))",
		"INSERT INTO sizes VALUES ('small', 1), ('medium', 1), ('large', 2), ('large', 1)")
	stmts = append(stmts, "CREATE TABLE ids (u uuid NOT NULL PRIMARY KEY)",
		"INSERT INTO ids VALUES ('ffffffff-0000-0000-0000-000000000001'), ('00000000-0000-0000-0000-0000000000ff'), ('12345678-0000-1000-8000-000000000000')")
	stmts = append(stmts, "CREATE TABLE padded (k varchar(10) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY)",
		"INSERT INTO padded VALUES ('a'), ('a\t'), ('a!'), ('B'), ('')")
	stmts = append(stmts, "CREATE TABLE chars (k char(4) NOT NULL PRIMARY KEY, n int) COLLATE utf8mb4_general_ci",
		"INSERT INTO chars VALUES ('a', 1), ('a!', 2), ('B', 3), ('b c', 4), ('', 5)")
	stmts = append(stmts, "CREATE TABLE nopad (k varchar(10) COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY)",
		"INSERT INTO nopad VALUES ('a'), ('a\t'), ('a!'), ('B'), ('')")
	return stmts
}
