package awsfake

// AWS Systems Manager Parameter Store over AWS JSON 1.1 (X-Amz-Target:
// AmazonSSM.<Action>), from the API reference: PutParameter (String,
// StringList, SecureString; Overwrite; a new version each write),
// GetParameter and GetParameters (WithDecryption: without it a
// SecureString's Value is its ciphertext), GetParametersByPath (Path
// starting with "/", Recursive or one level, MaxResults 1 to 10,
// NextToken), DescribeParameters (MaxResults 1 to 50, NextToken; no
// values), DeleteParameter. Errors: ParameterNotFound,
// ParameterAlreadyExists, ValidationException (a MaxResults out of
// range, a bad path), InvalidNextToken, InvalidKeyId (a SecureString whose
// key FailDecryption made unusable).

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// SSM is a stateful fake of SSM Parameter Store; it is an http.Handler.
type SSM struct {
	// AccessKey, when set, is the only access key id accepted.
	AccessKey string
	Region    string
	Account   string

	mu     sync.Mutex
	params map[string]*ssmParam
	now    func() time.Time
}

type ssmParam struct {
	name, typ, value, keyID, description string
	version                              int64
	modified                             time.Time
	broken                               bool
}

// NewSSM returns an empty Parameter Store of account 123456789012 in
// eu-central-1.
func NewSSM() *SSM {
	return &SSM{Region: "eu-central-1", Account: "123456789012", params: map[string]*ssmParam{}, now: time.Now}
}

// FailDecryption makes a SecureString's KMS key unusable.
func (f *SSM) FailDecryption(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.params[name]; p != nil {
		p.broken = true
	}
}

// ServeHTTP answers one SSM request.
func (f *SSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	serveJSON11(w, r, "AmazonSSM", f.AccessKey, map[string]jsonAction{
		"PutParameter":        f.put,
		"GetParameter":        f.get,
		"GetParameters":       f.getMany,
		"GetParametersByPath": f.byPath,
		"DescribeParameters":  f.describe,
		"DeleteParameter":     f.deleteParam,
	}, nil)
}

func paramNotFound(name string) error {
	return badRequest("ParameterNotFound", "Parameter %s not found.", name)
}

func (f *SSM) arn(name string) string {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return "arn:aws:ssm:" + f.Region + ":" + f.Account + ":parameter" + name
}

// wire is a parameter as GetParameter* answer it; f.mu is held.
func (f *SSM) wire(p *ssmParam, decrypt bool) (map[string]any, error) {
	v := p.value
	if p.typ == "SecureString" {
		if decrypt && p.broken {
			return nil, badRequest("InvalidKeyId", "The KMS key of parameter %s is not valid or not enabled.", p.name)
		}
		if !decrypt {
			v = base64.StdEncoding.EncodeToString([]byte("kms:" + p.keyID + ":" + randomHex(16))) // ciphertext, not the value
		}
	}
	return map[string]any{"Name": p.name, "Type": p.typ, "Value": v, "Version": p.version, "LastModifiedDate": epoch(p.modified),
		"ARN": f.arn(p.name), "DataType": "text"}, nil
}

