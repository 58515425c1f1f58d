package postgres

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rehome/rehome/providers"
)

// objectsSQL lists a schema's objects other than tables, read under a
// search_path of the schema alone: each row is kind, name, table,
// definition, identity, language, labels, sequence position, early, and
// the catalog and oid its pg_depend entries are under (a view's are its
// _RETURN rule's) with the oid others reference it by.
const objectsSQL = `
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1),
members AS (SELECT classid, objid, refobjid FROM pg_depend WHERE deptype = 'e' AND refclassid = 'pg_extension'::regclass),
used AS (
  SELECT m.refobjid AS ext FROM pg_depend d JOIN members m ON m.classid = d.refclassid AND m.objid = d.refobjid
  WHERE d.deptype = 'n' AND (
       (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT c.oid FROM pg_class c, ns WHERE c.relnamespace = ns.oid))
    OR (d.classid = 'pg_proc'::regclass AND d.objid IN (SELECT p.oid FROM pg_proc p, ns WHERE p.pronamespace = ns.oid))
    OR (d.classid = 'pg_type'::regclass AND d.objid IN (SELECT t.oid FROM pg_type t, ns WHERE t.typnamespace = ns.oid))
    OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT k.oid FROM pg_constraint k, ns WHERE k.connamespace = ns.oid))
    OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT a.oid FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid, ns WHERE c.relnamespace = ns.oid))
    OR (d.classid = 'pg_rewrite'::regclass AND d.objid IN (SELECT r.oid FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class, ns WHERE c.relnamespace = ns.oid))
    OR (d.classid = 'pg_trigger'::regclass AND d.objid IN (SELECT g.oid FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid, ns WHERE c.relnamespace = ns.oid)))
)
SELECT 'extension', e.extname, '',
       'CREATE EXTENSION IF NOT EXISTS ' || quote_ident(e.extname) || CASE WHEN n.nspname = $1 THEN '' ELSE ' SCHEMA ' || quote_ident(n.nspname) END,
       quote_ident(e.extname), CASE WHEN n.nspname = $1 THEN '' ELSE n.nspname END, '{}'::text[], 0::bigint, false, true,
       'pg_extension'::regclass::oid, e.oid, e.oid
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql' AND (n.nspname = $1 OR e.oid IN (SELECT ext FROM used))
UNION ALL
SELECT 'enum', t.typname, '',
       'CREATE TYPE ' || quote_ident(t.typname) || ' AS ENUM (' || COALESCE((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')',
       quote_ident(t.typname), '', COALESCE((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '{}'), 0, false, true,
       'pg_type'::regclass::oid, t.oid, t.oid
FROM pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typtype = 'e'
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_type'::regclass AND m.objid = t.oid)
UNION ALL
SELECT 'sequence', c.relname, '',
       'CREATE SEQUENCE ' || quote_ident(c.relname) || ' AS ' || format_type(s.seqtypid, NULL) || ' INCREMENT BY ' || s.seqincrement ||
       ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START WITH ' || s.seqstart || ' CACHE ' || s.seqcache ||
       CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END,
       quote_ident(c.relname), '', '{}', COALESCE(q.last_value, s.seqstart), q.last_value IS NOT NULL, true,
       'pg_class'::regclass::oid, c.oid, c.oid
FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid JOIN pg_sequences q ON q.schemaname = $1 AND q.sequencename = c.relname, ns
WHERE c.relnamespace = ns.oid AND c.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.proname, '', pg_get_functiondef(p.oid),
       quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', l.lanname, '{}', 0, false,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
               AND d.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass)),
       'pg_proc'::regclass::oid, p.oid, p.oid
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang, ns
WHERE p.pronamespace = ns.oid AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized_view' END, c.relname, '',
       CASE c.relkind WHEN 'v' THEN 'CREATE VIEW ' ELSE 'CREATE MATERIALIZED VIEW ' END || quote_ident(c.relname) ||
       COALESCE(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') || E' AS\n' || rtrim(pg_get_viewdef(c.oid), ';') ||
       CASE WHEN c.relkind = 'v' THEN '' WHEN c.relispopulated THEN E'\nWITH DATA' ELSE E'\nWITH NO DATA' END ||
       COALESCE((SELECT string_agg(E';\n' || replace(pg_get_indexdef(i.indexrelid), ' ON ' || quote_ident($1) || '.' || quote_ident(c.relname) || ' ',
                                                   ' ON ' || quote_ident(c.relname) || ' '), '' ORDER BY i.indexrelid)
                 FROM pg_index i WHERE i.indrelid = c.oid), ''),
       quote_ident(c.relname), '', '{}', 0, false, false,
       'pg_rewrite'::regclass::oid, r.oid, c.oid
FROM pg_class c JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN', ns
WHERE c.relnamespace = ns.oid AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger', t.tgname, c.relname,
       pg_get_triggerdef(t.oid, true) || CASE t.tgenabled
         WHEN 'D' THEN E';\nALTER TABLE ' || quote_ident(c.relname) || ' DISABLE TRIGGER ' || quote_ident(t.tgname)
         WHEN 'R' THEN E';\nALTER TABLE ' || quote_ident(c.relname) || ' ENABLE REPLICA TRIGGER ' || quote_ident(t.tgname)
         WHEN 'A' THEN E';\nALTER TABLE ' || quote_ident(c.relname) || ' ENABLE ALWAYS TRIGGER ' || quote_ident(t.tgname)
         ELSE '' END,
       quote_ident(t.tgname) || ' ON ' || quote_ident(c.relname), '', '{}', 0, false, false,
       'pg_trigger'::regclass::oid, t.oid, t.oid
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid, ns
WHERE c.relnamespace = ns.oid AND NOT t.tgisinternal AND t.tgparentid = 0`

