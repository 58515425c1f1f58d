package providers

import (
	"context"
	"net/url"
)

// Engine-neutral database types. A MySQL -> PostgreSQL move is one
// translation between these types, not a dump format.

// Database names one database (schema namespace) on a server.
type Database struct {
	Name    string
	Engine  string // postgres, mysql, sqlite
	Version string
	Bytes   int64
}

// ColumnType is a portable column type; Native keeps the source's spelling.
type ColumnType struct {
	// Base is one of: bool, int16, int32, int64, float32, float64, decimal,
	// text, varchar, char, bytes, date, time, timestamp, timestamptz, json,
	// uuid, enum, other.
	Base      string
	Length    int // varchar/char length
	Precision int // decimal precision / fractional seconds
	Scale     int
	Unsigned  bool
	Enum      []string
	Native    string
}

// Column is one table column.
type Column struct {
	Name          string
	Type          ColumnType
	Nullable      bool
	Default       string // SQL expression in the source dialect; "" none
	AutoIncrement bool
	Comment       string
	// Collation is the column's collation as the source names it
	// (utf8mb4_general_ci); CaseInsensitive says comparisons and unique
	// keys ignore case there, which PostgreSQL's default does not.
	Collation       string
	CaseInsensitive bool
	// Generated is the expression of a generated column ("" none);
	// GeneratedStored says it is stored rather than virtual.
	Generated       string
	GeneratedStored bool
	// Identity: the column takes its values from a sequence or
	// auto_increment; NextValue is the next value the source would hand
	// out (0 unknown), for resetting the destination's sequence.
	Identity  bool
	NextValue int64
	// DestType, when set, is the destination type a move's type_overrides
	// gives the column, used instead of the translation table's.
	DestType string `json:",omitempty"`
}

// Index is an index or unique constraint.
type Index struct {
	Name    string
	Columns []string
	Unique  bool
	Primary bool
	// Expr is the source's definition of an expression or partial index
	// ("" for a plain one over Columns); such an index is recreated only
	// between engines of one dialect.
	Expr string
}

// ForeignKey is a foreign-key constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
	OnDelete   string
	OnUpdate   string
}

// Table is a table's definition with its size estimate.
type Table struct {
	Name        string
	Columns     []Column
	PrimaryKey  []string
	Indexes     []Index
	ForeignKeys []ForeignKey
	Rows        int64 // estimate
	Bytes       int64 // estimate
	Checks      []Check
	Comment     string
	// WithoutRowID, Partitioned: engine features that change how the
	// table is stored ("" / false when absent).
	WithoutRowID bool
	Partitioned  string // the source's partitioning clause
	// Definition is the source's own CREATE TABLE statement where the
	// engine keeps one (SQLite): a destination of the same engine creates
	// the table from it, exactly.
	Definition string `json:",omitempty"`
}

// Check is a check constraint; Expr is in the source's dialect.
type Check struct {
	Name string
	Expr string
}

// DBObject is a schema object other than a table: kind is one of view,
// materialized_view, trigger, procedure, function, event, extension,
// sequence, spatial_column, partition. Definition is the source's SQL.
// The mover translates what it can do exactly and reports the rest as
// findings naming the object.
type DBObject struct {
	Kind       string
	Name       string
	Table      string // the table a trigger or spatial column belongs to
	Definition string
}

// BadValue stands in a Row for a source value with no exact portable
// form (MySQL's zero date '0000-00-00', an invalid UTF-8 string in a text
// column): the mover applies the move's on_bad_value policy (fail, null,
// skip_row) and counts it in the data-quality report.
type BadValue struct {
	Raw    string // the value as the source printed it
	Reason string // "zero date", "invalid UTF-8", ...
}

// DBSchema is a database's tables and sequences in dependency order
// (referenced tables first).
type DBSchema struct {
	Database string
	// Engine is the engine the schema was read from (postgres, mysql,
	// sqlite): defaults, checks and generated expressions are in its
	// dialect.
	Engine string
	Tables []Table
	Views  []string // names; views are reported, not translated
	// Objects are the views, triggers, routines, events and extensions.
	Objects []DBObject
	// Charset and Collation are the database's defaults as the source
	// names them.
	Charset   string
	Collation string
}

