package aws_test

import (
	"net/http/httptest"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3/s3fake"
)

func TestConformance(t *testing.T) {
	sts := httptest.NewServer(awsfake.STS("123456789012"))
	t.Cleanup(sts.Close)
	providertest.Run(t, providertest.Opt{
		Factory: aws.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := s3fake.New()
			t.Cleanup(s3.Close)
			r53 := httptest.NewServer(awsfake.NewRoute53())
			t.Cleanup(r53.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"region":     cty.StringVal("eu-central-1"),
				"access_key": cty.StringVal("AKID"),
				"secret_key": cty.StringVal("SECRET"),
				"endpoints": cty.MapVal(map[string]cty.Value{"s3": cty.StringVal(s3.URL), "sts": cty.StringVal(sts.URL),
					"route53": cty.StringVal(r53.URL)}),
			})
		},
	})
}
