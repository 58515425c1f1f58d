// Package providertest is the conformance suite every provider passes. It
// drives a provider through the real planner, executor and state — the same
// path `rehome plan/apply/rollback` takes — with the local provider on the
// other side, and checks the contract that makes migrations safe:
//
//   - apply, then a new plan has no prepare-phase changes;
//   - what arrived equals what was sent (objects byte for byte, record sets,
//     secret values);
//   - apply, rollback, discover gives back the original inventory, and what
//     stood at the destination before (including items rehome overwrote)
//     is restored;
//   - the source is never changed.
//
// Before those, for each kind the provider can be the destination of, the
// contract checks call the provider directly for what the movers rely on:
// the sentinel errors (ErrNotFound for a missing bucket, key, zone or
// secret; ErrExists for an existing bucket or zone; ErrNotEmpty for a
// bucket with objects), listings in byte order of the keys, puts that
// replace atomically (a body that breaks off leaves the previous object
// whole, or nothing), conditional puts that write nothing when the key is
// taken, and record-set updates refused when they name a stale set.
//
// For a database provider (Opt.Database gives fresh databases on its
// test server and runs SQL in them), the contract checks read a seeded
// fixture: ErrNotFound for a missing database or table, ErrExists for an
// existing database, ReadRows in KeyRange order (numbers by value: 9, 10,
// 100; text in byte order: 'B' < 'a' < 'ab' < 'b'; decimal keys), ranges
// bounded exactly, fingerprints equal to SQLite's for the same rows, and,
// at a destination, WriteRows replacing a range exactly and atomically (a
// stream that breaks off leaves it as it was). Then the fixture moves
// into the provider from a SQLite file and out of it into one: apply, a
// re-plan with no prepare-phase changes, equal fingerprints, rollback
// giving back the destination (a table that stood there untouched), the
// source unchanged. Opt.Database.KnownBugs skips named sub-checks with the
// bug's text until its fix lands.
//
// A provider's test is one call: providertest.Run(t, providertest.Opt{...}).
// Limits: the suite exercises storage, dns, secrets and databases; queue
// checks arrive with that mover; the database part does not run a
// cutover.
package providertest
