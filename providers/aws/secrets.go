package aws

// AWS Secrets Manager and SSM Parameter Store: the aws provider's
// providers.Secrets, as a source. One environment offers both stores:
// Secrets Manager secrets by their names, SSM parameters by their full
// paths (they start with "/"), so include, exclude and rename name either.
// Values are read only when asked for one secret (GetSecret), held in
// memory, and never logged or put into an error.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/rehome/rehome/providers"
)

var (
	_ providers.Secrets     = (*Provider)(nil)
	_ providers.SecretNoter = (*Provider)(nil)
)

// Binary secret handling (the binary_secrets attribute).
const (
	// BinaryRaw hands a binary secret's bytes on as they are: a
	// destination that holds only text refuses them, a blocker in the
	// plan.
	BinaryRaw = "raw"
	// BinaryBase64 hands them on base64-encoded (standard alphabet,
	// padded), with a warning in the plan.
	BinaryBase64 = "base64"
)

// secretStores are the clients and what GetSecret learnt; made by
// Configure.
type secretStores struct {
	sm     *secretsmanager.Client
	ssm    *ssm.Client
	binary string // BinaryRaw or BinaryBase64

	mu       sync.Mutex
	isBinary map[string]bool // secrets GetSecret found binary
}

func (p *Provider) newSecretStores(binary string) *secretStores {
	return &secretStores{
		sm: secretsmanager.NewFromConfig(p.cfg, func(o *secretsmanager.Options) {
			if e := p.endpoint("secretsmanager"); e != "" {
				o.BaseEndpoint = aws.String(e)
			}
		}),
		ssm: ssm.NewFromConfig(p.cfg, func(o *ssm.Options) {
			if e := p.endpoint("ssm"); e != "" {
				o.BaseEndpoint = aws.String(e)
			}
		}),
		binary: binary, isBinary: map[string]bool{}}
}

// checkBinaryMode checks the binary_secrets attribute ("" is BinaryRaw).
func checkBinaryMode(v string) (string, error) {
	switch v {
	case "", BinaryRaw:
		return BinaryRaw, nil
	case BinaryBase64:
		return BinaryBase64, nil
	}
	return "", &providers.AttrError{Attr: "binary_secrets", Err: fmt.Errorf("%q: use %q or %q", v, BinaryRaw, BinaryBase64)}
}

func isParameter(name string) bool { return strings.HasPrefix(name, "/") }

