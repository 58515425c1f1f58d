package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
)

// A digitalocean environment with a database block is the destination of
// database moves: a managed PostgreSQL cluster, created by rehome when it
// does not exist yet, whose database is reached by the postgres provider
// on the connection URI the API gives (the credentials come from the API,
// are never printed and never stored; the state keeps the cluster's id).

// pgVersions are the PostgreSQL versions DigitalOcean offers
// (docs.digitalocean.com/products/databases/postgresql/details/supported-versions/).
var pgVersions = []string{"13", "14", "15", "16", "17"}

// dbSizeSlug is the shape of a managed database size slug (the
// /v2/databases/options listing: db-s-1vcpu-1gb, gd-2vcpu-8gb,
// so1_5-2vcpu-16gb, m-2vcpu-16gb, ...).
var dbSizeSlug = regexp.MustCompile(`^(db-s|db-intel|db-amd|gd|so1_5|m)-[0-9]+vcpu-[0-9]+gb(-[0-9]+gb)?$`)

// clusterName is DigitalOcean's rule for cluster names.
var clusterName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,61}[a-z0-9]$`)

// dbNameRule is what a database in a cluster may be called.
var dbNameRule = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,62}$`)

// How long a cluster may take to come online, and how often to ask.
const (
	onlineTimeout = 30 * time.Minute
	firstPoll     = 250 * time.Millisecond
	maxPoll       = 15 * time.Second
	reportEvery   = 30 * time.Second
)

func databaseBlock() providers.Block {
	return providers.Block{Name: "database", Description: "A managed PostgreSQL cluster as a database destination, created when absent",
		Schema: providers.Schema{Attributes: []providers.Attribute{
			{Name: "name", Type: cty.String, Required: true, Description: "the cluster's name (3-63 lowercase letters, digits, dashes)"},
			{Name: "engine", Type: cty.String, Description: `"pg" (the default; the only engine a database move writes)`},
			{Name: "version", Type: cty.String, Description: "PostgreSQL major version: " + strings.Join(pgVersions, ", ") + " (default " + pgVersions[len(pgVersions)-1] + ")"},
			{Name: "size", Type: cty.String, Description: "node size slug (default db-s-1vcpu-1gb)"},
			{Name: "nodes", Type: cty.Number, Description: "nodes: 1 (default) to 3, the primary and standbys"},
			{Name: "database", Type: cty.String, Description: "the database in the cluster (default: the cluster's own, defaultdb)"},
		}}}
}

// dbConfig is the database block.
type dbConfig struct {
	name, version, size, database string
	nodes                         int
}

// readDatabase checks the database block (nil when there is none).
func readDatabase(v cty.Value) (*dbConfig, []error) {
	if v == cty.NilVal || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute("database") {
		return nil, nil
	}
	b := v.GetAttr("database")
	if b.IsNull() || !b.IsWhollyKnown() {
		return nil, nil
	}
	a := providers.Attrs(b)
	c := &dbConfig{name: a.String("name"), version: providers.First(a.String("version"), pgVersions[len(pgVersions)-1]),
		size: providers.First(a.String("size"), "db-s-1vcpu-1gb"), database: a.String("database"), nodes: 1}
	var errs []error
	bad := func(attr, format string, args ...any) {
		errs = append(errs, &providers.AttrError{Attr: "database." + attr, Err: fmt.Errorf(format, args...)})
	}
	if !clusterName.MatchString(c.name) {
		bad("name", "%q is not a cluster name: 3 to 63 lowercase letters, digits and dashes, starting with a letter", c.name)
	}
	if e := providers.First(a.String("engine"), "pg"); e != "pg" {
		bad("engine", "%q cannot be a database move's destination: rehome writes PostgreSQL, engine \"pg\"", e)
	}
	if !slices.Contains(pgVersions, c.version) {
		bad("version", "DigitalOcean offers PostgreSQL %s, not %q", strings.Join(pgVersions, ", "), c.version)
	}
	if !dbSizeSlug.MatchString(c.size) {
		bad("size", "%q is not a managed database size (such as db-s-1vcpu-1gb, db-s-2vcpu-4gb, gd-2vcpu-8gb; see doctl databases options slugs --engine pg)", c.size)
	}
	if n := numberAttr(b, "nodes"); n != cty.NilVal {
		i, acc := n.AsBigFloat().Int64()
		if acc != big.Exact || i < 1 || i > 3 {
			bad("nodes", "a cluster has 1 to 3 nodes (a primary and up to two standbys), not %s", n.AsBigFloat().Text('g', 10))
		} else {
			c.nodes = int(i)
		}
	}
	if c.database != "" && !dbNameRule.MatchString(c.database) {
		bad("database", "%q is not a database name DigitalOcean accepts (lowercase letters, digits, _ and -)", c.database)
	}
	return c, errs
}

