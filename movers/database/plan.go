package database

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// Action types of the database kind.
const (
	typeDatabase = "database"
	typeTable    = "table"
	typeRows     = "rows"
)

// what names the kind's provider interface in errors.
const what = "database service"

// scanLimit is the most rows (by the source's estimate) a table may hold
// for the plan to read it whole for the data-quality report; the keys of
// bigger tables are checked by query (providers.KeyChecker). A variable,
// for tests.
var scanLimit int64 = 200_000

// databaseParams are a destination database's (schema's) create.
type databaseParams struct {
	Name string `json:"name"`
}

// tableParams are a table's create at the destination.
type tableParams struct {
	Source string          `json:"source"`
	Target string          `json:"target"`
	Engine string          `json:"engine"`
	Table  providers.Table `json:"table"`
}

// rowsParams are the copy of one source database's rows.
type rowsParams struct {
	Source      string             `json:"source"`
	Target      string             `json:"target"`
	Schema      providers.DBSchema `json:"schema"`
	Policy      string             `json:"on_bad_value"`
	Parallelism int                `json:"parallelism"`
	SchemaOnly  bool               `json:"schema_only,omitempty"`
	// Strict: the destination takes no NUL bytes or invalid UTF-8 in text.
	Strict bool `json:"strict,omitempty"`
	// Lossy lists "table.column" whose values the translation can change.
	Lossy []string `json:"lossy,omitempty"`
	// Foreign lists the tables that existed before rehome, whose rows the
	// copy replaces (overwrite = true).
	Foreign []string `json:"foreign,omitempty"`
}

// tableRecord is a table's copy progress: rows up to After (a primary
// key) are at the destination; Done when the whole table is.
type tableRecord struct {
	After []keyValue `json:"after,omitempty"`
	Done  bool       `json:"done,omitempty"`
	Rows  int64      `json:"rows"`
	// Chunks counts the key ranges written.
	Chunks  int     `json:"chunks"`
	Quality quality `json:"quality,omitempty"`
	// Segments are the keys a big table was cut at, for several workers;
	// each range has a record of its own (table NUL index).
	Segments [][]keyValue `json:"segments,omitempty"`
	// Source is the source table's fingerprint (rows and checksum, no
	// values) the record stands for: the validated one (sourceKey), or the
	// one a cutover's re-copy copies (cutoverKey).
	Source *providers.Fingerprint `json:"source,omitempty"`
	// Copied is the fingerprint of the source rows the record's ranges
	// wrote, as the copy read them (summed); nil when a range recorded
	// none.
	Copied *providers.Fingerprint `json:"copied,omitempty"`
	// Native is the sum of the same rows in the destination engine's own
	// hash functions, taken by a copy that passed them through (nil when
	// a range took none), for the validation to have the destination
	// sum its rows on its server instead of reading them back.
	Native *providers.NativeSum `json:"native,omitempty"`
}

// validatedKey is the record saying the validation passed.
const validatedKey = "\x00validated"

// Scope is the progress scope of one source database's copy: it includes
// where the destination points, so pointing the move elsewhere starts
// afresh.
func Scope(move, src, dstID, target string) string {
	return "database/" + move + "/" + src + "/" + dstID + "/" + target
}

func sides(src, dst *planner.Env) (providers.DatabaseStore, providers.DatabaseStore, error) {
	return planner.Capabilities[providers.DatabaseStore](src, dst, what)
}

func engineOf(e *planner.Env) string {
	if h, ok := e.Provider.(providers.DatabaseHome); ok {
		return h.Engine()
	}
	if len(e.Factory.Caps.Database.Engines) > 0 {
		return e.Factory.Caps.Database.Engines[0]
	}
	return e.Factory.Name
}

// matchTable applies include/exclude globs to a table, by its name or as
// db.table.
func matchTable(db, table string, include, exclude []string) bool {
	match := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, table); ok {
				return true
			}
			if ok, _ := path.Match(g, db+"."+table); ok {
				return true
			}
		}
		return false
	}
	if len(include) > 0 && !match(include) {
		return false
	}
	return !match(exclude)
}

