package s3fake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limits are S3's size limits. Tests lower them to reach a limit without
// sending gigabytes; a zero field keeps S3's value.
type Limits struct {
	MaxPutSize      int64 // largest PutObject payload (S3: 5 GiB)
	MaxPartSize     int64 // largest part (S3: 5 GiB)
	MinPartSize     int64 // smallest part but the last, enforced at Complete (S3: 5 MiB)
	MaxObjectSize   int64 // largest object (S3: 5 TiB)
	MaxCopySize     int64 // largest CopyObject source (S3: 5 GiB)
	MaxMetadataSize int   // user metadata, keys and values in bytes (S3: 2 KiB)
}

// DefaultLimits returns S3's limits.
func DefaultLimits() Limits {
	return Limits{
		MaxPutSize:      5 << 30,
		MaxPartSize:     5 << 30,
		MinPartSize:     5 << 20,
		MaxObjectSize:   5 << 40,
		MaxCopySize:     5 << 30,
		MaxMetadataSize: 2 << 10,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v, def int64) int64 {
		if v > 0 {
			return v
		}
		return def
	}
	l.MaxPutSize = pick(l.MaxPutSize, d.MaxPutSize)
	l.MaxPartSize = pick(l.MaxPartSize, d.MaxPartSize)
	l.MinPartSize = pick(l.MinPartSize, d.MinPartSize)
	l.MaxObjectSize = pick(l.MaxObjectSize, d.MaxObjectSize)
	l.MaxCopySize = pick(l.MaxCopySize, d.MaxCopySize)
	if l.MaxMetadataSize <= 0 {
		l.MaxMetadataSize = d.MaxMetadataSize
	}
	return l
}

// Option configures a Server.
type Option func(*settings)

type settings struct {
	clock       func() time.Time
	limits      Limits
	dir         string
	tls         bool
	region      string
	awsDefaults bool
	faults      *Faults
}

// WithClock sets the clock that stamps Last-Modified, bucket creation and
// upload initiation (S3 keeps whole seconds; so does the fake).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.clock = now } }

// WithMinPartSize sets the smallest size of a part but the last, so tests
// can complete multipart uploads of small parts.
func WithMinPartSize(n int64) Option { return func(s *settings) { s.limits.MinPartSize = n } }

// WithLimits replaces S3's size limits; zero fields keep S3's values.
func WithLimits(l Limits) Option {
	return func(s *settings) {
		if l.MinPartSize == 0 {
			l.MinPartSize = s.limits.MinPartSize
		}
		s.limits = l
	}
}

// WithDir keeps object and part bodies in files under dir (which must
// exist) instead of memory; Close removes them.
func WithDir(dir string) Option { return func(s *settings) { s.dir = dir } }

// WithTLS serves HTTPS (use Server.Client). The SDK sends aws-chunked
// bodies with trailing checksums, and unseekable bodies, only over TLS.
func WithTLS() Option { return func(s *settings) { s.tls = true } }

// WithRegion sets the region the server is in (default us-east-1).
func WithRegion(region string) Option { return func(s *settings) { s.region = region } }

// WithAWSDefaults gives new buckets the settings AWS has given every new
// bucket since 2023: default encryption with SSE-S3 (AES256), so objects
// report x-amz-server-side-encryption and GetBucketEncryption always has
// a configuration, and Block Public Access on in full. Without it buckets
// start with neither, as on S3-compatible services and older AWS buckets.
func WithAWSDefaults() Option { return func(s *settings) { s.awsDefaults = true } }

// WithFaults makes the server answer through f (default: a Faults of its
// own, see Server.Faults).
func WithFaults(f *Faults) Option { return func(s *settings) { s.faults = f } }

// Server is an in-memory S3 service on 127.0.0.1 for tests. Its zero value
// is not usable; build one with New and Close it.
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:<port>, or https://
	// WithTLS); use it as the client's endpoint with path-style addressing.
	URL string

	ts       *httptest.Server
	set      settings
	blobs    blobStore
	faults   *Faults
	table    []route
	handlers map[Operation]handler
	handler  http.Handler
	reqSeq   atomic.Uint64

	mu        sync.Mutex // guards what follows
	buckets   map[string]*bucket
	uploadSeq uint64
	calls     []Call
}

type handler func(w http.ResponseWriter, r *http.Request, req Request) error

