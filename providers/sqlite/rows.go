package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rehome/rehome/providers"
)

const pageRows = 5000

// tableInfo is what reads and writes need of a table.
type tableInfo struct {
	cols      []providers.Column
	keys      []int // column indexes of the primary key
	generated map[string]bool
}

func (p *Provider) info(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string) (tableInfo, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid", table)
	if err != nil {
		return tableInfo{}, p.fail("read the columns of "+table, err)
	}
	defer rows.Close()
	ti := tableInfo{generated: map[string]bool{}}
	type pk struct{ pos, i int }
	var pks []pk
	for rows.Next() {
		var name, decl string
		var pkPos, hidden int
		if err := rows.Scan(&name, &decl, &pkPos, &hidden); err != nil {
			return tableInfo{}, p.fail("read the columns of "+table, err)
		}
		if hidden == 1 {
			continue // a virtual table's hidden column
		}
		if pkPos > 0 {
			pks = append(pks, pk{pkPos, len(ti.cols)})
		}
		if hidden == 2 || hidden == 3 {
			ti.generated[name] = true
		}
		ti.cols = append(ti.cols, providers.Column{Name: name, Type: typeOf(decl)})
	}
	if err := rows.Err(); err != nil {
		return tableInfo{}, p.fail("read the columns of "+table, err)
	}
	if len(ti.cols) == 0 {
		return tableInfo{}, fmt.Errorf("table %s: %w", table, providers.ErrNotFound)
	}
	for i := 1; i <= len(pks); i++ {
		for _, k := range pks {
			if k.pos == i {
				ti.keys = append(ti.keys, k.i)
			}
		}
	}
	return ti, nil
}

// keyArg renders a key value for a comparison.
func keyArg(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, errors.New("a key value is NULL")
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case int64, float64, string, []byte:
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10), nil
		}
		return int64(x), nil
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999999"), nil
	}
	return nil, fmt.Errorf("key value of type %T", v)
}

func rangeWhere(ti tableInfo, r providers.KeyRange, args *[]any) (string, error) {
	var keys []string
	for _, k := range ti.keys {
		keys = append(keys, ident(ti.cols[k].Name)+" COLLATE BINARY")
	}
	cond := func(op string, vals providers.Row) (string, error) {
		if len(vals) != len(keys) {
			return "", fmt.Errorf("key range has %d values for %d key columns", len(vals), len(keys))
		}
		q := make([]string, len(vals))
		for i, v := range vals {
			a, err := keyArg(v)
			if err != nil {
				return "", err
			}
			*args = append(*args, a)
			q[i] = "?"
		}
		return "(" + strings.Join(keys, ", ") + ") " + op + " (" + strings.Join(q, ", ") + ")", nil
	}
	var conds []string
	if r.From != nil {
		c, err := cond(">", r.From)
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	if r.To != nil {
		c, err := cond("<=", r.To)
		if err != nil {
			return "", err
		}
		conds = append(conds, c)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), nil
}

// ReadRows reads the rows of range r in primary-key order (byte order for
// text), a page at a time inside one read transaction. Each value is
// converted to its column's portable type; one without an exact form (a
// word in an INTEGER column, bytes that are not UTF-8 in a TEXT one, an
// unparseable date) is a BadValue. A table without a primary key is read
// whole in rowid order.
func (p *Provider) ReadRows(ctx context.Context, name, table string, r providers.KeyRange) (providers.RowStream, error) {
	if name != mainDB {
		return nil, fmt.Errorf("sqlite database %q: %w", name, providers.ErrNotFound)
	}
	db, err := p.open(ctx, false)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, p.fail("begin", err)
	}
	ti, err := p.info(ctx, tx, table)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	names := make([]string, len(ti.cols))
	sel := make([]string, len(ti.cols))
	for i, c := range ti.cols {
		names[i], sel[i] = c.Name, ident(c.Name)
	}
	s := &rowStream{p: p, tx: tx, ti: ti, r: r, what: table,
		base: "SELECT " + strings.Join(sel, ", ") + " FROM " + ident(table)}
	if len(ti.keys) > 0 {
		var ks []string
		for _, k := range ti.keys {
			ks = append(ks, ident(ti.cols[k].Name)+" COLLATE BINARY")
		}
		s.order = " ORDER BY " + strings.Join(ks, ", ")
	} else if r.From == nil && r.To == nil {
		s.order = withRowidOrder(ctx, tx, table)
	} else if r.From != nil || r.To != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("read %s: a key range on a table without a primary key", table)
	}
	return &providers.PagedRows{Cols: names, Fetch: s.fetch, Release: s.close}, nil
}

