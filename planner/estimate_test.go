package planner

import "testing"

func TestRowCopySeconds(t *testing.T) {
	for _, tt := range []struct {
		rows, bytes int64
		want        float64
	}{
		{0, 0, 0},
		{10, 0, 0.1},                  // a few rows still take some time
		{5_000_000, 748 << 20, 50},    // pgbench at scale 50: rows decide
		{1000, 5 << 30, 102.4},        // a few wide rows: bytes decide
		{50_000, 1 << 20, 0.5},        // small rows, few bytes
		{5_000_000_000, 1 << 40, 5e4}, // no overflow at scale
	} {
		if got := RowCopySeconds(tt.rows, tt.bytes); got != tt.want {
			t.Errorf("RowCopySeconds(%d, %d) = %v; want %v", tt.rows, tt.bytes, got, tt.want)
		}
	}
}
