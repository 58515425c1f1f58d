package providers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rehome/rehome/providers"
)

// httpErr is shaped like the AWS SDK's response errors.
type httpErr struct{ code int }

func (e httpErr) Error() string       { return fmt.Sprintf("http %d", e.code) }
func (e httpErr) HTTPStatusCode() int { return e.code }

// apiErr is shaped like a service error with a code (smithy.APIError).
type apiErr struct{ code string }

func (e apiErr) Error() string     { return e.code }
func (e apiErr) ErrorCode() string { return e.code }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"503", fmt.Errorf("put: %w", httpErr{503}), true},
		{"500", httpErr{500}, true},
		{"429", httpErr{429}, true},
		{"501 not implemented", httpErr{501}, false},
		{"404", httpErr{404}, false},
		{"403", httpErr{403}, false},
		{"SlowDown", apiErr{"SlowDown"}, true},
		{"Throttling", apiErr{"Throttling"}, true},
		{"hcloud rate limit", apiErr{"rate_limit_exceeded"}, true},
		{"AccessDenied", apiErr{"AccessDenied"}, false},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"connection refused", syscall.ECONNREFUSED, true},
		{"broken pipe", syscall.EPIPE, true},
		{"body cut short", fmt.Errorf("copy: %w", io.ErrUnexpectedEOF), true},
		{"timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"connection closed while sending", fmt.Errorf("write: %w", net.ErrClosed), true},
		{"request send failed", fmt.Errorf("put: %w", &smithyhttp.RequestSendError{Err: errors.New("write tcp: broken")}), true},
		{"cancelled", context.Canceled, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"plain", errors.New("bucket name invalid"), false},
		{"not found", providers.ErrNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := providers.Transient(tt.err); got != tt.want {
				t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
			marked := providers.MarkTransient(tt.err)
			if got := providers.IsRetryable(marked); got != tt.want {
				t.Errorf("IsRetryable(MarkTransient(%v)) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.err != nil && !errors.Is(marked, tt.err) {
				t.Errorf("MarkTransient(%v) does not wrap the error", tt.err)
			}
		})
	}
}

func TestRetryableMarks(t *testing.T) {
	base := errors.New("busy")
	if providers.IsRetryable(base) {
		t.Error("an unmarked error is retryable")
	}
	r := providers.RetryableAfter(fmt.Errorf("put: %w", base), 3*time.Second)
	if !providers.IsRetryable(fmt.Errorf("copy: %w", r)) || providers.RetryAfter(r) != 3*time.Second || !errors.Is(r, base) {
		t.Errorf("RetryableAfter: retryable %v, after %v, wraps %v", providers.IsRetryable(r), providers.RetryAfter(r), errors.Is(r, base))
	}
	// Giving up is never retried, whatever marks it.
	if providers.IsRetryable(providers.Retryable(context.Canceled)) {
		t.Error("a cancelled context marked retryable is retried")
	}
	if providers.Retryable(nil) != nil || providers.MarkTransient(nil) != nil {
		t.Error("nil must stay nil")
	}
}
