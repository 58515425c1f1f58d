package aws_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
)

// secretFakes are a Secrets Manager and an SSM fake with SDK clients on
// them, seeded with what the tests read.
type secretFakes struct {
	sm     *awsfake.SecretsManager
	ps     *awsfake.SSM
	smURL  string
	ssmURL string
	smc    *secretsmanager.Client
	ssmc   *ssm.Client
}

func newSecretFakes(t *testing.T) *secretFakes {
	t.Helper()
	blankAWSEnv(t)
	f := &secretFakes{sm: awsfake.NewSecretsManager(), ps: awsfake.NewSSM()}
	a, b := httptest.NewServer(f.sm), httptest.NewServer(f.ps)
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	f.smURL, f.ssmURL = a.URL, b.URL
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	f.smc = secretsmanager.New(secretsmanager.Options{Region: "eu-central-1", BaseEndpoint: &f.smURL, Credentials: creds})
	f.ssmc = ssm.New(ssm.Options{Region: "eu-central-1", BaseEndpoint: &f.ssmURL, Credentials: creds})
	return f
}

func (f *secretFakes) secret(t *testing.T, name, value string, binary []byte) {
	t.Helper()
	in := &secretsmanager.CreateSecretInput{Name: &name}
	if binary != nil {
		in.SecretBinary = binary
	} else {
		in.SecretString = &value
	}
	if _, err := f.smc.CreateSecret(t.Context(), in); err != nil {
		t.Fatal(err)
	}
}

func (f *secretFakes) param(t *testing.T, name, value string, typ ssmtypes.ParameterType) {
	t.Helper()
	if _, err := f.ssmc.PutParameter(t.Context(), &ssm.PutParameterInput{Name: &name, Value: &value, Type: typ}); err != nil {
		t.Fatal(err)
	}
}

