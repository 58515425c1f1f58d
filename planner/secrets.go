package planner

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/rehome/rehome/providers"
)

// SecretDiffInput parameterises DiffSecrets.
type SecretDiffInput struct {
	Src, Dst         providers.Secrets
	Include, Exclude []string
	Records          map[string]SecretRecord
	Overwrite        bool
	Skip             map[string]bool
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
	for _, m := range src {
		if !MatchNames(m.Name, in.Include, in.Exclude) {
			continue
		}
		d.Selected++
		if in.Skip[m.Name] {
			d.Skipped = append(d.Skipped, m.Name)
			continue
		}
		ver, exists := dstVer[m.Name]
		if !exists {
			d.Changes = append(d.Changes, SecretChange{Name: m.Name, Create: true})
			continue
		}
		same, err := sameSecret(ctx, in.Src, in.Dst, m.Name)
		if err != nil {
			return nil, err
		}
		rec, has := in.Records[m.Name]
		if same {
			if has && rec.State != ItemDone {
				// An interrupted write that landed: to be recorded, not
				// rewritten.
				d.Changes = append(d.Changes, SecretChange{Name: m.Name, Confirm: true, DstVersion: ver})
				continue
			}
			d.Unchanged = append(d.Unchanged, m.Name)
			continue
		}
		ours := has && rec.Owns(ver)
		if !ours && !in.Overwrite {
			d.Conflicts = append(d.Conflicts, m.Name)
			continue
		}
		d.Changes = append(d.Changes, SecretChange{Name: m.Name, Replace: !ours, DstVersion: ver})
	}
	return d, nil
}

func sameSecret(ctx context.Context, src, dst providers.Secrets, name string) (bool, error) {
	a, err := src.GetSecret(ctx, name)
	if err != nil {
		return false, fmt.Errorf("read source secret %q: %w", name, err)
	}
	b, err := dst.GetSecret(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read destination secret %q: %w", name, err)
	}
	return bytes.Equal(a.Value, b.Value), nil
}
