package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/rehome/rehome/providers"
)

var _ providers.IntegrityChecker = (*Provider)(nil)

// CheckIntegrity checks the foreign keys and sequences of s's tables in
// schema db. A foreign key PostgreSQL created validated holds by the
// server's own check (pg_constraint.convalidated); one missing or not
// validated is counted by query (rows whose key finds no referenced row,
// with a sample). A sequence is ahead when the value nextval would give
// exceeds the column's highest.
func (p *Provider) CheckIntegrity(ctx context.Context, db string, s providers.DBSchema) (providers.Integrity, error) {
	out := providers.Integrity{Enforced: true}
	pool, err := p.connect(ctx)
	if err != nil {
		return out, err
	}
	for _, t := range s.Tables {
		tq := qualified(db, t.Name)
		for _, fk := range t.ForeignKeys {
			out.ForeignKeys++
			var validated bool
			err := pool.QueryRow(ctx, `SELECT COALESCE(bool_or(c.convalidated), false) FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid = $1::regclass AND c.confrelid = $2::regclass
  AND (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) = $3::text[]`,
				tq, qualified(db, fk.RefTable), fk.Columns).Scan(&validated)
			if err != nil {
				return out, p.fail(fmt.Sprintf("read the foreign keys of %s.%s", db, t.Name), err)
			}
			if validated {
				continue
			}
			name := firstNonEmpty(fk.Name, strings.Join(fk.Columns, ","))
			n, samples, err := p.Orphans(ctx, db, t.Name, fk, 1) // KeyChecker, keycheck.go
			if err != nil {
				return out, err
			}
			sample := "(no primary key)"
			if len(samples) > 0 {
				sample = rowText(samples[0])
			}
			detail := "the constraint is missing or not validated, but every row's key finds its referenced row"
			if n > 0 {
				detail = fmt.Sprintf("%d row(s) whose (%s) find no row in %s, sample key %s", n, strings.Join(fk.Columns, ", "), fk.RefTable, sample)
			}
			out.Problems = append(out.Problems, providers.IntegrityProblem{Table: t.Name, Object: "foreign key " + name, Detail: detail})
		}
		for _, c := range t.Columns {
			if !translateColumn(c, s.Engine).seqName && !c.Identity {
				continue
			}
			var seq *string
			if err := pool.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, $2)", tq, c.Name).Scan(&seq); err != nil {
				return out, p.fail(fmt.Sprintf("find the sequence of %s.%s.%s", db, t.Name, c.Name), err)
			}
			if seq == nil {
				continue // a column the destination does not feed from a sequence
			}
			out.Sequences++
			var next, top *int64
			err := pool.QueryRow(ctx, `SELECT CASE WHEN s.is_called THEN s.last_value + q.seqincrement ELSE s.last_value END,
  (SELECT max(`+ident(c.Name)+`)::bigint FROM `+tq+`)
FROM `+*seq+` s, pg_sequence q WHERE q.seqrelid = $1::regclass`, *seq).Scan(&next, &top)
			if err != nil {
				return out, p.fail(fmt.Sprintf("read the sequence of %s.%s.%s", db, t.Name, c.Name), err)
			}
			if next != nil && top != nil && *next <= *top {
				out.Problems = append(out.Problems, providers.IntegrityProblem{Table: t.Name, Object: c.Name + "'s sequence", Sequence: true,
					Detail: fmt.Sprintf("its next value %d is not above the column's highest %d: the next insert would collide", *next, *top)})
			}
		}
	}
	return out, nil
}

// rowText renders a key's values for a message: "7", or "7, a" for a
// composite key.
func rowText(r providers.Row) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}
