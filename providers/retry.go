package providers

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// RetryableError marks a failure worth trying again: the service was busy
// or the connection broke, and the same call may succeed later. The
// transfer layer retries only errors marked this way, so a provider decides
// at its boundary what is transient (MarkTransient does it for the usual
// cases). After, when set, is the least wait the service asked for.
type RetryableError struct {
	Err   error
	After time.Duration
}

func (e *RetryableError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RetryableError) Unwrap() error { return e.Err }

// Retryable marks err as worth retrying; nil stays nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &RetryableError{Err: err}
}

// RetryableAfter marks err as worth retrying after at least d (a
// Retry-After header).
func RetryableAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &RetryableError{Err: err, After: d}
}

// IsRetryable reports whether err is marked retryable and is not the
// caller giving up (a cancelled or expired context never is).
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var re *RetryableError
	return errors.As(err, &re)
}

// RetryAfter returns the wait a retryable error asks for (0: none).
func RetryAfter(err error) time.Duration {
	var re *RetryableError
	if errors.As(err, &re) {
		return re.After
	}
	return 0
}

// MarkTransient marks err retryable when it is one of the transient
// failures SDKs and networks produce (see Transient); other errors, and
// nil, are returned as they are.
func MarkTransient(err error) error {
	if Transient(err) {
		return Retryable(err)
	}
	return err
}

// transientCodes are service error codes that mean "busy, try again":
// S3's SlowDown and friends, AWS throttling, Hetzner's and DigitalOcean's
// rate limits.
var transientCodes = map[string]bool{
	"slowdown": true, "throttling": true, "throttlingexception": true, "throttled": true,
	"requestlimitexceeded": true, "toomanyrequestsexception": true, "requestthrottled": true,
	"requesttimeout": true, "requesttimeoutexception": true, "internalerror": true,
	"serviceunavailable": true, "rate_limit_exceeded": true, "timeout": true,
	"provisionedthroughputexceededexception": true, "priorrequestnotcomplete": true,
}

// Transient reports whether err looks like a transient failure: an HTTP
// status of 429 or 5xx (errors with an HTTPStatusCode() int method, as the
// AWS SDK's response errors have, or StatusCode() int), a throttling or
// busy error code (an ErrorCode() string method), a connection reset,
// refused or broken pipe, a network timeout, or a body cut short
// (io.ErrUnexpectedEOF). A cancelled context is not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var sc interface{ HTTPStatusCode() int }
	if errors.As(err, &sc) && retryableStatus(sc.HTTPStatusCode()) {
		return true
	}
	var st interface{ StatusCode() int }
	if errors.As(err, &st) && retryableStatus(st.StatusCode()) {
		return true
	}
	var ec interface{ ErrorCode() string }
	if errors.As(err, &ec) && transientCodes[strings.ToLower(ec.ErrorCode())] {
		return true
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	// A request that never got an answer (smithy's RequestSendError: the
	// connection failed while sending); retrying is safe because rehome's
	// writes are conditional or idempotent.
	var ce interface{ ConnectionError() bool }
	if errors.As(err, &ce) && ce.ConnectionError() {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func retryableStatus(code int) bool {
	return code == 429 || (code >= 500 && code <= 599 && code != 501)
}
