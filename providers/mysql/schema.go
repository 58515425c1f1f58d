package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/rehome/rehome/providers"
)

// tableInfo is what Schema keeps per table beyond the portable Table.
type tableInfo struct {
	t           *providers.Table
	reads       []readKind
	partitioned bool
	autoInc     int64
}

// Schema reads a database's definition from information_schema and
// translates it into portable types (see doc.go for the table). Tables
// come in dependency order: referenced tables first.
func (p *Provider) Schema(ctx context.Context, db string) (providers.DBSchema, error) {
	pool, srv, err := p.pool(ctx)
	if err != nil {
		return providers.DBSchema{}, err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return providers.DBSchema{}, p.fail("read schema of "+db, err)
	}
	defer conn.Close()
	if !srv.mariadb {
		// MySQL 8 caches table statistics (AUTO_INCREMENT among them) for a
		// day by default; read them fresh. Older servers lack the variable.
		_, _ = conn.ExecContext(ctx, "SET SESSION information_schema_stats_expiry = 0")
	}
	r := &schemaReader{p: p, conn: conn, db: db, mariadb: srv.mariadb, tables: map[string]*tableInfo{}}
	s, err := r.read(ctx)
	if err != nil {
		return providers.DBSchema{}, err
	}
	return s, nil
}

type schemaReader struct {
	p       *Provider
	conn    *sql.Conn
	db      string
	mariadb bool
	// only restricts the reading to one table ("" all), for ReadRows.
	only     string
	tables   map[string]*tableInfo
	order    []string // table names as listed
	jsonCols map[[2]string]bool
	s        providers.DBSchema
}

// tableFilter returns the SQL condition and arguments that restrict a
// query on information_schema to the database (and the one table).
func (r *schemaReader) tableFilter(schemaCol, tableCol string) (string, []any) {
	if r.only != "" {
		return schemaCol + " = ? AND " + tableCol + " = ?", []any{r.db, r.only}
	}
	return schemaCol + " = ?", []any{r.db}
}

func (r *schemaReader) fail(what string, err error) error {
	return r.p.fail(fmt.Sprintf("read schema of %s: %s", r.db, what), err)
}

