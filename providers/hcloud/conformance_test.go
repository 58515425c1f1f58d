package hcloud_test

import (
	"net/http/httptest"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/hcloud"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: hcloud.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := s3fake.New()
			t.Cleanup(s3.Close)
			api := httptest.NewServer(hcloudfake.NewDNS("hc-test-token"))
			t.Cleanup(api.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"token":    cty.StringVal("hc-test-token"),
				"location": cty.StringVal("fsn1"),
				"endpoint": cty.StringVal(api.URL),
				"object_storage": cty.ObjectVal(map[string]cty.Value{
					"endpoint":   cty.StringVal(s3.URL),
					"access_key": cty.StringVal("AKID"),
					"secret_key": cty.StringVal("SECRET"),
				}),
			})
		},
	})
}
