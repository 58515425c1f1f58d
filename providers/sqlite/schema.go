package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/rehome/rehome/providers"
)

var declParams = regexp.MustCompile(`\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)`)

// typeOf maps a declared type to a portable type by SQLite's affinity
// rules (INT, then CHAR/CLOB/TEXT, then BLOB or none, then REAL/FLOA/DOUB,
// else NUMERIC), refined by the usual names for booleans, dates, times,
// decimals, JSON and UUIDs within the NUMERIC affinity. A column without
// a declared type can hold anything: "other".
func typeOf(decl string) providers.ColumnType {
	up := strings.ToUpper(strings.TrimSpace(decl))
	t := providers.ColumnType{Native: decl}
	if m := declParams.FindStringSubmatch(up); m != nil {
		t.Precision, _ = strconv.Atoi(m[1])
		t.Scale, _ = strconv.Atoi(m[2])
	}
	word := up
	if i := strings.IndexAny(word, "( "); i >= 0 {
		word = word[:i]
	}
	switch {
	case up == "":
		t.Base, t.Native = "other", "(no declared type)"
	case strings.Contains(up, "INT"):
		t.Base = "int64"
		t.Precision, t.Scale = 0, 0
	case strings.Contains(up, "CHAR"), strings.Contains(up, "CLOB"), strings.Contains(up, "TEXT"):
		t.Base = "text"
		t.Precision, t.Scale = 0, 0
	case strings.Contains(up, "BLOB"):
		t.Base = "bytes"
	case strings.Contains(up, "REAL"), strings.Contains(up, "FLOA"), strings.Contains(up, "DOUB"):
		t.Base = "float64"
		t.Precision, t.Scale = 0, 0
	case word == "BOOLEAN" || word == "BOOL":
		t.Base = "bool"
	case word == "DATE":
		t.Base = "date"
	case word == "DATETIME" || word == "TIMESTAMP":
		t.Base = "timestamp"
	case word == "TIMESTAMPTZ":
		t.Base = "timestamptz"
	case word == "TIME":
		t.Base = "time"
	case word == "DECIMAL" || word == "NUMERIC" || word == "NUMBER" || word == "MONEY":
		t.Base = "decimal"
	case word == "JSON" || word == "JSONB":
		t.Base = "json"
	case word == "UUID":
		t.Base = "uuid"
	default:
		t.Base = "other" // NUMERIC affinity under a name rehome does not know
	}
	return t
}

var (
	autoinc      = regexp.MustCompile(`(?i)\bAUTOINCREMENT\b`)
	withoutRowid = regexp.MustCompile(`(?i)\)\s*WITHOUT\s+ROWID\s*;?\s*$`)
)

