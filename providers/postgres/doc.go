// Package postgres is the "postgres" provider: one PostgreSQL database,
// reached by its url through pgx v5, as the source or the destination of
// database moves. Its schemas are the "databases" of the DatabaseStore
// contract: a MySQL database lands in a schema of its name, a SQLite file
// in public, a PostgreSQL schema keeps its name.
//
// As a source it reads the schema from pg_catalog (columns with types,
// defaults, identity and generated columns, collations, comments; primary
// keys, unique constraints, indexes, foreign keys, checks; views,
// triggers, routines, sequences, extensions and partitioning as objects to
// report), reads each key range in primary-key order with one binary COPY
// (SELECT ... ORDER BY key) TO STDOUT inside a REPEATABLE READ
// transaction, decoded a page ahead by a goroutine, fingerprints a whole
// table from one unordered binary COPY without building rows
// (FingerprintColumns), cuts big tables into key ranges by OFFSET probes
// along the primary key (SplitKeys), and exports a snapshot (Snapshot)
// that every later read of that schema shares until released.
//
// As a destination it holds the translation table from the portable types
// to PostgreSQL's (TranslateSchema), creates tables with their primary
// keys first (ApplySchema) and indexes, checks, foreign keys and sequence
// positions after the load (FinishSchema), and loads each key range in one
// transaction: DELETE of the range, then COPY FROM STDIN in binary format
// where the column types allow it, otherwise (or from the first value
// binary cannot carry exactly) in text format.
//
// Limits: views, triggers, routines and extensions are reported, not
// created; enums become text with a check; text keys are ranged in byte
// order (COLLATE "C"); infinite dates and timestamps cannot be read; a
// table without a primary key is read and written whole.
package postgres
