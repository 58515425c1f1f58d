package providers

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/zeebo/xxh3"
)

// FingerprintRows reads a row stream to its end and returns its
// Fingerprint: the row count and an order-independent checksum (the sum,
// modulo 2^128, of each row's XXH3-128 hash: a checksum against copy
// errors, not against someone forging rows, and fifteen times cheaper per
// row than SHA-256, which made it the validation's largest cost). Values are hashed in a
// canonical form so that the same data read from different engines agrees:
// integers, and decimals whose value is one, as eight big-endian bytes
// when they fit in an int64 ("5", "5.00" and uint64(5) are equal; bytes
// cost a tenth of what formatting digits did), other decimals as
// normalized decimal text, floats in Go's shortest form, times in UTC with
// nanoseconds, JSON (by cols, when given) re-encoded with sorted keys, and
// strings and bytes as they are. cols may be nil or give each column's
// portable type in stream order.
func FingerprintRows(ctx context.Context, rows RowStream, cols []ColumnType) (Fingerprint, error) {
	var ck Checksummer
	for {
		row, ok := rows.Next(ctx)
		if !ok {
			break
		}
		for i, v := range row {
			var base string
			if i < len(cols) {
				base = cols[i].Base
			}
			if err := ck.Value(v, base); err != nil {
				return Fingerprint{}, fmt.Errorf("fingerprint: row %d column %d: %w", ck.n+1, i+1, err)
			}
		}
		ck.EndRow()
	}
	if err := rows.Err(); err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint: read rows: %w", err)
	}
	return ck.Sum(), nil
}

// Checksummer computes a Fingerprint row by row, for engines that read
// values without building Rows: per row, each value in column order
// (Value, or Canonical for a form already canonical), then EndRow.
type Checksummer struct {
	n      int64
	hi, lo uint64
	row, c []byte
}

// Value adds a portable value of a column of type base.
func (k *Checksummer) Value(v any, base string) error {
	var err error
	if k.c, err = appendCanonical(k.c[:0], v, base); err != nil {
		return err
	}
	k.Canonical(k.c)
	return nil
}

// Canonical adds a value given in its canonical form (CanonicalValue's,
// its tag first).
func (k *Checksummer) Canonical(c []byte) {
	k.row = binary.AppendUvarint(k.row, uint64(len(c)))
	k.row = append(k.row, c...)
}

// Tagged adds a value whose canonical form is tag followed by b (a
// string 's' or bytes 'x' as they are), copying b once.
func (k *Checksummer) Tagged(tag byte, b []byte) {
	k.row = binary.AppendUvarint(k.row, uint64(len(b)+1))
	k.row = append(append(k.row, tag), b...)
}

// Int adds an integer (Value's form of any integer type).
func (k *Checksummer) Int(x int64) {
	k.row = appendInt(append(k.row, 9), x) // 9: the form's length
}

// Null adds a NULL.
func (k *Checksummer) Null() {
	k.row = append(k.row, 1, 'N')
}

// EndRow ends a row.
func (k *Checksummer) EndRow() {
	h := xxh3.Hash128(k.row)
	k.add(h.Hi, h.Lo)
	k.n++
	k.row = k.row[:0]
}

// add adds hi:lo to the sum, modulo 2^128.
func (k *Checksummer) add(hi, lo uint64) {
	var carry uint64
	k.lo, carry = bits.Add64(k.lo, lo, 0)
	k.hi, _ = bits.Add64(k.hi, hi, carry)
}

// Sum is the fingerprint of the rows ended so far.
func (k *Checksummer) Sum() Fingerprint {
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], k.hi)
	binary.BigEndian.PutUint64(out[8:], k.lo)
	return Fingerprint{Rows: k.n, Checksum: hex.EncodeToString(out[:])}
}

// Plus is the fingerprint of f's rows and g's together: the checksum is a
// sum, so a table's fingerprint is its ranges' added up.
func (f Fingerprint) Plus(g Fingerprint) (Fingerprint, error) {
	a, err := f.sum()
	if err != nil {
		return Fingerprint{}, err
	}
	b, err := g.sum()
	if err != nil {
		return Fingerprint{}, err
	}
	a.add(b.hi, b.lo)
	a.n = f.Rows + g.Rows
	return a.Sum(), nil
}

// sum is the Checksummer whose Sum f is (rows aside); the zero
// Fingerprint is no rows.
func (f Fingerprint) sum() (Checksummer, error) {
	if f.Checksum == "" && f.Rows == 0 {
		return Checksummer{}, nil
	}
	raw, err := hex.DecodeString(f.Checksum)
	if err != nil || len(raw) != 16 {
		return Checksummer{}, fmt.Errorf("add fingerprints: checksum %q is not 32 hex digits", f.Checksum)
	}
	return Checksummer{hi: binary.BigEndian.Uint64(raw[:8]), lo: binary.BigEndian.Uint64(raw[8:])}, nil
}

// CanonicalValue is the form FingerprintRows hashes one value in, with a
// one-letter type tag; base is the column's portable type ("" unknown).
func CanonicalValue(v any, base string) (string, error) { return canonicalValue(v, base) }

func canonicalValue(v any, base string) (string, error) {
	b, err := appendCanonical(nil, v, base)
	return string(b), err
}

// appendCanonical appends v's canonical form to b.
func appendCanonical(b []byte, v any, base string) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, 'N'), nil
	case bool:
		if x {
			return append(b, "b1"...), nil
		}
		return append(b, "b0"...), nil
	case int64:
		return appendInt(b, x), nil
	case uint64:
		if x > math.MaxInt64 {
			return strconv.AppendUint(append(b, 'n'), x, 10), nil
		}
		return appendInt(b, int64(x)), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int32:
		return appendInt(b, int64(x)), nil
	case int16:
		return appendInt(b, int64(x)), nil
	case float32:
		return appendFloat(b, float64(x)), nil
	case float64:
		return appendFloat(b, x), nil
	case time.Time:
		return x.UTC().AppendFormat(append(b, 't'), "2006-01-02T15:04:05.999999999Z"), nil
	case []byte:
		if base == "json" {
			return appendJSON(b, string(x))
		}
		return append(append(b, 'x'), x...), nil
	case string:
		switch base {
		case "decimal", "int16", "int32", "int64":
			n := normalizeDecimal(x)
			if i, err := strconv.ParseInt(n, 10, 64); err == nil {
				return appendInt(b, i), nil
			}
			return append(append(b, 'n'), n...), nil
		case "json":
			return appendJSON(b, x)
		}
		return append(append(b, 's'), x...), nil
	default:
		return nil, fmt.Errorf("value of type %T is not a portable row value", v)
	}
}

// appendInt appends an integer's form: 'i' and its eight big-endian
// bytes.
func appendInt(b []byte, x int64) []byte {
	return binary.BigEndian.AppendUint64(append(b, 'i'), uint64(x))
}

func appendFloat(b []byte, f float64) []byte {
	b = append(b, 'f')
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func appendJSON(b []byte, s string) ([]byte, error) {
	c, err := canonicalJSON(s)
	return append(b, c...), err
}

// normalizeDecimal drops a leading plus, leading zeros and trailing
// fractional zeros: "+007.50" -> "7.5", "-0.00" -> "0".
func normalizeDecimal(s string) string {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

func canonicalJSON(s string) (string, error) {
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "s" + s, nil // not JSON after all: compare as text
	}
	b, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return "", fmt.Errorf("re-encode JSON: %w", err)
	}
	return "j" + string(b), nil
}