// depsSQL lists what the given objects reference: the referenced
// object's catalog, oid, kind, schema and name, and the extension it
// belongs to ("" none).
const depsSQL = `
SELECT o.classid, o.objid, d.refclassid, d.refobjid, i.type, COALESCE(i.schema, ''), COALESCE(i.name, ''), COALESCE(e.extname, '')
FROM unnest($1::oid[], $2::oid[]) AS o(classid, objid)
JOIN pg_depend d ON d.classid = o.classid AND d.objid = o.objid AND d.deptype IN ('n', 'a')
CROSS JOIN LATERAL pg_identify_object(d.refclassid, d.refobjid, 0) i
LEFT JOIN pg_depend x ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.deptype = 'e' AND x.refclassid = 'pg_extension'::regclass
LEFT JOIN pg_extension e ON e.oid = x.refobjid`

// objRow is one object as read, with the catalog keys that relate it to
// the others.
type objRow struct {
	o              providers.DBObject
	classid, objid uint32 // its pg_depend entries
	refid          uint32 // the oid others reference it by
	rank           int
}

// kindRank orders the kinds an object may depend on first.
var kindRank = map[string]int{"extension": 0, "enum": 1, "sequence": 2, "function": 3, "procedure": 3, "view": 4, "materialized_view": 4, "trigger": 5}

// catalogKind maps pg_identify_object's type to the kind of DBObject.
var catalogKind = map[string]string{"table": "table", "view": "view", "materialized view": "materialized_view", "function": "function",
	"procedure": "procedure", "type": "enum", "sequence": "sequence"}

