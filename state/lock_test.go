package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "REHOME_STATE_TEST_LOCK_DIR"

// TestHelperProcess is not a test: run as a child process by
// TestLockStaleTakeover, it takes the lock, says so, and waits to be killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return
	}
	l, err := Open(dir).Lock(t.Context(), LockInfo{Operation: "apply", Version: "test"}, 0)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("locked", l.Info().ID)
	time.Sleep(time.Minute) // the parent kills us long before this
	os.Exit(2)
}

func TestLockHeld(t *testing.T) {
	ctx := t.Context()
	s := Open(filepath.Join(t.TempDir(), "st"))
	l, err := s.Lock(ctx, LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if l.TookOver != nil {
		t.Errorf("TookOver = %+v on a fresh directory", l.TookOver)
	}
	id := l.Info().ID
	checkMode(t, filepath.Join(s.Dir(), "state.lock"), 0o600)
	checkMode(t, filepath.Join(s.Dir(), "state.lock.info"), 0o600)

	tests := []struct {
		name    string
		timeout time.Duration
		cancel  time.Duration // cancel the context after this long; 0: never
		minWait time.Duration
	}{
		{"try once", 0, 0, 0},
		{"short timeout", 300 * time.Millisecond, 0, 250 * time.Millisecond},
		{"context canceled", 10 * time.Second, 150 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.cancel)
				defer cancel()
			}
			start := time.Now()
			// A second open of state.lock in this same process conflicts:
			// flock locks belong to the open file description.
			l2, err := s.Lock(ctx, LockInfo{Operation: "plan"}, tt.timeout)
			if err == nil {
				l2.Unlock()
				t.Fatal("second Lock succeeded")
			}
			if waited := time.Since(start); waited < tt.minWait || waited > tt.minWait+3*time.Second {
				t.Errorf("waited %v; want about %v", waited, tt.minWait)
			}
			var le *LockedError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v; want *LockedError", err)
			}
			if tt.cancel > 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v; want it to wrap the context's error", err)
			}
			if le.Info.ID != id || le.Info.PID != os.Getpid() {
				t.Errorf("LockedError.Info = %+v", le.Info)
			}
			for _, want := range []string{id, "apply", l.Info().Who, strconv.Itoa(os.Getpid()), "rehome state unlock " + id, "another rehome is running"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}

	t.Run("waiter gets it on release", func(t *testing.T) {
		go func() {
			time.Sleep(150 * time.Millisecond)
			l.Unlock()
		}()
		l2, err := s.Lock(t.Context(), LockInfo{Operation: "plan"}, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if l2.TookOver != nil {
			t.Errorf("TookOver = %+v after a clean unlock", l2.TookOver)
		}
		if err := l2.Unlock(); err != nil {
			t.Fatal(err)
		}
		if err := l2.Unlock(); err != nil {
			t.Errorf("second Unlock: %v", err)
		}
		checkDir(t, s.Dir(), "state.lock")
	})
}

