package database

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// chunkRows is how many source rows one key range holds: one WriteRows
// transaction and one progress record.
var chunkRows = 10_000

// Apply carries out a database action.
func (Mover) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	switch r.Action.Type {
	case typeDatabase:
		return createDatabase(ctx, r)
	case typeTable:
		return createTable(ctx, r)
	case typeRows:
		return copyRows(ctx, r)
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

// copyRows copies a source database's tables (several at once), finishes
// the schema, and validates every table.
func copyRows(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p rowsParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	src, dst, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	ss, ds, err := sides(src, dst)
	if err != nil {
		return state.Result{}, err
	}
	if p.SchemaOnly {
		if err := ds.FinishSchema(ctx, p.Target, p.Schema); err != nil {
			return state.Result{}, fmt.Errorf("add indexes, checks, foreign keys and sequences in %s at %s: %w", p.Target, a.To.Env, err)
		}
		return state.Result{}, nil
	}
	if sn, ok := ss.(providers.Snapshotter); ok {
		_, _, release, err := sn.Snapshot(ctx, p.Source)
		if err != nil {
			return state.Result{}, fmt.Errorf("take a snapshot of %s at %s: %w", p.Source, a.From.Env, err)
		}
		defer release()
	}
	recs, err := planner.LoadRecords[tableRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	lossy := map[string]map[string]bool{}
	for _, l := range p.Lossy {
		if t, c, ok := strings.Cut(l, "."); ok {
			if lossy[t] == nil {
				lossy[t] = map[string]bool{}
			}
			lossy[t][c] = true
		}
	}
	prog := r.Progress(a.Estimate.Items, 0)
	prog.Start()
	var mu sync.Mutex
	var res state.Result
	var resumed []string
	put := func(table string, rec tableRecord) error {
		return r.Records().Put(context.WithoutCancel(ctx), a.Scope, table, rec)
	}
	work := make(chan providers.Table)
	errs := make([]error, len(p.Schema.Tables))
	index := map[string]int{}
	for i, t := range p.Schema.Tables {
		index[t.Name] = i
	}
	var wg sync.WaitGroup
	workers := max(1, min(p.Parallelism, len(p.Schema.Tables)))
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				rec := recs[t.Name]
				if rec.Done {
					mu.Lock()
					res.AlreadyDone += rec.Rows
					mu.Unlock()
					prog.Add(rec.Rows, 0)
					continue
				}
				if rec.Chunks > 0 {
					mu.Lock()
					resumed = append(resumed, fmt.Sprintf("%s after %d rows", t.Name, rec.Rows))
					mu.Unlock()
				}
				c := &tableCopy{ss: ss, ds: ds, p: &p, t: t, rec: rec, lossy: lossy[t.Name], prog: prog,
					put: func(rec tableRecord) error { return put(t.Name, rec) }}
				n, err := c.run(cctx)
				mu.Lock()
				res.Copied += n
				mu.Unlock()
				if err != nil {
					errs[index[t.Name]] = fmt.Errorf("copy table %s.%s into %s.%s: %w", p.Source, t.Name, p.Target, t.Name, err)
					var bv *BadValueError
					if errors.As(err, &bv) {
						cancel() // the policy stops the whole copy
					}
				}
			}
		}()
	}
	for _, t := range p.Schema.Tables {
		select {
		case work <- t:
		case <-cctx.Done():
		}
	}
	close(work)
	wg.Wait()
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
	if err := ds.FinishSchema(ctx, p.Target, p.Schema); err != nil {
		return res, fmt.Errorf("add indexes, checks, foreign keys and sequences in %s at %s: %w", p.Target, a.To.Env, err)
	}
	// The data-quality report, from every table's records.
	recs, err = planner.LoadRecords[tableRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return res, err
	}
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
	v, err := validate(ctx, ss, ds, &p, lossy, workers)
	r.Message("%s", v.text())
	attrs := map[string]string{"id": a.To.ID, "tables": strconv.Itoa(len(p.Schema.Tables)), "rows": strconv.FormatInt(v.rows(), 10),
		"nulled": strconv.FormatInt(nulled, 10), "skipped": strconv.FormatInt(skipped, 10), "changed": strconv.FormatInt(changed, 10),
		"validation": "passed"}
	if err != nil || !v.ok() {
		attrs["validation"] = "failed"
		_ = r.SetResource(ctx, state.Resource{Address: a.Address, Type: typeRows, Env: a.To.Env, Name: p.Target, Attrs: attrs})
		if err != nil {
			return res, fmt.Errorf("validate %s at %s against %s at %s: %w", p.Target, a.To.Env, p.Source, a.From.Env, err)
		}
		return res, fmt.Errorf("validation failed: %s", v.failures())
	}
	if err := put(validatedKey, tableRecord{Done: true, Rows: v.rows()}); err != nil {
		return res, err
	}
	return res, r.SetResource(ctx, state.Resource{Address: a.Address, Type: typeRows, Env: a.To.Env, Name: p.Target, Attrs: attrs})
}

