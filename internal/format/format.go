// Package format holds the number formats every part of rehome prints:
// byte sizes with IEC units and counts with thousands separators.
package format

import (
	"fmt"
	"strconv"
	"strings"
)

// Bytes formats n bytes with IEC units: "512 B", "3.2 MiB", "1.5 TiB".
func Bytes(n int64) string {
	const units = "KMGTPE"
	if n < 0 {
		if n == -n { // math.MinInt64
			return "-8.0 EiB"
		}
		return "-" + Bytes(-n)
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	// 1023.96 KiB rounds to "1024.0": show it as the next unit instead.
	if v >= 1023.95 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}

// Count formats n with thousands separators: 1204 -> "1,204".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