func TestLockInfoFilled(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		in    LockInfo
		check func(t *testing.T, got LockInfo)
	}{
		{"filled", LockInfo{Operation: "apply", Version: "1.0"}, func(t *testing.T, got LockInfo) {
			if len(got.ID) != 36 || !strings.Contains(got.Who, "@") || got.PID != os.Getpid() || got.Created.IsZero() || got.Operation != "apply" || got.Version != "1.0" {
				t.Errorf("info = %+v", got)
			}
		}},
		{"kept", LockInfo{ID: "my-id", Who: "me@there", PID: 7, Created: created}, func(t *testing.T, got LockInfo) {
			if got.ID != "my-id" || got.Who != "me@there" || got.PID != 7 || !got.Created.Equal(created) {
				t.Errorf("info = %+v", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t.TempDir())
			l, err := s.Lock(t.Context(), tt.in, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Unlock()
			tt.check(t, l.Info())
			onDisk, held, err := s.LockHolder(t.Context())
			if err != nil || onDisk == nil || !held {
				t.Fatalf("LockHolder = %v, %v, %v", onDisk, held, err)
			}
			tt.check(t, *onDisk)
		})
	}
}

// TestLockStaleTakeover kills a lock holder with SIGKILL and checks that
// the next Lock takes over, reporting the dead holder.
func TestLockStaleTakeover(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := Open(dir)

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v", line, err)
	}
	childID := strings.TrimSpace(strings.TrimPrefix(line, "locked "))
	childPID := cmd.Process.Pid

	_, err = s.Lock(ctx, LockInfo{Operation: "apply"}, 0)
	var le *LockedError
	if !errors.As(err, &le) || le.Info.PID != childPID || le.Info.ID != childID {
		t.Errorf("Lock while the child holds it: %v", err)
	}
	if err := s.ForceUnlock(ctx, childID); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("held by a running process (pid %d)", childPID)) {
		t.Errorf("ForceUnlock of a live lock: %v", err)
	}
	if info, held, err := s.LockHolder(ctx); err != nil || !held || info == nil || info.PID != childPID {
		t.Errorf("LockHolder while the child holds it = %+v, %v, %v", info, held, err)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // killed: the error is expected

	if info, held, err := s.LockHolder(ctx); err != nil || held || info == nil || info.ID != childID {
		t.Errorf("LockHolder after kill = %+v, %v, %v; want stale info", info, held, err)
	}
	l, err := s.Lock(ctx, LockInfo{Operation: "rollback"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if l.TookOver == nil || l.TookOver.PID != childPID || l.TookOver.ID != childID || l.TookOver.Operation != "apply" {
		t.Errorf("TookOver = %+v; want the killed child's lock", l.TookOver)
	}
}

func TestForceUnlock(t *testing.T) {
	stale := LockInfo{ID: "stale-id", Operation: "apply", Who: "x@y", PID: 999999, Created: time.Now().UTC()}
	writeInfo := func(t *testing.T, s *Store, info LockInfo) {
		t.Helper()
		data, _ := json.Marshal(info)
		if err := os.WriteFile(filepath.Join(s.Dir(), "state.lock.info"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, s *Store) (id string, cleanup func())
		wantErr string // "" for success
		is      error
	}{
		{
			name:    "not locked",
			prepare: func(t *testing.T, s *Store) (string, func()) { return "any", func() {} },
			wantErr: "not locked",
			is:      ErrNotLocked,
		},
		{
			name: "wrong id",
			prepare: func(t *testing.T, s *Store) (string, func()) {
				writeInfo(t, s, stale)
				return "other-id", func() {}
			},
			wantErr: `the lock's ID is "stale-id"`,
		},
		{
			name: "held in this process",
			prepare: func(t *testing.T, s *Store) (string, func()) {
				l, err := s.Lock(t.Context(), LockInfo{Operation: "apply"}, 0)
				if err != nil {
					t.Fatal(err)
				}
				return l.Info().ID, func() { l.Unlock() }
			},
			wantErr: fmt.Sprintf("lock is held by a running process (pid %d); not breaking it", os.Getpid()),
		},
		{
			name: "stale",
			prepare: func(t *testing.T, s *Store) (string, func()) {
				l, err := s.Lock(t.Context(), LockInfo{}, 0) // creates state.lock
				if err != nil {
					t.Fatal(err)
				}
				l.Unlock()
				writeInfo(t, s, stale)
				return "stale-id", func() {}
			},
		},
		{
			name: "stale without a lock file",
			prepare: func(t *testing.T, s *Store) (string, func()) {
				writeInfo(t, s, stale)
				return "stale-id", func() {}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Open(t.TempDir())
			id, cleanup := tt.prepare(t, s)
			defer cleanup()
			err := s.ForceUnlock(t.Context(), id)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if info, held, err := s.LockHolder(t.Context()); info != nil || held || err != nil {
					t.Errorf("LockHolder after ForceUnlock = %+v, %v, %v", info, held, err)
				}
				l, err := s.Lock(t.Context(), LockInfo{}, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Unlock()
				if l.TookOver != nil {
					t.Errorf("TookOver = %+v after ForceUnlock", l.TookOver)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want it to say %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v; want errors.Is %v", err, tt.is)
			}
		})
	}
}

func TestLockTakesOverStaleInfo(t *testing.T) {
	s := Open(t.TempDir())
	if err := os.WriteFile(filepath.Join(s.Dir(), "state.lock.info"), []byte(`{"id":"old","operation":"cutover","pid":4242}`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := s.Lock(t.Context(), LockInfo{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if l.TookOver == nil || l.TookOver.ID != "old" || l.TookOver.PID != 4242 || l.TookOver.Operation != "cutover" {
		t.Errorf("TookOver = %+v", l.TookOver)
	}
}
