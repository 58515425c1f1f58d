package secrets

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

// renamed presents a source store's secrets under their destination
// names (the move's rename: source name -> destination name), so the
// diff, the actions, the records and the undo all speak of destination
// names; a secret renamed away is not seen under its source name.
type renamed struct {
	providers.Secrets
	to   map[string]string // source -> destination
	from map[string]string // destination -> source
}

// withRename wraps s when rn renames anything. rn maps source names to
// destination names.
func withRename(s providers.Secrets, rn map[string]string) providers.Secrets {
	if len(rn) == 0 {
		return s
	}
	r := &renamed{Secrets: s, to: rn, from: make(map[string]string, len(rn))}
	for src, dst := range rn {
		r.from[dst] = src
	}
	return r
}

// sources returns the renames among names, destination -> source, for an
// action's params.
func sources(rn map[string]string, names []string) map[string]string {
	var out map[string]string
	for src, dst := range rn {
		if slices.Contains(names, dst) {
			if out == nil {
				out = map[string]string{}
			}
			out[dst] = src
		}
	}
	return out
}

// invert turns an action's destination -> source map back into a rename.
func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for dst, src := range m {
		out[src] = dst
	}
	return out
}

// sourceName is the source name of the secret named name at the
// destination.
func sourceName(rn map[string]string, name string) string {
	for src, dst := range rn {
		if dst == name {
			return src
		}
	}
	return name
}

func (r *renamed) dst(src string) string {
	if d, ok := r.to[src]; ok {
		return d
	}
	return src
}

// ListSecrets lists the source's secrets under their destination names.
func (r *renamed) ListSecrets(ctx context.Context) ([]providers.SecretMeta, error) {
	ms, err := r.Secrets.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{} // destination name -> source name
	for _, m := range ms {
		names[m.Name] = m.Name
	}
	for i := range ms {
		d := r.dst(ms[i].Name)
		if other, ok := names[d]; ok && other != ms[i].Name && r.to[other] == "" {
			return nil, fmt.Errorf("rename: %q is renamed to %q, which is the name of another source secret", ms[i].Name, d)
		}
		ms[i].Name = d
	}
	return ms, nil
}

// GetSecret reads the secret named name at the destination from its
// source name.
func (r *renamed) GetSecret(ctx context.Context, name string) (providers.Secret, error) {
	src := name
	if s, ok := r.from[name]; ok {
		src = s
	} else if _, away := r.to[name]; away {
		return providers.Secret{}, fmt.Errorf("secret %q is renamed to %q: %w", name, r.to[name], providers.ErrNotFound)
	}
	s, err := r.Secrets.GetSecret(ctx, src)
	s.Name = name
	return s, err
}

// SecretNotes passes the source's notes on under destination names.
func (r *renamed) SecretNotes(ctx context.Context, names []string) ([]providers.SecretNote, error) {
	n, ok := r.Secrets.(providers.SecretNoter)
	if !ok {
		return nil, nil
	}
	srcNames := make([]string, len(names))
	for i, x := range names {
		srcNames[i] = sourceName(r.to, x)
	}
	notes, err := n.SecretNotes(ctx, srcNames)
	for i := range notes {
		notes[i].Name = r.dst(notes[i].Name)
	}
	return notes, err
}

// decodeRename reads a secrets move's rename: source names to destination
// names, none empty, no two onto one name.
func decodeRename(a *lang.MoveArgs) map[string]string {
	rn, ok := a.StringMap("rename")
	if !ok {
		return nil
	}
	seen := map[string]string{}
	for _, src := range slices.Sorted(maps.Keys(rn)) {
		dst := rn[src]
		var err error
		switch {
		case src == "" || dst == "":
			err = errors.New("rename maps source secret names to destination secret names; neither may be empty")
		case seen[dst] != "":
			err = fmt.Errorf("%q and %q are both renamed to %q", seen[dst], src, dst)
		}
		if err != nil {
			a.Errorf(a.Range("rename"), "Invalid rename", "%s.", err)
			return nil
		}
		seen[dst] = src
	}
	return rn
}