// readObjects lists a schema's objects other than tables in an order
// that creates each after what it depends on.
func readObjects(ctx context.Context, q querier, db string) ([]providers.DBObject, error) {
	var qschema string
	if err := q.QueryRow(ctx, "SELECT quote_ident($1)", db).Scan(&qschema); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, objectsSQL, db)
	if err != nil {
		return nil, err
	}
	var objs []*objRow
	for rows.Next() {
		x := &objRow{}
		var extra string // an extension's schema, a routine's language
		o := &x.o
		if err := rows.Scan(&o.Kind, &o.Name, &o.Table, &o.Definition, &o.Identity, &extra, &o.Labels, &o.Value, &o.Called, &o.Early,
			&x.classid, &x.objid, &x.refid); err != nil {
			rows.Close()
			return nil, err
		}
		switch o.Kind {
		case "extension":
			if extra != "" {
				o.External = []string{extra}
			}
		case "function", "procedure":
			o.Language = extra
			// pg_get_functiondef names the routine with its schema:
			// unqualified, it is created in the search_path's schema,
			// and CREATE (not OR REPLACE) never replaces another's.
			name := strings.TrimSuffix(o.Identity[:strings.Index(o.Identity, "(")+1], "(")
			o.Definition = strings.Replace(o.Definition, "CREATE OR REPLACE "+strings.ToUpper(o.Kind)+" "+qschema+"."+name+"(",
				"CREATE "+strings.ToUpper(o.Kind)+" "+name+"(", 1)
			o.Definition = strings.TrimRight(o.Definition, "\n")
		}
		if len(o.Labels) == 0 {
			o.Labels = nil
		}
		x.rank = kindRank[o.Kind]
		objs = append(objs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := readDeps(ctx, q, db, objs); err != nil {
		return nil, err
	}
	return orderObjects(objs), nil
}

// readDeps fills each object's DependsOn and External from pg_depend.
func readDeps(ctx context.Context, q querier, db string, objs []*objRow) error {
	type key struct{ class, oid uint32 }
	own := map[key]*objRow{}
	byEntry := map[key]*objRow{}
	classes, oids := make([]uint32, len(objs)), make([]uint32, len(objs))
	var relClass, typeClass, procClass uint32
	if err := q.QueryRow(ctx, "SELECT 'pg_class'::regclass::oid, 'pg_type'::regclass::oid, 'pg_proc'::regclass::oid").Scan(&relClass, &typeClass, &procClass); err != nil {
		return err
	}
	for i, x := range objs {
		classes[i], oids[i] = x.classid, x.objid
		byEntry[key{x.classid, x.objid}] = x
		switch x.o.Kind {
		case "view", "materialized_view", "sequence":
			own[key{relClass, x.refid}] = x
		case "enum":
			own[key{typeClass, x.refid}] = x
		case "function", "procedure":
			own[key{procClass, x.refid}] = x
		}
	}
	rows, err := q.Query(ctx, depsSQL, classes, oids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var class, oid, refClass, refOID uint32
		var typ, schema, name, ext string
		if err := rows.Scan(&class, &oid, &refClass, &refOID, &typ, &schema, &name, &ext); err != nil {
			return err
		}
		x := byEntry[key{class, oid}]
		if x == nil || typ == "language" || typ == "schema" || ext == "plpgsql" {
			continue // plpgsql is in every database
		}
		var dep string
		switch r := own[key{refClass, refOID}]; {
		case r == x:
			continue
		case r != nil:
			dep = r.o.Kind + ":" + r.o.Name
		case ext != "":
			dep = "extension:" + ext
		case schema == db && catalogKind[typ] == "table":
			dep = "table:" + name
		case schema == "" || schema == db || schema == "pg_catalog" || schema == "information_schema":
			continue
		default:
			if !contains(x.o.External, schema) {
				x.o.External = append(x.o.External, schema)
				sort.Strings(x.o.External)
			}
			continue
		}
		if !contains(x.o.DependsOn, dep) {
			x.o.DependsOn = append(x.o.DependsOn, dep)
			sort.Strings(x.o.DependsOn)
		}
	}
	return rows.Err()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// orderObjects sorts objects by kind and name, then moves each after the
// objects it depends on.
func orderObjects(objs []*objRow) []providers.DBObject {
	sort.SliceStable(objs, func(i, j int) bool {
		if objs[i].rank != objs[j].rank {
			return objs[i].rank < objs[j].rank
		}
		return objs[i].o.Name < objs[j].o.Name
	})
	byKey := map[string][]*objRow{}
	for _, x := range objs {
		k := x.o.Kind + ":" + x.o.Name
		byKey[k] = append(byKey[k], x)
	}
	seen := map[*objRow]bool{}
	out := make([]providers.DBObject, 0, len(objs))
	var visit func(x *objRow)
	visit = func(x *objRow) {
		if seen[x] {
			return
		}
		seen[x] = true
		for _, d := range x.o.DependsOn {
			for _, y := range byKey[d] {
				visit(y)
			}
		}
		out = append(out, x.o)
	}
	for _, x := range objs {
		visit(x)
	}
	return out
}

// kindText is how a kind reads in a sentence.
func kindText(kind string) string {
	if kind == "enum" {
		return "enum type"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// kindPlural is a kind's plural in a sentence: views, indexes.
func kindPlural(kind string) string {
	k := kindText(kind)
	if strings.HasSuffix(k, "x") || strings.HasSuffix(k, "s") {
		return k + "es"
	}
	return k + "s"
}

// createdKinds are the kinds PlanObjects can create.
var createdKinds = map[string]bool{"extension": true, "enum": true, "sequence": true, "function": true, "procedure": true,
	"view": true, "materialized_view": true, "trigger": true}

// mentions reports whether sql names schema as an identifier (bare or
// quoted), anywhere: rehome does not rewrite SQL text, so under another
// target schema such an object is not created.
func mentions(sql, schema string) bool {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_$"])(` + regexp.QuoteMeta(schema) + `|"` + regexp.QuoteMeta(strings.ReplaceAll(schema, `"`, `""`)) + `")($|[^A-Za-z0-9_$"])`)
	return re.MatchString(sql)
}

// PlanObjects says which of s's objects it creates in schema db, in
// creation order: from PostgreSQL, extensions the destination server
// offers, enum types, sequences of their own, SQL and PL/pgSQL routines,
// views, materialized views and triggers, unless one references a schema
// the move does not create, needs a table or object that is not created,
// or (under another target schema) names its schema in its text. From
// other engines it creates none.
func (p *Provider) PlanObjects(ctx context.Context, db string, s providers.DBSchema) ([]providers.DBObject, []providers.SkippedObject, error) {
	var create []providers.DBObject
	var skipped []providers.SkippedObject
	var objs []providers.DBObject
	for _, o := range s.Objects {
		if o.Kind != "partition" {
			objs = append(objs, o)
		}
	}
	if s.Engine != "postgres" {
		for _, o := range objs {
			skipped = append(skipped, providers.SkippedObject{Object: o,
				Reason: fmt.Sprintf("rehome does not translate %s from %s to PostgreSQL", kindPlural(o.Kind), s.Engine)})
		}
		return nil, skipped, nil
	}
	avail, schemas := map[string]bool{}, map[string]bool{}
	if len(objs) > 0 {
		pool, err := p.connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		names, err := collectStrings(ctx, pool, "SELECT name FROM pg_available_extensions")
		if err != nil {
			return nil, nil, p.fail("list the available extensions", err)
		}
		for _, n := range names {
			avail[n] = true
		}
		if names, err = collectStrings(ctx, pool, "SELECT nspname::text FROM pg_namespace"); err != nil {
			return nil, nil, p.fail("list schemas", err)
		}
		for _, n := range names {
			schemas[n] = true
		}
	}
	tables := map[string]bool{}
	for _, t := range s.Tables {
		tables[t.Name] = true
	}
	made, missed := map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		k := o.Kind + ":" + o.Name
		reason := ""
		switch {
		case !createdKinds[o.Kind]:
			reason = fmt.Sprintf("rehome does not create %s", kindPlural(o.Kind))
		case o.Kind == "extension" && !avail[o.Name]:
			reason = fmt.Sprintf("extension %s is not available at %s (pg_available_extensions)", o.Name, p.Identity())
		case o.Kind == "extension" && len(o.External) > 0 && !schemas[o.External[0]]:
			reason = fmt.Sprintf("it lives in schema %s, which does not exist at %s", o.External[0], p.Identity())
		case o.Kind == "extension":
		case (o.Kind == "function" || o.Kind == "procedure") && o.Language != "sql" && o.Language != "plpgsql":
			reason = fmt.Sprintf("it is written in LANGUAGE %s; rehome creates only SQL and PL/pgSQL routines", o.Language)
		case len(o.External) > 0:
			reason = fmt.Sprintf("it references schema %s, which the move does not create", strings.Join(o.External, ", "))
		case db != s.Database && o.Kind != "enum" && o.Kind != "sequence" && mentions(o.Definition, s.Database):
			reason = fmt.Sprintf("its definition names schema %s, which target_schema = %q replaces; rehome does not rewrite SQL text", s.Database, db)
		}
		for _, d := range o.DependsOn {
			if reason != "" {
				break
			}
			dk, dn, _ := strings.Cut(d, ":")
			switch {
			case dk == "table" && !tables[dn]:
				reason = fmt.Sprintf("it needs table %s, which the move leaves out", dn)
			case dk != "table" && missed[d]:
				reason = fmt.Sprintf("it needs %s %s, which is not created", kindText(dk), dn)
			case dk == "extension" && !made[d]:
				reason = fmt.Sprintf("it needs extension %s, which the move does not create", dn)
			}
		}
		if reason != "" {
			missed[k] = true
			skipped = append(skipped, providers.SkippedObject{Object: o, Reason: reason})
			continue
		}
		made[k] = true
		create = append(create, o)
	}
	return create, skipped, nil
}

func collectStrings(ctx context.Context, q querier, sql string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// inSchema runs fn in a transaction whose search_path is schema alone
// (the definitions were read that way) and whose routine bodies are not
// checked at creation, as pg_restore does: a body may name objects created
// after it.
func (p *Provider) inSchema(ctx context.Context, schema string, fn func(tx pgx.Tx) error) error {
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true), set_config('check_function_bodies', 'off', true)", ident(schema)); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// existsQuery is the query finding o in schema db, with its arguments.
func existsQuery(db string, o providers.DBObject) (string, []any, bool) {
	rel := func(kind string) (string, []any, bool) {
		return `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = $3)`, []any{db, o.Name, kind}, true
	}
	switch o.Kind {
	case "extension":
		return `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1)`, []any{o.Name}, true
	case "enum":
		return `SELECT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2)`,
			[]any{db, o.Name}, true
	case "sequence":
		return rel("S")
	case "view":
		return rel("v")
	case "materialized_view":
		return rel("m")
	case "function", "procedure":
		return `SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = $1 AND p.proname = $2 AND quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')' = $3)`,
			[]any{db, o.Name, o.Identity}, true
	case "trigger":
		return `SELECT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND t.tgname = $2 AND c.relname = $3)`, []any{db, o.Name, o.Table}, true
	}
	return "", nil, false
}

// ObjectExists reports whether o is in schema db (an extension anywhere
// in the database).
func (p *Provider) ObjectExists(ctx context.Context, db string, o providers.DBObject) (bool, error) {
	q, args, ok := existsQuery(db, o)
	if !ok {
		return false, fmt.Errorf("postgres: no %s objects", o.Kind)
	}
	var found bool
	err := p.inSchema(ctx, db, func(tx pgx.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&found) })
	return found, p.fail(fmt.Sprintf("look for %s %s in %s", kindText(o.Kind), o.Name, db), err)
}

// CreateObject runs o's definition in schema db. An extension installed
// already is used (false); another object of o's name is ErrExists.
func (p *Provider) CreateObject(ctx context.Context, db string, o providers.DBObject) (bool, error) {
	if o.Kind == "extension" {
		there, err := p.ObjectExists(ctx, db, o)
		if err != nil || there {
			return false, err
		}
	}
	err := p.inSchema(ctx, db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, o.Definition)
		return err
	})
	switch pgCode(err) {
	case "42710", "42P07", "42723":
		return false, fmt.Errorf("%s %s.%s: %w", kindText(o.Kind), db, o.Name, providers.ErrExists)
	}
	if err != nil {
		return false, p.fail(fmt.Sprintf("create %s %s.%s", kindText(o.Kind), db, o.Name), err)
	}
	return true, nil
}

// dropSQL is the DROP statement of each kind, for an object's Identity.
var dropSQL = map[string]string{"extension": "DROP EXTENSION ", "enum": "DROP TYPE ", "sequence": "DROP SEQUENCE ",
	"function": "DROP FUNCTION ", "procedure": "DROP PROCEDURE ", "view": "DROP VIEW ", "materialized_view": "DROP MATERIALIZED VIEW ",
	"trigger": "DROP TRIGGER "}

// DropObject drops o from schema db, RESTRICT: an object something else
// still needs is kept (ErrNotEmpty).
func (p *Provider) DropObject(ctx context.Context, db string, o providers.DBObject) error {
	stmt, ok := dropSQL[o.Kind]
	if !ok {
		return fmt.Errorf("postgres: no %s objects", o.Kind)
	}
	err := p.inSchema(ctx, db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, stmt+o.Identity+" RESTRICT")
		return err
	})
	switch pgCode(err) {
	case "42704", "42P01", "42883", "3F000":
		return fmt.Errorf("%s %s.%s: %w", kindText(o.Kind), db, o.Name, providers.ErrNotFound)
	case "2BP01":
		return fmt.Errorf("%s %s.%s is needed by objects rehome did not create: %w", kindText(o.Kind), db, o.Name, providers.ErrNotEmpty)
	}
	return p.fail(fmt.Sprintf("drop %s %s.%s", kindText(o.Kind), db, o.Name), err)
}

// SetSequence sets sequence o's position in schema db.
func (p *Provider) SetSequence(ctx context.Context, db string, o providers.DBObject) error {
	err := p.inSchema(ctx, db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "SELECT setval($1::regclass, $2, $3)", o.Identity, o.Value, o.Called)
		return err
	})
	return p.fail(fmt.Sprintf("set sequence %s.%s", db, o.Name), err)
}
