package awsfake

// The AWS JSON 1.1 protocol the Secrets Manager and SSM fakes speak: a
// POST to / with X-Amz-Target: <Prefix>.<Action>, Content-Type
// application/x-amz-json-1.1, the action's request members as a JSON
// object; the answer is the result members, or an error
// {"__type": "<Code>", "message": ...} with its HTTP status.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// apiError is an error answer of a JSON 1.1 service.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// jsonAction answers one action from its decoded request.
type jsonAction func(in map[string]json.RawMessage) (any, error)

// serveJSON11 dispatches r to actions by X-Amz-Target, checking the
// protocol and the signature's access key (any when accessKey is "").
func serveJSON11(w http.ResponseWriter, r *http.Request, prefix, accessKey string, actions map[string]jsonAction, calls *atomic.Int64) {
	fail := func(e *apiError) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-RequestId", newRequestID())
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "message": e.message})
	}
	target := r.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, prefix+".")
	if r.Method != http.MethodPost || !ok {
		fail(badRequest("UnknownOperationException", "X-Amz-Target %q names no %s operation", target, prefix))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.1") {
		fail(badRequest("SerializationException", "Content-Type %q: this service takes application/x-amz-json-1.1", ct))
		return
	}
	if e := checkAuth(r, accessKey); e != nil {
		fail(&apiError{status: e.status, code: e.code, message: e.message})
		return
	}
	h := actions[action]
	if h == nil {
		fail(badRequest("UnknownOperationException", "unknown operation %s", action))
		return
	}
	if calls != nil {
		calls.Add(1)
	}
	var in map[string]json.RawMessage
	raw, err := io.ReadAll(r.Body) // the whole body, so the connection stays usable
	if err == nil {
		err = json.Unmarshal(raw, &in)
	}
	if err != nil {
		fail(badRequest("SerializationException", "the request body is not a JSON object: %v", err))
		return
	}
	out, err := h(in)
	if err != nil {
		e, ok := err.(*apiError)
		if !ok {
			e = &apiError{status: http.StatusInternalServerError, code: "InternalServiceError", message: err.Error()}
		}
		fail(e)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	if out == nil {
		out = map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// decode reads the request into v (a struct of the action's members).
func decode(in map[string]json.RawMessage, v any) error {
	b, _ := json.Marshal(in)
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("SerializationException", "%v", err)
	}
	return nil
}

// page cuts items at an opaque token (the index of the next item) into a
// page of at most max, returning the next token ("" at the end); a token
// it did not make is the service's badToken error.
func page[T any](items []T, token string, max int, badToken string) ([]T, string, error) {
	start := 0
	if token != "" {
		if _, err := fmt.Sscanf(token, "tok-%d", &start); err != nil || start < 0 || start > len(items) {
			return nil, "", badRequest(badToken, "the NextToken is not valid")
		}
	}
	end := min(start+max, len(items))
	next := ""
	if end < len(items) {
		next = fmt.Sprintf("tok-%d", end)
	}
	return items[start:end], next, nil
}
