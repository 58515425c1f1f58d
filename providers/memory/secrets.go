package memory

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/rehome/rehome/providers"
)

// maxSecretSize is AWS Secrets Manager's limit on a value, in bytes.
const maxSecretSize = 64 << 10

type secretVersion struct {
	id    string
	value []byte
}

type secret struct {
	versions []secretVersion // oldest first
	current  string
}

func (s *secret) version(id string) (secretVersion, bool) {
	for _, v := range s.versions {
		if v.id == id {
			return v, true
		}
	}
	return secretVersion{}, false
}

// validSecretName applies Secrets Manager's naming rules: 1 to 512
// characters, letters, digits and /_+=.@-.
func validSecretName(n string) bool {
	if n == "" || len(n) > 512 {
		return false
	}
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '/' || r == '_' || r == '+' || r == '=' || r == '.' || r == '@' || r == '-':
		default:
			return false
		}
	}
	return true
}

// ListSecrets returns the secrets' names and current versions, sorted.
func (p *Provider) ListSecrets(ctx context.Context) ([]providers.SecretMeta, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make([]providers.SecretMeta, 0, len(sp.secrets))
	for _, n := range sortedKeys(sp.secrets) {
		out = append(out, providers.SecretMeta{Name: n, Version: sp.secrets[n].current})
	}
	return out, nil
}

// GetSecret returns the current version of a secret; ErrNotFound when absent.
func (p *Provider) GetSecret(ctx context.Context, name string) (providers.Secret, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return providers.Secret{}, err
	}
	defer unlock()
	s, ok := sp.secrets[name]
	if !ok {
		return providers.Secret{}, fmt.Errorf("memory: secret %q: %w", name, providers.ErrNotFound)
	}
	v, _ := s.version(s.current)
	return providers.Secret{SecretMeta: providers.SecretMeta{Name: name, Version: v.id}, Value: slices.Clone(v.value)}, nil
}

// CheckSecret applies the name and size rules PutSecrets enforces.
func (p *Provider) CheckSecret(name string, value []byte) error {
	if !validSecretName(name) {
		return fmt.Errorf("name %q is not a valid secret name (1-512 of letters, digits and /_+=.@-)", name)
	}
	if len(value) > maxSecretSize {
		return fmt.Errorf("secret %q is larger than %d bytes", name, maxSecretSize)
	}
	return nil
}

// PutSecrets stores a new version of each secret and makes it current, all
// or none: a bad name or an oversized value refuses the whole call. It
// returns the new version ids by name.
func (p *Provider) PutSecrets(ctx context.Context, secrets []providers.Secret) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, s := range secrets {
		if !validSecretName(s.Name) {
			return nil, fmt.Errorf("memory: put secrets: name %q is not a valid secret name (1-512 of letters, digits and /_+=.@-)", s.Name)
		}
		if len(s.Value) > maxSecretSize {
			return nil, fmt.Errorf("memory: put secrets: secret %q is larger than %d bytes", s.Name, maxSecretSize)
		}
	}
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make(map[string]string, len(secrets))
	for _, s := range secrets {
		sp.nextVer[s.Name]++
		id := "v" + strconv.Itoa(sp.nextVer[s.Name])
		sec, ok := sp.secrets[s.Name]
		if !ok {
			sec = &secret{}
			sp.secrets[s.Name] = sec
		}
		sec.versions = append(sec.versions, secretVersion{id: id, value: slices.Clone(s.Value)})
		sec.current = id
		out[s.Name] = id
	}
	return out, nil
}

// DeleteSecrets removes the named secrets with all their versions; absent
// names are ignored.
func (p *Provider) DeleteSecrets(ctx context.Context, names []string) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	for _, n := range names {
		delete(sp.secrets, n)
	}
	return nil
}

// RestoreSecretVersion makes an earlier version of a secret current again
// (Secrets Manager moves the AWSCURRENT label); the versions after it are
// kept. ErrNotFound when the secret or the version is absent.
func (p *Provider) RestoreSecretVersion(ctx context.Context, name, version string) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s, ok := sp.secrets[name]
	if !ok {
		return fmt.Errorf("memory: restore secret %q: %w", name, providers.ErrNotFound)
	}
	if _, ok := s.version(version); !ok {
		return fmt.Errorf("memory: restore secret %q: version %q: %w", name, version, providers.ErrNotFound)
	}
	s.current = version
	return nil
}
