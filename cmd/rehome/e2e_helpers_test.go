package main_test

// Helpers of the end-to-end tests (e2e_test.go): they build the rehome
// binary once, run it with a clean environment and compare directory trees.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	// rehomeBin is the binary under test, built by TestMain.
	rehomeBin string
	// sharedDir holds the binary, HOME and the shared read-only big source.
	sharedDir string
)

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rehome-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedDir = dir
	if err := os.Mkdir(filepath.Join(dir, "home"), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// `go test` puts the toolchain's bin directory first in PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: no go command in PATH:", err)
		return 1
	}
	rehomeBin = filepath.Join(dir, "rehome")
	build := exec.Command(goTool, "build", "-o", rehomeBin, ".")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// runResult is what one rehome invocation printed and its exit code.
type runResult struct {
	Stdout, Stderr string
	Code           int
}

func (r runResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// runOpts are the less common knobs of a run.
type runOpts struct {
	Env   []string  // extra KEY=VALUE entries
	Stdin io.Reader // nil: /dev/null (not a terminal)
}

// cleanEnv is the whole environment of a rehome run: no AWS_*, no user
// configuration, no colour.
func cleanEnv(extra []string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(sharedDir, "home"), "NO_COLOR=1"}
	return append(env, extra...)
}

// runRehome runs the binary in dir and returns what it printed.
func runRehome(t *testing.T, dir string, args ...string) runResult {
	t.Helper()
	return runRehomeOpts(t, dir, runOpts{}, args...)
}

func runRehomeOpts(t *testing.T, dir string, o runOpts, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, rehomeBin, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(o.Env)
	cmd.Stdin = o.Stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("rehome %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("rehome %s: timed out\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout.String(), stderr.String())
	}
	r := runResult{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
	t.Logf("$ rehome %s  → exit %d", strings.Join(args, " "), r.Code)
	return r
}

// mustRun runs rehome and fails the test unless it exits with want.
func mustRun(t *testing.T, dir string, want int, args ...string) runResult {
	t.Helper()
	r := runRehome(t, dir, args...)
	if r.Code != want {
		t.Fatalf("rehome %s: want exit %d, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

// bgRun is a rehome process running in the background.
type bgRun struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer // read only after done is closed
	done           chan struct{}
}

func startRehome(t *testing.T, dir string, args ...string) *bgRun {
	t.Helper()
	b := &bgRun{done: make(chan struct{})}
	b.cmd = exec.Command(rehomeBin, args...)
	b.cmd.Dir = dir
	b.cmd.Env = cleanEnv(nil)
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start rehome %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("$ rehome %s &  (pid %d)", strings.Join(args, " "), b.cmd.Process.Pid)
	go func() {
		_ = b.cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			_ = b.cmd.Process.Kill() // also ends a stopped process
			<-b.done
		}
	})
	return b
}

func (b *bgRun) pid() int { return b.cmd.Process.Pid }

func (b *bgRun) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

func (b *bgRun) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := b.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v to pid %d: %v", sig, b.pid(), err)
	}
}

// wait waits for the process to end and returns its result; Code is -1
// when a signal killed it.
func (b *bgRun) wait(t *testing.T, timeout time.Duration) runResult {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(timeout):
		_ = b.cmd.Process.Kill()
		<-b.done
		t.Fatalf("background rehome did not finish within %v\nstdout:\n%s\nstderr:\n%s", timeout, b.stdout.String(), b.stderr.String())
	}
	return runResult{Stdout: b.stdout.String(), Stderr: b.stderr.String(), Code: b.cmd.ProcessState.ExitCode()}
}

// waitForFiles polls until dir holds at least n regular files, and returns
// how many it saw. It fails if the process ends first.
func waitForFiles(t *testing.T, b *bgRun, dir string, n int, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if c := countFiles(dir); c >= n {
			return c
		}
		if b.exited() {
			r := b.wait(t, time.Second)
			t.Fatalf("rehome ended before %d files were at %s (%d were): %s", n, dir, countFiles(dir), r)
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d files at %s after %v (%d)", n, dir, timeout, countFiles(dir))
		}
		time.Sleep(time.Millisecond)
	}
}

