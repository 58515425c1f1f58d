package postgres

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rehome/rehome/providers"
)

// textCast says which portable types are read through their text form
// (and parsed, where the contract wants another Go type).
func textCast(base string) bool {
	switch base {
	case "decimal", "json", "uuid", "enum", "other", "time":
		return true
	}
	return false
}

// keyExpr is a key column in the byte order every engine agrees on.
func keyExpr(c column) string { return collated(c, ident(c.name)) }

// orderExpr is keyExpr qualified by its table, for an ORDER BY: there a
// bare name means the output column first, which for a key read through
// its text form (numeric, uuid) would order it as text (10 before 9).
func orderExpr(db, table string, c column) string {
	return collated(c, qualified(db, table)+"."+ident(c.name))
}

func collated(c column, expr string) string {
	switch c.typ.Base {
	case "text", "varchar", "char", "enum":
		return expr + ` COLLATE "C"`
	}
	return expr
}

// keyText renders a portable key value as PostgreSQL input text.
func keyText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", errors.New("a key value is NULL")
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case string:
		return x, nil
	case []byte:
		return `\x` + hex.EncodeToString(x), nil
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999999Z07:00"), nil
	}
	return "", fmt.Errorf("key value of type %T", v)
}

// binder turns a key value's text into an SQL operand: a parameter
// placeholder (args) or, for statements that take none (COPY), a literal.
type binder func(text string) string

// params is a binder appending to args.
func params(args *[]any) binder {
	return func(s string) string {
		*args = append(*args, s)
		return fmt.Sprintf("$%d", len(*args))
	}
}