type rowStream struct {
	p     *Provider
	tx    *sql.Tx
	ti    tableInfo
	r     providers.KeyRange
	base  string
	order string
	what  string

	after  providers.Row
	closed bool
}

func (s *rowStream) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return s.p.fail("close the read of "+s.what, err)
	}
	return nil
}

func (s *rowStream) fetch(ctx context.Context) ([]providers.Row, bool, error) {
	var args []any
	rg := s.r
	if s.after != nil {
		rg.From = s.after
	}
	where, err := rangeWhere(s.ti, rg, &args)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", s.what, err)
	}
	q := s.base + where + s.order
	if len(s.ti.keys) > 0 {
		q += " LIMIT " + strconv.Itoa(pageRows)
	}
	rows, err := s.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, s.p.fail("read "+s.what, err)
	}
	defer rows.Close()
	var page []providers.Row
	n := len(s.ti.cols)
	for rows.Next() {
		raw := make([]any, n)
		ptrs := make([]any, n)
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, false, s.p.fail("read "+s.what, err)
		}
		row := make(providers.Row, n)
		for i, v := range raw {
			row[i] = Portable(v, s.ti.cols[i].Type.Base)
		}
		page = append(page, row)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.p.fail("read "+s.what, err)
	}
	last := len(s.ti.keys) == 0 || len(page) < pageRows
	if m := len(page); m > 0 && len(s.ti.keys) > 0 {
		lastRow := page[m-1]
		s.after = make(providers.Row, len(s.ti.keys))
		for i, k := range s.ti.keys {
			s.after[i] = lastRow[k]
			if bv, ok := lastRow[k].(providers.BadValue); ok {
				return nil, false, fmt.Errorf("read %s: key column %s holds %q (%s), which cannot be ranged", s.what, s.ti.cols[k].Name, bv.Raw, bv.Reason)
			}
		}
	}
	return page, last, nil
}

