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
// A provider's test is one call: providertest.Run(t, providertest.Opt{...}).
// Limits: the suite exercises storage, dns and secrets; database and queue
// checks arrive with those movers.
package providertest
