package lang

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// decodeLocals collects the locals of all locals blocks and evaluates them
// in dependency order. A cycle is one diagnostic; its members (and what
// depends on them) evaluate to unknown values without further errors.
func (l *loader) decodeLocals(blocks []*hcl.Block) {
	var order []*hcl.Attribute // definition order
	for _, b := range blocks {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		for _, a := range sortedAttributes(attrs) {
			if prev, dup := l.localDefs[a.Name]; dup {
				l.diags = append(l.diags, errorf(ptr(a.NameRange), "Duplicate local value",
					"A local value named %q was already defined at %s. Local value names must be unique.",
					a.Name, describeRange(prev.Range)))
				continue
			}
			l.localDefs[a.Name] = a
			order = append(order, a)
		}
	}

	// Depth-first topological sort: visit dependencies before dependents.
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	inCycle := map[string]bool{}
	var sorted []*hcl.Attribute
	var stack []string
	var visit func(a *hcl.Attribute)
	visit = func(a *hcl.Attribute) {
		switch state[a.Name] {
		case done:
			return
		case visiting:
			i := len(stack) - 1
			for stack[i] != a.Name {
				i--
			}
			l.reportCycle(stack[i:])
			for _, n := range stack[i:] {
				inCycle[n] = true
			}
			return
		}
		state[a.Name] = visiting
		stack = append(stack, a.Name)
		for _, dep := range localDeps(a) {
			if d, ok := l.localDefs[dep]; ok {
				visit(d)
			}
		}
		stack = stack[:len(stack)-1]
		state[a.Name] = done
		sorted = append(sorted, a)
	}
	for _, a := range order {
		visit(a)
	}

	for _, a := range sorted {
		val := cty.DynamicVal
		if !inCycle[a.Name] {
			var diags hcl.Diagnostics
			val, diags = l.eval(a.Expr)
			l.diags = append(l.diags, diags...)
			if diags.HasErrors() {
				val = cty.DynamicVal
			}
		}
		l.cfg.Locals[a.Name] = val
		l.ctx.Variables["local"] = cty.ObjectVal(l.cfg.Locals)
	}
}

// localDeps lists the locals that a's expression refers to.
func localDeps(a *hcl.Attribute) []string {
	var deps []string
	for _, t := range a.Expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		if step, ok := t[1].(hcl.TraverseAttr); ok {
			deps = append(deps, step.Name)
		}
	}
	return deps
}

// reportCycle reports a cycle of locals (each refers to the next, the last
// to the first), at the definition of the first.
func (l *loader) reportCycle(cycle []string) {
	path := make([]string, 0, len(cycle)+1)
	for _, n := range cycle {
		path = append(path, "local."+n)
	}
	path = append(path, "local."+cycle[0])
	first := l.localDefs[cycle[0]]
	l.diags = append(l.diags, errorf(ptr(first.Range), "Circular reference between local values",
		"These local values refer to each other in a cycle: %s. A local value cannot depend on itself, directly or through other locals.",
		strings.Join(path, " -> ")))
}
