package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/digitalocean/godo"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/oauth2"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/s3"
)

// Name is the provider name used in environment blocks.
const Name = "digitalocean"

// Factory registers the digitalocean provider.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "DigitalOcean: Spaces object storage, DNS, secrets, and managed PostgreSQL as a database destination",
		Schema:      schema(),
		Caps:        capabilities(),
		New:         func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func schema() providers.Schema {
	return providers.Schema{
		Attributes: []providers.Attribute{
			{Name: "token", Type: cty.String, Sensitive: true, Description: "API token (default: DIGITALOCEAN_TOKEN)"},
			{Name: "region", Type: cty.String, Required: true, Description: "A Spaces region: nyc3, ams3, sfo3, sgp1, fra1, syd1, blr1, ..."},
			{Name: "endpoint", Type: cty.String, Description: "The API's URL (default https://api.digitalocean.com)"},
		},
		Blocks: []providers.Block{{Name: "spaces", Description: "Spaces (S3) access", Schema: providers.Schema{
			Attributes: []providers.Attribute{
				{Name: "endpoint", Type: cty.String, Description: "default https://REGION.digitaloceanspaces.com"},
				{Name: "access_key", Type: cty.String, Sensitive: true, Description: "Spaces access key (default: SPACES_ACCESS_KEY_ID)"},
				{Name: "secret_key", Type: cty.String, Sensitive: true, Description: "Spaces secret key (default: SPACES_SECRET_ACCESS_KEY)"},
			}}}, databaseBlock()},
	}
}

// storageCaps are Spaces' (docs.digitalocean.com, "Spaces S3
// Compatibility"): website hosting, lifecycle expiration, policies and
// versioning through the API; encryption only with customer keys (no
// bucket default); no object lock; tags are not relied on; one class.
func storageCaps() providers.StorageCaps {
	sc := s3.StorageCaps()
	sc.Encryption, sc.ObjectLock, sc.Tags = false, false, false
	return sc
}

func capabilities() providers.Caps {
	c := providers.Caps{
		Kinds: map[providers.Kind]providers.Role{providers.KindStorage: providers.Source | providers.Destination,
			providers.KindDNS: providers.Source | providers.Destination},
		Storage: storageCaps(),
		DNS:     dnsCaps(),
	}
	c.Kinds[providers.KindSecrets], c.Secrets = providers.Source|providers.Destination, secretsCaps() // secrets.go
	// database.go: with a database block, a managed PostgreSQL cluster.
	c.Kinds[providers.KindDatabase], c.Database = providers.Destination, providers.DatabaseCaps{Engines: []string{"postgres"}}
	return c
}

// Provider is one DigitalOcean account and region.
type Provider struct {
	*s3.Store
	env     string
	region  string
	api     *godo.Client
	spaces  string // the Spaces endpoint's host
	log     *slog.Logger
	mu      sync.Mutex
	account string

	db       *dbConfig // the database block; nil without one
	dbMu     sync.Mutex
	store    *postgres.Provider // on the cluster's database, once online
	dbSecret []string           // its connection URI and password
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.Identifier = (*Provider)(nil)
	_ providers.Resolver   = (*Provider)(nil)
	_ providers.Storage    = (*Provider)(nil)

	_ providers.DatabaseStore    = (*Provider)(nil)
	_ providers.DatabaseServer   = (*Provider)(nil)
	_ providers.SchemaTranslator = (*Provider)(nil)
	_ providers.DatabaseHome     = (*Provider)(nil)
	_ providers.TableDropper     = (*Provider)(nil)
	_ providers.KeySplitter      = (*Provider)(nil)
)

// Name returns "digitalocean".
func (p *Provider) Name() string { return Name }

// Identity is the account (asked of the API once per run) and region,
// and the database cluster's name when there is a database block: tables
// rehome made in one cluster are not taken for its own in another.
func (p *Provider) Identity() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	acct := p.account
	if acct == "" {
		acct = "?"
	}
	id := "digitalocean:" + acct + "/" + p.region + "@" + p.spaces
	if p.db != nil {
		id += "/databases/" + p.db.name
		if p.db.database != "" {
			id += "/" + p.db.database
		}
	}
	return id
}

