package database

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// chunkRows is how many rows one key range holds: one WriteRows
// transaction, streamed from the source, and one progress record.
var chunkRows = 100_000

// Apply carries out a database action.
func (Mover) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	switch r.Action.Type {
	case typeDatabase:
		return createDatabase(ctx, r)
	case typeTable:
		return createTable(ctx, r)
	case typeRows:
		if r.Action.Phase == planner.PhaseCutover {
			return cutoverSync(ctx, r)
		}
		return copyRows(ctx, r)
	case typeTypes, typeObjects:
		return applyObjects(ctx, r)
	case typeServer:
		return createServer(ctx, r) // server.go
	}
	return state.Result{}, fmt.Errorf("database has no action type %q", r.Action.Type)
}

func destStore(r *exec.Run) (providers.DatabaseStore, error) {
	dst, err := r.Env(r.Action.To.Env)
	if err != nil {
		return nil, err
	}
	return planner.Capability[providers.DatabaseStore](dst, what)
}

func createDatabase(ctx context.Context, r *exec.Run) (state.Result, error) {
	var p databaseParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	ds, err := destStore(r)
	if err != nil {
		return state.Result{}, err
	}
	return r.CreateContainer(ctx, fmt.Sprintf("schema %q", p.Name), func(ctx context.Context) error {
		return ds.CreateDatabase(ctx, p.Name)
	})
}

func createTable(ctx context.Context, r *exec.Run) (state.Result, error) {
	var p tableParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	ds, err := destStore(r)
	if err != nil {
		return state.Result{}, err
	}
	s := providers.DBSchema{Database: p.Source, Engine: p.Engine, Tables: []providers.Table{p.Table}}
	return r.CreateContainer(ctx, fmt.Sprintf("table %s.%s", p.Target, p.Table.Name), func(ctx context.Context) error {
		return ds.ApplySchema(ctx, p.Target, s, true)
	})
}

// openCopy reads a copy's (or cutover's) parameters and sides and takes
// the source's snapshot where the engine has one. With schema_only it
// finishes the schema and returns a nil release: nothing more to do.
func openCopy(ctx context.Context, r *exec.Run) (rowsParams, providers.DatabaseStore, providers.DatabaseStore, func(), error) {
	a := r.Action
	var p rowsParams
	if err := r.Params(&p); err != nil {
		return p, nil, nil, nil, err
	}
	src, dst, err := r.Sides()
	if err != nil {
		return p, nil, nil, nil, err
	}
	ss, ds, err := sides(src, dst)
	if err != nil {
		return p, nil, nil, nil, err
	}
	if p.SchemaOnly {
		if err := ds.FinishSchema(ctx, p.Target, p.Schema); err != nil {
			return p, nil, nil, nil, fmt.Errorf("add indexes, checks, foreign keys and sequences in %s at %s: %w", p.Target, a.To.Env, err)
		}
		return p, ss, ds, nil, nil
	}
	release := func() {}
	if sn, ok := ss.(providers.Snapshotter); ok {
		_, _, rel, err := sn.Snapshot(ctx, p.Source)
		if err != nil {
			return p, nil, nil, nil, fmt.Errorf("take a snapshot of %s at %s: %w", p.Source, a.From.Env, err)
		}
		release = func() { _ = rel() }
	}
	return p, ss, ds, release, nil
}

