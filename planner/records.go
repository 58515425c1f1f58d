package planner

import (
	"context"
	"encoding/json"
	"fmt"
)

// ProgressReader reads the state's progress store (state.Progress), where
// movers keep their per-item records: which items rehome wrote and what
// stood there before, so that a plan made after a crashed apply knows what
// is rehome's own.
type ProgressReader interface {
	ForEach(ctx context.Context, scope string, fn func(key string, raw []byte) error) error
}

// ProgressWriter stores records (state.Progress).
type ProgressWriter interface {
	ProgressReader
	Put(ctx context.Context, scope, key string, v any) error
}

// LoadRecords reads every record of a scope into a map. A nil reader (no
// state yet) gives an empty map.
func LoadRecords[T any](ctx context.Context, pr ProgressReader, scope string) (map[string]T, error) {
	out := map[string]T{}
	if pr == nil {
		return out, nil
	}
	err := pr.ForEach(ctx, scope, func(key string, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("progress %s: record %q: %w", scope, key, err)
		}
		out[key] = v
		return nil
	})
	return out, err
}
