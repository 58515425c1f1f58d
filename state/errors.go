package state

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotLocked is returned by [Store.ForceUnlock] when there is no lock to
// break.
var ErrNotLocked = errors.New("state is not locked")

// UnusableError says a state file exists but cannot be read: it is not
// JSON, or not a state document rehome understands.
type UnusableError struct {
	Path string
	Err  error
}

func (e *UnusableError) Error() string {
	return fmt.Sprintf("state: %s is unusable: %v", e.Path, e.Err)
}

func (e *UnusableError) Unwrap() error { return e.Err }

// VersionError says the state file was written by a newer rehome, in a
// format version this one does not support.
type VersionError struct {
	Path      string
	Version   int
	Supported int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("state: %s has format version %d, newer than the %d this rehome supports; upgrade rehome",
		e.Path, e.Version, e.Supported)
}

// LineageError refuses to save a File over a state of another lineage: the
// two documents describe different migrations (or a re-initialised one) and
// must not be mixed.
type LineageError struct {
	Path        string
	DiskLineage string
	FileLineage string
}

func (e *LineageError) Error() string {
	return fmt.Sprintf("state: refusing to save state of lineage %s over %s, which has lineage %s: they are different states",
		e.FileLineage, e.Path, e.DiskLineage)
}

// StaleError refuses to save a File older than the one on disk: someone
// saved the state since this File was loaded.
type StaleError struct {
	Path       string
	DiskSerial uint64
	FileSerial uint64
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("state: refusing to save state serial %d over %s, which is at serial %d: it changed since it was loaded",
		e.FileSerial, e.Path, e.DiskSerial)
}

// LockedError says another live process holds the state lock. Info is read
// from the lock's info file and may be partial (or empty) if the holder has
// not written it yet.
type LockedError struct {
	Info LockInfo
	Path string
}

func (e *LockedError) Error() string {
	i := e.Info
	if i.ID == "" {
		return fmt.Sprintf("state: %s is locked by another process that left no lock info; another rehome may be running", e.Path)
	}
	return fmt.Sprintf("state: %s is locked: lock %s, operation %q, by %s (pid %d) since %s; another rehome is running "+
		"(the lock is held by a live process and released when it exits): wait for it, or stop it; "+
		"`rehome state unlock %s` only clears lock info a process that is gone left behind",
		e.Path, i.ID, i.Operation, i.Who, i.PID, i.Created.Format(time.RFC3339), i.ID)
}
