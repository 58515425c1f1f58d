package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "postgres"

// Factory returns the PostgreSQL provider's factory.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "A PostgreSQL database over pgx: its schemas as databases, COPY loads, exported snapshots",
		Schema: providers.Schema{Attributes: []providers.Attribute{
			{Name: "url", Type: cty.String, Required: true, Sensitive: true,
				Description: "postgres:// URL naming the database (postgres://user:pass@host:5432/db?sslmode=disable)"},
		}},
		Caps: providers.Caps{
			Kinds:    map[providers.Kind]providers.Role{providers.KindDatabase: providers.Source | providers.Destination},
			Database: providers.DatabaseCaps{Engines: []string{"postgres"}},
		},
		New: func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

var (
	_ providers.Provider         = (*Provider)(nil)
	_ providers.DatabaseStore    = (*Provider)(nil)
	_ providers.Snapshotter      = (*Provider)(nil)
	_ providers.NativeSummer     = (*Provider)(nil)
	_ providers.SplitAdvisor     = (*Provider)(nil)
	_ providers.SchemaTranslator = (*Provider)(nil)
	_ providers.DatabaseHome     = (*Provider)(nil)
	_ providers.TableDropper     = (*Provider)(nil)
	_ providers.Identifier       = (*Provider)(nil)
)

// Provider is one PostgreSQL database; its schemas are the "databases" of
// the DatabaseStore contract. Configure it once; afterwards it is safe for
// concurrent use.
type Provider struct {
	env    string
	url    string
	cfg    *pgxpool.Config
	log    *slog.Logger
	secret []string

	mu        sync.Mutex
	pool      *pgxpool.Pool
	snapshots map[string]string // schema -> exported snapshot id
}

// Name returns "postgres".
func (p *Provider) Name() string { return Name }

// Engine returns "postgres".
func (p *Provider) Engine() string { return "postgres" }

// DefaultDatabase is the schema a SQLite file lands in.
func (p *Provider) DefaultDatabase() string { return "public" }

// SingleDatabase is false: a PostgreSQL database holds many schemas.
func (p *Provider) SingleDatabase() bool { return false }

// Identity names the server and database, never the credentials.
func (p *Provider) Identity() string {
	if p.cfg == nil {
		return "postgres://"
	}
	c := p.cfg.ConnConfig
	return fmt.Sprintf("postgres://%s:%d/%s", c.Host, c.Port, url.PathEscape(c.Database))
}

// Configure reads url.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	p.env = cfg.Env
	v, _ := cfg.Value.UnmarkDeep()
	raw := ""
	if !v.IsNull() && v.Type().IsObjectType() && v.Type().HasAttribute("url") {
		if a := v.GetAttr("url"); !a.IsNull() && a.IsKnown() && a.Type() == cty.String {
			raw = a.AsString()
		}
	}
	p.url = raw
	p.secret = providers.URLSecrets(raw)
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return &providers.AttrError{Attr: "url", Err: errors.New("not a PostgreSQL URL (postgres://user:pass@host:5432/db)")}
	}
	pc, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return &providers.AttrError{Attr: "url", Err: fmt.Errorf("not a PostgreSQL URL (postgres://user:pass@host:5432/db): %s", providers.RedactText(err.Error(), p.secret...))}
	}
	if pc.ConnConfig.Database == "" {
		return &providers.AttrError{Attr: "url", Err: errors.New("the URL names no database (postgres://host:5432/DBNAME)")}
	}
	if pc.ConnConfig.Password != "" {
		p.secret = append(p.secret, pc.ConnConfig.Password)
	}
	pc.MaxConns = 16
	pc.ConnConfig.DialFunc = bufferedDial(pc.ConnConfig.DialFunc)
	pc.ConnConfig.RuntimeParams["application_name"] = "rehome"
	p.cfg = pc
	return nil
}

// fail wraps err with what was being done, marks transient failures and
// removes credentials from the text.
func (p *Provider) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	r := providers.Redact(fmt.Errorf("postgres %s: %s: %w", p.Identity(), what, err), p.secret...)
	if transient(err) {
		return providers.Retryable(r)
	}
	return r
}