func (f *secretFakes) env(t *testing.T, extra map[string]cty.Value) map[string]cty.Value {
	v := fakeEnv(t, map[string]string{"secretsmanager": f.smURL, "ssm": f.ssmURL}).AsValueMap()
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func (f *secretFakes) provider(t *testing.T, extra map[string]cty.Value) *aws.Provider {
	t.Helper()
	p := aws.Factory().New().(*aws.Provider)
	if err := p.Configure(t.Context(), providers.Config{Env: "aws", Value: cty.ObjectVal(f.env(t, extra))}); err != nil {
		t.Fatal(err)
	}
	return p
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

// TestSecretFakes checks the fakes' wire behaviour, as the API references
// describe it, through the SDK clients.
func TestSecretFakes(t *testing.T) {
	f := newSecretFakes(t)
	ctx := t.Context()
	for i := range 5 {
		f.secret(t, fmt.Sprintf("s%d", i), "v", nil)
	}
	f.secret(t, "bin", "", []byte{0, 1, 2, 255})
	for i := range 23 {
		f.param(t, fmt.Sprintf("/app/p%02d", i), "x", ssmtypes.ParameterTypeString)
	}
	f.param(t, "/app/deep/secure", "hidden", ssmtypes.ParameterTypeSecureString)

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"ListSecrets pages", func(t *testing.T) {
			n, pages := 0, 0
			p := secretsmanager.NewListSecretsPaginator(f.smc, &secretsmanager.ListSecretsInput{MaxResults: awssdk.Int32(2)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				n += len(out.SecretList)
			}
			if n != 6 || pages != 3 {
				t.Errorf("%d secrets in %d pages, want 6 in 3", n, pages)
			}
		}},
		{"GetSecretValue binary and current stage", func(t *testing.T) {
			out, err := f.smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: awssdk.String("bin")})
			if err != nil || string(out.SecretBinary) != "\x00\x01\x02\xff" || out.SecretString != nil || out.VersionStages[0] != "AWSCURRENT" {
				t.Errorf("%+v %v", out, err)
			}
		}},
		{"a new version moves AWSCURRENT", func(t *testing.T) {
			if _, err := f.smc.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: awssdk.String("s0"), SecretString: awssdk.String("v2")}); err != nil {
				t.Fatal(err)
			}
			cur, _ := f.smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: awssdk.String("s0")})
			prev, _ := f.smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: awssdk.String("s0"), VersionStage: awssdk.String("AWSPREVIOUS")})
			if awssdk.ToString(cur.SecretString) != "v2" || awssdk.ToString(prev.SecretString) != "v" {
				t.Errorf("current %v previous %v", cur, prev)
			}
		}},
		{"ResourceNotFoundException", func(t *testing.T) {
			_, err := f.smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: awssdk.String("nope")})
			var rnf *smtypes.ResourceNotFoundException
			if !errors.As(err, &rnf) {
				t.Errorf("%v", err)
			}
		}},
		{"DecryptionFailure", func(t *testing.T) {
			f.secret(t, "broken", "v", nil)
			f.sm.FailDecryption("broken")
			_, err := f.smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: awssdk.String("broken")})
			var df *smtypes.DecryptionFailure
			if !errors.As(err, &df) {
				t.Errorf("%v", err)
			}
			if _, err := f.smc.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: awssdk.String("broken"), ForceDeleteWithoutRecovery: awssdk.Bool(true)}); err != nil {
				t.Fatal(err)
			}
		}},
		{"GetParametersByPath pages of 10, recursive or not", func(t *testing.T) {
			count := func(recursive bool) (int, int) {
				n, pages := 0, 0
				p := ssm.NewGetParametersByPathPaginator(f.ssmc, &ssm.GetParametersByPathInput{Path: awssdk.String("/app"), Recursive: &recursive})
				for p.HasMorePages() {
					out, err := p.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					pages++
					n += len(out.Parameters)
				}
				return n, pages
			}
			if n, pages := count(true); n != 24 || pages != 3 {
				t.Errorf("recursive: %d in %d pages, want 24 in 3", n, pages)
			}
			if n, _ := count(false); n != 23 {
				t.Errorf("one level: %d, want 23", n)
			}
			_, err := f.ssmc.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: awssdk.String("/app"), MaxResults: awssdk.Int32(11)})
			if errCode(err) != "ValidationException" {
				t.Errorf("MaxResults 11: %v", err)
			}
		}},
		{"SecureString only decrypted when asked", func(t *testing.T) {
			plain, err := f.ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: awssdk.String("/app/deep/secure"), WithDecryption: awssdk.Bool(true)})
			if err != nil || awssdk.ToString(plain.Parameter.Value) != "hidden" {
				t.Fatalf("%v %v", plain, err)
			}
			enc, _ := f.ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: awssdk.String("/app/deep/secure")})
			if strings.Contains(awssdk.ToString(enc.Parameter.Value), "hidden") {
				t.Error("a SecureString read without decryption showed its value")
			}
		}},
		{"ParameterNotFound", func(t *testing.T) {
			_, err := f.ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: awssdk.String("/nope")})
			var pnf *ssmtypes.ParameterNotFound
			if !errors.As(err, &pnf) {
				t.Errorf("%v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestSecretsSource(t *testing.T) {
	f := newSecretFakes(t)
	f.secret(t, "DB_PASSWORD", "pa55-w0rd", nil)
	f.secret(t, "prod/api-key", "k3y", nil)
	f.secret(t, "cert.der", "", []byte{0x30, 0x82, 0, 0xff})
	f.sm.SetRotation("DB_PASSWORD", "arn:aws:lambda:eu-central-1:123456789012:function:rotate", 30)
	f.param(t, "/app/db/url", "postgres://db", ssmtypes.ParameterTypeString)
	f.param(t, "/app/hosts", "a,b,c", ssmtypes.ParameterTypeStringList)
	f.param(t, "/app/token", "t0ken", ssmtypes.ParameterTypeSecureString)
	for i := range 12 { // more than one GetParametersByPath page
		f.param(t, fmt.Sprintf("/bulk/p%02d", i), "x", ssmtypes.ParameterTypeString)
	}
	p := f.provider(t, nil)
	ctx := t.Context()
	list, err := p.ListSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 18 {
		t.Errorf("listed %d secrets, want 3 from Secrets Manager and 15 parameters", len(list))
	}
	tests := []struct {
		name, want string
	}{
		{"DB_PASSWORD", "pa55-w0rd"},
		{"prod/api-key", "k3y"},
		{"cert.der", "\x30\x82\x00\xff"},
		{"/app/db/url", "postgres://db"},
		{"/app/hosts", "a,b,c"},
		{"/app/token", "t0ken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := p.GetSecret(ctx, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if string(s.Value) != tt.want || s.Version == "" {
				t.Errorf("value %q version %q, want %q and a version", s.Value, s.Version, tt.want)
			}
			if strings.Contains(fmt.Sprint(s), tt.want) || strings.Contains(fmt.Sprintf("%#v", s), tt.want) {
				t.Error("the value shows when the secret is printed")
			}
		})
	}
	if _, err := p.GetSecret(ctx, "/nope"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("a missing parameter: %v", err)
	}
	if _, err := p.GetSecret(ctx, "nope"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("a missing secret: %v", err)
	}
	f.sm.FailDecryption("prod/api-key")
	if _, err := p.GetSecret(ctx, "prod/api-key"); err == nil || !strings.Contains(err.Error(), "prod/api-key") || !strings.Contains(err.Error(), "KMS") {
		t.Errorf("an undecryptable secret: %v, want an error naming it and the key", err)
	}
	notes, err := p.SecretNotes(ctx, []string{"DB_PASSWORD", "cert.der", "/app/token"})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, n := range notes {
		codes[n.Name] = n.Code
	}
	if codes["DB_PASSWORD"] != "secrets.rotation_not_moved" || codes["cert.der"] != "secrets.binary_raw" || len(codes) != 2 {
		t.Errorf("notes %+v", notes)
	}
	b64 := f.provider(t, map[string]cty.Value{"binary_secrets": cty.StringVal("base64")})
	s, err := b64.GetSecret(ctx, "cert.der")
	if err != nil || string(s.Value) != base64.StdEncoding.EncodeToString([]byte{0x30, 0x82, 0, 0xff}) {
		t.Errorf("base64: %q %v", s.Value, err)
	}
	bad := aws.Factory().New()
	err = bad.Configure(ctx, providers.Config{Env: "aws", Value: cty.ObjectVal(f.env(t, map[string]cty.Value{"binary_secrets": cty.StringVal("hex")}))})
	var ae *providers.AttrError
	if !errors.As(err, &ae) || ae.Attr != "binary_secrets" {
		t.Errorf("binary_secrets = hex: %v, want an error naming the attribute", err)
	}
}