// numberAttr is a set number attribute of object v (cty.NilVal otherwise).
func numberAttr(v cty.Value, name string) cty.Value {
	if !v.Type().HasAttribute(name) {
		return cty.NilVal
	}
	if n := v.GetAttr(name); !n.IsNull() && n.IsKnown() && n.Type() == cty.Number {
		return n
	}
	return cty.NilVal
}

func (c *dbConfig) spec(region string) string {
	return fmt.Sprintf("pg %s, %s × %d %s, %s", c.version, c.size, c.nodes, nodeWord(c.nodes), region)
}

func nodeWord(n int) string {
	if n == 1 {
		return "node"
	}
	return "nodes"
}

var errNoDatabaseBlock = errors.New("this digitalocean environment has no database block, so it cannot hold databases: add database { name = \"...\" }")

// findCluster returns the cluster of the configured name (nil when there
// is none), looking through every page.
func (p *Provider) findCluster(ctx context.Context) (*godo.Database, error) {
	all, err := allPages(ctx, "database clusters", p.api.Databases.List)
	if err != nil {
		return nil, fmt.Errorf("find database cluster %q: %w", p.db.name, err)
	}
	for i := range all {
		if all[i].Name == p.db.name {
			return &all[i], nil
		}
	}
	return nil, nil
}

// Server says whether the cluster exists, in what state, and whether it
// can hold the move (a PostgreSQL cluster with the configured database).
func (p *Provider) Server(ctx context.Context) (providers.ServerInfo, error) {
	if p.db == nil {
		return providers.ServerInfo{Problem: errNoDatabaseBlock.Error()}, nil
	}
	info := providers.ServerInfo{Name: p.db.name, Spec: p.db.spec(p.region), Class: p.db.size, Nodes: p.db.nodes, Region: p.region}
	d, err := p.findCluster(ctx)
	if err != nil || d == nil {
		return info, err
	}
	info.ID, info.Exists, info.Status, info.Ready = d.ID, true, d.Status, d.Status == "online"
	info.Spec = fmt.Sprintf("%s %s, %s × %d %s, %s", d.EngineSlug, d.VersionSlug, d.SizeSlug, d.NumNodes, nodeWord(d.NumNodes), d.RegionSlug)
	info.Class, info.Nodes, info.Region = d.SizeSlug, max(1, d.NumNodes), d.RegionSlug
	info.Made = d.CreatedAt
	switch {
	case d.EngineSlug != "pg":
		info.Problem = fmt.Sprintf("database cluster %q exists at DigitalOcean but runs engine %q, not PostgreSQL (pg)", d.Name, d.EngineSlug)
	case info.Ready && p.db.database != "" && !p.holds(d):
		info.Problem = fmt.Sprintf("database cluster %q exists but holds no database %q (it has %s)", d.Name, p.db.database, strings.Join(d.DBNames, ", "))
	}
	return info, nil
}

// holds reports whether the cluster has the configured database.
func (p *Provider) holds(d *godo.Database) bool {
	return slices.Contains(d.DBNames, p.db.database) || d.Connection != nil && d.Connection.Database == p.db.database
}

// CreateServer asks for the cluster; one of that name is ErrExists.
func (p *Provider) CreateServer(ctx context.Context) (string, error) {
	if p.db == nil {
		return "", errNoDatabaseBlock
	}
	d, _, err := p.api.Databases.Create(ctx, &godo.DatabaseCreateRequest{Name: p.db.name, EngineSlug: "pg", Version: p.db.version,
		SizeSlug: p.db.size, Region: p.region, NumNodes: p.db.nodes, Tags: []string{"rehome"}})
	if err != nil {
		// The API answers a name in use with 422: look again.
		if have, ferr := p.findCluster(ctx); ferr == nil && have != nil {
			return have.ID, fmt.Errorf("database cluster %q: %w", p.db.name, providers.ErrExists)
		}
		return "", doErr(fmt.Sprintf("create database cluster %q (%s)", p.db.name, p.db.spec(p.region)), err)
	}
	return d.ID, nil
}