// Plan plans a database move: per source database, the destination
// schema, each table's create with its translation, and the copy with its
// validation.
func (Mover) Plan(ctx context.Context, mc *planner.MoveContext) error {
	m, src, dst := mc.Move, mc.From, mc.To
	ss, ds, err := sides(src, dst)
	if err != nil {
		return err
	}
	cfg := settings(m)
	if !dst.Factory.Caps.Role(Kind).Can(providers.Destination) {
		mc.Finding(planner.SevBlocker, m.Addr(), "database.no_destination", "",
			fmt.Sprintf("%s (%s) cannot be the destination of a database move", m.To, dst.Factory.Name), "move into a postgres or sqlite environment")
		return nil
	}
	tr, ok := dst.Provider.(providers.SchemaTranslator)
	if !ok {
		mc.Finding(planner.SevBlocker, m.Addr(), "database.no_translation", "",
			fmt.Sprintf("%s (%s) cannot translate schemas", m.To, dst.Factory.Name), "move into a postgres or sqlite environment")
		return nil
	}
	if h, ok := dst.Provider.(providers.DatabaseHome); ok && h.SingleDatabase() && cfg.TargetSchema != "" && cfg.TargetSchema != h.DefaultDatabase() {
		mc.Finding(planner.SevBlocker, m.Addr(), "database.single_database", cfg.TargetSchema,
			fmt.Sprintf("%s (%s) holds one database, %q; target_schema = %q cannot be created there", m.To, dst.Factory.Name, h.DefaultDatabase(), cfg.TargetSchema),
			"remove target_schema")
		return nil
	}
	if ok, err := planServer(ctx, mc); !ok || err != nil { // server.go
		return err
	}
	all, err := ss.Databases(ctx)
	if err != nil {
		return fmt.Errorf("list databases at %s: %w", m.From, err)
	}
	have := map[string]bool{}
	var names []string
	for _, d := range all {
		have[d.Name] = true
		names = append(names, d.Name)
	}
	var dbs []string
	if len(cfg.Databases) > 0 {
		for _, d := range cfg.Databases {
			if !have[d] {
				mc.Finding(planner.SevBlocker, mc.Addr(typeRows, d), "database.source_missing", d,
					fmt.Sprintf("database %q does not exist at %s (it has: %s)", d, m.From, strings.Join(names, ", ")),
					"correct the name in databases")
				continue
			}
			dbs = append(dbs, d)
		}
	} else {
		dbs = names
	}
	dstDBs, err := ds.Databases(ctx)
	if err != nil {
		return fmt.Errorf("list databases at %s: %w", m.To, err)
	}
	dstHave := map[string]bool{}
	for _, d := range dstDBs {
		dstHave[d.Name] = true
	}
	used := map[string]string{} // target table -> source db.table
	seenTarget, usedOverrides := map[string]bool{}, map[string]bool{}
	for _, db := range dbs {
		if err := planDatabase(ctx, mc, ss, ds, tr, cfg, db, dstHave, seenTarget, used, usedOverrides); err != nil {
			return err
		}
	}
	for k := range cfg.TypeOverrides {
		if !usedOverrides[k] {
			mc.Finding(planner.SevBlocker, m.Addr(), "database.override_unknown", k,
				fmt.Sprintf("type_overrides names %q, which is not a moved column", k), "correct or remove the override")
		}
	}
	return nil
}

// target is where source database db lands.
func target(cfg *Settings, dst *planner.Env, srcEngine, db string) string {
	if cfg.TargetSchema != "" {
		return cfg.TargetSchema
	}
	if h, ok := dst.Provider.(providers.DatabaseHome); ok && (h.SingleDatabase() || srcEngine == "sqlite") {
		return h.DefaultDatabase()
	}
	return db
}

