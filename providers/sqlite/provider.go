package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "sqlite"

// mainDB is the one database of a SQLite file.
const mainDB = "main"

// Factory returns the SQLite provider's factory.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "A SQLite database file (pure-Go modernc.org/sqlite): declared-type affinities, rowid tables",
		Schema: providers.Schema{Attributes: []providers.Attribute{
			{Name: "path", Type: cty.String, Required: true,
				Description: "the database file, relative to the configuration directory; a destination file is created when missing"},
		}},
		Caps: providers.Caps{
			Kinds:    map[providers.Kind]providers.Role{providers.KindDatabase: providers.Source | providers.Destination},
			Database: providers.DatabaseCaps{Engines: []string{"sqlite"}},
		},
		New: func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

var (
	_ providers.Provider         = (*Provider)(nil)
	_ providers.DatabaseStore    = (*Provider)(nil)
	_ providers.SchemaTranslator = (*Provider)(nil)
	_ providers.DatabaseHome     = (*Provider)(nil)
	_ providers.TableDropper     = (*Provider)(nil)
	_ providers.Identifier       = (*Provider)(nil)
)

// Provider is one SQLite file. Its one database is "main". Configure it
// once; afterwards it is safe for concurrent use (writes are serialised by
// SQLite's lock, waited on for up to 30 seconds).
type Provider struct {
	env  string
	path string
	log  *slog.Logger

	mu sync.Mutex
	db *sql.DB
}

// Name returns "sqlite".
func (p *Provider) Name() string { return Name }

// Engine returns "sqlite".
func (p *Provider) Engine() string { return "sqlite" }

// DefaultDatabase is "main", the file's one database.
func (p *Provider) DefaultDatabase() string { return mainDB }

// SingleDatabase is true: everything lands in the file's "main".
func (p *Provider) SingleDatabase() bool { return true }

// Identity is the file's absolute path.
func (p *Provider) Identity() string { return "sqlite://" + p.path }

// Configure reads path, relative to the configuration directory.
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
	if !v.IsNull() && v.Type().IsObjectType() && v.Type().HasAttribute("path") {
		if a := v.GetAttr("path"); !a.IsNull() && a.IsKnown() && a.Type() == cty.String {
			raw = a.AsString()
		}
	}
	if strings.TrimSpace(raw) == "" {
		return &providers.AttrError{Attr: "path", Err: errors.New("the SQLite file's path is empty")}
	}
	if !filepath.IsAbs(raw) {
		raw = filepath.Join(cfg.Dir, raw)
	}
	abs, err := filepath.Abs(raw)
	if err != nil {
		return &providers.AttrError{Attr: "path", Err: err}
	}
	p.path = abs
	return nil
}

func (p *Provider) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	e := fmt.Errorf("sqlite %s: %s: %w", p.path, what, err)
	if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked") {
		return providers.Retryable(e)
	}
	return e
}

// open returns the database handle, opening (and, with create, creating)
// the file.
func (p *Provider) open(ctx context.Context, create bool) (*sql.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db != nil {
		return p.db, nil
	}
	if p.path == "" {
		return nil, errors.New("sqlite: provider is not configured")
	}
	if _, err := os.Stat(p.path); err != nil {
		if !create || !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sqlite %s: %w", p.path, providers.ErrNotFound)
		}
		if err := os.MkdirAll(filepath.Dir(p.path), 0o755); err != nil {
			return nil, p.fail("create its folder", err)
		}
	}
	dsn := "file:" + (&url.URL{Path: p.path}).EscapedPath() + "?_pragma=busy_timeout(30000)&_pragma=foreign_keys(0)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, p.fail("open", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, p.fail("open", err)
	}
	p.db = db
	return db, nil
}

// Close closes the file; a later call opens it again.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		return nil
	}
	err := p.db.Close()
	p.db = nil
	return p.fail("close", err)
}

// Discover reports the file's database with its size; a missing file is
// an error for a source and an empty inventory for a destination.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	if !scope.Has(providers.KindDatabase) {
		return inv, nil
	}
	if _, err := os.Stat(p.path); errors.Is(err, os.ErrNotExist) {
		if scope.Source {
			return nil, fmt.Errorf("sqlite file %s does not exist: %w", p.path, providers.ErrNotFound)
		}
		return inv, nil
	}
	dbs, err := p.Databases(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range dbs {
		inv.Resources = append(inv.Resources, providers.Resource{Env: p.env, Provider: Name, Kind: providers.KindDatabase,
			Type: "database", ID: p.Identity(), Name: d.Name,
			Attrs: map[string]string{"engine": "sqlite", "version": d.Version}, Usage: providers.Usage{Bytes: d.Bytes}})
	}
	return inv, nil
}

// Databases lists "main" (an empty list when the file does not exist).
func (p *Provider) Databases(ctx context.Context) ([]providers.Database, error) {
	st, err := os.Stat(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	db, err := p.open(ctx, false)
	if err != nil {
		return nil, err
	}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		return nil, p.fail("read the version", err)
	}
	return []providers.Database{{Name: mainDB, Engine: "sqlite", Version: version, Bytes: st.Size()}}, nil
}

// CreateDatabase creates the file for "main" (ErrExists when it exists);
// a SQLite file has no other databases.
func (p *Provider) CreateDatabase(ctx context.Context, name string) error {
	if name != mainDB {
		return fmt.Errorf("sqlite holds one database, %q, not %q: %w", mainDB, name, providers.ErrUnsupported)
	}
	if _, err := os.Stat(p.path); err == nil {
		return fmt.Errorf("sqlite file %s: %w", p.path, providers.ErrExists)
	}
	_, err := p.open(ctx, true)
	return err
}

// DropDatabase removes the file when it holds no tables (ErrNotEmpty
// otherwise).
func (p *Provider) DropDatabase(ctx context.Context, name string) error {
	if name != mainDB {
		return fmt.Errorf("sqlite database %q: %w", name, providers.ErrNotFound)
	}
	db, err := p.open(ctx, false)
	if err != nil {
		return err
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").Scan(&n); err != nil {
		return p.fail("count tables", err)
	}
	if n > 0 {
		return fmt.Errorf("sqlite file %s holds %d objects: %w", p.path, n, providers.ErrNotEmpty)
	}
	if err := p.Close(); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(p.path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return p.fail("remove", err)
		}
	}
	return nil
}

// DropTable drops a table with its indexes; a missing one is ErrNotFound.
func (p *Provider) DropTable(ctx context.Context, db, table string) error {
	d, err := p.open(ctx, false)
	if err != nil {
		return err
	}
	if ok, err := p.hasTable(ctx, d, table); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("table %s: %w", table, providers.ErrNotFound)
	}
	_, err = d.ExecContext(ctx, "DROP TABLE "+ident(table))
	return p.fail("drop table "+table, err)
}

func (p *Provider) hasTable(ctx context.Context, d *sql.DB, table string) (bool, error) {
	var n int
	if err := d.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil {
		return false, p.fail("look up table "+table, err)
	}
	return n > 0, nil
}

// ident quotes an identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func idents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = ident(n)
	}
	return strings.Join(q, ", ")
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
