package state

import (
	"context"
	"fmt"
	"sync"
)

// Journal is a File shared by concurrent workers: every change is made
// under a mutex and saved before the method returns. That is the
// crash-safety contract: when Begin returns, the entry is on disk, so the
// action may run; when End returns, its outcome is.
type Journal struct {
	mu sync.Mutex
	s  *Store
	f  *File
}

// NewJournal wraps f, which s loaded (or will save for the first time).
// From now on change f only through the Journal.
func NewJournal(s *Store, f *File) *Journal {
	return &Journal{s: s, f: f}
}

// Begin appends a Begun entry (see [File.Begin]), saves the state and
// returns the entry's sequence number. If the save fails the entry is
// removed again and the action must not run.
func (j *Journal) Begin(ctx context.Context, op, address, action, phase string, undo Undo) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	seq := j.f.Begin(op, address, action, phase, undo)
	if err := j.s.Save(ctx, j.f); err != nil {
		j.f.Journal = j.f.Journal[:len(j.f.Journal)-1]
		return 0, fmt.Errorf("state: journal begin %s %s: %w", action, address, err)
	}
	return seq, nil
}

// End records the outcome of entry seq (see [File.End]) and saves the
// state. If the save fails the outcome stays recorded in memory (it is
// true) and a later save writes it; until then the disk says Begun, which
// the next run checks and completes.
func (j *Journal) End(ctx context.Context, seq int, status Status, res Result) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := j.f.Entry(seq)
	if e == nil {
		return fmt.Errorf("state: journal end: no entry %d", seq)
	}
	j.f.End(seq, status, res)
	if err := j.s.Save(ctx, j.f); err != nil {
		return fmt.Errorf("state: journal end %s %s: %w", e.Action, e.Address, err)
	}
	return nil
}

// Update calls fn with the File under the mutex, then saves it. fn must not
// call other Journal methods.
func (j *Journal) Update(ctx context.Context, fn func(f *File)) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	fn(j.f)
	if err := j.s.Save(ctx, j.f); err != nil {
		return fmt.Errorf("state: journal update: %w", err)
	}
	return nil
}

// Snapshot returns a deep copy of the File, taken under the mutex.
func (j *Journal) Snapshot() File {
	j.mu.Lock()
	defer j.mu.Unlock()
	return *j.f.Clone()
}

// File returns the wrapped File itself. It is not safe to use while other
// goroutines call the Journal; use Snapshot then.
func (j *Journal) File() *File { return j.f }
