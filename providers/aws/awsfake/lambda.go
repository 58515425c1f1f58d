package awsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// LambdaFunction is one function of the Lambda fake.
type LambdaFunction struct {
	Name, Runtime, Role, Handler string
	MemorySize, Timeout          int
	Arch                         string // x86_64, arm64
	// Env are its environment variables: the fake returns them as
	// Lambda does, so tests can check they are never reported.
	Env map[string]string
}

// LambdaMapping is one event source mapping: the function is triggered
// by the queue, stream or table of SourceARN.
type LambdaMapping struct {
	UUID, Function, SourceARN, State string
	BatchSize                        int
}

// Lambda is a stateful fake of the Lambda API for discovery (REST-JSON
// under /2015-03-31): ListFunctions (MaxItems 1-50, Marker, NextMarker)
// and ListEventSourceMappings (FunctionName filters by name or ARN,
// MaxItems 1-100). Errors are Lambda's: the status, an X-Amzn-ErrorType
// header and a {"Type","message"} body (InvalidParameterValueException,
// ResourceNotFoundException, AccessDeniedException when unsigned).
type Lambda struct {
	fakeBase
	Account   string
	Region    string
	PageLimit int
	functions []LambdaFunction
	mappings  []LambdaMapping
}

// NewLambda returns an empty fake.
func NewLambda(account, region string) *Lambda {
	return &Lambda{Account: account, Region: region}
}

// AddFunction adds functions.
func (f *Lambda) AddFunction(fs ...LambdaFunction) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.functions = append(f.functions, fs...)
}

// AddMapping adds event source mappings.
func (f *Lambda) AddMapping(ms ...LambdaMapping) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mappings = append(f.mappings, ms...)
}

func (f *Lambda) arn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.Region, f.Account, name)
}

func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func (f *Lambda) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		lambdaError(w, http.StatusForbidden, "AccessDeniedException", "Missing Authentication Token")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimSuffix(r.URL.Path, "/")
	q := r.URL.Query()
	var op string
	switch {
	case r.Method == http.MethodGet && path == "/2015-03-31/functions":
		op = "ListFunctions"
	case r.Method == http.MethodGet && path == "/2015-03-31/event-source-mappings":
		op = "ListEventSourceMappings"
	default:
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	f.count(op)
	limit := 50
	if op == "ListEventSourceMappings" {
		limit = 100
	}
	size := limit
	if m := q.Get("MaxItems"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 10000 {
			lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "1 validation error detected: Value '"+m+"' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000")
			return
		}
		size = min(n, limit)
	}
	if f.PageLimit > 0 && f.PageLimit < size {
		size = f.PageLimit
	}
	w.Header().Set("Content-Type", "application/json")
	if op == "ListFunctions" {
		from, to, next, err := queryPage(len(f.functions), q.Get("Marker"), size)
		if err != nil {
			lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "Invalid marker "+q.Get("Marker"))
			return
		}
		out := []map[string]any{}
		for _, fn := range f.functions[from:to] {
			m := map[string]any{"FunctionName": fn.Name, "FunctionArn": f.arn(fn.Name), "Runtime": fn.Runtime, "Role": fn.Role,
				"Handler": fn.Handler, "CodeSize": 1024, "Description": "", "Timeout": fn.Timeout, "MemorySize": fn.MemorySize,
				"LastModified": "2025-01-01T00:00:00.000+0000", "Version": "$LATEST", "PackageType": "Zip",
				"Architectures": []string{fn.Arch}, "EphemeralStorage": map[string]int{"Size": 512}}
			if len(fn.Env) > 0 {
				m["Environment"] = map[string]any{"Variables": fn.Env}
			}
			out = append(out, m)
		}
		body := map[string]any{"Functions": out}
		if next != "" {
			body["NextMarker"] = next
		}
		json.NewEncoder(w).Encode(body)
		return
	}
	var list []LambdaMapping
	fn := q.Get("FunctionName")
	for _, m := range f.mappings {
		if fn == "" || fn == m.Function || fn == f.arn(m.Function) {
			list = append(list, m)
		}
	}
	if fn != "" {
		known := false
		for _, x := range f.functions {
			known = known || x.Name == fn || f.arn(x.Name) == fn
		}
		if !known {
			w.Header().Del("Content-Type")
			lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+f.arn(strings.TrimPrefix(fn, "arn:aws:lambda:")))
			return
		}
	}
	from, to, next, err := queryPage(len(list), q.Get("Marker"), size)
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "Invalid marker "+q.Get("Marker"))
		return
	}
	out := []map[string]any{}
	for _, m := range list[from:to] {
		out = append(out, map[string]any{"UUID": m.UUID, "EventSourceArn": m.SourceARN, "FunctionArn": f.arn(m.Function),
			"State": m.State, "BatchSize": m.BatchSize, "LastModified": 1.7e9, "StateTransitionReason": "USER_INITIATED"})
	}
	body := map[string]any{"EventSourceMappings": out}
	if next != "" {
		body["NextMarker"] = next
	}
	json.NewEncoder(w).Encode(body)
}
