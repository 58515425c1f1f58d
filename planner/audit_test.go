package planner

import (
	"testing"

	"github.com/rehome/rehome/providers"
)

func TestCoverageMovedBy(t *testing.T) {
	c := coverage{
		byType:    map[string]string{"aws\x00bucket\x00shop-assets": `move.storage.a.bucket["shop-assets"]`},
		byKind:    map[string]string{"aws\x00secrets\x00prod/db": `move.secrets.s.secret["prod/db"]`},
		dbSources: map[string]string{"postgres://orders.c9akciq32.eu-central-1.rds.amazonaws.com:5432/orders": "move.database.orders"},
	}
	tests := []struct {
		name string
		r    providers.Resource
		want string
	}{
		{"moved bucket", providers.Resource{Env: "aws", Kind: providers.KindStorage, Type: "bucket", Name: "shop-assets"}, `move.storage.a.bucket["shop-assets"]`},
		{"bucket of another env", providers.Resource{Env: "other", Kind: providers.KindStorage, Type: "bucket", Name: "shop-assets"}, ""},
		{"by kind and name", providers.Resource{Env: "aws", Kind: providers.KindSecrets, Type: "secret", Name: "prod/db"}, `move.secrets.s.secret["prod/db"]`},
		{"RDS reached through a database environment", providers.Resource{Env: "aws", Type: "database_instance", Name: "orders",
			Attrs: map[string]string{"endpoint": "Orders.c9akciq32.eu-central-1.rds.amazonaws.com"}}, "move.database.orders"},
		{"another RDS", providers.Resource{Env: "aws", Type: "database_instance", Name: "billing",
			Attrs: map[string]string{"endpoint": "billing.c9akciq32.eu-central-1.rds.amazonaws.com"}}, ""},
		{"an instance", providers.Resource{Env: "aws", Type: "instance", Name: "shop-assets"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.MovedBy(tc.r); got != tc.want {
				t.Errorf("MovedBy = %q; want %q", got, tc.want)
			}
		})
	}
}
