package planner

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// Env is a configured environment and, after Discover, its inventory.
type Env struct {
	Name      string
	Factory   providers.Factory
	Provider  providers.Provider
	Inventory *providers.Inventory
	// Scope is what the moves need discovered in this environment.
	Scope providers.Scope
	// Source and Destination say which sides of moves it plays.
	Source, Destination bool
}

// Storage returns the environment's storage interface, or nil.
func (e *Env) Storage() providers.Storage { s, _ := e.Provider.(providers.Storage); return s }

// DNS returns the environment's DNS interface, or nil.
func (e *Env) DNS() providers.DNS { s, _ := e.Provider.(providers.DNS); return s }

// Secrets returns the environment's secrets interface, or nil.
func (e *Env) Secrets() providers.Secrets { s, _ := e.Provider.(providers.Secrets); return s }

// ID says where the environment points (the provider's Identity), or
// "env:NAME" when the provider cannot say.
func (e *Env) ID() string {
	if i, ok := e.Provider.(providers.Identifier); ok {
		return i.Identity()
	}
	return "env:" + e.Name
}

// Role names the environment's part in the migration.
func (e *Env) Role() string {
	switch {
	case e.Source && e.Destination:
		return "both"
	case e.Source:
		return "source"
	case e.Destination:
		return "destination"
	}
	return "unused"
}

// Envs are the migration's environments by name.
type Envs map[string]*Env

// Names returns the environment names, sorted.
func (es Envs) Names() []string {
	out := make([]string, 0, len(es))
	for n := range es {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// OpenEnvironments instantiates and configures the provider of every
// environment a move uses; ready holds providers already configured for
// cfg (by environment name), which are used as they are.
func OpenEnvironments(ctx context.Context, cfg *lang.Config, reg *providers.Registry, log *slog.Logger, ready map[string]providers.Provider) (Envs, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	envs := Envs{}
	use := func(name string, k providers.Kind, src bool) error {
		e, ok := envs[name]
		if !ok {
			ec, ok := cfg.Environments[name]
			if !ok {
				return fmt.Errorf("environment %q is not declared", name)
			}
			f, ok := reg.Get(ec.Provider)
			if !ok {
				return fmt.Errorf("environment %q: unknown provider %q", name, ec.Provider)
			}
			p, ok := ready[name]
			if !ok {
				p = f.New()
				err := p.Configure(ctx, providers.Config{Env: name, Dir: cfg.Dir, Value: ec.Value, Logger: log.With("env", name)})
				if err != nil {
					return fmt.Errorf("configure environment %q (provider %s): %w", name, ec.Provider, err)
				}
			}
			e = &Env{Name: name, Factory: f, Provider: p}
			envs[name] = e
		}
		e.Scope.Kinds = appendKind(e.Scope.Kinds, k)
		if src {
			e.Source = true
			e.Scope.Source = true
		} else {
			e.Destination = true
		}
		return nil
	}
	for _, m := range cfg.Moves {
		if err := use(m.From, m.Kind, true); err != nil {
			return nil, err
		}
		if err := use(m.To, m.Kind, false); err != nil {
			return nil, err
		}
	}
	return envs, nil
}

func appendKind(ks []providers.Kind, k providers.Kind) []providers.Kind {
	for _, x := range ks {
		if x == k {
			return ks
		}
	}
	return append(ks, k)
}

// Discover runs discovery in every environment (sequentially: providers
// parallelise internally where their APIs allow).
func Discover(ctx context.Context, envs Envs, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, n := range envs.Names() {
		e := envs[n]
		start := time.Now()
		inv, err := e.Provider.Discover(ctx, e.Scope)
		log.Debug("discovered", "env", n, "provider", e.Factory.Name, "kinds", e.Scope.Kinds,
			"elapsed", time.Since(start).Round(time.Millisecond), "error", err)
		if err != nil {
			return fmt.Errorf("discover environment %q (%s): %w", n, e.Factory.Name, err)
		}
		inv.Sort()
		e.Inventory = inv
	}
	return nil
}
