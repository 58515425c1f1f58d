package database

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// keyScan collects, while the plan scans a table, the key tuples the
// destination's unique indexes and foreign keys will check: so the plan
// reports duplicates against a unique key and orphan rows of a foreign
// key before the apply fails on them.
type keyScan struct {
	table providers.Table
	// sets holds the tuples of each column list other tables reference
	// or a unique key covers, by signature ("a,b").
	sets   map[string]map[string]bool
	unique []providers.Index
	dups   map[string][]string // unique index name -> sample keys
	ndup   map[string]int
	refs   []*refScan
	types  map[string]string // column -> base
	index  map[string]int    // column -> stream position
}

type refScan struct {
	fk     providers.ForeignKey
	tuples map[string]string // canonical tuple -> sample key of a row holding it
}

func sig(cols []string) string { return strings.Join(cols, ",") }

// newKeyScan prepares the scan of t; referenced lists the column lists of
// t that foreign keys of the moved tables reference.
func newKeyScan(t providers.Table, names []string, referenced [][]string) *keyScan {
	ks := &keyScan{table: t, sets: map[string]map[string]bool{}, dups: map[string][]string{}, ndup: map[string]int{},
		types: map[string]string{}, index: map[string]int{}}
	for _, c := range t.Columns {
		ks.types[c.Name] = c.Type.Base
	}
	for i, n := range names {
		ks.index[n] = i
	}
	if len(t.PrimaryKey) > 0 {
		ks.unique = append(ks.unique, providers.Index{Name: "primary key", Columns: t.PrimaryKey, Unique: true, Primary: true})
	}
	for _, ix := range t.Indexes {
		if ix.Unique && ix.Expr == "" {
			ks.unique = append(ks.unique, ix)
		}
	}
	for _, ix := range ks.unique {
		ks.sets[sig(ix.Columns)] = map[string]bool{}
	}
	for _, cols := range referenced {
		if ks.sets[sig(cols)] == nil {
			ks.sets[sig(cols)] = map[string]bool{}
		}
	}
	for _, fk := range t.ForeignKeys {
		ks.refs = append(ks.refs, &refScan{fk: fk, tuples: map[string]string{}})
	}
	return ks
}

// tuple is the canonical form of a row's values in cols; ok is false when
// one is NULL or has no exact form (it is nulled, skipped or fails).
func (ks *keyScan) tuple(row providers.Row, cols []string) (string, bool) {
	parts := make([]string, len(cols))
	for i, c := range cols {
		j, ok := ks.index[c]
		if !ok || j >= len(row) || row[j] == nil {
			return "", false
		}
		if _, bad := row[j].(providers.BadValue); bad {
			return "", false
		}
		v, err := providers.CanonicalValue(row[j], ks.types[c])
		if err != nil {
			return "", false
		}
		parts[i] = v
	}
	return strings.Join(parts, "\x00"), true
}

// add takes one row; sample is its key for reports.
func (ks *keyScan) add(row providers.Row, sample func() string) {
	seenSig := map[string]bool{}
	for _, ix := range ks.unique {
		s := sig(ix.Columns)
		tu, ok := ks.tuple(row, ix.Columns)
		if !ok {
			continue
		}
		if ks.sets[s][tu] && !seenSig[s] {
			ks.ndup[ix.Name]++
			if len(ks.dups[ix.Name]) < maxSamples {
				ks.dups[ix.Name] = append(ks.dups[ix.Name], sample())
			}
		}
		seenSig[s] = true
		ks.sets[s][tu] = true
	}
	for s, set := range ks.sets {
		if seenSig[s] {
			continue
		}
		if tu, ok := ks.tuple(row, strings.Split(s, ",")); ok {
			set[tu] = true
		}
	}
	for _, r := range ks.refs {
		if tu, ok := ks.tuple(row, r.fk.Columns); ok {
			if _, seen := r.tuples[tu]; !seen {
				r.tuples[tu] = sample()
			}
		}
	}
}

