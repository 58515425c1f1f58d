// Package movers is the registry of move kinds. A kind — storage, dns,
// secrets, and next database and queue — is one mover package that knows
// everything about it: the arguments of its move blocks, how a move is
// planned (actions and audit findings), how each of its actions is carried
// out, verified and undone, which of its actions the cutover covers, the
// unit it counts in, and how to describe a provider's capabilities for it.
// The language, the planner, the executor, the engine and the views reach a
// kind only through this registry, so nothing outside a mover package
// switches on a kind.
//
// To add a kind, write a package implementing Mover (see the README's "How
// to add a kind") and add one line to movers/builtin.
package movers

import (
	"fmt"
	"strings"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
)

// Mover is everything rehome knows about one kind of move.
type Mover interface {
	// Kind is the move block's first label.
	Kind() providers.Kind
	// Description says in a line what the kind moves.
	Description() string
	// Features describes what a provider's capabilities mean for the kind
	// ("records A AAAA ...; wildcards"), for `rehome providers`.
	Features(c providers.Caps) string

	lang.MoveKind       // MoveSchema, DecodeMove
	planner.KindPlanner // Unit, Plan
	exec.KindRunner     // Apply, Undo, UndoStep
}

// Registry holds the kinds of a build. Build one with NewRegistry (or
// movers/builtin) and pass it down; there is no global registry.
type Registry struct {
	m     map[providers.Kind]Mover
	order []providers.Kind
}

// NewRegistry returns a registry of the given movers, in display order. It
// panics on a duplicate or unnamed kind: that is a programming error.
func NewRegistry(ms ...Mover) *Registry {
	r := &Registry{m: map[providers.Kind]Mover{}}
	for _, m := range ms {
		k := m.Kind()
		if k == "" {
			panic("movers: a mover without a kind")
		}
		if _, dup := r.m[k]; dup {
			panic(fmt.Sprintf("movers: duplicate kind %q", k))
		}
		r.m[k] = m
		r.order = append(r.order, k)
	}
	return r
}

// Get returns the mover of kind k. A nil registry knows no kinds.
func (r *Registry) Get(k providers.Kind) (Mover, bool) {
	if r == nil {
		return nil, false
	}
	m, ok := r.m[k]
	return m, ok
}

// KindNames lists the kinds in display order.
func (r *Registry) KindNames() []providers.Kind {
	if r == nil {
		return nil
	}
	return append([]providers.Kind(nil), r.order...)
}

// Features describes what capabilities c mean for kind k ("" for an
// unknown kind).
func (r *Registry) Features(k providers.Kind, c providers.Caps) string {
	if m, ok := r.Get(k); ok {
		return m.Features(c)
	}
	return ""
}

// MoveKind returns kind k's language part.
func (r *Registry) MoveKind(k providers.Kind) (lang.MoveKind, bool) { m, ok := r.Get(k); return m, ok }

// KindPlanner returns kind k's planner.
func (r *Registry) KindPlanner(k providers.Kind) (planner.KindPlanner, bool) {
	m, ok := r.Get(k)
	return m, ok
}

// KindRunner returns kind k's executor part.
func (r *Registry) KindRunner(k providers.Kind) (exec.KindRunner, bool) {
	m, ok := r.Get(k)
	return m, ok
}

var (
	_ lang.Kinds    = (*Registry)(nil)
	_ planner.Kinds = (*Registry)(nil)
	_ exec.Kinds    = (*Registry)(nil)
)

// Feature is one yes/no capability for Features.
type Feature struct {
	Name string
	OK   bool
}

// Features renders capabilities as "metadata, content type; no tags": the
// ones present, then the ones missing.
func Features(fs ...Feature) string {
	var yes, no []string
	for _, f := range fs {
		if f.OK {
			yes = append(yes, f.Name)
		} else {
			no = append(no, "no "+f.Name)
		}
	}
	return strings.Join(append(yes, no...), ", ")
}
