package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// quietTriggers disables, inside tx, the enabled user triggers of a table
// that WriteRows is about to load, so that the range's DELETE and COPY
// fire none of them: a copied row is the source's row, and what a trigger
// did at the source (an audit log's row, say) arrives by its own table's
// copy. That matters once rehome has created the source's triggers after
// the load, and a cutover re-copies a table. The returned restore enables
// each again in its former mode (origin, always or replica) before the
// commit; ALTER TABLE is transactional, so a load that fails or is killed
// leaves the triggers as they were. A table without triggers costs one
// catalog query.
func quietTriggers(ctx context.Context, tx pgx.Tx, db, table string) (restore func(context.Context) error, err error) {
	rel := qualified(db, table)
	rows, err := tx.Query(ctx, `SELECT tgname, tgenabled::text FROM pg_trigger
WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname`, rel)
	if err != nil {
		return nil, fmt.Errorf("list the triggers of %s.%s: %w", db, table, err)
	}
	type trig struct{ name, mode string }
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (trig, error) {
		var t trig
		return t, row.Scan(&t.name, &t.mode)
	})
	if err != nil {
		return nil, fmt.Errorf("list the triggers of %s.%s: %w", db, table, err)
	}
	for _, t := range ts {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+rel+" DISABLE TRIGGER "+ident(t.name)); err != nil {
			return nil, fmt.Errorf("disable trigger %s on %s.%s for the load: %w", t.name, db, table, err)
		}
	}
	return func(ctx context.Context) error {
		for _, t := range ts {
			mode := ""
			switch t.mode {
			case "A":
				mode = "ALWAYS "
			case "R":
				mode = "REPLICA "
			}
			if _, err := tx.Exec(ctx, "ALTER TABLE "+rel+" ENABLE "+mode+"TRIGGER "+ident(t.name)); err != nil {
				return fmt.Errorf("enable trigger %s on %s.%s again after the load: %w", t.name, db, table, err)
			}
		}
		return nil
	}, nil
}
