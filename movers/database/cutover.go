package database

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// syncAddr is the address type of the cutover's final pass over one
// source database (an action of type rows in the cutover phase).
const syncAddr = "cutover_sync"

// Progress records of the cutover, beside a copy's per-table ones.
const (
	// sourceKey + table: the source fingerprint the destination table
	// holds, as validated by the apply or the last cutover.
	sourceKey = "\x00source\x00"
	// cutoverKey + table (NUL segment): a cutover's re-copy of a table.
	cutoverKey = "\x00cutover\x00"
)

// putSources records each validated table's source fingerprint.
func putSources(ctx context.Context, r *exec.Run, v validation) error {
	items := map[string]any{}
	for _, row := range v {
		fp := row.src
		items[sourceKey+row.table] = tableRecord{Done: true, Rows: fp.Rows, Source: &fp}
	}
	return r.Records().PutMany(context.WithoutCancel(ctx), r.Action.Scope, items)
}

// changedTable is a table whose source fingerprint differs from the one
// the destination holds.
type changedTable struct {
	name   string
	before *providers.Fingerprint // nil: new since the apply, or unrecorded
	now    providers.Fingerprint
	// unrecorded: copied by an apply that recorded no fingerprint (an
	// older rehome), so it is copied again.
	unrecorded bool
}

func (c changedTable) detail() string {
	switch {
	case c.unrecorded:
		return "no fingerprint recorded by the apply"
	case c.before == nil:
		return "new at the source"
	case c.before.Rows != c.now.Rows:
		return fmt.Sprintf("rows %d → %d", c.before.Rows, c.now.Rows)
	}
	return fmt.Sprintf("%d rows, content changed", c.now.Rows)
}

func (c changedTable) text() string { return c.name + " (" + c.detail() + ")" }

// sourceChanges compares the source fingerprints with the recorded ones:
// the tables changed (or new) and the recorded tables no longer at the
// source.
func sourceChanges(tables []providers.Table, fps map[string]providers.Fingerprint, recs map[string]tableRecord) (changed []changedTable, gone []string) {
	have := map[string]bool{}
	for _, t := range tables {
		have[t.Name] = true
		fp, ok := fps[t.Name]
		if !ok {
			continue // not fingerprinted (too big to read at plan time)
		}
		base := recs[sourceKey+t.Name].Source
		if base != nil && *base == fp {
			continue
		}
		_, copied := recs[t.Name]
		changed = append(changed, changedTable{name: t.Name, before: base, now: fp, unrecorded: base == nil && copied})
	}
	for k := range recs {
		if n, ok := strings.CutPrefix(k, sourceKey); ok && !have[n] {
			gone = append(gone, n)
		}
	}
	sort.Strings(gone)
	return changed, gone
}

