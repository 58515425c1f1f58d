package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"sync"
	"syscall"
	"time"
)

// lockPoll is how often Lock retries a held lock.
const lockPoll = 100 * time.Millisecond

// Lock is a held state lock. Release it with Unlock; if the process dies
// instead, the OS releases it and the next Lock takes it over.
type Lock struct {
	// TookOver is the info of a previous holder that died without
	// unlocking, whose lock this one replaced; nil if there was none.
	TookOver *LockInfo

	mu       sync.Mutex
	f        *os.File // nil once unlocked
	info     LockInfo
	infoPath string
}

// Lock takes the state lock for one operation: an exclusive flock on
// <dir>/state.lock, held until Unlock or process exit, with the holder's
// info written to <dir>/state.lock.info. Empty ID, Who, PID and Created in
// info are filled in. If another live process holds the lock, Lock retries
// every 100ms until timeout has passed (0 tries once) and then returns a
// *[LockedError]; it stops early, with ctx's error, when ctx is done.
func (s *Store) Lock(ctx context.Context, info LockInfo, timeout time.Duration) (*Lock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return nil, fmt.Errorf("state: lock: create %s: %w", s.dir, err)
	}
	p := s.path(lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("state: lock: open %s: %w", p, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ok, err := tryFlock(f, syscall.LOCK_EX)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("state: lock %s: %w", p, err)
		}
		if ok {
			break
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			f.Close()
			return nil, s.lockedError()
		}
		t := time.NewTimer(min(wait, lockPoll))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("state: wait for lock: %w", errors.Join(ctx.Err(), s.lockedError()))
		case <-t.C:
		}
	}

	infoPath := s.path(lockInfoName)
	l := &Lock{f: f, info: fillLockInfo(info), infoPath: infoPath}
	prev, err := readLockInfo(infoPath)
	switch {
	case err == nil:
		l.TookOver = &prev // its holder died without unlocking
	case !errors.Is(err, fs.ErrNotExist):
		f.Close()
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	data, err := json.MarshalIndent(l.info, "", "  ")
	if err == nil {
		err = writeAtomic(ctx, infoPath, bytes.NewReader(append(data, '\n')), nil)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	return l, nil
}

// Info returns the holder's info as written to the info file.
func (l *Lock) Info() LockInfo { return l.info }

// Unlock removes the info file and releases the lock. Calling it again does
// nothing.
func (l *Lock) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	var errs []error
	if err := os.Remove(l.infoPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("state: unlock: %w", err))
	}
	if err := flock(l.f, syscall.LOCK_UN); err != nil {
		errs = append(errs, fmt.Errorf("state: unlock %s: %w", l.f.Name(), err))
	}
	if err := l.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("state: unlock: close %s: %w", l.f.Name(), err))
	}
	l.f = nil
	return errors.Join(errs...)
}

// LockHolder returns the info of the lock's holder, nil if there is no
// info file, and whether a live process holds the lock now. Info without a
// live holder is stale: the next Lock takes it over.
func (s *Store) LockHolder(ctx context.Context) (*LockInfo, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	var info *LockInfo
	i, err := readLockInfo(s.path(lockInfoName))
	switch {
	case err == nil:
		info = &i
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, false, fmt.Errorf("state: lock holder: %w", err)
	}
	held, err := s.lockHeld(syscall.LOCK_SH, func() error { return nil })
	if err != nil {
		return nil, false, fmt.Errorf("state: lock holder: %w", err)
	}
	return info, held, nil
}

// ForceUnlock breaks a stale lock: it removes the info file if it names
// lock id and no live process holds the lock. It refuses to break a lock
// a running process holds.
func (s *Store) ForceUnlock(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	infoPath := s.path(lockInfoName)
	check := func() (LockInfo, error) {
		info, err := readLockInfo(infoPath)
		if errors.Is(err, fs.ErrNotExist) {
			return info, fmt.Errorf("state: unlock %s: %w", id, ErrNotLocked)
		}
		if err != nil {
			return info, fmt.Errorf("state: unlock %s: %w", id, err)
		}
		if info.ID != id {
			return info, fmt.Errorf("state: unlock %s: the lock's ID is %q, not %q", id, info.ID, id)
		}
		return info, nil
	}
	info, err := check()
	if err != nil {
		return err
	}
	held, err := s.lockHeld(syscall.LOCK_EX, func() error {
		// Holding the flock: nobody can take the lock meanwhile. Check
		// again in case it changed hands since the first read.
		if _, err := check(); err != nil {
			return err
		}
		if err := os.Remove(infoPath); err != nil {
			return fmt.Errorf("state: unlock %s: %w", id, err)
		}
		return syncDir(s.dir)
	})
	if err != nil {
		return err
	}
	if held {
		return fmt.Errorf("state: unlock %s: lock is held by a running process (pid %d); not breaking it", id, info.PID)
	}
	return nil
}

// lockHeld tries to take the flock (how: LOCK_SH or LOCK_EX) once. If
// another process holds it, it reports true; otherwise it runs fn while
// holding it, releases it, and returns fn's error.
func (s *Store) lockHeld(how int, fn func() error) (bool, error) {
	p := s.path(lockName)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, fn()
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	ok, err := tryFlock(f, how)
	if err != nil {
		return false, fmt.Errorf("flock %s: %w", p, err)
	}
	if !ok {
		return true, nil
	}
	return false, fn()
}

// lockedError describes the current holder of a lock this process could
// not take.
func (s *Store) lockedError() error {
	info, _ := readLockInfo(s.path(lockInfoName)) // partial or empty is fine
	return &LockedError{Info: info, Path: s.path(lockName)}
}

// readLockInfo reads a lock info file. A damaged file gives what could be
// decoded (possibly nothing), not an error: it is only shown to people.
func readLockInfo(path string) (LockInfo, error) {
	var info LockInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	_ = json.Unmarshal(data, &info)
	return info, nil
}

func fillLockInfo(info LockInfo) LockInfo {
	if info.ID == "" {
		info.ID = newID()
	}
	if info.Who == "" {
		info.Who = whoAmI()
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Created.IsZero() {
		info.Created = time.Now().UTC()
	}
	return info
}

// whoAmI returns user@host, as well as it can tell.
func whoAmI() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = fmt.Sprintf("uid%d", os.Getuid())
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return name + "@" + host
}

// tryFlock takes a flock without blocking and reports whether it got it.
// flock locks belong to the open file description: another open of the
// same file conflicts even within one process.
func tryFlock(f *os.File, how int) (bool, error) {
	err := flock(f, how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}
