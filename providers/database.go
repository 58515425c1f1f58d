package providers

import (
	"context"
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
}

// Index is an index or unique constraint.
type Index struct {
	Name    string
	Columns []string
	Unique  bool
	Primary bool
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
}

// DBSchema is a database's tables and sequences in dependency order
// (referenced tables first).
type DBSchema struct {
	Database string
	Tables   []Table
	Views    []string // names; views are reported, not translated
}

// Row is one row's values in column order: nil, bool, int64, uint64,
// float64, string, []byte, time.Time, or a decimal/json rendered as string.
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
// copies: rows with From < key <= To (nil means unbounded).
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

// Snapshotter is implemented by engines that can read all tables of a
// database at one consistent point and report a position to resume
// change capture from.
type Snapshotter interface {
	Snapshot(ctx context.Context, db string) (snapshot string, position string, release func() error, err error)
}
