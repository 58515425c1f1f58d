package providers

import (
	"context"
	"fmt"
)

// DiscoverPart is one service a provider discovers: When says whether the
// scope asks for it, What names it in errors ("S3", "Route 53"); "" for a
// part whose errors already say what failed.
type DiscoverPart struct {
	When bool
	What string
	List func(ctx context.Context) ([]Resource, error)
}

// DiscoverAll runs the parts the scope asks for, in order, into one
// inventory; the first failure names the provider and the service.
func DiscoverAll(ctx context.Context, env, provider string, parts ...DiscoverPart) (*Inventory, error) {
	inv := &Inventory{Env: env, Provider: provider, Resources: []Resource{}}
	for _, p := range parts {
		if !p.When {
			continue
		}
		rs, err := p.List(ctx)
		if err != nil && p.What == "" {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("%s: discover %s: %w", provider, p.What, err)
		}
		inv.Resources = append(inv.Resources, rs...)
	}
	return inv, nil
}