// cutoverSync is the cutover of one source database: with writes stopped
// at the source, it fingerprints every source table (at one snapshot
// where the engine has one), re-copies the tables whose fingerprint
// differs from the validated one (or that are new) wholesale in key
// ranges, resets the sequences and validates every table again. Each
// re-copied table's record makes a resumed cutover skip it.
func cutoverSync(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	p, ss, ds, release, err := openCopy(ctx, r)
	if err != nil || release == nil {
		return state.Result{}, err
	}
	defer release()
	all, err := planner.LoadRecords[tableRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	lossy := lossyColumns(p.Lossy)
	workers := max(1, p.Parallelism)

	// 1. Every source table's fingerprint, at the snapshot.
	start := time.Now()
	srcs := make(map[string]sourceFP, len(p.Schema.Tables))
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for _, t := range p.Schema.Tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := sourceFingerprint(ctx, ss, p.Source, t, p.Policy, p.Strict, lossy[t.Name], false)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("table %s: %v", t.Name, err))
				return
			}
			srcs[t.Name] = s
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return state.Result{}, err
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return state.Result{}, fmt.Errorf("fingerprint the source tables of %s at %s: %s", p.Source, a.From.Env, strings.Join(errs, "; "))
	}
	fps := map[string]providers.Fingerprint{}
	for n, s := range srcs {
		fps[n] = s.fp
	}
	changed, gone := sourceChanges(p.Schema.Tables, fps, all)
	r.Message("fingerprinted %d source tables in %s: %d changed since the apply", len(p.Schema.Tables), time.Since(start).Round(time.Millisecond), len(changed))
	if len(gone) > 0 {
		r.Message("tables gone from the source since the apply, kept at the destination (rehome does not drop them): %s", strings.Join(gone, ", "))
	}

	// 2. Which re-copies an interrupted cutover finished or began.
	put := func(key string, rec tableRecord) error {
		return r.Records().Put(context.WithoutCancel(ctx), a.Scope, cutoverKey+key, rec)
	}
	putSource := func(table string) error {
		fp := fps[table]
		return r.Records().Put(context.WithoutCancel(ctx), a.Scope, sourceKey+table, tableRecord{Done: true, Rows: fp.Rows, Source: &fp})
	}
	recs := map[string]tableRecord{}
	for k, v := range all {
		if n, ok := strings.CutPrefix(k, cutoverKey); ok {
			recs[n] = v
		}
	}
	var res state.Result
	var recopy []providers.Table
	var texts, earlier []string
	byName := map[string]providers.Table{}
	for _, t := range p.Schema.Tables {
		byName[t.Name] = t
	}
	for _, c := range changed {
		cr := recs[c.name]
		if cr.Source == nil || *cr.Source != c.now {
			// Not begun, or begun for other source rows: from the start.
			if err := forgetCopy(ctx, r, recs, c.name); err != nil {
				return res, err
			}
			fp := c.now
			recs[c.name] = tableRecord{Source: &fp}
			if err := put(c.name, recs[c.name]); err != nil {
				return res, err
			}
		} else if cr.Done {
			// Re-copied by an interrupted cutover; only its record is left.
			if err := putSource(c.name); err != nil {
				return res, err
			}
			earlier = append(earlier, c.name)
			continue
		}
		recopy = append(recopy, byName[c.name])
		texts = append(texts, c.text())
	}
	if len(earlier) > 0 {
		r.Message("re-copied by the interrupted cutover, not again: %s", strings.Join(earlier, ", "))
	}

	// 3. The re-copy, in key ranges through WriteRows.
	if len(recopy) > 0 {
		r.Message("re-copying %d table(s) changed at the source: %s", len(recopy), strings.Join(texts, ", "))
		names := make([]string, len(recopy))
		var rows int64
		for i, t := range recopy {
			names[i] = t.Name
			rows += fps[t.Name].Rows
		}
		if fr, ok := ds.(providers.ForeignKeyReleaser); ok {
			if err := fr.ReleaseForeignKeys(ctx, p.Target, p.Schema, names); err != nil {
				return res, fmt.Errorf("drop the foreign keys on or to %s in %s at %s while they are re-copied: %w", strings.Join(names, ", "), p.Target, a.To.Env, err)
			}
		}
		sub := p
		sub.Schema.Tables = recopy
		prog := r.Progress(rows, 0)
		prog.Start()
		cp := &copier{r: r, ss: ss, ds: ds, p: &sub, lossy: lossy, prog: prog, put: put, done: putSource}
		res, err = cp.copyTables(ctx, recs, workers)
		if err != nil {
			return res, err
		}
	} else {
		r.Message("no table changed at the source since the apply: nothing to re-copy")
	}
	if err := ds.FinishSchema(ctx, p.Target, p.Schema); err != nil {
		return res, fmt.Errorf("add indexes, checks, foreign keys and sequences in %s at %s: %w", p.Target, a.To.Env, err)
	}
	if err := resetOwnSequences(ctx, r, ss, ds, p.Source, p.Target); err != nil {
		return res, err
	}

	// 4. Every table validated again, against the fingerprints above.
	bounds, err := copyBounds(all)
	if err != nil {
		return res, err
	}
	v, err := validate(ctx, ss, ds, &p, lossy, nil, workers, srcs, bounds)
	in := checkIntegrity(ctx, ds, &p)
	r.Message("%s", strings.TrimSuffix(v.text()+"\n"+in.text(p.Target, a.To.Env), "\n"))
	attrs := map[string]string{"id": a.To.ID, "tables": strconv.Itoa(len(p.Schema.Tables)), "recopied": strconv.Itoa(len(recopy) + len(earlier)),
		"rows": strconv.FormatInt(v.rows(), 10), "validation": "passed"}
	if err != nil || !v.ok() || !in.ok() {
		attrs["validation"] = "failed"
		_ = r.SetResource(ctx, state.Resource{Address: a.Address, Type: typeRows, Env: a.To.Env, Name: p.Target, Attrs: attrs})
		if err != nil {
			return res, fmt.Errorf("validate %s at %s against %s at %s: %w", p.Target, a.To.Env, p.Source, a.From.Env, err)
		}
		return res, fmt.Errorf("validation after the cutover failed: %s", allFailures(v, in))
	}
	// Done: the cutover's records go, so a later cutover starts afresh.
	for _, t := range recopy {
		if err := forgetCopy(ctx, r, recs, t.Name); err != nil {
			return res, err
		}
	}
	for _, n := range earlier {
		if err := forgetCopy(ctx, r, recs, n); err != nil {
			return res, err
		}
	}
	return res, r.SetResource(ctx, state.Resource{Address: a.Address, Type: typeRows, Env: a.To.Env, Name: p.Target, Attrs: attrs})
}

