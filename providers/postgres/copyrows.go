package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/rehome/rehome/providers"
)

// copyPage is how many rows one page of a COPY read holds.
const copyPage = 1024

// copyPages is how many pages the decoder may run ahead of the reader.
const copyPages = 4

// copySignature opens every COPY binary stream.
const copySignature = "PGCOPY\n\xff\r\n\x00"

// errCopyStopped ends a COPY read its reader closed early.
var errCopyStopped = errors.New("the read was closed")

// pgEpoch is 2000-01-01 UTC, PostgreSQL's zero date and time, in Unix
// seconds.
const pgEpoch = 946684800

// decodeFunc turns one binary field into the contract's Go value.
type decodeFunc func(d *copyDecoder, b []byte) (any, error)

// decoderFor is the binary decoder of a column read as base (a column of
// a textCast type arrives as text).
func decoderFor(base string) decodeFunc {
	switch base {
	case "bool":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 1 {
				return nil, fmt.Errorf("bool of %d bytes", len(b))
			}
			return b[0] != 0, nil
		}
	case "int16":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 2 {
				return nil, fmt.Errorf("int2 of %d bytes", len(b))
			}
			return int64(int16(binary.BigEndian.Uint16(b))), nil
		}
	case "int32":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 4 {
				return nil, fmt.Errorf("int4 of %d bytes", len(b))
			}
			return int64(int32(binary.BigEndian.Uint32(b))), nil
		}
	case "int64":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 8 {
				return nil, fmt.Errorf("int8 of %d bytes", len(b))
			}
			return int64(binary.BigEndian.Uint64(b)), nil
		}
	case "float32":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 4 {
				return nil, fmt.Errorf("float4 of %d bytes", len(b))
			}
			return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
		}
	case "float64":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 8 {
				return nil, fmt.Errorf("float8 of %d bytes", len(b))
			}
			return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
		}
	case "bytes":
		return func(d *copyDecoder, b []byte) (any, error) { return d.bytes(b), nil }
	case "date":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 4 {
				return nil, fmt.Errorf("date of %d bytes", len(b))
			}
			days := int32(binary.BigEndian.Uint32(b))
			if days == math.MaxInt32 || days == math.MinInt32 {
				return nil, errors.New("an infinite date has no portable form")
			}
			return time.Unix(pgEpoch+int64(days)*86400, 0).UTC(), nil
		}
	case "timestamp", "timestamptz":
		return func(_ *copyDecoder, b []byte) (any, error) {
			if len(b) != 8 {
				return nil, fmt.Errorf("timestamp of %d bytes", len(b))
			}
			us := int64(binary.BigEndian.Uint64(b))
			if us == math.MaxInt64 || us == math.MinInt64 {
				return nil, errors.New("an infinite timestamp has no portable form")
			}
			sec, frac := us/1e6, us%1e6
			if frac < 0 {
				sec, frac = sec-1, frac+1e6
			}
			return time.Unix(pgEpoch+sec, frac*1000).UTC(), nil
		}
	case "time":
		return func(d *copyDecoder, b []byte) (any, error) { return parseTimeOfDay(string(b)) }
	}
	return func(d *copyDecoder, b []byte) (any, error) { return d.text(b), nil }
}

// copyDecoder parses a COPY ... TO STDOUT (FORMAT binary) stream, as
// pgconn hands it over message by message, into pages of rows. It is the
// io.Writer CopyTo writes to; pages go to out.
type copyDecoder struct {
	ctx  context.Context
	cols []column
	dec  []decodeFunc
	out  chan<- []providers.Row
	stop <-chan struct{}
	// sum, when set, takes each tuple's values in canonical form (with
	// sumTypes) instead of rows being built.
	sum      *providers.Checksummer
	sumTypes []providers.ColumnType
	// toText, when set, turns a column's binary field into the text the
	// decoder takes it as (binaryText), before it is fingerprinted.
	toText []func([]byte) ([]byte, error)
	// native, when set, sums the tuples as the destination's server
	// would (pghash.go), alongside sum.
	native *nativeHasher
	rest   []byte // an incomplete tuple carried to the next Write
	begun  bool
	ended  bool
	page   []providers.Row
	slab   []any  // the values of the page's rows
	arena  []byte // text and bytes of recent rows; never rewritten
}

func newCopyDecoder(ctx context.Context, cols []column) *copyDecoder {
	d := &copyDecoder{ctx: ctx, cols: cols}
	for _, c := range cols {
		base := c.typ.Base
		if textCast(base) && base != "time" {
			base = "text"
		}
		d.dec = append(d.dec, decoderFor(base))
	}
	return d
}

// text copies b into the arena and returns it as a string. Strings
// share arena blocks: a block is only appended to, never rewritten, so
// each string stays as it was read.
func (d *copyDecoder) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := d.keep(b)
	return unsafe.String(&s[0], len(s))
}

// bytes copies b into the arena; the slice's capacity ends with it.
func (d *copyDecoder) bytes(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return d.keep(b)
}

