package localtest

import (
	"strings"
	"syscall"
	"testing"
)

// DeepFolder makes below dir a chain of folders whose path is longer than
// PATH_MAX (22 levels of 200-byte names), with a file deep.txt at the
// bottom, and returns the first folder's name. Listing the chain fails
// with "file name too long" for every user, root included. It is made
// with mkdirat/openat, since a path that long cannot be passed whole;
// os.RemoveAll (and so t.TempDir's cleanup) removes it.
func DeepFolder(t testing.TB, dir, letter string) string {
	t.Helper()
	name := strings.Repeat(letter, 200)
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 22 { // 22 × 201 bytes > 4096
		if err := syscall.Mkdirat(fd, name, 0o755); err != nil {
			syscall.Close(fd)
			t.Fatal(err)
		}
		next, err := syscall.Openat(fd, name, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		syscall.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	defer syscall.Close(fd)
	f, err := syscall.Openat(fd, "deep.txt", syscall.O_WRONLY|syscall.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Close(f)
	return name
}
