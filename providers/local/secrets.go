package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"filippo.io/age"

	"github.com/rehome/rehome/providers"
)

// maxSecretsFile bounds how much of a (decrypted) secrets file is read.
const maxSecretsFile = 64 << 20

// secretsFile says which secrets file the environment has.
type secretsFile struct {
	path      string // "" when there is none
	encrypted bool
}

func (p *Provider) plainPath() string { return filepath.Join(p.root, secretsPlain) }
func (p *Provider) agePath() string   { return filepath.Join(p.root, secretsAge) }

// locateSecrets finds PATH/secrets.env or PATH/secrets.env.age; both at
// once is ambiguous and an error.
func (p *Provider) locateSecrets() (secretsFile, error) {
	if err := p.configured(); err != nil {
		return secretsFile{}, err
	}
	plain, err := exists(p.plainPath())
	if err != nil {
		return secretsFile{}, fmt.Errorf("local: secrets: %w", err)
	}
	enc, err := exists(p.agePath())
	if err != nil {
		return secretsFile{}, fmt.Errorf("local: secrets: %w", err)
	}
	switch {
	case plain && enc:
		return secretsFile{}, fmt.Errorf("local: secrets: both %s and %s exist; remove one (rehome will not guess which is current)", p.plainPath(), p.agePath())
	case plain:
		return secretsFile{path: p.plainPath()}, nil
	case enc:
		return secretsFile{path: p.agePath(), encrypted: true}, nil
	}
	return secretsFile{}, nil
}

// loadSecrets reads the environment's secrets. No file means no secrets.
func (p *Provider) loadSecrets(ctx context.Context) (map[string]string, secretsFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, secretsFile{}, err
	}
	sf, err := p.locateSecrets()
	if err != nil || sf.path == "" {
		return map[string]string{}, sf, err
	}
	data, err := p.readSecretsFile(sf)
	if err != nil {
		return nil, sf, err
	}
	defer clear(data)
	m, err := parseDotenv(data)
	if err != nil {
		return nil, sf, fmt.Errorf("local: secrets: parse %s: %w", sf.path, err)
	}
	return m, sf, nil
}

func (p *Provider) readSecretsFile(sf secretsFile) ([]byte, error) {
	if sf.encrypted && len(p.identities) == 0 {
		return nil, fmt.Errorf("local: secrets: %s is age-encrypted: set age_identity_file to an identity that can decrypt it", sf.path)
	}
	f, err := os.Open(sf.path)
	if err != nil {
		return nil, fmt.Errorf("local: secrets: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if sf.encrypted {
		r, err = age.Decrypt(f, p.identities...)
		if err != nil {
			return nil, fmt.Errorf("local: secrets: decrypt %s with age_identity_file %s: %w", sf.path, p.identityLoc, err)
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSecretsFile+1))
	if err != nil {
		return nil, fmt.Errorf("local: secrets: read %s: %w", sf.path, err)
	}
	if len(data) > maxSecretsFile {
		clear(data)
		return nil, fmt.Errorf("local: secrets: %s is larger than %d bytes", sf.path, maxSecretsFile)
	}
	return data, nil
}

// ListSecrets returns the secret names, sorted; Version is always "".
func (p *Provider) ListSecrets(ctx context.Context) ([]providers.SecretMeta, error) {
	m, _, err := p.loadSecrets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]providers.SecretMeta, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, providers.SecretMeta{Name: k})
	}
	return out, nil
}

// GetSecret returns one secret; ErrNotFound when absent.
func (p *Provider) GetSecret(ctx context.Context, name string) (providers.Secret, error) {
	m, sf, err := p.loadSecrets(ctx)
	if err != nil {
		return providers.Secret{}, err
	}
	v, ok := m[name]
	if !ok {
		if sf.path == "" {
			return providers.Secret{}, fmt.Errorf("local: secret %q: %s: %w", name, p.Where(providers.KindSecrets, ""), providers.ErrNotFound)
		}
		return providers.Secret{}, fmt.Errorf("local: secret %q: not in %s: %w", name, sf.path, providers.ErrNotFound)
	}
	return providers.Secret{SecretMeta: providers.SecretMeta{Name: name}, Value: []byte(v)}, nil
}

// writableSecrets loads the current encrypted secrets for a rewrite,
// refusing when the rewrite could not be encrypted or would sit next to a
// plaintext file.
func (p *Provider) writableSecrets(ctx context.Context) (map[string]string, error) {
	if err := p.configured(); err != nil {
		return nil, err
	}
	if len(p.recipients) == 0 {
		return nil, fmt.Errorf("local: secrets: no age_recipients configured for environment %q; rehome never writes secrets unencrypted", p.env)
	}
	if ok, err := exists(p.plainPath()); err != nil || ok {
		if err == nil {
			err = fmt.Errorf("plaintext %s exists; writing %s next to it would make the environment ambiguous (move or encrypt it first)", p.plainPath(), p.agePath())
		}
		return nil, fmt.Errorf("local: secrets: %w", err)
	}
	m, _, err := p.loadSecrets(ctx)
	if err != nil {
		return nil, fmt.Errorf("local: secrets: read the existing %s before merging: %w", p.agePath(), err)
	}
	return m, nil
}