// API returns the godo client (for the services other kinds use).
func (p *Provider) API() *godo.Client { return p.api }

// Configure reads the settings.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	a := providers.Attrs(cfg.Value)
	region := a.String("region")
	var errs []error
	if region == "" {
		errs = append(errs, &providers.AttrError{Attr: "region", Err: errors.New("a region is needed, such as fra1")})
	}
	token := providers.First(a.String("token"), cfg.Lookup("DIGITALOCEAN_TOKEN"), cfg.Lookup("DIGITALOCEAN_ACCESS_TOKEN"))
	hc := http.DefaultClient
	if token != "" {
		hc = oauth2.NewClient(context.WithoutCancel(ctx), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
	}
	opts := []godo.ClientOpt{godo.SetUserAgent("rehome")}
	if e := a.String("endpoint"); e != "" {
		if _, err := s3.EndpointPlace(e); err != nil {
			errs = append(errs, &providers.AttrError{Attr: "endpoint", Err: err})
		}
		opts = append(opts, godo.SetBaseURL(e))
	}
	sp := a.Block("spaces")
	spacesURL := providers.First(sp.String("endpoint"), "https://"+region+".digitaloceanspaces.com")
	if _, err := s3.EndpointPlace(spacesURL); err != nil {
		errs = append(errs, &providers.AttrError{Attr: "spaces.endpoint", Err: err})
	}
	access := providers.First(sp.String("access_key"), cfg.Lookup("SPACES_ACCESS_KEY_ID"))
	secret := providers.First(sp.String("secret_key"), cfg.Lookup("SPACES_SECRET_ACCESS_KEY"))
	if (access == "") != (secret == "") {
		errs = append(errs, &providers.AttrError{Attr: "spaces.secret_key", Err: errors.New("access_key and secret_key go together: set both or neither")})
	}
	db, dbErrs := readDatabase(cfg.Value)
	errs = append(errs, dbErrs...)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	p.db = db
	api, err := godo.New(hc, opts...)
	if err != nil {
		return fmt.Errorf("digitalocean: API client: %w", err)
	}
	place, _ := s3.EndpointPlace(spacesURL)
	p.env, p.region, p.api, p.spaces = cfg.Env, region, api, place
	client := s3.NewClient(s3.ClientOptions{Endpoint: spacesURL, Region: "us-east-1", AccessKey: access, SecretKey: secret})
	p.Store = s3.NewStore(s3.StoreOptions{Name: Name, Client: client, Place: "digitalocean:" + place})
	return nil
}

// Resolve asks the API which account the token belongs to.
func (p *Provider) Resolve(ctx context.Context) error {
	acct, _, err := p.api.Account.Get(ctx)
	if err != nil {
		return providers.MarkTransient(fmt.Errorf("digitalocean: whose token it is (GET /v2/account): %w", err))
	}
	p.mu.Lock()
	p.account = acct.UUID
	p.mu.Unlock()
	return nil
}

// Discover lists what the scope asks for.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	return providers.DiscoverAll(ctx, p.env, Name,
		providers.DiscoverPart{When: scope.Has(providers.KindStorage), What: "Spaces", List: func(ctx context.Context) ([]providers.Resource, error) {
			rs, err := p.Store.Discover(ctx, p.env, Name, scope)
			for i := range rs {
				rs[i].Attrs[s3.AttrRegion] = p.region
			}
			return rs, err
		}},
		providers.DiscoverPart{When: scope.Has(providers.KindDNS), What: "domains", List: p.discoverZones},
		providers.DiscoverPart{When: scope.Has(providers.KindSecrets), What: "secrets", List: p.discoverSecrets},
		providers.DiscoverPart{When: scope.Full, List: p.inventory})
}
