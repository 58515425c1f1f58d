package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// openEnvironments instantiates and configures the provider of every
// environment a move uses; ready holds providers already configured for
// cfg (by environment name), which are used as they are.
func (e *Engine) openEnvironments(ctx context.Context, cfg *lang.Config, ready map[string]providers.Provider) (planner.Envs, error) {
	envs := planner.Envs{}
	use := func(name string, k providers.Kind, src bool) error {
		env, ok := envs[name]
		if !ok {
			ec, ok := cfg.Environments[name]
			if !ok {
				return fmt.Errorf("environment %q is not declared", name)
			}
			f, ok := e.Registry.Get(ec.Provider)
			if !ok {
				return fmt.Errorf("environment %q: unknown provider %q", name, ec.Provider)
			}
			p, ok := ready[name]
			if !ok {
				var err error
				if p, err = e.configure(ctx, cfg, name, f); err != nil {
					return fmt.Errorf("configure environment %q (provider %s): %w", name, ec.Provider, err)
				}
			}
			if r, ok := p.(providers.Resolver); ok {
				if err := r.Resolve(ctx); err != nil {
					return fmt.Errorf("environment %q (provider %s): %w", name, ec.Provider, err)
				}
			}
			env = &planner.Env{Name: name, Factory: f, Provider: p}
			envs[name] = env
		}
		env.Scope.Kinds = appendKind(env.Scope.Kinds, k)
		if src {
			env.Source = true
			env.Scope.Source = true
		} else {
			env.Destination = true
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
	for _, env := range envs {
		env.Scope.Shallow = !env.Source
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

// discover runs discovery in every environment (sequentially: providers
// parallelise internally where their APIs allow).
func (e *Engine) discover(ctx context.Context, cfg *lang.Config, envs planner.Envs) error {
	for _, n := range envs.Names() {
		env := envs[n]
		start := time.Now()
		inv, err := env.Provider.Discover(ctx, env.Scope)
		e.Log.Debug("discovered", "env", n, "provider", env.Factory.Name, "kinds", env.Scope.Kinds,
			"elapsed", time.Since(start).Round(time.Millisecond), "error", err)
		if err != nil {
			return fmt.Errorf("%sdiscover environment %q (%s): %w", envPlace(cfg, n, err), n, env.Factory.Name, err)
		}
		inv.Sort()
		env.Inventory = inv
	}
	return nil
}

// envPlace is "file:line: " of environment n's block, or of the attribute
// a provider's error names (the source path that is not a folder).
func envPlace(cfg *lang.Config, n string, err error) string {
	ec, ok := cfg.Environments[n]
	if !ok {
		return ""
	}
	r := ec.DeclRange
	var ae *providers.AttrError
	if errors.As(err, &ae) {
		if ar, ok := ec.AttrRanges[ae.Attr]; ok {
			r = ar
		}
	}
	return fmt.Sprintf("%s:%d: ", r.Filename, r.Start.Line)
}
