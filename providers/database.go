package providers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
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
	// UserType is the engine's own named type a column uses when the
	// type is defined in the moved schema (a PostgreSQL enum type, as the
	// schema spells it), which a destination of the same engine creates
	// with the schema's objects and uses ("" otherwise).
	UserType string `json:",omitempty"`
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
// enum, sequence, spatial_column, partition. Definition is the source's SQL.
// The destination creates what it can exactly (ObjectCreator) and the
// mover reports the rest as findings naming the object.
type DBObject struct {
	Kind       string
	Name       string
	Table      string // the table a trigger or spatial column belongs to
	Definition string
	// What a destination of the same engine needs to create the object
	// exactly: Identity is its name as DROP takes it (a routine's name
	// with its argument types); Language a routine's; Labels an enum's
	// labels in order; DependsOn the objects it needs first ("kind:name",
	// tables included); External the other schemas it references; Early
	// says a table needs it (a column's type or default, a check), so it
	// is created before the tables; Value and Called are a sequence's
	// position (last_value, is_called).
	Identity  string   `json:",omitempty"`
	Language  string   `json:",omitempty"`
	Labels    []string `json:",omitempty"`
	DependsOn []string `json:",omitempty"`
	External  []string `json:",omitempty"`
	Early     bool     `json:",omitempty"`
	Value     int64    `json:",omitempty"`
	Called    bool     `json:",omitempty"`
}

// ObjectCreator is implemented by database destinations that create a
// source schema's objects other than tables exactly (PostgreSQL from
// PostgreSQL: extensions, enum types, sequences, routines, views,
// materialized views, triggers).
type ObjectCreator interface {
	// PlanObjects returns, in creation order, the objects of s it creates
	// in db, each with the statement it runs as Definition, and the rest,
	// each with the reason it cannot be created exactly.
	PlanObjects(ctx context.Context, db string, s DBSchema) (create []DBObject, skipped []SkippedObject, err error)
	// ObjectExists reports whether o exists in db.
	ObjectExists(ctx context.Context, db string, o DBObject) (bool, error)
	// CreateObject creates o in db: false when it was there already (an
	// extension installed before), so rehome does not claim it; another
	// object of its name is ErrExists.
	CreateObject(ctx context.Context, db string, o DBObject) (created bool, err error)
	// DropObject drops an object CreateObject created: a missing one is
	// ErrNotFound, one something else still needs ErrNotEmpty.
	DropObject(ctx context.Context, db string, o DBObject) error
	// SetSequence sets sequence o's position (o.Value, o.Called).
	SetSequence(ctx context.Context, db string, o DBObject) error
}

