package mysql

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rehome/rehome/providers"
)

// tableDef is what ReadRows needs of a table: its columns, how to read
// each, and the key it reads in order of.
type tableDef struct {
	table   providers.Table
	reads   []readKind
	key     []int // column indexes of the ordering key; nil: no key
	keyName string
	// keyExpr is each key column as ReadRows orders and compares it: in
	// byte order, which every engine agrees on (see keyExpr).
	keyExpr []string
	keyText []bool // the key column is compared as its UTF-8 bytes
}

// byteOrdered are the collations whose order is the UTF-8 byte order
// already (binary, NO PAD), so the key's index serves the order.
var byteOrdered = map[string]bool{
	"utf8mb4_nopad_bin": true, "utf8mb4_0900_bin": true, "utf8mb3_nopad_bin": true, "utf8_nopad_bin": true,
}

// keyExpr returns how a key column is ordered and compared: as itself
// where the server's order is byte order (numbers, dates, binary strings,
// NO PAD binary collations), else as its UTF-8 bytes. Case-insensitive
// and PAD SPACE collations, enums (ordered by member number) and
// MariaDB's UUID (ordered by its time fields) would cut a table into other
// ranges than PostgreSQL's "C" collation and SQLite's BINARY do. Such an
// expression is not served by the key's index: each range is sorted.
func keyExpr(c providers.Column) (expr string, text bool) {
	q := quoteIdent(c.Name)
	switch c.Type.Base {
	case "char", "varchar", "text", "enum", "uuid", "other":
		if c.Type.Base == "other" && !strings.HasPrefix(strings.ToLower(c.Type.Native), "inet") {
			return q, false // spatial and unknown types: bytes already
		}
		if c.Type.Base != "enum" && c.Type.Base != "uuid" && byteOrdered[strings.ToLower(c.Collation)] {
			return q, false
		}
		return "CAST(CONVERT(" + q + " USING utf8mb4) AS BINARY)", true
	}
	return q, false
}

// loadTable reads one table's definition on conn.
func (p *Provider) loadTable(ctx context.Context, conn *sql.Conn, mariadb bool, db, table string) (*tableDef, error) {
	r := &schemaReader{p: p, conn: conn, db: db, only: table, mariadb: mariadb, tables: map[string]*tableInfo{}}
	for _, fn := range []func(context.Context) error{r.readTables, r.readChecks, r.readColumns, r.readIndexes} {
		if err := fn(ctx); err != nil {
			return nil, p.fail(fmt.Sprintf("read definition of %s.%s", db, table), err)
		}
	}
	ti := r.tables[table]
	if ti == nil || len(ti.t.Columns) == 0 {
		return nil, p.fail(fmt.Sprintf("read %s.%s", db, table), fmt.Errorf("%w: no table %q in database %q", providers.ErrNotFound, table, db))
	}
	d := &tableDef{table: *ti.t, reads: ti.reads}
	keyCols, name := ti.t.PrimaryKey, "primary key"
	if len(keyCols) == 0 {
		// A unique key over NOT NULL columns orders and splits as well.
		for _, ix := range ti.t.Indexes {
			if !ix.Unique || !allNotNull(ti.t, ix.Columns) {
				continue
			}
			keyCols, name = ix.Columns, "unique key "+ix.Name
			break
		}
	}
	for _, k := range keyCols {
		i := slices.IndexFunc(ti.t.Columns, func(c providers.Column) bool { return c.Name == k })
		if i < 0 {
			return nil, p.fail(fmt.Sprintf("read %s.%s", db, table), fmt.Errorf("key column %q is not a column", k))
		}
		d.key = append(d.key, i)
		e, text := keyExpr(ti.t.Columns[i])
		d.keyExpr = append(d.keyExpr, e)
		d.keyText = append(d.keyText, text)
	}
	d.keyName = name
	return d, nil
}

func allNotNull(t *providers.Table, cols []string) bool {
	for _, c := range cols {
		i := slices.IndexFunc(t.Columns, func(x providers.Column) bool { return x.Name == c })
		if i < 0 || t.Columns[i].Nullable {
			return false
		}
	}
	return len(cols) > 0
}

// ReadRows streams the rows of db.table with From < key <= To in key
// order (the primary key, else a unique key over NOT NULL columns; a
// table with neither can only be read whole, in the server's order).
// Composite keys compare as row values. Values arrive as the portable Go
// types of providers.Row; zero and invalid dates, tinyint(1) values
// other than 0 and 1, times outside a day, invalid UTF-8 and empty
// enum values arrive as providers.BadValue.
func (p *Provider) ReadRows(ctx context.Context, db, table string, r providers.KeyRange) (providers.RowStream, error) {
	return p.readRows(ctx, db, table, r)
}

