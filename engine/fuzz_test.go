package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rehome/rehome/planner"
)

// FuzzReadPlan feeds the saved-plan reader arbitrary files, seeded with a
// real plan document: it must never panic, and every rejection must name
// the file. The seeds run as an ordinary test.
func FuzzReadPlan(f *testing.F) {
	p := planner.Plan{FormatVersion: planner.FormatVersion, Migration: "m", Actions: []planner.Action{{Address: "move.storage.a.bucket[\"b\"]",
		Type: "bucket", Action: planner.ActCreate, Phase: planner.PhasePrepare}}}
	seed, _ := json.Marshal(p)
	f.Add(seed)
	f.Add([]byte(`{"format_version": "9.0"}`))
	f.Add([]byte(`{"format_version": "x"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "move.plan")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadPlan(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if got == nil {
			t.Fatal("no error and no plan")
		}
	})
}