// waitForPath polls until path exists.
func waitForPath(t *testing.T, b *bgRun, path string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if b.exited() {
			r := b.wait(t, time.Second)
			t.Fatalf("rehome ended before %s appeared: %s", path, r)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", path, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// countFiles counts the regular files below root (0 if it is missing).
// It tolerates a tree that changes while it walks.
func countFiles(root string) int {
	n := 0
	_ = filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

// listFiles returns the slash-separated paths of the regular files and of
// every other non-directory entry below root, sorted.
func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipAll
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	sort.Strings(out)
	return out
}

// writeFiles writes files (slash-separated path → content) below root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// copyTree copies src to dst (regular files and folders, with their modes
// and modification times), leaving out the top-level entries in skip.
func copyTree(t *testing.T, src, dst string, skip ...string) {
	t.Helper()
	type dirTime struct {
		path string
		mt   time.Time
	}
	var dirs []dirTime
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		for _, s := range skip {
			if top == s {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, fi.Mode().Perm()|0o700); err != nil {
				return err
			}
			dirs = append(dirs, dirTime{target, fi.ModTime()})
			return nil
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(target, data, fi.Mode().Perm()); err != nil {
				return err
			}
			return os.Chtimes(target, fi.ModTime(), fi.ModTime())
		}
		return fmt.Errorf("%s: not a regular file or folder", p)
	})
	if err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = os.Chtimes(dirs[i].path, dirs[i].mt, dirs[i].mt)
	}
}

// entry is one path of a tree snapshot.
type entry struct {
	Mode   fs.FileMode
	MTime  int64 // unix nanoseconds; folders too
	SHA256 string
}

// snapshotTree records every path below root: mode, mtime and content hash.
func snapshotTree(t *testing.T, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		e := entry{Mode: fi.Mode(), MTime: fi.ModTime().UnixNano()}
		if fi.Mode().IsRegular() {
			e.SHA256 = sha256File(t, p)
		}
		out[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", root, err)
	}
	return out
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	sum := sha256.Sum256(readFile(t, p))
	return hex.EncodeToString(sum[:])
}

// assertSameTree checks that want and got are unchanged snapshots.
func assertSameTree(t *testing.T, what string, want, got map[string]entry) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s changed (-before +after):\n%s", what, d)
	}
}

