package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	driver "github.com/go-sql-driver/mysql"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "mysql"

// Factory returns the MySQL/MariaDB provider's factory.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "A MySQL or MariaDB server as a database source: schema from information_schema, rows in key order, consistent snapshots",
		Schema: providers.Schema{Attributes: []providers.Attribute{
			{Name: "url", Type: cty.String, Required: true, Sensitive: true,
				Description: "mysql://user:pass@host:3306/db?tls=true URL of the server (the database is optional: the move names the databases)"},
		}},
		Caps: capabilities(),
		New:  func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func capabilities() providers.Caps {
	return providers.Caps{
		Kinds:    map[providers.Kind]providers.Role{providers.KindDatabase: providers.Source},
		Database: providers.DatabaseCaps{Engines: []string{"mysql"}},
	}
}

var (
	_ providers.Provider      = (*Provider)(nil)
	_ providers.DatabaseStore = (*Provider)(nil)
	_ providers.Snapshotter   = (*Provider)(nil)
	_ providers.Identifier    = (*Provider)(nil)
	_ providers.DatabaseHome  = (*Provider)(nil)
)

// Engine returns "mysql" (MariaDB too).
func (p *Provider) Engine() string { return "mysql" }

// DefaultDatabase is the URL's database ("" when it names none).
func (p *Provider) DefaultDatabase() string {
	if p.conn == nil {
		return ""
	}
	return p.conn.db
}

// SingleDatabase is false: a server holds many databases.
func (p *Provider) SingleDatabase() bool { return false }

// Provider is one MySQL or MariaDB server. Configure it once; afterwards it
// is safe for concurrent use.
type Provider struct {
	env  string
	conn *connection
	log  *slog.Logger

	mu     sync.Mutex
	db     *sql.DB
	server serverInfo
	snaps  map[string]*snapshot // by database, while held
	// lockWait is Snapshot's wait for its lock in seconds (0: lockWaitSeconds).
	lockWait int
	nextSID  int
}

// serverInfo is what the server says about itself.
type serverInfo struct {
	known   bool
	version string // VERSION(): 10.11.19-MariaDB-0+deb12u1, 8.0.36
	mariadb bool
}

// Name returns "mysql".
func (p *Provider) Name() string { return Name }

// Identity names the server (and the URL's database), never the
// credentials.
func (p *Provider) Identity() string {
	if p.conn == nil {
		return "mysql://"
	}
	id := "mysql://" + p.conn.host
	if p.conn.db != "" {
		id += "/" + p.conn.db
	}
	return id
}

// Configure reads url. It does not connect: validation works offline.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	p.env = cfg.Env
	v, _ := cfg.Value.UnmarkDeep()
	raw := providers.Attrs(v).String("url")
	c, err := parseURL(raw)
	if err != nil {
		return &providers.AttrError{Attr: "url", Err: err}
	}
	// The driver prints its own complaints (a connection dropped under a
	// read) to stderr by default; send them to the run's log instead.
	c.cfg.Logger = driverLog{p.log, c.secrets}
	p.conn = c
	return nil
}

// driverLog is the driver's Logger, writing to the provider's log at
// debug level with secrets removed.
type driverLog struct {
	log     *slog.Logger
	secrets []string
}

func (l driverLog) Print(v ...any) {
	l.log.Debug("mysql driver: " + providers.RedactText(strings.TrimSpace(fmt.Sprint(v...)), l.secrets...))
}

// Close closes the connection pool.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		return nil
	}
	err := p.db.Close()
	p.db = nil
	return err
}

// fail wraps err with what was being done, marks transient failures and
// removes credentials from the text.
func (p *Provider) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	var secrets []string
	if p.conn != nil {
		secrets = p.conn.secrets
	}
	r := providers.Redact(fmt.Errorf("mysql %s: %s: %w", p.Identity(), what, err), secrets...)
	if transient(err) {
		return providers.Retryable(r)
	}
	return r
}

// transient reports failures worth retrying: lost connections, lock wait
// timeouts and deadlocks, a server shutting down.
func transient(err error) bool {
	if errors.Is(err, driver.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var me *driver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1205, 1213, 1053, 2006, 2013, 1040: // lock wait, deadlock, shutdown, gone away, lost, too many connections
			return true
		}
		return false
	}
	return providers.Transient(err)
}

// pool returns the connection pool, opening it and asking the server
// what it is on first use.
func (p *Provider) pool(ctx context.Context) (*sql.DB, serverInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return nil, serverInfo{}, errors.New("mysql: provider is not configured")
	}
	if p.db == nil {
		conn, err := driver.NewConnector(p.conn.cfg)
		if err != nil {
			return nil, serverInfo{}, p.fail("connect", err)
		}
		p.db = sql.OpenDB(conn)
		p.db.SetConnMaxIdleTime(5 * time.Minute)
		p.db.SetMaxIdleConns(8)
	}
	if !p.server.known {
		var v string
		if err := p.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
			return nil, serverInfo{}, p.fail("connect", err)
		}
		p.server = serverInfo{known: true, version: v, mariadb: strings.Contains(strings.ToLower(v), "mariadb")}
	}
	return p.db, p.server, nil
}

