// Package mysql is the "mysql" provider: a MySQL (5.7, 8.x) or MariaDB
// (10.2+) server as the source of database moves. It lists databases,
// reads each database's definition from information_schema and translates
// it into the portable types of package providers, streams rows in key
// order with key-range bounds, fingerprints tables, and opens consistent
// snapshots. It never writes to the source; it cannot be a destination
// (ApplySchema, FinishSchema and WriteRows return
// providers.ErrUnsupported), though CreateDatabase and DropDatabase work.
//
// # Connection
//
// The environment's url is mysql://user:pass@host:3306/db?param=value
// (mariadb:// is accepted too); the database is optional. It is converted
// to a go-sql-driver/mysql configuration with settings rehome fixes:
// charset utf8mb4, loc=UTC and time_zone='+00:00' (TIMESTAMP values arrive
// in UTC), parseTime off (dates arrive as text, so zero dates are seen),
// and prepared statements (the binary protocol, which carries FLOAT
// exactly). Parameters: tls, timeout, readTimeout, writeTimeout,
// collation, maxAllowedPacket, allowCleartextPasswords,
// allowNativePasswords, allowOldPasswords, allowFallbackToPlaintext,
// serverPubKey, socket. Others are refused with a message naming them.
// The password is never printed: errors are redacted, and Identity is
// mysql://host:port[/db].
//
// # Type translation
//
//	MySQL / MariaDB                 portable Base (fields)           Go value in a Row
//	tinyint(1)                      bool                             bool; other values BadValue
//	tinyint, smallint               int16                            int64
//	mediumint, int                  int32                            int64
//	bigint                          int64                            int64
//	... unsigned                    the same Base, Unsigned          int64; uint64 for bigint unsigned
//	float                           float32                          float64 of the stored float32
//	double, real                    float64                          float64
//	decimal(p,s) [unsigned]         decimal (Precision, Scale)       string ("12.50")
//	char(n), varchar(n)             char, varchar (Length n chars)   string; CHAR padded with spaces to n characters
//	tinytext .. longtext            text                             string
//	json (MySQL), MariaDB JSON      json                             string
//	  (longtext + CHECK json_valid; the check is not listed in Checks)
//	enum('a','b')                   enum (Enum)                      string; '' not in the list BadValue
//	set('a','b')                    text (Native keeps the members)  string "a,b"
//	binary(n), varbinary(n)         bytes (Length n)                 []byte
//	tinyblob .. longblob            bytes                            []byte
//	bit(1)                          bool                             bool
//	bit(n)                          bytes (Length n bits)            []byte, big-endian
//	date                            date                             time.Time, midnight UTC
//	datetime(p)                     timestamp (Precision p)          time.Time, the wall clock as UTC
//	timestamp(p)                    timestamptz (Precision p)        time.Time in UTC
//	time(p)                         time (Precision p)               time.Time{} + clock (0001-01-01 UTC); outside a day BadValue
//	year                            int16                            int64
//	uuid (MariaDB 10.7+)            uuid                             string
//	inet4, inet6 (MariaDB)          other                            string
//	geometry, point, ... (spatial)  other, and a spatial_column      []byte (SRID + WKB, as stored)
//	anything else                   other                            []byte
//
// Zero dates ('0000-00-00'), dates with a zero part or that do not exist
// ('2024-02-30', let in by ALLOW_INVALID_DATES), times outside
// 00:00:00..23:59:59, invalid UTF-8 in text and empty enum values (what a
// lax sql_mode stores for an invalid one) come back as providers.BadValue
// with the value as the server printed it; the mover applies the move's
// on_bad_value policy to them. CountBadValues (providers.BadValueCounter)
// counts the same values by query, with sample keys, for the plan's
// data-quality report of tables too large to read at plan time (all but
// invalid UTF-8, which the server's conversion to utf8mb4 hides from SQL).
// Orphans and Duplicates (providers.KeyChecker, keycheck.go) count by
// query the rows breaking a foreign key (loaded with foreign_key_checks
// off) or repeating a key, with sample keys, on the snapshot's
// connection while one is held; a cancelled context kills the statement
// on the server (KILL QUERY), not only the client's connection.
//
// Integers keep their width in Base, and Unsigned says the range starts
// at zero: a destination without unsigned types holds int unsigned in a
// 64-bit integer and bigint unsigned in numeric(20,0), with a check.
//
// CHAR(n) values come padded to n characters, the SQL standard's form that
// PostgreSQL's char(n) gives back: MySQL strips the padding when it reads
// a CHAR and ignores it in comparisons, so it carries no information, and
// padded values fingerprint alike on both sides.
//
// Columns: Native is COLUMN_TYPE; Collation is the column's collation for
// character types, CaseInsensitive for every *_ci collation (comparisons
// and unique keys ignore case there, unlike PostgreSQL's default);
// Default is an SQL expression (literals quoted, CURRENT_TIMESTAMP[(n)]
// for the current time in any spelling; MySQL's bare literals and
// DEFAULT_GENERATED expressions and MariaDB's quoted ones come out alike);
// auto_increment columns are Identity with NextValue from the table's
// AUTO_INCREMENT; generated columns carry their expression and whether
// they are stored. ON UPDATE CURRENT_TIMESTAMP is reported as a trigger
// object of the table (the portable column cannot hold it).
//
// Tables: primary key, unique and secondary indexes (the PRIMARY index is
// in Indexes with Primary set), foreign keys with their actions (a
// reference to another database is "db.table"), enforced check
// constraints, comments, the row and size estimates, and Partitioned (the
// PARTITION BY clause). Tables come referenced first. Checks come from
// MariaDB's CHECK_CONSTRAINTS (its unnamed column checks are named after
// the column) and from MySQL 8's joined with TABLE_CONSTRAINTS (its NOT
// ENFORCED checks are left out, as the data need not satisfy them). MySQL
// 8's extra escaping, charset introducers and outer parentheses are taken
// off its check clauses and generation expressions, so both servers give
// an expression as it was written.
//
// Objects: views (also in Views), triggers, procedures, functions and
// events with their full CREATE statements (SHOW CREATE where the user
// may, else information_schema's body), MariaDB sequences, partitioned
// tables (kind partition), spatial columns, and the indexes the portable
// Index cannot hold exactly: FULLTEXT, SPATIAL, functional and prefix
// indexes (kind index, left out of Indexes: on the whole column a prefix
// index is another constraint, and may not fit a B-tree entry at the
// destination). MariaDB system-versioned tables are noted as table_option
// (only the current rows are read).
//
// # Reading rows
//
// ReadRows orders by the primary key, else by a unique key over NOT NULL
// columns; a table with neither is read whole in the server's order and
// refuses key ranges. Bounds compare as row values (From < key <= To),
// spelled out so the key's index serves them. Keys order and compare as
// every engine does: numbers by value, text in UTF-8 byte order. Text keys
// under a collation whose order is not byte order (every _ci collation,
// PAD SPACE _bin, enums by member number, MariaDB's UUID) are compared as
// CAST(CONVERT(col USING utf8mb4) AS BINARY), which the index cannot
// serve: each range of such a table is sorted by the server. Rows stream
// from the server as the caller reads them; nothing buffers a table.
// Fingerprint is providers.FingerprintRows over ReadRows with the column
// types, bad values counted as NULL.
//
// Snapshot takes FLUSH TABLES WITH READ LOCK for as long as it takes
// SnapshotWorkers connections to START TRANSACTION WITH CONSISTENT
// SNAPSHOT (and to read SHOW MASTER STATUS), then releases it; until the
// snapshot is released, every read of that database uses those
// connections (one snapshot per database at a time). The lock waits at
// most 5 seconds (lock_wait_timeout), as writers queue behind it. Where
// the lock is denied or not had in time, one connection holds the
// snapshot, so reads at it run one at a time, and its position is known
// on MariaDB only (binlog_snapshot_file/position). SnapshotReaders tells
// the plan which of the two a snapshot will be, from the user's
// privileges, without taking the lock.
//
// # Limits
//
// A source only. MySQL 8 itself is not installed on the test machines: its
// spellings are covered by unit tests of the translation, MariaDB 10.11 by
// tests against the real server (and a copy into the real PostgreSQL
// provider, fingerprints equal). Spatial values are read as stored (SRID
// and WKB bytes, Base other); holding them needs PostGIS at the
// destination. Not read: index order (DESC), invisible and ignored
// indexes, table engines and row formats, users and grants, MySQL's NOT
// ENFORCED checks. Change capture from the binary log is not implemented;
// the snapshot's position is reported for it.
package mysql
