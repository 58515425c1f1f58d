package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// DiffInput parameterises Diff.
type DiffInput struct {
	Src, Dst         providers.Secrets
	Include, Exclude []string
	// Select, when set, decides instead of Include and Exclude whether a
	// source secret is selected (globs over source names under a rename).
	Select func(name string) bool
	// Names, when set, limits the diff to these secrets (one action's).
	Names   []string
	Records map[string]SecretRecord
	// DigestKey keys the digests records keep of values rehome wrote;
	// nil before rehome has written any secret.
	DigestKey []byte
	Overwrite bool
}

// Change is one secret to write. It carries the source's value in memory
// only: values never enter a plan, the state or an error.
type Change struct {
	Name    string
	Create  bool // absent at the destination
	Replace bool // foreign value replaced (overwrite on)
	// Confirm: the destination already holds the source's value from an
	// interrupted write; it is recorded as rehome's, not written again.
	Confirm bool
	// Landed: the destination holds rehome's unconfirmed write, whose value
	// the source has changed since; it is confirmed before the new write.
	Landed bool
	// DstVersion is the destination's version before the write.
	DstVersion string

	value []byte
}

// SecretDiff compares the selected source secrets with the destination.
type SecretDiff struct {
	Changes   []Change
	Unchanged []string
	Conflicts []string
	Skipped   []string
	Selected  int
	// Gone are secrets rehome created whose source secret is gone; they
	// are removed from the destination, as objects and record sets are.
	Gone []string
}

// Diff reads the selected secrets' values on both sides, compares them in
// memory and classifies each. The plan and the copy both call it.
func Diff(ctx context.Context, in DiffInput) (*SecretDiff, error) {
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
	var only map[string]bool
	if in.Names != nil {
		only = map[string]bool{}
		for _, n := range in.Names {
			only[n] = true
		}
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
		selected := planner.MatchNames(m.Name, in.Include, in.Exclude)
		if in.Select != nil {
			selected = in.Select(m.Name)
		}
		if !selected || (only != nil && !only[m.Name]) {
			continue
		}
		d.Selected++
		sv, err := in.Src.GetSecret(ctx, m.Name)
		if err != nil {
			return nil, fmt.Errorf("read source secret %q: %w", m.Name, err)
		}
		ver, exists := dstVer[m.Name]
		if !exists {
			d.Changes = append(d.Changes, Change{Name: m.Name, Create: true, value: sv.Value})
			continue
		}
		dv, err := in.Dst.GetSecret(ctx, m.Name)
		if errors.Is(err, providers.ErrNotFound) {
			d.Changes = append(d.Changes, Change{Name: m.Name, Create: true, value: sv.Value})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read destination secret %q: %w", m.Name, err)
		}
		rec, has := in.Records[m.Name]
		if bytes.Equal(sv.Value, dv.Value) {
			if has && rec.State != ItemDone {
				// An interrupted write that landed: to be recorded, not
				// rewritten.
				d.Changes = append(d.Changes, Change{Name: m.Name, Confirm: true, DstVersion: ver, value: sv.Value})
				continue
			}
			d.Unchanged = append(d.Unchanged, m.Name)
			continue
		}
		dig := Digest(in.DigestKey, dv.Value)
		ours := has && rec.Holds(ver, dig)
		if !ours && !in.Overwrite {
			d.Conflicts = append(d.Conflicts, m.Name)
			continue
		}
		d.Changes = append(d.Changes, Change{Name: m.Name, Replace: !ours, Landed: has && rec.landed(dig), DstVersion: ver, value: sv.Value})
	}
	return d, nil
}

// without returns the diff with the named secrets left out (acknowledged
// findings): not changed, not conflicts, listed as skipped.
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

// forget drops the diff's hold on the values (the stores may share the
// buffers, so they are not wiped here).
func (d *SecretDiff) forget() {
	for i := range d.Changes {
		d.Changes[i].value = nil
	}
}