// literal quotes s as an escape string constant, whatever
// standard_conforming_strings says.
func literal(s string) string {
	return "E'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

// keyCond is `(k1, k2) op (CAST($n AS t1), ...)`.
func keyCond(keys []column, op string, vals providers.Row, bind binder) (string, error) {
	if len(vals) != len(keys) {
		return "", fmt.Errorf("key range has %d values for %d key columns", len(vals), len(keys))
	}
	l := make([]string, len(keys))
	r := make([]string, len(keys))
	for i, k := range keys {
		s, err := keyText(vals[i])
		if err != nil {
			return "", fmt.Errorf("key column %s: %w", k.name, err)
		}
		l[i] = keyExpr(k)
		r[i] = collated(k, fmt.Sprintf("CAST(%s::text AS %s)", bind(s), k.format))
	}
	return "(" + strings.Join(l, ", ") + ") " + op + " (" + strings.Join(r, ", ") + ")", nil
}

// rangeWhere is the WHERE clause of a key range ("" when unbounded).
func rangeWhere(keys []column, r providers.KeyRange, bind binder) (string, error) {
	var conds []string
	if r.From != nil {
		c, err := keyCond(keys, ">", r.From, bind)
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	if r.To != nil {
		c, err := keyCond(keys, "<=", r.To, bind)
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	if len(conds) > 0 && len(keys) == 0 {
		return "", errors.New("a key range on a table without a primary key")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), nil
}

// tableInfo reads a table's columns and key.
func (p *Provider) tableInfo(ctx context.Context, q querier, db, table string) (cols []column, keys []column, err error) {
	oid, err := tableOID(ctx, q, db, table)
	if err != nil {
		return nil, nil, err
	}
	if cols, err = columnsOf(ctx, q, oid); err != nil {
		return nil, nil, err
	}
	pk, err := primaryKey(ctx, q, oid)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range pk {
		for _, c := range cols {
			if c.name == k {
				keys = append(keys, c)
			}
		}
	}
	return cols, keys, nil
}

// Snapshot opens a REPEATABLE READ transaction, exports its snapshot and
// keeps it open until release; meanwhile every ReadRows of db reads at
// that snapshot. position is the WAL position of the snapshot.
func (p *Provider) Snapshot(ctx context.Context, db string) (string, string, func() error, error) {
	pool, err := p.connect(ctx)
	if err != nil {
		return "", "", nil, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return "", "", nil, p.fail("acquire a connection", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Release()
		return "", "", nil, p.fail("begin the snapshot transaction", err)
	}
	var id, pos string
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot(), pg_current_wal_lsn()::text").Scan(&id, &pos); err != nil {
		_ = tx.Rollback(ctx)
		conn.Release()
		return "", "", nil, p.fail("export a snapshot", err)
	}
	p.mu.Lock()
	if p.snapshots == nil {
		p.snapshots = map[string]string{}
	}
	p.snapshots[db] = id
	p.mu.Unlock()
	release := func() error {
		p.mu.Lock()
		if p.snapshots[db] == id {
			delete(p.snapshots, db)
		}
		p.mu.Unlock()
		err := tx.Rollback(context.Background())
		conn.Release()
		return p.fail("release the snapshot", err)
	}
	return id, pos, release, nil
}

// ReadRows reads the rows of range r in primary-key order with one
// COPY (SELECT ... ORDER BY key) TO STDOUT in binary format, inside a
// REPEATABLE READ transaction, at the exported snapshot when one is held;
// a goroutine decodes the stream into pages of rows ahead of the reader.
// A table without a primary key is read whole, unordered.
func (p *Provider) ReadRows(ctx context.Context, db, table string, r providers.KeyRange) (providers.RowStream, error) {
	rt, err := p.beginRead(ctx, db, table)
	if err != nil {
		return nil, err
	}
	conn, tx, cols, keys, what := rt.conn, rt.tx, rt.cols, rt.keys, rt.what
	fail := func(what string, err error) (providers.RowStream, error) {
		rt.end(ctx)
		return nil, p.fail(what, err)
	}
	sel := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		sel[i] = ident(c.name)
		if textCast(c.typ.Base) {
			sel[i] += "::text"
		}
	}
	where, err := rangeWhere(keys, r, literal)
	if err != nil {
		return fail("read "+what, err)
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(db, table) + where
	if len(keys) > 0 {
		kx := make([]string, len(keys))
		for i, k := range keys {
			kx[i] = orderExpr(db, table, k)
		}
		q += " ORDER BY " + strings.Join(kx, ", ")
	}
	cs := &copyStream{pages: make(chan []providers.Row, copyPages), stop: make(chan struct{}), done: make(chan struct{})}
	dec := newCopyDecoder(ctx, cols)
	dec.out, dec.stop = cs.pages, cs.stop
	go func() {
		defer close(cs.done)
		defer close(cs.pages)
		_, err := conn.Conn().PgConn().CopyTo(ctx, dec, "COPY ("+q+") TO STDOUT (FORMAT binary)")
		if err == nil {
			err = dec.finish()
		}
		if err != nil && !errors.Is(err, errCopyStopped) {
			err = p.fail("read "+what, err)
		}
		cs.err = err
	}()
	release := func() error {
		err := cs.halt()
		rerr := tx.Rollback(context.WithoutCancel(ctx))
		if errors.Is(rerr, pgx.ErrTxClosed) || conn.Conn().IsClosed() {
			rerr = nil // the connection was closed to stop the COPY
		}
		conn.Release()
		return errors.Join(err, p.fail("close the read of "+what, rerr))
	}
	return &providers.PagedRows{Cols: names, Fetch: cs.fetch, Release: release}, nil
}

// readTx is a read-only REPEATABLE READ transaction on one connection,
// at the exported snapshot when one is held, with the table's columns.
type readTx struct {
	conn       *pgxpool.Conn
	tx         pgx.Tx
	cols, keys []column
	what       string
}

func (rt *readTx) end(ctx context.Context) {
	_ = rt.tx.Rollback(context.WithoutCancel(ctx))
	rt.conn.Release()
}

func (p *Provider) beginRead(ctx context.Context, db, table string) (*readTx, error) {
	pool, err := p.connect(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, p.fail("acquire a connection", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Release()
		return nil, p.fail("begin", err)
	}
	rt := &readTx{conn: conn, tx: tx, what: db + "." + table}
	p.mu.Lock()
	snap := p.snapshots[db]
	p.mu.Unlock()
	if snap != "" {
		if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(snap)); err != nil {
			rt.end(ctx)
			return nil, p.fail("use the exported snapshot", err)
		}
	}
	if rt.cols, rt.keys, err = p.tableInfo(ctx, tx, db, table); err != nil {
		rt.end(ctx)
		if errors.Is(err, providers.ErrNotFound) {
			return nil, err
		}
		return nil, p.fail(fmt.Sprintf("read the columns of %s.%s", db, table), err)
	}
	return rt, nil
}

// rangeRead is the WHERE clause of key range r of rt's table, for a read
// doing what (in errors). A range of a big table is read through its
// key's index, not by scanning the whole table for each range (a table
// just loaded has no statistics to tell the planner otherwise).
func (p *Provider) rangeRead(ctx context.Context, rt *readTx, r providers.KeyRange, what string) (string, error) {
	where, err := rangeWhere(rt.keys, r, literal)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", what, rt.what, err)
	}
	if where != "" {
		if _, err := rt.tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return "", p.fail(what+" "+rt.what, err)
		}
	}
	return where, nil
}

// FingerprintColumns fingerprints key range r of db.table as the rows
// ReadRows would give, in the column order cols names, canonicalized with
// types: one binary COPY of the range in no particular order, whose
// fields are put in canonical form as they arrive, without building rows.
func (p *Provider) FingerprintColumns(ctx context.Context, db, table string, r providers.KeyRange, cols []string, types []providers.ColumnType) (providers.Fingerprint, error) {
	if len(cols) != len(types) {
		return providers.Fingerprint{}, fmt.Errorf("fingerprint %s.%s: %d columns and %d types", db, table, len(cols), len(types))
	}
	rt, err := p.beginRead(ctx, db, table)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	defer rt.end(ctx)
	byName := map[string]column{}
	for _, c := range rt.cols {
		byName[c.name] = c
	}
	pick := make([]column, len(cols))
	sel := make([]string, len(cols))
	for i, n := range cols {
		c, ok := byName[n]
		if !ok {
			return providers.Fingerprint{}, fmt.Errorf("fingerprint %s: the table has no column %q", rt.what, n)
		}
		pick[i], sel[i] = c, ident(n)
		if textCast(c.typ.Base) {
			sel[i] += "::text"
		}
	}
	where, err := p.rangeRead(ctx, rt, r, "fingerprint")
	if err != nil {
		return providers.Fingerprint{}, err
	}
	dec := newCopyDecoder(ctx, pick)
	dec.sum, dec.sumTypes = &providers.Checksummer{}, types
	q := "COPY (SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(db, table) + where + ") TO STDOUT (FORMAT binary)"
	if len(cols) == 0 {
		q = "COPY (SELECT FROM " + qualified(db, table) + where + ") TO STDOUT (FORMAT binary)"
	}
	if _, err := rt.conn.Conn().PgConn().CopyTo(ctx, dec, q); err != nil {
		return providers.Fingerprint{}, p.fail("fingerprint "+rt.what, err)
	}
	if err := dec.finish(); err != nil {
		return providers.Fingerprint{}, p.fail("fingerprint "+rt.what, err)
	}
	return dec.sum.Sum(), nil
}