// Schema reads the file's tables (in dependency order) with their
// columns, keys, indexes and foreign keys, and its views and triggers.
func (p *Provider) Schema(ctx context.Context, name string) (providers.DBSchema, error) {
	s := providers.DBSchema{Database: name, Engine: "sqlite", Charset: "UTF-8", Collation: "BINARY"}
	if name != mainDB {
		return s, fmt.Errorf("sqlite database %q: %w", name, providers.ErrNotFound)
	}
	db, err := p.open(ctx, false)
	if err != nil {
		return s, err
	}
	rows, err := db.QueryContext(ctx, `SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'view', 'trigger') ORDER BY type, name`)
	if err != nil {
		return s, p.fail("read the schema", err)
	}
	var tables []providers.Table
	var defs []string
	for rows.Next() {
		var typ, n, tbl, def string
		if err := rows.Scan(&typ, &n, &tbl, &def); err != nil {
			rows.Close()
			return s, p.fail("read the schema", err)
		}
		switch typ {
		case "table":
			if strings.HasPrefix(strings.ToUpper(def), "CREATE VIRTUAL") {
				s.Objects = append(s.Objects, providers.DBObject{Kind: "virtual_table", Name: n, Definition: def})
				continue
			}
			tables = append(tables, providers.Table{Name: n, WithoutRowID: withoutRowid.MatchString(def), Definition: def, Checks: checksOf(def)})
			defs = append(defs, def)
		case "view":
			s.Objects = append(s.Objects, providers.DBObject{Kind: "view", Name: n, Definition: def})
			s.Views = append(s.Views, n)
		case "trigger":
			s.Objects = append(s.Objects, providers.DBObject{Kind: "trigger", Name: n, Table: tbl, Definition: def})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, p.fail("read the schema", err)
	}
	seqs := map[string]int64{}
	if ok, _ := p.hasTable(ctx, db, "sqlite_sequence"); ok {
		if r, err := db.QueryContext(ctx, "SELECT name, seq FROM sqlite_sequence"); err == nil {
			for r.Next() {
				var n string
				var v int64
				if r.Scan(&n, &v) == nil {
					seqs[n] = v
				}
			}
			r.Close()
		}
	}
	for i := range tables {
		if err := p.readTable(ctx, db, &tables[i], defs[i], seqs); err != nil {
			return s, p.fail("read table "+tables[i].Name, err)
		}
	}
	// A foreign key naming no columns references the primary key.
	pks := map[string][]string{}
	for _, t := range tables {
		pks[t.Name] = t.PrimaryKey
	}
	for i := range tables {
		for j, fk := range tables[i].ForeignKeys {
			if len(fk.RefColumns) > 0 && fk.RefColumns[0] == "" {
				tables[i].ForeignKeys[j].RefColumns = append([]string(nil), pks[fk.RefTable]...)
			}
		}
	}
	s.Tables = providers.SortTables(tables)
	return s, nil
}

func (p *Provider) readTable(ctx context.Context, db *sql.DB, t *providers.Table, def string, seqs map[string]int64) error {
	rows, err := db.QueryContext(ctx, "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid", t.Name)
	if err != nil {
		return err
	}
	type pkCol struct {
		pos  int
		name string
	}
	var pks []pkCol
	for rows.Next() {
		var c providers.Column
		var decl string
		var notnull, pk, hidden int
		var dflt sql.NullString
		if err := rows.Scan(&c.Name, &decl, &notnull, &dflt, &pk, &hidden); err != nil {
			rows.Close()
			return err
		}
		c.Type = typeOf(decl)
		c.Nullable = notnull == 0 && pk == 0
		c.Default = dflt.String
		if hidden == 2 || hidden == 3 {
			c.Generated, c.GeneratedStored = generatedExpr(def, c.Name), hidden == 3
		}
		if pk > 0 {
			pks = append(pks, pkCol{pk, c.Name})
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := 1; i <= len(pks); i++ {
		for _, k := range pks {
			if k.pos == i {
				t.PrimaryKey = append(t.PrimaryKey, k.name)
			}
		}
	}
	// INTEGER PRIMARY KEY is the rowid: SQLite hands out its values.
	if len(t.PrimaryKey) == 1 && !t.WithoutRowID {
		for i, c := range t.Columns {
			if c.Name == t.PrimaryKey[0] && strings.EqualFold(strings.TrimSpace(c.Type.Native), "INTEGER") {
				t.Columns[i].Identity = true
				t.Columns[i].AutoIncrement = autoinc.MatchString(def)
				if v, ok := seqs[t.Name]; ok {
					t.Columns[i].NextValue = v + 1
				}
			}
		}
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+ident(t.Name)).Scan(&t.Rows); err != nil {
		return err
	}
	// Indexes (the primary key's own is not one to create).
	irows, err := db.QueryContext(ctx, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name", t.Name)
	if err != nil {
		return err
	}
	type ix struct {
		name            string
		unique, partial bool
		origin          string
	}
	var ixs []ix
	for irows.Next() {
		var x ix
		if err := irows.Scan(&x.name, &x.unique, &x.origin, &x.partial); err != nil {
			irows.Close()
			return err
		}
		ixs = append(ixs, x)
	}
	irows.Close()
	for _, x := range ixs {
		if x.origin == "pk" {
			continue
		}
		cr, err := db.QueryContext(ctx, "SELECT COALESCE(name, '') FROM pragma_index_info(?) ORDER BY seqno", x.name)
		if err != nil {
			return err
		}
		var cols []string
		expr := x.partial
		for cr.Next() {
			var n string
			if err := cr.Scan(&n); err != nil {
				cr.Close()
				return err
			}
			if n == "" {
				expr = true
			}
			cols = append(cols, n)
		}
		cr.Close()
		idx := providers.Index{Name: x.name, Columns: cols, Unique: x.unique}
		if strings.HasPrefix(x.name, "sqlite_autoindex_") {
			// A UNIQUE constraint's own index: its name is SQLite's.
			idx.Name = t.Name + "_" + strings.Join(cols, "_") + "_key"
		}
		if expr {
			var sqlText sql.NullString
			_ = db.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", x.name).Scan(&sqlText)
			idx.Expr = sqlText.String
		}
		t.Indexes = append(t.Indexes, idx)
	}
	// Foreign keys, one row per column.
	frows, err := db.QueryContext(ctx, `SELECT id, "table", "from", COALESCE("to", ''), on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, t.Name)
	if err != nil {
		return err
	}
	defer frows.Close()
	byID := map[int]int{}
	for frows.Next() {
		var id int
		var ref, from, to, upd, del string
		if err := frows.Scan(&id, &ref, &from, &to, &upd, &del); err != nil {
			return err
		}
		j, ok := byID[id]
		if !ok {
			j = len(t.ForeignKeys)
			byID[id] = j
			t.ForeignKeys = append(t.ForeignKeys, providers.ForeignKey{RefTable: ref, OnDelete: fkAction(del), OnUpdate: fkAction(upd)})
		}
		fk := &t.ForeignKeys[j]
		fk.Columns = append(fk.Columns, from)
		fk.RefColumns = append(fk.RefColumns, to)
	}
	if err := frows.Err(); err != nil {
		return err
	}
	return nil
}

func fkAction(a string) string {
	if strings.EqualFold(a, "NO ACTION") {
		return ""
	}
	return strings.ToUpper(a)
}

var checkWord = regexp.MustCompile(`(?i)(?:\bCONSTRAINT\s+("[^"]+"|\w+)\s+)?\bCHECK\s*\(`)

// checksOf finds the CHECK constraints of a CREATE TABLE statement, column
// and table ones alike, with their names where given.
func checksOf(def string) []providers.Check {
	var out []providers.Check
	for _, m := range checkWord.FindAllStringSubmatchIndex(def, -1) {
		end := closingParen(def, m[1])
		if end < 0 {
			continue
		}
		name := ""
		if m[2] >= 0 {
			name = strings.Trim(def[m[2]:m[3]], `"`)
		}
		out = append(out, providers.Check{Name: name, Expr: strings.TrimSpace(def[m[1]:end])})
	}
	return out
}

// closingParen returns the index of the ")" closing the parenthesis opened
// just before start, skipping quoted strings (-1 when there is none).
func closingParen(def string, start int) int {
	depth := 1
	for i := start; i < len(def); i++ {
		switch def[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		case '\'':
			if j := strings.IndexByte(def[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		}
	}
	return -1
}

// generatedExpr finds the expression of a generated column in the table's
// CREATE statement ("" when it cannot be found).
func generatedExpr(def, col string) string {
	re := regexp.MustCompile(`(?is)["` + "`" + `\[]?` + regexp.QuoteMeta(col) + `["` + "`" + `\]]?\s[^,]*?\bAS\s*\(`)
	loc := re.FindStringIndex(def)
	if loc == nil {
		return ""
	}
	end := closingParen(def, loc[1])
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(def[loc[1]:end])
}

// declType is how a portable column is declared in SQLite, whether
// values can change on the way, and why.
func declType(c providers.Column, engine string) (decl string, lossy bool, note string) {
	t := c.Type
	if c.DestType != "" {
		return c.DestType, false, "type_overrides: " + c.DestType
	}
	if engine == "sqlite" {
		if t.Native == "(no declared type)" {
			return "", false, ""
		}
		return t.Native, false, ""
	}
	switch t.Base {
	case "bool":
		return "BOOLEAN", false, "stored as 0 and 1"
	case "int16", "int32", "int64":
		if t.Unsigned && t.Base == "int64" {
			return "NUMERIC", true, "unsigned 64-bit: values above 2^63-1 become REAL in SQLite"
		}
		return "INTEGER", false, ""
	case "float32", "float64":
		return "REAL", false, ""
	case "decimal":
		d := "NUMERIC"
		if t.Precision > 0 {
			d = fmt.Sprintf("NUMERIC(%d,%d)", t.Precision, t.Scale)
		}
		return d, true, "NUMERIC affinity keeps 15 significant digits of a fraction"
	case "text", "char", "varchar", "enum", "uuid":
		if t.Base == "varchar" && t.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", t.Length), false, "the length is not enforced"
		}
		if t.Base == "uuid" {
			return "UUID", false, "stored as text"
		}
		return "TEXT", false, ""
	case "bytes":
		return "BLOB", false, ""
	case "date":
		return "DATE", false, "stored as ISO 8601 text"
	case "time":
		return "TIME", false, "stored as ISO 8601 text"
	case "timestamp":
		return "DATETIME", false, "stored as ISO 8601 text"
	case "timestamptz":
		return "TIMESTAMPTZ", false, "stored as ISO 8601 text in UTC"
	case "json":
		return "JSON", false, "stored as text"
	}
	return "TEXT", true, fmt.Sprintf("no SQLite type for %s: stored as its text form", t.Native)
}

// TranslateSchema shows how each column of s, read from srcEngine, is
// declared here, and what is not created exactly.
func (p *Provider) TranslateSchema(s providers.DBSchema, srcEngine string) ([]providers.Translation, []string) {
	var out []providers.Translation
	var notes []string
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			d, lossy, note := declType(c, srcEngine)
			if c.Generated != "" && srcEngine != "sqlite" {
				note = strings.TrimPrefix(note+"; generated column copied as plain values", "; ")
			}
			if d == "" {
				d = "(no declared type)"
			}
			out = append(out, providers.Translation{Table: t.Name, Column: c.Name, From: c.Type.Native, To: d, Lossy: lossy, Note: note})
		}
		for _, ix := range t.Indexes {
			if ix.Expr != "" && srcEngine != "sqlite" {
				notes = append(notes, fmt.Sprintf("index %s on %s: expression or partial index is not created", ix.Name, t.Name))
			}
		}
		if len(t.Checks) > 0 && srcEngine != "sqlite" {
			// Checks from other engines are not translated.
			notes = append(notes, fmt.Sprintf("table %s: its %d check constraint(s) are not created (SQLite adds checks only with the table)", t.Name, len(t.Checks)))
		}
	}
	return out, notes
}

// createTable is the CREATE TABLE statement for t, read from engine; the
// foreign keys are part of it (SQLite cannot add them later; they are not
// enforced while loading, as foreign_keys is off).
func createTable(t providers.Table, engine string) string {
	if engine == "sqlite" && t.Definition != "" && !hasOverride(t) {
		return t.Definition // exactly as the source declared it
	}
	var lines []string
	inlinePK := ""
	if len(t.PrimaryKey) == 1 {
		for _, c := range t.Columns {
			if c.Name == t.PrimaryKey[0] && c.Identity && (engine != "sqlite" || strings.EqualFold(c.Type.Native, "INTEGER")) {
				inlinePK = c.Name
			}
		}
	}
	for _, c := range t.Columns {
		d, _, _ := declType(c, engine)
		line := ident(c.Name)
		if c.Name == inlinePK {
			line += " INTEGER PRIMARY KEY"
			if c.AutoIncrement {
				line += " AUTOINCREMENT"
			}
		} else if d != "" {
			line += " " + d
		}
		if !c.Nullable && c.Name != inlinePK {
			line += " NOT NULL"
		}
		if c.Generated != "" && engine == "sqlite" {
			kind := " VIRTUAL"
			if c.GeneratedStored {
				kind = " STORED"
			}
			line += " GENERATED ALWAYS AS (" + c.Generated + ")" + kind
		} else if def, ok := translateDefault(c.Default, c.Type.Base, engine); ok && def != "" {
			line += " DEFAULT " + def
		}
		if c.Type.Base == "enum" && len(c.Type.Enum) > 0 && engine != "sqlite" {
			var vals []string
			for _, v := range c.Type.Enum {
				vals = append(vals, quoteLiteral(v))
			}
			line += " CHECK (" + ident(c.Name) + " IN (" + strings.Join(vals, ", ") + "))"
		}
		lines = append(lines, "  "+line)
	}
	if len(t.PrimaryKey) > 0 && inlinePK == "" {
		lines = append(lines, "  PRIMARY KEY ("+idents(t.PrimaryKey)+")")
	}
	for _, fk := range t.ForeignKeys {
		l := "  FOREIGN KEY (" + idents(fk.Columns) + ") REFERENCES " + ident(fk.RefTable)
		if len(fk.RefColumns) > 0 && fk.RefColumns[0] != "" {
			l += " (" + idents(fk.RefColumns) + ")"
		}
		if fk.OnDelete != "" {
			l += " ON DELETE " + fk.OnDelete
		}
		if fk.OnUpdate != "" {
			l += " ON UPDATE " + fk.OnUpdate
		}
		lines = append(lines, l)
	}
	out := "CREATE TABLE " + ident(t.Name) + " (\n" + strings.Join(lines, ",\n") + "\n)"
	if t.WithoutRowID && engine == "sqlite" {
		out += " WITHOUT ROWID"
	}
	return out
}

var castSuffix = regexp.MustCompile(`::[a-z_ ]+(\[\])?$`)

// translateDefault turns a source default into a SQLite one.
func translateDefault(def, base, engine string) (string, bool) {
	d := strings.TrimSpace(def)
	if d == "" {
		return "", true
	}
	if engine == "sqlite" {
		return d, true
	}
	d = castSuffix.ReplaceAllString(d, "")
	up := strings.ToUpper(d)
	switch {
	case up == "NULL":
		return "", true
	case up == "NOW()" || strings.HasPrefix(up, "CURRENT_TIMESTAMP"):
		return "CURRENT_TIMESTAMP", true
	case up == "TRUE":
		return "1", true
	case up == "FALSE":
		return "0", true
	case regexp.MustCompile(`^[-+]?[0-9.]+$`).MatchString(d), regexp.MustCompile(`^'([^']|'')*'$`).MatchString(d):
		return d, true
	}
	return "", false
}

// ApplySchema creates s's tables in one transaction (with their foreign
// keys; indexes wait for FinishSchema when deferConstraints is set). A
// table that exists already is ErrExists.
func (p *Provider) ApplySchema(ctx context.Context, name string, s providers.DBSchema, deferConstraints bool) error {
	if name != mainDB {
		return fmt.Errorf("sqlite holds one database, %q, not %q: %w", mainDB, name, providers.ErrUnsupported)
	}
	db, err := p.open(ctx, true)
	if err != nil {
		return err
	}
	tx, commit, release, err := p.writeTx(ctx, db)
	if err != nil {
		return err
	}
	defer release()
	for _, t := range s.Tables {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = ?", t.Name).Scan(&n); err != nil {
			return p.fail("look up table "+t.Name, err)
		}
		if n > 0 {
			return fmt.Errorf("table %s: %w", t.Name, providers.ErrExists)
		}
		if _, err := tx.ExecContext(ctx, createTable(t, s.Engine)); err != nil {
			return p.fail("create table "+t.Name, err)
		}
	}
	if err := commit(); err != nil {
		return p.fail("create tables", err)
	}
	if !deferConstraints {
		return p.FinishSchema(ctx, name, s)
	}
	return nil
}

// FinishSchema creates the indexes of s's tables that are not there yet.
func (p *Provider) FinishSchema(ctx context.Context, name string, s providers.DBSchema) error {
	db, err := p.open(ctx, true)
	if err != nil {
		return err
	}
	for _, t := range s.Tables {
		for _, ix := range t.Indexes {
			if ix.Primary {
				continue
			}
			var stmt string
			switch {
			case ix.Expr != "" && s.Engine == "sqlite":
				stmt = strings.Replace(strings.Replace(ix.Expr, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1),
					"CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1)
			case ix.Expr != "":
				continue // reported by TranslateSchema
			default:
				n := ix.Name
				if s.Engine != "sqlite" || n == "" {
					n = t.Name + "_" + firstNonEmpty(ix.Name, strings.Join(ix.Columns, "_"))
				}
				u := ""
				if ix.Unique {
					u = "UNIQUE "
				}
				stmt = "CREATE " + u + "INDEX IF NOT EXISTS " + ident(n) + " ON " + ident(t.Name) + " (" + idents(ix.Columns) + ")"
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return p.fail(fmt.Sprintf("create index %s on %s", ix.Name, t.Name), err)
			}
		}
		// An AUTOINCREMENT table continues past the source's next value.
		for _, c := range t.Columns {
			if c.AutoIncrement && c.NextValue > 1 {
				if ok, _ := p.hasTable(ctx, db, "sqlite_sequence"); !ok {
					continue
				}
				if _, err := db.ExecContext(ctx, "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", c.NextValue-1, t.Name); err != nil {
					return p.fail("set the sequence of "+t.Name, err)
				}
			}
		}
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func hasOverride(t providers.Table) bool {
	for _, c := range t.Columns {
		if c.DestType != "" {
			return true
		}
	}
	return false
}