func (p *Provider) readRows(ctx context.Context, db, table string, r providers.KeyRange) (*rowStream, error) {
	pool, srv, err := p.pool(ctx)
	if err != nil {
		return nil, err
	}
	conn, release, err := p.readConn(ctx, pool, db)
	if err != nil {
		return nil, p.fail(fmt.Sprintf("read %s.%s", db, table), err)
	}
	s, err := p.startRead(ctx, conn, srv.mariadb, db, table, r, "")
	if err != nil {
		release()
		return nil, err
	}
	s.release = release
	return s, nil
}

// startRead starts the read of range r of db.table on conn; suffix, when
// set, follows the ORDER BY (a LIMIT).
func (p *Provider) startRead(ctx context.Context, conn *sql.Conn, mariadb bool, db, table string, r providers.KeyRange, suffix string) (*rowStream, error) {
	d, err := p.loadTable(ctx, conn, mariadb, db, table)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("read %s.%s", db, table)
	if (r.From != nil || r.To != nil) && d.key == nil {
		return nil, p.fail(what, fmt.Errorf("a key range needs a primary key or a unique key over NOT NULL columns, and the table has neither"))
	}
	var where []string
	var args []any
	for _, b := range []struct {
		row  providers.Row
		op   string
		name string
	}{{r.From, ">", "From"}, {r.To, "<=", "To"}} {
		if b.row == nil {
			continue
		}
		if len(b.row) != len(d.key) {
			return nil, p.fail(what, fmt.Errorf("key range %s has %d values; the %s has %d columns", b.name, len(b.row), d.keyName, len(d.key)))
		}
		cond, a, err := rowCompare(d, b.op, b.row)
		if err != nil {
			return nil, p.fail(what, fmt.Errorf("key range %s: %w", b.name, err))
		}
		where = append(where, cond)
		args = append(args, a...)
	}
	cols := make([]string, len(d.table.Columns))
	names := make([]string, len(d.table.Columns))
	for i, c := range d.table.Columns {
		cols[i], names[i] = quoteIdent(c.Name), c.Name
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + qualified(db, table)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if d.key != nil {
		q += " ORDER BY " + strings.Join(d.keyExpr, ", ")
	}
	q += suffix
	// Prepared, so the rows come in the binary protocol (exact FLOAT).
	stmt, err := conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, p.fail(what, err)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		stmt.Close()
		return nil, p.fail(what, err)
	}
	types := make([]providers.ColumnType, len(d.table.Columns))
	for i, c := range d.table.Columns {
		types[i] = c.Type
	}
	st := &rowStream{p: p, what: what, def: d, names: names, types: types, stmt: stmt, rows: rows,
		dest: make([]any, len(cols)), raw: make([]sql.RawBytes, len(cols)), ptrs: make([]any, len(cols))}
	for i, rk := range d.reads {
		// Strings, bytes and dates are scanned without a copy and
		// converted once; numbers keep the driver's Go value.
		if rk.raw() {
			st.ptrs[i] = &st.raw[i]
		} else {
			st.ptrs[i] = &st.dest[i]
		}
	}
	return st, nil
}

// rowCompare builds "key op (values)" as a row-value comparison, spelled
// out so every server uses the key's index for it:
// (a, b) > (x, y) is a >= x AND (a > x OR (a = x AND b > y)).
func rowCompare(d *tableDef, op string, vals providers.Row) (string, []any, error) {
	strict := strings.TrimSuffix(op, "=") // > or <
	keyArgs := make([]any, len(d.key))
	for i, k := range d.key {
		a, err := keyArg(vals[i], d.reads[k])
		if err != nil {
			return "", nil, fmt.Errorf("column %s: %w", d.table.Columns[k].Name, err)
		}
		if str, ok := a.(string); ok {
			if d.table.Columns[k].Type.Base == "char" {
				str = strings.TrimRight(str, " ") // the server compares CHAR without its padding
				a = str
			}
			if d.keyText[i] {
				a = []byte(str) // compared with the column's bytes
			}
		}
		keyArgs[i] = a
	}
	col := func(i int) string { return d.keyExpr[i] }
	var args []any
	var alts []string
	for i := range d.key {
		var parts []string
		for j := 0; j < i; j++ {
			parts = append(parts, col(j)+" = ?")
			args = append(args, keyArgs[j])
		}
		o := strict
		if i == len(d.key)-1 && op != strict {
			o = op // the last column carries the equality of <=
		}
		parts = append(parts, col(i)+" "+o+" ?")
		args = append(args, keyArgs[i])
		alts = append(alts, "("+strings.Join(parts, " AND ")+")")
	}
	lead := strict + "="
	cond := col(0) + " " + lead + " ? AND (" + strings.Join(alts, " OR ") + ")"
	return cond, append([]any{keyArgs[0]}, args...), nil
}

