package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/providers"
)

func (r *schemaReader) readColumns(ctx context.Context) error {
	where, args := r.tableFilter("TABLE_SCHEMA", "TABLE_NAME")
	rows, err := r.conn.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,
		COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0),
		COALESCE(DATETIME_PRECISION, 0), COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, ''),
		COLUMN_DEFAULT, IS_NULLABLE, EXTRA, COALESCE(COLUMN_COMMENT, ''), COALESCE(GENERATION_EXPRESSION, '')
		FROM information_schema.COLUMNS WHERE `+where+` ORDER BY TABLE_NAME, ORDINAL_POSITION`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c columnInfo
		var def sql.NullString
		var nullable string
		var charLen, prec, scale, dtPrec float64 // BIGINT UNSIGNED in MariaDB
		if err := rows.Scan(&c.Table, &c.Name, &c.DataType, &c.ColumnType, &charLen, &prec, &scale, &dtPrec,
			&c.Charset, &c.Collation, &def, &nullable, &c.Extra, &c.Comment, &c.GenExpr); err != nil {
			return err
		}
		ti := r.tables[c.Table]
		if ti == nil {
			continue // a view's columns
		}
		c.CharLen, c.Precision, c.Scale, c.DTPrec = int64(charLen), int64(prec), int64(scale), int64(dtPrec)
		if def.Valid {
			c.Default = &def.String
		}
		c.Nullable = nullable == "YES"
		c.JSONCheck = r.jsonCols[[2]string{c.Table, c.Name}]
		col, rk := translateColumn(c, r.mariadb)
		if col.Identity {
			col.NextValue = ti.autoInc
		}
		ti.t.Columns = append(ti.t.Columns, col)
		ti.reads = append(ti.reads, rk)
		if spatialTypes[strings.ToLower(c.DataType)] {
			r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "spatial_column", Name: c.Name, Table: c.Table,
				Definition: quoteIdent(c.Name) + " " + c.ColumnType})
		}
		if ou := onUpdate(c.Extra); ou != "" {
			r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "trigger", Name: c.Name + "_on_update", Table: c.Table,
				Definition: quoteIdent(c.Name) + " " + c.ColumnType + " " + ou})
		}
	}
	return rows.Err()
}

type indexPart struct {
	column  string
	subPart int64
	expr    string
}

type indexDef struct {
	table, name, typ string
	unique           bool
	parts            []indexPart
}

func (d indexDef) definition() string {
	var b strings.Builder
	switch {
	case d.name == "PRIMARY":
		b.WriteString("PRIMARY KEY")
	case d.typ == "FULLTEXT" || d.typ == "SPATIAL":
		b.WriteString(d.typ + " KEY " + quoteIdent(d.name))
	case d.unique:
		b.WriteString("UNIQUE KEY " + quoteIdent(d.name))
	default:
		b.WriteString("KEY " + quoteIdent(d.name))
	}
	b.WriteString(" (")
	for i, p := range d.parts {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case p.expr != "":
			b.WriteString("(" + p.expr + ")")
		case p.subPart > 0 && d.typ != "SPATIAL": // SPATIAL keys report a sub-part of 32
			fmt.Fprintf(&b, "%s(%d)", quoteIdent(p.column), p.subPart)
		default:
			b.WriteString(quoteIdent(p.column))
		}
	}
	b.WriteString(")")
	if d.typ == "HASH" {
		b.WriteString(" USING HASH")
	}
	return b.String()
}

func (r *schemaReader) readIndexes(ctx context.Context) error {
	where, args := r.tableFilter("TABLE_SCHEMA", "TABLE_NAME")
	expr := "''"
	if !r.mariadb {
		expr = "COALESCE(EXPRESSION, '')" // MySQL 8.0.13+ functional key parts
	}
	q := `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COALESCE(COLUMN_NAME, ''), COALESCE(SUB_PART, 0), INDEX_TYPE, ` + expr + `
		FROM information_schema.STATISTICS WHERE ` + where + ` ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`
	rows, err := r.conn.QueryContext(ctx, q, args...)
	if err != nil && !r.mariadb {
		// MySQL before 8.0.13 has no EXPRESSION column.
		q = strings.Replace(q, expr, "''", 1)
		rows, err = r.conn.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	var defs []*indexDef
	for rows.Next() {
		var table, name, col, typ, ex string
		var nonUnique, sub float64
		if err := rows.Scan(&table, &name, &nonUnique, &col, &sub, &typ, &ex); err != nil {
			return err
		}
		if n := len(defs); n == 0 || defs[n-1].table != table || defs[n-1].name != name {
			defs = append(defs, &indexDef{table: table, name: name, typ: typ, unique: nonUnique == 0})
		}
		d := defs[len(defs)-1]
		d.parts = append(d.parts, indexPart{column: col, subPart: int64(sub), expr: ex})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range defs {
		ti := r.tables[d.table]
		if ti == nil {
			continue
		}
		var cols []string
		prefix, functional := false, false
		for _, p := range d.parts {
			if p.column == "" {
				functional = true
				continue
			}
			cols = append(cols, p.column)
			if p.subPart > 0 && d.typ != "SPATIAL" {
				prefix = true
			}
		}
		note := func(why string) {
			r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: providers.DBObjectIndex, Name: d.name, Table: d.table,
				Definition: d.definition() + " -- " + why})
		}
		switch {
		case d.typ == "FULLTEXT" || d.typ == "SPATIAL":
			note(strings.ToLower(d.typ) + " index")
			continue
		case functional:
			note("functional index")
			continue
		case prefix:
			// An index on the whole columns is not the same: a unique one
			// is a weaker constraint, and either may not fit a B-tree
			// entry at the destination (long TEXT values).
			note("prefix index")
			continue
		}
		primary := d.name == "PRIMARY"
		if primary {
			ti.t.PrimaryKey = cols
		}
		ti.t.Indexes = append(ti.t.Indexes, providers.Index{Name: d.name, Columns: cols, Unique: d.unique, Primary: primary})
	}
	return nil
}

func (r *schemaReader) readForeignKeys(ctx context.Context) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME,
		k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, rc.UPDATE_RULE, rc.DELETE_RULE
		FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
		ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND rc.TABLE_NAME = k.TABLE_NAME
		WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
		ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, r.db)
	if err != nil {
		return err
	}
	defer rows.Close()
	type key struct{ table, name string }
	var order []key
	fks := map[key]*providers.ForeignKey{}
	for rows.Next() {
		var table, name, col, refSchema, refTable, refCol, upd, del string
		if err := rows.Scan(&table, &name, &col, &refSchema, &refTable, &refCol, &upd, &del); err != nil {
			return err
		}
		k := key{table, name}
		fk := fks[k]
		if fk == nil {
			ref := refTable
			if refSchema != r.db {
				ref = refSchema + "." + refTable // another database on the server
			}
			fk = &providers.ForeignKey{Name: name, RefTable: ref, OnDelete: del, OnUpdate: upd}
			fks[k] = fk
			order = append(order, k)
		}
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, refCol)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range order {
		if ti := r.tables[k.table]; ti != nil {
			ti.t.ForeignKeys = append(ti.t.ForeignKeys, *fks[k])
		}
	}
	return nil
}

func (r *schemaReader) readViews(ctx context.Context) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT TABLE_NAME, COALESCE(VIEW_DEFINITION, ''), COALESCE(CHECK_OPTION, 'NONE')
		FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, r.db)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, def, check string
		if err := rows.Scan(&name, &def, &check); err != nil {
			return err
		}
		stmt := "CREATE VIEW " + quoteIdent(name) + " AS " + def
		if check != "" && check != "NONE" {
			stmt += " WITH " + check + " CHECK OPTION"
		}
		r.s.Views = append(r.s.Views, name)
		r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "view", Name: name, Definition: stmt})
	}
	return rows.Err()
}

func (r *schemaReader) readTriggers(ctx context.Context) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT
		FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME`, r.db)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, timing, event, table, stmt string
		if err := rows.Scan(&name, &timing, &event, &table, &stmt); err != nil {
			return err
		}
		r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "trigger", Name: name, Table: table,
			Definition: fmt.Sprintf("CREATE TRIGGER %s %s %s ON %s FOR EACH ROW %s", quoteIdent(name), timing, event, quoteIdent(table), stmt)})
	}
	return rows.Err()
}

