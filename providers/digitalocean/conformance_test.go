package digitalocean_test

import (
	"net/http/httptest"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestConformance(t *testing.T) {
	api := httptest.NewServer(dofake.API("do-test-token", "b6fr89dbf6d9156cace5f3c78dc9851d957381ef"))
	t.Cleanup(api.Close)
	providertest.Run(t, providertest.Opt{
		Factory: digitalocean.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := s3fake.New()
			t.Cleanup(s3.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"token":    cty.StringVal("do-test-token"),
				"region":   cty.StringVal("fra1"),
				"endpoint": cty.StringVal(api.URL),
				"spaces": cty.ObjectVal(map[string]cty.Value{
					"endpoint":   cty.StringVal(s3.URL),
					"access_key": cty.StringVal("AKID"),
					"secret_key": cty.StringVal("SECRET"),
				}),
			})
		},
	})
}