// portable converts a value pgx decoded into the contract's Go type.
func portable(v any, base string) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case float32:
		return float64(x), nil
	case float64, bool, []byte:
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case string:
		if base == "time" {
			t, err := parseTimeOfDay(x)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
		return x, nil
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}

// parseTimeOfDay reads "15:04:05[.999999]" (or 24:00:00) as a time on
// January 1 of year 1, the contract's form of a time of day.
func parseTimeOfDay(s string) (time.Time, error) {
	var h, m int
	var sec float64
	if _, err := fmt.Sscanf(s, "%d:%d:%f", &h, &m, &sec); err != nil {
		return time.Time{}, fmt.Errorf("time of day %q: %w", s, err)
	}
	whole := math.Floor(sec)
	frac := strings.SplitN(s, ".", 2)
	ns := 0
	if len(frac) == 2 {
		f := (frac[1] + "000000000")[:9]
		ns, _ = strconv.Atoi(f)
	}
	return time.Time{}.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(whole)*time.Second + time.Duration(ns)), nil
}

// WriteRows replaces the rows of range r of db.table by the stream's, in
// one transaction: it deletes what the range holds, then loads the rows
// with COPY FROM STDIN, in binary format where every loaded column's type
// has one (up to the first value binary cannot carry exactly, the rest
// then in text format, where every type takes its text input form).
// Generated columns are left to the server.
func (p *Provider) WriteRows(ctx context.Context, db, table string, r providers.KeyRange, rows providers.RowStream) (int64, error) {
	pool, err := p.connect(ctx)
	if err != nil {
		return 0, err
	}
	what := db + "." + table
	cols, keys, err := p.tableInfo(ctx, pool, db, table)
	if err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return 0, err
		}
		return 0, p.fail("read the columns of "+what, err)
	}
	byName := map[string]int{}
	for i, c := range cols {
		byName[c.name] = i
	}
	if len(keys) == 0 { // a primary key deferred until the load is done
		for _, k := range r.Key {
			j, ok := byName[k]
			if !ok {
				return 0, fmt.Errorf("write %s: the table has no key column %q", what, k)
			}
			keys = append(keys, cols[j])
		}
	}
	in := rows.Columns()
	var load []string
	var pick []int // stream index per loaded column
	var dest []column
	for i, n := range in {
		j, ok := byName[n]
		if !ok {
			return 0, fmt.Errorf("write %s: the table has no column %q", what, n)
		}
		if cols[j].generated {
			continue
		}
		load, pick, dest = append(load, ident(n)), append(pick, i), append(dest, cols[j])
	}
	clear, args, err := clearSQL(db, table, keys, r)
	if err != nil {
		return 0, err
	}
	// Binary format where every column's type has one (cheaper to encode
	// and for the server to parse); a value binary cannot carry exactly
	// ends that COPY, and a text-format COPY in the same transaction
	// loads the rest.
	enc := &copyEncoder{ctx: ctx, rows: rows, in: len(in), pick: pick, dest: dest, binary: binaryLoad(dest)}
	into := "COPY " + qualified(db, table) + " (" + strings.Join(load, ", ") + ") FROM STDIN"
	err = p.loadRange(ctx, db, table, clear, args, func(conn *pgxpool.Conn) error {
		for {
			q := into
			if enc.binary {
				enc.buf = append(enc.buf, copyHeader...)
				q += " (FORMAT binary)"
			}
			_, err := conn.Conn().PgConn().CopyFrom(ctx, enc, q)
			if enc.err != nil && !errors.Is(enc.err, io.EOF) {
				return fmt.Errorf("load %s: %w", what, enc.err)
			}
			if err != nil {
				return p.fail("load "+what, err)
			}
			if enc.pending == nil {
				return nil
			}
			enc.binary, enc.err, enc.buf, enc.off = false, nil, enc.buf[:0], 0
		}
	})
	if err != nil {
		return 0, err
	}
	return enc.n, nil
}