// WaitServer polls the cluster, with backoff, until it is online (or
// onlineTimeout passes), then makes sure it holds the configured
// database.
func (p *Provider) WaitServer(ctx context.Context, id string, progress func(status string)) error {
	if p.db == nil {
		return errNoDatabaseBlock
	}
	ctx, cancel := context.WithTimeout(ctx, onlineTimeout)
	defer cancel()
	start, reported, last, delay := time.Now(), time.Now(), "", firstPoll
	for {
		d, _, err := p.api.Databases.Get(ctx, id)
		err = doErr(fmt.Sprintf("read database cluster %q", p.db.name), err)
		switch {
		case err == nil && d.Status == "online":
			if last != "online" && progress != nil {
				progress("online")
			}
			return p.ensureDatabase(ctx, d)
		case err == nil && (d.Status != last || time.Since(reported) >= reportEvery):
			last, reported = d.Status, time.Now()
			if progress != nil {
				progress(d.Status)
			}
		case err != nil && ctx.Err() != nil:
			// Cancelled or timed out: said below, with the status.
		case err != nil && !providers.IsRetryable(err):
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("digitalocean: wait for database cluster %q to be online (status %q after %s): %w",
				p.db.name, last, time.Since(start).Round(time.Second), ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, maxPoll)
	}
}

// ensureDatabase creates the configured database in a cluster without it.
func (p *Provider) ensureDatabase(ctx context.Context, d *godo.Database) error {
	if p.db.database == "" || p.holds(d) {
		return nil
	}
	_, _, err := p.api.Databases.CreateDB(ctx, d.ID, &godo.DatabaseCreateDBRequest{Name: p.db.database})
	return doErr(fmt.Sprintf("create database %q in cluster %q", p.db.database, p.db.name), err)
}

// DeleteServer deletes the cluster id, once it is sure it is the
// configured one.
func (p *Provider) DeleteServer(ctx context.Context, id string) error {
	if p.db == nil {
		return errNoDatabaseBlock
	}
	d, _, err := p.api.Databases.Get(ctx, id)
	if err != nil {
		return doErr(fmt.Sprintf("read database cluster %q (%s)", p.db.name, id), err)
	}
	if d.Name != p.db.name {
		return fmt.Errorf("digitalocean: database cluster %s is %q now, not %q: not deleted", id, d.Name, p.db.name)
	}
	_ = p.closeDB() // the connections go with the cluster; a failed close does not keep it
	_, err = p.api.Databases.Delete(ctx, id)
	return doErr(fmt.Sprintf("delete database cluster %q (%s)", p.db.name, id), err)
}

// pg returns the postgres provider on the cluster's database, opening it
// on the connection URI the API gives. When the cluster does not exist
// or is not online yet it returns nil, or, with wait, waits for it to be
// online (an absent cluster is an error then).
func (p *Provider) pg(ctx context.Context, wait bool) (*postgres.Provider, error) {
	if p.db == nil {
		return nil, errNoDatabaseBlock
	}
	p.dbMu.Lock()
	defer p.dbMu.Unlock()
	if p.store != nil {
		return p.store, nil
	}
	d, err := p.findCluster(ctx)
	switch {
	case err != nil:
		return nil, err
	case d == nil && !wait:
		return nil, nil
	case d == nil:
		return nil, fmt.Errorf("digitalocean: database cluster %q does not exist (apply creates it first)", p.db.name)
	case d.Status != "online" && !wait:
		return nil, nil
	case d.Status != "online":
		if err := p.WaitServer(ctx, d.ID, nil); err != nil {
			return nil, err
		}
		if d, _, err = p.api.Databases.Get(ctx, d.ID); err != nil {
			return nil, doErr(fmt.Sprintf("read database cluster %q", p.db.name), err)
		}
	}
	if d.EngineSlug != "pg" {
		return nil, fmt.Errorf("digitalocean: database cluster %q runs engine %q, not PostgreSQL", d.Name, d.EngineSlug)
	}
	if d.Connection == nil || d.Connection.URI == "" {
		return nil, fmt.Errorf("digitalocean: database cluster %q: the API gave no connection URI (the token needs read access to the cluster)", d.Name)
	}
	raw := d.Connection.URI
	secrets := append(providers.URLSecrets(raw), d.Connection.Password)
	if p.db.database != "" && p.db.database != d.Connection.Database {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("digitalocean: database cluster %q: read its connection URI: %s", d.Name, providers.RedactText(err.Error(), secrets...))
		}
		u.Path = "/" + p.db.database
		raw = u.String()
		secrets = append(secrets, providers.URLSecrets(raw)...)
	}
	pp := postgres.Factory().New().(*postgres.Provider)
	if err := pp.Configure(ctx, providers.Config{Env: p.env, Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(raw)}), Logger: p.log}); err != nil {
		return nil, providers.Redact(fmt.Errorf("digitalocean: database cluster %q: open its connection: %w", d.Name, err), secrets...)
	}
	p.store, p.dbSecret = pp, secrets
	return pp, nil
}

