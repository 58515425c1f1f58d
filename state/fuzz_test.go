package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode feeds the state reader arbitrary documents, seeded with the
// round-trip fixtures: it must never panic, and every rejection must name
// the file. The seeds run as an ordinary test.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob("testdata/roundtrip/*.json")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"version": 2}`))
	f.Add([]byte(`{"version": 99}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "/x/.rehome/state/state.json"
		got, err := decode(path, data)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if got == nil {
			t.Fatal("no error and no state")
		}
	})
}
