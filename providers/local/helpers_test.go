package local

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// opts are the environment attributes of a test provider; zero values are
// null attributes.
type opts struct {
	path        string // default: a new temp dir
	dir         string // cfg.Dir
	recipients  []string
	identity    string
	nameservers []string
}

func strList(xs []string) cty.Value {
	if xs == nil {
		return cty.NullVal(cty.List(cty.String))
	}
	if len(xs) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vs := make([]cty.Value, len(xs))
	for i, x := range xs {
		vs[i] = cty.StringVal(x)
	}
	return cty.ListVal(vs)
}

func strVal(s string) cty.Value {
	if s == "" {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(s)
}

func (o opts) value() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"path":              cty.StringVal(o.path),
		"age_recipients":    strList(o.recipients),
		"age_identity_file": strVal(o.identity),
		"nameservers":       strList(o.nameservers),
	})
}

// fixedNow is the clock of test providers.
var fixedNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func configure(t *testing.T, o opts) (*Provider, error) {
	t.Helper()
	p := New()
	p.now = func() time.Time { return fixedNow }
	err := p.Configure(context.Background(), providers.Config{
		Env: "test", Dir: o.dir, Value: o.value(), Logger: slog.New(slog.DiscardHandler),
	})
	return p, err
}

func newProvider(t *testing.T, o opts) *Provider {
	t.Helper()
	if o.path == "" {
		o.path = t.TempDir()
	}
	p, err := configure(t, o)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return p
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, string(b))
}

// checkZone runs named-checkzone on a zone file. It fails (not skips) when
// the tool is missing: CI installs bind9-utils. -i local keeps the
// integrity checks on in-zone data (those that fail a load) and skips the
// lookups of out-of-zone names, which only warn and would reach the network.
func checkZone(t *testing.T, zone, file string) {
	t.Helper()
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Fatalf("named-checkzone is not installed; these tests need it (apt-get install -y bind9-utils): %v", err)
	}
	out, err := exec.Command(bin, "-i", "local", zone, file).CombinedOutput()
	if err != nil {
		data, _ := os.ReadFile(file)
		t.Fatalf("named-checkzone %s %s: %v\n%s\nfile:\n%s", zone, file, err, out, data)
	}
}

func ctx() context.Context { return context.Background() }
