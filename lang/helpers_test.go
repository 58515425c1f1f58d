package lang_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/providers"
)

// testVersion is the rehome version tests load configurations with.
const testVersion = "0.5.0"

// fakeProvider satisfies providers.Provider; lang never calls it.
type fakeProvider struct{ name string }

func (p fakeProvider) Name() string                                    { return p.name }
func (fakeProvider) Configure(context.Context, providers.Config) error { return nil }
func (fakeProvider) Discover(context.Context, providers.Scope) (*providers.Inventory, error) {
	return nil, nil
}

func factory(name string, schema providers.Schema, kinds map[providers.Kind]providers.Role) providers.Factory {
	return providers.Factory{
		Name:   name,
		Schema: schema,
		Caps:   providers.Caps{Kinds: kinds},
		New:    func() providers.Provider { return fakeProvider{name} },
	}
}

const both = providers.Source | providers.Destination

// testRegistry holds fake providers with schemas shaped like the real ones.
func testRegistry() *providers.Registry {
	url := providers.Schema{Attributes: []providers.Attribute{{Name: "url", Type: cty.String, Required: true}}}
	return providers.NewRegistry(
		factory("local", providers.Schema{Attributes: []providers.Attribute{
			{Name: "path", Type: cty.String, Required: true},
			{Name: "age_recipients", Type: cty.List(cty.String)},
			{Name: "age_identity_file", Type: cty.String},
			{Name: "nameservers", Type: cty.List(cty.String)},
		}}, map[providers.Kind]providers.Role{
			providers.KindStorage: both,
			providers.KindSecrets: both,
			providers.KindQueue:   both,
			providers.KindDNS:     providers.Destination,
		}),
		factory("aws", providers.Schema{Attributes: []providers.Attribute{
			{Name: "region", Type: cty.String, Required: true},
			{Name: "endpoints", Type: cty.Map(cty.String)},
		}}, map[providers.Kind]providers.Role{
			providers.KindStorage:  both,
			providers.KindDNS:      both,
			providers.KindSecrets:  both,
			providers.KindQueue:    both,
			providers.KindDatabase: providers.Source,
		}),
		factory("hcloud", providers.Schema{
			Attributes: []providers.Attribute{
				{Name: "token", Type: cty.String, Sensitive: true},
				{Name: "location", Type: cty.String},
			},
			Blocks: []providers.Block{{Name: "object_storage", Schema: providers.Schema{
				Attributes: []providers.Attribute{{Name: "endpoint", Type: cty.String}},
			}}},
		}, map[providers.Kind]providers.Role{
			providers.KindStorage: both,
			providers.KindDNS:     both,
		}),
		factory("mysql", url, map[providers.Kind]providers.Role{providers.KindDatabase: both}),
		factory("postgres", url, map[providers.Kind]providers.Role{providers.KindDatabase: both}),
	)
}

// testKind is a kind of move only these tests know, its arguments lists
// of strings (like a database move's databases).
type testKind struct{ args []string }

func (k testKind) MoveSchema() providers.Schema {
	var s providers.Schema
	for _, n := range k.args {
		s.Attributes = append(s.Attributes, providers.Attribute{Name: n, Type: cty.List(cty.String)})
	}
	return s
}

func (k testKind) DecodeMove(a *lang.MoveArgs) any {
	out := map[string][]string{}
	for _, n := range k.args {
		if v, ok := a.Strings(n); ok {
			out[n] = v
		}
	}
	return out
}

// testKinds are the built-in kinds plus database and queue kinds of the
// tests' own, as lang.Kinds.
type testKinds struct {
	m     map[providers.Kind]lang.MoveKind
	order []providers.Kind
}

func (k testKinds) MoveKind(n providers.Kind) (lang.MoveKind, bool) { m, ok := k.m[n]; return m, ok }
func (k testKinds) KindNames() []providers.Kind                     { return k.order }

func newTestKinds() testKinds {
	k := testKinds{m: map[providers.Kind]lang.MoveKind{}}
	reg := builtin.Registry()
	for _, n := range reg.KindNames() {
		m, _ := reg.MoveKind(n)
		k.m[n], k.order = m, append(k.order, n)
	}
	k.m["database"], k.m["queue"] = testKind{[]string{"databases"}}, testKind{[]string{"include", "exclude"}}
	k.order = append(k.order, "database", "queue")
	return k
}

// envFunc returns a Getenv over a fixed map.
func envFunc(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// testOptions are the options fixtures load with.
func testOptions() lang.Options {
	return lang.Options{
		Registry: testRegistry(),
		Kinds:    newTestKinds(),
		Getenv: envFunc(map[string]string{
			"HCLOUD_TOKEN":     "hc-token-123",
			"ORDERS_MYSQL_URL": "mysql://u@db/orders",
			"ORDERS_PG_URL":    "postgres://u@pg/orders",
			"REHOME_TEST_SET":  "from-env",
		}),
		Version: testVersion,
	}
}

// writeDir writes files into a new temporary directory and returns it.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoad loads dir and fails the test on any error diagnostic.
func mustLoad(t *testing.T, dir string, opts lang.Options) *lang.Config {
	t.Helper()
	cfg, diags := lang.Load(dir, opts)
	if diags.HasErrors() {
		t.Fatalf("Load(%s): unexpected errors:\n%s", dir, diagText(cfg, diags))
	}
	return cfg
}

// diagText renders diags as the CLI would, for failure messages.
func diagText(cfg *lang.Config, diags hcl.Diagnostics) string {
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	var b strings.Builder
	_ = lang.WriteDiagnostics(&b, files, diags, false, 0)
	return b.String()
}
