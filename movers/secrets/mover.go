package secrets

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/providers"
)

// Kind is the secrets kind.
const Kind = providers.KindSecrets

// Settings are a secrets move's own arguments.
type Settings struct {
	Include []string // globs over secret names; empty = all
	Exclude []string
	// Rename maps source secret names to destination names (rename.go).
	Rename map[string]string
}

func settings(m *lang.Move) *Settings {
	if s, ok := m.Settings.(*Settings); ok && s != nil {
		return s
	}
	return &Settings{}
}

// Mover is the secrets kind.
type Mover struct{}

// New returns the secrets mover.
func New() Mover { return Mover{} }

var _ movers.Mover = Mover{}

// Kind returns "secrets".
func (Mover) Kind() providers.Kind { return Kind }

// Description says what the kind moves.
func (Mover) Description() string {
	return "secrets, compared in memory and never printed or stored; only names, versions and keyed digests are kept"
}

// Unit is what the kind counts.
func (Mover) Unit() string { return "secrets" }

// MoveSchema lists a secrets move's arguments.
func (Mover) MoveSchema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "include", Type: cty.List(cty.String), Description: "globs over secret names (default: all)"},
		{Name: "exclude", Type: cty.List(cty.String), Description: "globs over secret names to leave out"},
		{Name: "rename", Type: cty.Map(cty.String), Description: "source secret name to destination secret name"},
	}}
}

// DecodeMove checks a secrets move's arguments.
func (Mover) DecodeMove(a *lang.MoveArgs) any {
	return &Settings{Include: a.Globs("include"), Exclude: a.Globs("exclude"), Rename: decodeRename(a)}
}

// Features describes a provider's secret store.
func (Mover) Features(c providers.Caps) string {
	s := c.Secrets
	text := "not versioned (an overwrite cannot be undone)"
	if s.Versioned {
		text = "versioned (rollback restores an overwritten value)"
	}
	if s.EncryptedAtRest {
		text += ", encrypted at rest"
	}
	if s.MaxValueSize > 0 {
		text += "; max value " + format.Bytes(int64(s.MaxValueSize))
	}
	return text
}
