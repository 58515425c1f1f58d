package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/rehome/rehome/providers"
)

var _ providers.BadValueCounter = (*Provider)(nil)

// badCheck is one SQL condition that is true exactly for the values
// ReadRows returns as BadValue with reason.
type badCheck struct {
	col    int
	reason string
	cond   string
}

// badChecks lists the conditions for a table's columns. Invalid UTF-8
// has none: the server converts every text column to utf8mb4 on the way
// out, so it cannot be told by query (ReadRows still checks each value).
func badChecks(d *tableDef) []badCheck {
	var out []badCheck
	for i, c := range d.table.Columns {
		q := quoteIdent(c.Name)
		add := func(reason, cond string) { out = append(out, badCheck{i, reason, cond}) }
		zero := "CAST(" + q + " AS CHAR) LIKE '0000-00-00%'"
		switch d.reads[i] {
		case readBool:
			add(reasonBool, q+" NOT IN (0, 1)")
		case readEnum:
			add(reasonEnum, q+" + 0 = 0") // member number 0: what a lax sql_mode stores for an invalid value
		case readDate, readDateTime:
			add(reasonZeroDate, zero)
			add(reasonBadDate, "NOT "+zero+" AND (MONTH("+q+") = 0 OR DAYOFMONTH("+q+") = 0 OR DAYOFMONTH("+q+") > DAYOFMONTH(LAST_DAY("+q+")))")
		case readTime:
			add(reasonTime, q+" < '00:00:00' OR "+q+" >= '24:00:00'")
		}
	}
	return out
}

// CountBadValues counts, by query on the server, the values of db.t that
// ReadRows returns as BadValue: zero and invalid dates, times outside a
// day, tinyint(1) values other than 0 and 1, empty enum values. It scans
// the table once on the server and reads out only the counts and, per
// column and reason, the keys of the first samples rows (in key order;
// none for a table without a key).
func (p *Provider) CountBadValues(ctx context.Context, db string, t providers.Table, samples int) ([]providers.BadValueCount, error) {
	pool, srv, err := p.pool(ctx)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("count bad values in %s.%s", db, t.Name)
	conn, release, err := p.readConn(ctx, pool, db)
	if err != nil {
		return nil, p.fail(what, err)
	}
	defer release()
	d, err := p.loadTable(ctx, conn, srv.mariadb, db, t.Name)
	if err != nil {
		return nil, err
	}
	checks := badChecks(d)
	if len(checks) == 0 {
		return nil, nil
	}
	sums := make([]string, len(checks))
	for i, c := range checks {
		sums[i] = "COALESCE(SUM(" + c.cond + "), 0)"
	}
	counts := make([]int64, len(checks))
	ptrs := make([]any, len(checks))
	for i := range counts {
		ptrs[i] = &counts[i]
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(sums, ", ")+" FROM "+qualified(db, t.Name)).Scan(ptrs...); err != nil {
		return nil, p.fail(what, err)
	}
	var out []providers.BadValueCount
	for i, c := range checks {
		if counts[i] == 0 {
			continue
		}
		bc := providers.BadValueCount{Column: d.table.Columns[c.col].Name, Reason: c.reason, Count: counts[i]}
		if samples > 0 && d.key != nil {
			keys, err := p.sampleKeys(ctx, conn, d, db, c.cond, samples)
			if err != nil {
				return nil, p.fail(what, err)
			}
			bc.Samples = keys
		}
		out = append(out, bc)
	}
	return out, nil
}

// sampleKeys returns the portable key values of the first n rows (in key
// order) where cond holds.
func (p *Provider) sampleKeys(ctx context.Context, conn *sql.Conn, d *tableDef, db, cond string, n int) ([]providers.Row, error) {
	cols := make([]string, len(d.key))
	for i, k := range d.key {
		cols[i] = quoteIdent(d.table.Columns[k].Name)
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
		strings.Join(cols, ", "), qualified(db, d.table.Name), cond, strings.Join(d.keyExpr, ", "), n)
	return keyRows(ctx, conn, d, q)
}

// keyRows runs q, which selects the key columns of d in order, and
// returns their portable values.
func keyRows(ctx context.Context, conn *sql.Conn, d *tableDef, q string) ([]providers.Row, error) {
	stmt, err := conn.PrepareContext(ctx, q) // the binary protocol, as ReadRows reads
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(d.key))
	ptrs := make([]any, len(d.key))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []providers.Row
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		key := make(providers.Row, len(d.key))
		for i, k := range d.key {
			v, err := convert(vals[i], d.reads[k], d.table.Columns[k].Type)
			if err != nil {
				return nil, fmt.Errorf("key column %s: %w", d.table.Columns[k].Name, err)
			}
			key[i] = v
		}
		out = append(out, key)
	}
	return out, rows.Err()
}
