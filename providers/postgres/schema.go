package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rehome/rehome/providers"
)

// column is one column as the catalog describes it.
type column struct {
	name      string
	typ       providers.ColumnType
	format    string // format_type(): the DDL spelling
	generated bool
}

// baseOf maps a PostgreSQL type name (pg_type.typname) and kind (typtype)
// to its portable base type.
func baseOf(typname, typtype string) string {
	if typtype == "e" {
		return "enum"
	}
	switch typname {
	case "bool":
		return "bool"
	case "int2":
		return "int16"
	case "int4":
		return "int32"
	case "int8":
		return "int64"
	case "float4":
		return "float32"
	case "float8":
		return "float64"
	case "numeric":
		return "decimal"
	case "text", "name":
		return "text"
	case "varchar":
		return "varchar"
	case "bpchar":
		return "char"
	case "bytea":
		return "bytes"
	case "date":
		return "date"
	case "time":
		return "time"
	case "timestamp":
		return "timestamp"
	case "timestamptz":
		return "timestamptz"
	case "json", "jsonb":
		return "json"
	case "uuid":
		return "uuid"
	}
	return "other"
}

// typeFromMod fills length, precision and scale from a type modifier.
func typeFromMod(t *providers.ColumnType, typmod int32) {
	if typmod < 0 {
		return
	}
	switch t.Base {
	case "varchar", "char":
		t.Length = int(typmod - 4)
	case "decimal":
		t.Precision = int(((typmod - 4) >> 16) & 0xffff)
		t.Scale = int((typmod - 4) & 0xffff)
	case "time", "timestamp", "timestamptz":
		t.Precision = int(typmod)
	}
}

// tableOID returns the oid of schema.table, or ErrNotFound.
func tableOID(ctx context.Context, q querier, db, table string) (uint32, error) {
	var oid uint32
	err := q.QueryRow(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, db, table).Scan(&oid)
	if err == pgx.ErrNoRows {
		return 0, fmt.Errorf("table %s.%s: %w", db, table, providers.ErrNotFound)
	}
	return oid, err
}

