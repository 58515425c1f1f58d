package state

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rehome/rehome/internal/ctxio"
)

// File and directory names inside a state directory.
const (
	stateName    = "state.json"
	backupName   = "state.json.backup"
	lockName     = "state.lock"
	lockInfoName = "state.lock.info"
	progressName = "progress.db"
	backupsDir   = "backups"

	fileMode = 0o600
	dirMode  = 0o700
)

// Store is a local state directory. It holds no other state than its path,
// so it is safe to share; saving the same File from several goroutines is
// not (use [Journal]).
type Store struct {
	dir string
}

// Open returns the Store for dir. It creates nothing: the directory is made
// on the first write.
func Open(dir string) *Store { return &Store{dir: dir} }

// Dir returns the state directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

// Exists reports whether a state document has been saved in the directory.
// [Store.Load] returns a fresh File when it has not.
func (s *Store) Exists(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	p := s.path(stateName)
	_, err := os.Stat(p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("state: stat %s: %w", p, err)
	}
}

// Load reads state.json. If there is none yet it returns a new File of the
// current format version with a fresh Lineage and Serial 0, without saving
// it; use [Store.Exists] to tell the two apart. A file written by a newer
// rehome gives a *[VersionError], one that cannot be read an
// *[UnusableError]. Older format versions are upgraded in memory; the next
// Save writes the current version.
func (s *Store) Load(ctx context.Context) (*File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := s.path(stateName)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return NewFile(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: read %s: %w", p, err)
	}
	return decode(p, data)
}

// NewFile returns an empty File of the current format version with a fresh
// random Lineage.
func NewFile() *File {
	return &File{Version: FormatVersion, Lineage: newID(), Resources: []Resource{}, Journal: []Entry{}}
}

// Save increments f.Serial and writes f to state.json atomically, keeping
// the previous state.json as state.json.backup. It refuses to overwrite a
// state of another lineage (*[LineageError]), a newer serial
// (*[StaleError]), a newer format version (*[VersionError]) or an unreadable
// file (*[UnusableError]). On failure f.Serial is left as it was.
func (s *Store) Save(ctx context.Context, f *File) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.Lineage == "" {
		return fmt.Errorf("state: save: file has no lineage")
	}
	p := s.path(stateName)
	if err := s.checkDisk(p, f); err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return fmt.Errorf("state: create %s: %w", s.dir, err)
	}

	f.Serial++
	f.Version = FormatVersion
	data, err := encode(f)
	if err == nil {
		err = s.keepBackup(ctx, p)
	}
	if err == nil {
		err = writeAtomic(ctx, p, bytes.NewReader(data), nil)
	}
	if err != nil {
		// The serial goes back only if the new file is not in place; after
		// a failed directory fsync it is (just maybe not durable yet), and
		// the disk and f must keep agreeing.
		if !errors.Is(err, errDirSync) {
			f.Serial--
		}
		return fmt.Errorf("state: save: %w", err)
	}
	return nil
}

// errDirSync marks a write whose rename succeeded but whose directory
// fsync failed.
var errDirSync = errors.New("the file is in place but its directory could not be synced")

// checkDisk compares f with the state on disk, if any.
func (s *Store) checkDisk(p string, f *File) error {
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: read %s: %w", p, err)
	}
	h, err := readHeader(p, data)
	if err != nil {
		return err
	}
	if h.Lineage != f.Lineage {
		return &LineageError{Path: p, DiskLineage: h.Lineage, FileLineage: f.Lineage}
	}
	if h.Serial > f.Serial {
		return &StaleError{Path: p, DiskSerial: h.Serial, FileSerial: f.Serial}
	}
	return nil
}

// keepBackup makes state.json.backup a hard link to the current state.json
// (falling back to a copy), replacing the old backup atomically, so that
// state.json itself is never missing.
func (s *Store) keepBackup(ctx context.Context, p string) error {
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	backup := s.path(backupName)
	tmp := s.path("." + backupName + ".tmp-" + newID())
	if err := os.Link(p, tmp); err != nil {
		// No hard links on this file system: copy instead.
		src, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("keep backup: open %s: %w", p, err)
		}
		defer src.Close()
		return writeAtomic(ctx, backup, src, nil)
	}
	if err := os.Rename(tmp, backup); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keep backup: rename %s: %w", backup, err)
	}
	return nil
}

// writeAtomic writes r to path through a temp file in the same directory:
// write, fsync, close, rename over path, fsync the directory. The file is
// created 0600. n, if not nil, receives the number of bytes written.
func writeAtomic(ctx context.Context, path string, r io.Reader, n *int64) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	written, err := io.Copy(tmp, ctxio.Reader(ctx, r))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: rename: %w", path, err)
	}
	if n != nil {
		*n = written
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("%w: %w", errDirSync, err)
	}
	return nil
}

// syncDir fsyncs a directory so that renames in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

// newID returns a random UUID (version 4) string.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