func planDatabase(ctx context.Context, mc *planner.MoveContext, ss, ds providers.DatabaseStore, tr providers.SchemaTranslator,
	cfg *Settings, db string, dstHave, seenTarget map[string]bool, used map[string]string, usedOverrides map[string]bool) error {
	m, src, dst := mc.Move, mc.From, mc.To
	s, err := ss.Schema(ctx, db)
	if err != nil {
		return fmt.Errorf("read the schema of %q at %s: %w", db, m.From, err)
	}
	if s.Engine == "" {
		s.Engine = engineOf(src)
	}
	tgt := target(cfg, dst, s.Engine, db)
	// Select the tables; foreign keys to tables left out are dropped.
	var tables []providers.Table
	kept := map[string]bool{}
	for _, t := range s.Tables {
		if matchTable(db, t.Name, cfg.Include, cfg.Exclude) {
			kept[t.Name] = true
		}
	}
	for _, t := range s.Tables {
		if !kept[t.Name] {
			continue
		}
		var fks []providers.ForeignKey
		for _, fk := range t.ForeignKeys {
			if kept[fk.RefTable] {
				fks = append(fks, fk)
				continue
			}
			mc.Finding(planner.SevWarning, mc.Addr(typeTable, tgt+"."+t.Name), "database.fk_dropped", fk.Name,
				fmt.Sprintf("table %s.%s: foreign key %s references %s, which the move leaves out; it is not created", db, t.Name, fk.Name, fk.RefTable),
				"include the referenced table, or accept")
		}
		t.ForeignKeys = fks
		for i, c := range t.Columns {
			if o, ok := cfg.TypeOverrides[db+"."+t.Name+"."+c.Name]; ok {
				t.Columns[i].DestType = o
				usedOverrides[db+"."+t.Name+"."+c.Name] = true
			}
		}
		tables = append(tables, t)
	}
	s.Tables = tables
	if len(tables) == 0 {
		mc.Finding(planner.SevWarning, mc.Addr(typeRows, db), "database.no_tables", db,
			fmt.Sprintf("database %q at %s has no tables to move (include %v / exclude %v)", db, m.From, cfg.Include, cfg.Exclude),
			"check the include and exclude globs")
	}

	// The destination database (schema).
	dbAddr := mc.Addr(typeDatabase, tgt)
	existing := map[string]bool{}
	if dstHave[tgt] {
		dsch, err := ds.Schema(ctx, tgt)
		if err != nil && !errors.Is(err, providers.ErrNotFound) {
			return fmt.Errorf("read the schema of %q at %s: %w", tgt, m.To, err)
		}
		for _, t := range dsch.Tables {
			existing[t.Name] = true
		}
	}
	if !seenTarget[tgt] {
		seenTarget[tgt] = true
		mc.Container(planner.Action{Address: dbAddr, Type: typeDatabase, DependsOn: serverDeps(mc),
			From: planner.Endpoint{Env: m.From, Name: db}, To: planner.Endpoint{Env: m.To, Name: tgt}, Moves: &planner.Moved{Type: providers.TypeDatabase},
			Check:  fmt.Sprintf("schema %q exists at %s", tgt, m.To),
			Params: planner.EncodeParams(databaseParams{Name: tgt})}, dstHave[tgt],
			fmt.Sprintf("drop schema %q at %s if it holds nothing rehome did not create", tgt, m.To),
			"database.dest_exists", fmt.Sprintf("schema %q exists at %s; rehome creates its tables in it and never drops it", tgt, m.To))
	}

	// The translation, and what it cannot do exactly.
	trans, notes := tr.TranslateSchema(s, s.Engine)
	byTable := map[string][]providers.Translation{}
	lossy := map[string]bool{}
	for _, x := range trans {
		byTable[x.Table] = append(byTable[x.Table], x)
		if x.Lossy {
			lossy[x.Table+"."+x.Column] = true
			mc.Finding(planner.SevWarning, mc.Addr(typeTable, tgt+"."+x.Table), "database.lossy_type", x.Column,
				fmt.Sprintf("column %s.%s.%s: %s becomes %s at %s: %s", db, x.Table, x.Column, x.From, x.To, m.To, x.Note),
				"set a type in type_overrides, or accept; the data-quality report counts the values")
		}
	}
	for _, n := range notes {
		mc.Finding(planner.SevWarning, mc.Addr(typeRows, db), "database.not_exact", n,
			fmt.Sprintf("database %s: %s", db, n), "recreate it by hand after the move, or accept")
	}
	objs, err := planObjects(ctx, mc, ds, s, db, tgt, dbAddr)
	if err != nil {
		return err
	}

	scope := Scope(m.Addr(), db, dst.ID(), tgt)
	recs, err := planner.LoadRecords[tableRecord](ctx, mc.Progress(), scope)
	if err != nil {
		return err
	}
	strict := engineOf(dst) == "postgres"
	referenced := map[string][][]string{}
	for _, t := range tables {
		for _, fk := range t.ForeignKeys {
			referenced[fk.RefTable] = append(referenced[fk.RefTable], fk.RefColumns)
		}
	}
	scans := map[string]*keyScan{}
	var checked []providers.Table // the tables whose keys the plan checks
	// A copy validated by an earlier apply is not scanned again. Tables
	// new at the source since are the cutover's to create and copy.
	v, validated := recs[validatedKey]
	validated = validated && v.Done
	copied := validated && allDone(recs, knownTables(recs, tables))
	var tableAddrs, foreign, lossyList, lateTables []string
	var rows, bytes int64
	var bad []string
	for ti, t := range tables {
		addr := mc.Addr(typeTable, tgt+"."+t.Name)
		tableAddrs = append(tableAddrs, addr)
		rows += t.Rows
		bytes += t.Bytes
		if prev, dup := used[tgt+"."+t.Name]; dup {
			mc.Finding(planner.SevBlocker, addr, "database.name_collision", "",
				fmt.Sprintf("tables %s and %s.%s would both become %s.%s at %s", prev, db, t.Name, tgt, t.Name, m.To),
				"move them into different schemas with target_schema, or leave one out")
		}
		used[tgt+"."+t.Name] = db + "." + t.Name
		var opts []planner.Option
		for _, x := range byTable[t.Name] {
			v := x.From + " → " + x.To
			if x.Note != "" {
				v += " (" + x.Note + ")"
			}
			opts = append(opts, planner.Option{Name: x.Column, Value: v})
			if x.Lossy {
				lossyList = append(lossyList, t.Name+"."+x.Column)
			}
		}
		a := planner.Action{Address: addr, Type: typeTable, DependsOn: append([]string{dbAddr}, serverDeps(mc)...),
			From: planner.Endpoint{Env: m.From, Name: db + "." + t.Name}, To: planner.Endpoint{Env: m.To, Name: tgt + "." + t.Name},
			Check:   fmt.Sprintf("table %s.%s exists at %s with the columns shown", tgt, t.Name, m.To),
			Params:  planner.EncodeParams(tableParams{Source: db, Target: tgt, Engine: s.Engine, Table: t}),
			Options: opts, Reason: tableReason(t)}
		if objs.early != "" {
			a.DependsOn = append(a.DependsOn, objs.early)
		}
		st := mc.State().FindResource(addr)
		ours := st != nil && st.Created && st.Attrs["id"] == dst.ID()
		if existing[t.Name] && !ours {
			if m.Overwrite {
				mc.Finding(planner.SevWarning, addr, "database.table_replaced", "",
					fmt.Sprintf("table %s.%s exists at %s and rehome did not create it; with overwrite = true its rows are replaced by the source's, and rollback cannot restore them",
						tgt, t.Name, m.To), "back the table up first, or remove overwrite")
				a.Action, a.Phase, a.Reason = planner.ActNoop, planner.PhasePrepare, "exists at the destination; its rows are replaced (overwrite = true)"
				a.Undo = "nothing: the table existed before rehome and is kept (its replaced rows are not restored)"
				a.Irreversible = true
				foreign = append(foreign, t.Name)
				mc.Add(a)
				continue
			}
			mc.Finding(planner.SevBlocker, addr, "database.table_exists", "",
				fmt.Sprintf("table %s.%s already exists at %s and rehome did not create it; rehome does not write into it", tgt, t.Name, m.To),
				"drop or rename it at the destination, move into another schema with target_schema, or set overwrite = true to replace its rows")
		}
		_, known := recs[t.Name]
		late := copied && !known && !existing[t.Name]
		if late {
			// New at the source since the validated apply: the cutover
			// creates it, then copies it.
			a.Action, a.Phase, a.Undo = planner.ActCreate, planner.PhaseCutover, fmt.Sprintf("drop table %s.%s at %s", tgt, t.Name, m.To)
			a.Reason = "new at the source since the apply; created at the cutover, which copies it. " + a.Reason
			lateTables = append(lateTables, addr)
			mc.Add(a)
		} else {
			mc.Container(a, existing[t.Name], fmt.Sprintf("drop table %s.%s at %s", tgt, t.Name, m.To), "database.table_exists_info",
				fmt.Sprintf("table %s.%s exists at %s", tgt, t.Name, m.To))
		}
		planTableFindings(mc, db, tgt, t)
		if !cfg.SchemaOnly && (!copied || late) {
			lines, ks, err := scanTable(ctx, mc, ss, cfg, db, tgt, t, strict, lossy, referenced[t.Name])
			var big *tooBig
			if errors.As(err, &big) {
				// The estimate was low (a table never analysed): it is
				// checked as the big table it is.
				t.Rows = big.rows
				tables[ti].Rows = big.rows
				notScanned(mc, ss, cfg, db, t, addr, fmt.Sprintf("more than %d rows (more than the source's estimate)", scanLimit))
				lines, ks, err = nil, nil, countBadValues(ctx, mc, ss, cfg, db, t, addr)
			}
			if err != nil {
				return err
			}
			bad = append(bad, lines...)
			if ks != nil {
				scans[t.Name] = ks
			}
			checked = append(checked, t)
		}
	}
	if err := reportKeys(ctx, mc, ss, db, tgt, tables, checked, scans, !strict); err != nil {
		return err
	}
	sort.Strings(foreign)
	p := rowsParams{Source: db, Target: tgt, Schema: s, Policy: cfg.OnBadValue, Parallelism: cfg.Parallelism,
		SchemaOnly: cfg.SchemaOnly, Strict: strict, Lossy: lossyList, Foreign: foreign}
	a := planner.Action{Address: mc.Addr(typeRows, db), Type: typeRows, Action: planner.ActCopy, Phase: planner.PhasePrepare,
		DependsOn: append(tableAddrs, serverDeps(mc)...), From: planner.Endpoint{Env: m.From, Name: db}, To: planner.Endpoint{Env: m.To, Name: tgt},
		Scope: scope, Params: planner.EncodeParams(p),
		Estimate: planner.Estimate{Items: rows, Bytes: bytes, Seconds: planner.RowCopySeconds(rows, bytes), Basis: planner.RowCopyBasis},
		Check: fmt.Sprintf("per table, the row count and content checksum at %s equal the source's (the validation table); then indexes, checks, foreign keys and sequences are in place",
			m.To),
		Undo: "none needed: rollback drops the tables rehome created, with their rows",
		Options: []planner.Option{{Name: "parallelism", Value: fmt.Sprint(cfg.Parallelism)}, {Name: "on_bad_value", Value: cfg.OnBadValue},
			{Name: "snapshot", Value: snapshotText(mc)}},
		Reason: fmt.Sprintf("%d tables, copied in primary-key ranges (tables of %d rows or more cut into one range per worker, unless their rows pass straight into a destination that loads a table no faster from several sessions); indexes and foreign keys after the load",
			len(tables), splitRows)}
	if len(bad) > 0 {
		a.Reason += "; data quality: " + strings.Join(bad, " | ")
	}
	if len(foreign) > 0 {
		a.Undo = fmt.Sprintf("rows replaced in %s are not restored; rollback drops only the tables rehome created", strings.Join(foreign, ", "))
		a.Irreversible = true
	}
	if cfg.SchemaOnly {
		a.Action, a.Estimate = planner.ActCreate, planner.Estimate{}
		a.Check = fmt.Sprintf("indexes, checks, foreign keys and sequences are in place at %s", m.To)
		a.Reason = "schema_only: no rows are copied"
	}
	if copied && !cfg.SchemaOnly {
		a.Action, a.Reason = planner.ActNoop, "copied and validated by an earlier apply"
		a.Estimate = planner.Estimate{}
	}
	mc.Add(a)
	objs.addLate(mc, a.Address)
	return planCutover(ctx, mc, ss, p, recs, validated, scope, a.Address, lateTables)
}

