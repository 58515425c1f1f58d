package planner

import (
	"fmt"
	"sort"

	"github.com/rehome/rehome/providers"
)

// Env is a configured environment and, after discovery, its inventory. The
// engine opens and discovers them; the planner and the movers read them.
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

// Capability returns e's provider as the kind interface T
// (providers.Storage, providers.DNS, ...), or an error naming the
// environment and what it lacks (what: "object storage").
func Capability[T any](e *Env, what string) (T, error) {
	v, ok := e.Provider.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("environment %q (provider %s) has no %s", e.Name, e.Factory.Name, what)
	}
	return v, nil
}

// Capabilities returns both environments' providers as T (see Capability).
func Capabilities[T any](src, dst *Env, what string) (T, T, error) {
	s, err := Capability[T](src, what)
	if err != nil {
		return s, s, err
	}
	d, err := Capability[T](dst, what)
	return s, d, err
}
