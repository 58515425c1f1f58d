package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

func TestFactory(t *testing.T) {
	f := Factory()
	if f.Name != "local" || f.Description == "" || f.New == nil {
		t.Fatalf("factory = %+v", f)
	}
	if p := f.New(); p.Name() != "local" {
		t.Errorf("New().Name() = %q", p.Name())
	}
	for _, a := range []struct {
		name     string
		typ      cty.Type
		required bool
	}{
		{"path", cty.String, true},
		{"age_recipients", cty.List(cty.String), false},
		{"age_identity_file", cty.String, false},
		{"nameservers", cty.List(cty.String), false},
	} {
		got, ok := f.Schema.Attribute(a.name)
		if !ok || !got.Type.Equals(a.typ) || got.Required != a.required {
			t.Errorf("schema attribute %s = %+v, %v", a.name, got, ok)
		}
	}
	both := providers.Source | providers.Destination
	for _, k := range []providers.Kind{providers.KindStorage, providers.KindDNS, providers.KindSecrets} {
		if f.Caps.Role(k) != both {
			t.Errorf("role of %s = %v", k, f.Caps.Role(k))
		}
	}
	c := f.Caps
	if c.Storage.Metadata || c.Storage.Tags || c.Storage.ContentType || !c.Storage.FileKeys ||
		!c.DNS.OwnApex || !c.DNS.Wildcards || c.Secrets.Versioned || !c.Secrets.EncryptedAtRest {
		t.Errorf("caps = %+v", c)
	}
	for _, typ := range []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT", "SOA", "DS", "TLSA", "SSHFP", "NAPTR", "HTTPS", "SVCB"} {
		if !c.DNS.SupportsType(typ) {
			t.Errorf("record type %s missing from caps", typ)
		}
	}
}

func TestConfigure(t *testing.T) {
	idFile, recipient := ageKeys(t)
	_, recipient2 := ageKeys(t)
	secretKey, _ := os.ReadFile(idFile)
	keyLine := strings.TrimSpace(strings.Split(string(secretKey), "\n")[1])
	cfgDir := t.TempDir()
	writeFile(t, filepath.Join(cfgDir, "keys", "id.txt"), string(secretKey))
	writeFile(t, filepath.Join(cfgDir, "keys", "garbage.txt"), "AGE-SECRET-KEY-1NOTREALLYAKEY-hunter2\n")

	tests := []struct {
		name     string
		o        opts
		wantErr  string
		wantRoot string
	}{
		{name: "relative path", o: opts{dir: cfgDir, path: "env/here"}, wantRoot: filepath.Join(cfgDir, "env/here")},
		{name: "absolute path", o: opts{dir: cfgDir, path: "/srv/env"}, wantRoot: "/srv/env"},
		{name: "relative identity file", o: opts{dir: cfgDir, path: "e", identity: "keys/id.txt", recipients: []string{recipient, recipient2}},
			wantRoot: filepath.Join(cfgDir, "e")},
		{name: "missing path", o: opts{dir: cfgDir}, wantErr: "path: a directory is required"},
		{name: "bad recipient named by index", o: opts{dir: cfgDir, path: "e", recipients: []string{recipient, "age1notarecipient"}},
			wantErr: "age_recipients[1]: invalid age recipient"},
		{name: "identity pasted as recipient", o: opts{dir: cfgDir, path: "e", recipients: []string{keyLine}},
			wantErr: "age_recipients[0]: this is an age identity"},
		{name: "not an age recipient", o: opts{dir: cfgDir, path: "e", recipients: []string{"ssh-ed25519 AAAA"}},
			wantErr: "age_recipients[0]: not an age recipient"},
		{name: "missing identity file", o: opts{dir: cfgDir, path: "e", identity: "keys/nope.txt"},
			wantErr: "age_identity_file: read identity file"},
		{name: "malformed identity file", o: opts{dir: cfgDir, path: "e", identity: "keys/garbage.txt"},
			wantErr: "age_identity_file: parse identity file"},
		{name: "bad nameserver", o: opts{dir: cfgDir, path: "e", nameservers: []string{"ns1.example.net", "not a name"}},
			wantErr: "nameservers[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := configure(t, tc.o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Configure = %v, want error %q", err, tc.wantErr)
				}
				for _, secret := range []string{keyLine, "hunter2", "NOTREALLYAKEY"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q shows identity material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Configure: %v", err)
			}
			if p.Root() != tc.wantRoot {
				t.Errorf("root = %q, want %q", p.Root(), tc.wantRoot)
			}
		})
	}
}

