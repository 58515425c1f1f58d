package database

import (
	"math/big"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/providers"
)

// Kind is the database kind.
const Kind = providers.KindDatabase

// Bad-value policies.
const (
	PolicyFail    = "fail"
	PolicyNull    = "null"
	PolicySkipRow = "skip_row"
)

// defaultParallelism is how many tables are copied at once by default.
const defaultParallelism = 4

// Settings are a database move's own arguments.
type Settings struct {
	// Databases names the source databases (MySQL databases, PostgreSQL
	// schemas, SQLite's "main"); empty takes every one.
	Databases []string
	// Include and Exclude are globs over table names ("orders" or
	// "shop.orders").
	Include, Exclude []string
	// TargetSchema is the destination database (schema) every source
	// database lands in; "" keeps each one's name (a SQLite file lands in
	// the destination's default).
	TargetSchema string
	Parallelism  int
	// TypeOverrides maps "db.table.column" to a destination type.
	TypeOverrides map[string]string
	OnBadValue    string
	SchemaOnly    bool
}

func settings(m *lang.Move) *Settings {
	if s, ok := m.Settings.(*Settings); ok && s != nil {
		return s
	}
	return &Settings{OnBadValue: PolicyFail, Parallelism: defaultParallelism}
}

// Mover is the database kind: schemas translated, rows copied, validated.
type Mover struct{}

// New returns the database mover.
func New() Mover { return Mover{} }

var _ movers.Mover = Mover{}

// Kind returns "database".
func (Mover) Kind() providers.Kind { return Kind }

// Description says what the kind moves.
func (Mover) Description() string {
	return "databases: schemas translated table by table, rows copied in primary-key ranges with resume, validated by row counts and checksums"
}

// Unit is what the kind counts.
func (Mover) Unit() string { return "rows" }

// MoveSchema lists a database move's arguments.
func (Mover) MoveSchema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "databases", Type: cty.List(cty.String), Description: "source databases (MySQL databases, PostgreSQL schemas, SQLite's \"main\"); default all"},
		{Name: "include", Type: cty.List(cty.String), Description: "globs over table names (\"orders\" or \"shop.orders\"); default all"},
		{Name: "exclude", Type: cty.List(cty.String), Description: "globs over table names to leave out"},
		{Name: "target_schema", Type: cty.String, Description: "the destination schema every source database lands in (default: each keeps its name; SQLite lands in the default)"},
		{Name: "parallelism", Type: cty.Number, Description: "tables copied at once (default 4)"},
		{Name: "type_overrides", Type: cty.Map(cty.String), Description: `destination types by "db.table.column"`},
		{Name: "on_bad_value", Type: cty.String, Description: `what a source value with no exact form does: "fail" (default), "null" or "skip_row"`},
		{Name: "schema_only", Type: cty.Bool, Description: "create the schema without copying rows"},
	}}
}

// DecodeMove checks a database move's arguments.
func (Mover) DecodeMove(a *lang.MoveArgs) any {
	s := &Settings{OnBadValue: PolicyFail, Parallelism: defaultParallelism}
	if dbs, ok := a.Strings("databases"); ok {
		seen := map[string]bool{}
		for i, d := range dbs {
			if d == "" || seen[d] {
				a.Errorf(a.ElementRange("databases", i), "Invalid database name", "Database names must be non-empty and distinct; %q is not.", d)
			}
			seen[d] = true
		}
		s.Databases = dbs
	}
	s.Include, s.Exclude = a.Globs("include"), a.Globs("exclude")
	if v, ok := a.String("target_schema"); ok {
		if strings.TrimSpace(v) == "" {
			a.Errorf(a.Range("target_schema"), "Invalid target_schema", "target_schema names a destination schema; it may not be empty.")
		}
		s.TargetSchema = v
	}
	if n, ok := a.Number("parallelism"); ok {
		v, acc := n.Int64()
		if acc != big.Exact || v < 1 || v > 64 {
			a.Errorf(a.Range("parallelism"), "Invalid parallelism", "parallelism is a whole number from 1 to 64, not %s.", n.Text('g', 10))
		} else {
			s.Parallelism = int(v)
		}
	}
	if m, ok := a.StringMap("type_overrides"); ok {
		for k, v := range m {
			if strings.Count(k, ".") != 2 || strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") || strings.Contains(k, "..") || strings.TrimSpace(v) == "" {
				a.Errorf(a.Range("type_overrides"), "Invalid type override",
					"type_overrides maps \"database.table.column\" to a destination type; %q = %q is not one.", k, v)
			}
		}
		s.TypeOverrides = m
	}
	if v, ok := a.String("on_bad_value"); ok {
		switch v {
		case PolicyFail, PolicyNull, PolicySkipRow:
			s.OnBadValue = v
		default:
			a.Errorf(a.Range("on_bad_value"), "Invalid on_bad_value", "on_bad_value is \"fail\", \"null\" or \"skip_row\", not %q.", v)
		}
	}
	if v, ok := a.Bool("schema_only"); ok {
		s.SchemaOnly = v
	}
	return s
}

// Features describes a provider's database capabilities.
func (Mover) Features(c providers.Caps) string {
	d := c.Database
	text := "engines " + strings.Join(d.Engines, ", ")
	return text + "; " + movers.Features(movers.Feature{Name: "change capture", OK: d.ChangeCapture})
}
