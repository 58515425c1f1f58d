package awsfake

// AWS Secrets Manager over AWS JSON 1.1 (X-Amz-Target: secretsmanager.<Action>),
// from the API reference: CreateSecret, PutSecretValue, ListSecrets
// (MaxResults 1 to 100, NextToken; secrets scheduled for deletion only
// with IncludePlannedDeletion), DescribeSecret, GetSecretValue
// (SecretString or SecretBinary in base64; VersionId or VersionStage,
// AWSCURRENT by default), DeleteSecret (a recovery window, or at once with
// ForceDeleteWithoutRecovery). A secret is named by its name or its ARN,
// whose name ends in a hyphen and six random characters. Errors:
// ResourceNotFoundException (400), ResourceExistsException,
// InvalidParameterException, InvalidRequestException (a secret scheduled
// for deletion), DecryptionFailure (a secret whose KMS key the test made
// unusable with FailDecryption). Rotation needs Lambda, so tests set a
// secret's rotation configuration with SetRotation.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SecretsManager is a stateful fake of AWS Secrets Manager; it is an
// http.Handler.
type SecretsManager struct {
	// AccessKey, when set, is the only access key id accepted.
	AccessKey string
	Region    string
	Account   string
	// GetValues counts GetSecretValue calls.
	GetValues atomic.Int64

	mu      sync.Mutex
	secrets map[string]*smSecret // by name
	now     func() time.Time
}

type smSecret struct {
	name, arn, description, kmsKey string
	created, changed               time.Time
	deleted                        time.Time
	versions                       map[string]*smVersion
	order                          []string // version ids, oldest first
	rotation                       *smRotation
	tags                           []map[string]string
	undecryptable                  bool
}

type smVersion struct {
	id      string
	str     *string
	bin     []byte
	stages  []string
	created time.Time
}

type smRotation struct {
	lambda string
	days   int64
}