// knownTables are the tables an apply has records of (a new one has none).
func knownTables(recs map[string]tableRecord, tables []providers.Table) []providers.Table {
	var out []providers.Table
	for _, t := range tables {
		if _, ok := recs[t.Name]; ok {
			out = append(out, t)
		}
	}
	return out
}

func allDone(recs map[string]tableRecord, tables []providers.Table) bool {
	for _, t := range tables {
		if !recs[t.Name].Done {
			return false
		}
	}
	return true
}

func snapshotText(mc *planner.MoveContext) string {
	if _, ok := mc.From.Provider.(providers.Snapshotter); ok {
		return "one exported snapshot shared by every table"
	}
	return "each table read in one transaction"
}

func tableReason(t providers.Table) string {
	key := "no primary key"
	if len(t.PrimaryKey) > 0 {
		key = "key (" + strings.Join(t.PrimaryKey, ", ") + ")"
	}
	return fmt.Sprintf("%s, %s, %s, %s, about %d rows", planner.Plural(int64(len(t.Columns)), "column", "columns"), key,
		planner.Plural(int64(len(t.Indexes)), "index", "indexes"), planner.Plural(int64(len(t.ForeignKeys)), "foreign key", "foreign keys"), t.Rows)
}

// planTableFindings reports what a table's move changes about it.
func planTableFindings(mc *planner.MoveContext, db, tgt string, t providers.Table) {
	addr := mc.Addr(typeTable, tgt+"."+t.Name)
	if len(t.PrimaryKey) == 0 {
		mc.Finding(planner.SevWarning, addr, "database.no_primary_key", "",
			fmt.Sprintf("table %s.%s has no primary key: it is copied whole in one transaction (a resumed apply copies it again from the start) and duplicate rows stay duplicates", db, t.Name),
			"add a primary key at the source for a resumable, ranged copy, or accept")
	}
	ci := map[string]bool{}
	for _, c := range t.Columns {
		if c.CaseInsensitive {
			ci[c.Name] = true
		}
	}
	if len(ci) == 0 {
		return
	}
	idx := append([]providers.Index(nil), t.Indexes...)
	if len(t.PrimaryKey) > 0 {
		idx = append(idx, providers.Index{Name: "PRIMARY", Columns: t.PrimaryKey, Unique: true, Primary: true})
	}
	for _, ix := range idx {
		if !ix.Unique {
			continue
		}
		for _, c := range ix.Columns {
			if ci[c] {
				mc.Finding(planner.SevWarning, addr, "database.case_insensitive_unique", ix.Name,
					fmt.Sprintf("unique index %s on %s.%s (%s) compares case-insensitively at the source; at the destination 'A' and 'a' become different keys, and lookups by %s become case-sensitive",
						ix.Name, db, t.Name, strings.Join(ix.Columns, ", "), c),
					"after the move, use citext or a nondeterministic ICU collation for the column, or accept")
				break
			}
		}
	}
}

