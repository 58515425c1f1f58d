package postgres

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// binaryText turns the binary COPY form of a column the reads take as
// text (textCast: numeric, uuid, json, jsonb, enums, time) into the text
// PostgreSQL prints for it, for a pass-through that fingerprints the
// binary tuples it passes on exactly as a read of the text would; nil for
// a type it has no converter for (such a column takes the row path).
func binaryText(c column) func([]byte) ([]byte, error) {
	switch c.typ.Base {
	case "decimal":
		return numericText
	case "uuid":
		return uuidText
	case "json":
		if c.format == "jsonb" {
			return jsonbText
		}
		return sameText
	case "enum":
		return sameText
	case "time":
		return timeText
	}
	return nil
}

func sameText(b []byte) ([]byte, error) { return b, nil }

// jsonbText strips jsonb's version byte: the rest is its text.
func jsonbText(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != 1 {
		return nil, errors.New("jsonb of an unknown binary version")
	}
	return b[1:], nil
}

func uuidText(b []byte) ([]byte, error) {
	if len(b) != 16 {
		return nil, fmt.Errorf("uuid of %d bytes", len(b))
	}
	h := hex.EncodeToString(b)
	return []byte(h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]), nil
}

// timeText prints a time of day (microseconds since midnight).
func timeText(b []byte) ([]byte, error) {
	if len(b) != 8 {
		return nil, fmt.Errorf("time of %d bytes", len(b))
	}
	us := int64(binary.BigEndian.Uint64(b))
	if us < 0 || us > 86_400_000_000 {
		return nil, fmt.Errorf("time of day of %d microseconds", us)
	}
	s := fmt.Sprintf("%02d:%02d:%02d", us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
	if f := us % 1_000_000; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", f), "0")
	}
	return []byte(s), nil
}

// numericText prints a numeric from its binary form: the digit count,
// the weight of the first base-10000 digit, the sign (or NaN, ±Infinity),
// the display scale, then the digits.
func numericText(b []byte) ([]byte, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("numeric of %d bytes", len(b))
	}
	n := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*n {
		return nil, fmt.Errorf("numeric of %d digits in %d bytes", n, len(b))
	}
	switch sign {
	case 0xC000:
		return []byte("NaN"), nil
	case 0xD000:
		return []byte("Infinity"), nil
	case 0xF000:
		return []byte("-Infinity"), nil
	case 0x0000, 0x4000:
	default:
		return nil, fmt.Errorf("numeric of sign %#x", sign)
	}
	digit := func(i int) int { // the base-10000 digit of weight weight-i, 0 past the stored ones
		if i < 0 || i >= n {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[8+2*i:]))
	}
	var s []byte
	if sign == 0x4000 {
		s = append(s, '-')
	}
	if weight < 0 {
		s = append(s, '0')
	} else {
		for i := 0; i <= weight; i++ {
			d := digit(i)
			if i == 0 {
				s = strconv.AppendInt(s, int64(d), 10)
			} else {
				s = append(s, fmt.Sprintf("%04d", d)...)
			}
		}
	}
	if dscale > 0 {
		s = append(s, '.')
		var frac []byte
		for i := weight + 1; len(frac) < dscale; i++ {
			frac = append(frac, fmt.Sprintf("%04d", digit(i))...)
		}
		s = append(s, frac[:dscale]...)
	}
	return s, nil
}
