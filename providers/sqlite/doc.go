// Package sqlite is the "sqlite" provider: one SQLite file (its `path`),
// through the pure-Go modernc.org/sqlite driver, as the source or the
// destination of database moves. Its one database is "main".
//
// As a source it reads tables, columns, primary keys (an INTEGER PRIMARY
// KEY is the rowid and counts as an identity column; AUTOINCREMENT and
// sqlite_sequence give its next value), indexes, foreign keys, generated
// columns, WITHOUT ROWID tables, views and triggers. A declared type maps
// to a portable type by SQLite's affinity rules, refined by the common
// names (BOOLEAN, DATE, DATETIME, DECIMAL(p,s), JSON, UUID); a column
// without a declared type is "other" and moves as text. Because SQLite
// stores any value in any column, each value read is converted to its
// column's type, and one with no exact form (a word in an INTEGER column,
// bytes that are not UTF-8 in a TEXT column, a time of day in a DATE
// column, an unparseable date) is a providers.BadValue for the mover's
// on_bad_value policy. Orphans and Duplicates (providers.KeyChecker,
// keycheck.go) count by query the rows breaking a foreign key (SQLite
// checks none unless asked) or repeating a key, with sample primary keys.
//
// As a destination it creates tables with their foreign keys (SQLite
// cannot add them later; foreign_keys is off while loading), indexes
// after the load, and replaces each key range in one transaction
// (BEGIN IMMEDIATE, DELETE, INSERT).
//
// Limits: check constraints of a SQLite source are not read (they live
// only in the CREATE statement), virtual tables are reported, not copied;
// decimals beyond 15 significant digits do not survive SQLite's NUMERIC
// affinity at a SQLite destination.
package sqlite
