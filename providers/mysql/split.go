package mysql

import (
	"context"
	"fmt"

	"github.com/rehome/rehome/providers"
)

var _ providers.KeySplitter = (*Provider)(nil)

// SplitKeys cuts db.table into about equal key ranges for parallel
// copies: it probes the primary key in ReadRows's order (byte order for
// text) at row offsets spread over the server's row estimate, each probe one
// `ORDER BY key LIMIT 1 OFFSET n` read at the held snapshot when there is
// one (InnoDB walks the key's index to the offset). It returns at most
// parts-1 ascending keys; a table too small to cut returns none.
func (p *Provider) SplitKeys(ctx context.Context, db, table string, parts int) ([]providers.Row, error) {
	if parts < 2 {
		return nil, nil
	}
	pool, srv, err := p.pool(ctx)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("cut %s.%s into key ranges", db, table)
	conn, release, err := p.readConn(ctx, pool, db)
	if err != nil {
		return nil, p.fail(what, err)
	}
	defer release()
	// The server's row estimate places the cuts: a low one only makes
	// the last range bigger, a high one makes fewer ranges.
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		db, table).Scan(&n); err != nil {
		return nil, p.fail(what, err)
	}
	var out []providers.Row
	for i := 1; i < parts; i++ {
		off := n * int64(i) / int64(parts)
		if off < 1 {
			continue
		}
		s, err := p.startRead(ctx, conn, srv.mariadb, db, table, providers.KeyRange{}, fmt.Sprintf(" LIMIT 1 OFFSET %d", off-1))
		if err != nil {
			return nil, err
		}
		if s.def.key == nil {
			s.Close()
			return nil, nil // no key to cut by
		}
		row, ok := s.Next(ctx)
		err = s.Err()
		s.Close()
		if err != nil {
			return nil, p.fail(what, err)
		}
		if !ok {
			break
		}
		k := make(providers.Row, len(s.def.key))
		for j, c := range s.def.key {
			k[j] = row[c]
		}
		out = append(out, k)
	}
	return out, nil
}