// NewSecretsManager returns an empty Secrets Manager of account
// 123456789012 in eu-central-1.
func NewSecretsManager() *SecretsManager {
	return &SecretsManager{Region: "eu-central-1", Account: "123456789012", secrets: map[string]*smSecret{}, now: time.Now}
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func newVersionID() string {
	h := randomHex(32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// SetRotation gives a secret a rotation configuration (as RotateSecret
// would with a Lambda function): rotation every days days.
func (f *SecretsManager) SetRotation(name, lambdaARN string, days int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.secrets[name]; s != nil {
		s.rotation = &smRotation{lambda: lambdaARN, days: days}
	}
}

// FailDecryption makes a secret's KMS key unusable: reading its value is
// DecryptionFailure.
func (f *SecretsManager) FailDecryption(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.secrets[name]; s != nil {
		s.undecryptable = true
	}
}

func notFound() error {
	return badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

// find returns the secret a SecretId names (name or ARN); f.mu is held.
func (f *SecretsManager) find(id string, deletedOK bool) (*smSecret, error) {
	if id == "" {
		return nil, badRequest("InvalidParameterException", "You must provide a value for the SecretId parameter.")
	}
	s := f.secrets[id]
	if s == nil && strings.HasPrefix(id, "arn:") {
		for _, x := range f.secrets {
			if x.arn == id {
				s = x
			}
		}
	}
	if s == nil {
		return nil, notFound()
	}
	if !s.deleted.IsZero() && !deletedOK {
		return nil, badRequest("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.")
	}
	return s, nil
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// put adds a version holding the value and makes it AWSCURRENT; f.mu is
// held.
func (s *smSecret) put(str *string, bin []byte, token string, now time.Time) (*smVersion, error) {
	if (str == nil) == (bin == nil) {
		return nil, badRequest("InvalidParameterException", "You must provide either SecretString or SecretBinary, but not both.")
	}
	if token == "" {
		token = newVersionID()
	}
	if v := s.versions[token]; v != nil {
		same := (str != nil && v.str != nil && *str == *v.str) || (bin != nil && string(bin) == string(v.bin))
		if !same {
			return nil, badRequest("ResourceExistsException", "A resource with the ID you requested already exists.")
		}
		return v, nil // a retried request
	}
	size := len(bin)
	if str != nil {
		size = len(*str)
	}
	if size > 65536 {
		return nil, badRequest("InvalidParameterException", "The secret value exceeds the 65536 byte limit.")
	}
	for _, v := range s.versions {
		keep := v.stages[:0]
		for _, st := range v.stages {
			switch st {
			case "AWSCURRENT":
				keep = append(keep, "AWSPREVIOUS")
			case "AWSPREVIOUS":
			default:
				keep = append(keep, st)
			}
		}
		v.stages = keep
	}
	v := &smVersion{id: token, str: str, bin: bin, stages: []string{"AWSCURRENT"}, created: now}
	s.versions[token] = v
	s.order = append(s.order, token)
	s.changed = now
	return v, nil
}

func (s *smSecret) current() *smVersion {
	for _, v := range s.versions {
		for _, st := range v.stages {
			if st == "AWSCURRENT" {
				return v
			}
		}
	}
	return nil
}

// entry is the secret's description (ListSecrets, DescribeSecret).
func (s *smSecret) entry() map[string]any {
	stages := map[string][]string{}
	for id, v := range s.versions {
		if len(v.stages) > 0 {
			stages[id] = v.stages
		}
	}
	e := map[string]any{"ARN": s.arn, "Name": s.name, "CreatedDate": epoch(s.created), "LastChangedDate": epoch(s.changed),
		"SecretVersionsToStages": stages}
	if s.description != "" {
		e["Description"] = s.description
	}
	if s.kmsKey != "" {
		e["KmsKeyId"] = s.kmsKey
	}
	if len(s.tags) > 0 {
		e["Tags"] = s.tags
	}
	if !s.deleted.IsZero() {
		e["DeletedDate"] = epoch(s.deleted)
	}
	if s.rotation != nil {
		e["RotationEnabled"] = true
		e["RotationLambdaARN"] = s.rotation.lambda
		e["RotationRules"] = map[string]any{"AutomaticallyAfterDays": s.rotation.days}
	}
	return e
}

// ServeHTTP answers one Secrets Manager request.
func (f *SecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	serveJSON11(w, r, "secretsmanager", f.AccessKey, map[string]jsonAction{
		"CreateSecret":   f.create,
		"PutSecretValue": f.putValue,
		"ListSecrets":    f.list,
		"DescribeSecret": f.describe,
		"GetSecretValue": f.getValue,
		"DeleteSecret":   f.delete,
	}, nil)
}

type smValueIn struct {
	SecretId, Name, Description, KmsKeyId, ClientRequestToken string
	SecretString                                              *string
	SecretBinary                                              []byte
	Tags                                                      []map[string]string
}

func (f *SecretsManager) create(in map[string]json.RawMessage) (any, error) {
	var p smValueIn
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	if p.Name == "" || len(p.Name) > 512 || strings.Trim(p.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-") != "" {
		return nil, badRequest("InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if old := f.secrets[p.Name]; old != nil {
		if !old.deleted.IsZero() {
			return nil, badRequest("InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		return nil, badRequest("ResourceExistsException", "The operation failed because the secret %s already exists.", p.Name)
	}
	now := f.now()
	s := &smSecret{name: p.Name, arn: "arn:aws:secretsmanager:" + f.Region + ":" + f.Account + ":secret:" + p.Name + "-" + randomHex(6),
		description: p.Description, kmsKey: p.KmsKeyId, created: now, changed: now, versions: map[string]*smVersion{}, tags: p.Tags}
	out := map[string]any{"ARN": s.arn, "Name": s.name}
	if p.SecretString != nil || p.SecretBinary != nil {
		v, err := s.put(p.SecretString, p.SecretBinary, p.ClientRequestToken, now)
		if err != nil {
			return nil, err
		}
		out["VersionId"] = v.id
	}
	f.secrets[p.Name] = s
	return out, nil
}

func (f *SecretsManager) putValue(in map[string]json.RawMessage) (any, error) {
	var p smValueIn
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(p.SecretId, false)
	if err != nil {
		return nil, err
	}
	v, err := s.put(p.SecretString, p.SecretBinary, p.ClientRequestToken, f.now())
	if err != nil {
		return nil, err
	}
	return map[string]any{"ARN": s.arn, "Name": s.name, "VersionId": v.id, "VersionStages": v.stages}, nil
}

func (f *SecretsManager) list(in map[string]json.RawMessage) (any, error) {
	var p struct {
		MaxResults             *int
		NextToken              string
		IncludePlannedDeletion bool
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	max := 100
	if p.MaxResults != nil {
		if *p.MaxResults < 1 || *p.MaxResults > 100 {
			return nil, badRequest("InvalidParameterException", "MaxResults must be from 1 to 100.")
		}
		max = *p.MaxResults
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for n, s := range f.secrets {
		if s.deleted.IsZero() || p.IncludePlannedDeletion {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	names, next, err := page(names, p.NextToken, max, "InvalidNextTokenException")
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, n := range names {
		list = append(list, f.secrets[n].entry())
	}
	out := map[string]any{"SecretList": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (f *SecretsManager) describe(in map[string]json.RawMessage) (any, error) {
	var p struct{ SecretId string }
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(p.SecretId, true)
	if err != nil {
		return nil, err
	}
	e := s.entry()
	e["VersionIdsToStages"] = e["SecretVersionsToStages"]
	delete(e, "SecretVersionsToStages")
	return e, nil
}

func (f *SecretsManager) getValue(in map[string]json.RawMessage) (any, error) {
	var p struct{ SecretId, VersionId, VersionStage string }
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	f.GetValues.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(p.SecretId, false)
	if err != nil {
		return nil, err
	}
	var v *smVersion
	switch {
	case p.VersionId != "":
		v = s.versions[p.VersionId]
		if v != nil && p.VersionStage != "" && !contains(v.stages, p.VersionStage) {
			return nil, badRequest("InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId.")
		}
	case p.VersionStage != "":
		for _, x := range s.versions {
			if contains(x.stages, p.VersionStage) {
				v = x
			}
		}
	default:
		v = s.current()
	}
	if v == nil {
		return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: %s, VersionStage: %s", p.VersionId, p.VersionStage)
	}
	if s.undecryptable {
		return nil, badRequest("DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key.")
	}
	out := map[string]any{"ARN": s.arn, "Name": s.name, "VersionId": v.id, "VersionStages": v.stages, "CreatedDate": epoch(v.created)}
	if v.str != nil {
		out["SecretString"] = *v.str
	} else {
		out["SecretBinary"] = v.bin // base64, as JSON carries blobs
	}
	return out, nil
}

func (f *SecretsManager) delete(in map[string]json.RawMessage) (any, error) {
	var p struct {
		SecretId                   string
		ForceDeleteWithoutRecovery bool
		RecoveryWindowInDays       *int
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	if p.ForceDeleteWithoutRecovery && p.RecoveryWindowInDays != nil {
		return nil, badRequest("InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	}
	days := 30
	if p.RecoveryWindowInDays != nil {
		if *p.RecoveryWindowInDays < 7 || *p.RecoveryWindowInDays > 30 {
			return nil, badRequest("InvalidParameterException", "RecoveryWindowInDays must be from 7 to 30.")
		}
		days = *p.RecoveryWindowInDays
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(p.SecretId, true)
	if err != nil {
		return nil, err
	}
	now := f.now()
	when := now.AddDate(0, 0, days)
	if p.ForceDeleteWithoutRecovery {
		delete(f.secrets, s.name)
		when = now
	} else {
		s.deleted = now
	}
	return map[string]any{"ARN": s.arn, "Name": s.name, "DeletionDate": epoch(when)}, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
