package planner

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/rehome/rehome/providers"
)

// SecretDiffInput parameterises DiffSecrets.
type SecretDiffInput struct {
	Src, Dst         providers.Secrets
	Include, Exclude []string
	Records          map[string]SecretRecord
	// DigestKey keys the digests records keep of values rehome wrote
	// (SecretDigest); nil before rehome has written any secret.
	DigestKey []byte
	Overwrite bool
}

// SecretChange is one secret to write. It carries no value: the executor
// reads the value again when it writes, so values never enter a plan.
type SecretChange struct {
	Name    string
	Create  bool // absent at the destination
	Replace bool // foreign value replaced (overwrite on)
	// Confirm: the destination already holds the source's value from an
	// interrupted write; it is recorded as rehome's, not written again.
	Confirm bool
	// DstVersion is the destination's version before the write.
	DstVersion string
}

// SecretDiff compares the selected source secrets with the destination.
type SecretDiff struct {
	Changes   []SecretChange
	Unchanged []string
	Conflicts []string
	Skipped   []string
	Selected  int
	// Gone are secrets rehome created whose source secret is gone; they
	// are left at the destination (secrets are not removed automatically).
	Gone []string
}

// DiffSecrets reads values on both sides, compares them in memory and
// forgets them.
func DiffSecrets(ctx context.Context, in SecretDiffInput) (*SecretDiff, error) {
	src, err := in.Src.ListSecrets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list source secrets: %w", err)
	}
	dst, err := in.Dst.ListSecrets(ctx)
	if err != nil {
		return nil, fmt.Errorf("list destination secrets: %w", err)
	}
	dstVer := map[string]string{}
	for _, m := range dst {
		dstVer[m.Name] = m.Version
	}
	d := &SecretDiff{}
	inSource := map[string]bool{}
	for _, m := range src {
		inSource[m.Name] = true
	}
	for n, r := range in.Records {
		if _, there := dstVer[n]; there && r.Created && r.State == ItemDone && !inSource[n] {
			d.Gone = append(d.Gone, n)
		}
	}
	sort.Strings(d.Gone)
	for _, m := range src {
		if !MatchNames(m.Name, in.Include, in.Exclude) {
			continue
		}
		d.Selected++
		ver, exists := dstVer[m.Name]
		if !exists {
			d.Changes = append(d.Changes, SecretChange{Name: m.Name, Create: true})
			continue
		}
		srcVal, dstVal, err := readBoth(ctx, in.Src, in.Dst, m.Name)
		if err != nil {
			return nil, err
		}
		rec, has := in.Records[m.Name]
		pending := has && rec.State != ItemDone
		if bytes.Equal(srcVal, dstVal) {
			if pending {
				// An interrupted write that landed: to be recorded, not
				// rewritten.
				d.Changes = append(d.Changes, SecretChange{Name: m.Name, Confirm: true, DstVersion: ver})
				continue
			}
			d.Unchanged = append(d.Unchanged, m.Name)
			continue
		}
		dig := SecretDigest(in.DigestKey, dstVal)
		ours := has && (rec.Owns(ver, dig) || rec.Landed(dig))
		if !ours && !in.Overwrite {
			d.Conflicts = append(d.Conflicts, m.Name)
			continue
		}
		d.Changes = append(d.Changes, SecretChange{Name: m.Name, Replace: !ours, DstVersion: ver})
	}
	return d, nil
}

// without returns the diff with the named secrets left out (acknowledged
// findings): not changed, not conflicts, listed as skipped. It saves
// reading every value again.
func (d *SecretDiff) without(skip map[string]bool) *SecretDiff {
	out := *d
	out.Changes, out.Conflicts, out.Skipped = nil, nil, append([]string(nil), d.Skipped...)
	for _, c := range d.Changes {
		if skip[c.Name] {
			out.Skipped = append(out.Skipped, c.Name)
		} else {
			out.Changes = append(out.Changes, c)
		}
	}
	for _, n := range d.Conflicts {
		if skip[n] {
			out.Skipped = append(out.Skipped, n)
		} else {
			out.Conflicts = append(out.Conflicts, n)
		}
	}
	sort.Strings(out.Skipped)
	return &out
}

// readBoth reads a secret's value on both sides (nil where absent).
func readBoth(ctx context.Context, src, dst providers.Secrets, name string) ([]byte, []byte, error) {
	a, err := src.GetSecret(ctx, name)
	if err != nil {
		return nil, nil, fmt.Errorf("read source secret %q: %w", name, err)
	}
	b, err := dst.GetSecret(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return a.Value, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read destination secret %q: %w", name, err)
	}
	return a.Value, b.Value, nil
}

// Progress-store names of the key for secret digests.
const (
	metaScope    = "meta"
	digestKeyKey = "secret-digest-key"
)

// SecretDigestKey reads the state's key for secret digests; nil when none
// exists yet.
func SecretDigestKey(ctx context.Context, pr ProgressReader) ([]byte, error) {
	keys, err := LoadRecords[[]byte](ctx, pr, metaScope)
	if err != nil {
		return nil, err
	}
	return keys[digestKeyKey], nil
}

// ProgressWriter stores a record (state.Progress).
type ProgressWriter interface {
	ProgressReader
	Put(ctx context.Context, scope, key string, v any) error
}

// EnsureSecretDigestKey returns the state's key for secret digests,
// creating a random one on first use.
func EnsureSecretDigestKey(ctx context.Context, pw ProgressWriter) ([]byte, error) {
	key, err := SecretDigestKey(ctx, pw)
	if err != nil || key != nil {
		return key, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make secret digest key: %w", err)
	}
	return key, pw.Put(ctx, metaScope, digestKeyKey, key)
}

// SecretDigest is a keyed digest (HMAC-SHA-256) of a value rehome wrote,
// kept in place of the value to recognise it later; "" without a key.
func SecretDigest(key, value []byte) string {
	if key == nil || value == nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write(value)
	return hex.EncodeToString(m.Sum(nil))
}