// reportKeys adds the findings of the key checks of a database's checked
// tables: duplicates against unique keys, and rows whose foreign key finds
// no referenced row. Between tables the plan scanned they come from the
// scans; a table too big to scan, and a foreign key to one, is checked by
// query at the source where it is a providers.KeyChecker.
func reportKeys(ctx context.Context, mc *planner.MoveContext, ss providers.DatabaseStore, db, tgt string, all, checked []providers.Table,
	scans map[string]*keyScan, sqliteDest bool) error {
	rows := map[string]int64{}
	for _, t := range all {
		rows[t.Name] = t.Rows
	}
	kc, _ := ss.(providers.KeyChecker)
	checked = append([]providers.Table(nil), checked...)
	sort.Slice(checked, func(i, j int) bool { return checked[i].Name < checked[j].Name })
	for _, t := range checked {
		n := t.Name
		addr := mc.Addr(typeTable, tgt+"."+n)
		dupFinding := func(ix providers.Index, c int64, how, samples string) {
			mc.Finding(planner.SevBlocker, addr, "database.duplicate_keys", ix.Name,
				fmt.Sprintf("table %s.%s: %d row(s) repeat a key of unique %s (%s)%s, sample keys %s; creating it at %s would fail",
					db, n, c, ix.Name, strings.Join(ix.Columns, ", "), how, samples, mc.Move.To),
				"fix the duplicates at the source, or acknowledge to move the table and fail at the index")
		}
		orphanFinding := func(fk providers.ForeignKey, what string, samples string) {
			sev, then := planner.SevBlocker, "adding the foreign key at the destination would fail"
			if sqliteDest {
				sev, then = planner.SevWarning, "SQLite does not check foreign keys unless asked, so they move as they are"
			}
			mc.Finding(sev, addr, "database.orphan_rows", firstNonEmpty(fk.Name, sig(fk.Columns)),
				fmt.Sprintf("table %s.%s: %s have no row in %s (%s), sample keys %s; %s",
					db, n, what, fk.RefTable, strings.Join(fk.RefColumns, ", "), samples, then),
				"fix the orphan rows at the source, or exclude the table")
		}
		ks := scans[n]
		if ks != nil {
			for _, ix := range ks.unique {
				if c := ks.ndup[ix.Name]; c > 0 {
					dupFinding(ix, int64(c), " once their values are translated", strings.Join(ks.dups[ix.Name], ", "))
				}
			}
		} else if kc != nil && t.Rows > scanLimit {
			// The source enforces its primary key as the query would
			// compare it: only the other unique keys are queried.
			for _, ix := range t.Indexes {
				if !ix.Unique || ix.Primary || ix.Expr != "" {
					continue
				}
				c, samples, err := kc.Duplicates(ctx, db, n, ix.Columns, maxSamples)
				if err != nil {
					return fmt.Errorf("check unique %s of table %s.%s at %s: %w", ix.Name, db, n, mc.Move.From, err)
				}
				if c > 0 {
					dupFinding(ix, c, ", found by query at the source", sampleKeys(samples))
				}
			}
		}
		for i, fk := range t.ForeignKeys {
			if ref, ok := scans[fk.RefTable]; ok && ks != nil {
				if set := ref.sets[sig(fk.RefColumns)]; set != nil {
					if orphans, samples := ks.refs[i].orphans(set); orphans > 0 {
						orphanFinding(fk, fmt.Sprintf("%d value(s) of (%s)", orphans, strings.Join(fk.Columns, ", ")), strings.Join(samples, ", "))
					}
				}
				continue
			}
			if kc == nil || (t.Rows <= scanLimit && rows[fk.RefTable] <= scanLimit) {
				continue // both scanned (the scan compares them), or one copied before
			}
			c, samples, err := kc.Orphans(ctx, db, n, fk, maxSamples)
			if err != nil {
				return fmt.Errorf("check foreign key %s of table %s.%s at %s: %w", fk.Name, db, n, mc.Move.From, err)
			}
			if c > 0 {
				orphanFinding(fk, fmt.Sprintf("%d row(s), found by query at the source, whose values of (%s)", c, strings.Join(fk.Columns, ", ")), sampleKeys(samples))
			}
		}
	}
	return nil
}

// orphans counts the tuples of the foreign key the scan saw that set
// (the referenced table's) lacks, with sample keys of rows holding them.
func (r *refScan) orphans(set map[string]bool) (int, []string) {
	var samples []string
	orphans := 0
	keys := make([]string, 0, len(r.tuples))
	for tu := range r.tuples {
		keys = append(keys, tu)
	}
	sort.Strings(keys)
	for _, tu := range keys {
		if !set[tu] {
			orphans++
			if len(samples) < maxSamples {
				samples = append(samples, r.tuples[tu])
			}
		}
	}
	return orphans, samples
}

// sampleKeys renders the sample keys a KeyChecker returned as the scan
// does.
func sampleKeys(keys []providers.Row) string {
	if len(keys) == 0 {
		return "(no primary key)"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = keyText(k)
	}
	return strings.Join(parts, ", ")
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
