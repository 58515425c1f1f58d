package local

import (
	"errors"
	"io/fs"
	"strings"
)

// unreadableReason says in plain words why the entry at key cannot be
// read, without the absolute path (the key names it).
func unreadableReason(key string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	what := "cannot read the file"
	if strings.HasSuffix(key, "/") {
		what = "cannot list the folder"
	}
	return what + ": " + err.Error()
}

// openable returns why the regular file at path cannot be opened for
// reading, or "" when it can. Listings call it once per object, so that a
// file rehome may not read is found at plan time rather than halfway
// through a copy; canRead makes that one access(2) call on Linux, with no
// file descriptor, rather than an open and a close.
func openable(path, key string) string {
	if err := canRead(path); err != nil {
		return unreadableReason(key, err)
	}
	return ""
}
