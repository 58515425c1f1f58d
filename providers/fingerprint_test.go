package providers

import (
	"context"
	"fmt"
	"testing"
	"time"
)

type sliceRows struct {
	rows []Row
	i    int
}

func (s *sliceRows) Columns() []string { return nil }
func (s *sliceRows) Next(context.Context) (Row, bool) {
	if s.i >= len(s.rows) {
		return nil, false
	}
	s.i++
	return s.rows[s.i-1], true
}
func (s *sliceRows) Err() error   { return nil }
func (s *sliceRows) Close() error { return nil }

func TestFingerprintRowsAgreesAcrossRepresentations(t *testing.T) {
	ts := time.Date(2024, 2, 29, 12, 0, 0, 500, time.FixedZone("x", 3600))
	cols := []ColumnType{{Base: "int64"}, {Base: "decimal"}, {Base: "json"}, {Base: "timestamp"}, {Base: "text"}}
	a := []Row{{int64(1), "12.50", `{"b": 1, "a": [1, 2]}`, ts, "x"}, {int64(2), nil, `null`, ts, ""}}
	b := []Row{{uint64(2), nil, []byte("null"), ts.UTC(), ""}, {"1", "12.5", `{"a":[1,2],"b":1}`, ts.UTC(), "x"}}
	fa, err := FingerprintRows(context.Background(), &sliceRows{rows: a}, cols)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := FingerprintRows(context.Background(), &sliceRows{rows: b}, cols)
	if err != nil {
		t.Fatal(err)
	}
	if fa != fb || fa.Rows != 2 {
		t.Fatalf("fingerprints differ: %+v vs %+v", fa, fb)
	}
	for _, change := range []Row{
		{int64(1), "12.51", `{"b": 1, "a": [1, 2]}`, ts, "x"},
		{int64(1), "12.50", `{"b": 1, "a": [1, 2]}`, ts, "X"},
		{int64(1), "12.50", `{"b": 1, "a": [2, 1]}`, ts, "x"},
		{int64(1), "12.50", `{"b": 1, "a": [1, 2]}`, ts.Add(time.Microsecond), "x"},
		{int64(1), "12.50", `{"b": 1, "a": [1, 2]}`, ts, nil},
	} {
		fc, err := FingerprintRows(context.Background(), &sliceRows{rows: []Row{change, a[1]}}, cols)
		if err != nil {
			t.Fatal(err)
		}
		if fc == fa {
			t.Errorf("changed row %v gives the same fingerprint", change)
		}
	}
	// A duplicated row does not cancel out.
	fd, _ := FingerprintRows(context.Background(), &sliceRows{rows: []Row{a[0], a[0], a[1], a[1]}}, cols)
	fe, _ := FingerprintRows(context.Background(), &sliceRows{rows: []Row{a[1], a[1], a[0], a[0]}}, cols)
	if fd != fe || fd.Checksum == "00000000000000000000000000000000" {
		t.Errorf("duplicates: %+v %+v", fd, fe)
	}
	if _, err := FingerprintRows(context.Background(), &sliceRows{rows: []Row{{struct{}{}}}}, nil); err == nil {
		t.Error("a non-portable value was accepted")
	}
}

func TestNormalizeDecimal(t *testing.T) {
	for in, want := range map[string]string{"+007.50": "7.5", "-0.00": "0", "12": "12", "0.0100": "0.01", "-3.10": "-3.1", ".5": "0.5"} {
		if got := normalizeDecimal(in); got != want {
			t.Errorf("normalizeDecimal(%q) = %q, want %q", in, got, want)
		}
	}
}

// A table's fingerprint is the sum of its ranges' fingerprints, whatever
// way the rows are cut.
func TestFingerprintPlusAddsRanges(t *testing.T) {
	ctx := context.Background()
	var rows []Row
	for i := range 200 {
		rows = append(rows, Row{int64(i), fmt.Sprintf("row %d", i)})
	}
	whole, err := FingerprintRows(ctx, &sliceRows{rows: rows}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{0, 1, 77, 199, 200} {
		a, err := FingerprintRows(ctx, &sliceRows{rows: rows[:cut]}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := FingerprintRows(ctx, &sliceRows{rows: rows[cut:]}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := a.Plus(b)
		if err != nil || sum != whole {
			t.Errorf("cut at %d: %+v plus %+v = %+v, %v; want %+v", cut, a, b, sum, err, whole)
		}
		if sum, err := (Fingerprint{}).Plus(a); err != nil || sum != a {
			t.Errorf("the zero fingerprint plus %+v = %+v, %v", a, sum, err)
		}
	}
	if _, err := whole.Plus(Fingerprint{Rows: 1, Checksum: "zz"}); err == nil {
		t.Error("Plus of a malformed checksum succeeded")
	}
}

// An integer's form is the same whatever Go type or text it came as, and
// what Checksummer's direct adders (Int, Tagged, Null, used by engines
// that read fields without building values) add is what Value adds.
func TestCanonicalIntegersAndDirectAdders(t *testing.T) {
	same := [][]struct {
		v    any
		base string
	}{
		{{int64(5), "int64"}, {uint64(5), "int64"}, {int16(5), "int16"}, {int32(5), "int32"}, {5, "int64"}, {"5", "int64"},
			{"5.00", "decimal"}, {"+005", "decimal"}},
		{{int64(-9223372036854775808), "int64"}, {"-9223372036854775808", "decimal"}},
		{{uint64(18446744073709551615), "int64"}, {"18446744073709551615", "decimal"}},
		{{int64(0), "int64"}, {"-0.00", "decimal"}},
	}
	for _, set := range same {
		first, err := CanonicalValue(set[0].v, set[0].base)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range set[1:] {
			got, err := CanonicalValue(o.v, o.base)
			if err != nil {
				t.Fatal(err)
			}
			if got != first {
				t.Errorf("%T %v (%s) = %q; %T %v = %q", o.v, o.v, o.base, got, set[0].v, set[0].v, first)
			}
		}
	}
	for _, pair := range [][2]struct {
		v    any
		base string
	}{
		{{int64(5), "int64"}, {"5.5", "decimal"}},
		{{int64(5), "int64"}, {5.0, "float64"}},
		{{int64(5), "int64"}, {"5", "text"}},
		{{int64(9223372036854775807), "int64"}, {uint64(9223372036854775808), "int64"}},
	} {
		a, _ := CanonicalValue(pair[0].v, pair[0].base)
		b, _ := CanonicalValue(pair[1].v, pair[1].base)
		if a == b {
			t.Errorf("%v (%s) and %v (%s) share the form %q", pair[0].v, pair[0].base, pair[1].v, pair[1].base, a)
		}
	}
	var byValue, direct Checksummer
	for _, x := range []int64{0, -1, 1 << 40} {
		if err := byValue.Value(x, "int64"); err != nil {
			t.Fatal(err)
		}
		direct.Int(x)
	}
	_ = byValue.Value("Ann 😀", "text")
	direct.Tagged('s', []byte("Ann 😀"))
	_ = byValue.Value([]byte{0, 1}, "bytes")
	direct.Tagged('x', []byte{0, 1})
	_ = byValue.Value(nil, "text")
	direct.Null()
	byValue.EndRow()
	direct.EndRow()
	if byValue.Sum() != direct.Sum() {
		t.Errorf("direct adders give %v; Value %v", direct.Sum(), byValue.Sum())
	}
}
