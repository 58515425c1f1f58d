package database

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rehome/rehome/providers"
)

// vrow is one table's line in the validation table.
type vrow struct {
	table        string
	src, dst     providers.Fingerprint
	err          error
	srcRaw       int64 // source rows before on_bad_value skipped any
	skippedByRow int64
	// sample is a key whose row differs, when a mismatch was searched.
	sample string
	// native: the destination summed its rows on its server (NativeSum)
	// to the copy's sum of the rows it passed, instead of their being
	// read back; dst is then the source's fingerprint.
	native bool
}

func (v vrow) ok() bool { return v.err == nil && v.src == v.dst }

func (v vrow) sampleText() string {
	if v.sample == "" {
		return ""
	}
	return "; sample key " + v.sample
}

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
			out = append(out, fmt.Sprintf("table %s: %d rows expected from the source, %d at the destination%s", r.table, r.src.Rows, r.dst.Rows, r.sampleText()))
		case r.src.Checksum != r.dst.Checksum:
			out = append(out, fmt.Sprintf("table %s: %d rows on both sides, but their content checksums differ%s", r.table, r.src.Rows, r.sampleText()))
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
			res = "MISMATCH: row counts differ" + r.sampleText()
		case r.src.Checksum != r.dst.Checksum:
			res = "MISMATCH: checksums differ (source " + r.src.Checksum[:16] + ")" + r.sampleText()
		}
		if r.native && res == "ok" {
			res = "ok (destination hashed on its server)"
		}
		if r.skippedByRow > 0 && res == "ok" {
			res = fmt.Sprintf("ok (%d source rows skipped by on_bad_value)", r.skippedByRow)
		}
		fmt.Fprintf(&b, "  %-*s  %12d  %12d  %-16s  %s\n", w, r.table, r.srcRaw, r.dst.Rows, sum, res)
	}
	return strings.TrimRight(b.String(), "\n")
}

// sourceFP is a source table's fingerprint as the validation takes it:
// the rows through the move's value policy, in the plan's column order.
type sourceFP struct {
	fp      providers.Fingerprint
	raw     int64 // rows read, before on_bad_value skipped any
	skipped int64
	// native is the copy's sum of the rows it passed through in the
	// destination engine's hash functions, when it took one.
	native *providers.NativeSum
}

// validate fingerprints every table on both sides, the two sides of a
// table at once: the source read (at the snapshot) through the move's
// value policy, the destination in the source's column order; both with
// the source's portable types, so a type override or translation that
// changes a value shows as a mismatch. known holds source fingerprints
// taken already (the copy's of the rows it read, the cutover's at its
// snapshot); the others are read now. clean names the tables whose copy met no bad value: the policy
// changes none of their rows, so an engine that fingerprints a table
// itself (providers.ColumnFingerprinter) does so for the source as well
// as for the destination. A mismatch is searched for a sample key.
func validate(ctx context.Context, ss, ds providers.DatabaseStore, p *rowsParams, lossy map[string]map[string]bool, clean map[string]bool,
	workers int, known map[string]sourceFP, bounds map[string][]providers.Row) (validation, error) {
	out := make(validation, len(p.Schema.Tables))
	var wg sync.WaitGroup
	// Every read (a source table, a destination key range) takes a slot.
	sem := make(chan struct{}, max(1, workers))
	for i, t := range p.Schema.Tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := vrow{table: t.Name}
			s, ok := known[t.Name]
			var srcErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				if !ok {
					sem <- struct{}{}
					defer func() { <-sem }()
					s, srcErr = sourceFingerprint(ctx, ss, p.Source, t, p.Policy, p.Strict, lossy[t.Name], clean[t.Name])
				}
			}()
			var dstErr error
			if ns, isNS := ds.(providers.NativeSummer); ok && s.native != nil && isNS && nativeMatches(ctx, ns, p.Target, t, bounds[t.Name], sem, *s.native) {
				v.dst, v.native = s.fp, true
			} else {
				v.dst, dstErr = destFingerprint(ctx, ds, p.Target, t, bounds[t.Name], sem)
			}
			<-done
			v.src, v.srcRaw, v.skippedByRow = s.fp, s.raw, s.skipped
			if srcErr == nil && dstErr == nil && !v.ok() && len(bounds[t.Name]) > 0 {
				// The ranges follow the source's key order; should the
				// destination order its keys otherwise (a key column of
				// another type), they would not cut it cleanly.
				v.dst, dstErr = destFingerprint(ctx, ds, p.Target, t, nil, sem)
			}
			v.err = errors.Join(srcErr, dstErr)
			if v.err == nil && !v.ok() {
				v.sample = firstDifference(ctx, ss, ds, p, t, lossy[t.Name])
			}
			out[i] = v
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