// TestSecretsMoveToAgeFiles moves Secrets Manager secrets and SSM
// parameters from one aws environment to local age-encrypted dotenv files
// (names dotenv can hold) and to a memory store (any name): values arrive
// intact, rotation and binary handling are findings, SSM paths a dotenv
// file cannot hold are blockers naming the rule, and nothing is written
// at the source.
func TestSecretsMoveToAgeFiles(t *testing.T) {
	f := newSecretFakes(t)
	f.secret(t, "DB_PASSWORD", "pa55-w0rd", nil)
	f.secret(t, "API.TOKEN", "tok=1;x", nil)
	f.secret(t, "CERT", "", []byte{0x30, 0x82, 1, 2})
	f.sm.SetRotation("DB_PASSWORD", "arn:aws:lambda:eu-central-1:123456789012:function:rotate", 30)
	f.param(t, "/app/db/url", "postgres://u:p@db/x", ssmtypes.ParameterTypeSecureString)
	f.param(t, "/app/hosts", "a,b", ssmtypes.ParameterTypeStringList)

	t.Run("age files", func(t *testing.T) {
		h := movertest.New(t)
		h.Env("old", aws.Name, f.env(t, map[string]cty.Value{"binary_secrets": cty.StringVal("base64")}))
		dst := h.Local("new")
		cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "old", To: "new",
			Settings: &secrets.Settings{Include: []string{"DB_PASSWORD", "API.TOKEN", "CERT"}}})
		plan := h.Plan(cfg)
		if b := plan.Blockers(); len(b) > 0 {
			t.Fatalf("blockers: %+v", b)
		}
		codes := map[string]bool{}
		for _, x := range movertest.Findings(plan) {
			codes[x.Code] = true
		}
		if !codes["secrets.rotation_not_moved"] || !codes["secrets.binary_base64"] {
			t.Errorf("findings %+v, want rotation and base64 ones", movertest.Findings(plan))
		}
		h.Apply(cfg)
		want := map[string]string{"DB_PASSWORD": "pa55-w0rd", "API.TOKEN": "tok=1;x", "CERT": base64.StdEncoding.EncodeToString([]byte{0x30, 0x82, 1, 2})}
		for n, v := range want {
			if got := movertest.SecretValue(t, dst, n); got != v {
				t.Errorf("%s at the age file: %q, want %q", n, got, v)
			}
		}
		if p := h.Plan(cfg); len(p.Blockers()) > 0 {
			t.Errorf("re-plan blockers: %+v", p.Blockers())
		}
		h.Rollback(cfg)
		if got := movertest.SecretValue(t, dst, "DB_PASSWORD"); got != "<absent>" {
			t.Errorf("after rollback DB_PASSWORD is %q", got)
		}
		if n := f.sm.GetValues.Load(); n == 0 {
			t.Error("no value was read from Secrets Manager")
		}
	})
	t.Run("a dotenv file cannot hold SSM paths", func(t *testing.T) {
		h := movertest.New(t)
		h.Env("old", aws.Name, f.env(t, nil))
		h.Local("new")
		cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "old", To: "new",
			Settings: &secrets.Settings{Include: []string{"/app/*", "/app/*/*"}}})
		var found bool
		for _, b := range h.Plan(cfg).Blockers() {
			found = found || strings.Contains(b.Message, "/app/db/url") && strings.Contains(b.Message, "dotenv")
			if strings.Contains(b.Message, "postgres://") {
				t.Errorf("a blocker shows a value: %s", b.Message)
			}
		}
		if !found {
			t.Errorf("no blocker names /app/db/url and the dotenv rule: %+v", h.Plan(cfg).Blockers())
		}
	})
	t.Run("renamed into age files", func(t *testing.T) {
		h := movertest.New(t)
		h.Env("old", aws.Name, f.env(t, nil))
		dst := h.Local("new")
		rename := map[string]string{"/app/db/url": "DB_URL", "/app/hosts": "HOSTS", "DB_PASSWORD": "DB_PASS"}
		cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "old", To: "new",
			Settings: &secrets.Settings{Include: []string{"/app/*", "/app/*/*", "DB_PASSWORD"}, Rename: rename}})
		plan := h.Plan(cfg)
		if b := plan.Blockers(); len(b) > 0 {
			t.Fatalf("blockers: %+v", b)
		}
		a := movertest.ActionAt(t, plan, `move.secrets.s.secret["DB_URL"]`)
		if a.From.Name != "/app/db/url" || a.To.Name != "DB_URL" {
			t.Errorf("the action reads %s -> %s, want /app/db/url -> DB_URL", a.From.Name, a.To.Name)
		}
		var rotation bool
		for _, x := range movertest.Findings(plan) {
			rotation = rotation || x.Code == "secrets.rotation_not_moved"
		}
		if !rotation {
			t.Error("the renamed secret lost its rotation finding")
		}
		h.Apply(cfg)
		h.Cutover(cfg)
		for n, v := range map[string]string{"DB_URL": "postgres://u:p@db/x", "HOSTS": "a,b", "DB_PASS": "pa55-w0rd", "DB_PASSWORD": "<absent>"} {
			if got := movertest.SecretValue(t, dst, n); got != v {
				t.Errorf("%s at the age file: %q, want %q", n, got, v)
			}
		}
		r := h.Runner()
		r.Options.Force = true // after the cutover
		r.Rollback(t, cfg)
		if got := movertest.SecretValue(t, dst, "DB_URL"); got != "<absent>" {
			t.Errorf("after rollback DB_URL is %q", got)
		}
	})
	t.Run("memory store", func(t *testing.T) {
		h := movertest.New(t)
		h.Env("old", aws.Name, f.env(t, nil))
		dst := h.Mem("new")
		cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "old", To: "new",
			Settings: &secrets.Settings{Include: []string{"/app/*", "/app/*/*", "DB_PASSWORD"}}})
		if b := h.Plan(cfg).Blockers(); len(b) > 0 {
			t.Fatalf("blockers: %+v", b)
		}
		h.Apply(cfg)
		for n, v := range map[string]string{"/app/db/url": "postgres://u:p@db/x", "/app/hosts": "a,b", "DB_PASSWORD": "pa55-w0rd"} {
			if got := movertest.SecretValue(t, dst, n); got != v {
				t.Errorf("%s at memory: %q, want %q", n, got, v)
			}
		}
	})
}

