package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"github.com/zclconf/go-cty/cty"
)

// Kind is a kind of movable resource, and the first label of a move block.
// A provider declares in its Caps which kinds it handles; what each kind
// means (its move blocks, plans, apply and undo) is its mover's, found
// through the movers registry.
type Kind string

const (
	KindStorage  Kind = "storage"
	KindDNS      Kind = "dns"
	KindDatabase Kind = "database"
	KindQueue    Kind = "queue"
	KindSecrets  Kind = "secrets"
)

// Sentinel errors providers return (wrapped) so the planner can react.
var (
	ErrNotFound    = errors.New("not found")
	ErrExists      = errors.New("already exists")
	ErrNotEmpty    = errors.New("not empty")
	ErrUnsupported = errors.New("not supported by this provider")
)

// AttrError is a Configure error about one attribute of the environment
// block ("age_recipients[1]" or "path"), so the language can point at it.
// Configure returns every problem it finds, joined (errors.Join).
type AttrError struct {
	Attr string
	Err  error
}

func (e *AttrError) Error() string { return e.Attr + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *AttrError) Unwrap() error { return e.Err }

// Config is what Configure receives: the environment's attributes decoded
// against the provider's Schema.
type Config struct {
	// Env is the environment's name in the configuration.
	Env string
	// Dir is the configuration directory; relative paths resolve against it.
	Dir string
	// Value is an object value conforming to the provider's Schema.
	Value cty.Value
	// Logger receives debug output; never nil (use slog.New(slog.DiscardHandler)).
	Logger *slog.Logger
	// Getenv looks up the process environment for the variables a
	// platform's tools read (AWS_*, HCLOUD_TOKEN, DIGITALOCEAN_TOKEN); nil
	// sees none. Providers read the environment only through it, so tests
	// decide what they see.
	Getenv func(string) (string, bool)
}

// Lookup returns the environment variable name through Getenv ("" when unset
// or without Getenv).
func (c Config) Lookup(name string) string {
	if c.Getenv == nil {
		return ""
	}
	v, _ := c.Getenv(name)
	return v
}

// Scope narrows discovery to the kinds (and, within a kind, names) a move
// needs. An empty scope discovers everything the provider can see.
type Scope struct {
	Kinds []Kind
	// Source: the environment is the source of a move, so it must exist;
	// a provider reports a missing one (a mistyped path) as an error
	// rather than as an empty inventory.
	Source bool
	// Shallow: the environment is only a destination, so discovery reports
	// what exists by name (and region) without walking contents or reading
	// settings: Usage stays zero with Unmeasured set. Each move diffs the
	// destination itself; counting a large destination bucket would only
	// double that walk.
	Shallow bool
	// Full: also discover what no mover moves (instances, volumes, load
	// balancers, IPs, firewalls, managed databases, functions, roles...),
	// as resources with an empty Kind, for the audit and the cost report.
	// Without it a plan of a storage move does not list instances.
	Full bool
}

// Has reports whether the scope includes kind k (an empty scope includes all).
func (s Scope) Has(k Kind) bool {
	if len(s.Kinds) == 0 {
		return true
	}
	for _, x := range s.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Provider is the contract every platform implements. A value is configured
// once and then used for one command run; implementations must be safe for
// concurrent use by the executor's workers after Configure returns.
type Provider interface {
	Name() string
	Configure(ctx context.Context, cfg Config) error
	Discover(ctx context.Context, scope Scope) (*Inventory, error)
}

// Identifier is implemented by providers that can say where a configured
// environment points (a directory, an account and region, an endpoint),
// without secrets. rehome keys what it owns by it, so an environment name
// pointed elsewhere is not taken for the same place.
type Identifier interface {
	Identity() string
}

// Resolver is implemented by providers that must ask the platform where
// an environment points (an account behind credentials) before Identity
// can say. The engine calls Resolve once after Configure, before discovery
// and before comparing a saved plan's environments; validation does not
// (it works offline).
type Resolver interface {
	Resolve(ctx context.Context) error
}

// Factory registers a provider: its name, its configuration schema, its
// declared capabilities and a constructor.
type Factory struct {
	Name        string
	Description string
	Schema      Schema
	Caps        Caps
	New         func() Provider
	// Layout describes, for providers that keep an environment in files
	// (local), where each kind lives below the environment's path: one
	// line per entry, printed by `rehome providers NAME`. "" for none.
	Layout string
}

// Registry maps provider names to factories. Build one in cmd/rehome (or a
// test) and pass it down; there is no global registry.
type Registry struct {
	m map[string]Factory
}

// NewRegistry returns a registry holding the given factories. It panics on a
// duplicate or unnamed factory: that is a programming error.
func NewRegistry(fs ...Factory) *Registry {
	r := &Registry{m: map[string]Factory{}}
	for _, f := range fs {
		if f.Name == "" || f.New == nil {
			panic("providers: factory without name or constructor")
		}
		if _, dup := r.m[f.Name]; dup {
			panic(fmt.Sprintf("providers: duplicate provider %q", f.Name))
		}
		r.m[f.Name] = f
	}
	return r
}

// Get returns the factory for name.
func (r *Registry) Get(name string) (Factory, bool) {
	f, ok := r.m[name]
	return f, ok
}

// Names returns the registered provider names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.m))
	for n := range r.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
