package planner

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
)

// ProgressReader reads the state's progress store (state.Progress), where
// movers keep their per-item records: which items rehome wrote and what
// stood there before, so that a plan made after a crashed apply knows what
// is rehome's own.
type ProgressReader interface {
	ForEach(ctx context.Context, scope string, fn func(key string, raw []byte) error) error
	// Page reads up to limit items after a key (see state.Progress.Page).
	Page(ctx context.Context, scope, after string, limit int, fn func(key string, raw []byte) error) (string, error)
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

// recordPage is how many records StreamRecords decodes per read.
const recordPage = 1024

// StreamRecords yields the records of a scope in key byte order (the order
// of S3 listings, so a diff merges them with its listings), a page at a
// time: memory stays flat however many records the scope holds, and no
// read transaction stays open between pages. A nil reader yields nothing.
func StreamRecords[T any](ctx context.Context, pr ProgressReader, scope string) iter.Seq2[Record[T], error] {
	return func(yield func(Record[T], error) bool) {
		if pr == nil {
			return
		}
		after := ""
		for {
			var page []Record[T]
			last, err := pr.Page(ctx, scope, after, recordPage, func(key string, raw []byte) error {
				var v T
				if err := json.Unmarshal(raw, &v); err != nil {
					return fmt.Errorf("progress %s: record %q: %w", scope, key, err)
				}
				page = append(page, Record[T]{Key: key, Value: v})
				return nil
			})
			if err != nil {
				yield(Record[T]{}, err)
				return
			}
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			if len(page) < recordPage {
				return
			}
			after = last
		}
	}
}

// Record is one record of a scope.
type Record[T any] struct {
	Key   string
	Value T
}
