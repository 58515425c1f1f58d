package engine

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// SamePlaceAllower is implemented by a move's settings when moving within
// one place can make sense (a storage move that renames buckets); the kind
// then refuses, per item, a destination that is its own source.
type SamePlaceAllower interface {
	AllowsSamePlace() bool
}

// samePlace reports each move whose two environments point at the same
// place: the providers' identities are equal (a move from a folder to
// itself, or two aws environments on one account and region). It would
// plan "no changes" or copy items onto themselves. identity returns an
// environment's identity and whether it is known yet (an aws account is
// known only after STS answers).
func samePlace(cfg *lang.Config, identity func(env string) (string, bool)) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range cfg.Moves {
		if a, ok := m.Settings.(SamePlaceAllower); ok && a.AllowsSamePlace() {
			continue
		}
		from, okf := identity(m.From)
		to, okt := identity(m.To)
		if !okf || !okt || from != to {
			continue
		}
		r := m.DeclRange
		what := fmt.Sprintf("both are %s", from)
		if m.From == m.To {
			what = "they are the same environment"
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Source and destination are the same place",
			Detail: fmt.Sprintf("%s moves from %q to %q, but %s: the move would copy every item onto itself. "+
				"Point `to` at another environment (another folder, account, region or endpoint).", m.Addr(), m.From, m.To, what),
			Subject: &r})
	}
	return diags
}

// providerIdentity is identity for samePlace over configured providers;
// an identity with an unresolved part ("?") is not known yet.
func providerIdentity(ps map[string]providers.Provider) func(string) (string, bool) {
	return func(env string) (string, bool) {
		p, ok := ps[env]
		if !ok {
			return "", false
		}
		i, ok := p.(providers.Identifier)
		if !ok {
			return "", false
		}
		id := i.Identity()
		return id, id != "" && !strings.Contains(id, "?")
	}
}

// DiagnosticsError carries configuration problems found after loading
// (when the providers are resolved) as diagnostics, so that the CLI
// prints them like the loader's, with their source lines; as an error
// each reads "file:line: summary: detail".
type DiagnosticsError struct{ Diags hcl.Diagnostics }

func (d *DiagnosticsError) Error() string {
	var parts []string
	for _, x := range d.Diags {
		s := x.Summary
		if x.Detail != "" {
			s += ": " + x.Detail
		}
		if x.Subject != nil {
			s = fmt.Sprintf("%s:%d: %s", x.Subject.Filename, x.Subject.Start.Line, s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}
