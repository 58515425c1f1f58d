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
// A provider's test is one call: providertest.Run(t, providertest.Opt{...}).
// Limits: the suite exercises storage, dns and secrets; database and queue
// checks arrive with those movers.
package providertest
