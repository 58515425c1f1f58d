package providers

import (
	"slices"
	"strings"
)

// RedactText replaces every secret (of 3 characters or more) in s with
// "***", longest first, so that a secret containing another (a URL and
// its password) goes whole.
func RedactText(s string, secrets ...string) string {
	ss := slices.Clone(secrets)
	slices.SortStableFunc(ss, func(a, b string) int { return len(b) - len(a) })
	for _, x := range ss {
		if len(x) >= 3 {
			s = strings.ReplaceAll(s, x, "***")
		}
	}
	return s
}

// Redact returns err printing without the secrets (a password in a URL
// a client library put in its message), keeping its chain for errors.Is
// and errors.As; nil stays nil.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err, text: RedactText(err.Error(), secrets...)}
}

type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