// secretErr wraps a Secrets Manager or SSM failure: an absent secret or
// parameter is providers.ErrNotFound; throttling and broken connections
// are transient. The SDK's error names the secret, never its value.
func secretErr(what string, err error) error {
	var rnf *smtypes.ResourceNotFoundException
	var pnf *ssmtypes.ParameterNotFound
	if errors.As(err, &rnf) || errors.As(err, &pnf) {
		return fmt.Errorf("aws: %s: %w (%w)", what, providers.ErrNotFound, err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "DecryptionFailure" || ae.ErrorCode() == "InvalidKeyId") {
		return fmt.Errorf("aws: %s: the KMS key does not decrypt it (check kms:Decrypt on its key): %w", what, err)
	}
	return providers.MarkTransient(fmt.Errorf("aws: %s: %w", what, err))
}

// ListSecrets lists Secrets Manager's secrets (those scheduled for
// deletion left out), versions being their AWSCURRENT version ids, then
// SSM's hierarchical parameters (GetParametersByPath from "/", recursive,
// without decryption), versions being their version numbers.
// Parameters whose names do not start with "/" are not listed.
func (p *Provider) ListSecrets(ctx context.Context) ([]providers.SecretMeta, error) {
	var out []providers.SecretMeta
	err := p.eachSecret(ctx, func(s smtypes.SecretListEntry) {
		out = append(out, providers.SecretMeta{Name: aws.ToString(s.Name), Version: currentVersion(s.SecretVersionsToStages)})
	})
	if err != nil {
		return nil, err
	}
	params := ssm.NewGetParametersByPathPaginator(p.secrets.ssm, &ssm.GetParametersByPathInput{Path: aws.String("/"),
		Recursive: aws.Bool(true), WithDecryption: aws.Bool(false), MaxResults: aws.Int32(10)})
	for params.HasMorePages() {
		pg, err := params.NextPage(ctx)
		if err != nil {
			return nil, secretErr("ssm: list parameters", err)
		}
		for _, x := range pg.Parameters {
			out = append(out, providers.SecretMeta{Name: aws.ToString(x.Name), Version: strconv.FormatInt(x.Version, 10)})
		}
	}
	slices.SortFunc(out, func(a, b providers.SecretMeta) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// eachSecret calls fn with each Secrets Manager secret not scheduled for
// deletion (ListSecrets pages of 100).
func (p *Provider) eachSecret(ctx context.Context, fn func(smtypes.SecretListEntry)) error {
	pages := secretsmanager.NewListSecretsPaginator(p.secrets.sm, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(100)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return secretErr("secretsmanager: list secrets", err)
		}
		for _, s := range pg.SecretList {
			if s.DeletedDate == nil {
				fn(s)
			}
		}
	}
	return nil
}

func currentVersion(stages map[string][]string) string {
	for id, st := range stages {
		if slices.Contains(st, "AWSCURRENT") {
			return id
		}
	}
	return ""
}

// GetSecret reads one secret's current value: an SSM parameter's (a
// SecureString decrypted; a StringList as its comma-separated text) for a
// name starting with "/", else a Secrets Manager secret's AWSCURRENT
// version (a SecretBinary as its bytes, or base64 text with
// binary_secrets = "base64").
func (p *Provider) GetSecret(ctx context.Context, name string) (providers.Secret, error) {
	if isParameter(name) {
		out, err := p.secrets.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			return providers.Secret{}, secretErr(fmt.Sprintf("ssm: parameter %q", name), err)
		}
		x := out.Parameter
		return providers.Secret{SecretMeta: providers.SecretMeta{Name: name, Version: strconv.FormatInt(x.Version, 10)},
			Value: []byte(aws.ToString(x.Value))}, nil
	}
	out, err := p.secrets.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		var ir *smtypes.InvalidRequestException
		if errors.As(err, &ir) { // scheduled for deletion: gone, as far as a move goes
			return providers.Secret{}, fmt.Errorf("aws: secretsmanager: secret %q is scheduled for deletion: %w", name, providers.ErrNotFound)
		}
		return providers.Secret{}, secretErr(fmt.Sprintf("secretsmanager: secret %q", name), err)
	}
	s := providers.Secret{SecretMeta: providers.SecretMeta{Name: name, Version: aws.ToString(out.VersionId)}}
	switch {
	case out.SecretString != nil:
		s.Value = []byte(*out.SecretString)
	default:
		p.secrets.mu.Lock()
		p.secrets.isBinary[name] = true
		p.secrets.mu.Unlock()
		s.Value = out.SecretBinary
		if p.secrets.binary == BinaryBase64 {
			s.Value = []byte(base64.StdEncoding.EncodeToString(out.SecretBinary))
		}
	}
	return s, nil
}

var errSourceOnly = errors.New("the aws provider reads secrets (Secrets Manager, SSM) but does not write them")

// PutSecrets is refused: AWS is a source of secrets only.
func (p *Provider) PutSecrets(ctx context.Context, secrets []providers.Secret) (map[string]string, error) {
	return nil, fmt.Errorf("aws: secrets: %w: %w", errSourceOnly, providers.ErrUnsupported)
}

// DeleteSecrets is refused: AWS is a source of secrets only.
func (p *Provider) DeleteSecrets(ctx context.Context, names []string) error {
	return fmt.Errorf("aws: secrets: %w: %w", errSourceOnly, providers.ErrUnsupported)
}