func (r *schemaReader) readRoutines(ctx context.Context) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT ROUTINE_NAME, ROUTINE_TYPE, COALESCE(ROUTINE_DEFINITION, '')
		FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME`, r.db)
	if err != nil {
		return err
	}
	type routine struct{ name, typ, body string }
	var rs []routine
	for rows.Next() {
		var x routine
		if err := rows.Scan(&x.name, &x.typ, &x.body); err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, x := range rs {
		kind := "procedure"
		if x.typ == "FUNCTION" {
			kind = "function"
		}
		def := x.body
		if x.typ == "PROCEDURE" || x.typ == "FUNCTION" {
			if full, err := r.showCreate(ctx, x.typ, x.name); err == nil && full != "" {
				def = full
			}
		}
		r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: kind, Name: x.name, Definition: def})
	}
	return nil
}

func (r *schemaReader) readEvents(ctx context.Context) error {
	rows, err := r.conn.QueryContext(ctx, `SELECT EVENT_NAME, COALESCE(EVENT_DEFINITION, '')
		FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME`, r.db)
	if err != nil {
		return err
	}
	type event struct{ name, body string }
	var es []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.name, &e.body); err != nil {
			rows.Close()
			return err
		}
		es = append(es, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range es {
		def := e.body
		if full, err := r.showCreate(ctx, "EVENT", e.name); err == nil && full != "" {
			def = full
		}
		r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "event", Name: e.name, Definition: def})
	}
	return nil
}

func (r *schemaReader) readPartitions(ctx context.Context) error {
	for _, name := range r.order {
		ti := r.tables[name]
		if !ti.partitioned {
			continue
		}
		create, err := r.showCreate(ctx, "TABLE", name)
		if err != nil {
			return err
		}
		clause := partitionClause(create)
		ti.t.Partitioned = clause
		r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "partition", Name: name, Table: name, Definition: clause})
	}
	return nil
}

// partitionClause cuts the PARTITION BY clause out of SHOW CREATE TABLE,
// without MySQL's /*!50100 ... */ version comment.
func partitionClause(create string) string {
	i := strings.Index(create, "PARTITION BY")
	if i < 0 {
		return ""
	}
	clause := create[i:]
	if j := strings.LastIndex(create[:i], "/*!"); j >= 0 && strings.TrimSpace(create[j:i]) != "" && !strings.Contains(create[j:i], "*/") {
		clause = strings.TrimSuffix(strings.TrimSpace(clause), "*/")
	}
	return strings.TrimSpace(clause)
}

// sortedTables returns the tables with every table after those it
// references (Kahn's algorithm, ties by name); tables in a reference
// cycle follow in name order. Self-references and references to other
// databases do not order anything.
func (r *schemaReader) sortedTables() []providers.Table {
	names := append([]string(nil), r.order...)
	sort.Strings(names)
	deps := map[string]map[string]bool{}
	for _, n := range names {
		deps[n] = map[string]bool{}
		for _, fk := range r.tables[n].t.ForeignKeys {
			if fk.RefTable != n && r.tables[fk.RefTable] != nil {
				deps[n][fk.RefTable] = true
			}
		}
	}
	var out []providers.Table
	done := map[string]bool{}
	for len(done) < len(names) {
		progressed := false
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for d := range deps[n] {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				done[n] = true
				out = append(out, *r.tables[n].t)
				progressed = true
			}
		}
		if !progressed { // a cycle: take the first remaining table
			for _, n := range names {
				if !done[n] {
					done[n] = true
					out = append(out, *r.tables[n].t)
					break
				}
			}
		}
	}
	return out
}