// assertSameFiles checks that dst holds exactly src's regular files, with
// the same bytes.
func assertSameFiles(t *testing.T, src, dst string) {
	t.Helper()
	sf, df := listFiles(t, src), listFiles(t, dst)
	if d := cmp.Diff(sf, df); d != "" {
		t.Errorf("files of %s and %s differ (-source +destination):\n%s", src, dst, d)
		return
	}
	bad := 0
	for _, f := range sf {
		a := readFile(t, filepath.Join(src, f))
		b := readFile(t, filepath.Join(dst, f))
		if !bytes.Equal(a, b) {
			if bad++; bad <= 5 {
				t.Errorf("%s differs between %s (%d bytes) and %s (%d bytes)", f, src, len(a), dst, len(b))
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d files differ in all", bad)
	}
}

// --- configurations ---

// storageConfig is a configuration with one storage move "data" from
// environment src to environment dst; moveExtra goes into the move block.
func storageConfig(srcPath, dstPath, moveExtra string) string {
	return fmt.Sprintf(`migration "e2e" {}

environment "src" {
  provider = "local"
  path     = %q
}

environment "dst" {
  provider = "local"
  path     = %q
}

move "storage" "data" {
  from = environment.src
  to   = environment.dst
%s}
`, srcPath, dstPath, moveExtra)
}

func writeConfig(t *testing.T, dir, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "migration.hcl"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// --- the big source ---

const (
	bigFiles  = 3000
	bigBucket = "data"
)

var (
	bigOnce sync.Once
	bigRoot string
	bigErr  error
)

// bigSource returns (creating it once per test binary) an environment
// folder holding bucket "data" with 3,000 files of 4–64 KiB of seeded random
// bytes in nested folders. It is shared by several tests and must only be
// read.
func bigSource(t *testing.T) string {
	t.Helper()
	bigOnce.Do(func() {
		root := filepath.Join(sharedDir, "big-source")
		rng := rand.New(rand.NewPCG(2026, 11))
		var seed [32]byte
		copy(seed[:], "rehome e2e big source, seeded..")
		bytesRNG := rand.NewChaCha8(seed)
		buf := make([]byte, 64<<10)
		for i := range bigFiles {
			rel := fmt.Sprintf("buckets/%s/d%02d/e%d/f%05d.bin", bigBucket, i%12, i%5, i)
			p := filepath.Join(root, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				bigErr = err
				return
			}
			n := 4<<10 + rng.IntN(60<<10+1)
			_, _ = bytesRNG.Read(buf[:n])
			if err := os.WriteFile(p, buf[:n], 0o644); err != nil {
				bigErr = err
				return
			}
		}
		bigRoot = root
	})
	if bigErr != nil {
		t.Fatalf("create the big source: %v", bigErr)
	}
	return bigRoot
}

// bigMigration makes a configuration folder moving the big source to dst/
// inside it, and returns the folder and the destination bucket folder.
func bigMigration(t *testing.T) (dir, dstBucket string) {
	t.Helper()
	src := bigSource(t)
	dir = t.TempDir()
	writeConfig(t, dir, storageConfig(src, "dst", ""))
	return dir, filepath.Join(dir, "dst", "buckets", bigBucket)
}

// --- state ---

// readStateFile parses .rehome/state/state.json below dir.
func readStateFile(t *testing.T, dir string) stateDoc {
	t.Helper()
	var f stateDoc
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, ".rehome", "state", "state.json")), &f); err != nil {
		t.Fatalf("state.json: %v", err)
	}
	return f
}

// stateDoc is the part of state.json the tests read.
type stateDoc struct {
	Serial  uint64 `json:"serial"`
	Phase   string `json:"phase"`
	Journal []struct {
		Seq     int    `json:"seq"`
		Op      string `json:"op"`
		Address string `json:"address"`
		Status  string `json:"status"`
		Result  struct {
			Error string `json:"error"`
		} `json:"result"`
	} `json:"journal"`
}

// assertNoBegun checks that no journal entry is left "begun".
func assertNoBegun(t *testing.T, f stateDoc) {
	t.Helper()
	for _, e := range f.Journal {
		if e.Status == "begun" {
			t.Errorf("journal entry %d (%s %s) is still begun", e.Seq, e.Op, e.Address)
		}
	}
}

// --- output parsing ---

var copyDoneRE = regexp.MustCompile(`objects\["` + bigBucket + `"\]: copy done: (?:([\d,]+) copied)?(?:, )?(?:([\d,]+) already done)?`)

// copyCounts parses the end line of the big bucket's copy action.
func copyCounts(t *testing.T, out string) (copied, already int) {
	t.Helper()
	m := copyDoneRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q copy-done line in the output:\n%s", bigBucket, out)
	}
	return atoiComma(m[1]), atoiComma(m[2])
}

func atoiComma(s string) int {
	if s == "" {
		return 0
	}
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

// planJSON runs `rehome plan -json` (plus args) and decodes it.
func planJSON(t *testing.T, dir string, args ...string) map[string]any {
	t.Helper()
	r := runRehome(t, dir, append([]string{"plan", "-json"}, args...)...)
	if r.Code != 0 && r.Code != 2 {
		t.Fatalf("plan -json: %s", r)
	}
	return decodeJSON(t, r.Stdout)
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, s)
	}
	return m
}

// findings returns the plan's audit findings with the given code.
func findings(plan map[string]any, code string) []map[string]any {
	var out []map[string]any
	audit, _ := plan["audit"].([]any)
	for _, a := range audit {
		f, _ := a.(map[string]any)
		if f["code"] == code {
			out = append(out, f)
		}
	}
	return out
}
