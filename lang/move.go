package lang

import (
	"fmt"
	"math/big"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Verify modes of a storage move.
const (
	VerifyChecksum = "checksum"
	VerifySize     = "size"
)

// maxCutoverTTL is the largest TTL DNS allows (RFC 2181: 2^31 - 1).
const maxCutoverTTL = 1<<31 - 1

// moveCommon are the arguments every move block has.
var moveCommon = []hcl.AttributeSchema{
	{Name: "from"},
	{Name: "to"},
	{Name: "acknowledge"},
	{Name: "overwrite"},
}

// moveKindAttrs are the kind-specific arguments of move blocks.
var moveKindAttrs = map[providers.Kind][]string{
	providers.KindStorage:  {"include", "exclude", "rename", "verify"},
	providers.KindDNS:      {"zones", "cutover_ttl"},
	providers.KindSecrets:  {"include", "exclude"},
	providers.KindDatabase: {"databases"},
	providers.KindQueue:    {"include", "exclude"},
}

// moveSchema returns the body schema of a move block of kind k.
func moveSchema(k providers.Kind) *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: slices.Clone(moveCommon)}
	for _, n := range moveKindAttrs[k] {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
	}
	return s
}

// decodeMove decodes a move block. seen maps the addresses of the moves
// decoded so far to their declarations.
func (l *loader) decodeMove(b *hcl.Block, seen map[string]hcl.Range) {
	kind := providers.Kind(b.Labels[0])
	if !slices.Contains(providers.MoveKinds, kind) {
		kinds := make([]string, len(providers.MoveKinds))
		for i, k := range providers.MoveKinds {
			kinds[i] = string(k)
		}
		l.diags = append(l.diags, errorf(ptr(b.LabelRanges[0]), "Unknown move kind",
			"There is no move kind %q.%s A move block's first label is one of %s.",
			kind, didYouMean(string(kind), kinds), quotedList(kinds)))
		return
	}
	if !l.checkIdentifier(b, 1, "move") {
		return
	}
	m := &Move{Kind: kind, Name: b.Labels[1], DeclRange: b.DefRange}
	if prev, dup := seen[m.Addr()]; dup {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Duplicate move block",
			"%s was already declared at %s. Each move needs its own name within its kind.",
			m.Addr(), describeRange(prev)))
		return
	}
	seen[m.Addr()] = b.DefRange

	content, diags := b.Body.Content(moveSchema(kind))
	l.diags = append(l.diags, diags...)
	attrs := content.Attributes

	fromAttr, fromOK := l.envRef(b, attrs, "from", "the environment to move from")
	toAttr, toOK := l.envRef(b, attrs, "to", "the environment to move to")
	if fromOK {
		m.From = l.envName(fromAttr)
	}
	if toOK {
		m.To = l.envName(toAttr)
	}
	if fromOK && toOK && m.From == m.To {
		l.diags = append(l.diags, errorf(ptr(toAttr.Expr.Range()), "Same source and destination",
			"%s moves from environment %q to itself; from and to must name different environments.",
			m.Addr(), m.From))
	}
	if fromOK {
		l.checkRole(m, fromAttr, m.From, providers.Source)
	}
	if toOK {
		l.checkRole(m, toAttr, m.To, providers.Destination)
	}

	if a, ok := attrs["acknowledge"]; ok {
		m.Acknowledge, _ = l.stringList(a)
	}
	if a, ok := attrs["overwrite"]; ok {
		if val, ok := l.evalAs(a, cty.Bool); ok && !val.IsNull() {
			m.Overwrite = val.True()
		}
	}

	switch kind {
	case providers.KindStorage:
		m.Storage = l.decodeStorageMove(attrs)
	case providers.KindDNS:
		m.DNS = l.decodeDNSMove(attrs)
	case providers.KindSecrets:
		m.Secrets = &SecretsMove{}
		m.Secrets.Include, m.Secrets.Exclude = l.globs(attrs)
	case providers.KindDatabase:
		m.Database = &DatabaseMove{}
		if a, ok := attrs["databases"]; ok {
			m.Database.Databases, _ = l.stringList(a)
		}
	case providers.KindQueue:
		m.Queue = &QueueMove{}
		m.Queue.Include, m.Queue.Exclude = l.globs(attrs)
	}
	l.cfg.Moves = append(l.cfg.Moves, m)
}

