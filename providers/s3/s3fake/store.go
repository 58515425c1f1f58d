package s3fake

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

type bucket struct {
	name    string
	region  string
	created time.Time
	keys    []string // the objects' keys in byte order
	objects map[string]*object
	uploads map[string]*upload
	cfg     bucketConfig
}

// object is one stored object. It is never changed once stored: a write,
// even of tags only, stores a new *object, so a reader holding one sees a
// consistent object without holding the lock.
type object struct {
	key  string
	data content
	size int64
	etag string // quoted, as S3 sends it
	// plainETag is the ETag the bytes give (the MD5, or the composite
	// ETag), which etag differs from for SSE-KMS objects.
	plainETag string
	modified  time.Time
	attrs     attrs
	sum       checksum   // the checksum the writer asked for; alg "" when none
	parts     []partInfo // the parts of an object made by a multipart upload
	crc       *lazySum   // S3's default CRC64NVME, computed when first asked
}

type partInfo struct {
	size int64
	sum  checksum
}

// lazySum computes an object's CRC64NVME once, on first use.
type lazySum struct {
	mu    sync.Mutex
	value string
}

type upload struct {
	id        string
	key       string
	initiated time.Time
	attrs     attrs
	alg, typ  string // checksum algorithm and type declared at creation
	parts     map[int]*part
}

type part struct {
	number   int
	data     content
	md5      []byte
	etag     string
	modified time.Time
	sum      checksum
}

func (b *bucket) put(o *object) {
	if _, ok := b.objects[o.key]; !ok {
		i, _ := slices.BinarySearch(b.keys, o.key)
		b.keys = slices.Insert(b.keys, i, o.key)
	}
	b.objects[o.key] = o
}

func (b *bucket) remove(key string) {
	if _, ok := b.objects[key]; !ok {
		return
	}
	delete(b.objects, key)
	if i, ok := slices.BinarySearch(b.keys, key); ok {
		b.keys = slices.Delete(b.keys, i, i+1)
	}
}

// bucket returns the named bucket; the caller holds s.mu.
func (s *Server) bucketLocked(name string) (*bucket, error) {
	b, ok := s.buckets[name]
	if !ok {
		return nil, errNoSuchBucket(name)
	}
	return b, nil
}

// inBucket runs fn on the named bucket under the server's lock.
func (s *Server) inBucket(name string, fn func(b *bucket) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(name)
	if err != nil {
		return err
	}
	return fn(b)
}

// lookup returns a bucket and, when key is not "", the object stored at key.
func (s *Server) lookup(bucketName, key string) (*bucket, *object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(bucketName)
	if err != nil {
		return nil, nil, err
	}
	if key == "" {
		return b, nil, nil
	}
	o, ok := b.objects[key]
	if !ok {
		return b, nil, errNoSuchKey(key)
	}
	return b, o, nil
}

// checksum returns the object's checksum: the one its writer asked for,
// else the full-object CRC64NVME S3 computes for every object.
func (o *object) checksum(ctx context.Context) (checksum, error) {
	if o.sum.alg != "" {
		return o.sum, nil
	}
	o.crc.mu.Lock()
	defer o.crc.mu.Unlock()
	if o.crc.value == "" {
		h := newChecksum(algCRC64NVME)
		if err := o.data.digest(ctx, h); err != nil {
			return checksum{}, err
		}
		o.crc.value = base64.StdEncoding.EncodeToString(h.Sum(nil))
	}
	return checksum{alg: algCRC64NVME, value: o.crc.value, typ: typeFullObject}, nil
}

// listedAlg is the ChecksumAlgorithm listings give the object.
func (o *object) listedAlg() (alg, typ string) {
	if o.sum.alg != "" {
		return o.sum.alg, o.sum.typ
	}
	return algCRC64NVME, typeFullObject
}

// header returns the headers GET and HEAD answer for the whole object,
// before conditions, ranges and response overrides.
func (o *object) header() http.Header {
	h := http.Header{}
	o.attrs.writeTo(h)
	h.Set("ETag", o.etag)
	h.Set("Last-Modified", o.modified.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", fmt.Sprint(o.size))
	return h
}

// Call is one request the server answered (after any faults let it through).
type Call struct {
	Op     Operation
	Bucket string
	Key    string
	Status int    // the HTTP status answered
	Code   string // the S3 error code, "" on success
}

// Calls returns every request answered so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Count returns how many requests for op on bucket and key succeeded (got
// a 2xx status). An empty op, bucket or key matches any.
func (s *Server) Count(op Operation, bucket, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if (op == "" || c.Op == op) && (bucket == "" || c.Bucket == bucket) && (key == "" || c.Key == key) &&
			c.Status >= 200 && c.Status < 300 {
			n++
		}
	}
	return n
}

