package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadZone feeds the zone-file reader arbitrary text, seeded with the
// zone files under testdata and the quickstart's: it must never panic,
// and every rejection must name the file. The seeds run as an ordinary
// test.
func FuzzReadZone(f *testing.F) {
	var paths []string
	for _, g := range []string{"testdata/*.zone", "testdata/*/*.zone", "testdata/*/*/*.zone", "../../examples/quickstart/legacy/zones/*.zone"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("$TTL 300\n@ IN SOA ns1.example.com. h.example.com. 1 2 3 4 5\nwww IN AA 1.2.3.4\n")
	f.Add("$INCLUDE /etc/passwd\n")
	f.Add("$ORIGIN other.org.\nx IN A 1.2.3.4\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "example.com.zone")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		z, err := readZone(context.Background(), "example.com.", path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if _, err := z.render(); err != nil && !strings.Contains(err.Error(), "example.com") {
			t.Errorf("rendering a zone that parsed: %v", err)
		}
	})
}
