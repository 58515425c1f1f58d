package main_test

// The leak test: every command, the failing paths included, run against
// secrets with known values in AWS Secrets Manager and SSM (the awsfake
// fakes), DigitalOcean's secrets (dofake) and local secret files, with
// REHOME_LOG=debug; then every output, log, plan file, state file and
// journal is searched for each value and its base64 form. Nothing may be
// found.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/digitalocean/dofake"
)

const (
	leakAccessKey = "AKIDLEAKTEST"
	leakSecretKey = "aws-SECRET-KEY-VALUE-4b7e1"
	leakDOToken   = "do-TOKEN-VALUE-9c2d3"
)

func TestE2ESecretsFromAWSNeverLeak(t *testing.T) {
	t.Parallel()
	values := map[string]string{ // what must never show, by where it lives
		"sm DB_PASSWORD": "sm-VALUE-a1b2c3 with spaces",
		"sm db-url":      "postgres://app:pw-VALUE-d4e5f6@db:5432/app",
		"ssm secure":     "ssm-SECURE-VALUE-778899",
		"ssm string":     "ssm-PLAIN-VALUE-112233",
		"local LEGACY":   "local-FILE-VALUE-445566",
		"aws secret key": leakSecretKey,
		"do token":       leakDOToken,
	}
	binary := []byte("bin-VALUE-\x00\x01\x02-cafe")

	sm, ps := awsfake.NewSecretsManager(), awsfake.NewSSM()
	sm.AccessKey, ps.AccessKey = leakAccessKey, leakAccessKey
	smSrv, ssmSrv, stsSrv := httptest.NewServer(sm), httptest.NewServer(ps), httptest.NewServer(awsfake.STS("123456789012"))
	do := dofake.NewSecrets(leakDOToken)
	mux := http.NewServeMux()
	mux.Handle("/v2/account", dofake.API(leakDOToken, "uuid-leak"))
	mux.Handle("/v2/security/", do)
	doSrv := httptest.NewServer(mux)
	for _, s := range []*httptest.Server{smSrv, ssmSrv, stsSrv, doSrv} {
		t.Cleanup(s.Close)
	}
	ctx := t.Context()
	creds := credentials.NewStaticCredentialsProvider(leakAccessKey, leakSecretKey, "")
	smc := secretsmanager.New(secretsmanager.Options{Region: "eu-central-1", BaseEndpoint: awssdk.String(smSrv.URL), Credentials: creds})
	ssmc := ssm.New(ssm.Options{Region: "eu-central-1", BaseEndpoint: awssdk.String(ssmSrv.URL), Credentials: creds})
	for name, v := range map[string]string{"DB_PASSWORD": values["sm DB_PASSWORD"], "db-url": values["sm db-url"]} {
		if _, err := smc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: awssdk.String(name), SecretString: awssdk.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := smc.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: awssdk.String("CERT"), SecretBinary: binary}); err != nil {
		t.Fatal(err)
	}
	sm.SetRotation("DB_PASSWORD", "arn:aws:lambda:eu-central-1:123456789012:function:rotate", 30)
	for name, p := range map[string][2]string{"/app/secure": {values["ssm secure"], "SecureString"}, "/app/plain": {values["ssm string"], "String"}} {
		if _, err := ssmc.PutParameter(ctx, &ssm.PutParameterInput{Name: awssdk.String(name), Value: awssdk.String(p[0]),
			Type: ssmtypes.ParameterType(p[1])}); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"vault.key":          id.String() + "\n",
		"legacy/secrets.env": fmt.Sprintf("LEGACY_KEY=%q\n", values["local LEGACY"]),
	})
	for _, d := range []string{"vault", "vault2"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	config := func(ssmInclude, rename, extra string) string {
		return fmt.Sprintf(`migration "leak" {}

environment "aws" {
  provider       = "aws"
  region         = "eu-central-1"
  binary_secrets = "base64"
  endpoints = {
    sts            = %q
    secretsmanager = %q
    ssm            = %q
  }
}

environment "do" {
  provider = "digitalocean"
  region   = "fra1"
  endpoint = %q
  token    = env("DO_TOKEN")
}

environment "legacy" {
  provider = "local"
  path     = "legacy"
}

environment "vault" {
  provider          = "local"
  path              = "vault"
  age_recipients    = [%q]
  age_identity_file = "vault.key"
}

environment "vault2" {
  provider          = "local"
  path              = "vault2"
  age_recipients    = [%q]
  age_identity_file = "vault.key"
}

move "secrets" "to_vault" {
  from    = environment.aws
  to      = environment.vault
  include = ["DB_PASSWORD", "CERT"%s]
  rename  = {%s}
}

move "secrets" "to_do" {
  from    = environment.aws
  to      = environment.do
  include = ["db-url"]
}

move "secrets" "legacy" {
  from = environment.legacy
  to   = environment.vault2
}
%s`, stsSrv.URL, smSrv.URL, ssmSrv.URL, doSrv.URL, id.Recipient().String(), id.Recipient().String(), ssmInclude, rename, extra)
	}
	ssm := `, "/app/secure", "/app/plain"`
	good := config(ssm, `"/app/secure" = "APP_SECURE", "/app/plain" = "APP_PLAIN"`, "")
	writeConfig(t, dir, good)

	logFile := filepath.Join(t.TempDir(), "rehome.log")
	planFile := filepath.Join(t.TempDir(), "plan.bin")
	baseEnv := []string{"REHOME_LOG=debug", "AWS_ACCESS_KEY_ID=" + leakAccessKey, "AWS_SECRET_ACCESS_KEY=" + leakSecretKey, "DO_TOKEN=" + leakDOToken}
	var outputs []runResult
	run := func(env []string, ok bool, args ...string) runResult {
		t.Helper()
		r := runRehomeOpts(t, dir, runOpts{Env: append(append([]string{"REHOME_LOG_PATH=" + logFile}, baseEnv...), env...)}, args...)
		outputs = append(outputs, r)
		if ok != (r.Code == 0) {
			t.Errorf("rehome %s: want success %v, got %s", strings.Join(args, " "), ok, r)
		}
		return r
	}
	run(nil, true, "validate")
	p := run(nil, true, "plan")
	for _, want := range []string{"rotation is not moved", "base64"} {
		if !strings.Contains(p.Stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, p.Stdout)
		}
	}
	run(nil, true, "plan", "-json")
	run(nil, true, "plan", "-format=markdown")
	run(nil, true, "plan", "-out="+planFile)
	run(nil, true, "show", planFile)
	run(nil, true, "show", "-json", planFile)
	run(nil, true, "apply", "-auto-approve", planFile)
	// The values did move (this is the test reading its own data).
	got := decryptDotenv(t, filepath.Join(dir, "vault", "secrets.env.age"), filepath.Join(dir, "vault.key"))
	if got["DB_PASSWORD"] != values["sm DB_PASSWORD"] || got["CERT"] != base64.StdEncoding.EncodeToString(binary) ||
		got["APP_SECURE"] != values["ssm secure"] || got["APP_PLAIN"] != values["ssm string"] {
		t.Errorf("the vault does not hold what Secrets Manager held (names: %d)", len(got))
	}
	list := run(nil, true, "state", "list")
	for _, addr := range strings.Fields(list.Stdout) {
		run(nil, true, "state", "show", addr)
	}
	run(nil, true, "show")
	run(nil, true, "show", "-json")
	run(nil, true, "cutover", "-auto-approve")
	run(nil, true, "plan", "-detailed-exitcode")
	// The failing paths.
	run([]string{"DO_TOKEN=do-wrong-token"}, false, "plan")
	run([]string{"AWS_ACCESS_KEY_ID=AKIDWRONG"}, false, "plan")
	writeConfig(t, dir, config(ssm, "", ""))
	// A dotenv file cannot hold SSM paths: blockers naming them (the values
	// were read to compare), and an apply refused.
	if b := run(nil, true, "plan"); !strings.Contains(b.Stdout, `"/app/secure" cannot be a dotenv key`) {
		t.Errorf("no blocker names /app/secure:\n%s", b.Stdout)
	}
	run(nil, false, "apply", "-auto-approve")
	writeConfig(t, dir, config("", "", "environment \"broken\" {\n  provider = \"aws\"\n  bogus = 1\n}\n"))
	run(nil, false, "validate")
	run(nil, false, "plan")
	writeConfig(t, dir, good)
	run(nil, true, "rollback", "-auto-approve", "-force")
	run(nil, true, "apply", "-auto-approve")
	run(nil, true, "rollback", "-json", "-auto-approve", "-force")

	var needles [][]byte
	for _, v := range values {
		needles = append(needles, []byte(v), []byte(base64.StdEncoding.EncodeToString([]byte(v))))
	}
	needles = append(needles, binary, []byte(base64.StdEncoding.EncodeToString(binary)))
	check := func(what string, data []byte) {
		t.Helper()
		for _, n := range needles {
			if bytes.Contains(data, n) {
				t.Errorf("secret %q appears in %s", n, what)
			}
		}
	}
	for i, r := range outputs {
		check(fmt.Sprintf("the stdout of command %d", i+1), []byte(r.Stdout))
		check(fmt.Sprintf("the stderr of command %d", i+1), []byte(r.Stderr))
	}
	check("the plan file", readFile(t, planFile))
	if len(readFile(t, logFile)) == 0 {
		t.Errorf("REHOME_LOG_PATH=%s: no log written", logFile)
	}
	check("the log file", readFile(t, logFile))
	for _, root := range []string{filepath.Join(dir, ".rehome"), filepath.Join(dir, "vault"), filepath.Join(dir, "vault2")} {
		for _, f := range listFiles(t, root) {
			check(filepath.Join(root, f), readFile(t, filepath.Join(root, f)))
		}
	}
	if do.Writes == 0 {
		t.Error("nothing was written to DigitalOcean: the moves did not run")
	}
}