// clearSQL is the DELETE that empties key range r of db.table before it
// is written ("" for a range the caller says is Empty).
func clearSQL(db, table string, keys []column, r providers.KeyRange) (string, []any, error) {
	var args []any
	where, err := rangeWhere(keys, r, params(&args))
	if err != nil {
		return "", nil, fmt.Errorf("write %s.%s: %w", db, table, err)
	}
	if r.Empty {
		return "", nil, nil
	}
	return "DELETE FROM " + qualified(db, table) + where, args, nil
}

// loadRange writes one key range of db.table in one transaction on a
// connection of its own, the table's user triggers disabled inside it
// (none fires for copied rows): clear first (a DELETE; "" none), then
// load, which runs its COPY FROM STDIN on the connection.
func (p *Provider) loadRange(ctx context.Context, db, table, clear string, args []any, load func(*pgxpool.Conn) error) error {
	what := db + "." + table
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return p.fail("acquire a connection", err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return p.fail("begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	restore, err := quietTriggers(ctx, tx, db, table)
	if err != nil {
		return p.fail("write "+what, err)
	}
	if clear != "" {
		// A table just loaded has no statistics yet: without this the
		// planner may scan it whole to clear a range.
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return p.fail("clear the range of "+what, err)
		}
		if _, err := tx.Exec(ctx, clear, args...); err != nil {
			return p.fail("clear the range of "+what, err)
		}
	}
	if err := load(conn); err != nil {
		return err
	}
	if err := restore(ctx); err != nil {
		return p.fail("write "+what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return p.fail("commit the load of "+what, err)
	}
	return nil
}

// copyEncoder is the io.Reader a COPY FROM STDIN reads: it encodes the
// stream's rows, in binary or text format, as the COPY asks for more.
type copyEncoder struct {
	ctx  context.Context
	rows providers.RowStream
	in   int      // columns of the stream
	pick []int    // stream index per loaded column
	dest []column // the loaded columns
	buf  []byte
	off  int
	n    int64
	err  error // io.EOF at the stream's end
	// binary: the binary format; pending is the row binary could not
	// carry, for the text COPY that follows.
	binary  bool
	pending providers.Row
}

func (e *copyEncoder) Read(p []byte) (int, error) {
	if e.off > 0 { // keep what the last Read left, at the start
		e.buf = e.buf[:copy(e.buf, e.buf[e.off:])]
		e.off = 0
	}
	for len(e.buf) < len(p) && e.err == nil {
		e.err = e.row()
	}
	n := copy(p, e.buf)
	e.off = n
	if n == 0 && e.err != nil {
		return 0, e.err
	}
	return n, nil
}

// row appends the next row, or returns io.EOF at the end (of the stream,
// or of the binary part).
func (e *copyEncoder) row() error {
	row := e.pending
	e.pending = nil
	if row == nil {
		var ok bool
		if row, ok = e.rows.Next(e.ctx); !ok {
			if err := e.rows.Err(); err != nil {
				return err
			}
			if e.binary {
				e.buf = append(e.buf, 0xff, 0xff) // the trailer
			}
			return io.EOF
		}
	}
	if len(row) != e.in {
		return fmt.Errorf("row %d has %d values for %d columns", e.n+1, len(row), e.in)
	}
	if e.binary {
		mark := len(e.buf)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(e.pick)))
		for k, i := range e.pick {
			b, err := appendBinary(e.buf, row[i], e.dest[k].typ.Base)
			if err == nil {
				e.buf = b
				continue
			}
			if errors.Is(err, errNeedText) {
				e.buf = append(e.buf[:mark], 0xff, 0xff) // end the binary part before this row
				e.pending = row
				return io.EOF
			}
			return fmt.Errorf("row %d column %s: %w", e.n+1, e.dest[k].name, err)
		}
		e.n++
		return nil
	}
	for k, i := range e.pick {
		if k > 0 {
			e.buf = append(e.buf, '\t')
		}
		var err error
		if e.buf, err = appendCopy(e.buf, row[i], e.dest[k].typ.Base); err != nil {
			return fmt.Errorf("row %d column %s: %w", e.n+1, e.dest[k].name, err)
		}
	}
	e.buf = append(e.buf, '\n')
	e.n++
	return nil
}

