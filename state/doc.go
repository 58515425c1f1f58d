// Package state keeps what rehome knows between runs, in a local directory
// (by default .rehome/state):
//
//   - state.json: the versioned state document ([File]) with the resources
//     rehome created or changed and the journal of every action it ran.
//     [Store.Save] writes it atomically (temp file, fsync, rename, fsync of
//     the directory) and keeps the previous version as state.json.backup.
//     Serial goes up on every save; Lineage says whether two serials can be
//     compared, and a File of another lineage is never saved over this one.
//   - state.lock and state.lock.info: the operation lock ([Store.Lock]). It
//     is an OS file lock (flock), so a holder killed with kill -9 never
//     blocks the next run; the info file says who holds it.
//   - progress.db: per-item progress of large copies ([Progress]), an
//     embedded transactional store (bbolt), so a million-object copy does
//     not rewrite state.json once per object.
//   - backups/: what rehome overwrote at a destination, kept for rollback
//     ([Store.WriteBackup]).
//
// Files are created 0600 and directories 0700. Secret values are never
// stored, only versions or digests: that is the callers' duty, since this
// package stores what it is given.
//
// Journal: an action's begin is on disk before the action runs and its end
// after it ([Journal.Begin], [Journal.End]); an entry left Begun after a
// crash is checked and completed on the next run, never blindly redone or
// skipped.
//
// Limits: one machine, one process at a time (the lock enforces this);
// Linux and macOS only (flock). The whole document is rewritten on every
// save, so the journal should hold one entry per action, not per item.
// A PostgreSQL backend for teams is planned, not built.
package state