// Row is one row's values in column order: nil, bool, int64, uint64,
// float64, string, []byte, time.Time, or a decimal/json rendered as string,
// each the Go type of the column's portable ColumnType.Base (bool for
// bool, int64 for int16/32/64, uint64 for unsigned 64-bit, string for
// decimal/text/varchar/char/json/enum/uuid, []byte for bytes, time.Time
// for date/time/timestamp/timestamptz, in UTC), or a BadValue.
type Row []any

// RowStream reads rows of one table in primary-key order.
type RowStream interface {
	Columns() []string
	// Next returns false at the end or on error; Err tells which.
	Next(ctx context.Context) (Row, bool)
	Err() error
	Close() error
}

// KeyRange bounds a table read by primary key, for resumable and parallel
// copies: rows with From < key <= To (nil means unbounded). Keys compare
// column by column, numbers by value and text in byte order (PostgreSQL's
// "C" collation, SQLite's BINARY, MySQL's _bin), so every engine cuts a
// table into the same ranges; ReadRows returns rows in that order.
type KeyRange struct {
	From Row
	To   Row
}

// Fingerprint is a table's content summary for verification: row count and
// an order-independent checksum that agrees across engines.
type Fingerprint struct {
	Rows     int64
	Checksum string
}

// DatabaseStore is a database server.
type DatabaseStore interface {
	Databases(ctx context.Context) ([]Database, error)
	CreateDatabase(ctx context.Context, name string) error
	DropDatabase(ctx context.Context, name string) error
	Schema(ctx context.Context, db string) (DBSchema, error)
	// ApplySchema creates the tables (without foreign keys and secondary
	// indexes when deferConstraints is set, for a faster load).
	ApplySchema(ctx context.Context, db string, s DBSchema, deferConstraints bool) error
	// FinishSchema adds the deferred indexes and foreign keys.
	FinishSchema(ctx context.Context, db string, s DBSchema) error
	ReadRows(ctx context.Context, db, table string, r KeyRange) (RowStream, error)
	// WriteRows makes the rows of key range r at the destination exactly
	// the rows of the stream, in one transaction: rows already in the
	// range are replaced, so a range resumed after a crash is written
	// again whole, never appended twice. It returns how many rows it wrote.
	WriteRows(ctx context.Context, db, table string, r KeyRange, rows RowStream) (int64, error)
	Fingerprint(ctx context.Context, db, table string) (Fingerprint, error)
}

// ColumnFingerprinter is implemented by engines that fingerprint a whole
// table without building Rows: the Fingerprint FingerprintRows gives over
// ReadRows of the table (at the snapshot, where one is held) with its
// columns put in the order cols names and each value canonicalized with
// types[i] (a source's types, for a destination read back).
type ColumnFingerprinter interface {
	FingerprintColumns(ctx context.Context, db, table string, cols []string, types []ColumnType) (Fingerprint, error)
}

// Snapshotter is implemented by engines that can read all tables of a
// database at one consistent point and report a position to resume
// change capture from.
type Snapshotter interface {
	Snapshot(ctx context.Context, db string) (snapshot string, position string, release func() error, err error)
}

// Time-of-day values (Base "time") are a time.Time on January 1 of year 1,
// UTC: time.Time{}.Add(offset since midnight), so engines agree on them.

// Translation says how a destination holds one source column: its type
// there, whether values can change on the way (lossy) and why.
type Translation struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	From   string `json:"from"` // the source's spelling (Native, or the portable type)
	To     string `json:"to"`   // the destination's DDL type
	Lossy  bool   `json:"lossy,omitempty"`
	Note   string `json:"note,omitempty"`
}

// SchemaTranslator is implemented by database destinations: how they would
// hold a source schema read from an engine (postgres, mysql, sqlite), per
// column, and the table features they cannot hold exactly (notes naming
// each index or table). The schema's Objects are the mover's to report.
// ApplySchema creates what TranslateSchema describes.
type SchemaTranslator interface {
	TranslateSchema(s DBSchema, srcEngine string) (cols []Translation, notes []string)
}