func (d *copyDecoder) keep(b []byte) []byte {
	const block = 64 << 10
	if len(b) > block/4 {
		return append([]byte(nil), b...)
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, block)
	}
	n := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[n : n+len(b) : n+len(b)]
}

func (d *copyDecoder) Write(p []byte) (int, error) {
	n := len(p)
	if len(d.rest) > 0 {
		p = append(d.rest, p...)
		d.rest = nil
	}
	if !d.begun {
		if len(p) < len(copySignature)+8 {
			d.rest = append([]byte(nil), p...)
			return n, nil
		}
		if string(p[:len(copySignature)]) != copySignature {
			return 0, errors.New("COPY binary stream without its signature")
		}
		ext := binary.BigEndian.Uint32(p[len(copySignature)+4:])
		if len(p) < len(copySignature)+8+int(ext) {
			d.rest = append([]byte(nil), p...)
			return n, nil
		}
		p = p[len(copySignature)+8+int(ext):]
		d.begun = true
	}
	for len(p) > 0 {
		used, err := d.tuple(p)
		if err != nil {
			return 0, err
		}
		if used == 0 {
			d.rest = append([]byte(nil), p...)
			break
		}
		p = p[used:]
	}
	return n, nil
}

// tuple decodes one tuple from the start of p and returns the bytes it
// used, 0 when p holds only part of it.
func (d *copyDecoder) tuple(p []byte) (int, error) {
	if d.ended {
		return 0, errors.New("data after the end of a COPY binary stream")
	}
	if len(p) < 2 {
		return 0, nil
	}
	nf := int16(binary.BigEndian.Uint16(p))
	if nf == -1 {
		d.ended = true
		return 2, nil
	}
	if int(nf) != len(d.cols) {
		return 0, fmt.Errorf("COPY tuple of %d fields for %d columns", nf, len(d.cols))
	}
	// Check the tuple is whole before decoding any of it.
	off := 2
	for range d.cols {
		if len(p) < off+4 {
			return 0, nil
		}
		l := int32(binary.BigEndian.Uint32(p[off:]))
		off += 4
		if l > 0 {
			off += int(l)
		}
	}
	if len(p) < off {
		return 0, nil
	}
	if d.sum != nil {
		return off, d.checksum(p)
	}
	if len(d.slab) < len(d.cols) {
		d.slab = make([]any, copyPage*len(d.cols))
	}
	row := providers.Row(d.slab[:len(d.cols):len(d.cols)])
	d.slab = d.slab[len(d.cols):]
	off = 2
	for i := range d.cols {
		l := int32(binary.BigEndian.Uint32(p[off:]))
		off += 4
		if l < 0 {
			continue // NULL: row[i] stays nil
		}
		v, err := d.dec[i](d, p[off:off+int(l)])
		if err != nil {
			return 0, fmt.Errorf("column %s: %w", d.cols[i].name, err)
		}
		row[i] = v
		off += int(l)
	}
	d.page = append(d.page, row)
	if len(d.page) == copyPage {
		if err := d.flush(); err != nil {
			return 0, err
		}
	}
	return off, nil
}

