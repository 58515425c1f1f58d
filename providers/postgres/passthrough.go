package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rehome/rehome/providers"
)

// passBuffer is how many bytes of tuples a pass-through gathers before it
// hands them to the destination's COPY.
const passBuffer = 256 << 10

// CopyRange (providers.RangeCopier) copies key range r of srcDB.table, in
// key order at the exported snapshot when one is held, into dstDB.table
// at dst when dst is a PostgreSQL database whose table has the same
// columns of the same built-in types: the source's binary COPY tuples are
// passed to the destination's binary COPY as they are, never decoded into
// rows, while each is fingerprinted (cols order, types) on the way. It
// writes chunks of up to chunk rows, each in one transaction with the
// table's user triggers disabled; the first clears the range of what an
// interrupted run left there (unless r.Empty), and done is told each
// chunk after it commits: its rows, the key of its last row (nil for the
// last chunk, end set) and their fingerprint. ok is false, with nothing
// written, when the tables do not qualify: the caller copies through
// ReadRows and WriteRows instead.
func (p *Provider) CopyRange(ctx context.Context, dst providers.DatabaseStore, srcDB, dstDB, table string, r providers.KeyRange,
	cols []string, types []providers.ColumnType, chunk int, done func(providers.CopiedChunk) error) (ok bool, err error) {
	if chunk <= 0 || len(cols) != len(types) {
		return false, nil
	}
	dp, redact, err := passTarget(ctx, dst)
	if err != nil || dp == nil {
		return false, err
	}
	defer func() { err = redact(err) }()
	pl, err := p.planPass(ctx, dp, srcDB, dstDB, table, cols)
	if err != nil || pl == nil {
		return false, err
	}
	rt, pick, keyAt := pl.rt, pl.pick, pl.keyAt
	defer rt.end(ctx)
	where, err := rangeWhere(rt.keys, r, literal)
	if err != nil {
		return false, fmt.Errorf("copy %s: %w", rt.what, err)
	}
	sel := make([]string, len(pick))
	for i, c := range pick {
		sel[i] = ident(c.name)
	}
	kx := make([]string, len(rt.keys))
	for i, k := range rt.keys {
		kx[i] = orderExpr(srcDB, table, k)
	}
	q := "COPY (SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(srcDB, table) + where + " ORDER BY " + strings.Join(kx, ", ") +
		") TO STDOUT (FORMAT binary)"
	dec := newCopyDecoder(ctx, pick)
	dec.sum, dec.sumTypes = &providers.Checksummer{}, types
	dec.native = newNativeHasher(pick)
	dec.toText = make([]func([]byte) ([]byte, error), len(pick))
	for i, c := range pick {
		if textCast(c.typ.Base) {
			dec.toText[i] = binaryText(c)
		}
	}
	w := &passWriter{ctx: ctx, p: dp, db: dstDB, table: table, dec: dec, keyAt: keyAt, chunk: chunk, done: done,
		into: "COPY " + qualified(dstDB, table) + " (" + strings.Join(sel, ", ") + ") FROM STDIN (FORMAT binary)"}
	if w.clear, w.clearArgs, err = clearSQL(dstDB, table, rt.keys, r); err != nil {
		return true, err
	}
	_, cerr := rt.conn.Conn().PgConn().CopyTo(ctx, w, q)
	if cerr != nil {
		w.abort(cerr)
		if w.err != nil {
			return true, w.err
		}
		return true, p.fail("read "+rt.what, cerr)
	}
	if err := dec.finish(); err != nil {
		w.abort(err)
		return true, p.fail("read "+rt.what, err)
	}
	return true, w.end()
}

// passTarget is the PostgreSQL provider a pass-through into dst writes
// to, dst itself or the one behind a Destination; nil for another
// engine. redact passes on errors from it.
func passTarget(ctx context.Context, dst providers.DatabaseStore) (*Provider, func(error) error, error) {
	if dp, ok := dst.(*Provider); ok {
		return dp, func(err error) error { return err }, nil
	}
	if d, ok := dst.(Destination); ok {
		return d.PostgresDestination(ctx)
	}
	return nil, nil, nil
}