// querier is a pool, a connection or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// columnsOf reads a table's columns in order.
func columnsOf(ctx context.Context, q querier, oid uint32) ([]column, error) {
	rows, err := q.Query(ctx, `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype, a.atttypmod, a.attgenerated <> ''
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, oid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		var typname, typtype string
		var typmod int32
		if err := rows.Scan(&c.name, &c.format, &typname, &typtype, &typmod, &c.generated); err != nil {
			return nil, err
		}
		c.typ = providers.ColumnType{Base: baseOf(typname, typtype), Native: c.format}
		typeFromMod(&c.typ, typmod)
		out = append(out, c)
	}
	return out, rows.Err()
}

// primaryKey reads a table's primary-key columns in key order.
func primaryKey(ctx context.Context, q querier, oid uint32) ([]string, error) {
	rows, err := q.Query(ctx, `
SELECT a.attname FROM pg_constraint k, unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord), pg_attribute a
WHERE k.conrelid = $1 AND k.contype = 'p' AND a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord`, oid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Schema reads a schema's tables (in dependency order), their columns,
// keys, indexes, foreign keys, checks and comments, and the other objects
// in it (enum types, extensions it uses, sequences of their own, routines,
// views, materialized views, triggers), with what each depends on. It
// reads in one transaction whose search_path is the schema alone, so that
// every definition names the schema's own objects unqualified (and
// others qualified): a PostgreSQL destination creates them under its
// target schema's search_path, which moves them into another schema
// exactly.
func (p *Provider) Schema(ctx context.Context, db string) (providers.DBSchema, error) {
	pool, err := p.connect(ctx)
	if err != nil {
		return providers.DBSchema{}, err
	}
	s := providers.DBSchema{Database: db, Engine: "postgres"}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", db).Scan(&exists); err != nil {
		return s, p.fail("read schema "+db, err)
	}
	if !exists {
		return s, fmt.Errorf("schema %q at %s: %w", db, p.Identity(), providers.ErrNotFound)
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s, p.fail("read schema "+db, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", ident(db)); err != nil {
		return s, p.fail("read schema "+db, err)
	}
	_ = tx.QueryRow(ctx, "SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database WHERE datname = current_database()").Scan(&s.Charset, &s.Collation)
	rows, err := tx.Query(ctx, `
SELECT c.oid, c.relname, COALESCE(obj_description(c.oid, 'pg_class'), ''), GREATEST(c.reltuples, 0)::bigint,
       pg_total_relation_size(c.oid), CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '' END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`, db)
	if err != nil {
		return s, p.fail("list tables of "+db, err)
	}
	type tab struct {
		oid uint32
		t   providers.Table
	}
	var tabs []tab
	for rows.Next() {
		var x tab
		if err := rows.Scan(&x.oid, &x.t.Name, &x.t.Comment, &x.t.Rows, &x.t.Bytes, &x.t.Partitioned); err != nil {
			rows.Close()
			return s, p.fail("list tables of "+db, err)
		}
		tabs = append(tabs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, p.fail("list tables of "+db, err)
	}
	for i := range tabs {
		if err := p.readTable(ctx, tx, tabs[i].oid, &tabs[i].t); err != nil {
			return s, p.fail(fmt.Sprintf("read table %s.%s", db, tabs[i].t.Name), err)
		}
		if tabs[i].t.Partitioned != "" {
			s.Objects = append(s.Objects, providers.DBObject{Kind: "partition", Name: tabs[i].t.Name, Table: tabs[i].t.Name,
				Definition: "PARTITION BY " + tabs[i].t.Partitioned})
		}
	}
	ts := make([]providers.Table, len(tabs))
	for i, x := range tabs {
		ts[i] = x.t
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	s.Tables = providers.SortTables(ts)
	objs, err := readObjects(ctx, tx, db)
	if err != nil {
		return s, p.fail("list objects of "+db, err)
	}
	s.Objects = append(s.Objects, objs...)
	for _, o := range s.Objects {
		if o.Kind == "view" || o.Kind == "materialized_view" {
			s.Views = append(s.Views, o.Name)
		}
	}
	return s, nil
}

func (p *Provider) readTable(ctx context.Context, pool querier, oid uint32, t *providers.Table) error {
	rows, err := pool.Query(ctx, `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype, a.atttypmod, NOT a.attnotnull,
       COALESCE(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity <> '', a.attgenerated <> '',
       COALESCE(col_description(a.attrelid, a.attnum), ''),
       CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) ELSE '' END,
       COALESCE((SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid), '{}'),
       COALESCE(pg_get_serial_sequence(a.attrelid::regclass::text, a.attname), ''),
       t.typtype = 'e' AND t.typnamespace = (SELECT relnamespace FROM pg_class WHERE oid = a.attrelid)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, oid)
	if err != nil {
		return err
	}
	type seqCol struct {
		i   int
		seq string
	}
	var seqs []seqCol
	for rows.Next() {
		var c providers.Column
		var format, typname, typtype, def, seq string
		var typmod int32
		var identity, generated, own bool
		var labels []string
		if err := rows.Scan(&c.Name, &format, &typname, &typtype, &typmod, &c.Nullable, &def, &identity, &generated,
			&c.Comment, &c.Collation, &labels, &seq, &own); err != nil {
			rows.Close()
			return err
		}
		c.Type = providers.ColumnType{Base: baseOf(typname, typtype), Native: format}
		typeFromMod(&c.Type, typmod)
		if c.Type.Base == "enum" {
			c.Type.Enum = labels
			if own {
				c.Type.UserType = format
			}
		}
		switch {
		case generated:
			c.Generated, c.GeneratedStored = def, true
		case strings.HasPrefix(def, "nextval(") && seq != "":
			c.Identity, c.AutoIncrement = true, true
		default:
			c.Default = def
		}
		if identity {
			c.Identity, c.AutoIncrement = true, true
		}
		if seq != "" {
			seqs = append(seqs, seqCol{len(t.Columns), seq})
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, sc := range seqs {
		var last int64
		var called bool
		if err := pool.QueryRow(ctx, "SELECT last_value, is_called FROM "+sc.seq).Scan(&last, &called); err != nil {
			return fmt.Errorf("read sequence %s: %w", sc.seq, err)
		}
		if called {
			last++
		}
		t.Columns[sc.i].NextValue = last
	}
	pk, err := primaryKey(ctx, pool, oid)
	if err != nil {
		return err
	}
	t.PrimaryKey = pk
	// Constraints: unique, foreign keys, checks.
	crow, err := pool.Query(ctx, `
SELECT k.conname, k.contype,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o),
       COALESCE((SELECT c.relname FROM pg_class c WHERE c.oid = k.confrelid), ''),
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o),
       k.confdeltype, k.confupdtype, pg_get_constraintdef(k.oid)
FROM pg_constraint k WHERE k.conrelid = $1 AND k.contype IN ('u', 'f', 'c') ORDER BY k.conname`, oid)
	if err != nil {
		return err
	}
	for crow.Next() {
		var name, typ, ref, del, upd, def string
		var cols, refCols []string
		if err := crow.Scan(&name, &typ, &cols, &ref, &refCols, &del, &upd, &def); err != nil {
			crow.Close()
			return err
		}
		switch typ {
		case "u":
			t.Indexes = append(t.Indexes, providers.Index{Name: name, Columns: cols, Unique: true})
		case "f":
			t.ForeignKeys = append(t.ForeignKeys, providers.ForeignKey{Name: name, Columns: cols, RefTable: ref, RefColumns: refCols,
				OnDelete: fkAction(del), OnUpdate: fkAction(upd)})
		case "c":
			expr := strings.TrimSpace(strings.TrimPrefix(def, "CHECK"))
			t.Checks = append(t.Checks, providers.Check{Name: name, Expr: expr})
		}
	}
	crow.Close()
	if err := crow.Err(); err != nil {
		return err
	}
	// Indexes that back no constraint; expression and partial indexes are
	// kept by their definition.
	irow, err := pool.Query(ctx, `
SELECT c.relname, i.indisunique, i.indexprs IS NOT NULL OR i.indpred IS NOT NULL,
       ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n ORDER BY u.o),
       pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
ORDER BY c.relname`, oid)
	if err != nil {
		return err
	}
	for irow.Next() {
		var name, def string
		var unique, expr bool
		var cols []string
		if err := irow.Scan(&name, &unique, &expr, &cols, &def); err != nil {
			irow.Close()
			return err
		}
		if expr {
			t.Indexes = append(t.Indexes, providers.Index{Name: name, Unique: unique, Columns: cols, Expr: def})
			continue
		}
		t.Indexes = append(t.Indexes, providers.Index{Name: name, Columns: cols, Unique: unique})
	}
	irow.Close()
	return irow.Err()
}

func fkAction(c string) string {
	switch c {
	case "r":
		return "RESTRICT"
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return "" // NO ACTION, the default
}
