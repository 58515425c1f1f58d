package providers

import (
	"context"
	"math"
	"testing"
	"time"
)

// The canonical form is shared by every engine's fingerprints (and by
// fingerprints recorded by earlier runs): it must not drift. The value is
// what FingerprintRows gave before it stopped allocating per value, with
// rows hashed by XXH3-128 since (SHA-256 before, which gave
// 988fcaf0f5c0376f057fb0b6916cd70f) and integers hashed as eight bytes
// since (decimal text before, which gave 6430ff5c9eaa2495e05fda1b63c10bba):
// a cutover of an apply made before a change finds every table changed
// and copies it again.
func TestFingerprintRowsCanonicalFormIsStable(t *testing.T) {
	cols := []ColumnType{{Base: "int64"}, {Base: "decimal"}, {Base: "json"}, {Base: "timestamp"}, {Base: "text"},
		{Base: "bytes"}, {Base: "float64"}, {Base: "bool"}, {Base: "int32"}, {Base: "json"}}
	ts := time.Date(2024, 2, 29, 12, 0, 0, 500, time.FixedZone("x", 3600))
	long := make([]byte, 300)
	for i := range long {
		long[i] = byte(i)
	}
	rows := []Row{
		{int64(-7), "+007.50", `{"b": 1, "a": [1, 2]}`, ts, "Ann 😀", []byte{0, 255}, 1.5, true, "42", []byte(`[1, {"z": null}]`)},
		{uint64(math.MaxUint64), "-0.00", "not json", time.Time{}, string(long), long, math.Inf(-1), false, int64(0), nil},
		{nil, nil, nil, nil, "", []byte{}, 1e300, nil, int64(math.MinInt64), `"s"`},
		{int64(1), "1e5", `{}`, ts.UTC(), "\x00\t\n", []byte("x"), float64(float32(0.1)), true, uint64(3), `12.50`},
	}
	fp, err := FingerprintRows(context.Background(), &sliceRows{rows: rows}, cols)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Fingerprint{Rows: 4, Checksum: "ad8666e6cce7e042d97b2a218a7864be"}); fp != want {
		t.Errorf("fingerprint = %+v; want %+v", fp, want)
	}
}