// copyBounds are the keys the copy cut each big table at (its segments),
// for the validation to read the destination in the same ranges at once.
func copyBounds(recs map[string]tableRecord) (map[string][]providers.Row, error) {
	out := map[string][]providers.Row{}
	for name, rec := range recs {
		for _, k := range rec.Segments {
			b, err := decodeKey(k)
			if err != nil {
				return nil, err
			}
			out[name] = append(out[name], b)
		}
	}
	return out, nil
}

func columnsOf(t providers.Table) ([]string, []providers.ColumnType) {
	names := make([]string, len(t.Columns))
	types := make([]providers.ColumnType, len(t.Columns))
	for i, c := range t.Columns {
		names[i], types[i] = c.Name, c.Type
	}
	return names, types
}

// sourceFingerprint reads a source table whole through the value policy
// and fingerprints what the copy would write; for a clean table (the
// copy met no bad value) an engine that fingerprints a table itself
// does so on the server.
func sourceFingerprint(ctx context.Context, ss providers.DatabaseStore, db string, t providers.Table, policy string, strict bool,
	lossy map[string]bool, clean bool) (sourceFP, error) {
	names, types := columnsOf(t)
	if fc, ok := ss.(providers.ColumnFingerprinter); ok && clean {
		fp, err := fc.FingerprintColumns(ctx, db, t.Name, providers.KeyRange{}, names, types)
		if err != nil {
			return sourceFP{}, fmt.Errorf("fingerprint the source: %w", err)
		}
		return sourceFP{fp: fp, raw: fp.Rows}, nil
	}
	src, ck, closer, err := readSource(ctx, ss, db, t, policy, strict, lossy, names)
	if err != nil {
		return sourceFP{}, err
	}
	defer closer()
	counted := &liveRows{RowStream: src, n: new(atomic.Int64)}
	var s sourceFP
	if s.fp, err = providers.FingerprintRows(ctx, &filtered{RowStream: counted, ck: ck}, types); err != nil {
		return sourceFP{}, fmt.Errorf("fingerprint the source: %w", err)
	}
	s.raw = counted.n.Load()
	for _, q := range ck.q {
		s.skipped += q.Skipped
	}
	return s, nil
}

