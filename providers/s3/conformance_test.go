package s3_test

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

// TestConformance runs the suite against two independent S3
// implementations: s3fake (written from the S3 API reference) and
// gofakes3, so neither fake's reading of the reference is the only one.
func TestConformance(t *testing.T) {
	env := func(url string) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{
			"endpoint":           cty.StringVal(url),
			"region":             cty.StringVal("us-east-1"),
			"access_key":         cty.StringVal("AKID"),
			"secret_key":         cty.StringVal("SECRET"),
			"path_style":         cty.True,
			"conditional_writes": cty.True,
		})
	}
	t.Run("s3fake", func(t *testing.T) {
		providertest.Run(t, providertest.Opt{
			Factory: s3.Factory(),
			NewEnv: func(t *testing.T) cty.Value {
				srv := s3fake.New()
				t.Cleanup(srv.Close)
				return env(srv.URL)
			},
		})
	})
	t.Run("gofakes3", func(t *testing.T) {
		providertest.Run(t, providertest.Opt{
			Factory: s3.Factory(),
			NewEnv: func(t *testing.T) cty.Value {
				ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
				t.Cleanup(ts.Close)
				return env(ts.URL)
			},
		})
	})
}
