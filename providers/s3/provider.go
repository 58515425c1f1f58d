package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "s3"

// Factory registers the s3 provider: any S3-compatible server.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "Any S3-compatible object store (MinIO, Ceph, Garage, ...) by endpoint and keys",
		Schema:      schema(),
		Caps:        capabilities(),
		New:         func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func schema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "endpoint", Type: cty.String, Required: true, Description: "The server's URL, e.g. http://127.0.0.1:9000"},
		{Name: "region", Type: cty.String, Description: `Region to sign requests for (default "us-east-1")`},
		{Name: "access_key", Type: cty.String, Sensitive: true, Description: "Access key id (default: the AWS_ACCESS_KEY_ID variable)"},
		{Name: "secret_key", Type: cty.String, Sensitive: true, Description: "Secret access key (default: AWS_SECRET_ACCESS_KEY)"},
		{Name: "path_style", Type: cty.Bool, Description: "Address buckets as /BUCKET/KEY (default true)"},
		{Name: "conditional_writes", Type: cty.Bool, Description: "The server honours If-None-Match on writes (default true: MinIO, Ceph RGW 18+, AWS)"},
	}}
}

// StorageCaps are what an S3 API can hold; each cloud provider adjusts
// them to its service.
func StorageCaps() providers.StorageCaps {
	return providers.StorageCaps{Metadata: true, Tags: true, ContentType: true, Headers: true, ETagMD5: true, SnapshotReads: true,
		Versioning: true, Lifecycle: true, CORS: true, Policy: true, Website: true, Encryption: true, ObjectLock: true,
		MaxObjectSize: 5 << 40,
		// Servers name their own classes (MinIO: STANDARD and
		// REDUCED_REDUNDANCY; Garage none): only the default is safe.
		StorageClasses: []string{"STANDARD"}}
}

func capabilities() providers.Caps {
	return providers.Caps{
		Kinds:   map[providers.Kind]providers.Role{providers.KindStorage: providers.Source | providers.Destination},
		Storage: StorageCaps(),
	}
}

// Provider is one S3-compatible endpoint.
type Provider struct {
	*Store
	env      string
	endpoint string
	log      *slog.Logger
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.Identifier = (*Provider)(nil)
	_ providers.Storage    = (*Provider)(nil)
)

// Name returns "s3".
func (p *Provider) Name() string { return Name }

// Identity is the endpoint the environment points at.
func (p *Provider) Identity() string { return p.o.Place }

// Configure reads the endpoint and keys.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	a := providers.Attrs(cfg.Value)
	var errs []error
	endpoint := a.String("endpoint")
	place, err := EndpointPlace(endpoint)
	if err != nil {
		errs = append(errs, &providers.AttrError{Attr: "endpoint", Err: err})
	}
	access, secret := a.String("access_key"), a.String("secret_key")
	access, secret = providers.First(access, cfg.Lookup("AWS_ACCESS_KEY_ID")), providers.First(secret, cfg.Lookup("AWS_SECRET_ACCESS_KEY"))
	if (access == "") != (secret == "") {
		errs = append(errs, &providers.AttrError{Attr: "secret_key", Err: errors.New("access_key and secret_key go together: set both or neither")})
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	p.env, p.endpoint = cfg.Env, endpoint
	region := a.String("region")
	client := NewClient(ClientOptions{Endpoint: endpoint, Region: region, AccessKey: access, SecretKey: secret,
		PathStyle: a.Bool("path_style", true)})
	p.Store = NewStore(StoreOptions{Name: Name, Client: client, Place: "s3:" + place, Region: region,
		ConditionalWrites: a.Bool("conditional_writes", true)})
	return ctx.Err()
}

// EndpointPlace checks an endpoint URL and returns its scheme-less host
// and path, which says where it points ("127.0.0.1:9000").
func EndpointPlace(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL such as https://s3.example.com", endpoint)
	}
	return u.Host + strings.TrimSuffix(u.Path, "/"), nil
}

// Discover lists the buckets and their features.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	if !scope.Has(providers.KindStorage) {
		return inv, nil
	}
	rs, err := p.Store.Discover(ctx, p.env, Name, scope)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", p.endpoint, err)
	}
	inv.Resources = append(inv.Resources, rs...)
	return inv, nil
}