// readSource opens a source table in the given column order with the
// checker of the move's value policy.
func readSource(ctx context.Context, ss providers.DatabaseStore, db string, t providers.Table, policy string, strict bool,
	lossy map[string]bool, names []string) (providers.RowStream, *checker, func(), error) {
	rs, err := ss.ReadRows(ctx, db, t.Name, providers.KeyRange{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read the source: %w", err)
	}
	rs = prefetch(ctx, rs) // read ahead on another core
	src, err := reorder(rs, names)
	if err != nil {
		rs.Close()
		return nil, nil, nil, fmt.Errorf("read the source: %w", err)
	}
	ck, err := newChecker(t, names, policy, strict, lossy)
	if err != nil {
		rs.Close()
		return nil, nil, nil, err
	}
	return src, ck, func() { rs.Close() }, nil
}

// destFingerprint fingerprints a destination table in the source's
// column order and types: in the key ranges bounds cut it into, read at
// once (each taking a slot of sem) and added up, or whole.
func destFingerprint(ctx context.Context, ds providers.DatabaseStore, target string, t providers.Table, bounds []providers.Row,
	sem chan struct{}) (providers.Fingerprint, error) {
	fps, err := eachRange(keyRanges(t, bounds), sem, func(r providers.KeyRange) (providers.Fingerprint, error) {
		return destRange(ctx, ds, target, t, r)
	})
	if err != nil {
		return providers.Fingerprint{}, err
	}
	var sum providers.Fingerprint
	for _, fp := range fps {
		var err error
		if sum, err = sum.Plus(fp); err != nil {
			return providers.Fingerprint{}, err
		}
	}
	return sum, nil
}

// nativeMatches says whether the destination's own sum of a table's rows
// (in the key ranges bounds cut it into, at once, each taking a slot of
// sem) is the copy's. Any failure to take it, or a different sum, is
// false: the validation then reads the rows back, which also finds the
// key of a differing row.
func nativeMatches(ctx context.Context, ns providers.NativeSummer, target string, t providers.Table, bounds []providers.Row,
	sem chan struct{}, want providers.NativeSum) bool {
	names, _ := columnsOf(t)
	sums, err := eachRange(keyRanges(t, bounds), sem, func(r providers.KeyRange) (providers.NativeSum, error) {
		return ns.NativeSum(ctx, target, t.Name, r, names, want.Method)
	})
	if err != nil {
		return false
	}
	var got providers.NativeSum
	for _, s := range sums {
		var err error
		if got, err = got.Plus(s); err != nil {
			return false
		}
	}
	return got == want
}

// eachRange runs fn on every range at once, each taking a slot of sem.
func eachRange[T any](ranges []providers.KeyRange, sem chan struct{}, fn func(providers.KeyRange) (T, error)) ([]T, error) {
	out := make([]T, len(ranges))
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	for i, r := range ranges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = fn(r)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// keyRanges are the key ranges bounds cut a table into; the whole table
// without bounds or a primary key.
func keyRanges(t providers.Table, bounds []providers.Row) []providers.KeyRange {
	ranges := []providers.KeyRange{{}}
	if len(bounds) > 0 && len(t.PrimaryKey) > 0 {
		ranges = ranges[:0]
		var from providers.Row
		for _, b := range append(bounds, nil) {
			ranges = append(ranges, providers.KeyRange{From: from, To: b, Key: t.PrimaryKey})
			from = b
		}
	}
	return ranges
}

// destRange fingerprints one key range of a destination table.
func destRange(ctx context.Context, ds providers.DatabaseStore, target string, t providers.Table, r providers.KeyRange) (providers.Fingerprint, error) {
	names, types := columnsOf(t)
	if fc, ok := ds.(providers.ColumnFingerprinter); ok {
		fp, err := fc.FingerprintColumns(ctx, target, t.Name, r, names, types)
		if err != nil {
			return providers.Fingerprint{}, fmt.Errorf("fingerprint the destination: %w", err)
		}
		return fp, nil
	}
	drs, err := ds.ReadRows(ctx, target, t.Name, r)
	if err != nil {
		return providers.Fingerprint{}, fmt.Errorf("read the destination: %w", err)
	}
	defer drs.Close()
	dst, err := reorder(drs, names)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	fp, err := providers.FingerprintRows(ctx, dst, types)
	if err != nil {
		return providers.Fingerprint{}, fmt.Errorf("fingerprint the destination: %w", err)
	}
	return fp, nil
}

// diffLimit is the most destination rows firstDifference holds (a key
// and a digest each) while it looks for a differing row.
var diffLimit = 1_000_000

// firstDifference finds a key whose row differs between the source
// (through the value policy) and the destination, for the validation's
// report: the first source row, in key order, missing or different at
// the destination, else a destination row the source does not have.
func firstDifference(ctx context.Context, ss, ds providers.DatabaseStore, p *rowsParams, t providers.Table, lossy map[string]bool) string {
	if len(t.PrimaryKey) == 0 {
		return ""
	}
	names, types := columnsOf(t)
	drs, err := ds.ReadRows(ctx, p.Target, t.Name, providers.KeyRange{})
	if err != nil {
		return ""
	}
	defer drs.Close()
	dst, err := reorder(drs, names)
	if err != nil {
		return ""
	}
	ck, err := newChecker(t, names, p.Policy, p.Strict, lossy)
	if err != nil {
		return ""
	}
	canon := func(row providers.Row, idx []int) string {
		var b strings.Builder
		for _, i := range idx {
			c, _ := providers.CanonicalValue(row[i], types[i].Base)
			fmt.Fprintf(&b, "%d:%s", len(c), c)
		}
		return b.String()
	}
	all := make([]int, len(names))
	for i := range all {
		all[i] = i
	}
	at := map[string]uint64{}
	keys := map[string]providers.Row{}
	for {
		row, ok := dst.Next(ctx)
		if !ok {
			break
		}
		if len(at) >= diffLimit {
			return ""
		}
		k := canon(row, ck.keyIdx)
		at[k] = digest(canon(row, all))
		keys[k] = ck.key(row)
	}
	if dst.Err() != nil {
		return ""
	}
	src, ck2, closer, err := readSource(ctx, ss, p.Source, t, p.Policy, p.Strict, lossy, names)
	if err != nil {
		return ""
	}
	defer closer()
	f := &filtered{RowStream: src, ck: ck2}
	for {
		row, ok := f.Next(ctx)
		if !ok {
			break
		}
		k := canon(row, ck.keyIdx)
		d, have := at[k]
		switch {
		case !have:
			return keyText(ck.key(row)) + " (at the source, not at the destination)"
		case d != digest(canon(row, all)):
			return keyText(ck.key(row)) + " (its values differ)"
		}
		delete(at, k)
	}
	if f.Err() != nil {
		return ""
	}
	var extra []string
	for k := range at {
		extra = append(extra, k)
	}
	if len(extra) == 0 {
		return ""
	}
	sort.Strings(extra)
	return keyText(keys[extra[0]]) + " (at the destination, not at the source)"
}

func digest(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// allFailures joins the validation's and the integrity check's failures.
func allFailures(v validation, in integrity) string {
	var out []string
	if !v.ok() {
		out = append(out, v.failures())
	}
	if !in.ok() {
		out = append(out, in.failures())
	}
	return strings.Join(out, "; ")
}

// bad counts the values without an exact form the copy met.
func (q quality) bad() int64 {
	var n int64
	for _, c := range q {
		n += c.Bad
	}
	return n
}
