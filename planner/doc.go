// Package planner turns a loaded configuration and what discovery found into
// a Plan: an ordered graph of plain-data actions with estimates, success
// checks and undo descriptions, plus the audit findings that must be fixed or
// acknowledged before anything runs.
//
// The planner decides; providers only list, read and write (package
// providers) and the executor (package planner/exec) only carries actions
// out. The per-item bookkeeping both share — which objects, record sets and
// secrets rehome wrote, and what stood there before — lives in the state's
// progress store under the scope names defined in records.go, so that a plan
// made after a crashed apply knows what is rehome's own.
//
// Ownership rules, which every diff here applies:
//   - an item is rehome's when rehome created it, or replaced a foreign one
//     (overwrite = true) after its backup was durable, and only while it
//     still holds what rehome wrote (objects: the size/time/ETag rehome left;
//     record sets: the set written; secrets: the version and a keyed digest);
//     an identical foreign item rehome left alone stays foreign;
//   - every write is recorded before it is made, with what it writes, and
//     confirmed after it is verified; an unconfirmed write is settled on the
//     next run by what stands there (it landed, or it is someone else's);
//   - scopes include the destination, so a move pointed elsewhere starts
//     with everything there foreign;
//   - foreign items that differ from the source are conflicts (blockers)
//     unless the move says overwrite; rehome's items are updated freely and
//     removed when their source is gone (the copy mirrors the source).
//
// Limits: storage diffs hold one listing entry per object in memory; moves of
// kind database and queue are recognised but not yet planned (they produce a
// blocker finding); the cost report is empty until a price catalog exists.
package planner