// appendCopy appends v in COPY text format for a column of type base.
func appendCopy(b []byte, v any, base string) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case bool:
		if x {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		switch {
		case math.IsInf(x, 1):
			return append(b, "Infinity"...), nil
		case math.IsInf(x, -1):
			return append(b, "-Infinity"...), nil
		case math.IsNaN(x):
			return append(b, "NaN"...), nil
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return nil, errors.New("text holds a NUL byte, which PostgreSQL text cannot")
		}
		if base == "bytes" {
			return appendEscaped(append(b, `\\x`...), hex.EncodeToString([]byte(x))), nil
		}
		return appendEscaped(b, x), nil
	case []byte:
		if base == "bytes" || base == "" {
			return append(append(b, `\\x`...), hex.EncodeToString(x)...), nil
		}
		if strings.IndexByte(string(x), 0) >= 0 {
			return nil, errors.New("text holds a NUL byte, which PostgreSQL text cannot")
		}
		return appendEscaped(b, string(x)), nil
	case time.Time:
		t := x.UTC()
		switch base {
		case "date":
			return t.AppendFormat(b, "2006-01-02"), nil
		case "time":
			if t.Sub(time.Time{}) == 24*time.Hour {
				return append(b, "24:00:00"...), nil // PostgreSQL's end of day
			}
			return t.AppendFormat(b, "15:04:05.999999999"), nil
		case "timestamptz":
			return t.AppendFormat(b, "2006-01-02 15:04:05.999999999Z07:00"), nil
		}
		return t.AppendFormat(b, "2006-01-02 15:04:05.999999999"), nil
	case providers.BadValue:
		return nil, fmt.Errorf("bad value %q (%s) reached the destination", x.Raw, x.Reason)
	}
	return nil, fmt.Errorf("value of type %T is not a portable row value", v)
}