// scanTable reads a table at plan time for the data-quality report: the
// values with no exact form at the destination, per column, with sample
// keys. It returns the report's lines.
// notScanned reports a table too big for the plan-time scan: what is
// checked by query instead, and what the copy does.
func notScanned(mc *planner.MoveContext, ss providers.DatabaseStore, cfg *Settings, db string, t providers.Table, addr, rows string) {
	keys := "its unique keys and foreign keys are not checked before the copy (adding them after it fails on duplicates or orphan rows, naming the constraint)"
	if _, ok := ss.(providers.KeyChecker); ok {
		var names []string
		for _, ix := range t.Indexes {
			if ix.Unique && !ix.Primary && ix.Expr == "" {
				names = append(names, "unique "+ix.Name)
			}
		}
		for _, fk := range t.ForeignKeys {
			names = append(names, "foreign key "+firstNonEmpty(fk.Name, sig(fk.Columns)))
		}
		keys = "the foreign keys referencing it are checked by query at the source instead"
		if len(names) > 0 {
			keys = "its " + strings.Join(names, ", ") + " and the foreign keys referencing it are checked by query at the source instead"
		}
	}
	mc.Finding(planner.SevInfo, addr, "database.not_scanned", "",
		fmt.Sprintf("table %s.%s holds %s, too many to scan at plan time; %s; the copy applies on_bad_value = %q to values with no exact form and reports what it did",
			db, t.Name, rows, keys, cfg.OnBadValue),
		"none needed")
}

