package postgres

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"

	"github.com/rehome/rehome/providers"
)

// The native sum (providers.NativeSum) of PostgreSQL: each row's hash is
// the XOR of its columns' hashes, taken with the server's own extended
// hash functions (those of hash partitioning, which PostgreSQL keeps
// stable across versions) with a seed of each column's position, a NULL
// standing for a constant of its position; the sum is the exact sum of
// the row hashes. The destination computes it on its server in one scan
// (SELECT count(*), sum(...)), and a pass-through copy computes the same
// in Go from the binary COPY fields it passes on, emulating the server's
// functions (hashfn.c's hash_bytes_extended and
// hash_bytes_uint32_extended, Bob Jenkins' lookup3) for the types listed
// in hashKinds. Tests check the emulation against the server; a sum that
// still differs only sends the validation back to reading the rows.

// nativeMethod is the method prefix of the sums here.
const nativeMethod = "pghash1"

// hashKind is how one column type is hashed on both sides.
type hashKind struct {
	// sql is the server's hash of column expression c with seed s.
	sql func(c, s string) string
	// hash is the emulation over the field's binary COPY form; false when
	// the field is not of the form the kind expects.
	hash func(b []byte, seed uint64) (uint64, bool)
}

var hashKinds = map[string]hashKind{
	"bool": {sql: func(c, s string) string { return "hashint4extended(" + c + "::int4, " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 1 || b[0] > 1 {
				return 0, false
			}
			return hashUint32Extended(uint32(b[0]), seed), true
		}},
	"int2": {sql: func(c, s string) string { return "hashint2extended(" + c + ", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 2 {
				return 0, false
			}
			return hashUint32Extended(uint32(int32(int16(binary.BigEndian.Uint16(b)))), seed), true
		}},
	"int4": {sql: func(c, s string) string { return "hashint4extended(" + c + ", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 4 {
				return 0, false
			}
			return hashUint32Extended(binary.BigEndian.Uint32(b), seed), true
		}},
	"int8": {sql: func(c, s string) string { return "hashint8extended(" + c + ", " + s + ")" }, hash: int8Field},
	"float4": {sql: func(c, s string) string { return "hashfloat4extended(" + c + ", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 4 {
				return 0, false
			}
			return hashFloat8Extended(float64(math.Float32frombits(binary.BigEndian.Uint32(b))), seed), true
		}},
	"float8": {sql: func(c, s string) string { return "hashfloat8extended(" + c + ", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 8 {
				return 0, false
			}
			return hashFloat8Extended(math.Float64frombits(binary.BigEndian.Uint64(b)), seed), true
		}},
	// Text in the C collation hashes its bytes whatever the column's
	// collation (a nondeterministic one would hash a sort key instead).
	"text": {sql: func(c, s string) string { return "hashtextextended(" + c + "::text COLLATE \"C\", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) { return hashBytesExtended(b, seed), true }},
	// char(n) hashes without its trailing blanks.
	"bpchar": {sql: func(c, s string) string { return "hashbpcharextended(" + c + " COLLATE \"C\", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			n := len(b)
			for n > 0 && b[n-1] == ' ' {
				n--
			}
			return hashBytesExtended(b[:n], seed), true
		}},
	"uuid": {sql: func(c, s string) string { return "uuid_hash_extended(" + c + ", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 16 {
				return 0, false
			}
			return hashBytesExtended(b, seed), true
		}},
	// A date hashes as the timestamp of its midnight (exact; infinities
	// stay infinite), there being no hash function of dates to call.
	"date": {sql: func(c, s string) string { return "timestamp_hash_extended(" + c + "::timestamp, " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			if len(b) != 4 {
				return 0, false
			}
			d := int32(binary.BigEndian.Uint32(b))
			var ts int64
			switch d {
			case math.MaxInt32:
				ts = math.MaxInt64
			case math.MinInt32:
				ts = math.MinInt64
			default:
				ts = int64(d) * 86_400_000_000
			}
			return hashInt8Extended(ts, seed), true
		}},
	"time":      {sql: func(c, s string) string { return "time_hash_extended(" + c + ", " + s + ")" }, hash: int8Field},
	"timestamp": {sql: func(c, s string) string { return "timestamp_hash_extended(" + c + ", " + s + ")" }, hash: int8Field},
	// A timestamptz is microseconds since 2000 in UTC, which AT TIME ZONE
	// 'UTC' keeps as they are.
	"timestamptz": {sql: func(c, s string) string { return "timestamp_hash_extended(" + c + " AT TIME ZONE 'UTC', " + s + ")" }, hash: int8Field},
	// These hash as the text PostgreSQL prints for them, which their
	// binary form gives exactly (binarytext.go): a numeric's
	// hash_numeric_extended would ignore its sign and scale.
	"numeric": asText(numericText),
	"json":    asText(sameText),
	"jsonb":   asText(jsonbText),
	"enum":    asText(sameText), // an enum's binary form is its label
	// bytea has no hash function to call: its md5, in hex, hashes as text
	// (whatever bytea_output says).
	"bytea": {sql: func(c, s string) string { return "hashtextextended(md5(" + c + ") COLLATE \"C\", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			sum := md5.Sum(b)
			var h [32]byte
			hex.Encode(h[:], sum[:])
			return hashBytesExtended(h[:], seed), true
		}},
}