// passPlan is how a pass-through of a table goes: the source's read
// (open, at the snapshot where one is held), the destination's pool, the
// source columns in the order cols names and where each key column is
// among them.
type passPlan struct {
	rt    *readTx
	dpool *pgxpool.Pool
	pick  []column
	keyAt []int
}

// planPass plans a pass-through of srcDB.table into dp's dstDB.table;
// nil, with nothing left open, when the tables do not qualify (no
// primary key, other columns or types: passColumns). The caller ends
// the plan's read.
func (p *Provider) planPass(ctx context.Context, dp *Provider, srcDB, dstDB, table string, cols []string) (*passPlan, error) {
	rt, err := p.beginRead(ctx, srcDB, table)
	if err != nil {
		return nil, err
	}
	pl, err := func() (*passPlan, error) {
		if len(rt.keys) == 0 {
			return nil, nil
		}
		dpool, err := dp.connect(ctx)
		if err != nil {
			return nil, err
		}
		dcols, _, err := dp.tableInfo(ctx, dpool, dstDB, table)
		if err != nil {
			if errors.Is(err, providers.ErrNotFound) {
				return nil, err
			}
			return nil, dp.fail(fmt.Sprintf("read the columns of %s.%s", dstDB, table), err)
		}
		pick, ok := passColumns(rt.cols, dcols, cols)
		if !ok {
			return nil, nil
		}
		keyAt := make([]int, len(rt.keys))
		for i, k := range rt.keys {
			keyAt[i] = slices.IndexFunc(pick, func(c column) bool { return c.name == k.name })
			if keyAt[i] < 0 {
				return nil, nil
			}
		}
		return &passPlan{rt: rt, dpool: dpool, pick: pick, keyAt: keyAt}, nil
	}()
	if pl == nil {
		rt.end(ctx)
	}
	return pl, err
}

// SplitPays (providers.SplitAdvisor): a table whose rows would pass
// through into PostgreSQL 15 or older is copied as one stream. Before
// version 16 a table grows one page at a time under its extension lock,
// so several sessions loading one table take as long as one does (here:
// 5 million rows in 3.0 s from one session, 3.1 s from two), while the
// stream's pipeline of source, rehome and destination already keeps the
// cores busy; the ranges would only add their work.
func (p *Provider) SplitPays(ctx context.Context, dst providers.DatabaseStore, srcDB, dstDB, table string, cols []string) (pays bool, reason string, err error) {
	dp, redact, err := passTarget(ctx, dst)
	if err != nil || dp == nil {
		return true, "", err
	}
	defer func() { err = redact(err) }()
	pl, err := p.planPass(ctx, dp, srcDB, dstDB, table, cols)
	if err != nil || pl == nil {
		return true, "", err
	}
	pl.rt.end(ctx)
	var version int
	if err := pl.dpool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return true, "", dp.fail("read the server's version", err)
	}
	if version >= 160000 {
		return true, "", nil
	}
	return false, fmt.Sprintf("its rows pass through unchanged into PostgreSQL %d, which loads one table no faster from several sessions", version/10000), nil
}

// Destination is implemented by stores that load into PostgreSQL through
// a Provider of their own (a managed cluster's database): CopyRange
// writes through it, and passes its errors through redact.
type Destination interface {
	PostgresDestination(ctx context.Context) (p *Provider, redact func(error) error, err error)
}