// tableCopy copies one table in key ranges, recording each range it
// finished.
type tableCopy struct {
	ss, ds providers.DatabaseStore
	p      *rowsParams
	t      providers.Table
	rec    tableRecord
	lossy  map[string]bool
	prog   interface{ Add(items, bytes int64) }
	put    func(tableRecord) error
}

func (c *tableCopy) run(ctx context.Context) (int64, error) {
	from, err := decodeKey(c.rec.After)
	if err != nil {
		return 0, err
	}
	if len(c.t.PrimaryKey) == 0 {
		from, c.rec = nil, tableRecord{} // copied whole, from the start
	}
	rs, err := c.ss.ReadRows(ctx, c.p.Source, c.t.Name, providers.KeyRange{From: from})
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	ck, err := newChecker(c.t, rs.Columns(), c.p.Policy, c.p.Strict, c.lossy)
	if err != nil {
		return 0, err
	}
	if c.rec.Quality == nil {
		c.rec.Quality = quality{}
	}
	f := &filtered{RowStream: rs, ck: ck}
	if len(c.t.PrimaryKey) == 0 {
		n, err := c.ds.WriteRows(ctx, c.p.Target, c.t.Name, providers.KeyRange{}, f)
		if err != nil {
			return 0, err
		}
		c.prog.Add(n, 0)
		c.rec.Quality.add(ck.q)
		c.rec.Rows, c.rec.Chunks, c.rec.Done = n, 1, true
		return n, c.put(c.rec)
	}
	var copied int64
	for {
		batch := make([]providers.Row, 0, min(chunkRows, 1024))
		read := 0
		for read < chunkRows {
			row, ok := f.Next(ctx)
			if !ok {
				break
			}
			batch = append(batch, row)
			read++
		}
		if err := f.Err(); err != nil {
			return copied, err
		}
		// A chunk ends at the key of the last source row read (skipped
		// rows included), so ranges leave no gap; the last one is open.
		end := read < chunkRows
		rg := providers.KeyRange{From: from, To: f.last}
		if end {
			rg.To = nil
		}
		if !end && f.last == nil {
			return copied, errors.New("a chunk without a last key")
		}
		n, err := c.ds.WriteRows(ctx, c.p.Target, c.t.Name, rg, &providers.SliceRows{Cols: rs.Columns(), Rows: batch})
		if err != nil {
			return copied, err
		}
		copied += n
		c.prog.Add(n, 0)
		c.rec.Quality.add(ck.q)
		ck.q = quality{}
		c.rec.Rows += n
		c.rec.Chunks++
		c.rec.After = encodeKey(rg.To)
		c.rec.Done = end
		if err := c.put(c.rec); err != nil {
			return copied, err
		}
		if end {
			return copied, nil
		}
		from = rg.To
	}
}