// asText is the kind of a type hashed as its text, which conv gives from
// the binary form.
func asText(conv func([]byte) ([]byte, error)) hashKind {
	return hashKind{sql: func(c, s string) string { return "hashtextextended(" + c + "::text COLLATE \"C\", " + s + ")" },
		hash: func(b []byte, seed uint64) (uint64, bool) {
			t, err := conv(b)
			if err != nil {
				return 0, false
			}
			return hashBytesExtended(t, seed), true
		}}
}

func int8Field(b []byte, seed uint64) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return hashInt8Extended(int64(binary.BigEndian.Uint64(b)), seed), true
}

// kindOf is a column's hash kind; "" when it has none.
func kindOf(c column) string {
	switch c.typ.Base {
	case "bool", "uuid", "date", "time", "timestamp", "timestamptz":
		return c.typ.Base
	case "int16":
		return "int2"
	case "int32":
		return "int4"
	case "int64":
		return "int8"
	case "float32":
		return "float4"
	case "float64":
		return "float8"
	case "text", "varchar":
		return "text"
	case "char":
		return "bpchar"
	case "bytes":
		return "bytea"
	case "decimal":
		return "numeric"
	case "enum":
		return "enum"
	case "json":
		if c.format == "jsonb" {
			return "jsonb"
		}
		return "json"
	}
	return ""
}

// nativeMethodOf is the method of cols' sum, false when a column has no
// hash kind.
func nativeMethodOf(cols []column) (string, bool) {
	kinds := make([]string, len(cols))
	for i, c := range cols {
		if kinds[i] = kindOf(c); kinds[i] == "" {
			return "", false
		}
	}
	return nativeMethod + ":" + strings.Join(kinds, ","), true
}

// parseMethod returns the kinds a method names.
func parseMethod(method string) ([]hashKind, bool) {
	rest, ok := strings.CutPrefix(method, nativeMethod+":")
	if !ok {
		return nil, false
	}
	var out []hashKind
	for _, k := range strings.Split(rest, ",") {
		hk, ok := hashKinds[k]
		if !ok {
			return nil, false
		}
		out = append(out, hk)
	}
	return out, true
}

// columnSeed is the seed of column i's hash; nullHash stands for a NULL
// in it. Both are fixed: they are part of the method.
func columnSeed(i int) uint64 { return uint64(i+1) * 0x9e3779b97f4a7c15 }

func nullHash(i int) uint64 {
	z := uint64(i+1) * 0xbf58476d1ce4e5b9
	z ^= z >> 31
	return z * 0x94d049bb133111eb
}