// SkippedObject is a schema object a destination does not create, and why.
type SkippedObject struct {
	Object DBObject
	Reason string
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
	Views  []string // names of the views and materialized views (also in Objects)
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
//
// Key names the key columns From and To bound, in order, for a
// destination whose table has no primary key yet (one that adds it after
// the load, see ApplySchema); nil means the table's own primary key.
// Empty tells WriteRows the range holds no rows (the caller cleared it
// earlier in the same run, and nothing else writes there), so it need
// not clear it: without an index on the key that clearing is a scan of
// the whole table. It is a promise about the destination, never set for
// a range an earlier, interrupted run may have written.
type KeyRange struct {
	From  Row
	To    Row
	Key   []string
	Empty bool
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
	// indexes when deferConstraints is set, for a faster load; an engine
	// that can add a primary key to a loaded table may defer that too, so
	// writers name the key in KeyRange.Key).
	ApplySchema(ctx context.Context, db string, s DBSchema, deferConstraints bool) error
	// FinishSchema adds the deferred primary keys, indexes and foreign
	// keys.
	FinishSchema(ctx context.Context, db string, s DBSchema) error
	ReadRows(ctx context.Context, db, table string, r KeyRange) (RowStream, error)
	// WriteRows makes the rows of key range r at the destination exactly
	// the rows of the stream, in one transaction: rows already in the
	// range are replaced, so a range resumed after a crash is written
	// again whole, never appended twice. It returns how many rows it wrote.
	WriteRows(ctx context.Context, db, table string, r KeyRange, rows RowStream) (int64, error)
	Fingerprint(ctx context.Context, db, table string) (Fingerprint, error)
}

// ColumnFingerprinter is implemented by engines that fingerprint a table,
// or a key range of it, without building Rows: the Fingerprint
// FingerprintRows gives over ReadRows of the range (at the snapshot, where
// one is held) with its columns put in the order cols names and each
// value canonicalized with types[i] (a source's types, for a destination
// read back).
type ColumnFingerprinter interface {
	FingerprintColumns(ctx context.Context, db, table string, r KeyRange, cols []string, types []ColumnType) (Fingerprint, error)
}

// RangeCopier is implemented by engines that copy a key range of a table
// straight into another database of their own kind, without building
// Rows, when both tables have the same columns of the same types (nothing
// for a value policy to find or a translation to change): CopyRange
// copies the range in key order, at the snapshot where one is held, in
// chunks of up to chunk rows, each in one transaction, as WriteRows
// writes ranges (the first chunk clears the range unless r.Empty), and
// tells done each chunk after it commits; the fingerprint of its rows is
// taken with cols' order and types. ok is false, with nothing written,
// when the tables do not qualify.
type RangeCopier interface {
	CopyRange(ctx context.Context, dst DatabaseStore, srcDB, dstDB, table string, r KeyRange, cols []string, types []ColumnType,
		chunk int, done func(CopiedChunk) error) (ok bool, err error)
}

// CopiedChunk is a chunk a RangeCopier wrote: its rows, the key of its
// last row (nil for the last chunk of the range, End set) and the
// fingerprint of its rows.
type CopiedChunk struct {
	Rows        int64
	Last        Row
	Fingerprint Fingerprint
	// Native, when set, is the sum of the chunk's rows in the
	// destination engine's own hash functions (NativeSum).
	Native *NativeSum
	End    bool
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

// ForeignKeyReleaser is implemented by destinations that check foreign
// keys while rows are written (a replaced range of a referenced table
// would fail them, or cascade): ReleaseForeignKeys drops the foreign keys
// of s's tables that are on, or reference, one of tables, so their rows
// can be replaced wholesale; FinishSchema adds them back.
type ForeignKeyReleaser interface {
	ReleaseForeignKeys(ctx context.Context, db string, s DBSchema, tables []string) error
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

// URLSecrets returns the parts of a database or broker URL that must
// never be shown, for Redact: the whole URL (unless it is a URL with a
// host and neither user information nor a password parameter, which is
// safe to show and names the server in errors; a keyword/value DSN is
// always hidden whole), and its password (as written, query- and
// path-escaped, or given as a password query parameter).
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	var out []string
	if u.Scheme == "" || u.Host == "" || u.User != nil || u.Query().Has("password") {
		out = append(out, raw)
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

// DatabaseServer is implemented by database destinations that can create
// the server their databases live on (a managed cluster). The database
// mover plans the server's create before everything else of the move,
// waits for it on apply, and deletes it on rollback only when rehome
// created it; one that existed before is used and never deleted.
type DatabaseServer interface {
	// Server says what the server is now (Exists false while it is yet
	// to be created); it never holds credentials.
	Server(ctx context.Context) (ServerInfo, error)
	// CreateServer asks for the server and returns its id at once,
	// without waiting for it; a server of that name is ErrExists.
	CreateServer(ctx context.Context) (id string, err error)
	// WaitServer waits until server id takes connections, telling
	// progress its status as it changes.
	WaitServer(ctx context.Context, id string, progress func(status string)) error
	// DeleteServer deletes server id (with everything in it); a missing
	// one is ErrNotFound.
	DeleteServer(ctx context.Context, id string) error
}

// ServerInfo describes a DatabaseServer's server.
type ServerInfo struct {
	Name   string
	ID     string // "" when it does not exist
	Exists bool
	// Status is the platform's word for it (creating, online); Ready
	// says it takes connections.
	Status string
	Ready  bool
	// Spec says what the server is, or will be created as ("pg 15,
	// db-s-1vcpu-1gb × 1 node, fra1"). Class, Nodes and Region are what
	// it is billed by: Nodes nodes of size Class in Region, each at the
	// price the provider's "database" catalog entry for Class gives
	// (Class "" when unknown).
	Spec   string
	Class  string
	Nodes  int
	Region string
	// Made is when the platform created the server (zero: unknown).
	Made time.Time
	// Problem, when set, is why the existing server cannot be used (it
	// runs another engine): a blocker.
	Problem string
}

// IntegrityChecker is implemented by database destinations that can
// check after a load what row checksums cannot: that every foreign key of
// s holds in db (no row's key finds no referenced row) and that every
// column taking its values from a sequence or auto-increment would get
// a value above the column's highest, so the first insert after the move
// does not collide.
type IntegrityChecker interface {
	CheckIntegrity(ctx context.Context, db string, s DBSchema) (Integrity, error)
}

// Integrity is what CheckIntegrity found: how many foreign keys and
// sequences it checked, and each that does not hold.
type Integrity struct {
	ForeignKeys int
	Sequences   int
	Problems    []IntegrityProblem
	// Enforced says the destination checks foreign keys on every write
	// (PostgreSQL), so a broken one is a failed load; SQLite does not
	// unless asked, and there orphan rows the source held arrive as they
	// were (the plan warns of them).
	Enforced bool
}

// IntegrityProblem is one foreign key or sequence that does not hold:
// Table and Object name it ("foreign key orders_customer_fkey", "id's
// sequence"); Detail says how (counts, a sample key); Sequence marks a
// sequence's.
type IntegrityProblem struct {
	Table, Object, Detail string
	Sequence              bool
}

// DatabaseSizer is implemented by database destinations whose
// configuration names the size of the server rehome creates (a managed
// cluster's size slug and node count): the cost report prices the
// databases moved there at that size, not at the nearest equivalent.
type DatabaseSizer interface {
	DatabaseSize() (class string, nodes int, ok bool)
}

// KeyChecker is implemented by database sources that check, by query on
// the server, the keys a destination will enforce, for the plan-time
// data-quality report of tables too large to read through Go. Each query
// reads the whole table (and, for Orphans, probes the referenced table's
// key): the plan runs them only for tables it does not scan. Values are
// compared as the source compares them. Samples are the primary-key
// values (in key order) of up to n of the rows counted; none for a table
// without a primary key. Both read at the snapshot of db when one is held
// (Snapshotter) and stop when ctx is done.
type KeyChecker interface {
	// Orphans counts the rows of table whose foreign key fk finds no row
	// in fk.RefTable (a NULL in any of fk.Columns is not an orphan).
	Orphans(ctx context.Context, db, table string, fk ForeignKey, n int) (count int64, samples []Row, err error)
	// Duplicates counts the rows of table that repeat the values of cols
	// (all non-NULL) of an earlier row in key order: a unique index over
	// cols fails on each of them.
	Duplicates(ctx context.Context, db, table string, cols []string, n int) (count int64, samples []Row, err error)
}

// KeyCheckSQL builds the queries of a KeyChecker in an engine's dialect;
// each engine gives its quoting, how a key column is ordered (its
// KeyRange order) and how it is read out.
type KeyCheckSQL struct {
	Quote func(ident string) string
	// Table is the checked table as the query names it (quoted, and
	// qualified where the engine needs it); Keys its primary-key columns.
	Table string
	Keys  []string
	// Order is key column col of the row aliased alias, as ordered in key
	// order; Select is it as the engine reads it out.
	Order, Select func(alias, col string) string
}

// notNull is "alias.c1 IS NOT NULL AND ...".
func (k KeyCheckSQL) notNull(alias string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = alias + "." + k.Quote(c) + " IS NOT NULL"
	}
	return strings.Join(parts, " AND ")
}

func (k KeyCheckSQL) keyList(alias string, fn func(alias, col string) string) string {
	parts := make([]string, len(k.Keys))
	for i, c := range k.Keys {
		parts[i] = fn(alias, c)
	}
	return strings.Join(parts, ", ")
}

// orphanWhere is the condition on the checked table (aliased c) of its
// rows whose foreign key fk, all set, finds no row in ref (quoted).
func (k KeyCheckSQL) orphanWhere(ref string, fk ForeignKey) (string, error) {
	if len(fk.Columns) == 0 || len(fk.Columns) != len(fk.RefColumns) {
		return "", fmt.Errorf("foreign key %s has %d columns referencing %d", fk.Name, len(fk.Columns), len(fk.RefColumns))
	}
	match := make([]string, len(fk.Columns))
	for i, c := range fk.Columns {
		match[i] = "p." + k.Quote(fk.RefColumns[i]) + " = c." + k.Quote(c)
	}
	return k.notNull("c", fk.Columns) + " AND NOT EXISTS (SELECT 1 FROM " + ref + " p WHERE " + strings.Join(match, " AND ") + ")", nil
}

// Orphans returns the query counting the orphan rows of fk (ref is the
// referenced table as the query names it) and the one reading the keys
// of the first n of them.
func (k KeyCheckSQL) Orphans(ref string, fk ForeignKey, n int) (count, samples string, err error) {
	where, err := k.orphanWhere(ref, fk)
	if err != nil {
		return "", "", err
	}
	count = "SELECT COUNT(*) FROM " + k.Table + " c WHERE " + where
	if len(k.Keys) > 0 {
		samples = fmt.Sprintf("SELECT %s FROM %s c WHERE %s ORDER BY %s LIMIT %d",
			k.keyList("c", k.Select), k.Table, where, k.keyList("c", k.Order), n)
	}
	return count, samples, nil
}

// Duplicates returns the query counting the rows that repeat an earlier
// row's values of cols (all set) and the one reading the keys of the
// first n of them, in key order.
func (k KeyCheckSQL) Duplicates(cols []string, n int) (count, samples string, err error) {
	if len(cols) == 0 {
		return "", "", errors.New("no columns to check for duplicates")
	}
	group := make([]string, len(cols))
	for i, c := range cols {
		group[i] = "c." + k.Quote(c)
	}
	g := strings.Join(group, ", ")
	count = fmt.Sprintf("SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM %s c WHERE %s GROUP BY %s HAVING COUNT(*) > 1) g",
		k.Table, k.notNull("c", cols), g)
	if len(k.Keys) > 0 {
		inner := make([]string, len(k.Keys))
		for i, c := range k.Keys {
			inner[i] = "c." + k.Quote(c)
		}
		samples = fmt.Sprintf("SELECT %s FROM (SELECT %s, ROW_NUMBER() OVER (PARTITION BY %s ORDER BY %s) AS rehome_rn FROM %s c WHERE %s) x WHERE x.rehome_rn > 1 ORDER BY %s LIMIT %d",
			k.keyList("x", k.Select), strings.Join(inner, ", "), g, k.keyList("c", k.Order), k.Table, k.notNull("c", cols), k.keyList("x", k.Order), n)
	}
	return count, samples, nil
}

// KeyQueries implements KeyChecker for an engine: Run reads db.table's
// key, builds the two queries with the KeyCheckSQL it makes for the
// table, runs them (at the engine's snapshot) and returns the count and
// the sample keys; RefTable is a referenced table as the queries name it.
type KeyQueries struct {
	RefTable func(db, table string) string
	Run      func(ctx context.Context, db, table, what string, build func(KeyCheckSQL) (count, samples string, err error)) (int64, []Row, error)
}

// Orphans is KeyChecker.Orphans.
func (q KeyQueries) Orphans(ctx context.Context, db, table string, fk ForeignKey, n int) (int64, []Row, error) {
	return q.Run(ctx, db, table, "find the orphan rows of foreign key "+fk.Name, func(k KeyCheckSQL) (string, string, error) {
		return k.Orphans(q.RefTable(db, fk.RefTable), fk, n)
	})
}

// Duplicates is KeyChecker.Duplicates.
func (q KeyQueries) Duplicates(ctx context.Context, db, table string, cols []string, n int) (int64, []Row, error) {
	return q.Run(ctx, db, table, fmt.Sprintf("find the duplicates of %v", cols), func(k KeyCheckSQL) (string, string, error) {
		return k.Duplicates(cols, n)
	})
}