// forgetCopy deletes a table's cutover records (its own and its
// segments').
func forgetCopy(ctx context.Context, r *exec.Run, recs map[string]tableRecord, table string) error {
	for k := range recs {
		if k == table || strings.HasPrefix(k, table+"\x00") {
			if err := r.Records().Delete(context.WithoutCancel(ctx), r.Action.Scope, cutoverKey+k); err != nil {
				return err
			}
			delete(recs, k)
		}
	}
	return nil
}

// planCutover adds the cutover's action for one source database: after
// an apply validated the copy, it fingerprints the source tables small
// enough for the plan-time scan (scanLimit rows) and lists those changed
// since, so the plan shows what the cutover will re-copy; bigger tables
// are checked at the cutover. lateTables are the creates of tables new at
// the source since the apply, which the cutover copies.
func planCutover(ctx context.Context, mc *planner.MoveContext, ss providers.DatabaseStore, p rowsParams, recs map[string]tableRecord,
	validated bool, scope, rowsAddr string, lateTables []string) error {
	m := mc.Move
	addr := mc.Addr(syncAddr, p.Source)
	a := planner.Action{Address: addr, Type: typeRows, Action: planner.ActSync, Phase: planner.PhaseCutover,
		DependsOn: append([]string{rowsAddr}, lateTables...), From: planner.Endpoint{Env: m.From, Name: p.Source}, To: planner.Endpoint{Env: m.To, Name: p.Target},
		Scope: scope, Params: planner.EncodeParams(p),
		Check: fmt.Sprintf("with writes stopped at %s, every table's row count and content checksum at %s equal the source's (the validation table, every table again)",
			m.From, m.To),
		Undo: "none needed: rollback drops the tables rehome created, with their rows",
		Options: []planner.Option{{Name: "before", Value: fmt.Sprintf("stop writes to %s at %s (no change capture yet)", p.Source, m.From)},
			{Name: "snapshot", Value: snapshotText(mc)}},
		Reason: "stop writes at the source first; then the tables changed at the source since the apply (by fingerprint) are re-copied wholesale in key ranges, sequences reset, and every table validated again"}
	if p.SchemaOnly {
		a.Action, a.Reason = planner.ActNoop, "schema_only: no rows to re-copy"
		mc.Add(a)
		return nil
	}
	if !validated {
		// Before the apply nothing is known to have changed: at most,
		// every table is re-read for its fingerprint and copied again.
		var rows, bytes int64
		for _, t := range p.Schema.Tables {
			rows += t.Rows
			bytes += t.Bytes
		}
		a.Estimate = planner.Estimate{Items: rows, Bytes: bytes, Seconds: planner.RowCopySeconds(rows, bytes),
			Basis: "at most the copy again, every table changed (" + planner.RowCopyBasis + ")"}
		mc.Add(a)
		return nil
	}
	fps := map[string]providers.Fingerprint{}
	var big []string
	var bigRows int64
	lossy := lossyColumns(p.Lossy)
	for _, t := range p.Schema.Tables {
		if t.Rows > scanLimit {
			big = append(big, t.Name)
			bigRows += t.Rows
			continue
		}
		s, err := sourceFingerprint(ctx, ss, p.Source, t, p.Policy, p.Strict, lossy[t.Name], false)
		if err != nil {
			return fmt.Errorf("fingerprint table %s.%s at %s: %w", p.Source, t.Name, m.From, err)
		}
		fps[t.Name] = s.fp
	}
	changed, gone := sourceChanges(p.Schema.Tables, fps, recs)
	for _, n := range gone {
		mc.Finding(planner.SevWarning, addr, "database.table_gone", n,
			fmt.Sprintf("table %s.%s was copied by the apply but is gone from %s; the cutover keeps it at %s (rehome does not drop it)", p.Source, n, m.From, m.To),
			"drop it at the destination yourself if it is no longer wanted, or accept")
	}
	size := map[string]int64{}
	for _, t := range p.Schema.Tables {
		size[t.Name] = t.Bytes
	}
	var rows, bytes int64
	for _, c := range changed {
		op, why := planner.ChangeReplace, "changed at the source since the "+since(mc)+": "+c.detail()
		if c.before == nil && !c.unrecorded {
			op, why = planner.ChangeCreate, "new at the source since the "+since(mc)
		}
		a.Changes = append(a.Changes, planner.Change{Op: op, Item: p.Target + "." + c.name, Size: size[c.name], Reason: why})
		rows += c.now.Rows
		bytes += size[c.name]
	}
	for _, n := range big {
		bytes += size[n]
	}
	rows += bigRows
	a.Estimate = planner.Estimate{Items: rows, Bytes: bytes, Seconds: planner.RowCopySeconds(rows, bytes), Basis: planner.RowCopyBasis}
	var notes []string
	switch {
	case len(changed) > 0:
		notes = append(notes, fmt.Sprintf("%d table(s) changed at the source since the %s (by fingerprint, now)", len(changed), since(mc)))
	case len(fps) > 0:
		notes = append(notes, fmt.Sprintf("no table changed at the source since the %s (by fingerprint, now)", since(mc)))
	}
	if len(big) > 0 {
		notes = append(notes, fmt.Sprintf("%d table(s) of more than %d rows are checked at the cutover (%s)", len(big), scanLimit, strings.Join(big, ", ")))
	}
	a.Reason = "stop writes at the source first; " + strings.Join(notes, "; ") + "; the cutover fingerprints every table again, re-copies the changed ones wholesale in key ranges, resets sequences and validates every table"
	if mc.CutoverDone() && len(changed) == 0 && len(big) == 0 && len(lateTables) == 0 {
		a.Action, a.Reason, a.Estimate = planner.ActNoop, "cutover already ran; no table changed at the source since", planner.Estimate{}
	}
	mc.Add(a)
	return nil
}