// passColumns picks the source columns in the order cols names when the
// destination has each under the same name and type, none generated on
// either side, all of built-in types whose binary form the fingerprint
// reads (scalars of baseOf's, those read as text with a binaryText; no
// domains or arrays, whose binary form names type OIDs local to a
// database), and no other columns.
func passColumns(src, dst []column, cols []string) ([]column, bool) {
	if len(src) != len(cols) || len(dst) != len(cols) {
		return nil, false
	}
	byName := func(cs []column) map[string]column {
		m := map[string]column{}
		for _, c := range cs {
			m[c.name] = c
		}
		return m
	}
	s, d := byName(src), byName(dst)
	pick := make([]column, len(cols))
	for i, n := range cols {
		sc, ok1 := s[n]
		dc, ok2 := d[n]
		if !ok1 || !ok2 || sc.generated || dc.generated || sc.format != dc.format || textCast(sc.typ.Base) && binaryText(sc) == nil {
			return nil, false
		}
		pick[i] = sc
	}
	return pick, true
}

// passWriter takes the source's COPY stream: it fingerprints each tuple
// (dec), passes it on to the open chunk's destination COPY, and ends a
// chunk every chunk tuples. A chunk ended commits while the next one
// loads (the stream does not stall on each commit); done is told of
// each in order, after its commit. A later chunk may commit before an
// earlier one fails: a resumed range clears what follows the last chunk
// done, so that does no harm.
type passWriter struct {
	ctx       context.Context
	p         *Provider
	db, table string
	dec       *copyDecoder
	keyAt     []int // each key column's field
	chunk     int
	done      func(providers.CopiedChunk) error
	into      string
	clear     string // the first chunk's DELETE ("" none)
	clearArgs []any

	begun bool
	rest  []byte
	last  []byte // the last tuple passed, for its key
	cur   *passChunk
	// committing is the chunk ended before cur, its commit not yet
	// waited for.
	committing *passChunk
	rows       int
	err        error
}

// passChunk is one chunk's destination transaction, loading from a pipe.
type passChunk struct {
	pw  *io.PipeWriter
	buf []byte
	res chan error
	out providers.CopiedChunk // what done is told once it commits
}

func (w *passWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	if len(w.rest) > 0 {
		p = append(w.rest, p...)
		w.rest = nil
	}
	if !w.begun {
		h := len(copySignature) + 8
		if len(p) < h {
			w.rest = append([]byte(nil), p...)
			return n, nil
		}
		if string(p[:len(copySignature)]) != copySignature {
			return 0, errors.New("COPY binary stream without its signature")
		}
		h += int(binary.BigEndian.Uint32(p[h-4:])) // the header extension
		if len(p) < h {
			w.rest = append([]byte(nil), p...)
			return n, nil
		}
		p = p[h:]
		w.begun = true
	}
	for len(p) > 0 {
		used, err := w.dec.tuple(p)
		if err != nil {
			w.err = err
			return 0, err
		}
		if used == 0 {
			w.rest = append([]byte(nil), p...)
			break
		}
		if w.dec.ended {
			p = p[used:]
			continue
		}
		if err := w.pass(p[:used]); err != nil {
			w.err = err
			return 0, err
		}
		p = p[used:]
	}
	return n, nil
}

// pass hands one tuple to the open chunk, opening one first, and ends
// the chunk when it is full.
func (w *passWriter) pass(t []byte) error {
	if w.cur == nil {
		w.open()
	}
	c := w.cur
	c.buf = append(c.buf, t...)
	w.last = append(w.last[:0], t...)
	w.rows++
	if len(c.buf) >= passBuffer {
		if _, err := c.pw.Write(c.buf); err != nil {
			return w.loadErr(err)
		}
		c.buf = c.buf[:0]
	}
	if w.rows == w.chunk {
		return w.finish(false)
	}
	return nil
}

// open starts a chunk: a transaction at the destination that loads what
// the pipe brings.
func (w *passWriter) open() {
	pr, pw := io.Pipe()
	c := &passChunk{pw: pw, buf: append(make([]byte, 0, passBuffer+64<<10), copyHeader...), res: make(chan error, 1)}
	clear, args := w.clear, w.clearArgs
	w.clear, w.clearArgs = "", nil
	go func() {
		err := w.load(pr, clear, args)
		pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
		c.res <- err
	}()
	w.cur = c
}

