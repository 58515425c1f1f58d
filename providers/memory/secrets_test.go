package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/memory"
)

func sec(name, value string) providers.Secret {
	return providers.Secret{SecretMeta: providers.SecretMeta{Name: name}, Value: []byte(value)}
}

func value(t *testing.T, p *memory.Provider, name string) string {
	t.Helper()
	s, err := p.GetSecret(context.Background(), name)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return string(s.Value)
}

// TestSecretVersions: every put is a new version, the listing reports the
// current one, and RestoreSecretVersion makes an older one current.
func TestSecretVersions(t *testing.T) {
	ctx := context.Background()
	p := memory.NewStore().Env("e")
	vs, err := p.PutSecrets(ctx, []providers.Secret{sec("DB", "one"), sec("API", "a")})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"DB": "v1", "API": "v1"}, vs); d != "" {
		t.Errorf("first versions (-want +got):\n%s", d)
	}
	if vs, _ = p.PutSecrets(ctx, []providers.Secret{sec("DB", "two")}); vs["DB"] != "v2" {
		t.Errorf("second put gave %v", vs)
	}
	if vs, _ = p.PutSecrets(ctx, []providers.Secret{sec("DB", "two")}); vs["DB"] != "v3" {
		t.Errorf("an identical value is still a new version; got %v", vs)
	}
	list, err := p.ListSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]providers.SecretMeta{{Name: "API", Version: "v1"}, {Name: "DB", Version: "v3"}}, list); d != "" {
		t.Errorf("ListSecrets (-want +got):\n%s", d)
	}
	if err := p.RestoreSecretVersion(ctx, "DB", "v1"); err != nil {
		t.Fatal(err)
	}
	if got := value(t, p, "DB"); got != "one" {
		t.Errorf("after restoring v1, DB = %q", got)
	}
	if s, _ := p.GetSecret(ctx, "DB"); s.Version != "v1" {
		t.Errorf("GetSecret version = %q", s.Version)
	}
	if list, _ = p.ListSecrets(ctx); list[1].Version != "v1" {
		t.Errorf("listing after restore = %+v", list)
	}
	if err := p.RestoreSecretVersion(ctx, "DB", "v3"); err != nil || value(t, p, "DB") != "two" {
		t.Errorf("later versions are kept: err=%v", err)
	}
	if err := p.RestoreSecretVersion(ctx, "DB", "v9"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("restore unknown version: %v", err)
	}
	if err := p.RestoreSecretVersion(ctx, "NOPE", "v1"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("restore unknown secret: %v", err)
	}

	// Delete drops every version; ids are never reused afterwards.
	if err := p.DeleteSecrets(ctx, []string{"DB", "ABSENT"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetSecret(ctx, "DB"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if err := p.RestoreSecretVersion(ctx, "DB", "v1"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("restore a deleted secret: %v", err)
	}
	if vs, _ = p.PutSecrets(ctx, []providers.Secret{sec("DB", "again")}); vs["DB"] != "v4" {
		t.Errorf("re-created secret got version %v, want v4 (never reused)", vs)
	}
	if !memory.Factory().Caps.Secrets.Versioned {
		t.Error("Caps.Secrets.Versioned is false")
	}
}

// TestPutSecretsAllOrNothing: one bad secret refuses the whole call.
func TestPutSecretsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []providers.Secret{sec("", "x"), sec("has space", "x"), sec("semi;colon", "x"), sec(strings.Repeat("n", 513), "x"),
		sec("BIG", strings.Repeat("x", 64<<10+1))} {
		p := memory.NewStore().Env("e")
		if _, err := p.PutSecrets(ctx, []providers.Secret{sec("GOOD", "g"), bad}); err == nil {
			t.Errorf("put %.20q: no error", bad.Name)
		}
		if list, _ := p.ListSecrets(ctx); len(list) != 0 {
			t.Errorf("put %.20q stored %+v", bad.Name, list)
		}
	}
	p := memory.NewStore().Env("e")
	if _, err := p.PutSecrets(ctx, []providers.Secret{sec("path/to+key=x.y@z-1_", "ok")}); err != nil {
		t.Errorf("a name with every allowed character: %v", err)
	}
}

// TestSecretValueIsCopied: neither the caller's slice nor a returned one
// aliases the store.
func TestSecretValueIsCopied(t *testing.T) {
	ctx := context.Background()
	p := memory.NewStore().Env("e")
	in := []byte("secret")
	if _, err := p.PutSecrets(ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "K"}, Value: in}}); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	got, _ := p.GetSecret(ctx, "K")
	got.Value[1] = 'Y'
	if v := value(t, p, "K"); v != "secret" {
		t.Errorf("stored value changed to %q", v)
	}
}