func since(mc *planner.MoveContext) string {
	if mc.CutoverDone() {
		return "cutover"
	}
	return "apply"
}

// resetOwnSequences sets, from the source read again, the positions of
// the sequences of their own (not a column's) that the apply's objects
// action created: FinishSchema resets only the columns' sequences, and
// the source's own may have moved on since the apply.
func resetOwnSequences(ctx context.Context, r *exec.Run, ss, ds providers.DatabaseStore, source, target string) error {
	oc, ok := ds.(providers.ObjectCreator)
	if !ok {
		return nil
	}
	a := r.Action
	created := map[string]bool{} // a sequence is created early or late
	for _, typ := range []string{typeTypes, typeObjects} {
		recs, err := planner.LoadRecords[objectRecord](ctx, r.Records(), a.Scope+"/"+typ)
		if err != nil {
			return err
		}
		for k, rec := range recs {
			created[k] = created[k] || rec.Created
		}
	}
	if len(created) == 0 {
		return nil
	}
	s, err := ss.Schema(ctx, source)
	if err != nil {
		return fmt.Errorf("read the sequences of %s at %s: %w", source, a.From.Env, err)
	}
	for _, o := range s.Objects {
		if o.Kind != "sequence" || !created[objectKey(o)] {
			continue
		}
		what := objectText(target, o)
		if err := r.Caller.Do(ctx, "set "+what, func(ctx context.Context, _ int) error { return oc.SetSequence(ctx, target, o) }); err != nil {
			return fmt.Errorf("set the position of %s at %s: %w", what, a.To.Env, err)
		}
	}
	return nil
}