// tooBig is scanTable's answer for a table found to hold more than
// scanLimit rows although its estimate said fewer: rows is a lower bound.
type tooBig struct{ rows int64 }

func (b *tooBig) Error() string { return fmt.Sprintf("more than %d rows", b.rows-1) }

func scanTable(ctx context.Context, mc *planner.MoveContext, ss providers.DatabaseStore, cfg *Settings, db, tgt string, t providers.Table,
	strict bool, lossy map[string]bool, referenced [][]string) ([]string, *keyScan, error) {
	addr := mc.Addr(typeTable, tgt+"."+t.Name)
	if t.Rows > scanLimit {
		notScanned(mc, ss, cfg, db, t, addr, fmt.Sprintf("about %d rows", t.Rows))
		return nil, nil, countBadValues(ctx, mc, ss, cfg, db, t, addr)
	}
	rs, err := ss.ReadRows(ctx, db, t.Name, providers.KeyRange{})
	if err != nil {
		return nil, nil, fmt.Errorf("read table %s.%s at %s: %w", db, t.Name, mc.Move.From, err)
	}
	defer rs.Close()
	tl := map[string]bool{}
	for k := range lossy {
		if tb, col, ok := strings.Cut(k, "."); ok && tb == t.Name {
			tl[col] = true
		}
	}
	ck, err := newChecker(t, rs.Columns(), PolicySkipRow, strict, tl)
	if err != nil {
		return nil, nil, err
	}
	ks := newKeyScan(t, rs.Columns(), referenced)
	for n := int64(0); ; n++ {
		row, ok := rs.Next(ctx)
		if !ok {
			break
		}
		if n >= scanLimit {
			// More rows than the estimate said (a table never analysed):
			// not read through Go any further.
			return nil, nil, &tooBig{rows: n + 1}
		}
		ck.countOnly(row)
		ks.add(row, func() string { return ck.sampleKey(row) })
	}
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("read table %s.%s at %s: %w", db, t.Name, mc.Move.From, err)
	}
	lines := ck.q.lines(db + "." + t.Name)
	for _, c := range ck.cols {
		q, ok := ck.q[c.Name]
		if !ok || q.Bad == 0 {
			continue
		}
		var reasons []string
		for r := range q.Reasons {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		badValueFinding(mc, cfg, addr, db+"."+t.Name+"."+c.Name, c.Name, int64(q.Bad), strings.Join(reasons, ", "), "", strings.Join(q.Samples, ", "))
	}
	return lines, ks, nil
}