// checksum adds the whole tuple at the start of p to d.sum.
func (d *copyDecoder) checksum(p []byte) error {
	off := 2
	for i, c := range d.cols {
		l := int32(binary.BigEndian.Uint32(p[off:]))
		off += 4
		if l < 0 {
			d.sum.Null()
			if d.native != nil {
				d.native.field(i, nil, nil)
			}
			continue
		}
		raw := p[off : off+int(l)]
		off += int(l)
		b := raw
		if d.toText != nil && d.toText[i] != nil {
			var err error
			if b, err = d.toText[i](raw); err != nil {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		if d.native != nil {
			d.native.field(i, raw, b)
		}
		if err := d.canonical(i, b, d.sumTypes[i].Base); err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	d.sum.EndRow()
	if d.native != nil {
		d.native.endRow()
	}
	return nil
}

// canonical adds one field of column i in the canonical form of base:
// integers and plain text straight from their bytes, other values
// through their portable Go value.
func (d *copyDecoder) canonical(i int, b []byte, base string) error {
	switch d.cols[i].typ.Base {
	case "int16", "int32", "int64":
		if len(b) == 2 || len(b) == 4 || len(b) == 8 {
			var x int64
			switch len(b) {
			case 2:
				x = int64(int16(binary.BigEndian.Uint16(b)))
			case 4:
				x = int64(int32(binary.BigEndian.Uint32(b)))
			default:
				x = int64(binary.BigEndian.Uint64(b))
			}
			d.sum.Int(x)
			return nil
		}
	case "text", "varchar", "char", "decimal", "json", "uuid", "enum", "other":
		switch base {
		case "decimal", "int16", "int32", "int64", "json":
		default:
			d.sum.Tagged('s', b)
			return nil
		}
	}
	v, err := d.dec[i](d, b)
	if err != nil {
		return err
	}
	return d.sum.Value(v, base)
}

// flush hands the page over.
func (d *copyDecoder) flush() error {
	if len(d.page) == 0 {
		return nil
	}
	select {
	case d.out <- d.page:
	case <-d.stop:
		return errCopyStopped
	case <-d.ctx.Done():
		return d.ctx.Err()
	}
	d.page = make([]providers.Row, 0, copyPage)
	return nil
}

// finish checks the stream ended as COPY binary streams end.
func (d *copyDecoder) finish() error {
	if !d.ended || len(d.rest) > 0 {
		return errors.New("the COPY binary stream ended early")
	}
	return d.flush()
}

// copyStream is a running COPY read: a goroutine decodes pages into
// pages; Fetch takes them.
type copyStream struct {
	pages    chan []providers.Row
	stop     chan struct{}
	done     chan struct{}
	err      error // set before done closes
	stopOnce sync.Once
}

func (c *copyStream) fetch(ctx context.Context) ([]providers.Row, bool, error) {
	select {
	case page, ok := <-c.pages:
		if ok {
			return page, false, nil
		}
		<-c.done
		return nil, true, c.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// halt stops the decoder (if still running) and waits for it.
func (c *copyStream) halt() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	if errors.Is(c.err, errCopyStopped) {
		return nil
	}
	return c.err
}

// copyHeader opens a COPY binary stream: the signature, no flags, no
// header extension.
const copyHeader = copySignature + "\x00\x00\x00\x00\x00\x00\x00\x00"

// errNeedText: a value the binary format cannot carry exactly as the
// text format would (a string for an integer column, a float that
// float4 cannot hold exactly, a year outside 1-9999, a time with
// nanoseconds, ...).
var errNeedText = errors.New("needs the text format")

// binaryLoad says whether every loaded column has a type the binary
// encoder writes.
func binaryLoad(dest []column) bool {
	for _, c := range dest {
		switch c.typ.Base {
		case "bool", "int16", "int32", "int64", "float32", "float64", "text", "varchar", "char", "bytes", "date", "timestamp", "timestamptz":
		default:
			return false
		}
	}
	return true
}

// appendBinary appends v as one COPY binary field (length, then bytes)
// for a column of type base, or returns errNeedText.
func appendBinary(b []byte, v any, base string) ([]byte, error) {
	if v == nil {
		return binary.BigEndian.AppendUint32(b, math.MaxUint32), nil // -1: NULL
	}
	if bv, ok := v.(providers.BadValue); ok {
		return nil, fmt.Errorf("bad value %q (%s) reached the destination", bv.Raw, bv.Reason)
	}
	switch base {
	case "bool":
		if x, ok := v.(bool); ok {
			c := byte(0)
			if x {
				c = 1
			}
			return append(binary.BigEndian.AppendUint32(b, 1), c), nil
		}
	case "int16", "int32", "int64":
		var x int64
		switch y := v.(type) {
		case int64:
			x = y
		case uint64:
			if y > math.MaxInt64 {
				return nil, errNeedText
			}
			x = int64(y)
		default:
			return nil, errNeedText
		}
		switch base {
		case "int16":
			if x < math.MinInt16 || x > math.MaxInt16 {
				return nil, errNeedText // the server's own out-of-range error
			}
			return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint32(b, 2), uint16(x)), nil
		case "int32":
			if x < math.MinInt32 || x > math.MaxInt32 {
				return nil, errNeedText
			}
			return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 4), uint32(x)), nil
		}
		return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), uint64(x)), nil
	case "float32":
		if x, ok := v.(float64); ok && (float64(float32(x)) == x || math.IsNaN(x)) {
			return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 4), math.Float32bits(float32(x))), nil
		}
	case "float64":
		if x, ok := v.(float64); ok {
			return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), math.Float64bits(x)), nil
		}
	case "text", "varchar", "char":
		switch x := v.(type) {
		case string:
			return appendBinaryText(b, x)
		case []byte:
			return appendBinaryText(b, string(x))
		}
	case "bytes":
		switch x := v.(type) {
		case []byte:
			return append(binary.BigEndian.AppendUint32(b, uint32(len(x))), x...), nil
		case string:
			return append(binary.BigEndian.AppendUint32(b, uint32(len(x))), x...), nil
		}
	case "date":
		if t, ok := v.(time.Time); ok && t.UTC().Year() >= 1 && t.UTC().Year() <= 9999 {
			sec := t.Unix()
			days := sec / 86400
			if sec%86400 < 0 {
				days-- // the day the instant falls in, as its UTC date
			}
			return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 4), uint32(int32(days-pgEpoch/86400))), nil
		}
	case "timestamp", "timestamptz":
		// Sub-microsecond times go as text: the server rounds them.
		if t, ok := v.(time.Time); ok && t.UTC().Year() >= 1 && t.UTC().Year() <= 9999 && t.Nanosecond()%1000 == 0 {
			return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), uint64(pgMicros(t))), nil
		}
	}
	return nil, errNeedText
}

// appendBinaryText appends text; PostgreSQL text cannot hold NUL.
func appendBinaryText(b []byte, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errors.New("text holds a NUL byte, which PostgreSQL text cannot")
	}
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...), nil
}

// pgMicros is t in microseconds since 2000-01-01 UTC.
func pgMicros(t time.Time) int64 {
	return (t.Unix()-pgEpoch)*1e6 + int64(t.Nanosecond()/1000)
}
