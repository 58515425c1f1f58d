package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/rehome/rehome/providers"
)

var _ providers.KeyChecker = (*Provider)(nil)

// Orphans counts, by query, the rows of table whose foreign key fk (all
// its columns set) finds no row in fk.RefTable, comparing as SQLite does
// (affinity and the columns' collations), and returns the primary keys
// of the first n in key order (byte order for text). SQLite checks no
// foreign key unless asked, so a source file may well hold such rows. It
// reads in one read transaction; a cancelled ctx interrupts the query.
func (p *Provider) Orphans(ctx context.Context, name, table string, fk providers.ForeignKey, n int) (int64, []providers.Row, error) {
	return p.keyQueries().Orphans(ctx, name, table, fk, n)
}

// Duplicates counts, by query, the rows of table repeating an earlier
// row's values of cols (all set), as SQLite compares them, and returns
// the primary keys of the first n in key order; it reads as Orphans does.
func (p *Provider) Duplicates(ctx context.Context, name, table string, cols []string, n int) (int64, []providers.Row, error) {
	return p.keyQueries().Duplicates(ctx, name, table, cols, n)
}

func (p *Provider) keyQueries() providers.KeyQueries {
	return providers.KeyQueries{RefTable: func(_, table string) string { return ident(table) }, Run: p.keyCheck}
}

// keyCheck runs the count and sample queries build makes for table.
func (p *Provider) keyCheck(ctx context.Context, name, table, what string, build func(providers.KeyCheckSQL) (string, string, error)) (int64, []providers.Row, error) {
	if name != mainDB {
		return 0, nil, fmt.Errorf("sqlite database %q: %w", name, providers.ErrNotFound)
	}
	what += " in " + table
	db, err := p.open(ctx, false)
	if err != nil {
		return 0, nil, err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	defer func() { _ = tx.Rollback() }()
	ti, err := p.info(ctx, tx, table)
	if err != nil {
		return 0, nil, err
	}
	keys := make([]string, len(ti.keys))
	for i, k := range ti.keys {
		keys[i] = ti.cols[k].Name
	}
	ks := providers.KeyCheckSQL{Quote: ident, Table: ident(table), Keys: keys,
		Order:  func(alias, col string) string { return alias + "." + ident(col) + " COLLATE BINARY" },
		Select: func(alias, col string) string { return alias + "." + ident(col) }}
	countQ, samplesQ, err := build(ks)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", what, err)
	}
	var count int64
	if err := tx.QueryRowContext(ctx, countQ).Scan(&count); err != nil {
		return 0, nil, p.fail(what, err)
	}
	if count == 0 || samplesQ == "" {
		return count, nil, nil
	}
	rows, err := tx.QueryContext(ctx, samplesQ)
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	defer rows.Close()
	var samples []providers.Row
	for rows.Next() {
		raw := make([]any, len(keys))
		ptrs := make([]any, len(keys))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, p.fail(what, err)
		}
		key := make(providers.Row, len(keys))
		for i, v := range raw {
			key[i] = Portable(v, ti.cols[ti.keys[i]].Type.Base)
		}
		samples = append(samples, key)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, p.fail(what, err)
	}
	return count, samples, nil
}