// keyArg turns a portable key value into a query argument for a column
// read as rk.
func keyArg(v any, rk readKind) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, errors.New("a key value is NULL")
	case providers.BadValue:
		return x.Raw, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case time.Time:
		x = x.UTC()
		switch rk {
		case readDate:
			return x.Format("2006-01-02"), nil
		case readTime:
			return x.Format("15:04:05.999999"), nil
		}
		return x.Format("2006-01-02 15:04:05.999999"), nil
	case int64, uint64, float64, string, []byte:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case float32:
		return float64(x), nil
	}
	return nil, fmt.Errorf("a key value of type %T is not a portable row value", v)
}

// raw reports whether the kind is scanned as sql.RawBytes.
func (rk readKind) raw() bool {
	switch rk {
	case readDecimal, readText, readEnum, readBytes, readBit1, readDate, readDateTime, readTime:
		return true
	}
	return false
}

// rowStream is one streaming read.
type rowStream struct {
	p       *Provider
	what    string
	def     *tableDef
	names   []string
	types   []providers.ColumnType
	stmt    *sql.Stmt
	rows    *sql.Rows
	dest    []any          // numbers, as the driver gives them
	raw     []sql.RawBytes // the other kinds, valid until the next row
	ptrs    []any
	n       int64
	err     error
	closed  bool
	release func()
}

func (s *rowStream) Columns() []string { return s.names }

func (s *rowStream) Next(ctx context.Context) (providers.Row, bool) {
	if s.err != nil || s.closed {
		return nil, false
	}
	if err := ctx.Err(); err != nil {
		s.err = err
		return nil, false
	}
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			s.err = s.p.fail(s.what, err)
		}
		return nil, false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = s.p.fail(s.what, err)
		return nil, false
	}
	s.n++
	row := make(providers.Row, len(s.dest))
	for i, v := range s.dest {
		if s.def.reads[i].raw() {
			v = nil
			if s.raw[i] != nil {
				v = []byte(s.raw[i])
			}
		}
		x, err := convert(v, s.def.reads[i], s.types[i])
		if err != nil {
			s.err = s.p.fail(s.what, fmt.Errorf("row %d, column %s: %w", s.n, s.names[i], err))
			return nil, false
		}
		row[i] = x
	}
	return row, true
}

func (s *rowStream) Err() error { return s.err }

func (s *rowStream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := errors.Join(s.rows.Close(), s.stmt.Close())
	if s.release != nil {
		s.release()
	}
	return s.p.fail(s.what, err)
}

// The reasons of the bad values ReadRows returns.
const (
	reasonBool     = "tinyint(1) value other than 0 or 1"
	reasonUTF8     = "invalid UTF-8"
	reasonEnum     = "value not among the enum's members (stored under a lax sql_mode)"
	reasonZeroDate = "zero date"
	reasonBadDate  = "invalid date"
	reasonTime     = "time outside 00:00:00..23:59:59 (an interval, not a time of day)"
)

// convert turns the driver's value (binary protocol, parseTime off) into
// the portable Go value.
func convert(v any, rk readKind, t providers.ColumnType) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch rk {
	case readInt:
		return toInt64(v)
	case readBool:
		n, err := toInt64(v)
		if err != nil {
			return nil, err
		}
		switch n {
		case 0:
			return false, nil
		case 1:
			return true, nil
		}
		return providers.BadValue{Raw: strconv.FormatInt(n, 10), Reason: reasonBool}, nil
	case readUint64:
		switch x := v.(type) {
		case int64:
			if x < 0 {
				return nil, fmt.Errorf("negative value %d in an unsigned column", x)
			}
			return uint64(x), nil
		case []byte: // above MaxInt64 the driver gives the digits
			return strconv.ParseUint(string(x), 10, 64)
		}
	case readFloat32:
		switch x := v.(type) {
		case float32:
			return float64(x), nil
		case float64:
			return float64(float32(x)), nil
		case []byte:
			f, err := strconv.ParseFloat(string(x), 32)
			return float64(float32(f)), err
		}
	case readFloat64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case []byte:
			return strconv.ParseFloat(string(x), 64)
		}
	case readDecimal:
		if b, ok := v.([]byte); ok {
			return string(b), nil
		}
	case readText, readEnum:
		b, ok := v.([]byte)
		if !ok {
			break
		}
		if !utf8.Valid(b) {
			return providers.BadValue{Raw: "x'" + hex.EncodeToString(b) + "'", Reason: reasonUTF8}, nil
		}
		s := string(b)
		if t.Base == "char" && t.Length > 0 {
			s = padChar(s, t.Length)
		}
		if rk == readEnum && !slices.Contains(t.Enum, s) {
			return providers.BadValue{Raw: s, Reason: reasonEnum}, nil
		}
		return s, nil
	case readBytes:
		if b, ok := v.([]byte); ok {
			return bytes.Clone(b), nil // b may be the driver's buffer
		}
	case readBit1:
		if b, ok := v.([]byte); ok && len(b) == 1 {
			return b[0] != 0, nil
		}
		if n, err := toInt64(v); err == nil {
			return n != 0, nil
		}
	case readDate, readDateTime:
		if b, ok := v.([]byte); ok {
			return parseDateTime(string(b), rk == readDate), nil
		}
	case readTime:
		if b, ok := v.([]byte); ok {
			return parseClock(string(b)), nil
		}
	}
	return nil, fmt.Errorf("unexpected driver value of type %T for a %s column", v, t.Native)
}

