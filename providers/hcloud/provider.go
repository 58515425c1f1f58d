package hcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/s3"
)

// Name is the provider name used in environment blocks.
const Name = "hcloud"

// Locations are Hetzner's object-storage locations.
var Locations = []string{"fsn1", "nbg1", "hel1"}

// Factory registers the hcloud provider.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "Hetzner Cloud: Object Storage (more services arrive with their kinds)",
		Schema:      schema(),
		Caps:        capabilities(),
		New:         func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func schema() providers.Schema {
	return providers.Schema{
		Attributes: []providers.Attribute{
			{Name: "token", Type: cty.String, Sensitive: true, Description: "API token (default: HCLOUD_TOKEN)"},
			{Name: "location", Type: cty.String, Required: true, Description: "fsn1, nbg1 or hel1"},
			{Name: "endpoint", Type: cty.String, Description: "The Cloud API's URL (default " + hcloud.Endpoint + ")"},
		},
		Blocks: []providers.Block{{Name: "object_storage", Description: "Object Storage (S3) access", Schema: providers.Schema{
			Attributes: []providers.Attribute{
				{Name: "endpoint", Type: cty.String, Description: "default https://LOCATION.your-objectstorage.com"},
				{Name: "access_key", Type: cty.String, Sensitive: true, Description: "S3 access key (made in the Console)"},
				{Name: "secret_key", Type: cty.String, Sensitive: true, Description: "S3 secret key"},
			}}}},
	}
}

// storageCaps are Hetzner Object Storage's (docs.hetzner.com, "List of
// supported actions"): no website hosting, no bucket tagging, encryption
// only with customer keys (no bucket default), one storage class.
func storageCaps() providers.StorageCaps {
	sc := s3.StorageCaps()
	sc.Website, sc.Encryption = false, false
	return sc
}

func capabilities() providers.Caps {
	return providers.Caps{
		Kinds: map[providers.Kind]providers.Role{providers.KindStorage: providers.Source | providers.Destination,
			providers.KindDNS: providers.Source | providers.Destination},
		Storage: storageCaps(),
		DNS:     dnsCaps(),
	}
}

// Provider is one Hetzner Cloud project and location.
type Provider struct {
	*s3.Store
	env      string
	location string
	api      *hcloud.Client
	hasToken bool // an API token is configured (DNS needs one)
	s3url    string
	log      *slog.Logger
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.Identifier = (*Provider)(nil)
	_ providers.Storage    = (*Provider)(nil)
)

// Name returns "hcloud".
func (p *Provider) Name() string { return Name }

// Identity is the location and the object-storage endpoint. Bucket names
// are unique per location across Hetzner, so the endpoint says where a
// bucket is.
func (p *Provider) Identity() string { return "hcloud:" + p.location + "@" + p.s3url }

// API returns the Cloud API client (for the services other kinds use).
func (p *Provider) API() *hcloud.Client { return p.api }

// Configure reads the settings.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	a := providers.Attrs(cfg.Value)
	loc := a.String("location")
	var errs []error
	known := false
	for _, l := range Locations {
		known = known || l == loc
	}
	if !known {
		errs = append(errs, &providers.AttrError{Attr: "location", Err: fmt.Errorf("%q is not a Hetzner object-storage location (fsn1, nbg1, hel1)", loc)})
	}
	token := providers.First(a.String("token"), cfg.Lookup("HCLOUD_TOKEN"))
	opts := []hcloud.ClientOption{hcloud.WithToken(token), hcloud.WithApplication("rehome", "")}
	if e := a.String("endpoint"); e != "" {
		if _, err := s3.EndpointPlace(e); err != nil {
			errs = append(errs, &providers.AttrError{Attr: "endpoint", Err: err})
		}
		opts = append(opts, hcloud.WithEndpoint(e))
	}
	osb := a.Block("object_storage")
	s3url := providers.First(osb.String("endpoint"), "https://"+loc+".your-objectstorage.com")
	if _, err := s3.EndpointPlace(s3url); err != nil {
		errs = append(errs, &providers.AttrError{Attr: "object_storage.endpoint", Err: err})
	}
	access, secret := osb.String("access_key"), osb.String("secret_key")
	if (access == "") != (secret == "") {
		errs = append(errs, &providers.AttrError{Attr: "object_storage.secret_key", Err: errors.New("access_key and secret_key go together: set both or neither")})
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	place, _ := s3.EndpointPlace(s3url)
	p.env, p.location, p.s3url, p.api = cfg.Env, loc, place, hcloud.NewClient(opts...)
	p.hasToken = token != ""
	// Hetzner refuses the SDK's default checksummed (aws-chunked) uploads:
	// NewClient sends checksums only where S3 requires them.
	client := s3.NewClient(s3.ClientOptions{Endpoint: s3url, Region: loc, AccessKey: access, SecretKey: secret, PathStyle: false})
	p.Store = s3.NewStore(s3.StoreOptions{Name: Name, Client: client, Place: "hcloud:" + place})
	return ctx.Err()
}

// Discover lists what the scope asks for.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	return providers.DiscoverAll(ctx, p.env, Name,
		providers.DiscoverPart{When: scope.Has(providers.KindStorage), What: "object storage", List: func(ctx context.Context) ([]providers.Resource, error) {
			rs, err := p.Store.Discover(ctx, p.env, Name, scope)
			for i := range rs {
				rs[i].Attrs[s3.AttrRegion] = p.location
			}
			return rs, err
		}},
		// Without an API token (an environment for Object Storage only) an
		// unscoped discovery has no zones to see; asked for DNS, it says why.
		providers.DiscoverPart{When: scope.Has(providers.KindDNS) && (p.hasToken || len(scope.Kinds) > 0), What: "DNS zones", List: p.discoverZones},
		providers.DiscoverPart{When: scope.Full, List: p.inventory})
}
