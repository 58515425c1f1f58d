package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/s3"
)

// Name is the provider name used in environment blocks.
const Name = "aws"

// Factory registers the aws provider.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "Amazon Web Services: S3 (more services arrive with their kinds)",
		Schema:      schema(),
		Caps:        capabilities(),
		New:         func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func schema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "region", Type: cty.String, Description: "The region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)"},
		{Name: "profile", Type: cty.String, Description: "A profile of the shared config and credentials files (default: AWS_PROFILE)"},
		{Name: "endpoint", Type: cty.String, Description: "One URL for every service, as emulators serve them (default: AWS_ENDPOINT_URL)"},
		{Name: "endpoints", Type: cty.Map(cty.String), Description: "URLs per service, keyed by the SDK's service name in lower case (s3, route53, sqs, ...); overrides endpoint"},
		{Name: "access_key", Type: cty.String, Sensitive: true, Description: "Access key id (default: the SDK's credential chain)"},
		{Name: "secret_key", Type: cty.String, Sensitive: true, Description: "Secret access key"},
		{Name: "session_token", Type: cty.String, Sensitive: true, Description: "Session token of temporary credentials"},
		{Name: "binary_secrets", Type: cty.String, Description: `How a binary Secrets Manager secret is handed on: "raw" (its bytes; a text-only destination refuses them) or "base64" (default "raw")`},
	}}
}

// services are the SDK service names rehome calls, the keys of endpoints.
var services = []string{"s3", "sts", "route53", "sqs", "secretsmanager", "ssm", "rds", "ec2", "elasticloadbalancingv2",
	"cloudfront", "lambda", "iam"}

// storageClasses are S3's.
var storageClasses = []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
	"GLACIER", "GLACIER_IR", "DEEP_ARCHIVE", "EXPRESS_ONEZONE"}

func capabilities() providers.Caps {
	sc := s3.StorageCaps()
	sc.StorageClasses = storageClasses
	c := providers.Caps{
		Kinds: map[providers.Kind]providers.Role{providers.KindStorage: providers.Source | providers.Destination,
			providers.KindDNS: providers.Source | providers.Destination},
		Storage: sc,
		DNS:     route53Caps(),
	}
	c.Kinds[providers.KindQueue], c.Queue = providers.Source|providers.Destination, queueCaps() // SQS (sqs.go)
	c.Kinds[providers.KindSecrets] = providers.Source                                           // Secrets Manager, SSM (secrets.go)
	c.Secrets = providers.SecretsCaps{Versioned: true, EncryptedAtRest: true, MaxValueSize: 65536}
	return c
}

// Provider is one AWS account and region.
type Provider struct {
	*s3.Store
	env       string
	region    string
	cfg       aws.Config
	endpoints map[string]string // service -> URL, as configured
	log       *slog.Logger
	sqs       *sqs.Client   // sqs.go
	secrets   *secretStores // secrets.go

	mu      sync.Mutex
	account string // from STS, once resolved

	r53 route53State // Route 53 (route53.go)
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.Identifier = (*Provider)(nil)
	_ providers.Resolver   = (*Provider)(nil)
	_ providers.Storage    = (*Provider)(nil)
)

// Name returns "aws".
func (p *Provider) Name() string { return Name }

// Identity is the account and region ("aws:123456789012/eu-central-1"),
// and the endpoint when it is not AWS's own; before Resolve the account
// reads "?".
func (p *Provider) Identity() string {
	p.mu.Lock()
	acct := p.account
	p.mu.Unlock()
	if acct == "" {
		acct = "?"
	}
	id := "aws:" + acct + "/" + p.region
	if e := p.endpoint("s3"); e != "" {
		id += "@" + e
	}
	return id
}

// endpoint is the URL configured for a service ("" for AWS's own).
func (p *Provider) endpoint(service string) string { return p.endpoints[service] }

