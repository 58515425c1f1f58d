package local

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// canRead reports whether the process may open path for reading, with the
// effective ids as open(2) uses them.
func canRead(path string) error {
	if err := unix.Faccessat(unix.AT_FDCWD, path, unix.R_OK, unix.AT_EACCESS); err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return nil
}
