package database

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/rehome/rehome/providers"
)

// vrow is one table's line in the validation table.
type vrow struct {
	table        string
	src, dst     providers.Fingerprint
	err          error
	srcRaw       int64 // source rows before on_bad_value skipped any
	skippedByRow int64
}

func (v vrow) ok() bool { return v.err == nil && v.src == v.dst }

// validation is the table printed after a copy.
type validation []vrow

func (v validation) ok() bool {
	for _, r := range v {
		if !r.ok() {
			return false
		}
	}
	return true
}

func (v validation) rows() int64 {
	var n int64
	for _, r := range v {
		n += r.dst.Rows
	}
	return n
}

func (v validation) failures() string {
	var out []string
	for _, r := range v {
		switch {
		case r.err != nil:
			out = append(out, fmt.Sprintf("table %s: %v", r.table, r.err))
		case r.src.Rows != r.dst.Rows:
			out = append(out, fmt.Sprintf("table %s: %d rows expected from the source, %d at the destination", r.table, r.src.Rows, r.dst.Rows))
		case r.src.Checksum != r.dst.Checksum:
			out = append(out, fmt.Sprintf("table %s: %d rows on both sides, but their content checksums differ", r.table, r.src.Rows))
		}
	}
	return strings.Join(out, "; ")
}

// text renders the validation table.
func (v validation) text() string {
	w := len("table")
	for _, r := range v {
		w = max(w, len(r.table))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "validation (row counts and content checksums, source vs destination):\n")
	fmt.Fprintf(&b, "  %-*s  %12s  %12s  %-16s  %s\n", w, "table", "source rows", "dest rows", "checksum", "result")
	for _, r := range v {
		sum, res := r.dst.Checksum, "ok"
		if len(sum) > 16 {
			sum = sum[:16]
		}
		switch {
		case r.err != nil:
			sum, res = "-", "FAILED: "+r.err.Error()
		case r.src.Rows != r.dst.Rows:
			res = "MISMATCH: row counts differ"
		case r.src.Checksum != r.dst.Checksum:
			res = "MISMATCH: checksums differ (source " + r.src.Checksum[:16] + ")"
		}
		if r.skippedByRow > 0 && res == "ok" {
			res = fmt.Sprintf("ok (%d source rows skipped by on_bad_value)", r.skippedByRow)
		}
		fmt.Fprintf(&b, "  %-*s  %12d  %12d  %-16s  %s\n", w, r.table, r.srcRaw, r.dst.Rows, sum, res)
	}
	return strings.TrimRight(b.String(), "\n")
}

// validate fingerprints every table on both sides: the source read (at
// the snapshot) through the move's value policy, the destination in the
// source's column order; both with the source's portable types, so a
// type override or translation that changes a value shows as a mismatch.
//
// clean names the tables whose copy met no bad value: the policy changes
// none of their rows, so an engine that fingerprints a table itself
// (providers.ColumnFingerprinter) does so for the source as well as for
// the destination.
func validate(ctx context.Context, ss, ds providers.DatabaseStore, p *rowsParams, lossy map[string]map[string]bool, clean map[string]bool, workers int) (validation, error) {
	out := make(validation, len(p.Schema.Tables))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, workers))
	for i, t := range p.Schema.Tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = validateTable(ctx, ss, ds, p, t, lossy[t.Name], clean[t.Name])
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

func validateTable(ctx context.Context, ss, ds providers.DatabaseStore, p *rowsParams, t providers.Table, lossy map[string]bool, clean bool) vrow {
	v := vrow{table: t.Name}
	names := make([]string, len(t.Columns))
	types := make([]providers.ColumnType, len(t.Columns))
	for i, c := range t.Columns {
		names[i], types[i] = c.Name, c.Type
	}
	// The two sides are read at once.
	var srcErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if fc, ok := ss.(providers.ColumnFingerprinter); ok && clean {
			if v.src, srcErr = fc.FingerprintColumns(ctx, p.Source, t.Name, names, types); srcErr != nil {
				srcErr = fmt.Errorf("fingerprint the source: %w", srcErr)
			}
			v.srcRaw = v.src.Rows
			return
		}
		srcErr = v.fingerprintSource(ctx, ss, p, t, names, types, lossy)
	}()
	dstErr := v.fingerprintDest(ctx, ds, p, t, names, types)
	<-done
	switch {
	case srcErr != nil && dstErr != nil:
		v.err = fmt.Errorf("%w; %w", srcErr, dstErr)
	case srcErr != nil:
		v.err = srcErr
	default:
		v.err = dstErr
	}
	return v
}

// fingerprintSource fingerprints the source table through the move's
// value policy.
func (v *vrow) fingerprintSource(ctx context.Context, ss providers.DatabaseStore, p *rowsParams, t providers.Table,
	names []string, types []providers.ColumnType, lossy map[string]bool) error {
	rs, err := ss.ReadRows(ctx, p.Source, t.Name, providers.KeyRange{})
	if err != nil {
		return fmt.Errorf("read the source: %w", err)
	}
	rs = prefetch(ctx, rs) // read ahead on another core
	defer rs.Close()
	src, err := reorder(rs, names)
	if err != nil {
		return fmt.Errorf("read the source: %w", err)
	}
	ck, err := newChecker(t, names, p.Policy, p.Strict, lossy)
	if err != nil {
		return err
	}
	counted := &counting{RowStream: src}
	if v.src, err = providers.FingerprintRows(ctx, &filtered{RowStream: counted, ck: ck}, types); err != nil {
		return fmt.Errorf("fingerprint the source: %w", err)
	}
	v.srcRaw = counted.n
	for _, q := range ck.q {
		v.skippedByRow += q.Skipped
	}
	return nil
}

// fingerprintDest fingerprints the destination table in the source's
// column order.
func (v *vrow) fingerprintDest(ctx context.Context, ds providers.DatabaseStore, p *rowsParams, t providers.Table,
	names []string, types []providers.ColumnType) error {
	if fc, ok := ds.(providers.ColumnFingerprinter); ok {
		var err error
		if v.dst, err = fc.FingerprintColumns(ctx, p.Target, t.Name, names, types); err != nil {
			return fmt.Errorf("fingerprint the destination: %w", err)
		}
		return nil
	}
	drs, err := ds.ReadRows(ctx, p.Target, t.Name, providers.KeyRange{})
	if err != nil {
		return fmt.Errorf("read the destination: %w", err)
	}
	defer drs.Close()
	dst, err := reorder(drs, names)
	if err != nil {
		return err
	}
	if v.dst, err = providers.FingerprintRows(ctx, dst, types); err != nil {
		return fmt.Errorf("fingerprint the destination: %w", err)
	}
	return nil
}

// counting counts the rows read through it.
type counting struct {
	providers.RowStream
	n int64
}

func (c *counting) Next(ctx context.Context) (providers.Row, bool) {
	row, ok := c.RowStream.Next(ctx)
	if ok {
		c.n++
	}
	return row, ok
}

// bad counts the values without an exact form the copy met.
func (q quality) bad() int64 {
	var n int64
	for _, c := range q {
		n += c.Bad
	}
	return n
}