// transient reports failures worth retrying: serialization failures,
// deadlocks, connection loss, a server shutting down.
func transient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "57P01", "57P02", "57P03", "53300":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	return providers.Transient(err)
}

// pgCode returns the SQLSTATE of err ("" when none).
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// connect returns the pool, creating it when needed.
func (p *Provider) connect(ctx context.Context) (*pgxpool.Pool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool != nil {
		return p.pool, nil
	}
	if p.cfg == nil {
		return nil, errors.New("postgres: provider is not configured")
	}
	pool, err := pgxpool.NewWithConfig(ctx, p.cfg)
	if err != nil {
		return nil, p.fail("connect", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, p.fail("connect", err)
	}
	p.pool = pool
	return pool, nil
}

// Close closes the pool; a later call connects again.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool != nil {
		p.pool.Close()
		p.pool = nil
	}
	return nil
}

// Discover lists the database's schemas with their sizes.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	if !scope.Has(providers.KindDatabase) {
		return inv, nil
	}
	dbs, err := p.Databases(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range dbs {
		inv.Resources = append(inv.Resources, providers.Resource{Env: p.env, Provider: Name, Kind: providers.KindDatabase,
			Type: "database", ID: p.Identity() + "/" + url.PathEscape(d.Name), Name: d.Name,
			Attrs: map[string]string{"engine": "postgres", "version": d.Version}, Usage: providers.Usage{Bytes: d.Bytes}})
	}
	inv.Sort()
	return inv, nil
}

// Databases lists the schemas of the database, without PostgreSQL's own.
func (p *Provider) Databases(ctx context.Context) ([]providers.Database, error) {
	pool, err := p.connect(ctx)
	if err != nil {
		return nil, err
	}
	var version string
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		return nil, p.fail("read the server version", err)
	}
	rows, err := pool.Query(ctx, `
SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'
GROUP BY n.nspname ORDER BY n.nspname`)
	if err != nil {
		return nil, p.fail("list schemas", err)
	}
	defer rows.Close()
	var out []providers.Database
	for rows.Next() {
		var d providers.Database
		if err := rows.Scan(&d.Name, &d.Bytes); err != nil {
			return nil, p.fail("list schemas", err)
		}
		d.Engine, d.Version = "postgres", version
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail("list schemas", err)
	}
	return out, nil
}

// CreateDatabase creates a schema; an existing one is ErrExists.
func (p *Provider) CreateDatabase(ctx context.Context, name string) error {
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, "CREATE SCHEMA "+ident(name))
	if pgCode(err) == "42P06" {
		return fmt.Errorf("schema %q: %w", name, providers.ErrExists)
	}
	return p.fail(fmt.Sprintf("create schema %q", name), err)
}

// DropDatabase drops an empty schema: one still holding tables (or
// anything else) is ErrNotEmpty, a missing one ErrNotFound.
func (p *Provider) DropDatabase(ctx context.Context, name string) error {
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, "DROP SCHEMA "+ident(name)+" RESTRICT")
	switch pgCode(err) {
	case "3F000":
		return fmt.Errorf("schema %q: %w", name, providers.ErrNotFound)
	case "2BP01":
		return fmt.Errorf("schema %q holds objects: %w", name, providers.ErrNotEmpty)
	}
	return p.fail(fmt.Sprintf("drop schema %q", name), err)
}

// DropTable drops one table with its indexes, constraints and owned
// sequences; a missing table is ErrNotFound.
func (p *Provider) DropTable(ctx context.Context, db, table string) error {
	pool, err := p.connect(ctx)
	if err != nil {
		return err
	}
	// CASCADE drops foreign keys of other tables pointing here (only
	// rehome's tables point at rehome's tables) but never another table.
	_, err = pool.Exec(ctx, "DROP TABLE "+qualified(db, table)+" CASCADE")
	if pgCode(err) == "42P01" || pgCode(err) == "3F000" {
		return fmt.Errorf("table %s.%s: %w", db, table, providers.ErrNotFound)
	}
	return p.fail(fmt.Sprintf("drop table %s.%s", db, table), err)
}

// ident quotes an SQL identifier.
func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// qualified quotes schema.table.
func qualified(db, table string) string { return pgx.Identifier{db, table}.Sanitize() }