// storeSecrets encrypts m to the recipients and atomically replaces
// PATH/secrets.env.age (mode 0600); an empty m removes the file.
func (p *Provider) storeSecrets(m map[string]string) error {
	if len(m) == 0 {
		if err := os.Remove(p.agePath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("local: secrets: remove %s: %w", p.agePath(), err)
		}
		return nil
	}
	plain, err := encodeDotenv(m)
	if err != nil {
		return fmt.Errorf("local: secrets: encode %s: %w", p.agePath(), err)
	}
	defer clear(plain)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, p.recipients...)
	if err != nil {
		return fmt.Errorf("local: secrets: encrypt %s to age_recipients: %w", p.agePath(), err)
	}
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("local: secrets: encrypt %s: %w", p.agePath(), err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("local: secrets: encrypt %s: %w", p.agePath(), err)
	}
	if err := writeFileAtomic(p.agePath(), buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("local: secrets: write %s: %w", p.agePath(), err)
	}
	return nil
}

// WriteReady reports why secrets cannot be written here: no
// age_recipients, or a plaintext secrets.env in the way.
func (p *Provider) WriteReady() error {
	if err := p.configured(); err != nil {
		return err
	}
	if len(p.recipients) == 0 {
		return &providers.AttrError{Attr: "age_recipients", Err: fmt.Errorf(
			"environment %q has no age_recipients, and rehome never writes secrets unencrypted: list the age recipients (age1...) to encrypt to", p.env)}
	}
	if ok, err := exists(p.plainPath()); err != nil || ok {
		if err == nil {
			err = fmt.Errorf("plaintext %s exists; writing %s next to it would make the environment ambiguous: move or encrypt it first", p.plainPath(), p.agePath())
		}
		return err
	}
	return nil
}

// ReadReady reports why secrets written here cannot be read back: no
// age_identity_file, or one holding no identity for any of age_recipients.
func (p *Provider) ReadReady() error {
	if err := p.configured(); err != nil {
		return err
	}
	if len(p.identities) == 0 {
		return &providers.AttrError{Attr: "age_identity_file", Err: fmt.Errorf(
			"environment %q has no age_identity_file, so rehome cannot decrypt what it writes to verify it: set age_identity_file to a file holding the identity of one of its age_recipients", p.env)}
	}
	if len(p.recipients) == 0 {
		return nil // nothing can be written: WriteReady says so
	}
	mine := map[string]bool{}
	for _, id := range p.identities {
		if x, ok := id.(*age.X25519Identity); ok {
			mine[x.Recipient().String()] = true
		} else {
			return nil // an identity whose recipient cannot be told (a passphrase, a plugin): decryption will say
		}
	}
	for _, r := range p.recipients {
		if x, ok := r.(*age.X25519Recipient); !ok || mine[x.String()] {
			return nil
		}
	}
	return &providers.AttrError{Attr: "age_identity_file", Err: fmt.Errorf(
		"the identities in %s belong to none of environment %q's age_recipients, so rehome could not decrypt what it writes to verify it: use the identity of one of the recipients", p.identityLoc, p.env)}
}

// CheckSecret reports whether a secret can be written here: its name must
// be a dotenv key and its value must survive a dotenv round trip.
func (p *Provider) CheckSecret(name string, value []byte) error {
	if !validSecretName(name) {
		return fmt.Errorf("secret name %q cannot be a dotenv key (letters, digits, '_' and '.' only)", name)
	}
	_, err := encodeValue(name, string(value), "REHOME_EMPTY")
	return err
}

// PutSecrets merges secrets into PATH/secrets.env.age and rewrites it,
// encrypted to age_recipients. It refuses without recipients (rehome never
// writes secrets in the clear) and when a plaintext secrets.env exists.
// Versions are "" (the file keeps no versions).
func (p *Provider) PutSecrets(ctx context.Context, secrets []providers.Secret) (map[string]string, error) {
	p.secretMu.Lock()
	defer p.secretMu.Unlock()
	m, err := p.writableSecrets(ctx)
	if err != nil {
		return nil, err
	}
	versions := make(map[string]string, len(secrets))
	for _, s := range secrets {
		if !validSecretName(s.Name) {
			return nil, fmt.Errorf("local: secrets: secret name %q cannot be a dotenv key (letters, digits, '_' and '.' only)", s.Name)
		}
		m[s.Name] = string(s.Value)
		versions[s.Name] = ""
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.storeSecrets(m); err != nil {
		return nil, err
	}
	p.log.DebugContext(ctx, "local: wrote secrets", "file", p.agePath(), "put", len(secrets), "total", len(m))
	return versions, nil
}

// DeleteSecrets removes the named secrets (absent ones are ignored) and
// removes the file when none remain.
func (p *Provider) DeleteSecrets(ctx context.Context, names []string) error {
	p.secretMu.Lock()
	defer p.secretMu.Unlock()
	cur, _, err := p.loadSecrets(ctx)
	if err != nil {
		return err
	}
	hit := false
	for _, n := range names {
		if _, ok := cur[n]; ok {
			hit = true
		}
	}
	if !hit {
		return nil
	}
	m, err := p.writableSecrets(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		delete(m, n)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.storeSecrets(m)
}

func (p *Provider) discoverSecrets(ctx context.Context) ([]providers.Resource, error) {
	m, sf, err := p.loadSecrets(ctx)
	if err != nil {
		return nil, err
	}
	var out []providers.Resource
	for _, k := range slices.Sorted(maps.Keys(m)) {
		enc := "false"
		if sf.encrypted {
			enc = "true"
		}
		out = append(out, providers.Resource{
			Kind:  providers.KindSecrets,
			Type:  "secret",
			ID:    sf.path + "#" + k,
			Name:  k,
			Attrs: map[string]string{"file": sf.path, "encrypted": enc},
		})
	}
	return out, nil
}
