package secrets

import (
	"context"
	"fmt"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// addNotes turns what the source says a move of the selected secrets does
// not carry, or carries changed (providers.SecretNoter: a rotation
// schedule, a binary value base64-encoded), into findings on the secrets'
// actions.
func addNotes(ctx context.Context, mc *planner.MoveContext, src providers.Secrets, d *SecretDiff) error {
	n, ok := src.(providers.SecretNoter)
	if !ok {
		return nil
	}
	var names []string
	for _, ch := range d.Changes {
		names = append(names, ch.Name)
	}
	names = append(names, d.Unchanged...)
	if len(names) == 0 {
		return nil
	}
	notes, err := n.SecretNotes(ctx, names)
	if err != nil {
		return fmt.Errorf("what %s says about its secrets: %w", mc.Move.From, err)
	}
	for _, x := range notes {
		sev := planner.SevWarning
		if x.Blocker {
			sev = planner.SevBlocker
		}
		mc.Finding(sev, mc.Addr(typeSecret, x.Name), x.Code, "", x.Detail, x.Hint)
	}
	return nil
}
