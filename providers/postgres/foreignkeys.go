package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/rehome/rehome/providers"
)

var _ providers.ForeignKeyReleaser = (*Provider)(nil)

// ReleaseForeignKeys drops the foreign keys declared on s's tables in db
// that are on, or reference, one of tables, so a cutover can replace
// those tables' rows wholesale (a DELETE of a referenced row would fail
// the key, or cascade to the referencing rows). FinishSchema adds them
// back, by the same names. Foreign keys of tables not in s are left
// alone.
func (p *Provider) ReleaseForeignKeys(ctx context.Context, db string, s providers.DBSchema, tables []string) error {
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	ours := make([]string, 0, len(s.Tables))
	for _, t := range s.Tables {
		ours = append(ours, t.Name)
	}
	rows, err := pool.Query(ctx, `SELECT c.relname, k.conname FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class r ON r.oid = k.confrelid
WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname = ANY($2) AND (c.relname = ANY($3) OR r.relname = ANY($3))
ORDER BY 1, 2`, db, ours, tables)
	if err != nil {
		return p.fail("list the foreign keys of "+db, err)
	}
	type fk struct{ table, name string }
	var drop []fk
	for rows.Next() {
		var f fk
		if err := rows.Scan(&f.table, &f.name); err != nil {
			rows.Close()
			return p.fail("list the foreign keys of "+db, err)
		}
		drop = append(drop, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p.fail("list the foreign keys of "+db, err)
	}
	drop = slices.Compact(drop)
	for _, f := range drop {
		if _, err := pool.Exec(ctx, "ALTER TABLE "+qualified(db, f.table)+" DROP CONSTRAINT IF EXISTS "+ident(f.name)); err != nil {
			return p.fail(fmt.Sprintf("drop foreign key %s of %s.%s", f.name, db, f.table), err)
		}
	}
	return nil
}