// nativeSQL is the query that sums cols of db.table (after where) on the
// server.
func nativeSQL(kinds []hashKind, cols []string, db, table, where string) string {
	terms := make([]string, len(cols))
	for i, c := range cols {
		terms[i] = "coalesce(" + kinds[i].sql(ident(c), strconv.FormatInt(int64(columnSeed(i)), 10)) + ", " +
			strconv.FormatInt(int64(nullHash(i)), 10) + ")"
	}
	h := strings.Join(terms, " # ")
	if len(terms) == 0 {
		h = "0::int8"
	}
	return "SELECT count(*), coalesce(sum(" + h + "), 0)::text FROM " + qualified(db, table) + where
}

// nativeHasher sums rows from their binary COPY fields as nativeSQL sums
// them on the server.
type nativeHasher struct {
	method string
	kinds  []hashKind
	row    uint64
	rows   int64
	hi     int64 // the sum, a 128-bit two's complement integer
	lo     uint64
	bad    bool // a field not of its kind's form: the sum is void
}

func newNativeHasher(cols []column) *nativeHasher {
	m, ok := nativeMethodOf(cols)
	if !ok {
		return nil
	}
	kinds, _ := parseMethod(m)
	return &nativeHasher{method: m, kinds: kinds}
}

// field adds column i's field (nil: NULL) to the current row.
func (h *nativeHasher) field(i int, b []byte) {
	if b == nil {
		h.row ^= nullHash(i)
		return
	}
	v, ok := h.kinds[i].hash(b, columnSeed(i))
	if !ok {
		h.bad = true
	}
	h.row ^= v
}

// endRow adds the current row to the sum.
func (h *nativeHasher) endRow() {
	v := int64(h.row)
	var carry uint64
	h.lo, carry = bits.Add64(h.lo, uint64(v), 0)
	ext := int64(0)
	if v < 0 {
		ext = -1
	}
	h.hi += ext + int64(carry)
	h.rows++
	h.row = 0
}

// take returns the sum of the rows since the last take (nil when void)
// and starts again.
func (h *nativeHasher) take() *providers.NativeSum {
	defer func() { h.rows, h.hi, h.lo, h.bad = 0, 0, 0, false }()
	if h.bad {
		return nil
	}
	n := new(big.Int).SetInt64(h.hi)
	n.Lsh(n, 64)
	n.Add(n, new(big.Int).SetUint64(h.lo))
	return &providers.NativeSum{Method: h.method, Rows: h.rows, Sum: n.String()}
}

// takeNative is the native sum of the tuples since the last take; nil
// without a hasher.
func (d *copyDecoder) takeNative() *providers.NativeSum {
	if d.native == nil {
		return nil
	}
	return d.native.take()
}