// SecretNotes says what a move of the named secrets does not carry: a
// Secrets Manager rotation configuration (the Lambda function and its
// schedule stay at AWS; the copy is the value of the moment), and how a
// binary secret travels (base64-encoded, or as bytes the destination may
// refuse). Only secrets GetSecret has read are known to be binary.
func (p *Provider) SecretNotes(ctx context.Context, names []string) ([]providers.SecretNote, error) {
	var out []providers.SecretNote
	for _, n := range names {
		if isParameter(n) {
			continue
		}
		d, err := p.secrets.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(n)})
		if err != nil {
			if errors.Is(secretErr("", err), providers.ErrNotFound) {
				continue
			}
			return nil, secretErr(fmt.Sprintf("secretsmanager: describe secret %q", n), err)
		}
		if aws.ToBool(d.RotationEnabled) {
			every := ""
			if r := d.RotationRules; r != nil {
				switch {
				case r.ScheduleExpression != nil:
					every = " (" + aws.ToString(r.ScheduleExpression) + ")"
				case r.AutomaticallyAfterDays != nil:
					every = fmt.Sprintf(" (every %d days)", aws.ToInt64(r.AutomaticallyAfterDays))
				}
			}
			out = append(out, providers.SecretNote{Name: n, Code: "secrets.rotation_not_moved",
				Detail: fmt.Sprintf("secret %q rotates at AWS with %s%s; rotation is not moved: the destination gets today's value and keeps it",
					n, aws.ToString(d.RotationLambdaARN), every),
				Hint: "set up rotation at the destination, or stop rotating at AWS after the cutover so both sides agree"})
		}
		p.secrets.mu.Lock()
		bin := p.secrets.isBinary[n]
		p.secrets.mu.Unlock()
		if bin && p.secrets.binary == BinaryBase64 {
			out = append(out, providers.SecretNote{Name: n, Code: "secrets.binary_base64",
				Detail: fmt.Sprintf("secret %q is binary (SecretBinary); it is written base64-encoded (binary_secrets = \"base64\"): what reads it must decode it", n),
				Hint:   "decode it where it is used, or store it as text at the source"})
		} else if bin {
			out = append(out, providers.SecretNote{Name: n, Code: "secrets.binary_raw",
				Detail: fmt.Sprintf("secret %q is binary (SecretBinary) and is written as its bytes; a destination that holds only text refuses it", n),
				Hint:   "set binary_secrets = \"base64\" in the aws environment to write it base64-encoded"})
		}
	}
	return out, nil
}

// discoverSecrets lists the secrets and parameters as inventory resources
// (names, versions and, for Secrets Manager, whether it rotates), without
// values.
func (p *Provider) discoverSecrets(ctx context.Context) ([]providers.Resource, error) {
	var out []providers.Resource
	err := p.eachSecret(ctx, func(s smtypes.SecretListEntry) {
		attrs := map[string]string{providers.AttrRegion: p.region, providers.AttrProduct: "secretsmanager",
			"rotation": strconv.FormatBool(aws.ToBool(s.RotationEnabled))}
		out = append(out, providers.Resource{Kind: providers.KindSecrets, Type: providers.TypeSecret, ID: aws.ToString(s.ARN),
			Name: aws.ToString(s.Name), Attrs: attrs})
	})
	if err != nil {
		return nil, err
	}
	params := ssm.NewDescribeParametersPaginator(p.secrets.ssm, &ssm.DescribeParametersInput{MaxResults: aws.Int32(50)})
	for params.HasMorePages() {
		pg, err := params.NextPage(ctx)
		if err != nil {
			return nil, secretErr("ssm: describe parameters", err)
		}
		for _, x := range pg.Parameters {
			if !isParameter(aws.ToString(x.Name)) {
				continue // not reachable by path; not moved
			}
			out = append(out, providers.Resource{Kind: providers.KindSecrets, Type: providers.TypeParameter, ID: aws.ToString(x.ARN),
				Name: aws.ToString(x.Name), Attrs: map[string]string{providers.AttrRegion: p.region, providers.AttrProduct: "ssm",
					"type": string(x.Type), "version": strconv.FormatInt(x.Version, 10)}})
		}
	}
	return out, nil
}
