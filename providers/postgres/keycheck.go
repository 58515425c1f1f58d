package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rehome/rehome/providers"
)

var _ providers.KeyChecker = (*Provider)(nil)

// Orphans counts, by query, the rows of db.table whose foreign key fk
// (all its columns set) finds no row in fk.RefTable, and returns the
// primary keys of the first n in key order. It reads in one REPEATABLE
// READ transaction, at the exported snapshot when one is held; a
// cancelled ctx cancels the query on the server.
func (p *Provider) Orphans(ctx context.Context, db, table string, fk providers.ForeignKey, n int) (int64, []providers.Row, error) {
	return p.keyQueries().Orphans(ctx, db, table, fk, n)
}

// Duplicates counts, by query, the rows of db.table repeating an earlier
// row's values of cols (all set), and returns the primary keys of the
// first n in key order; it reads as Orphans does.
func (p *Provider) Duplicates(ctx context.Context, db, table string, cols []string, n int) (int64, []providers.Row, error) {
	return p.keyQueries().Duplicates(ctx, db, table, cols, n)
}

func (p *Provider) keyQueries() providers.KeyQueries {
	return providers.KeyQueries{RefTable: func(db, table string) string { return qualified(db, table) }, Run: p.keyCheck}
}

// keyCheck runs the count and sample queries build makes for db.table.
func (p *Provider) keyCheck(ctx context.Context, db, table, what string, build func(providers.KeyCheckSQL) (string, string, error)) (int64, []providers.Row, error) {
	what = fmt.Sprintf("%s in %s.%s", what, db, table)
	pool, err := p.connect(ctx)
	if err != nil {
		return 0, nil, err
	}
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	p.mu.Lock()
	snap := p.snapshots[db]
	p.mu.Unlock()
	if snap != "" {
		if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(snap)); err != nil {
			return 0, nil, p.fail(what+": use the exported snapshot", err)
		}
	}
	_, keys, err := p.tableInfo(ctx, tx, db, table)
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	byName := map[string]column{}
	names := make([]string, len(keys))
	for i, k := range keys {
		byName[k.name], names[i] = k, k.name
	}
	ks := providers.KeyCheckSQL{Quote: ident, Table: qualified(db, table), Keys: names,
		Order: func(alias, col string) string { return collated(byName[col], alias+"."+ident(col)) },
		Select: func(alias, col string) string {
			if textCast(byName[col].typ.Base) {
				return alias + "." + ident(col) + "::text"
			}
			return alias + "." + ident(col)
		}}
	countQ, samplesQ, err := build(ks)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", what, err)
	}
	var count int64
	if err := tx.QueryRow(ctx, countQ).Scan(&count); err != nil {
		return 0, nil, p.fail(what, err)
	}
	if count == 0 || samplesQ == "" {
		return count, nil, nil
	}
	rows, err := tx.Query(ctx, samplesQ)
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	samples, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (providers.Row, error) {
		vals, err := r.Values()
		if err != nil {
			return nil, err
		}
		key := make(providers.Row, len(vals))
		for i, v := range vals {
			if key[i], err = portable(v, keys[i].typ.Base); err != nil {
				return nil, fmt.Errorf("key column %s: %w", keys[i].name, err)
			}
		}
		return key, nil
	})
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	return count, samples, nil
}
