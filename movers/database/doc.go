// Package database is the `move "database"` kind: it moves databases from a
// PostgreSQL, MySQL/MariaDB or SQLite source into PostgreSQL or SQLite.
//
// The plan reads each source database's schema, selects its tables
// (include/exclude), shows every column's translation on its table's
// create action (the destination's SchemaTranslator holds the translation
// table), and reports as audit findings what is not moved exactly: views,
// triggers, routines and other schema objects (blockers naming each, until
// acknowledged), lossy types, case-insensitive unique indexes, tables
// without a primary key, destination tables rehome did not create
// (blockers unless overwrite = true), and, from a scan of each table of up
// to 200,000 rows, the values with no exact form at the destination per
// column with sample keys (the plan-time data-quality report).
//
// Apply creates the destination schema and tables without secondary
// indexes or foreign keys, copies tables in parallel (a table of 50,000
// rows or more is first cut into as many key ranges as there are workers,
// where the source can split it), each in primary-key chunks of 100,000
// rows written in one transaction and recorded in the state's progress
// store, so an interrupted apply resumes at the first unfinished chunk; values with no exact form follow on_bad_value (fail,
// null, skip_row) and are counted in the data-quality report. It then adds
// the indexes, checks, foreign keys and sequence positions, and validates
// every table: row counts and an order-independent checksum over the
// canonical form of each row (providers.FingerprintRows), the source read
// at one snapshot where the engine has one (both sides at once; through
// the engine's own FingerprintColumns where it has one: the destination
// always, the source when its copy met no bad value); a mismatch fails
// the apply.
// Rollback drops the tables and schemas rehome created, never one that
// was there before.
//
// Limits: tables without a primary key are copied whole in
// one transaction; the cutover does not yet re-copy tables changed since
// the apply; views, triggers and routines are reported, not translated;
// the plan-time scan does not look for duplicates against unique keys or
// orphans of foreign keys (FinishSchema fails on them, naming the
// constraint).
package database
