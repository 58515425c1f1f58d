package awsfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// queryRequest is a parsed AWS Query (or EC2 Query) request: a form POST
// with Action and Version, signed with SigV4.
type queryRequest struct {
	action string
	form   map[string][]string
}

func (q queryRequest) get(k string) string {
	if v := q.form[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list returns the members of a list parameter: Prefix.1, Prefix.2, ...
func (q queryRequest) list(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := q.form[fmt.Sprintf("%s.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v...)
	}
}

// parseQuery reads a Query request; ok is false when an error answer was
// written (not a POST form, not signed).
func parseQuery(w http.ResponseWriter, r *http.Request, fail func(w http.ResponseWriter, status int, code, msg string)) (queryRequest, bool) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		fail(w, http.StatusBadRequest, "MalformedQueryString", "the request is not a form POST")
		return queryRequest{}, false
	}
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=") {
		fail(w, http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
		return queryRequest{}, false
	}
	return queryRequest{action: r.PostForm.Get("Action"), form: r.PostForm}, true
}

// fakeBase is what every fake here shares: the lock over its state, the
// count of requests per action, and request ids.
type fakeBase struct {
	mu    sync.Mutex
	calls map[string]int
	ids   queryIDs
}

// Calls returns how many requests of the action (or operation) were
// answered.
func (f *fakeBase) Calls(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

// count records a request; the caller holds mu.
func (f *fakeBase) count(action string) {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[action]++
}

// queryIDs numbers answers.
type queryIDs struct{ n atomic.Int64 }

func (r *queryIDs) next() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", r.n.Add(1))
}

// queryError writes the AWS Query protocol's error document (IAM, RDS,
// ELBv2, STS): <ErrorResponse><Error><Type/><Code/><Message/></Error>.
func queryError(ns string, ids *queryIDs) func(w http.ResponseWriter, status int, code, msg string) {
	return func(w http.ResponseWriter, status int, code, msg string) {
		typ := "Sender"
		if status >= 500 {
			typ = "Receiver"
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			ns, typ, code, xmlEscape(msg), ids.next())
	}
}

// page cuts a list of n items at a token (an offset, as text) for at
// most size items; next is "" on the last page. A token that is not one
// of ours is an error.
func queryPage(n int, token string, size int) (from, to int, next string, err error) {
	if token != "" {
		from, err = strconv.Atoi(token)
		if err != nil || from < 0 || from > n {
			return 0, 0, "", fmt.Errorf("invalid token %q", token)
		}
	}
	to = from + size
	if to >= n {
		return from, n, "", nil
	}
	return from, to, strconv.Itoa(to), nil
}
