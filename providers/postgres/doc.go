// Package postgres is the "postgres" provider: one PostgreSQL database,
// reached by its url through pgx v5, as the source or the destination of
// database moves. Its schemas are the "databases" of the DatabaseStore
// contract: a MySQL database lands in a schema of its name, a SQLite file
// in public, a PostgreSQL schema keeps its name.
//
// As a source it reads the schema from pg_catalog (columns with types,
// defaults, identity and generated columns, collations, comments; primary
// keys, unique constraints, indexes, foreign keys, checks; and as objects
// the schema's enum types, the extensions it uses, its sequences of their
// own with their positions, routines, views, materialized views with
// their indexes, triggers and partitioning, each with what it depends on
// from pg_depend, in an order that creates each after what it needs),
// all under a search_path of the schema alone, so that definitions name
// the schema's own objects unqualified and other schemas' qualified. It
// reads each key range in primary-key order with one binary COPY (SELECT
// ... ORDER BY key) TO STDOUT inside a REPEATABLE READ transaction,
// decoded a page ahead by a goroutine, fingerprints a whole table from one
// unordered binary COPY without building rows (FingerprintColumns), cuts
// big tables into key ranges by OFFSET probes along the primary key
// (SplitKeys), and exports a snapshot (Snapshot) that every later read of
// that schema shares until released. Orphans and Duplicates
// (providers.KeyChecker, keycheck.go) count by query, at that snapshot,
// the rows of a table breaking a foreign key (NOT VALID ones let them in)
// or repeating a key, with sample primary keys, for the plan's report on
// tables too large to read at plan time.
//
// Into another PostgreSQL database whose table has the same columns of
// the same types, CopyRange (providers.RangeCopier) passes the source's
// binary COPY tuples to the destination's binary COPY as they are,
// fingerprinting each on the way (numeric, uuid, json, jsonb, enum and
// time fields through their text form, binarytext.go), in chunks of one
// transaction each: no row is decoded or encoded. Domains, arrays and the
// other types baseOf does not know take the row path. When every column
// is of a type pghash.go knows (integers, bool, floats, text, varchar,
// char, uuid, date, time, timestamp, timestamptz; numeric, json, jsonb
// and enums as their text, bytea as its md5; not arrays, inet or the
// other types), each
// chunk also carries its rows' native sum: the
// XOR per row of PostgreSQL's own extended hash functions of its fields,
// emulated in Go from the binary fields, summed exactly; NativeSum
// (providers.NativeSummer) takes the same sum on the destination's server
// in one query (UTF-8 databases only). Tests check the emulation value
// by value against the server.
//
// As a destination it holds the translation table from the portable types
// to PostgreSQL's (TranslateSchema), creates tables with their primary
// keys first (ApplySchema) and indexes, checks, foreign keys and sequence
// positions after the load (FinishSchema), both under the target schema's
// search_path (the primary keys too when the load is deferred: a table
// loads with no index), and loads each key range in one transaction, with the
// table's user triggers disabled inside it (none fires for copied rows):
// DELETE of the range, then COPY FROM STDIN in binary format where the
// column types allow it, otherwise (or from the first value binary cannot
// carry exactly) in text format. After the load CheckIntegrity
// (providers.IntegrityChecker) checks that the foreign keys hold and the
// sequences are ahead of their columns. From a PostgreSQL source it
// creates the schema objects it can exactly (PlanObjects, CreateObject,
// DropObject, SetSequence; testdata/objects.golden): extensions the
// server offers (pg_available_extensions; one installed already is used,
// not claimed), enum types with their labels in order (columns use them),
// sequences of their own, SQL and PL/pgSQL routines (bodies unchecked at
// creation, as pg_restore does), views, materialized views and triggers;
// each runs as the source's definition under the target's search_path,
// so a target schema of another name holds them exactly.
//
// Limits: an object is not created (PlanObjects says why) when it is of
// another language (C, internal), references a schema the move does not
// create, needs an object or table that is not created, or, moved into a
// schema of another name, names its own schema in its text (a routine
// body, SET search_path): SQL text is never rewritten. Routine bodies are
// not parsed, so a body naming another schema is created as it is.
// Domains, composite and range types, aggregates, rules, policies,
// privileges, owners and comments on objects other than tables and
// columns are not moved. Enums from MySQL or SQLite become text with a
// check; text keys are ranged in byte order (COLLATE "C"); infinite dates
// and timestamps cannot be read; a table without a primary key is read
// and written whole.
package postgres