// appendEscaped escapes text for COPY's text format.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// Fingerprint reads db.table whole and returns its row count and
// checksum over the canonical form of each row.
func (p *Provider) Fingerprint(ctx context.Context, db, table string) (providers.Fingerprint, error) {
	pool, err := p.connect(ctx)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	cols, _, err := p.tableInfo(ctx, pool, db, table)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	rs, err := p.ReadRows(ctx, db, table, providers.KeyRange{})
	if err != nil {
		return providers.Fingerprint{}, err
	}
	defer rs.Close()
	types := make([]providers.ColumnType, len(cols))
	for i, c := range cols {
		types[i] = c.typ
	}
	return providers.FingerprintRows(ctx, rs, types)
}

// SplitKeys cuts db.table into parts ranges of about equal rows and
// returns the last key of each range but the last. It counts the rows
// (the planner's estimate for a table of a million rows or more, an
// exact count below) and reads each cut's key with an OFFSET probe along
// the primary key's index, as ntile() over the count would place it,
// instead of sorting the whole table.
func (p *Provider) SplitKeys(ctx context.Context, db, table string, parts int) ([]providers.Row, error) {
	if parts < 2 {
		return nil, nil
	}
	pool, err := p.connect(ctx)
	if err != nil {
		return nil, err
	}
	what := "split " + db + "." + table
	oid, err := tableOID(ctx, pool, db, table)
	if err != nil {
		return nil, err
	}
	_, keys, err := p.tableInfo(ctx, pool, db, table)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("split %s.%s: it has no primary key", db, table)
	}
	var n int64
	if err := pool.QueryRow(ctx, "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = $1", oid).Scan(&n); err != nil {
		return nil, p.fail(what, err)
	}
	if n < 1_000_000 {
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+qualified(db, table)).Scan(&n); err != nil {
			return nil, p.fail(what, err)
		}
	}
	sel := make([]string, len(keys))
	order := make([]string, len(keys))
	for i, k := range keys {
		sel[i] = ident(k.name)
		if textCast(k.typ.Base) {
			sel[i] += "::text"
		}
		order[i] = orderExpr(db, table, k)
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(db, table) + " ORDER BY " + strings.Join(order, ", ") + " OFFSET $1 LIMIT 1"
	// ntile's buckets: n/parts rows each, the first n%parts one more.
	var out []providers.Row
	var end int64
	for b := range parts - 1 {
		size := n / int64(parts)
		if int64(b) < n%int64(parts) {
			size++
		}
		if size == 0 {
			break
		}
		if end += size; end >= n {
			break // the rest is the last range
		}
		rows, err := pool.Query(ctx, q, end-1)
		if err != nil {
			return nil, p.fail(what, err)
		}
		vals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
		if err != nil {
			return nil, p.fail(what, err)
		}
		if len(vals) == 0 {
			break // fewer rows than the estimate
		}
		row := make(providers.Row, len(keys))
		for i, v := range vals[0] {
			if row[i], err = portable(v, keys[i].typ.Base); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
		}
		out = append(out, row)
	}
	return out, nil
}