// New starts a server on 127.0.0.1.
func New(opts ...Option) *Server {
	set := settings{clock: time.Now, limits: DefaultLimits(), region: "us-east-1"}
	for _, o := range opts {
		o(&set)
	}
	set.limits = set.limits.withDefaults()
	if set.faults == nil {
		set.faults = NewFaults()
	}
	s := &Server{
		set:     set,
		blobs:   memStore{},
		faults:  set.faults,
		table:   routes(),
		buckets: map[string]*bucket{},
	}
	if set.dir != "" {
		s.blobs = newFileStore(set.dir)
	}
	s.handlers = s.handlerTable()
	s.handler = s.faults.Handler(http.HandlerFunc(s.serve))
	s.ts = httptest.NewUnstartedServer(s)
	if set.tls {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down and frees stored bodies.
func (s *Server) Close() {
	s.ts.Close()
	_ = s.blobs.close()
}

// Client returns an HTTP client for the server (one trusting its
// certificate WithTLS).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Faults returns the fault injector requests pass through first.
func (s *Server) Faults() *Faults { return s.faults }

// ServeHTTP answers one S3 request, through the server's faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) handlerTable() map[Operation]handler {
	m := map[Operation]handler{
		OpListBuckets:          s.listBuckets,
		OpCreateBucket:         s.createBucket,
		OpHeadBucket:           s.headBucket,
		OpDeleteBucket:         s.deleteBucket,
		OpGetBucketLocation:    s.getBucketLocation,
		OpListObjects:          s.listObjects,
		OpListObjectsV2:        s.listObjects,
		OpListMultipartUploads: s.listUploads,
		OpDeleteObjects:        s.deleteObjects,

		OpGetBucketTagging:           s.getBucketTagging,
		OpPutBucketTagging:           s.putBucketTagging,
		OpDeleteBucketTagging:        s.deleteBucketTagging,
		OpGetBucketVersioning:        s.getBucketVersioning,
		OpPutBucketVersioning:        s.putBucketVersioning,
		OpGetBucketRequestPayment:    s.getBucketRequestPayment,
		OpPutBucketRequestPayment:    s.putBucketRequestPayment,
		OpGetBucketPolicyStatus:      s.getBucketPolicyStatus,
		OpGetObjectLockConfiguration: s.getObjectLock,
		OpPutObjectLockConfiguration: s.putObjectLock,
		OpGetBucketAcl:               s.getACL,

		OpPutObject:           s.putObject,
		OpCopyObject:          s.copyObject,
		OpGetObject:           s.getObject,
		OpHeadObject:          s.getObject,
		OpDeleteObject:        s.deleteObject,
		OpGetObjectTagging:    s.getObjectTagging,
		OpPutObjectTagging:    s.putObjectTagging,
		OpDeleteObjectTagging: s.deleteObjectTagging,
		OpGetObjectAcl:        s.getACL,

		OpCreateMultipartUpload:   s.createUpload,
		OpUploadPart:              s.uploadPart,
		OpUploadPartCopy:          s.uploadPart,
		OpCompleteMultipartUpload: s.completeUpload,
		OpAbortMultipartUpload:    s.abortUpload,
		OpListParts:               s.listParts,
	}
	for _, d := range documents() {
		m[d.get] = s.getDocument
		m[d.put] = s.putDocument
		if d.del != "" {
			m[d.del] = s.deleteDocument
		}
	}
	return m
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) { s.answer(w, r, true) }

// answer handles one request, recording it in the call log when record
// is set.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, record bool) {
	req := classify(s.table, r)
	id := fmt.Sprintf("%016X", s.reqSeq.Add(1))
	h := w.Header()
	h.Set("X-Amz-Request-Id", id)
	h.Set("X-Amz-Id-2", hostID(id))
	h.Set("Server", "AmazonS3")
	sw := &statusWriter{ResponseWriter: w}
	var err error
	if fn := s.handlers[req.Op]; fn != nil {
		err = fn(sw, r, req)
	} else {
		err = errNotImplemented("the " + string(req.Op) + " operation")
	}
	code := ""
	if err != nil {
		e := asError(err)
		code = e.Code
		if !sw.wrote {
			writeError(sw, r, e, id)
		}
	}
	if !sw.wrote {
		sw.WriteHeader(http.StatusOK)
	}
	if record {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Op: req.Op, Bucket: req.Bucket, Key: req.Key, Status: sw.status, Code: code})
		s.mu.Unlock()
	}
}

// Seed stores an object as a PutObject request with the given headers
// would (Content-Type, x-amz-meta-*, x-amz-tagging, ...), without the
// network, faults or the call log: a quick way to fill a bucket.
func (s *Server) Seed(ctx context.Context, bucket, key string, body []byte, header http.Header) error {
	target := "/" + url.PathEscape(bucket) + "/" + escapeKey(key)
	r := httptest.NewRequestWithContext(ctx, http.MethodPut, target, bytes.NewReader(body))
	for k, vs := range header {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	w := httptest.NewRecorder()
	s.answer(w, r, false)
	if w.Code != http.StatusOK {
		return fmt.Errorf("s3fake: seed %s/%s: %d %s", bucket, key, w.Code, errorCodeOf(w.Body.Bytes()))
	}
	return nil
}

// errorCodeOf returns the Code of an S3 error document.
func errorCodeOf(body []byte) string {
	var e struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Code + ": " + e.Message
}

func hostID(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// now is the fake's time, in whole seconds as S3 keeps it.
func (s *Server) now() time.Time { return s.set.clock().UTC().Truncate(time.Second) }

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// s3NS is the namespace of S3's XML documents.
const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// The owner every bucket and object has.
const (
	ownerID   = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
	ownerName = "s3fake"
)

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func theOwner() *owner { return &owner{ID: ownerID, DisplayName: ownerName} }

// writeXML answers v as an XML document with status.
func writeXML(w http.ResponseWriter, status int, v any) error {
	body, err := xml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return writeBody(w, status, "application/xml", append([]byte(xml.Header), body...))
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

// isoTime formats times in S3's XML documents.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
