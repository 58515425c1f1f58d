// Package exec carries out a plan's actions: it runs independent actions in
// parallel (bounded), each after the actions it depends on, writes the
// journal's begin before each action and its end after it, hands each
// action to its kind's runner (KindRunner, found through the movers
// registry), and undoes applied actions newest first on rollback, one step
// per progress scope.
//
// The executor knows no kind. What a kind's Apply and Undo get (Run,
// UndoRun) is the machinery every kind shares: typed parameters, the
// environments (checked, on rollback, to still point where the step was
// applied), the progress store and backups, batched progress events, a
// batched record writer, a once-per-run value (Once), the container
// create (CreateContainer, Created, KeepContainer) and a transfer.Caller
// that retries transient failures from the run's budget.
//
// Every kind's handler is written to be re-run: after a crash (kill -9) the
// next run re-reads both sides, trusts the progress store only for items
// recorded as verified, checks half-finished items by content and
// completes them, and never writes an item twice once it was verified. An
// action whose entry a crash left begun is resumed (its event says so) and
// the stale entry is closed.
//
// Limits: one process runs a plan; the journal holds one entry per action,
// not per item.
package exec
