package providers

import (
	"context"
	"encoding/json"
)

// SecretMeta names a secret without its value.
type SecretMeta struct {
	Name string
	// Version is the store's version id, or a digest-free marker; never the
	// value or a hash of it.
	Version string
}

// Secret carries a value. It must never be logged, printed, serialised into
// plans or state, or put into an error; its String and MarshalJSON redact.
type Secret struct {
	SecretMeta
	Value []byte
}

func (s Secret) String() string { return s.Name + "=(sensitive)" }

// GoString redacts the value under %#v.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON redacts the value.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}{s.Name, "(sensitive)"})
}

// Secrets is a secret store (AWS Secrets Manager, SSM, an age file).
type Secrets interface {
	ListSecrets(ctx context.Context) ([]SecretMeta, error)
	// GetSecret returns an error wrapping ErrNotFound when absent.
	GetSecret(ctx context.Context, name string) (Secret, error)
	// PutSecrets creates or replaces the given secrets as one write where
	// the store allows, and returns the new versions by name.
	PutSecrets(ctx context.Context, secrets []Secret) (map[string]string, error)
	// DeleteSecrets removes the named secrets; absent ones are ignored.
	DeleteSecrets(ctx context.Context, names []string) error
}

// SecretChecker is implemented by stores with rules on secret names or
// values (a dotenv key syntax, a size limit), so the planner can report a
// secret the destination cannot hold before any write. The error must name
// the secret and the rule, never the value.
type SecretChecker interface {
	CheckSecret(name string, value []byte) error
}

// SecretVersioner is implemented by stores that keep prior versions, so an
// overwrite can be undone.
type SecretVersioner interface {
	RestoreSecretVersion(ctx context.Context, name, version string) error
}

// SecretStoreChecker is implemented by stores whose settings decide
// whether they can take secrets at all, so the plan can say so before
// anything is written. WriteReady reports why a write would be refused (no
// key to encrypt to); ReadReady why what rehome writes could not be read
// back to verify it (no key to decrypt with). Each error names the setting
// (an *AttrError) and says what to do.
type SecretStoreChecker interface {
	WriteReady() error
	ReadReady() error
}

// SecretNote is something a source store holds about a secret that a move
// does not carry (a rotation schedule) or carries changed (a binary value
// base64-encoded), for the plan to say. It names the secret, never its
// value.
type SecretNote struct {
	Name string
	// Code is the finding's code ("secrets.rotation_not_moved").
	Code         string
	Detail, Hint string
	// Blocker: the move must not go ahead as it is.
	Blocker bool
}

// SecretNoter is implemented by source stores with such notes; names are
// the secrets a move selected.
type SecretNoter interface {
	SecretNotes(ctx context.Context, names []string) ([]SecretNote, error)
}
