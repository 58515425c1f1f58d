package digitalocean_test

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: digitalocean.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := s3fake.New()
			t.Cleanup(s3.Close)
			api, _ := doAPI(t, "do-test-token")
			return cty.ObjectVal(map[string]cty.Value{
				"token":    cty.StringVal("do-test-token"),
				"region":   cty.StringVal("fra1"),
				"endpoint": cty.StringVal(api),
				"spaces": cty.ObjectVal(map[string]cty.Value{
					"endpoint":   cty.StringVal(s3.URL),
					"access_key": cty.StringVal("AKID"),
					"secret_key": cty.StringVal("SECRET"),
				}),
			})
		},
	})
}
