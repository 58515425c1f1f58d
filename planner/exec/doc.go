// Package exec carries out a plan's actions: it runs independent actions in
// parallel (bounded), writes the journal's begin before each action and its
// end after it, keeps per-item progress and pre-images in the state's
// progress store, and undoes applied actions newest first on rollback.
//
// Every handler is written to be re-run: after a crash (kill -9) the next
// run re-reads both sides, trusts the progress store only for items it
// recorded as verified, checks half-finished items by content and completes
// them, and never writes an item twice once it was verified.
//
// Limits: the executor holds one storage diff (one entry per object) in
// memory per running copy; source drift since planning is copied as found,
// but destination items that changed since the plan and are not rehome's
// are never overwritten (the action fails naming them).
package exec
