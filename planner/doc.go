// Package planner turns a loaded configuration and what discovery found into
// a Plan: an ordered graph of plain-data actions with estimates, success
// checks and undo descriptions, plus the audit findings that must be fixed or
// acknowledged before anything runs.
//
// The planner knows no kind of move. Build hands each move block to its
// kind's planner (KindPlanner, found through the Kinds the caller passes:
// the movers registry), which adds actions and findings through a
// MoveContext; the planner then applies what is common to every kind:
// acknowledgements, collisions between moves writing one destination
// resource (Action.Moves), the scan of application code for references
// to moved resources, -target selection and the summary. An action is
// plain data read alike for every kind (address, verb, phase, estimate in
// the kind's unit, progress scope, cutover coverage); only its kind reads
// its typed Params.
//
// The providers only list, read and write (package providers); the
// executor (package planner/exec) only carries actions out; the movers
// (movers/...) decide what each kind's actions are and how each is done
// and undone, and keep their per-item records — which items rehome wrote
// and what stood there before — in the state's progress store
// (ProgressReader, LoadRecords).
//
// Ownership, which every mover applies to its items in its diff, its
// apply and its undo through one rule per kind:
//   - an item is rehome's when rehome created it, or replaced a foreign one
//     (overwrite = true) after its backup was durable, and only while it
//     still holds what rehome wrote; an identical foreign item rehome left
//     alone stays foreign;
//   - every write is recorded before it is made, with what it writes, and
//     confirmed after it is verified; an unconfirmed write is settled on the
//     next run by what stands there (it landed, or it is someone else's);
//   - scopes include the destination, so a move pointed elsewhere starts
//     with everything there foreign;
//   - foreign items that differ from the source are conflicts (blockers)
//     unless the move says overwrite; rehome's items are updated freely and
//     removed when their source is gone (the copy mirrors the source).
//
// The cost report (cost.go) prices what the source environments hold,
// moved or left behind, through package cost.
package planner
