package mysql

import (
	"context"
	"log/slog"
	"slices"
	"testing"

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
	}{
		{"shop", mysqltest.Shop(300), func(s providers.RowStream) providers.RowStream { return badAsNull{s} }},
		{"fixture", fixture, func(s providers.RowStream) providers.RowStream { return skipBad{s} }},
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
			for _, tb := range s.Tables {
				rows, err := src.ReadRows(ctx, db, tb.Name, providers.KeyRange{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := ds.WriteRows(ctx, db, tb.Name, providers.KeyRange{}, tt.policy(rows)); err != nil {
					t.Fatalf("write %s: %v", tb.Name, err)
				}
				rows.Close()
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