// closeDB closes the connections to the cluster's database.
func (p *Provider) closeDB() error {
	p.dbMu.Lock()
	defer p.dbMu.Unlock()
	if p.store == nil {
		return nil
	}
	err := p.store.Close()
	p.store = nil
	if err != nil {
		return providers.Redact(fmt.Errorf("digitalocean: close the connections to database cluster %q: %w", p.db.name, err), p.dbSecret...)
	}
	return nil
}

// Close closes the connections to the cluster's database.
func (p *Provider) Close() error { return p.closeDB() }

// redact keeps the cluster's credentials out of an error.
func (p *Provider) redact(err error) error {
	p.dbMu.Lock()
	defer p.dbMu.Unlock()
	return providers.Redact(err, p.dbSecret...)
}

// writer is the cluster's database for a change: the cluster must exist
// and is waited for.
func (p *Provider) writer(ctx context.Context) (*postgres.Provider, error) {
	pp, err := p.pg(ctx, true)
	return pp, p.redact(err)
}

// Databases lists the database's schemas; a cluster yet to be created (or
// still creating) holds only PostgreSQL's public schema.
func (p *Provider) Databases(ctx context.Context) ([]providers.Database, error) {
	pp, err := p.pg(ctx, false)
	if err != nil {
		return nil, p.redact(err)
	}
	if pp == nil {
		return []providers.Database{{Name: "public", Engine: "postgres", Version: p.db.version}}, nil
	}
	dbs, err := pp.Databases(ctx)
	return dbs, p.redact(err)
}

// Schema reads a schema; those of a cluster yet to be made are empty.
func (p *Provider) Schema(ctx context.Context, db string) (providers.DBSchema, error) {
	pp, err := p.pg(ctx, false)
	switch {
	case err != nil:
		return providers.DBSchema{}, p.redact(err)
	case pp == nil && db == "public":
		return providers.DBSchema{Database: db, Engine: "postgres"}, nil
	case pp == nil:
		return providers.DBSchema{}, fmt.Errorf("schema %q in database cluster %q: %w", db, p.db.name, providers.ErrNotFound)
	}
	s, err := pp.Schema(ctx, db)
	return s, p.redact(err)
}

// CreateDatabase creates a schema.
func (p *Provider) CreateDatabase(ctx context.Context, name string) error {
	pp, err := p.writer(ctx)
	if err != nil {
		return err
	}
	return p.redact(pp.CreateDatabase(ctx, name))
}

// dropper is the cluster's database for a drop; a cluster that is gone
// (or never came online) took everything in it along: ErrNotFound.
func (p *Provider) dropper(ctx context.Context, what string) (*postgres.Provider, error) {
	pp, err := p.pg(ctx, false)
	if err == nil && pp == nil {
		err = fmt.Errorf("%s in database cluster %q: %w", what, p.db.name, providers.ErrNotFound)
	}
	return pp, p.redact(err)
}

// DropDatabase drops an empty schema.
func (p *Provider) DropDatabase(ctx context.Context, name string) error {
	pp, err := p.dropper(ctx, "schema "+name)
	if err != nil {
		return err
	}
	return p.redact(pp.DropDatabase(ctx, name))
}

// DropTable drops a table rehome created.
func (p *Provider) DropTable(ctx context.Context, db, table string) error {
	pp, err := p.dropper(ctx, "table "+db+"."+table)
	if err != nil {
		return err
	}
	return p.redact(pp.DropTable(ctx, db, table))
}

