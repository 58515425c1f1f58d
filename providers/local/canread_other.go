//go:build !linux

package local

import "os"

// canRead reports whether path opens for reading (an open and a close).
func canRead(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}