// badValueFinding reports a column's values with no exact form at the
// destination, as on_bad_value will treat them.
func badValueFinding(mc *planner.MoveContext, cfg *Settings, addr, col, id string, n int64, reasons, how, samples string) {
	sev, then := planner.SevBlocker, "on_bad_value = \"fail\" stops the copy"
	remedy := "fix the source values, or set on_bad_value = \"null\" or \"skip_row\""
	switch cfg.OnBadValue {
	case PolicyNull:
		sev, then = planner.SevWarning, "they become NULL (on_bad_value = \"null\")"
		remedy = "fix the source values, or accept: the data-quality report counts them"
	case PolicySkipRow:
		sev, then = planner.SevWarning, "their rows are left out (on_bad_value = \"skip_row\")"
		remedy = "fix the source values, or accept: the data-quality report counts them"
	}
	mc.Finding(sev, addr, "database.bad_values", id,
		fmt.Sprintf("column %s holds %d value(s) with no exact form at %s (%s)%s, sample keys %s; %s", col, n, mc.Move.To, reasons, how, samples, then),
		remedy)
}

// countBadValues reports, for a table too big to scan, the bad values
// the source counts by query (providers.BadValueCounter), per column.
func countBadValues(ctx context.Context, mc *planner.MoveContext, ss providers.DatabaseStore, cfg *Settings, db string, t providers.Table, addr string) error {
	bc, ok := ss.(providers.BadValueCounter)
	if !ok {
		return nil
	}
	counts, err := bc.CountBadValues(ctx, db, t, maxSamples)
	if err != nil {
		return fmt.Errorf("count the values of %s.%s with no exact form at %s: %w", db, t.Name, mc.Move.From, err)
	}
	type colBad struct {
		n       int64
		reasons []string
		samples []providers.Row
	}
	byCol := map[string]*colBad{}
	var cols []string
	for _, c := range counts {
		if c.Count == 0 {
			continue
		}
		b := byCol[c.Column]
		if b == nil {
			b = &colBad{}
			byCol[c.Column] = b
			cols = append(cols, c.Column)
		}
		b.n += c.Count
		b.reasons = append(b.reasons, fmt.Sprintf("%s: %d", c.Reason, c.Count))
		for _, s := range c.Samples {
			if len(b.samples) < maxSamples {
				b.samples = append(b.samples, s)
			}
		}
	}
	for _, col := range cols {
		b := byCol[col]
		badValueFinding(mc, cfg, addr, db+"."+t.Name+"."+col, col, b.n, strings.Join(b.reasons, ", "), ", found by query at the source", sampleKeys(b.samples))
	}
	return nil
}

// countOnly counts a row's bad and lossy values without changing it.
func (ck *checker) countOnly(row providers.Row) {
	saved := ck.policy
	ck.policy = PolicySkipRow
	cp := append(providers.Row(nil), row...)
	_, _ = ck.check(cp)
	ck.policy = saved
	// skip_row counted the row as skipped once; the scan reports bad
	// values, not skipped rows.
	for _, c := range ck.q {
		c.Skipped = 0
	}
}
