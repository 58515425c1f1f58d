package digitalocean_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean"
)

// TestDatabaseBlockErrors: every bad setting of the database block is an
// error naming its attribute, all of them at once.
func TestDatabaseBlockErrors(t *testing.T) {
	tests := []struct {
		name  string
		block map[string]cty.Value
		want  []string // attributes named, in order
	}{
		{"defaults", map[string]cty.Value{"name": cty.StringVal("shop-db")}, nil},
		{"all set", map[string]cty.Value{"name": cty.StringVal("shop-db"), "engine": cty.StringVal("pg"), "version": cty.StringVal("17"),
			"size": cty.StringVal("gd-2vcpu-8gb"), "nodes": cty.NumberIntVal(3), "database": cty.StringVal("shop")}, nil},
		{"unknown size", map[string]cty.Value{"name": cty.StringVal("shop-db"), "size": cty.StringVal("s-1vcpu-1gb")}, []string{"database.size"}},
		{"unknown version", map[string]cty.Value{"name": cty.StringVal("shop-db"), "version": cty.StringVal("11")}, []string{"database.version"}},
		{"another engine", map[string]cty.Value{"name": cty.StringVal("shop-db"), "engine": cty.StringVal("mysql")}, []string{"database.engine"}},
		{"many problems", map[string]cty.Value{"name": cty.StringVal("Shop_DB"), "nodes": cty.NumberFloatVal(1.5), "database": cty.StringVal("Bad Name")},
			[]string{"database.name", "database.nodes", "database.database"}},
		{"too many nodes", map[string]cty.Value{"name": cty.StringVal("shop-db"), "nodes": cty.NumberIntVal(4)}, []string{"database.nodes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := digitalocean.Factory().New().Configure(context.Background(), providers.Config{Env: "do", Value: cty.ObjectVal(map[string]cty.Value{
				"token": cty.StringVal("t"), "region": cty.StringVal("fra1"), "database": cty.ObjectVal(tc.block)})})
			var got []string
			for _, e := range unjoin(err) {
				var ae *providers.AttrError
				if !errors.As(e, &ae) {
					t.Fatalf("error %v names no attribute", e)
				}
				got = append(got, ae.Attr)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors about %v (%v); want %v", got, err, tc.want)
			}
		})
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestDatabaseBlockDiagnostics: validation reports a bad size as a
// diagnostic at the size attribute's own line.
func TestDatabaseBlockDiagnostics(t *testing.T) {
	dir := t.TempDir()
	src := `migration "m" {}

environment "do" {
  provider = "digitalocean"
  token    = "t"
  region   = "fra1"
  database {
    name    = "shop-db"
    version = "15"
    size    = "db-s-1vcpu-huge"
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &engine.Engine{Dir: dir, Registry: providers.NewRegistry(digitalocean.Factory()), Kinds: builtin.Registry(), Version: "test",
		Log: slog.New(slog.DiscardHandler)}
	_, diags := e.Load(context.Background())
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	if len(errs) != 1 || errs[0].Subject == nil {
		t.Fatalf("diagnostics %v; want one error with a range", diags)
	}
	d := errs[0]
	if d.Subject.Start.Line != 10 || !strings.Contains(d.Detail, "database.size") || !strings.Contains(d.Detail, "db-s-1vcpu-huge") {
		t.Errorf("diagnostic at line %d: %s: %s; want line 10 naming database.size", d.Subject.Start.Line, d.Summary, d.Detail)
	}
}