// envRef checks that the move argument name (from or to) is present and is
// a reference to a declared environment.
func (l *loader) envRef(b *hcl.Block, attrs hcl.Attributes, name, what string) (*hcl.Attribute, bool) {
	a, ok := attrs[name]
	if !ok {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Missing required argument",
			"The argument %q is required: %s, written environment.NAME.", name, what))
		return nil, false
	}
	rng := a.Expr.Range()
	t, diags := hcl.AbsTraversalForExpr(a.Expr)
	var env string
	if !diags.HasErrors() && len(t) == 2 && t.RootName() == "environment" {
		if step, ok := t[1].(hcl.TraverseAttr); ok {
			env = step.Name
		}
	}
	if env == "" {
		l.diags = append(l.diags, errorf(&rng, "Invalid environment reference",
			"The argument %q must name an environment, written environment.NAME (for example environment.aws), not a string or other expression.",
			name))
		return nil, false
	}
	if _, ok := l.cfg.Environments[env]; !ok {
		names := sortedKeys(l.cfg.Environments)
		l.diags = append(l.diags, errorf(&rng, "Unknown environment",
			"There is no environment named %q.%s The declared environments are %s.",
			env, didYouMean(env, names), quotedList(names)))
		return nil, false
	}
	return a, true
}

// envName returns the environment an attribute checked by envRef names.
func (l *loader) envName(a *hcl.Attribute) string {
	t, _ := hcl.AbsTraversalForExpr(a.Expr)
	return t[1].(hcl.TraverseAttr).Name
}

// checkRole checks that environment env's provider can play role in a move
// of m's kind, according to its declared capabilities.
func (l *loader) checkRole(m *Move, a *hcl.Attribute, env string, role providers.Role) {
	f, ok := l.registry.Get(l.cfg.Environments[env].Provider)
	if !ok || f.Caps.Role(m.Kind).Can(role) {
		return // an unknown provider is reported at the environment
	}
	var able []string
	for _, n := range l.registry.Names() {
		if g, _ := l.registry.Get(n); g.Caps.Role(m.Kind).Can(role) {
			able = append(able, n)
		}
	}
	l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), fmt.Sprintf("Provider cannot be a %s for %s", role, m.Kind),
		"Environment %q uses the provider %q, which cannot be the %s of a %s move. Providers that can: %s.",
		env, f.Name, role, m.Kind, quotedList(able)))
}

// decodeStorageMove decodes a storage move's own arguments.
func (l *loader) decodeStorageMove(attrs hcl.Attributes) *StorageMove {
	s := &StorageMove{Verify: VerifyChecksum}
	s.Include, s.Exclude = l.globs(attrs)
	if a, ok := attrs["rename"]; ok {
		s.Rename, _ = l.stringMap(a)
		for from, to := range s.Rename {
			if from == "" || to == "" {
				l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid rename",
					"rename maps source bucket names to destination bucket names; neither may be empty."))
				break
			}
		}
	}
	if a, ok := attrs["verify"]; ok {
		if val, ok := l.evalAs(a, cty.String); ok && !val.IsNull() {
			switch v := val.AsString(); v {
			case VerifyChecksum, VerifySize:
				s.Verify = v
			default:
				l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid verify value",
					"verify is %q (compare content checksums, the default) or %q (compare sizes only), not %q.",
					VerifyChecksum, VerifySize, v))
			}
		}
	}
	return s
}

// decodeDNSMove decodes a dns move's own arguments.
func (l *loader) decodeDNSMove(attrs hcl.Attributes) *DNSMove {
	d := &DNSMove{}
	if a, ok := attrs["zones"]; ok {
		zones, _ := l.stringList(a)
		for i, z := range zones {
			z = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(z)), ".")
			if z == "" {
				l.diags = append(l.diags, errorf(ptr(elementRange(a.Expr, i)), "Invalid zone name",
					"A zone name must not be empty; write it like \"example.com\"."))
				continue
			}
			d.Zones = append(d.Zones, z)
		}
	}
	if a, ok := attrs["cutover_ttl"]; ok {
		if val, ok := l.evalAs(a, cty.Number); ok && !val.IsNull() {
			bf := val.AsBigFloat()
			ttl, acc := bf.Int64()
			if acc != big.Exact || ttl < 0 || ttl > maxCutoverTTL {
				l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid cutover_ttl",
					"cutover_ttl is a whole number of seconds from 1 to %d, or 0 for no TTL lowering; got %s.",
					maxCutoverTTL, bf.Text('f', -1)))
			} else {
				d.CutoverTTL = uint32(ttl)
			}
		}
	}
	return d
}

// globs decodes and checks the include and exclude glob lists.
func (l *loader) globs(attrs hcl.Attributes) (include, exclude []string) {
	decode := func(name string) []string {
		a, ok := attrs[name]
		if !ok {
			return nil
		}
		list, _ := l.stringList(a)
		for i, g := range list {
			if _, err := path.Match(g, ""); err != nil {
				l.diags = append(l.diags, errorf(ptr(elementRange(a.Expr, i)), "Invalid glob pattern",
					"%q in %s is not a valid glob (%s). Globs use * and ? as wildcards, [a-z] for ranges and \\ to escape.",
					g, name, err))
			}
		}
		return list
	}
	return decode("include"), decode("exclude")
}