// padChar pads a CHAR(n) value with spaces to n characters: the SQL
// standard's form, which PostgreSQL's char(n) gives back (and MySQL with
// PAD_CHAR_TO_FULL_LENGTH). MySQL strips the padding when it reads a CHAR,
// and its comparisons ignore it, so it carries no information either way.
func padChar(s string, n int) string {
	k := utf8.RuneCountInString(s)
	switch {
	case k >= n:
		return s
	case n-k > len(spaces):
		return s + strings.Repeat(" ", n-k)
	case s == "":
		return spaces[:n] // a blank CHAR, as pgbench's fillers: no copy
	}
	return s + spaces[:n-k]
}

// spaces pads CHAR values (CHAR holds at most 255 characters).
var spaces = strings.Repeat(" ", 255)

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	}
	return 0, fmt.Errorf("unexpected driver value of type %T for an integer column", v)
}

// parseDateTime reads a DATE or DATETIME/TIMESTAMP as the server prints
// it. Zero dates and dates that do not exist (a lax sql_mode or
// ALLOW_INVALID_DATES lets them in) come back as BadValue.
func parseDateTime(s string, dateOnly bool) any {
	layout := "2006-01-02 15:04:05"
	if dateOnly {
		layout = "2006-01-02"
	}
	if strings.HasPrefix(s, "0000-00-00") {
		return providers.BadValue{Raw: s, Reason: reasonZeroDate}
	}
	t, err := time.ParseInLocation(layout, s, time.UTC)
	if err != nil {
		return providers.BadValue{Raw: s, Reason: reasonBadDate}
	}
	return t
}

// parseClock reads a TIME ([-]HHH:MM:SS[.ffffff]). A time of day becomes
// a time.Time on January 1 of year 1, UTC (time.Time{} plus the time
// since midnight), as every engine gives it; durations outside
// 00:00:00..23:59:59.999999, which MySQL's TIME also holds, come back as
// BadValue.
func parseClock(s string) any {
	t, err := time.ParseInLocation("15:04:05", s, time.UTC)
	if err != nil {
		return providers.BadValue{Raw: s, Reason: reasonTime}
	}
	return time.Date(1, time.January, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Fingerprint reads the whole table (at the snapshot, while one is held)
// and returns providers.FingerprintRows over its portable values with the
// column types, so it agrees with the same rows read from another
// engine. Bad values count as NULL there, as on_bad_value = "null"
// writes them.
func (p *Provider) Fingerprint(ctx context.Context, db, table string) (providers.Fingerprint, error) {
	s, err := p.readRows(ctx, db, table, providers.KeyRange{})
	if err != nil {
		return providers.Fingerprint{}, err
	}
	defer s.Close()
	fp, err := providers.FingerprintRows(ctx, badAsNull{s}, s.types)
	if err != nil {
		return providers.Fingerprint{}, p.fail(fmt.Sprintf("fingerprint %s.%s", db, table), err)
	}
	return fp, nil
}

// badAsNull reads a stream with every BadValue as nil.
type badAsNull struct{ providers.RowStream }

func (b badAsNull) Next(ctx context.Context) (providers.Row, bool) {
	row, ok := b.RowStream.Next(ctx)
	for i, v := range row {
		if _, bad := v.(providers.BadValue); bad {
			row[i] = nil
		}
	}
	return row, ok
}