// systemSchemas are the server's own databases, never listed.
var systemSchemas = map[string]bool{
	"information_schema": true, "performance_schema": true, "mysql": true, "sys": true,
}

// Databases lists the databases the user can see, without the system
// schemas, with their size (data and indexes) from information_schema.
func (p *Provider) Databases(ctx context.Context) ([]providers.Database, error) {
	db, srv, err := p.pool(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT s.SCHEMA_NAME, COALESCE(SUM(t.DATA_LENGTH + t.INDEX_LENGTH), 0)
		FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
		GROUP BY s.SCHEMA_NAME ORDER BY s.SCHEMA_NAME`)
	if err != nil {
		return nil, p.fail("list databases", err)
	}
	defer rows.Close()
	var out []providers.Database
	for rows.Next() {
		var d providers.Database
		var size float64 // SUM of BIGINT UNSIGNED comes back as DECIMAL
		if err := rows.Scan(&d.Name, &size); err != nil {
			return nil, p.fail("list databases", err)
		}
		if systemSchemas[strings.ToLower(d.Name)] {
			continue
		}
		d.Engine, d.Version, d.Bytes = "mysql", srv.version, int64(size)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail("list databases", err)
	}
	return out, nil
}

// Discover lists the databases as movable resources.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	inv := &providers.Inventory{Env: p.env, Provider: Name}
	if !scope.Has(providers.KindDatabase) {
		return inv, nil
	}
	dbs, err := p.Databases(ctx)
	if err != nil {
		return nil, err
	}
	_, srv, err := p.pool(ctx)
	if err != nil {
		return nil, err
	}
	engine := "mysql"
	if srv.mariadb {
		engine = "mariadb"
	}
	for _, d := range dbs {
		r := providers.Resource{
			Env: p.env, Provider: Name, Kind: providers.KindDatabase, Type: providers.TypeDatabase,
			ID: p.Identity() + "#" + d.Name, Name: d.Name,
			Attrs: map[string]string{providers.AttrEngine: engine, providers.AttrVersion: srv.version},
			Usage: providers.Usage{Bytes: d.Bytes},
		}
		if !scope.Shallow {
			var n sql.NullInt64
			db, _, _ := p.pool(ctx)
			if err := db.QueryRowContext(ctx, `SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'`, d.Name).Scan(&n); err != nil {
				return nil, p.fail("count rows of "+d.Name, err)
			}
			r.Usage.Rows = n.Int64
		} else {
			r.Usage.Unmeasured = true
		}
		inv.Resources = append(inv.Resources, r)
	}
	inv.Sort()
	return inv, nil
}

// CreateDatabase creates an empty utf8mb4 database; an existing one gives
// providers.ErrExists.
func (p *Provider) CreateDatabase(ctx context.Context, name string) error {
	db, _, err := p.pool(ctx)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)+" CHARACTER SET utf8mb4")
	var me *driver.MySQLError
	if errors.As(err, &me) && me.Number == 1007 {
		return p.fail("create database "+name, fmt.Errorf("%w: %v", providers.ErrExists, err))
	}
	return p.fail("create database "+name, err)
}

// DropDatabase drops a database; a missing one gives providers.ErrNotFound.
func (p *Provider) DropDatabase(ctx context.Context, name string) error {
	db, _, err := p.pool(ctx)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name))
	var me *driver.MySQLError
	if errors.As(err, &me) && me.Number == 1008 {
		return p.fail("drop database "+name, fmt.Errorf("%w: %v", providers.ErrNotFound, err))
	}
	return p.fail("drop database "+name, err)
}

// errSourceOnly explains the destination calls this provider refuses.
var errSourceOnly = fmt.Errorf("%w: the mysql provider is a database source only (move MySQL/MariaDB into postgres or sqlite)", providers.ErrUnsupported)

// ApplySchema is not supported: the provider is a source only.
func (p *Provider) ApplySchema(ctx context.Context, db string, s providers.DBSchema, deferConstraints bool) error {
	return p.fail("apply schema to "+db, errSourceOnly)
}

// FinishSchema is not supported: the provider is a source only.
func (p *Provider) FinishSchema(ctx context.Context, db string, s providers.DBSchema) error {
	return p.fail("finish schema of "+db, errSourceOnly)
}

// WriteRows is not supported: the provider is a source only.
func (p *Provider) WriteRows(ctx context.Context, db, table string, r providers.KeyRange, rows providers.RowStream) (int64, error) {
	return 0, p.fail("write rows to "+db+"."+table, errSourceOnly)
}

// quoteIdent quotes a MySQL identifier with backticks.
func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// qualified quotes db.table.
func qualified(db, table string) string { return quoteIdent(db) + "." + quoteIdent(table) }
