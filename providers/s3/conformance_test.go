package s3_test

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: s3.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
			t.Cleanup(ts.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"endpoint":           cty.StringVal(ts.URL),
				"region":             cty.StringVal("us-east-1"),
				"access_key":         cty.StringVal("AKID"),
				"secret_key":         cty.StringVal("SECRET"),
				"path_style":         cty.True,
				"conditional_writes": cty.True,
			})
		},
	})
}
