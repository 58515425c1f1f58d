// Package database is the `move "database"` kind: it moves databases from a
// PostgreSQL, MySQL/MariaDB or SQLite source into PostgreSQL or SQLite.
//
// The plan reads each source database's schema, selects its tables
// (include/exclude), shows every column's translation on its table's
// create action (the destination's SchemaTranslator holds the translation
// table), lists the schema objects the destination creates exactly (from
// PostgreSQL into PostgreSQL: extensions, enum types, sequences, routines,
// views, materialized views, triggers; providers.ObjectCreator) in the
// changes of a types action before the tables and an objects action after
// the copy, and reports as audit findings what is not moved exactly:
// every other view, trigger, routine, event and schema object (a blocker
// naming each, why, and its source definition to port by hand, until
// acknowledged; one of the same name at the destination that rehome did
// not create is a blocker too), lossy types, case-insensitive unique
// indexes, tables without a primary key, destination tables rehome did not create
// (blockers unless overwrite = true), and, from a scan of each table of up
// to 200,000 rows, the values with no exact form at the destination per
// column with sample keys (the plan-time data-quality report). The report
// also counts, with sample keys, the rows that repeat a key of a unique
// index the destination will create and the orphan rows of its foreign
// keys (keys.go): between tables of up to 200,000 rows from the scan,
// comparing the translated values; for a bigger table, and a foreign key
// to one, by query at the source (providers.KeyChecker: GROUP BY over
// each unique key but the primary key, which the source enforces itself;
// NOT EXISTS against the referenced table for each foreign key), said so
// in the finding and in the table's database.not_scanned note. Where the
// destination can create the server itself (providers.DatabaseServer: a
// DigitalOcean managed cluster), the move's first action is the server's
// create, which apply waits on until the server is online and rollback
// undoes only when rehome created it (server.go).
//
// Apply creates the destination schema and tables without secondary
// indexes or foreign keys, copies tables in parallel (a table of 50,000
// rows or more is first cut into as many key ranges as there are workers,
// where the source can split it), each in primary-key chunks of 100,000
// rows written in one transaction (passed through without building rows
// where the source engine copies into its own kind with the same column
// types: providers.RangeCopier) and recorded in the state's progress
// store, so an interrupted apply resumes at the first unfinished chunk;
// every 10 seconds it prints a line per table in flight (rows of the
// estimate, bytes, rate, time left); values with no exact form follow on_bad_value (fail,
// null, skip_row) and are counted in the data-quality report. It then adds
// the primary keys (a PostgreSQL destination builds them after the load,
// so the load maintains no index: each range's first chunk clears what an
// interrupted run left in it, the later ones need no clearing), indexes,
// checks, foreign keys and sequence positions, and, at the same time
// (nothing added changes a row; a PostgreSQL key is built as an index
// under a SHARE lock, which lets reads through, then taken over as the
// constraint), validates every table:
// row counts and an order-independent checksum over the canonical form of
// each row (providers.FingerprintRows). The source side is taken by the
// copy itself, from the rows it read at the snapshot (after the value
// policy), summed per chunk in the progress records, so the source is
// read once; the destination is read back after the load (through its
// engine's FingerprintColumns where it has one; whole tables, as their
// keys' indexes are still being built, and at a cutover in the copy's key
// ranges at once). A range recorded by a
// rehome that summed nothing has its table's source read again. A table
// whose every range was passed through (providers.RangeCopier) also
// carries the copy's sum of its rows in the destination engine's own
// hash functions (providers.NativeSum): the destination then sums the
// rows it holds on its server (providers.NativeSummer, one scan, no rows
// sent back), and only when that sum differs, or cannot be taken, are
// the rows read back as above, which decides and finds a sample key; the
// table's line says "destination hashed on its server". A
// mismatch fails the apply.
// Under the validation table, the destination's integrity check
// (providers.IntegrityChecker): its foreign keys hold and its sequences
// are ahead of their columns; a failure fails the apply too, except
// orphans at a destination that does not enforce foreign keys (SQLite),
// which arrive as the source held them and are listed.
// The objects the tables need (extensions, enum types, sequences,
// routines a default or check calls) are created before the tables, the
// rest after the copy, so no trigger fires during it; sequence positions
// are read from the source again then; each object is recorded when
// created and checked afterwards (a line under the validation table).
//
// The validation records each table's source fingerprint (rows and
// checksum, no values) in the progress store; a mismatch names the table
// and a sample key whose row differs.
//
// The cutover (`rehome cutover`, after the user has stopped writes at
// the source: the plan's cutover step says so) fingerprints every source
// table again at one snapshot, re-copies wholesale in key ranges the
// tables whose fingerprint differs from the recorded one (at a
// destination that checks foreign keys, those on or to them are dropped
// first and added back after), creates and copies tables new at the
// source, keeps at the destination a table gone from the source (a
// warning), resets the sequences and validates every table again. A
// re-copied table is recorded, so an interrupted cutover resumes without
// copying it again (and inside a table, at its next key range). The plan
// after an apply lists the tables changed since, by fingerprint, for
// tables the plan-time scan may read (up to 200,000 rows); bigger ones
// are checked at the cutover.
//
// Rollback drops the objects, tables and schemas rehome created (in the
// apply or the cutover), newest first, never one that was there before
// (an object something else still needs is kept, with a note).
//
// Limits: tables without a primary key are copied whole in
// one transaction; the cutover needs writes stopped at the source (no
// change capture yet) and does not follow schema changes made at the
// source since the plan. The key checks by query read whole tables on
// the source server (a GROUP BY per unique key, and for each foreign key
// a probe of the referenced key's index per row), which costs time and
// I/O there, so the plan runs them only for tables over the scan limit;
// they compare values as the source does, so a duplicate the translation
// makes by merging values the source keeps apart (SQLite's 1 and '1' in
// a column without a type, one text at the destination) or an orphan a
// case-insensitive source comparison hides is found only by the scan of
// small tables; in a big table FinishSchema fails on it after the copy,
// naming the constraint (as on every key of a big table when the source
// is no KeyChecker). Values with no exact form in a big table are
// counted at plan time by query where the source can (MySQL and MariaDB:
// providers.BadValueCounter); elsewhere the copy applies on_bad_value and
// reports them. The scan reads at most the scan limit's rows through Go: a
// table whose estimate was low is then checked as a big one.
//
// Limits of the schema objects: they are translated only from PostgreSQL
// into PostgreSQL (MySQL and SQLite views, triggers, routines and events
// are reported); an object created just before a crash, not yet recorded,
// is kept by rollback.
package database