// copyRows copies a source database's tables (several at once), finishes
// the schema, and validates every table.
func copyRows(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	p, ss, ds, release, err := openCopy(ctx, r)
	if err != nil || release == nil {
		return state.Result{}, err
	}
	defer release()
	recs, err := planner.LoadRecords[tableRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	lossy := lossyColumns(p.Lossy)
	prog := r.Progress(a.Estimate.Items, 0)
	prog.Start()
	put := func(key string, rec tableRecord) error {
		return r.Records().Put(context.WithoutCancel(ctx), a.Scope, key, rec)
	}
	workers := max(1, p.Parallelism)
	cp := &copier{r: r, ss: ss, ds: ds, p: &p, lossy: lossy, prog: prog, put: put}
	res, err := cp.copyTables(ctx, recs, workers)
	if err != nil {
		return res, err
	}
	// The validation reads the destination while its keys, indexes and
	// constraints are added: what is added changes no row.
	recs, err = planner.LoadRecords[tableRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return res, err
	}
	clean := map[string]bool{}
	for _, t := range p.Schema.Tables {
		clean[t.Name] = recs[t.Name].Quality.bad() == 0
	}
	vctx, stopValidation := context.WithCancel(ctx)
	defer stopValidation()
	var v validation
	var verr error
	validated := make(chan struct{})
	go func() {
		defer close(validated)
		// Whole tables: their keys' indexes are not there yet to read
		// key ranges by.
		v, verr = validate(vctx, ss, ds, &p, lossy, clean, workers, copiedSources(&p, recs), nil)
	}()
	if err := ds.FinishSchema(ctx, p.Target, p.Schema); err != nil {
		stopValidation()
		<-validated
		return res, fmt.Errorf("add indexes, checks, foreign keys and sequences in %s at %s: %w", p.Target, a.To.Env, err)
	}
	// The data-quality report, from every table's records.
	var qlines []string
	var nulled, skipped, changed int64
	for _, t := range p.Schema.Tables {
		q := recs[t.Name].Quality
		qlines = append(qlines, q.lines(t.Name)...)
		for _, c := range q {
			nulled, skipped, changed = nulled+c.Nulled, skipped+c.Skipped, changed+c.Changed
		}
	}
	if len(qlines) == 0 {
		r.Message("data quality: every value copied exactly (0 nulled, 0 rows skipped, 0 changed by translation)")
	} else {
		r.Message("data quality: %d nulled, %d rows skipped, %d changed by translation\n  %s", nulled, skipped, changed, strings.Join(qlines, "\n  "))
	}
	<-validated
	err = verr
	in := checkIntegrity(ctx, ds, &p)
	r.Message("%s", strings.TrimSuffix(v.text()+"\n"+in.text(p.Target, a.To.Env), "\n"))
	attrs := map[string]string{"id": a.To.ID, "tables": strconv.Itoa(len(p.Schema.Tables)), "rows": strconv.FormatInt(v.rows(), 10),
		"nulled": strconv.FormatInt(nulled, 10), "skipped": strconv.FormatInt(skipped, 10), "changed": strconv.FormatInt(changed, 10),
		"validation": "passed"}
	if err != nil || !v.ok() || !in.ok() {
		attrs["validation"] = "failed"
		_ = r.SetResource(ctx, state.Resource{Address: a.Address, Type: typeRows, Env: a.To.Env, Name: p.Target, Attrs: attrs})
		if err != nil {
			return res, fmt.Errorf("validate %s at %s against %s at %s: %w", p.Target, a.To.Env, p.Source, a.From.Env, err)
		}
		return res, fmt.Errorf("validation failed: %s", allFailures(v, in))
	}
	// Each table's source fingerprint, for the cutover to find the tables
	// changed since.
	if err := putSources(ctx, r, v); err != nil {
		return res, err
	}
	if err := put(validatedKey, tableRecord{Done: true, Rows: v.rows()}); err != nil {
		return res, err
	}
	return res, r.SetResource(ctx, state.Resource{Address: a.Address, Type: typeRows, Env: a.To.Env, Name: p.Target, Attrs: attrs})
}

// lossyColumns maps table -> column for the "table.column" list of
// columns whose values the translation can change.
func lossyColumns(list []string) map[string]map[string]bool {
	lossy := map[string]map[string]bool{}
	for _, l := range list {
		if t, c, ok := strings.Cut(l, "."); ok {
			if lossy[t] == nil {
				lossy[t] = map[string]bool{}
			}
			lossy[t][c] = true
		}
	}
	return lossy
}

// copier copies the tables of p.Schema, several at once, resuming from
// their progress records; put writes a record (by table name, or table
// NUL segment), done is told each table finished by this run.
type copier struct {
	r      *exec.Run
	ss, ds providers.DatabaseStore
	p      *rowsParams
	lossy  map[string]map[string]bool
	prog   interface{ Add(items, bytes int64) }
	put    func(key string, rec tableRecord) error
	done   func(table string) error
}

func (cp *copier) tableDone(name string) error {
	if cp.done == nil {
		return nil
	}
	return cp.done(name)
}

func (cp *copier) copyTables(ctx context.Context, recs map[string]tableRecord, workers int) (state.Result, error) {
	r, p, put, prog := cp.r, cp.p, cp.put, cp.prog
	var mu sync.Mutex
	var res state.Result
	var resumed []string
	jobs, tables, notes, err := planJobs(ctx, cp.ss, cp.ds, p, recs, cp.lossy, workers, put)
	if err != nil {
		return res, err
	}
	for _, n := range notes {
		r.Message("%s", n)
	}
	for _, tp := range tables {
		res.AlreadyDone += tp.doneRows
		prog.Add(tp.doneRows, 0)
	}
	// Tables whose every range was done before a crash, but not yet
	// marked done.
	for name, tp := range tables {
		if len(tp.segments) > 0 && tp.left == 0 && !recs[name].Done {
			if err := put(name, tp.final()); err != nil {
				return res, err
			}
			if err := cp.tableDone(name); err != nil {
				return res, err
			}
		}
	}
	stopProgress := reportProgress(r.Message, &mu, tables, p.Schema.Tables)
	defer stopProgress()
	work := make(chan *job)
	var errs []error
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(workers, max(1, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range work {
				if jb.rec.Chunks > 0 {
					mu.Lock()
					resumed = append(resumed, fmt.Sprintf("%s after %d rows", jb.label(), jb.rec.Rows))
					mu.Unlock()
				}
				mu.Lock()
				tp := tables[jb.t.Name]
				if tp.started.IsZero() {
					tp.started = time.Now()
				}
				tp.resumed += jb.rec.Rows
				mu.Unlock()
				c := &tableCopy{ss: cp.ss, ds: cp.ds, p: p, t: jb.t, rec: jb.rec, from0: jb.from, to: jb.to, lossy: cp.lossy[jb.t.Name], prog: prog,
					put: func(rec tableRecord) error { return put(jb.key, rec) }, live: &tp.live}
				n, err := c.run(cctx)
				mu.Lock()
				res.Copied += n
				tp.copied += n
				var final *tableRecord
				if err == nil && jb.seg >= 0 {
					err = tp.add(c.rec)
				}
				if err == nil && jb.seg >= 0 {
					if tp.left--; tp.left == 0 {
						f := tp.final()
						final = &f
					}
				}
				finished := err == nil && (jb.seg < 0 || final != nil)
				if finished {
					tp.finished = true
					r.Message("%s", tp.doneText(jb.t.Name, jb.seg >= 0))
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("copy table %s.%s into %s.%s: %w", p.Source, jb.label(), p.Target, jb.t.Name, err))
				}
				mu.Unlock()
				if final != nil {
					err = put(jb.t.Name, *final)
				}
				if err == nil && finished {
					err = cp.tableDone(jb.t.Name)
				}
				if err != nil && finished {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				var bv *BadValueError
				if errors.As(err, &bv) {
					cancel() // the policy stops the whole copy
				}
			}
		}()
	}
	for _, jb := range jobs {
		select {
		case work <- jb:
		case <-cctx.Done():
		}
	}
	close(work)
	wg.Wait()
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(resumed) > 0 {
		sort.Strings(resumed)
		r.Message("resumed at the first unfinished key range: %s", strings.Join(resumed, ", "))
	}
	return res, nil
}

// tableCopy copies one table in key ranges, recording each range it
// finished.
type tableCopy struct {
	ss, ds providers.DatabaseStore
	p      *rowsParams
	t      providers.Table
	rec    tableRecord
	// from0 and to bound the range this copy covers (nil: open).
	from0, to providers.Row
	lossy     map[string]bool
	prog      interface{ Add(items, bytes int64) }
	put       func(tableRecord) error
	live      *atomic.Int64 // the table's rows read so far (nil: not counted)
}

func (c *tableCopy) run(ctx context.Context) (int64, error) {
	from, err := decodeKey(c.rec.After)
	if err != nil {
		return 0, err
	}
	if from == nil {
		from = c.from0
	}
	if len(c.t.PrimaryKey) == 0 {
		from, c.rec = nil, tableRecord{} // copied whole, from the start
	}
	if c.rec.Quality == nil {
		c.rec.Quality = quality{}
	}
	if c.rec.Chunks == 0 {
		c.rec.Copied, c.rec.Native = &providers.Fingerprint{}, &providers.NativeSum{}
	}
	// Same engine, same column types: nothing for the value policy to
	// find, so the rows need not be built.
	if rc, ok := c.ss.(providers.RangeCopier); ok && len(c.t.PrimaryKey) > 0 && len(c.lossy) == 0 {
		if n, handled, err := c.runRaw(ctx, rc, from); handled {
			return n, err
		}
	}
	rs, err := c.ss.ReadRows(ctx, c.p.Source, c.t.Name, providers.KeyRange{From: from, To: c.to})
	if err != nil {
		return 0, err
	}
	rs = prefetch(ctx, rs) // read ahead on another core
	if c.live != nil {
		rs = &liveRows{RowStream: rs, n: c.live}
	}
	defer rs.Close()
	ck, err := newChecker(c.t, rs.Columns(), c.p.Policy, c.p.Strict, c.lossy)
	if err != nil {
		return 0, err
	}
	f := &filtered{RowStream: rs, ck: ck}
	sum, err := newSummed(f, c.t)
	if err != nil {
		return 0, err
	}
	if len(c.t.PrimaryKey) == 0 {
		n, err := c.ds.WriteRows(ctx, c.p.Target, c.t.Name, providers.KeyRange{}, sum)
		if err == nil {
			err = sum.Err()
		}
		if err != nil {
			return 0, err
		}
		fp, err := sum.take()
		if err != nil {
			return 0, err
		}
		c.prog.Add(n, 0)
		c.rec.Quality.add(ck.q)
		c.rec.Rows, c.rec.Chunks, c.rec.Done, c.rec.Copied, c.rec.Native = n, 1, true, &fp, nil
		return n, c.put(c.rec)
	}
	var copied int64
	for first := true; ; first = false {
		// Each chunk streams up to chunkRows rows into a range open to
		// this copy's end. The first clears that whole range of what an
		// interrupted run left there; past it the range is then empty,
		// which spares the later chunks a clearing that, with the
		// destination's primary key not built yet, scans the table.
		lim := &limitRows{RowStream: sum, left: chunkRows}
		rg := providers.KeyRange{From: from, To: c.to, Key: c.t.PrimaryKey, Empty: !first}
		n, err := c.ds.WriteRows(ctx, c.p.Target, c.t.Name, rg, lim)
		if ferr := sum.Err(); ferr != nil {
			return copied, ferr
		}
		if err != nil {
			return copied, err
		}
		fp, err := sum.take()
		if err != nil {
			return copied, err
		}
		// A chunk ends at the key of the last source row read (skipped
		// rows included), so chunks leave no gap; the last one is open.
		end := lim.ended
		last := f.last()
		if !end && last == nil {
			return copied, errors.New("a chunk without a last key")
		}
		if !end {
			rg.To = last
		}
		copied += n
		c.rec.Quality.add(ck.q)
		ck.q = quality{}
		if err := c.chunkDone(n, rg.To, end, fp, nil); err != nil {
			return copied, err
		}
		if end {
			return copied, nil
		}
		from = rg.To
	}
}

// chunkDone records a chunk written: n rows up to key to (the range's
// end for the last), with the fingerprint of the source rows it holds
// and their native sum (nil: none).
func (c *tableCopy) chunkDone(n int64, to providers.Row, end bool, fp providers.Fingerprint, native *providers.NativeSum) error {
	var err error
	if c.rec.Copied, err = addCopied(c.rec.Copied, fp); err != nil {
		return err
	}
	c.rec.Native = addNative(c.rec.Native, native)
	c.prog.Add(n, 0)
	c.rec.Rows += n
	c.rec.Chunks++
	c.rec.After = encodeKey(to)
	c.rec.Done = end
	return c.put(c.rec)
}

// runRaw copies the range through the source's RangeCopier, which passes
// rows to a destination of its own kind without building them; handled
// is false when it does not take the tables (then nothing was written).
func (c *tableCopy) runRaw(ctx context.Context, rc providers.RangeCopier, from providers.Row) (copied int64, handled bool, err error) {
	names, types := columnsOf(c.t)
	rg := providers.KeyRange{From: from, To: c.to, Key: c.t.PrimaryKey}
	handled, err = rc.CopyRange(ctx, c.ds, c.p.Source, c.p.Target, c.t.Name, rg, names, types, chunkRows, func(ch providers.CopiedChunk) error {
		to := ch.Last
		if ch.End {
			to = c.to
		}
		copied += ch.Rows
		if c.live != nil {
			c.live.Add(ch.Rows)
		}
		return c.chunkDone(ch.Rows, to, ch.End, ch.Fingerprint, ch.Native)
	})
	return copied, handled, err
}

// limitRows passes on at most left rows of a stream; ended says the
// stream itself ended.
type limitRows struct {
	providers.RowStream
	left  int
	ended bool
}

func (l *limitRows) Next(ctx context.Context) (providers.Row, bool) {
	if l.left <= 0 {
		return nil, false
	}
	row, ok := l.RowStream.Next(ctx)
	if !ok {
		l.ended = true
		return nil, false
	}
	l.left--
	return row, true
}

// splitRows is the fewest rows (by the source's estimate) a table needs to
// be cut into ranges that several workers copy at once.
var splitRows int64 = 50_000

// job is one range of a table for a worker: the whole table (seg -1) or
// one of its segments.
type job struct {
	t        providers.Table
	seg      int
	from, to providers.Row
	key      string // its progress record
	rec      tableRecord
}

func (j *job) label() string {
	if j.seg < 0 {
		return j.t.Name
	}
	return fmt.Sprintf("%s (range %d)", j.t.Name, j.seg+1)
}

// tableProgress sums a split table's segments.
type tableProgress struct {
	segments [][]keyValue
	left     int // segments not done
	rows     int64
	chunks   int
	quality  quality
	doneRows int64 // rows found done before this run
	started  time.Time
	copied   int64 // rows this run wrote
	// live counts the source rows this run read, as they come; resumed
	// the rows of its ranges an earlier run copied; finished says the
	// table is done (for the per-table progress lines).
	live     atomic.Int64
	resumed  int64
	finished bool
	source   *providers.Fingerprint
	// sum adds up the segments' fingerprints of the rows they copied
	// (nil once one recorded none), native their native sums.
	sum    *providers.Fingerprint
	native *providers.NativeSum
}

// doneText reports a finished table: its rows, time and rate.
func (tp *tableProgress) doneText(name string, split bool) string {
	d := time.Since(tp.started)
	rate := float64(tp.copied) / max(d.Seconds(), 0.001)
	how := ""
	if split {
		how = fmt.Sprintf(" in %d key ranges at once", len(tp.segments)+1)
	}
	return fmt.Sprintf("table %s copied%s: %d rows in %s (%.0f rows/s)", name, how, tp.copied, d.Round(time.Millisecond), rate)
}

func (tp *tableProgress) add(rec tableRecord) error {
	tp.rows += rec.Rows
	tp.chunks += rec.Chunks
	tp.quality.add(rec.Quality)
	tp.native = addNative(tp.native, rec.Native)
	if rec.Copied == nil {
		tp.sum = nil // a segment that summed nothing: so does the table
		return nil
	}
	var err error
	tp.sum, err = addCopied(tp.sum, *rec.Copied)
	return err
}

func (tp *tableProgress) final() tableRecord {
	return tableRecord{Done: true, Rows: tp.rows, Chunks: tp.chunks, Segments: tp.segments, Quality: tp.quality, Source: tp.source,
		Copied: tp.sum, Native: tp.native}
}

// planJobs cuts the tables into jobs: a table not done is one job, or,
// when it is big, the source can split it and the split pays (the
// source's providers.SplitAdvisor, for a table whose rows pass through;
// notes say where it does not), one job per key range; the ranges are
// recorded before any is copied, so a resumed run keeps them.
func planJobs(ctx context.Context, ss, ds providers.DatabaseStore, p *rowsParams, recs map[string]tableRecord,
	lossy map[string]map[string]bool, workers int, put func(string, tableRecord) error) ([]*job, map[string]*tableProgress, []string, error) {
	splitter, canSplit := ss.(providers.KeySplitter)
	advisor, advises := ss.(providers.SplitAdvisor)
	var notes []string
	var jobs []*job
	tables := map[string]*tableProgress{}
	for _, t := range p.Schema.Tables {
		rec := recs[t.Name]
		tp := &tableProgress{quality: quality{}, source: rec.Source, sum: &providers.Fingerprint{},
			native: &providers.NativeSum{}}
		tables[t.Name] = tp
		if rec.Done {
			tp.doneRows = rec.Rows
			continue
		}
		split := rec.Segments == nil && rec.Chunks == 0 && canSplit && len(t.PrimaryKey) > 0 && workers > 1 && t.Rows >= splitRows
		if split && advises && len(lossy[t.Name]) == 0 {
			names, _ := columnsOf(t)
			pays, why, err := advisor.SplitPays(ctx, ds, p.Source, p.Target, t.Name, names)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("decide how to copy table %s.%s: %w", p.Source, t.Name, err)
			}
			if !pays {
				split = false
				notes = append(notes, fmt.Sprintf("table %s is copied as one stream, not in key ranges at once: %s", t.Name, why))
			}
		}
		if split {
			keys, err := splitter.SplitKeys(ctx, p.Source, t.Name, workers)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("cut table %s.%s into key ranges: %w", p.Source, t.Name, err)
			}
			if len(keys) > 0 {
				for _, k := range keys {
					rec.Segments = append(rec.Segments, encodeKey(k))
				}
				if err := put(t.Name, rec); err != nil {
					return nil, nil, nil, err
				}
			}
		}
		if len(rec.Segments) == 0 {
			jobs = append(jobs, &job{t: t, seg: -1, key: t.Name, rec: rec})
			continue
		}
		tp.segments = rec.Segments
		bounds := make([]providers.Row, len(rec.Segments))
		for i, k := range rec.Segments {
			b, err := decodeKey(k)
			if err != nil {
				return nil, nil, nil, err
			}
			bounds[i] = b
		}
		for i := 0; i <= len(bounds); i++ {
			jb := &job{t: t, seg: i, key: fmt.Sprintf("%s\x00%03d", t.Name, i)}
			if i > 0 {
				jb.from = bounds[i-1]
			}
			if i < len(bounds) {
				jb.to = bounds[i]
			}
			jb.rec = recs[jb.key]
			if jb.rec.Done {
				if err := tp.add(jb.rec); err != nil {
					return nil, nil, nil, err
				}
				tp.doneRows += jb.rec.Rows
				continue
			}
			tp.left++
			jobs = append(jobs, jb)
		}
	}
	return jobs, tables, notes, nil
}
