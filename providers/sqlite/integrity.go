package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/rehome/rehome/providers"
)

var _ providers.IntegrityChecker = (*Provider)(nil)

// CheckIntegrity checks the foreign keys of s's tables with PRAGMA
// foreign_key_check, which SQLite answers whether or not it enforces
// foreign keys on writes (it does not unless asked, so a load can leave
// orphans). Sequences need no check: SQLite gives a rowid or
// AUTOINCREMENT column the highest value so far plus one, so none can
// fall behind its column; Sequences stays 0.
func (p *Provider) CheckIntegrity(ctx context.Context, name string, s providers.DBSchema) (providers.Integrity, error) {
	var out providers.Integrity
	db, err := p.open(ctx, false)
	if err != nil {
		return out, err
	}
	for _, t := range s.Tables {
		if len(t.ForeignKeys) == 0 {
			continue
		}
		out.ForeignKeys += len(t.ForeignKeys)
		rows, err := db.QueryContext(ctx, "PRAGMA main.foreign_key_check("+ident(t.Name)+")")
		if err != nil {
			return out, p.fail(fmt.Sprintf("check the foreign keys of %s", t.Name), err)
		}
		type hit struct {
			n      int64
			sample string
		}
		byParent := map[string]*hit{}
		var parents []string
		for rows.Next() {
			var table, parent string
			var rowid *int64
			var fkid int64
			if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
				rows.Close()
				return out, p.fail(fmt.Sprintf("check the foreign keys of %s", t.Name), err)
			}
			h := byParent[parent]
			if h == nil {
				h = &hit{}
				byParent[parent] = h
				parents = append(parents, parent)
				if rowid != nil {
					h.sample = fmt.Sprintf("rowid %d", *rowid)
				}
			}
			h.n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, p.fail(fmt.Sprintf("check the foreign keys of %s", t.Name), err)
		}
		for _, parent := range parents {
			h := byParent[parent]
			var cols []string
			for _, fk := range t.ForeignKeys {
				if fk.RefTable == parent {
					cols = append(cols, strings.Join(fk.Columns, ", "))
				}
			}
			detail := fmt.Sprintf("%d row(s) whose (%s) find no row in %s", h.n, strings.Join(cols, "; "), parent)
			if h.sample != "" {
				detail += ", sample " + h.sample
			}
			out.Problems = append(out.Problems, providers.IntegrityProblem{Table: t.Name, Object: "foreign key to " + parent, Detail: detail})
		}
	}
	return out, nil
}
