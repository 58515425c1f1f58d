package state

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestRoundtrip reads every testdata/roundtrip/*.in.json through the upgrade
// chain and compares what Save would write with the matching *.out.json.
// Run with -update to rewrite the .out.json files, then review the diff.
func TestRoundtrip(t *testing.T) {
	ins, err := filepath.Glob(filepath.Join("testdata", "roundtrip", "*.in.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) == 0 {
		t.Fatal("no testdata/roundtrip/*.in.json")
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.json")
		t.Run(name, func(t *testing.T) {
			f, err := decodeFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := encode(f)
			if err != nil {
				t.Fatal(err)
			}
			out := strings.TrimSuffix(in, ".in.json") + ".out.json"
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", out, diff)
			}
			// The output is current: reading it again changes nothing.
			f2, err := decodeFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f, f2); diff != "" {
				t.Errorf("re-reading %s (-first +second):\n%s", out, diff)
			}
		})
	}
}
