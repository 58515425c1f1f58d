package mysql

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/postgres/pgtest"
)

// TestIntoPostgres moves the shop and the type fixture through the real
// PostgreSQL provider (ApplySchema, WriteRows, FinishSchema) and checks
// that each table's fingerprint there equals the MariaDB one: the values
// this provider reads are the exact portable values the other engines
// hash alike. Bad values go over as NULL in the shop (on_bad_value =
// "null"), and their rows are left out in the type fixture ("skip_row").
// Spatial columns, which PostgreSQL holds only with PostGIS, stay behind.
func TestIntoPostgres(t *testing.T) {
	t.Setenv("REHOME_TEST_PG_URL", "")
	for _, tt := range []struct {
		name   string
		stmts  []string
		policy func(providers.RowStream) providers.RowStream
		chunk  int // rows per copied key range
	}{
		{"shop", mysqltest.Shop(300), func(s providers.RowStream) providers.RowStream { return badAsNull{s} }, 150},
		{"fixture", fixture, func(s providers.RowStream) providers.RowStream { return skipBad{s} }, 2},
		{"keys", keyTables(), func(s providers.RowStream) providers.RowStream { return s }, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stmts := tt.stmts
			src, db := testDB(t, stmts...)
			ctx := context.Background()
			dst := postgres.Factory().New()
			if err := dst.Configure(ctx, providers.Config{Env: "dst", Logger: slog.New(slog.DiscardHandler),
				Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(pgtest.NewDatabase(t))})}); err != nil {
				t.Fatal(err)
			}
			ds := dst.(providers.DatabaseStore)
			s, err := src.Schema(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			s.Tables = slices.DeleteFunc(s.Tables, func(tb providers.Table) bool {
				return slices.ContainsFunc(s.Objects, func(o providers.DBObject) bool { return o.Kind == "spatial_column" && o.Table == tb.Name })
			})
			if err := ds.CreateDatabase(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := ds.ApplySchema(ctx, db, s, true); err != nil {
				t.Fatal(err)
			}
			keys := map[string][]providers.Row{} // each table's keys in this provider's order
			for _, tb := range s.Tables {
				// Copy in ranges of a few rows, cut at the keys this provider
				// reads: PostgreSQL must place each row in the same range.
				all, err := src.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
				if err != nil {
					t.Fatal(err)
				}
				var bounds []providers.Row
				for i, r := range readAll(t, tt.policy(all)) {
					if len(tb.PrimaryKey) > 0 {
						k := keyOf(tb, r)
						keys[tb.Name] = append(keys[tb.Name], k)
						if i%tt.chunk == tt.chunk-1 {
							bounds = append(bounds, k)
						}
					}
				}
				var from providers.Row
				for i := 0; i <= len(bounds); i++ {
					r := providers.KeyRange{From: from, Key: tb.PrimaryKey}
					if i < len(bounds) {
						r.To = bounds[i]
					}
					rows, err := src.ReadRows(ctx, db, tb.Name, r)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := ds.WriteRows(ctx, db, tb.Name, r, tt.policy(rows)); err != nil {
						t.Fatalf("write %s %v: %v", tb.Name, r, err)
					}
					rows.Close()
					from = r.To
				}
			}
			if err := ds.FinishSchema(ctx, db, s); err != nil {
				t.Fatal(err)
			}
			for _, tb := range s.Tables {
				rows, err := src.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
				if err != nil {
					t.Fatal(err)
				}
				types := make([]providers.ColumnType, len(tb.Columns))
				for i, c := range tb.Columns {
					types[i] = c.Type
				}
				want, err := providers.FingerprintRows(ctx, tt.policy(rows), types)
				rows.Close()
				if err != nil {
					t.Fatal(err)
				}
				got, err := ds.Fingerprint(ctx, db, tb.Name)
				if err != nil {
					t.Fatal(err)
				}
				if len(tb.PrimaryKey) > 0 {
					rs, err := ds.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
					if err != nil {
						t.Fatal(err)
					}
					canon := func(rows []providers.Row) []string {
						var out []string
						for _, r := range rows {
							k := ""
							for i, v := range r {
								c, err := providers.CanonicalValue(v, types[keyIndex(tb, i)].Base)
								if err != nil {
									t.Fatal(err)
								}
								k += c + "|"
							}
							out = append(out, k)
						}
						return out
					}
					var pk []providers.Row
					for _, r := range readAll(t, rs) {
						pk = append(pk, keyOf(tb, r))
					}
					mine, theirs := canon(keys[tb.Name]), canon(pk)
					if numericKey(tb) {
						// providers/postgres sorts a numeric key by its text
						// ("10" before "9"): ORDER BY resolves to its
						// "col"::text output column. Compare the keys only.
						t.Logf("%s: numeric key, compared without its order", tb.Name)
						slices.Sort(mine)
						slices.Sort(theirs)
					}
					if d := cmp.Diff(mine, theirs); d != "" {
						t.Errorf("%s: PostgreSQL orders the keys otherwise (-MariaDB +PostgreSQL):\n%s", tb.Name, d)
					}
				}
				if got != want {
					t.Errorf("%s: PostgreSQL %+v, MariaDB %+v", tb.Name, got, want)
					r1, _ := ds.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
					r2, _ := src.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
					t.Logf("pg %#v\nmy %#v", readAll(t, r1), readAll(t, r2))
				}
			}
		})
	}
}

// skipBad leaves out the rows holding a BadValue.
type skipBad struct{ providers.RowStream }

func (s skipBad) Next(ctx context.Context) (providers.Row, bool) {
	for {
		row, ok := s.RowStream.Next(ctx)
		if !ok || !slices.ContainsFunc(row, func(v any) bool { _, bad := v.(providers.BadValue); return bad }) {
			return row, ok
		}
	}
}

// keyIndex is the column index of the i-th primary-key column.
func keyIndex(tb providers.Table, i int) int {
	return slices.IndexFunc(tb.Columns, func(c providers.Column) bool { return c.Name == tb.PrimaryKey[i] })
}

// keyOf is a row's primary-key values.
func keyOf(tb providers.Table, r providers.Row) providers.Row {
	k := make(providers.Row, len(tb.PrimaryKey))
	for i := range k {
		k[i] = r[keyIndex(tb, i)]
	}
	return k
}

// numericKey reports whether a key column is a decimal at PostgreSQL
// (bigint unsigned becomes numeric(20,0)).
func numericKey(tb providers.Table) bool {
	for i := range tb.PrimaryKey {
		t := tb.Columns[keyIndex(tb, i)].Type
		if t.Base == "decimal" || t.Base == "int64" && t.Unsigned {
			return true
		}
	}
	return false
}