// DatabaseHome is implemented by database providers: the engine and the
// namespace a database lands in by default ("public" for PostgreSQL,
// "main" for SQLite) and whether the server holds one namespace only.
type DatabaseHome interface {
	Engine() string
	DefaultDatabase() string
	SingleDatabase() bool
}

// TableDropper drops one table (with its indexes and constraints) that
// rehome created; a missing table is ErrNotFound.
type TableDropper interface {
	DropTable(ctx context.Context, db, table string) error
}

// SliceRows is a RowStream over rows held in memory.
type SliceRows struct {
	Cols []string
	Rows []Row
	i    int
	err  error
}

// Columns returns the column names.
func (s *SliceRows) Columns() []string { return s.Cols }

// Next returns the next row.
func (s *SliceRows) Next(ctx context.Context) (Row, bool) {
	if err := ctx.Err(); err != nil {
		s.err = err
		return nil, false
	}
	if s.i >= len(s.Rows) {
		return nil, false
	}
	s.i++
	return s.Rows[s.i-1], true
}

// Err returns the context's error when reading was cancelled.
func (s *SliceRows) Err() error { return s.err }

// Close does nothing.
func (s *SliceRows) Close() error { return nil }

// URLSecrets returns the parts of a database URL that must never be
// shown: the whole URL, and its password (as written, query- and
// path-escaped, or given as a password query parameter), for Redact.
func URLSecrets(raw string) []string {
	out := []string{raw}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
	}
	if pw := u.Query().Get("password"); pw != "" {
		out = append(out, pw)
	}
	return out
}

// SortTables orders tables so that each comes after the tables its foreign
// keys reference (self-references and cycles keep the given order), the
// order DBSchema promises.
func SortTables(ts []Table) []Table {
	byName := map[string]int{}
	for i, t := range ts {
		byName[t.Name] = i
	}
	seen := make([]bool, len(ts))
	out := make([]Table, 0, len(ts))
	var visit func(i int)
	visit = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		for _, fk := range ts[i].ForeignKeys {
			if j, ok := byName[fk.RefTable]; ok && j != i {
				visit(j)
			}
		}
		out = append(out, ts[i])
	}
	for i := range ts {
		visit(i)
	}
	return out
}

// PagedRows is a RowStream that reads a page at a time: Fetch returns the
// next page and whether it was the last; Release (optional) ends the read
// and is called once by Close.
type PagedRows struct {
	Cols    []string
	Fetch   func(ctx context.Context) (page []Row, last bool, err error)
	Release func() error

	page   []Row
	i      int
	done   bool
	err    error
	closed bool
}

// Columns returns the column names.
func (s *PagedRows) Columns() []string { return s.Cols }

// Err returns the error that ended the stream, if any.
func (s *PagedRows) Err() error { return s.err }

// Next returns the next row, fetching pages as needed.
func (s *PagedRows) Next(ctx context.Context) (Row, bool) {
	for s.err == nil && s.i >= len(s.page) {
		if s.done {
			return nil, false
		}
		s.page, s.i = nil, 0
		s.page, s.done, s.err = s.Fetch(ctx)
	}
	if s.err != nil {
		return nil, false
	}
	s.i++
	return s.page[s.i-1], true
}

// Close ends the read.
func (s *PagedRows) Close() error {
	if s.closed || s.Release == nil {
		s.closed = true
		return nil
	}
	s.closed = true
	return s.Release()
}

// KeySplitter is implemented by engines that can cut a table into key
// ranges of about equal row counts from its primary key alone, so that
// several workers copy one big table at once. SplitKeys returns at most
// parts-1 ascending keys (in the KeyRange order); the ranges (nil, k1],
// (k1, k2], ..., (kn, nil) cover the table.
type KeySplitter interface {
	SplitKeys(ctx context.Context, db, table string, parts int) ([]Row, error)
}
