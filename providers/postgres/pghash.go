package postgres

import (
	"bytes"
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
	// sql is the server's hash, a format of the column expression and the
	// seed.
	sql string
	// hash is the emulation over the field's binary COPY form, or with
	// text set over the text PostgreSQL prints for it (binaryText, which
	// the copy makes once for both of its sums); false when the field is
	// not of the form the kind expects.
	hash func(b []byte, seed uint64) (uint64, bool)
	text bool
}

// These hash as the text PostgreSQL prints for them: a numeric's
// hash_numeric_extended would ignore its sign and scale; a json's, an
// enum's (its label) and a jsonb's are their binary form, less jsonb's
// version byte.
var textKind = hashKind{sql: `hashtextextended(%s::text COLLATE "C", %s)`, hash: anyLength(hashBytesExtended), text: true}

var hashKinds = map[string]hashKind{
	"bool": {sql: "hashint4extended(%s::int4, %s)",
		hash: fixed(1, func(b []byte, seed uint64) uint64 { return hashUint32Extended(uint32(b[0]), seed) })},
	"int2": {sql: "hashint2extended(%s, %s)",
		hash: fixed(2, func(b []byte, seed uint64) uint64 {
			return hashUint32Extended(uint32(int32(int16(binary.BigEndian.Uint16(b)))), seed)
		})},
	"int4": {sql: "hashint4extended(%s, %s)",
		hash: fixed(4, func(b []byte, seed uint64) uint64 { return hashUint32Extended(binary.BigEndian.Uint32(b), seed) })},
	"int8": {sql: "hashint8extended(%s, %s)", hash: fixed(8, int8Hash)},
	"float4": {sql: "hashfloat4extended(%s, %s)",
		hash: fixed(4, func(b []byte, seed uint64) uint64 {
			return hashFloat8Extended(float64(math.Float32frombits(binary.BigEndian.Uint32(b))), seed)
		})},
	"float8": {sql: "hashfloat8extended(%s, %s)",
		hash: fixed(8, func(b []byte, seed uint64) uint64 {
			return hashFloat8Extended(math.Float64frombits(binary.BigEndian.Uint64(b)), seed)
		})},
	// Text in the C collation hashes its bytes whatever the column's
	// collation (a nondeterministic one would hash a sort key instead).
	"text": {sql: `hashtextextended(%s::text COLLATE "C", %s)`, hash: anyLength(hashBytesExtended)},
	// char(n) hashes without its trailing blanks.
	"bpchar": {sql: `hashbpcharextended(%s COLLATE "C", %s)`,
		hash: anyLength(func(b []byte, seed uint64) uint64 { return hashBytesExtended(bytes.TrimRight(b, " "), seed) })},
	"uuid": {sql: "uuid_hash_extended(%s, %s)", hash: fixed(16, hashBytesExtended)},
	// A date hashes as the timestamp of its midnight (exact; infinities
	// stay infinite), there being no hash function of dates to call.
	"date": {sql: "timestamp_hash_extended(%s::timestamp, %s)",
		hash: fixed(4, func(b []byte, seed uint64) uint64 {
			switch d := int32(binary.BigEndian.Uint32(b)); d {
			case math.MaxInt32:
				return hashInt8Extended(math.MaxInt64, seed)
			case math.MinInt32:
				return hashInt8Extended(math.MinInt64, seed)
			default:
				return hashInt8Extended(int64(d)*86_400_000_000, seed)
			}
		})},
	"time":      {sql: "time_hash_extended(%s, %s)", hash: fixed(8, int8Hash)},
	"timestamp": {sql: "timestamp_hash_extended(%s, %s)", hash: fixed(8, int8Hash)},
	// A timestamptz is microseconds since 2000 in UTC, which AT TIME ZONE
	// 'UTC' keeps as they are.
	"timestamptz": {sql: "timestamp_hash_extended(%s AT TIME ZONE 'UTC', %s)", hash: fixed(8, int8Hash)},
	"numeric":     textKind,
	"json":        textKind,
	"jsonb":       textKind,
	"enum":        textKind,
	// bytea has no hash function to call: its md5, in hex, hashes as text
	// (whatever bytea_output says).
	"bytea": {sql: `hashtextextended(md5(%s) COLLATE "C", %s)`,
		hash: anyLength(func(b []byte, seed uint64) uint64 {
			sum := md5.Sum(b)
			var h [32]byte
			hex.Encode(h[:], sum[:])
			return hashBytesExtended(h[:], seed)
		})},
}

// fixed is a hash over fields of n bytes.
func fixed(n int, f func(b []byte, seed uint64) uint64) func([]byte, uint64) (uint64, bool) {
	return func(b []byte, seed uint64) (uint64, bool) {
		if len(b) != n {
			return 0, false
		}
		return f(b, seed), true
	}
}

// anyLength is a hash over fields of any length.
func anyLength(f func(b []byte, seed uint64) uint64) func([]byte, uint64) (uint64, bool) {
	return func(b []byte, seed uint64) (uint64, bool) { return f(b, seed), true }
}

func int8Hash(b []byte, seed uint64) uint64 {
	return hashInt8Extended(int64(binary.BigEndian.Uint64(b)), seed)
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

// kindsOf are the hash kinds of cols, false when one has none (or
// there are no columns).
func kindsOf(cols []column) ([]string, bool) {
	kinds := make([]string, len(cols))
	for i, c := range cols {
		if kinds[i] = kindOf(c); kinds[i] == "" {
			return nil, false
		}
	}
	return kinds, len(cols) > 0
}

// methodOf is the method of a sum over columns of these kinds.
func methodOf(kinds []string) string { return nativeMethod + ":" + strings.Join(kinds, ",") }

// parseMethod returns the kinds a method names, by name and as kinds.
func parseMethod(method string) ([]string, []hashKind, bool) {
	rest, ok := strings.CutPrefix(method, nativeMethod+":")
	if !ok {
		return nil, nil, false
	}
	names := strings.Split(rest, ",")
	kinds := make([]hashKind, len(names))
	for i, n := range names {
		if kinds[i], ok = hashKinds[n]; !ok {
			return nil, nil, false
		}
	}
	return names, kinds, true
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
		seed := strconv.FormatInt(int64(columnSeed(i)), 10)
		terms[i] = fmt.Sprintf("coalesce(%s, %d)", fmt.Sprintf(kinds[i].sql, ident(c), seed), int64(nullHash(i)))
	}
	return "SELECT count(*), coalesce(sum(" + strings.Join(terms, " # ") + "), 0)::text FROM " + qualified(db, table) + where
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
	names, ok := kindsOf(cols)
	if !ok {
		return nil
	}
	h := &nativeHasher{method: methodOf(names), kinds: make([]hashKind, len(names))}
	for i, n := range names {
		h.kinds[i] = hashKinds[n]
	}
	return h
}

// field adds column i's field to the current row: its binary form b (nil:
// NULL) and, for a kind hashed as text, t, the text binaryText makes of
// it.
func (h *nativeHasher) field(i int, b, t []byte) {
	if b == nil {
		h.row ^= nullHash(i)
		return
	}
	k := h.kinds[i]
	if k.text {
		b = t
	}
	v, ok := k.hash(b, columnSeed(i))
	if !ok || b == nil {
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
	names, kinds, ok := parseMethod(method)
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
		if kindOf(c) != names[i] {
			return providers.NativeSum{}, fmt.Errorf("sum %s: column %s is %s here: %w", rt.what, n, c.format, providers.ErrUnsupported)
		}
	}
	where, err := p.rangeRead(ctx, rt, r, "sum")
	if err != nil {
		return providers.NativeSum{}, err
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