// load runs one chunk's transaction: its COPY reads what the pipe brings.
func (w *passWriter) load(pr *io.PipeReader, clear string, args []any) error {
	return w.p.loadRange(w.ctx, w.db, w.table, clear, args, func(conn *pgxpool.Conn) error {
		if _, err := conn.Conn().PgConn().CopyFrom(w.ctx, pr, w.into); err != nil {
			return w.p.fail("load "+w.db+"."+w.table, err)
		}
		return nil
	})
}

// loadErr is the destination's error behind a failed pipe write.
func (w *passWriter) loadErr(err error) error {
	if lerr := <-w.cur.res; lerr != nil {
		err = lerr
	}
	w.cur = nil
	return err
}

// finish ends the open chunk (the last one when end is set): it waits
// for the chunk ended before to commit and tells done of that one, then
// leaves this one committing (the last one it waits for too).
func (w *passWriter) finish(end bool) error {
	c := w.cur
	c.buf = append(c.buf, 0xff, 0xff) // the trailer
	if _, err := c.pw.Write(c.buf); err != nil {
		return w.loadErr(err)
	}
	c.pw.Close()
	w.cur = nil
	c.out = providers.CopiedChunk{Rows: int64(w.rows), Fingerprint: w.dec.sum.Sum(), Native: w.dec.takeNative(), End: end}
	if !end {
		var err error
		if c.out.Last, err = w.key(); err != nil {
			<-c.res
			return err
		}
	}
	*w.dec.sum = providers.Checksummer{}
	w.rows = 0
	if err := w.settle(); err != nil {
		<-c.res
		return err
	}
	w.committing = c
	if end {
		return w.settle()
	}
	return nil
}

// settle waits for the committing chunk, if any, and tells done of it.
func (w *passWriter) settle() error {
	c := w.committing
	if c == nil {
		return nil
	}
	w.committing = nil
	if err := <-c.res; err != nil {
		return err
	}
	return w.done(c.out)
}

// key decodes the key of the last tuple passed.
func (w *passWriter) key() (providers.Row, error) {
	fields := make([][]byte, len(w.dec.cols))
	off := 2
	for i := range fields {
		l := int32(binary.BigEndian.Uint32(w.last[off:]))
		off += 4
		if l >= 0 {
			fields[i] = w.last[off : off+int(l)]
			off += int(l)
		}
	}
	key := make(providers.Row, len(w.keyAt))
	for i, j := range w.keyAt {
		if fields[j] == nil {
			return nil, fmt.Errorf("a NULL in key column %s", w.dec.cols[j].name)
		}
		f := append([]byte(nil), fields[j]...)
		if conv := w.dec.toText[j]; conv != nil {
			var err error
			if f, err = conv(f); err != nil {
				return nil, fmt.Errorf("key column %s: %w", w.dec.cols[j].name, err)
			}
		}
		v, err := w.dec.dec[j](w.dec, f)
		if err != nil {
			return nil, fmt.Errorf("key column %s: %w", w.dec.cols[j].name, err)
		}
		key[i] = v
	}
	return key, nil
}

// end ends the stream: the open chunk is the last; with none open, an
// empty last chunk (one that still clears the range when no chunk did).
func (w *passWriter) end() error {
	if w.err != nil {
		return w.err
	}
	if w.cur == nil && w.clear == "" {
		if err := w.settle(); err != nil {
			return err
		}
		out := providers.CopiedChunk{Fingerprint: w.dec.sum.Sum(), Native: w.dec.takeNative(), End: true}
		return w.done(out)
	}
	if w.cur == nil {
		w.open()
	}
	return w.finish(true)
}

// abort stops an open chunk after the source read failed: its
// transaction rolls back.
func (w *passWriter) abort(err error) {
	if w.cur != nil {
		w.cur.pw.CloseWithError(err)
		<-w.cur.res
		w.cur = nil
	}
	if w.committing != nil {
		<-w.committing.res // committed or not, a resumed run clears it
		w.committing = nil
	}
}