// TestSecretsMoveToDigitalOcean moves Secrets Manager secrets and SSM
// parameters (their names allowed there) to DigitalOcean's secrets, then
// rolls back: the secrets rehome created are deleted again.
func TestSecretsMoveToDigitalOcean(t *testing.T) {
	f := newSecretFakes(t)
	f.secret(t, "db-password", "pa55-w0rd", nil)
	f.secret(t, "signing_key", "", []byte{1, 2, 3, 0})
	f.param(t, "/app/db/url", "postgres://u:p@db/x", ssmtypes.ParameterTypeSecureString)
	do := dofake.NewSecrets("do-token")
	mux := http.NewServeMux()
	mux.Handle("/v2/account", dofake.API("do-token", "uuid-1"))
	mux.Handle("/v2/security/", do)
	api := httptest.NewServer(mux)
	t.Cleanup(api.Close)

	h := movertest.New(t)
	h.Env("old", aws.Name, f.env(t, map[string]cty.Value{"binary_secrets": cty.StringVal("base64")}))
	dst := h.Env("new", digitalocean.Name, map[string]cty.Value{"token": cty.StringVal("do-token"), "region": cty.StringVal("fra1"),
		"endpoint": cty.StringVal(api.URL)}).(providers.Secrets)
	cfg := h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "old", To: "new",
		Settings: &secrets.Settings{Include: []string{"*", "/app/*/*"}}})
	plan := h.Plan(cfg)
	var pathBlocked bool
	for _, b := range plan.Blockers() {
		pathBlocked = pathBlocked || strings.Contains(b.Message, "/app/db/url")
	}
	if !pathBlocked || len(plan.Blockers()) != 1 {
		t.Fatalf("blockers %+v, want one naming /app/db/url (DigitalOcean names hold no '/')", plan.Blockers())
	}
	cfg = h.Config(&lang.Move{Kind: providers.KindSecrets, Name: "s", From: "old", To: "new",
		Settings: &secrets.Settings{Include: []string{"*", "/app/*/*"}, Rename: map[string]string{"/app/db/url": "app-db-url"}}})
	h.Apply(cfg)
	for n, v := range map[string]string{"db-password": "pa55-w0rd", "signing_key": base64.StdEncoding.EncodeToString([]byte{1, 2, 3, 0}),
		"app-db-url": "postgres://u:p@db/x"} {
		if got := movertest.SecretValue(t, dst, n); got != v {
			t.Errorf("%s at DigitalOcean: %q, want %q", n, got, v)
		}
	}
	h.Rollback(cfg)
	if got := movertest.SecretValue(t, dst, "db-password"); got != "<absent>" {
		t.Errorf("after rollback db-password is %q", got)
	}
}
