package aws_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/providertest"
)

// stsFake answers STS's GetCallerIdentity (AWS Query protocol: a form
// POST with Action and Version, an XML answer) for one account.
func stsFake(account string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if a := r.PostForm.Get("Action"); a != "GetCallerIdentity" {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation %s for version 2011-06-15</Message></Error><RequestId>r1</RequestId></ErrorResponse>`, a)
			return
		}
		if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error><RequestId>r2</RequestId></ErrorResponse>`)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/rehome</Arn><UserId>AIDAEXAMPLE</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r3</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, account, account)
	}
}

func TestConformance(t *testing.T) {
	sts := httptest.NewServer(stsFake("123456789012"))
	t.Cleanup(sts.Close)
	providertest.Run(t, providertest.Opt{
		Factory: aws.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			s3 := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
			t.Cleanup(s3.Close)
			return cty.ObjectVal(map[string]cty.Value{
				"region":     cty.StringVal("eu-central-1"),
				"access_key": cty.StringVal("AKID"),
				"secret_key": cty.StringVal("SECRET"),
				"endpoints":  cty.MapVal(map[string]cty.Value{"s3": cty.StringVal(s3.URL), "sts": cty.StringVal(sts.URL)}),
			})
		},
	})
}
