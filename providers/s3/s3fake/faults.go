package s3fake

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// FaultKind is what a fault does to a request.
type FaultKind int

const (
	// FaultInternalError answers 500 InternalError without passing the
	// request on.
	FaultInternalError FaultKind = iota + 1
	// FaultSlowDown answers 503 SlowDown without passing the request on.
	FaultSlowDown
	// FaultTooManyRequests answers 429 TooManyRequests without passing the
	// request on.
	FaultTooManyRequests
	// FaultOKError answers 200 OK with an InternalError document, as S3
	// may for CopyObject, UploadPartCopy and CompleteMultipartUpload, without
	// passing the request on.
	FaultOKError
	// FaultReset resets the connection (TCP RST) before the request
	// reaches the server: nothing is applied.
	FaultReset
	// FaultResetAfter lets the server handle (and apply) the request, then
	// resets the connection instead of answering: a lost response.
	FaultResetAfter
	// FaultResetMidBody sends the status, the headers and Offset bytes of
	// the response body, then resets the connection.
	FaultResetMidBody
	// FaultTruncate sends the status, the headers (with the whole
	// Content-Length) and Offset bytes of the response body, then closes
	// the connection cleanly: a short body.
	FaultTruncate
	// FaultCorruptResponse flips the response body's byte at Offset.
	FaultCorruptResponse
	// FaultCorruptRequest flips the request payload's byte at Offset
	// before the server reads it (inside aws-chunked framing, a data byte).
	FaultCorruptRequest
	// FaultDeleteKeyError fails the entries of DeleteObjects requests
	// naming the fault's Key (and Bucket) with Code and Message. Only this
	// package's Server applies it; Faults.Handler ignores it.
	FaultDeleteKeyError
)

func (k FaultKind) String() string {
	names := []string{"FaultInternalError", "FaultSlowDown", "FaultTooManyRequests", "FaultOKError", "FaultReset",
		"FaultResetAfter", "FaultResetMidBody", "FaultTruncate", "FaultCorruptResponse", "FaultCorruptRequest",
		"FaultDeleteKeyError"}
	if k >= 1 && int(k) <= len(names) {
		return names[k-1]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault says which requests to disturb and how.
type Fault struct {
	Kind FaultKind
	// Op, Bucket and Key select requests (see Classify); "" matches any.
	Op     Operation
	Bucket string
	Key    string
	// Match, when not nil, must also accept the request. It runs under
	// the Faults' lock, so it must not call the Faults' methods.
	Match func(*http.Request) bool
	// Skip lets the first Skip matching requests through: the fault hits
	// the (Skip+1)th.
	Skip int
	// Times is how many matching requests the fault hits: 0 means one,
	// a negative number every one from then on.
	Times int
	// Offset is the body byte at which FaultResetMidBody and FaultTruncate
	// cut and which the corruptions flip; 0 means the middle of the body
	// (half its length).
	Offset int64
	// Code and Message replace the error's code and message for the kinds
	// that answer one (the defaults are S3's).
	Code, Message string
}

// Injection is a fault added to a Faults.
type Injection struct {
	f     *Faults
	fault Fault
	seen  int // matching requests
	fired int
}

// Fired returns how many requests the fault has hit.
func (i *Injection) Fired() int {
	i.f.mu.Lock()
	defer i.f.mu.Unlock()
	return i.fired
}

// Faults injects faults into S3 traffic. Use it through a Server (see
// Server.Faults), or in front of any S3 server with Handler, e.g. around
// ProxyHandler. It is safe for concurrent use.
type Faults struct {
	mu    sync.Mutex
	rules []*Injection
	seq   atomic.Uint64
}

// NewFaults returns a Faults with no faults.
func NewFaults() *Faults { return &Faults{} }

// Add adds a fault; faults are tried in the order added and the first one
// due hits the request.
func (f *Faults) Add(ft Fault) *Injection {
	f.mu.Lock()
	defer f.mu.Unlock()
	inj := &Injection{f: f, fault: ft}
	f.rules = append(f.rules, inj)
	return inj
}

// Clear removes every fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// due counts a matching request against inj and reports whether it hits it;
// the caller holds f.mu.
func (inj *Injection) due() bool {
	inj.seen++
	limit := inj.fault.Times
	if limit == 0 {
		limit = 1
	}
	if inj.seen <= inj.fault.Skip || limit > 0 && inj.fired >= limit {
		return false
	}
	inj.fired++
	return true
}

func (ft Fault) selects(req Request) bool {
	return (ft.Op == "" || ft.Op == req.Op) && (ft.Bucket == "" || ft.Bucket == req.Bucket) && (ft.Key == "" || ft.Key == req.Key)
}

// pick returns the fault that hits r, if any. Every fault that matches
// counts the request, so Skip counts matching requests whatever other
// faults do to them.
func (f *Faults) pick(r *http.Request, req Request) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hit *Fault
	for _, inj := range f.rules {
		ft := inj.fault
		if ft.Kind == FaultDeleteKeyError || !ft.selects(req) || ft.Match != nil && !ft.Match(r) {
			continue
		}
		if inj.due() && hit == nil {
			hit = &inj.fault
		}
	}
	return hit
}

// deleteError returns the error a FaultDeleteKeyError gives one entry of a
// DeleteObjects request, or nil.
func (f *Faults) deleteError(req Request) *s3Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, inj := range f.rules {
		ft := inj.fault
		if ft.Kind != FaultDeleteKeyError || !(ft.Op == "" || ft.Op == OpDeleteObjects) ||
			ft.Bucket != "" && ft.Bucket != req.Bucket || ft.Key != "" && ft.Key != req.Key {
			continue
		}
		if inj.due() {
			return faultError(&ft)
		}
	}
	return nil
}

func cmpOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// Handler returns next behind the faults.
func (f *Faults) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ft := f.pick(r, Classify(r))
		if ft == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch ft.Kind {
		case FaultInternalError, FaultSlowDown, FaultTooManyRequests, FaultOKError:
			f.answer(w, r, ft)
		case FaultReset:
			resetConn(w)
		case FaultResetAfter:
			next.ServeHTTP(&discardWriter{h: http.Header{}}, r)
			resetConn(w)
		case FaultResetMidBody, FaultTruncate, FaultCorruptResponse:
			fw := &faultWriter{w: w, kind: ft.Kind, at: ft.Offset}
			next.ServeHTTP(fw, r)
			fw.finish()
		case FaultCorruptRequest:
			r.Body = corruptBody(r, ft.Offset)
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// faultError is the S3 error an error fault answers.
func faultError(ft *Fault) *s3Error {
	const internal = "We encountered an internal error. Please try again."
	const slow = "Please reduce your request rate."
	e := newError(http.StatusInternalServerError, "InternalError", internal)
	switch ft.Kind {
	case FaultSlowDown:
		e = newError(http.StatusServiceUnavailable, "SlowDown", slow)
	case FaultTooManyRequests:
		e = newError(http.StatusTooManyRequests, "TooManyRequests", slow)
	}
	e.Code, e.Message = cmpOr(ft.Code, e.Code), cmpOr(ft.Message, e.Message)
	return e
}

// answer writes the error of an error fault (with status 200 for
// FaultOKError), after reading the request body so the client sees the
// answer rather than a write error.
func (f *Faults) answer(w http.ResponseWriter, r *http.Request, ft *Fault) {
	_, _ = io.Copy(io.Discard, r.Body)
	id := fmt.Sprintf("FAULT%011X", f.seq.Add(1))
	w.Header().Set("X-Amz-Request-Id", id)
	w.Header().Set("X-Amz-Id-2", hostID(id))
	e := faultError(ft)
	if ft.Kind != FaultOKError {
		writeError(w, r, e, id)
		return
	}
	_ = writeBody(w, http.StatusOK, "application/xml", errorBody(e, r.URL.Path, id))
}

// resetConn takes the connection over and resets it (RST, not FIN). What
// the handler wrote is flushed first (Hijack does that once the header is
// written).
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server drops the connection
	}
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// closeConn flushes what was written and closes the connection cleanly.
func closeConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discardWriter takes a response nobody will see.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

var errCut = errors.New("s3fake: connection cut by an injected fault")

// faultWriter passes a response through, cutting or corrupting its body.
type faultWriter struct {
	w       http.ResponseWriter
	kind    FaultKind
	at      int64 // the body byte to cut at or corrupt; resolved at WriteHeader
	written int64
	started bool
	cut     bool
}