func (f *SSM) put(in map[string]json.RawMessage) (any, error) {
	var p struct {
		Name, Value, Type, KeyId, Description string
		Overwrite                             bool
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	if p.Name == "" || len(p.Name) > 2048 || strings.Contains(p.Name, "//") {
		return nil, badRequest("ValidationException", "Parameter name: %q is not valid", p.Name)
	}
	if p.Value == "" || len(p.Value) > 8192 {
		return nil, badRequest("ValidationException", "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length between 1 and 8192")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.params[p.Name]
	if old != nil && !p.Overwrite {
		return nil, badRequest("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	}
	if p.Type == "" && old != nil {
		p.Type = old.typ
	}
	switch p.Type {
	case "String", "StringList":
	case "SecureString":
		if p.KeyId == "" {
			p.KeyId = "alias/aws/ssm"
		}
	default:
		return nil, badRequest("ValidationException", "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", p.Type)
	}
	np := &ssmParam{name: p.Name, typ: p.Type, value: p.Value, keyID: p.KeyId, description: p.Description, version: 1, modified: f.now()}
	if old != nil {
		np.version = old.version + 1
	}
	f.params[p.Name] = np
	return map[string]any{"Version": np.version, "Tier": "Standard"}, nil
}

func (f *SSM) get(in map[string]json.RawMessage) (any, error) {
	var p struct {
		Name           string
		WithDecryption bool
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.params[p.Name]
	if x == nil {
		return nil, paramNotFound(p.Name)
	}
	w, err := f.wire(x, p.WithDecryption)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Parameter": w}, nil
}

func (f *SSM) getMany(in map[string]json.RawMessage) (any, error) {
	var p struct {
		Names          []string
		WithDecryption bool
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	if len(p.Names) < 1 || len(p.Names) > 10 {
		return nil, badRequest("ValidationException", "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	found, invalid := []any{}, []string{}
	for _, n := range p.Names {
		x := f.params[n]
		if x == nil {
			invalid = append(invalid, n)
			continue
		}
		w, err := f.wire(x, p.WithDecryption)
		if err != nil {
			return nil, err
		}
		found = append(found, w)
	}
	return map[string]any{"Parameters": found, "InvalidParameters": invalid}, nil
}

// sorted returns the parameters' names in order; f.mu is held.
func (f *SSM) sorted(keep func(*ssmParam) bool) []string {
	var names []string
	for n, p := range f.params {
		if keep(p) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func maxResults(v *int, def, hi int, member string) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 1 || *v > hi {
		return 0, badRequest("ValidationException", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *v, member, hi)
	}
	return *v, nil
}

func (f *SSM) byPath(in map[string]json.RawMessage) (any, error) {
	var p struct {
		Path                      string
		Recursive, WithDecryption bool
		MaxResults                *int
		NextToken                 string
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	max, err := maxResults(p.MaxResults, 10, 10, "maxResults")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(p.Path, "/") || strings.Contains(p.Path, "//") {
		return nil, badRequest("ValidationException", "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	prefix := strings.TrimSuffix(p.Path, "/") + "/"
	f.mu.Lock()
	defer f.mu.Unlock()
	names := f.sorted(func(x *ssmParam) bool {
		rest, ok := strings.CutPrefix(x.name, prefix)
		return ok && rest != "" && (p.Recursive || !strings.Contains(rest, "/"))
	})
	names, next, err := page(names, p.NextToken, max, "InvalidNextToken")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, n := range names {
		w, err := f.wire(f.params[n], p.WithDecryption)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	res := map[string]any{"Parameters": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

func (f *SSM) describe(in map[string]json.RawMessage) (any, error) {
	var p struct {
		MaxResults *int
		NextToken  string
	}
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	max, err := maxResults(p.MaxResults, 10, 50, "maxResults")
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	names, next, err := page(f.sorted(func(*ssmParam) bool { return true }), p.NextToken, max, "InvalidNextToken")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, n := range names {
		x := f.params[n]
		d := map[string]any{"Name": x.name, "Type": x.typ, "Version": x.version, "LastModifiedDate": epoch(x.modified),
			"ARN": f.arn(x.name), "DataType": "text", "Tier": "Standard", "Policies": []any{}}
		if x.keyID != "" {
			d["KeyId"] = x.keyID
		}
		if x.description != "" {
			d["Description"] = x.description
		}
		out = append(out, d)
	}
	res := map[string]any{"Parameters": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

func (f *SSM) deleteParam(in map[string]json.RawMessage) (any, error) {
	var p struct{ Name string }
	if err := decode(in, &p); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.params[p.Name] == nil {
		return nil, paramNotFound(p.Name)
	}
	delete(f.params, p.Name)
	return nil, nil
}