func (r *schemaReader) read(ctx context.Context) (providers.DBSchema, error) {
	r.s.Database = r.db
	r.s.Engine = "mysql" // MariaDB's dialect is MySQL's for what the schema holds
	err := r.conn.QueryRowContext(ctx, `SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME
		FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, r.db).Scan(&r.s.Charset, &r.s.Collation)
	if errors.Is(err, sql.ErrNoRows) {
		return providers.DBSchema{}, r.fail("database", fmt.Errorf("%w: no database %q on the server (or no privilege to see it)", providers.ErrNotFound, r.db))
	}
	if err != nil {
		return providers.DBSchema{}, r.fail("database", err)
	}
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{"tables", r.readTables},
		{"checks", r.readChecks}, // before columns: MariaDB's JSON is a check
		{"columns", r.readColumns},
		{"indexes", r.readIndexes},
		{"foreign keys", r.readForeignKeys},
		{"views", r.readViews},
		{"triggers", r.readTriggers},
		{"routines", r.readRoutines},
		{"events", r.readEvents},
		{"partitions", r.readPartitions},
	}
	for _, st := range steps {
		if err := st.fn(ctx); err != nil {
			return providers.DBSchema{}, r.fail(st.what, err)
		}
	}
	r.s.Tables = r.sortedTables()
	sort.SliceStable(r.s.Objects, func(i, j int) bool {
		a, b := r.s.Objects[i], r.s.Objects[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.Name < b.Name
	})
	return r.s, nil
}

type checkRow struct {
	table, name, level, clause string
}

func (r *schemaReader) readTables(ctx context.Context) error {
	where, args := r.tableFilter("TABLE_SCHEMA", "TABLE_NAME")
	rows, err := r.conn.QueryContext(ctx, `SELECT TABLE_NAME, TABLE_TYPE, COALESCE(TABLE_ROWS, 0),
		COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0), COALESCE(AUTO_INCREMENT, 0),
		COALESCE(TABLE_COMMENT, ''), COALESCE(CREATE_OPTIONS, '')
		FROM information_schema.TABLES WHERE `+where+` ORDER BY TABLE_NAME`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var sequences []string
	for rows.Next() {
		var name, typ, comment, opts string
		var nrows, bytes, autoInc float64
		if err := rows.Scan(&name, &typ, &nrows, &bytes, &autoInc, &comment, &opts); err != nil {
			return err
		}
		switch typ {
		case "VIEW", "SYSTEM VIEW":
			continue // readViews
		case "SEQUENCE": // MariaDB 10.3+
			sequences = append(sequences, name)
			continue
		}
		t := &providers.Table{Name: name, Rows: int64(nrows), Bytes: int64(bytes), Comment: comment}
		r.tables[name] = &tableInfo{t: t, autoInc: int64(autoInc),
			partitioned: strings.Contains(strings.ToLower(opts), "partitioned")}
		r.order = append(r.order, name)
		if typ == "SYSTEM VERSIONED" {
			r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: providers.DBObjectTableOption, Name: name, Table: name,
				Definition: "WITH SYSTEM VERSIONING (only the current rows are read)"})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range sequences {
		def, err := r.showCreate(ctx, "SEQUENCE", name)
		if err != nil {
			return err
		}
		r.s.Objects = append(r.s.Objects, providers.DBObject{Kind: "sequence", Name: name, Definition: def})
	}
	return nil
}

// showCreate runs SHOW CREATE <kind> and returns the statement (the
// column whose name starts with "Create"), "" when the server hides it
// (no privilege on a routine).
func (r *schemaReader) showCreate(ctx context.Context, kind, name string) (string, error) {
	rows, err := r.conn.QueryContext(ctx, "SHOW CREATE "+kind+" "+qualified(r.db, name))
	if err != nil {
		return "", fmt.Errorf("show create %s %s: %w", strings.ToLower(kind), name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var def string
	if rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for i, c := range cols {
			if strings.HasPrefix(c, "Create ") && c != "Create Table" || c == "Create Table" {
				def = vals[i].String
				break
			}
		}
	}
	return def, rows.Err()
}

func (r *schemaReader) readChecks(ctx context.Context) error {
	var q string
	var args []any
	if r.mariadb {
		var where string
		where, args = r.tableFilter("CONSTRAINT_SCHEMA", "TABLE_NAME")
		q = `SELECT TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
			WHERE ` + where + ` ORDER BY TABLE_NAME, CONSTRAINT_NAME`
	} else {
		var where string
		where, args = r.tableFilter("cc.CONSTRAINT_SCHEMA", "tc.TABLE_NAME")
		// MySQL 8.0.16+: the table comes from TABLE_CONSTRAINTS; NOT
		// ENFORCED checks are left out (the data need not satisfy them).
		q = `SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, 'Table', cc.CHECK_CLAUSE
			FROM information_schema.CHECK_CONSTRAINTS cc JOIN information_schema.TABLE_CONSTRAINTS tc
			ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
			WHERE ` + where + ` AND tc.ENFORCED = 'YES' ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME`
	}
	rows, err := r.conn.QueryContext(ctx, q, args...)
	var me *driver.MySQLError
	if errors.As(err, &me) && (me.Number == 1109 || me.Number == 1054) {
		return nil // before MySQL 8.0.16 / MariaDB 10.2: no check constraints
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c checkRow
		if err := rows.Scan(&c.table, &c.name, &c.level, &c.clause); err != nil {
			return err
		}
		ti := r.tables[c.table]
		if ti == nil {
			continue
		}
		if strings.EqualFold(c.level, "Column") && isJSONValid(c.clause, c.name) {
			r.jsonCol(c.table, c.name)
			continue
		}
		if !r.mariadb {
			c.clause = mysqlExpr(c.clause)
		}
		ti.t.Checks = append(ti.t.Checks, providers.Check{Name: c.name, Expr: c.clause})
	}
	return rows.Err()
}

// isJSONValid reports whether clause is MariaDB's json_valid(`col`).
func isJSONValid(clause, col string) bool {
	c := strings.ToLower(strings.Join(strings.Fields(clause), ""))
	return c == "json_valid("+strings.ToLower(quoteIdent(col))+")"
}

func (r *schemaReader) jsonCol(table, col string) {
	if r.jsonCols == nil {
		r.jsonCols = map[[2]string]bool{}
	}
	r.jsonCols[[2]string{table, col}] = true
}