func (fw *faultWriter) Header() http.Header { return fw.w.Header() }

func (fw *faultWriter) WriteHeader(status int) {
	if fw.started {
		return
	}
	fw.started = true
	if fw.at <= 0 {
		n, _ := strconv.ParseInt(fw.w.Header().Get("Content-Length"), 10, 64)
		fw.at = n / 2
	}
	fw.w.WriteHeader(status)
}

func (fw *faultWriter) Write(p []byte) (int, error) {
	if fw.cut {
		return 0, errCut
	}
	if !fw.started {
		fw.WriteHeader(http.StatusOK)
	}
	start := fw.written
	switch fw.kind {
	case FaultCorruptResponse:
		if fw.at >= start && fw.at < start+int64(len(p)) {
			q := append([]byte(nil), p...)
			q[fw.at-start] ^= 0xff
			p = q
		}
	case FaultResetMidBody, FaultTruncate:
		if start+int64(len(p)) > fw.at {
			n, _ := fw.w.Write(p[:fw.at-start])
			fw.written += int64(n)
			fw.cutNow()
			return n, errCut
		}
	}
	n, err := fw.w.Write(p)
	fw.written += int64(n)
	return n, err
}

func (fw *faultWriter) cutNow() {
	fw.cut = true
	if fw.kind == FaultTruncate {
		closeConn(fw.w)
	} else {
		resetConn(fw.w)
	}
}

// finish cuts a response whose body ended before the cut.
func (fw *faultWriter) finish() {
	if !fw.cut && (fw.kind == FaultResetMidBody || fw.kind == FaultTruncate) {
		fw.cutNow()
	}
}

func (fw *faultWriter) Flush() {
	if fl, ok := fw.w.(http.Flusher); ok && !fw.cut {
		fl.Flush()
	}
}

// corruptBody returns r's body with one payload byte flipped: the byte at
// offset (0: the middle) of the payload, found inside aws-chunked framing
// when the request uses it.
func corruptBody(r *http.Request, offset int64) io.ReadCloser {
	framed := strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if offset <= 0 {
		n := r.ContentLength
		if framed {
			n, _ = strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		}
		offset = n / 2
	}
	c := &corruptReader{rc: r.Body, framed: framed, target: offset}
	if framed {
		c.state = stateHeader
	}
	return c
}

// The states of corruptReader's walk through aws-chunked framing.
const (
	stateHeader = iota
	stateData
	stateCRLF
	stateTrailer
)

type corruptReader struct {
	rc     io.ReadCloser
	framed bool
	target int64 // the payload byte to flip
	pos    int64 // payload bytes seen
	state  int
	left   int64  // data bytes (or CRLF bytes) left in the chunk
	header []byte // the chunk header read so far
}

func (c *corruptReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	for i := 0; i < n; i++ {
		if !c.framed {
			if c.pos == c.target {
				p[i] ^= 0xff
			}
			c.pos++
			continue
		}
		c.step(&p[i])
	}
	return n, err
}

// step walks one byte of an aws-chunked body, flipping the target byte.
func (c *corruptReader) step(b *byte) {
	switch c.state {
	case stateHeader:
		if *b != '\n' {
			c.header = append(c.header, *b)
			return
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSuffix(string(c.header), "\r"), ";")
		c.header = c.header[:0]
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		switch {
		case err != nil || size == 0:
			c.state = stateTrailer
		default:
			c.state, c.left = stateData, size
		}
	case stateData:
		if c.pos == c.target {
			*b ^= 0xff
		}
		c.pos++
		if c.left--; c.left == 0 {
			c.state, c.left = stateCRLF, 2
		}
	case stateCRLF:
		if c.left--; c.left == 0 {
			c.state = stateHeader
		}
	}
}

func (c *corruptReader) Close() error { return c.rc.Close() }

// ProxyHandler forwards requests to the S3 server at target (through rt,
// or http.DefaultTransport when nil), keeping the Host header the client
// signed, so SigV4 signatures stay valid. Put Faults.Handler around it to
// inject faults in front of any S3 server:
//
//	proxy := httptest.NewServer(faults.Handler(s3fake.ProxyHandler(target, nil)))
func ProxyHandler(target *url.URL, rt http.RoundTripper) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
		},
		Transport:     rt,
		FlushInterval: -1,
	}
}
