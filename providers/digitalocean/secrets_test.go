package digitalocean_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
)

func doSecrets(t *testing.T) (*digitalocean.Provider, *dofake.Secrets, *godo.Client) {
	t.Helper()
	fake := dofake.NewSecrets("tok")
	mux := http.NewServeMux()
	mux.Handle("/v2/account", dofake.API("tok", "uuid"))
	mux.Handle("/v2/security/", fake)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p := digitalocean.Factory().New().(*digitalocean.Provider)
	v := cty.ObjectVal(map[string]cty.Value{"token": cty.StringVal("tok"), "region": cty.StringVal("fra1"), "endpoint": cty.StringVal(srv.URL)})
	if err := p.Configure(t.Context(), providers.Config{Env: "do", Value: v}); err != nil {
		t.Fatal(err)
	}
	c, err := godo.New(srv.Client(), godo.SetBaseURL(srv.URL), godo.SetRequestHeaders(map[string]string{"Authorization": "Bearer tok"}))
	if err != nil {
		t.Fatal(err)
	}
	return p, fake, c
}

func status(resp *godo.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func TestSecretsFake(t *testing.T) {
	_, _, c := doSecrets(t)
	ctx := t.Context()
	tests := []struct {
		name string
		call func() (*godo.Response, error)
		want int
	}{
		{"create", func() (*godo.Response, error) {
			_, r, err := c.Secrets.Create(ctx, &godo.SecretCreateRequest{Name: "db", Region: "fra1", Values: map[string]string{"value": "x"}})
			return r, err
		}, 201},
		{"a taken name", func() (*godo.Response, error) {
			_, r, err := c.Secrets.Create(ctx, &godo.SecretCreateRequest{Name: "db", Region: "fra1", Values: map[string]string{"value": "y"}})
			return r, err
		}, 409},
		{"a bad name", func() (*godo.Response, error) {
			_, r, err := c.Secrets.Create(ctx, &godo.SecretCreateRequest{Name: "a/b", Region: "fra1", Values: map[string]string{"value": "y"}})
			return r, err
		}, 422},
		{"a stale version", func() (*godo.Response, error) {
			_, r, err := c.Secrets.Update(ctx, "db", &godo.SecretUpdateRequest{Region: "fra1", Version: 7, Values: map[string]string{"value": "z"}})
			return r, err
		}, 409},
		{"update", func() (*godo.Response, error) {
			_, r, err := c.Secrets.Update(ctx, "db", &godo.SecretUpdateRequest{Region: "fra1", Version: 1, Values: map[string]string{"value": "z"}})
			return r, err
		}, 200},
		{"missing", func() (*godo.Response, error) {
			_, r, err := c.Secrets.Get(ctx, "nope", "fra1")
			return r, err
		}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.call()
			if got := status(r); got != tt.want {
				t.Errorf("status %d (%v), want %d", got, err, tt.want)
			}
		})
	}
	vs, _, err := c.Secrets.ListVersions(ctx, "db", "fra1")
	if err != nil || len(vs) != 2 {
		t.Errorf("versions %v %v, want 2", vs, err)
	}
	bad, _ := godo.New(http.DefaultClient, godo.SetBaseURL(c.BaseURL.String()))
	if _, r, _ := bad.Secrets.List(ctx, nil); status(r) != 401 {
		t.Errorf("without a token: %d, want 401", status(r))
	}
}

func TestSecretsStore(t *testing.T) {
	p, fake, _ := doSecrets(t)
	ctx := t.Context()
	put := func(name, v string) string {
		t.Helper()
		vs, err := p.PutSecrets(ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: name}, Value: []byte(v)}})
		if err != nil {
			t.Fatal(err)
		}
		return vs[name]
	}
	if v := put("DB_URL", "postgres://a"); v != "1" {
		t.Errorf("first version %q", v)
	}
	if v := put("DB_URL", "postgres://b"); v != "2" {
		t.Errorf("second version %q", v)
	}
	for i := range 205 { // more than one page of the list
		put("k"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+"-"+string(rune('a'+i/26)), "v")
	}
	list, err := p.ListSecrets(ctx)
	if err != nil || len(list) < 100 {
		t.Fatalf("listed %d (%v)", len(list), err)
	}
	s, err := p.GetSecret(ctx, "DB_URL")
	if err != nil || string(s.Value) != "postgres://b" || s.Version != "2" {
		t.Errorf("%q %q %v", s.Value, s.Version, err)
	}
	if err := p.DeleteSecrets(ctx, []string{"DB_URL", "absent"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetSecret(ctx, "DB_URL"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("after a delete request: %v", err)
	}
	if v := put("DB_URL", "postgres://c"); v != "3" { // restored, then a new version
		t.Errorf("a write after the delete request: version %q", v)
	}
	fake.Purge()
	if err := p.CheckSecret("/app/x", []byte("v")); err == nil || !strings.Contains(err.Error(), "/app/x") {
		t.Errorf("CheckSecret of a path: %v", err)
	}
	if err := p.CheckSecret("ok", make([]byte, 70000)); err == nil {
		t.Error("CheckSecret took 70,000 bytes")
	}
}
