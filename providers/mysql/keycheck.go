package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/rehome/rehome/providers"
)

var _ providers.KeyChecker = (*Provider)(nil)

// Orphans counts, by query, the rows of db.table whose foreign key fk
// (all its columns set) finds no row in fk.RefTable, comparing as the
// server does (the columns' collations), and returns the keys (the
// primary key, else the unique key ReadRows orders by) of the first n in
// key order. It reads on the snapshot's connection while a snapshot of db
// is held; a cancelled ctx kills the statement on the server.
func (p *Provider) Orphans(ctx context.Context, db, table string, fk providers.ForeignKey, n int) (int64, []providers.Row, error) {
	return p.keyQueries().Orphans(ctx, db, table, fk, n)
}

// Duplicates counts, by query, the rows of db.table repeating an earlier
// row's values of cols (all set), as the server compares them, and
// returns the keys of the first n in key order; it reads as Orphans does.
func (p *Provider) Duplicates(ctx context.Context, db, table string, cols []string, n int) (int64, []providers.Row, error) {
	return p.keyQueries().Duplicates(ctx, db, table, cols, n)
}

func (p *Provider) keyQueries() providers.KeyQueries {
	return providers.KeyQueries{RefTable: func(db, table string) string { return qualified(db, table) }, Run: p.keyCheck}
}

// keyCheck runs the count and sample queries build makes for db.table.
func (p *Provider) keyCheck(ctx context.Context, db, table, what string, build func(providers.KeyCheckSQL) (string, string, error)) (int64, []providers.Row, error) {
	what = fmt.Sprintf("%s in %s.%s", what, db, table)
	pool, srv, err := p.pool(ctx)
	if err != nil {
		return 0, nil, err
	}
	conn, release, err := p.readConn(ctx, pool, db)
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	defer release()
	d, err := p.loadTable(ctx, conn, srv.mariadb, db, table)
	if err != nil {
		return 0, nil, err
	}
	keys := make([]string, len(d.key))
	order := map[string]string{}
	for i, k := range d.key {
		keys[i] = d.table.Columns[k].Name
		order[keys[i]] = d.keyExpr[i]
	}
	// The key expressions name the columns bare: in the sample queries
	// they resolve to the one table (or derived table) of their FROM.
	ks := providers.KeyCheckSQL{Quote: quoteIdent, Table: qualified(db, table), Keys: keys,
		Order:  func(_, col string) string { return order[col] },
		Select: func(alias, col string) string { return alias + "." + quoteIdent(col) }}
	countQ, samplesQ, err := build(ks)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", what, err)
	}
	stop, err := killOnCancel(ctx, pool, conn)
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	defer stop()
	var count int64
	if err := conn.QueryRowContext(ctx, countQ).Scan(&count); err != nil {
		return 0, nil, p.fail(what, err)
	}
	if count == 0 || samplesQ == "" {
		return count, nil, nil
	}
	samples, err := keyRows(ctx, conn, d, samplesQ)
	if err != nil {
		return 0, nil, p.fail(what, err)
	}
	return count, samples, nil
}

// killOnCancel has the server stop the statement running on conn when
// ctx is done: the driver only drops its connection then, which the
// server notices when it next writes to it, after a whole-table query.
// stop ends the watch (waiting for a KILL under way) before conn is used
// for anything else.
func killOnCancel(ctx context.Context, pool *sql.DB, conn *sql.Conn) (stop func(), err error) {
	var id int64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-ctx.Done():
			kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_, _ = pool.ExecContext(kctx, fmt.Sprintf("KILL QUERY %d", id))
		case <-done:
		}
	})
	return func() { close(done); wg.Wait() }, nil
}
