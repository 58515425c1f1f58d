package digitalocean

// DigitalOcean Secrets Manager (/v2/security/secrets through godo's
// client.Secrets): the digitalocean provider's providers.Secrets. A DO
// secret is a named container of key-value pairs in a region; rehome keeps
// each of its secrets in a container of the same name in the
// environment's region, under the one key "value". A container with other
// keys reads as the JSON object of its keys and values. Every write is a
// new version (numbered from 1), but the API gives no older version's
// values back, so an overwrite cannot be undone: Caps.Secrets.Versioned
// is false and the plan marks overwrites of foreign secrets irreversible.
// DeleteSecrets requests deletion (the service keeps the secret until its
// recovery window passes); writing a secret whose deletion was requested
// restores it first.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"

	"github.com/rehome/rehome/providers"
)

var (
	_ providers.Secrets       = (*Provider)(nil)
	_ providers.SecretChecker = (*Provider)(nil)
)

// valueKey is the key a rehome secret's value is kept under.
const valueKey = "value"

// maxSecretBytes is the service's limit on a secret's keys and values.
const maxSecretBytes = 64 << 10

func secretsCaps() providers.SecretsCaps {
	return providers.SecretsCaps{Versioned: false, EncryptedAtRest: true, MaxValueSize: maxSecretBytes - len(valueKey)}
}

// CheckSecret applies the service's rules: names of 1 to 255 letters,
// digits, '-' and '_'; at most 64 KiB.
func (p *Provider) CheckSecret(name string, value []byte) error {
	if name == "" || len(name) > 255 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return fmt.Errorf("secret name %q cannot be a DigitalOcean secret name (1 to 255 letters, digits, '-' and '_')", name)
	}
	if len(value)+len(valueKey) > maxSecretBytes {
		return fmt.Errorf("secret %q is %d bytes; a DigitalOcean secret holds at most %d", name, len(value), maxSecretBytes-len(valueKey))
	}
	return nil
}

// ListSecrets lists the region's secrets not scheduled for deletion, by
// name, with their version numbers.
func (p *Provider) ListSecrets(ctx context.Context) ([]providers.SecretMeta, error) {
	var out []providers.SecretMeta
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	for {
		l, resp, err := p.api.Secrets.List(ctx, opt)
		if err != nil {
			return nil, doErr("list secrets", err)
		}
		for _, s := range l.Secrets {
			if s.Region == p.region && s.DeleteRequestedAt == nil {
				out = append(out, providers.SecretMeta{Name: s.Name, Version: strconv.Itoa(s.Version)})
			}
		}
		if resp.Links == nil || resp.Links.IsLastPage() {
			return out, nil
		}
		page, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, fmt.Errorf("digitalocean: list secrets: %w", err)
		}
		opt.Page = page + 1
	}
}

// secret reads one secret; a secret whose deletion was requested is
// returned with gone set.
func (p *Provider) secret(ctx context.Context, name string) (s *godo.Secret, gone bool, err error) {
	s, _, err = p.api.Secrets.Get(ctx, name, p.region)
	if err != nil {
		return nil, false, doErr(fmt.Sprintf("secret %q", name), err)
	}
	return s, s.DeleteRequestedAt != nil, nil
}

// GetSecret reads one secret's current value.
func (p *Provider) GetSecret(ctx context.Context, name string) (providers.Secret, error) {
	s, gone, err := p.secret(ctx, name)
	if err != nil {
		return providers.Secret{}, err
	}
	if gone {
		return providers.Secret{}, fmt.Errorf("digitalocean: secret %q is scheduled for deletion: %w", name, providers.ErrNotFound)
	}
	out := providers.Secret{SecretMeta: providers.SecretMeta{Name: name, Version: strconv.Itoa(s.Version)}}
	if v, ok := s.Values[valueKey]; ok && len(s.Values) == 1 {
		out.Value = []byte(v)
	} else {
		out.Value, _ = json.Marshal(s.Values) // sorted keys
	}
	return out, nil
}

// PutSecrets creates each secret or writes a new version of it (after
// restoring one whose deletion was requested), one call each; the
// versions returned are the new version numbers.
func (p *Provider) PutSecrets(ctx context.Context, secrets []providers.Secret) (map[string]string, error) {
	versions := make(map[string]string, len(secrets))
	for _, s := range secrets {
		if err := p.CheckSecret(s.Name, s.Value); err != nil {
			return versions, fmt.Errorf("digitalocean: %w", err)
		}
		values := map[string]string{valueKey: string(s.Value)}
		cur, gone, err := p.secret(ctx, s.Name)
		var res *godo.SecretWriteResult
		switch {
		case errors.Is(err, providers.ErrNotFound):
			res, _, err = p.api.Secrets.Create(ctx, &godo.SecretCreateRequest{Name: s.Name, Region: p.region, Values: values})
			if err != nil {
				return versions, doErr(fmt.Sprintf("create secret %q", s.Name), err)
			}
		case err != nil:
			return versions, err
		default:
			if gone {
				if _, err := p.api.Secrets.Restore(ctx, s.Name, p.region); err != nil {
					return versions, doErr(fmt.Sprintf("restore secret %q", s.Name), err)
				}
			}
			res, _, err = p.api.Secrets.Update(ctx, s.Name, &godo.SecretUpdateRequest{Region: p.region, Version: cur.Version, Values: values})
			if err != nil {
				return versions, doErr(fmt.Sprintf("update secret %q", s.Name), err)
			}
		}
		versions[s.Name] = strconv.Itoa(res.Version)
	}
	return versions, nil
}

// DeleteSecrets requests the deletion of each named secret; absent ones
// are ignored.
func (p *Provider) DeleteSecrets(ctx context.Context, names []string) error {
	for _, n := range names {
		_, err := p.api.Secrets.Delete(ctx, n, p.region)
		if err != nil {
			if err := doErr(fmt.Sprintf("delete secret %q", n), err); !errors.Is(err, providers.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// discoverSecrets lists the region's secrets as inventory resources.
func (p *Provider) discoverSecrets(ctx context.Context) ([]providers.Resource, error) {
	list, err := p.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Resource, 0, len(list))
	for _, s := range list {
		out = append(out, providers.Resource{Kind: providers.KindSecrets, Type: providers.TypeSecret, ID: p.region + "/" + s.Name, Name: s.Name,
			Attrs: map[string]string{providers.AttrRegion: p.region, "version": s.Version}})
	}
	return out, nil
}
