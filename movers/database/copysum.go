package database

import (
	"context"
	"fmt"

	"github.com/rehome/rehome/providers"
)

// summed fingerprints the rows a copy writes as they pass (after the
// value policy), in the plan's column order and with the source's types:
// the source side of the validation, taken from the one read of the
// source the copy makes rather than from a second one after it. The
// destination side is still read back from the destination.
type summed struct {
	providers.RowStream
	perm  []int // the stream's index of each plan column
	types []providers.ColumnType
	ck    providers.Checksummer
	err   error
}

func newSummed(rs providers.RowStream, t providers.Table) (*summed, error) {
	at := map[string]int{}
	for i, n := range rs.Columns() {
		at[n] = i
	}
	s := &summed{RowStream: rs, perm: make([]int, len(t.Columns)), types: make([]providers.ColumnType, len(t.Columns))}
	for i, c := range t.Columns {
		j, ok := at[c.Name]
		if !ok {
			return nil, fmt.Errorf("fingerprint the rows copied: the source stream has no column %q", c.Name)
		}
		s.perm[i], s.types[i] = j, c.Type
	}
	return s, nil
}

func (s *summed) Next(ctx context.Context) (providers.Row, bool) {
	if s.err != nil {
		return nil, false
	}
	row, ok := s.RowStream.Next(ctx)
	if !ok {
		return nil, false
	}
	for i, j := range s.perm {
		if err := s.ck.Value(row[j], s.types[i].Base); err != nil {
			s.err = fmt.Errorf("fingerprint the rows copied: column %s: %w", s.RowStream.Columns()[j], err)
			return nil, false
		}
	}
	s.ck.EndRow()
	return row, true
}

func (s *summed) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.RowStream.Err()
}

// take returns the fingerprint of the rows passed since the last take.
func (s *summed) take() (providers.Fingerprint, error) {
	fp := s.ck.Sum()
	s.ck = providers.Checksummer{}
	return fp, s.err
}

// addCopied adds fp to a record's fingerprint of the rows it copied; nil
// stays nil (a range copied by a rehome that took none: the validation
// reads that table's source again).
func addCopied(sum *providers.Fingerprint, fp providers.Fingerprint) (*providers.Fingerprint, error) {
	if sum == nil {
		return nil, nil
	}
	s, err := sum.Plus(fp)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// copiedSources are the source fingerprints of the tables whose every
// range recorded the rows it copied, for the validation.
func copiedSources(p *rowsParams, recs map[string]tableRecord) map[string]sourceFP {
	known := map[string]sourceFP{}
	for _, t := range p.Schema.Tables {
		rec := recs[t.Name]
		if !rec.Done || rec.Copied == nil {
			continue
		}
		var skipped int64
		for _, c := range rec.Quality {
			skipped += c.Skipped
		}
		s := sourceFP{fp: *rec.Copied, raw: rec.Copied.Rows + skipped, skipped: skipped}
		if n := rec.Native; n != nil && n.Method != "" && n.Rows == rec.Copied.Rows {
			s.native = n
		}
		known[t.Name] = s
	}
	return known
}

// addNative adds a chunk's native sum to a record's: nil, or sums of two
// methods, leave none.
func addNative(sum, n *providers.NativeSum) *providers.NativeSum {
	if sum == nil || n == nil {
		return nil
	}
	s, err := sum.Plus(*n)
	if err != nil {
		return nil
	}
	return &s
}