var (
	decimalText = regexp.MustCompile(`^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	timeLayouts = []string{
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02",
	}
)

func bad(v any, reason string) providers.BadValue {
	switch x := v.(type) {
	case []byte:
		return providers.BadValue{Raw: fmt.Sprintf("x'%x'", x), Reason: reason}
	case string:
		return providers.BadValue{Raw: x, Reason: reason}
	}
	return providers.BadValue{Raw: fmt.Sprint(v), Reason: reason}
}

func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// Portable converts a value as SQLite stores it (int64, float64, string,
// []byte, or a time the driver parsed) to the Go type of the column's
// portable base, or to a BadValue naming why it has no exact form.
func Portable(v any, base string) any {
	if v == nil {
		return nil
	}
	switch base {
	case "int64", "int32", "int16":
		switch x := v.(type) {
		case int64:
			return x
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x)
			}
			return bad(v, "a fraction in an integer column")
		case bool:
			if x {
				return int64(1)
			}
			return int64(0)
		}
		return bad(v, "not an integer")
	case "float64", "float32":
		switch x := v.(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		}
		return bad(v, "not a number")
	case "decimal":
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return bad(v, "not a finite number")
			}
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		if s, ok := text(v); ok && decimalText.MatchString(strings.TrimSpace(s)) {
			return strings.TrimSpace(s)
		}
		return bad(v, "not a number")
	case "bool":
		switch x := v.(type) {
		case int64:
			if x == 0 || x == 1 {
				return x == 1
			}
		case bool:
			return x
		}
		if s, ok := text(v); ok {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "t", "1", "yes":
				return true
			case "false", "f", "0", "no":
				return false
			}
		}
		return bad(v, "not a boolean")
	case "date", "time", "timestamp", "timestamptz":
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x.UTC()
		default:
			s, ok := text(v)
			if !ok {
				return bad(v, "a number in a "+base+" column")
			}
			parsed := false
			if base == "time" {
				if tt, err := time.Parse("15:04:05.999999999", s); err == nil {
					return time.Time{}.Add(tt.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)))
				}
				if tt, err := time.Parse("15:04", s); err == nil {
					return time.Time{}.Add(tt.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)))
				}
			}
			for _, l := range timeLayouts {
				if tt, err := time.Parse(l, s); err == nil {
					t, parsed = tt.UTC(), true
					break
				}
			}
			if !parsed {
				return bad(v, "not a "+base)
			}
		}
		switch base {
		case "date":
			if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
				return bad(t.Format("2006-01-02 15:04:05.999999999"), "a time of day in a date column")
			}
		case "time":
			return time.Time{}.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
				time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond()))
		}
		return t
	case "bytes":
		switch x := v.(type) {
		case []byte:
			return x
		case string:
			return []byte(x)
		}
		return bad(v, "a number in a blob column")
	case "json":
		s, ok := text(v)
		if !ok {
			switch x := v.(type) {
			case int64:
				return strconv.FormatInt(x, 10)
			case float64:
				return strconv.FormatFloat(x, 'g', -1, 64)
			}
		}
		if !utf8.ValidString(s) || !json.Valid([]byte(s)) {
			return bad(v, "not JSON")
		}
		return s
	}
	// text, varchar, char, uuid, enum, other: text.
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999999Z07:00")
	}
	s, _ := text(v)
	if !utf8.ValidString(s) {
		return bad(v, "invalid UTF-8")
	}
	return s
}

// storeValue turns a portable value into what SQLite stores for a column
// of the given base type.
func storeValue(v any, base string) (any, error) {
	switch x := v.(type) {
	case nil, int64, float64, string, []byte:
		if base == "bytes" {
			if s, ok := x.(string); ok {
				return []byte(s), nil
			}
		}
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case uint64:
		if x > math.MaxInt64 {
			return strconv.FormatUint(x, 10), nil
		}
		return int64(x), nil
	case time.Time:
		t := x.UTC()
		switch base {
		case "date":
			return t.Format("2006-01-02"), nil
		case "time":
			return t.Format("15:04:05.999999999"), nil
		case "timestamptz":
			return t.Format("2006-01-02 15:04:05.999999999Z07:00"), nil
		}
		return t.Format("2006-01-02 15:04:05.999999999"), nil
	case providers.BadValue:
		return nil, fmt.Errorf("bad value %q (%s) reached the destination", x.Raw, x.Reason)
	}
	return nil, fmt.Errorf("value of type %T is not a portable row value", v)
}

// WriteRows replaces the rows of range r by the stream's in one
// transaction: DELETE of the range, then prepared INSERTs.
func (p *Provider) WriteRows(ctx context.Context, name, table string, r providers.KeyRange, rows providers.RowStream) (int64, error) {
	if name != mainDB {
		return 0, fmt.Errorf("sqlite holds one database, %q, not %q: %w", mainDB, name, providers.ErrUnsupported)
	}
	db, err := p.open(ctx, true)
	if err != nil {
		return 0, err
	}
	conn, commit, release, err := p.writeTx(ctx, db)
	if err != nil {
		return 0, err
	}
	defer release()
	ti, err := p.info(ctx, conn, table)
	if err != nil {
		return 0, err
	}
	byName := map[string]int{}
	for i, c := range ti.cols {
		byName[c.Name] = i
	}
	var cols, marks []string
	var pick []int
	var bases []string
	for i, n := range rows.Columns() {
		j, ok := byName[n]
		if !ok {
			return 0, fmt.Errorf("write %s: the table has no column %q", table, n)
		}
		if ti.generated[n] {
			continue
		}
		cols, marks, pick, bases = append(cols, ident(n)), append(marks, "?"), append(pick, i), append(bases, ti.cols[j].Type.Base)
	}
	var args []any
	where, err := rangeWhere(ti, r, &args)
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", table, err)
	}
	if len(ti.keys) == 0 && where != "" {
		return 0, fmt.Errorf("write %s: a key range on a table without a primary key", table)
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM "+ident(table)+where, args...); err != nil {
		return 0, p.fail("clear the range of "+table, err)
	}
	stmt, err := conn.PrepareContext(ctx, "INSERT INTO "+ident(table)+" ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(marks, ", ")+")")
	if err != nil {
		return 0, p.fail("prepare the insert into "+table, err)
	}
	defer stmt.Close()
	var n int64
	vals := make([]any, len(pick))
	for {
		row, ok := rows.Next(ctx)
		if !ok {
			break
		}
		for k, i := range pick {
			if i >= len(row) {
				return 0, fmt.Errorf("write %s: row %d has %d values", table, n+1, len(row))
			}
			if vals[k], err = storeValue(row[i], bases[k]); err != nil {
				return 0, fmt.Errorf("write %s: row %d column %s: %w", table, n+1, rows.Columns()[i], err)
			}
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return 0, p.fail(fmt.Sprintf("insert row %d into %s", n+1, table), err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("write %s: %w", table, err)
	}
	if err := commit(); err != nil {
		return 0, p.fail("commit the load of "+table, err)
	}
	return n, nil
}

// writeTx opens a write transaction on a connection of its own. BEGIN
// IMMEDIATE takes the write lock up front, so two writers wait on
// busy_timeout: a deferred transaction that reads first fails at once
// with SQLITE_BUSY when it upgrades while another writer holds the lock.
// release, deferred before anything else is opened on the connection,
// rolls back what was not committed and returns the connection.
func (p *Provider) writeTx(ctx context.Context, db *sql.DB) (conn *sql.Conn, commit func() error, release func(), err error) {
	if conn, err = db.Conn(ctx); err != nil {
		return nil, nil, nil, p.fail("connect", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		conn.Close()
		return nil, nil, nil, p.fail("begin", err)
	}
	committed := false
	commit = func() error {
		_, err := conn.ExecContext(ctx, "COMMIT")
		committed = err == nil
		return err
	}
	release = func() {
		if !committed {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		conn.Close()
	}
	return conn, commit, release, nil
}

// Fingerprint reads the table whole and returns its row count and
// checksum. A BadValue in it is an error: fingerprints are of exact rows.
func (p *Provider) Fingerprint(ctx context.Context, name, table string) (providers.Fingerprint, error) {
	db, err := p.open(ctx, false)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	ti, err := p.info(ctx, db, table)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	rs, err := p.ReadRows(ctx, name, table, providers.KeyRange{})
	if err != nil {
		return providers.Fingerprint{}, err
	}
	defer rs.Close()
	types := make([]providers.ColumnType, len(ti.cols))
	for i, c := range ti.cols {
		types[i] = c.Type
	}
	return providers.FingerprintRows(ctx, rs, types)
}

// withRowidOrder orders a table without a primary key by rowid, when it
// has one.
func withRowidOrder(ctx context.Context, tx *sql.Tx, table string) string {
	var x any
	if err := tx.QueryRowContext(ctx, "SELECT rowid FROM "+ident(table)+" LIMIT 1").Scan(&x); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	return " ORDER BY rowid"
}

// SplitKeys cuts a table into parts ranges of about equal rows with
// ntile() over its primary key, and returns the last key of each range
// but the last.
func (p *Provider) SplitKeys(ctx context.Context, name, table string, parts int) ([]providers.Row, error) {
	if parts < 2 {
		return nil, nil
	}
	db, err := p.open(ctx, false)
	if err != nil {
		return nil, err
	}
	ti, err := p.info(ctx, db, table)
	if err != nil {
		return nil, err
	}
	if len(ti.keys) == 0 {
		return nil, fmt.Errorf("split %s: it has no primary key", table)
	}
	var sel, order, names []string
	for i, k := range ti.keys {
		e := ident(ti.cols[k].Name) + " COLLATE BINARY"
		n := fmt.Sprintf("k%d", i)
		sel, order, names = append(sel, e+" AS "+n), append(order, e), append(names, n)
	}
	q := fmt.Sprintf(`SELECT %s FROM (
  SELECT %s, b, lead(b) OVER (ORDER BY b, %s) AS nb FROM (
    SELECT %s, ntile(%d) OVER (ORDER BY %s) AS b FROM %s) x) y
WHERE nb IS NOT NULL AND nb <> b ORDER BY b`,
		strings.Join(names, ", "), strings.Join(names, ", "), strings.Join(names, ", "),
		strings.Join(sel, ", "), parts, strings.Join(order, ", "), ident(table))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, p.fail("split "+table, err)
	}
	defer rows.Close()
	var out []providers.Row
	for rows.Next() {
		raw := make([]any, len(ti.keys))
		ptrs := make([]any, len(raw))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, p.fail("split "+table, err)
		}
		row := make(providers.Row, len(raw))
		for i, v := range raw {
			row[i] = Portable(v, ti.cols[ti.keys[i]].Type.Base)
			if bv, ok := row[i].(providers.BadValue); ok {
				return nil, fmt.Errorf("split %s: key %q (%s) cannot be ranged", table, bv.Raw, bv.Reason)
			}
		}
		out = append(out, row)
	}
	return out, p.fail("split "+table, rows.Err())
}