// Configure reads the settings and builds the SDK configuration. Explicit
// keys (here or in AWS_ACCESS_KEY_ID) are used as they are; otherwise the
// SDK's default chain (profiles, SSO, instance roles) is loaded.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	a := providers.Attrs(cfg.Value)
	region := providers.First(a.String("region"), cfg.Lookup("AWS_REGION"), cfg.Lookup("AWS_DEFAULT_REGION"))
	profile := providers.First(a.String("profile"), cfg.Lookup("AWS_PROFILE"))
	access, secret, token := providers.First(a.String("access_key"), cfg.Lookup("AWS_ACCESS_KEY_ID")),
		providers.First(a.String("secret_key"), cfg.Lookup("AWS_SECRET_ACCESS_KEY")), providers.First(a.String("session_token"), cfg.Lookup("AWS_SESSION_TOKEN"))
	var errs []error
	if (access == "") != (secret == "") {
		errs = append(errs, &providers.AttrError{Attr: "secret_key", Err: errors.New("access_key and secret_key go together: set both or neither")})
	}
	endpoints := map[string]string{}
	all := providers.First(a.String("endpoint"), cfg.Lookup("AWS_ENDPOINT_URL"))
	for _, svc := range services {
		e := providers.First(a.StringMap("endpoints")[svc], cfg.Lookup("AWS_ENDPOINT_URL_"+strings.ToUpper(svc)), all)
		if e != "" {
			if _, err := s3.EndpointPlace(e); err != nil {
				errs = append(errs, &providers.AttrError{Attr: "endpoints", Err: fmt.Errorf("%s: %w", svc, err)})
			}
			endpoints[svc] = e
		}
	}
	for svc := range a.StringMap("endpoints") {
		if _, ok := endpoints[svc]; !ok {
			errs = append(errs, &providers.AttrError{Attr: "endpoints", Err: fmt.Errorf("no service %q: rehome uses %s", svc, strings.Join(services, ", "))})
		}
	}
	binary, err := checkBinaryMode(a.String("binary_secrets"))
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var awscfg aws.Config
	if access != "" {
		awscfg = aws.Config{Region: region, Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(access, secret, token))}
	} else {
		opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
		if profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(profile))
		}
		var err error
		if awscfg, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return fmt.Errorf("aws: load the SDK's configuration: %w", err)
		}
		region = awscfg.Region
	}
	if region == "" {
		return &providers.AttrError{Attr: "region", Err: errors.New("no region: set region, or AWS_REGION, or one in the profile")}
	}
	awscfg.Region = region
	awscfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} } // rehome's transfer layer retries
	p.env, p.region, p.cfg, p.endpoints = cfg.Env, region, awscfg, endpoints
	client := s3.NewClient(s3.ClientOptions{Endpoint: endpoints["s3"], Region: region, Provider: awscfg.Credentials,
		PathStyle: endpoints["s3"] != ""})
	p.Store = s3.NewStore(s3.StoreOptions{Name: Name, Client: client, Region: region, ConditionalWrites: true, Place: p.place()})
	p.sqs = p.sqsClient()
	p.secrets = p.newSecretStores(binary)
	return nil
}

// place is where S3 requests go, for server-side copies: the account
// (once known) and the endpoint.
func (p *Provider) place() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "aws:" + p.account + "@" + p.endpoint("s3")
}

// Resolve asks STS which account the credentials belong to.
func (p *Provider) Resolve(ctx context.Context) error {
	c := sts.NewFromConfig(p.cfg, func(o *sts.Options) {
		if e := p.endpoint("sts"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
	})
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return providers.MarkTransient(fmt.Errorf("aws: who the credentials are (sts GetCallerIdentity): %w", err))
	}
	p.mu.Lock()
	p.account = aws.ToString(out.Account)
	p.mu.Unlock()
	p.Store.SetPlace(p.place())
	return nil
}

// Discover lists what the scope asks for.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	return providers.DiscoverAll(ctx, p.env, Name,
		providers.DiscoverPart{When: scope.Has(providers.KindStorage), What: "S3", List: func(ctx context.Context) ([]providers.Resource, error) {
			rs, err := p.Store.Discover(ctx, p.env, Name, scope)
			for i := range rs {
				rs[i].ID = "arn:aws:s3:::" + rs[i].Name
			}
			return rs, err
		}},
		providers.DiscoverPart{When: scope.Has(providers.KindDNS), What: "Route 53", List: p.discoverZones},
		providers.DiscoverPart{When: scope.Has(providers.KindSecrets), What: "secrets", List: p.discoverSecrets},
		providers.DiscoverPart{When: scope.Has(providers.KindQueue), What: "SQS", List: p.discoverQueues},
		providers.DiscoverPart{When: scope.Full, List: p.inventory})
}
