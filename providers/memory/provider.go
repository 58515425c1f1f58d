package memory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "memory"

// Nameserver is the apex NS every zone the provider creates names.
const Nameserver = "ns1.memory.example."

// Factory returns the memory provider's factory around a new, private
// store. Use NewStore and Store.Factory when a test must look into the data
// or share it between registries.
func Factory() providers.Factory { return NewStore().Factory() }

func schema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "name", Type: cty.String, Required: true,
			Description: "Name of the in-memory space; environments with the same name in the same store share data"},
	}}
}

func recordTypes() []string {
	return []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"}
}

func capabilities() providers.Caps {
	both := providers.Source | providers.Destination
	return providers.Caps{
		Kinds: map[providers.Kind]providers.Role{
			providers.KindStorage: both,
			providers.KindDNS:     both,
			providers.KindSecrets: both,
			providers.KindQueue:   both,
		},
		Storage: providers.StorageCaps{
			Metadata:      true,
			Tags:          true,
			ContentType:   true,
			Headers:       true,
			ModTime:       true,
			ETagMD5:       true,
			SnapshotReads: true,
			FileKeys:      false,
		},
		DNS: providers.DNSCaps{
			RecordTypes: recordTypes(),
			OwnApex:     true,
			Wildcards:   true,
		},
		Secrets: providers.SecretsCaps{
			Versioned:    true,
			MaxValueSize: maxSecretSize,
		},
		Queue: queueCaps(),
	}
}

var (
	_ providers.Provider          = (*Provider)(nil)
	_ providers.Storage           = (*Provider)(nil)
	_ providers.DNS               = (*Provider)(nil)
	_ providers.Secrets           = (*Provider)(nil)
	_ providers.SecretVersioner   = (*Provider)(nil)
	_ providers.SecretChecker     = (*Provider)(nil)
	_ providers.ConditionalPutter = (*Provider)(nil)
	_ providers.Identifier        = (*Provider)(nil)
)

// Store holds the data of every in-memory environment. It is safe for
// concurrent use.
type Store struct {
	mu     sync.Mutex
	spaces map[string]*space
	now    func() time.Time
	ids    int // zone id counter
}

// NewStore returns an empty store whose clock is time.Now.
func NewStore() *Store {
	return &Store{spaces: map[string]*space{}, now: time.Now}
}

// SetClock replaces the clock that stamps objects Put without a ModTime.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Factory returns a factory whose providers are bound to s.
func (s *Store) Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "Environments in process memory with S3, Route 53, Secrets Manager and SQS semantics (tests and demos; not persistent)",
		Schema:      schema(),
		Caps:        capabilities(),
		New:         func() providers.Provider { return &Provider{store: s, log: slog.New(slog.DiscardHandler)} },
	}
}

// Env returns a provider configured for the space name, for seeding and
// inspecting an environment from a test.
func (s *Store) Env(name string) *Provider {
	return &Provider{store: s, env: name, name: name, log: slog.New(slog.DiscardHandler)}
}

// Writes returns the number of successful Put calls into the space env.
func (s *Store) Writes(env string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp, ok := s.spaces[env]; ok {
		return sp.writes
	}
	return 0
}

// KeyWrites returns the number of successful Put calls of one key.
func (s *Store) KeyWrites(env, bucket, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp, ok := s.spaces[env]; ok {
		return sp.keyWrites[bucket+"\x00"+key]
	}
	return 0
}

// space returns (creating) the named space; s.mu must be held.
func (s *Store) space(name string) *space {
	sp, ok := s.spaces[name]
	if !ok {
		sp = &space{
			buckets:   map[string]*bucket{},
			zones:     map[string]*zone{},
			secrets:   map[string]*secret{},
			nextVer:   map[string]int{},
			keyWrites: map[string]int{},
		}
		s.spaces[name] = sp
	}
	return sp
}

// space is one environment's data.
type space struct {
	buckets   map[string]*bucket
	zones     map[string]*zone
	secrets   map[string]*secret
	nextVer   map[string]int // last version number per secret name, never reset
	writes    int64
	keyWrites map[string]int // bucket NUL key -> successful Puts
	sqs       *sqsService    // queues, made on first use
}

// Provider is one environment of a Store. Create it with the factory's New
// and Configure it once; afterwards it is safe for concurrent use.
type Provider struct {
	store *Store
	env   string // the environment's name in the configuration
	name  string // the space's name
	log   *slog.Logger
}

// Name returns "memory".
func (p *Provider) Name() string { return Name }

// String describes the provider.
func (p *Provider) String() string { return fmt.Sprintf("memory(%s)", p.name) }

// Space returns the configured space name.
func (p *Provider) Space() string { return p.name }

// Identity names the store space the environment uses.
func (p *Provider) Identity() string { return "memory:" + p.name }

// Configure reads the `name` attribute and binds the provider to that space.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.store == nil {
		return errors.New("memory: provider made without a store; use Store.Factory")
	}
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	v, _ := cfg.Value.UnmarkDeep()
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute("name") {
		return fmt.Errorf("memory: environment %q: name is required", cfg.Env)
	}
	n := v.GetAttr("name")
	if n.IsNull() || !n.IsKnown() || n.Type() != cty.String || n.AsString() == "" {
		return fmt.Errorf("memory: environment %q: name must be a non-empty string", cfg.Env)
	}
	p.env, p.name = cfg.Env, n.AsString()
	return nil
}

// lock locks the store and returns the provider's space.
func (p *Provider) lock(ctx context.Context) (*space, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if p.store == nil || p.name == "" {
		return nil, nil, errors.New("memory: provider is not configured")
	}
	p.store.mu.Lock()
	return p.store.space(p.name), p.store.mu.Unlock, nil
}

// Discover lists the space's buckets (with object and byte counts), zones
// (with record counts) and secrets, as far as the scope asks.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	add := func(r providers.Resource) {
		r.Env, r.Provider = p.env, Name
		inv.Resources = append(inv.Resources, r)
	}
	if scope.Has(providers.KindStorage) {
		for _, n := range sortedKeys(sp.buckets) {
			b := sp.buckets[n]
			var bytes int64
			for _, o := range b.objects {
				bytes += int64(len(o.body))
			}
			add(providers.Resource{Kind: providers.KindStorage, Type: "bucket", ID: "memory://" + p.name + "/" + n, Name: n,
				Attrs: map[string]string{"region": region, "created": b.created.UTC().Format(time.RFC3339)},
				Usage: providers.Usage{Objects: int64(len(b.objects)), Bytes: bytes}})
		}
	}
	if scope.Has(providers.KindDNS) {
		for _, n := range sortedKeys(sp.zones) {
			z := sp.zones[n]
			var records int64
			for _, rs := range z.sets {
				records += int64(len(rs.Values))
			}
			add(providers.Resource{Kind: providers.KindDNS, Type: "zone", ID: z.id, Name: n[:len(n)-1],
				Attrs: map[string]string{"nameservers": Nameserver, "record_sets": strconv.Itoa(len(z.sets))},
				Usage: providers.Usage{Records: records}})
		}
	}
	if scope.Has(providers.KindSecrets) {
		for _, n := range sortedKeys(sp.secrets) {
			s := sp.secrets[n]
			add(providers.Resource{Kind: providers.KindSecrets, Type: "secret", ID: "memory://" + p.name + "/secrets/" + n, Name: n,
				Attrs: map[string]string{"versions": strconv.Itoa(len(s.versions)), "current": s.current}})
		}
	}
	if scope.Has(providers.KindQueue) {
		p.discoverQueues(sp, add)
	}
	inv.Sort()
	return inv, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
