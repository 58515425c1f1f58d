package secrets

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/rehome/rehome/planner"
)

// Scope is the progress scope of a secrets move; it includes where the
// destination points (Env.ID), so a move pointed elsewhere starts afresh.
func Scope(move, dstID string) string { return "secrets/" + move + "/" + dstID }

// Record states.
const (
	ItemWriting = "writing" // a write began; the outcome is unknown
	ItemDone    = "done"    // written and verified
)

// SecretRecord tracks one destination secret of a secrets move. It is
// written before the secret is (State "writing") and confirmed after the
// write is verified (State "done"); only a confirmed record makes the
// secret rehome's.
type SecretRecord struct {
	State string `json:"state,omitempty"`
	// Created: the secret did not exist before rehome wrote it.
	Created bool `json:"created"`
	// PrevVersion is the destination's version before the overwrite, for
	// stores that keep versions; "" when none or unversioned.
	PrevVersion string `json:"prev_version,omitempty"`
	// WrittenVersion is the version rehome's confirmed write created;
	// "" for stores without versions.
	WrittenVersion string `json:"written_version,omitempty"`
	// Digest is a keyed digest of the value of rehome's last confirmed
	// write, WritingDigest that of a write under way (never the values):
	// they recognise rehome's writes on stores without versions and after
	// a lost response.
	Digest        string `json:"digest,omitempty"`
	WritingDigest string `json:"writing_digest,omitempty"`
}

// Holds is the ownership rule for secrets, applied alike by the diff, the
// copy and rollback: the secret at the destination — current version ver,
// value digest dig (Digest) — is rehome's while it holds rehome's last
// confirmed write (a secret someone rotated or changed since is theirs
// again), or the write under way that landed (its response was lost, or
// the run stopped before confirming).
func (r *SecretRecord) Holds(ver, dig string) bool { return r.confirmed(ver, dig) || r.landed(dig) }

// confirmed: rehome's last confirmed write still stands.
func (r *SecretRecord) confirmed(ver, dig string) bool {
	if r == nil {
		return false
	}
	if r.Digest == "" { // confirmed before digests were kept
		return r.State == ItemDone && (r.WrittenVersion == "" || r.WrittenVersion == ver)
	}
	return r.Digest == dig && (r.WrittenVersion == "" || r.WrittenVersion == ver)
}

// landed: the write under way put the value whose digest is dig.
func (r *SecretRecord) landed(dig string) bool {
	return r != nil && r.State != ItemDone && r.WritingDigest != "" && r.WritingDigest == dig
}

// Progress-store names of the key for secret digests.
const (
	metaScope    = "meta"
	digestKeyKey = "secret-digest-key"
)

// DigestKey reads the state's key for secret digests; nil when none exists
// yet.
func DigestKey(ctx context.Context, pr planner.ProgressReader) ([]byte, error) {
	keys, err := planner.LoadRecords[[]byte](ctx, pr, metaScope)
	if err != nil {
		return nil, err
	}
	return keys[digestKeyKey], nil
}

// EnsureDigestKey returns the state's key for secret digests, creating a
// random one on first use.
func EnsureDigestKey(ctx context.Context, pw planner.ProgressWriter) ([]byte, error) {
	key, err := DigestKey(ctx, pw)
	if err != nil || key != nil {
		return key, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make secret digest key: %w", err)
	}
	return key, pw.Put(ctx, metaScope, digestKeyKey, key)
}

// Digest is a keyed digest (HMAC-SHA-256) of a value rehome wrote, kept in
// place of the value to recognise it later; "" without a key.
func Digest(key, value []byte) string {
	if key == nil || value == nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write(value)
	return hex.EncodeToString(m.Sum(nil))
}