// NativeSum (providers.NativeSummer) sums key range r of db.table on the
// server with method, over cols; ErrUnsupported when the method is not
// one of PostgreSQL's or the database's encoding is not UTF-8 (text is
// hashed as the server holds it, the copy hashes it as UTF-8).
func (p *Provider) NativeSum(ctx context.Context, db, table string, r providers.KeyRange, cols []string, method string) (providers.NativeSum, error) {
	kinds, ok := parseMethod(method)
	if !ok || len(kinds) != len(cols) {
		return providers.NativeSum{}, fmt.Errorf("sum %s.%s by %q: %w", db, table, method, providers.ErrUnsupported)
	}
	rt, err := p.beginRead(ctx, db, table)
	if err != nil {
		return providers.NativeSum{}, err
	}
	defer rt.end(ctx)
	var enc string
	if err := rt.tx.QueryRow(ctx, "SELECT current_setting('server_encoding')").Scan(&enc); err != nil {
		return providers.NativeSum{}, p.fail("sum "+rt.what, err)
	}
	if enc != "UTF8" {
		return providers.NativeSum{}, fmt.Errorf("sum %s: the database's encoding is %s: %w", rt.what, enc, providers.ErrUnsupported)
	}
	have := map[string]column{}
	for _, c := range rt.cols {
		have[c.name] = c
	}
	for i, n := range cols {
		c, ok := have[n]
		if !ok {
			return providers.NativeSum{}, fmt.Errorf("sum %s: the table has no column %q", rt.what, n)
		}
		if m, _ := nativeMethodOf([]column{c}); m != nativeMethod+":"+strings.Split(strings.TrimPrefix(method, nativeMethod+":"), ",")[i] {
			return providers.NativeSum{}, fmt.Errorf("sum %s: column %s is %s here: %w", rt.what, n, c.format, providers.ErrUnsupported)
		}
	}
	where, err := rangeWhere(rt.keys, r, literal)
	if err != nil {
		return providers.NativeSum{}, fmt.Errorf("sum %s: %w", rt.what, err)
	}
	if where != "" {
		// As FingerprintColumns: a range through its key's index.
		if _, err := rt.tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return providers.NativeSum{}, p.fail("sum "+rt.what, err)
		}
	}
	out := providers.NativeSum{Method: method}
	if err := rt.tx.QueryRow(ctx, nativeSQL(kinds, cols, db, table, where)).Scan(&out.Rows, &out.Sum); err != nil {
		return providers.NativeSum{}, p.fail("sum "+rt.what, err)
	}
	return out, nil
}

// hashFloat8Extended is hashfloat8extended (and, over the float8 of a
// float4, hashfloat4extended): zeros hash as the seed, every NaN as one.
func hashFloat8Extended(f float64, seed uint64) uint64 {
	if f == 0 {
		return seed
	}
	if math.IsNaN(f) {
		f = math.Float64frombits(0x7ff8000000000000) // C's NAN, not Go's
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
	return hashBytesExtended(b[:], seed)
}

// hashInt8Extended is hashint8extended: the halves folded so that values
// that fit in 32 bits hash as their int4.
func hashInt8Extended(v int64, seed uint64) uint64 {
	lo, hi := uint32(v), uint32(v>>32)
	if v >= 0 {
		lo ^= hi
	} else {
		lo ^= ^hi
	}
	return hashUint32Extended(lo, seed)
}

func mix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}

func final(a, b, c uint32) (uint32, uint32, uint32) {
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return a, b, c
}

// hashBytesExtended is hash_bytes_extended on a little-endian server.
func hashBytesExtended(k []byte, seed uint64) uint64 {
	a := 0x9e3779b9 + uint32(len(k)) + 3923095
	b, c := a, a
	if seed != 0 {
		a += uint32(seed >> 32)
		b += uint32(seed)
		a, b, c = mix(a, b, c)
	}
	for len(k) >= 12 {
		a += binary.LittleEndian.Uint32(k)
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a, b, c = mix(a, b, c)
		k = k[12:]
	}
	// The last 11 bytes; c's lowest byte is left for the length.
	n := len(k)
	if n >= 9 {
		for i := n - 1; i >= 8; i-- {
			c += uint32(k[i]) << (8 * (i - 7))
		}
		n = 8
	}
	if n >= 5 {
		for i := n - 1; i >= 4; i-- {
			b += uint32(k[i]) << (8 * (i - 4))
		}
		n = 4
	}
	for i := n - 1; i >= 0; i-- {
		a += uint32(k[i]) << (8 * i)
	}
	_, b, c = final(a, b, c)
	return uint64(b)<<32 | uint64(c)
}

// hashUint32Extended is hash_bytes_uint32_extended.
func hashUint32Extended(k uint32, seed uint64) uint64 {
	a := uint32(0x9e3779b9 + 4 + 3923095)
	b, c := a, a
	if seed != 0 {
		a += uint32(seed >> 32)
		b += uint32(seed)
		a, b, c = mix(a, b, c)
	}
	a += k
	_, b, c = final(a, b, c)
	return uint64(b)<<32 | uint64(c)
}
