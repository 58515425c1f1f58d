package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Config is a loaded, validated configuration directory.
type Config struct {
	// Dir is the configuration directory (absolute).
	Dir string
	// Files holds each parsed file's source by name, for diagnostics.
	Files map[string]*hcl.File
	// Hash is a digest of the configuration files and the non-sensitive
	// variable values; a saved plan records it to detect staleness.
	Hash string

	Migration *Migration
	Variables map[string]*Variable
	// Locals are the evaluated local values; those derived from sensitive
	// variables carry SensitiveMark.
	Locals       map[string]cty.Value
	Environments map[string]*Environment
	// Moves in file order.
	Moves []*Move
	Audit *Audit
	// Cost is the cost block (nil when there is none).
	Cost *Cost
	// Usage are the usage blocks (monthly requests, queries, transfer
	// per resource), which package cost decodes.
	Usage []*hcl.Block
}

// Migration is the migration block.
type Migration struct {
	Name            string
	Description     string
	RequiredVersion string
	// StatePath is the state directory, absolute (default Dir/.rehome/state).
	StatePath string
	DeclRange hcl.Range
}

// Variable is a declared input variable with its resolved value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	// Default is cty.NilVal when the variable has none (it is required).
	Default   cty.Value
	Sensitive bool
	// Value is the resolved value (-var, -var-file, *.auto.rehomevars,
	// REHOME_VAR_name, default, in decreasing precedence). A sensitive
	// variable's Value carries SensitiveMark.
	Value cty.Value
	// Source says where Value came from: "default", "REHOME_VAR_name", a
	// variables file name, or "-var".
	Source    string
	DeclRange hcl.Range
}

// Environment is an environment block, its provider attributes decoded
// against the provider's schema.
type Environment struct {
	Name     string
	Provider string
	// Value is an object conforming to the provider's Schema, unmarked.
	Value cty.Value
	// Sensitive lists, sorted, the attributes whose values are sensitive
	// (by schema or because they came from a sensitive variable); never
	// print them. Attributes of nested blocks are dotted paths
	// ("object_storage.secret_key").
	Sensitive []string
	DeclRange hcl.Range
	// AttrRanges locate the block's attributes (their values), nested
	// blocks by name and their attributes as "block.attr", for diagnostics
	// about them found later (a provider rejecting a value when it is
	// configured).
	AttrRanges map[string]hcl.Range
}

// Move is a move block.
type Move struct {
	Kind providers.Kind
	Name string
	From string // environment name
	To   string // environment name
	// Acknowledge lists audit finding ids the user accepts.
	Acknowledge []string
	// Overwrite allows replacing destination items rehome did not create;
	// the plan shows each and the journal keeps what rollback restores.
	Overwrite bool
	DeclRange hcl.Range
	// Settings are the kind's own arguments as its MoveKind decoded them
	// (for example *storage.Settings); nil when the kind takes none.
	Settings any
}

// Addr is the move's address, e.g. move.storage.assets.
func (m *Move) Addr() string { return "move." + string(m.Kind) + "." + m.Name }

// Audit is the audit block.
type Audit struct {
	// Scan lists directories (absolute) to scan for references to source
	// resources.
	Scan []string
	// Rules is the user's rules file (absolute), added to the built-in
	// scan rules; "" when none.
	Rules      string
	RulesRange hcl.Range
	DeclRange  hcl.Range
}
