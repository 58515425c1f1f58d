package dns

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/providers"
)

// Kind is the dns kind.
const Kind = providers.KindDNS

// maxCutoverTTL is the largest TTL DNS allows (RFC 2181: 2^31 - 1).
const maxCutoverTTL = 1<<31 - 1

// Settings are a dns move's own arguments.
type Settings struct {
	Zones []string // zone names without trailing dot, lower case; empty = all
	// CutoverTTL, when > 0, lowers the source TTLs to this value in the
	// prepare phase (recorded and undoable).
	CutoverTTL uint32
	// Include and Exclude select zones by glob when Zones is empty.
	Include, Exclude []string
	// FlattenAlias writes alias sets the destination cannot hold as plain
	// sets of their targets' current values (see Translate).
	FlattenAlias bool
	// VerifyServers (host:port) are asked, at cutover, for every record
	// set; their answers must match the source's.
	VerifyServers []string
	// Resolver (host:port) is asked, at cutover, for the zone's DS and NS
	// records to check the registrar steps; empty: they are not checked.
	Resolver string
}

func settings(m *lang.Move) *Settings {
	if s, ok := m.Settings.(*Settings); ok && s != nil {
		return s
	}
	return &Settings{}
}

// Mover is the dns kind: zones and their record sets.
type Mover struct{}

// New returns the dns mover.
func New() Mover { return Mover{} }

var _ movers.Mover = Mover{}

// Kind returns "dns".
func (Mover) Kind() providers.Kind { return Kind }

// Description says what the kind moves.
func (Mover) Description() string {
	return "DNS zones and their record sets, translated through the destination's capabilities, with a TTL-staged cutover"
}

// Unit is what the kind counts: record sets, shown as records.
func (Mover) Unit() string { return "records" }

// MoveSchema lists a dns move's arguments.
func (Mover) MoveSchema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "zones", Type: cty.List(cty.String), Description: `zone names to move, like "example.com" (default: all)`},
		{Name: "cutover_ttl", Type: cty.Number, Description: "lower the source's TTLs to this many seconds before the cutover (recorded, undone by rollback)"},
		{Name: "include", Type: cty.List(cty.String), Description: "globs over source zone names (default: all)"},
		{Name: "exclude", Type: cty.List(cty.String), Description: "globs over source zone names to leave out"},
		{Name: "verify_servers", Type: cty.List(cty.String), Description: `the destination's servers ("host:port") the cutover asks for every record set before the name-server switch`},
		{Name: "resolver", Type: cty.String, Description: `a recursive resolver ("host:port") the cutover asks for the zone's NS and DS records to check the registrar steps`},
		{Name: "flatten_alias", Type: cty.Bool, Description: "write alias records the destination cannot hold as A/AAAA records of their targets' current addresses (they stop following the target)"},
	}}
}

// DecodeMove checks a dns move's arguments.
func (Mover) DecodeMove(a *lang.MoveArgs) any {
	s := &Settings{}
	s.Include, s.Exclude = a.Globs("include"), a.Globs("exclude")
	if a.Has("zones") && (a.Has("include") || a.Has("exclude")) {
		a.Errorf(a.Range("zones"), "Conflicting arguments",
			"zones names the zones to move; include and exclude select them by glob. Use one or the other.")
	}
	s.FlattenAlias, _ = a.Bool("flatten_alias")
	if r, ok := a.String("resolver"); ok {
		s.Resolver = strings.TrimSpace(r)
		if s.Resolver == "" {
			a.Errorf(a.Range("resolver"), "Invalid resolver", `A resolver is "host" or "host:port", like "192.0.2.53:53".`)
		}
	}
	servers, _ := a.Strings("verify_servers")
	for i, v := range servers {
		v = strings.TrimSpace(v)
		if v == "" {
			a.Errorf(a.ElementRange("verify_servers", i), "Invalid server", `A server is "host" or "host:port", like "ns1.example.net:53".`)
			continue
		}
		s.VerifyServers = append(s.VerifyServers, v)
	}
	zones, _ := a.Strings("zones")
	for i, z := range zones {
		z = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(z)), ".")
		if z == "" {
			a.Errorf(a.ElementRange("zones", i), "Invalid zone name",
				"A zone name must not be empty; write it like \"example.com\".")
			continue
		}
		s.Zones = append(s.Zones, z)
	}
	if bf, ok := a.Number("cutover_ttl"); ok {
		ttl, acc := bf.Int64()
		if acc != big.Exact || ttl < 0 || ttl > maxCutoverTTL {
			a.Errorf(a.Range("cutover_ttl"), "Invalid cutover_ttl",
				"cutover_ttl is a whole number of seconds from 1 to %d, or 0 for no TTL lowering; got %s.",
				maxCutoverTTL, bf.Text('f', -1))
		} else {
			s.CutoverTTL = uint32(ttl)
		}
	}
	return s
}

// Features describes a provider's DNS capabilities.
func (Mover) Features(c providers.Caps) string {
	d := c.DNS
	types := append([]string(nil), d.RecordTypes...)
	sort.Strings(types)
	text := "records " + strings.Join(types, " ")
	if len(types) == 0 {
		text = "records (none declared)"
	}
	text += "; " + movers.Features(movers.Feature{Name: "wildcards", OK: d.Wildcards},
		movers.Feature{Name: "routing policies", OK: d.Routing}, movers.Feature{Name: "alias records", OK: d.Alias})
	if d.MinTTL > 0 {
		text += fmt.Sprintf("; min TTL %d", d.MinTTL)
	}
	if d.OwnApex {
		text += "; apex SOA/NS are the provider's own (not copied)"
	}
	return text
}