// ApplySchema creates tables.
func (p *Provider) ApplySchema(ctx context.Context, db string, s providers.DBSchema, deferConstraints bool) error {
	pp, err := p.writer(ctx)
	if err != nil {
		return err
	}
	return p.redact(pp.ApplySchema(ctx, db, s, deferConstraints))
}

// FinishSchema adds the deferred indexes, checks and foreign keys.
func (p *Provider) FinishSchema(ctx context.Context, db string, s providers.DBSchema) error {
	pp, err := p.writer(ctx)
	if err != nil {
		return err
	}
	return p.redact(pp.FinishSchema(ctx, db, s))
}

// ReadRows reads a table's rows in key order.
func (p *Provider) ReadRows(ctx context.Context, db, table string, r providers.KeyRange) (providers.RowStream, error) {
	pp, err := p.writer(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := pp.ReadRows(ctx, db, table, r)
	return rs, p.redact(err)
}

// WriteRows loads a key range.
func (p *Provider) WriteRows(ctx context.Context, db, table string, r providers.KeyRange, rows providers.RowStream) (int64, error) {
	pp, err := p.writer(ctx)
	if err != nil {
		return 0, err
	}
	n, err := pp.WriteRows(ctx, db, table, r, rows)
	return n, p.redact(err)
}

// PostgresDestination (postgres.Destination) is the cluster's database,
// for a PostgreSQL source to pass rows into it without building them.
func (p *Provider) PostgresDestination(ctx context.Context) (*postgres.Provider, func(error) error, error) {
	pp, err := p.writer(ctx)
	return pp, p.redact, err
}

// FingerprintColumns (providers.ColumnFingerprinter) fingerprints a key
// range of a table in the cluster's database on the server side.
func (p *Provider) FingerprintColumns(ctx context.Context, db, table string, r providers.KeyRange, cols []string,
	types []providers.ColumnType) (providers.Fingerprint, error) {
	pp, err := p.writer(ctx)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	fp, err := pp.FingerprintColumns(ctx, db, table, r, cols, types)
	return fp, p.redact(err)
}

// NativeSum (providers.NativeSummer) sums a key range of a table in the
// cluster's database on its server.
func (p *Provider) NativeSum(ctx context.Context, db, table string, r providers.KeyRange, cols []string, method string) (providers.NativeSum, error) {
	pp, err := p.writer(ctx)
	if err != nil {
		return providers.NativeSum{}, err
	}
	s, err := pp.NativeSum(ctx, db, table, r, cols, method)
	return s, p.redact(err)
}

// Fingerprint summarises a table for validation.
func (p *Provider) Fingerprint(ctx context.Context, db, table string) (providers.Fingerprint, error) {
	pp, err := p.writer(ctx)
	if err != nil {
		return providers.Fingerprint{}, err
	}
	fp, err := pp.Fingerprint(ctx, db, table)
	return fp, p.redact(err)
}

// SplitKeys cuts a table into key ranges.
func (p *Provider) SplitKeys(ctx context.Context, db, table string, parts int) ([]providers.Row, error) {
	pp, err := p.writer(ctx)
	if err != nil {
		return nil, err
	}
	ks, err := pp.SplitKeys(ctx, db, table, parts)
	return ks, p.redact(err)
}

// TranslateSchema is PostgreSQL's translation table.
func (p *Provider) TranslateSchema(s providers.DBSchema, srcEngine string) ([]providers.Translation, []string) {
	return new(postgres.Provider).TranslateSchema(s, srcEngine)
}

// Engine returns "postgres".
func (p *Provider) Engine() string { return "postgres" }

// DefaultDatabase is the schema a SQLite file lands in.
func (p *Provider) DefaultDatabase() string { return "public" }

// SingleDatabase is false: the cluster's database holds many schemas.
func (p *Provider) SingleDatabase() bool { return false }

var (
	_ providers.DatabaseSizer       = (*Provider)(nil)
	_ providers.ColumnFingerprinter = (*Provider)(nil)
	_ providers.NativeSummer        = (*Provider)(nil)
	_ postgres.Destination          = (*Provider)(nil)
)

// DatabaseSize is the database block's size and node count (false
// without a block).
func (p *Provider) DatabaseSize() (string, int, bool) {
	if p.db == nil {
		return "", 0, false
	}
	return p.db.size, p.db.nodes, true
}