// Writes returns how many successful requests wrote bytes to key: PutObject,
// UploadPart, CopyObject and UploadPartCopy calls naming it.
func (s *Server) Writes(bucket, key string) int {
	n := 0
	for _, op := range []Operation{OpPutObject, OpUploadPart, OpCopyObject, OpUploadPartCopy} {
		n += s.Count(op, bucket, key)
	}
	return n
}

// ResetCalls forgets the requests answered so far.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Object is a stored object as the fake holds it.
type Object struct {
	Bucket, Key          string
	Size                 int64
	ETag                 string // quoted, as S3 sends it
	LastModified         time.Time
	ContentType          string
	CacheControl         string
	ContentDisposition   string
	ContentEncoding      string
	ContentLanguage      string
	Expires              string
	Metadata             map[string]string // user metadata, keys lower-cased
	Tags                 map[string]string
	StorageClass         string
	ServerSideEncryption string
	ChecksumAlgorithm    string // the checksum the writer asked for, "" when none
	Checksum             string
	ChecksumType         string
	Parts                int // the parts of a multipart object, 0 for others
	// Header is what HeadObject answers for the object (without request
	// IDs and checksums).
	Header http.Header
}

// Object returns the object stored at bucket and key.
func (s *Server) Object(bucketName, key string) (Object, bool) {
	_, o, err := s.lookup(bucketName, key)
	if err != nil {
		return Object{}, false
	}
	tags := map[string]string{}
	for _, t := range o.attrs.tags {
		tags[t.Key] = t.Value
	}
	return Object{
		Bucket: bucketName, Key: key, Size: o.size, ETag: o.etag, LastModified: o.modified,
		ContentType: o.attrs.contentType, CacheControl: o.attrs.cacheControl,
		ContentDisposition: o.attrs.contentDisposition, ContentEncoding: o.attrs.contentEncoding,
		ContentLanguage: o.attrs.contentLanguage, Expires: o.attrs.expires,
		Metadata: maps.Clone(o.attrs.user), Tags: tags, StorageClass: o.attrs.storageClass,
		ServerSideEncryption: o.attrs.sse, ChecksumAlgorithm: o.sum.alg, Checksum: o.sum.value,
		ChecksumType: o.sum.typ, Parts: len(o.parts), Header: o.header(),
	}, true
}

// OpenObject reads the body of the object stored at bucket and key.
func (s *Server) OpenObject(ctx context.Context, bucketName, key string) (io.ReadCloser, error) {
	_, o, err := s.lookup(bucketName, key)
	if err != nil {
		return nil, fmt.Errorf("s3fake: open %s/%s: %w", bucketName, key, err)
	}
	return o.data.reader(ctx), nil
}

// Body returns the body of the object stored at bucket and key.
func (s *Server) Body(ctx context.Context, bucketName, key string) ([]byte, error) {
	rc, err := s.OpenObject(ctx, bucketName, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("s3fake: read %s/%s: %w", bucketName, key, err)
	}
	return data, nil
}

// Buckets returns the names of the buckets, sorted.
func (s *Server) Buckets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.buckets))
}

// Keys returns the keys of a bucket's objects in byte order (nil for a
// bucket that does not exist).
func (s *Server) Keys(bucketName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.buckets[bucketName]; ok {
		return slices.Clone(b.keys)
	}
	return nil
}

// Upload is a multipart upload in progress.
type Upload struct {
	Key, UploadID string
	Parts         []int // part numbers uploaded, ascending
}

// Uploads returns a bucket's multipart uploads in progress, by key and
// initiation.
func (s *Server) Uploads(bucketName string) []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketName]
	if !ok {
		return nil
	}
	var out []Upload
	for _, u := range sortedUploads(b) {
		out = append(out, Upload{Key: u.key, UploadID: u.id, Parts: slices.Sorted(maps.Keys(u.parts))})
	}
	return out
}

// sortedUploads orders a bucket's uploads by key, then upload ID (which
// grows with initiation).
func sortedUploads(b *bucket) []*upload {
	us := slices.Collect(maps.Values(b.uploads))
	sort.Slice(us, func(i, j int) bool {
		if us[i].key != us[j].key {
			return us[i].key < us[j].key
		}
		return us[i].id < us[j].id
	})
	return us
}