func TestUnconfigured(t *testing.T) {
	p := New()
	if _, err := p.Buckets(ctx()); err == nil {
		t.Error("Buckets on an unconfigured provider succeeded")
	}
	if _, err := p.Discover(ctx(), providers.Scope{}); err == nil {
		t.Error("Discover on an unconfigured provider succeeded")
	}
}

func TestDiscover(t *testing.T) {
	p := newProvider(t, opts{})
	root := p.Root()
	zoneFile := filepath.Join(root, "zones", "example.com.zone")
	copyFile(t, filepath.Join("testdata", "example.com.zone"), zoneFile)
	copyFile(t, filepath.Join("testdata", "secrets.env"), filepath.Join(root, "secrets.env"))
	assets := filepath.Join(root, "buckets", "assets")
	writeFile(t, filepath.Join(assets, "css", "site.css"), "body{}")   // 6 bytes
	writeFile(t, filepath.Join(assets, "index.html"), "<html></html>") // 13 bytes
	writeFile(t, filepath.Join(root, "buckets", "empty", ".keep"), "") // 0 bytes
	os.MkdirAll(filepath.Join(root, "buckets", "really-empty", "sub"), 0o755)

	inv, err := p.Discover(ctx(), providers.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	res := func(kind providers.Kind, typ, id, name string, attrs map[string]string, u providers.Usage, refs ...string) providers.Resource {
		return providers.Resource{Env: "test", Provider: "local", Kind: kind, Type: typ, ID: id, Name: name, Attrs: attrs, Usage: u, References: refs}
	}
	// Discovery counts objects from folder entries; bytes are left to the
	// move's listing.
	bucket := func(name string, objects int64) providers.Resource {
		dir := filepath.Join(root, "buckets", name)
		return res(providers.KindStorage, "bucket", dir, name, map[string]string{"path": dir, "skipped_files": "0"},
			providers.Usage{Objects: objects, Unmeasured: true})
	}
	secret := func(name string) providers.Resource {
		f := filepath.Join(root, "secrets.env")
		return res(providers.KindSecrets, "secret", f+"#"+name, name, map[string]string{"file": f, "encrypted": "false"}, providers.Usage{})
	}
	want := &providers.Inventory{Env: "test", Provider: "local", Resources: []providers.Resource{
		res(providers.KindDNS, "zone", zoneFile, "example.com",
			map[string]string{"path": zoneFile, "nameservers": "ns1.example.net.,ns2.example.org.", "record_sets": "30"},
			providers.Usage{Records: 34},
			"d111111abcdef8.cloudfront.net", "mx.backup.example.org", "ns1.example.net", "ns2.example.org", "xmpp.example.org"),
		secret("API_KEY"), secret("DATABASE_URL"), secret("EMPTY"), secret("GREETING"), secret("MULTILINE"), secret("STRIPE_SECRET"),
		bucket("assets", 2), bucket("empty", 1), bucket("really-empty", 0),
	}}
	if diff := cmp.Diff(want, inv); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
	for _, r := range inv.Resources {
		for _, v := range plainFixture {
			if len(v) < 4 {
				continue
			}
			for _, a := range r.Attrs {
				if strings.Contains(a, v) {
					t.Errorf("%s attrs reveal a secret value", r.Name)
				}
			}
		}
	}

	t.Run("scope", func(t *testing.T) {
		inv, err := p.Discover(ctx(), providers.Scope{Kinds: []providers.Kind{providers.KindDNS}})
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.Resources) != 1 || inv.Resources[0].Type != "zone" {
			t.Errorf("dns-only discovery = %+v", inv.Resources)
		}
	})
	t.Run("missing PATH is empty", func(t *testing.T) {
		q := newProvider(t, opts{path: filepath.Join(t.TempDir(), "later")})
		inv, err := q.Discover(ctx(), providers.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&providers.Inventory{Env: "test", Provider: "local", Resources: []providers.Resource{}}, inv); diff != "" {
			t.Errorf("inventory (-want +got):\n%s", diff)
		}
	})
}

func TestDiscoverMissingSourcePath(t *testing.T) {
	p := newProvider(t, opts{})
	if err := os.RemoveAll(p.Root()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Discover(ctx(), providers.Scope{Source: true}); err == nil || !strings.Contains(err.Error(), p.Root()) {
		t.Fatalf("Discover of a missing source = %v; want an error naming %s", err, p.Root())
	}
	inv, err := p.Discover(ctx(), providers.Scope{})
	if err != nil || len(inv.Resources) != 0 {
		t.Fatalf("Discover of a missing destination = %+v, %v; want an empty inventory", inv, err)
	}
}
