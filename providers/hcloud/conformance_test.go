package hcloud_test

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/hcloud"
	"github.com/rehome/rehome/providers/providertest"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: hcloud.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
			t.Cleanup(s3.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"token":    cty.StringVal("hc-test-token"),
				"location": cty.StringVal("fsn1"),
				"endpoint": cty.StringVal("http://127.0.0.1:1/v1"), // no Cloud API call is made for storage
				"object_storage": cty.ObjectVal(map[string]cty.Value{
					"endpoint":   cty.StringVal(s3.URL),
					"access_key": cty.StringVal("AKID"),
					"secret_key": cty.StringVal("SECRET"),
				}),
			})
		},
	})
}
