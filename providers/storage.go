package providers

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
)

// Bucket is an object-storage bucket (or a folder acting as one).
type Bucket struct {
	Name   string
	Region string
	// CreatedAt is zero when unknown.
	CreatedAt time.Time
}

// Object describes one stored object. Listings fill what the service
// returns cheaply; SHA256 is filled only where known without reading.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
	// ETag is the service's ETag, quotes stripped; "" when none. Where
	// StorageCaps.ETagMD5 holds it is the content's MD5 (hex) for an object
	// written whole, and "MD5-of-the-parts'-MD5s-N" for one assembled from
	// N parts.
	ETag string
	// OpaqueETag: the ETag is not a digest of the content even where
	// StorageCaps.ETagMD5 holds (S3 objects encrypted with SSE-KMS), so
	// it proves nothing about the bytes.
	OpaqueETag bool
	SHA256     string // lower-case hex; "" when unknown
	// HTTP headers served with the object.
	ContentType        string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	ContentLanguage    string
	Expires            string // an HTTP date, as given
	// StorageClass is the store's class name ("" for its default).
	StorageClass string
	Metadata     map[string]string // user metadata, keys lower-case
	Tags         map[string]string
	// Unreadable, when set, says why the store cannot read this entry of
	// the listing (a file without read permission, a folder it cannot
	// list: then Key ends in '/' and stands for everything below it); the
	// other fields are unknown. Listings report such entries instead of
	// failing, so that the plan names them before anything is copied.
	Unreadable string
}

// Storage is an S3-family object store. Object listings are in S3 order:
// ascending byte order of the UTF-8 keys, so two listings can be merged.
type Storage interface {
	Buckets(ctx context.Context) ([]Bucket, error)
	// CreateBucket returns an error wrapping ErrExists when it exists.
	CreateBucket(ctx context.Context, b Bucket) error
	// DeleteBucket returns an error wrapping ErrNotEmpty unless it is empty.
	DeleteBucket(ctx context.Context, name string) error
	// Objects lists every object of a bucket in key byte order.
	Objects(ctx context.Context, bucket string) iter.Seq2[Object, error]
	// Head returns an error wrapping ErrNotFound when absent.
	Head(ctx context.Context, bucket, key string) (Object, error)
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, Object, error)
	// Put stores body under obj.Key, atomically: a reader never sees a
	// partial object. obj.Size is the body's length (-1 if unknown);
	// ModTime, ContentType, Metadata and Tags are kept where the store can.
	// It returns the stored object with SHA256 of the bytes written.
	Put(ctx context.Context, bucket string, obj Object, body io.Reader) (Object, error)
	// Delete removes an object; deleting an absent one is not an error.
	Delete(ctx context.Context, bucket, key string) error
}

// ObjectLister is implemented by stores that list part of a bucket: the
// keys that start with prefix and sort after after (S3's ListObjectsV2
// Prefix and StartAfter), in key byte order. A listing cut short by a
// failure then resumes where it stopped, and a prefix lists only itself.
type ObjectLister interface {
	ObjectsFrom(ctx context.Context, bucket, prefix, after string) iter.Seq2[Object, error]
}

// RangeReader is implemented by stores that read part of an object (an
// HTTP Range), so that a large object is copied in parallel parts without
// buffering. With ifMatch set, the read fails with an error wrapping
// ErrChanged when the object's ETag is no longer ifMatch.
type RangeReader interface {
	GetRange(ctx context.Context, bucket, key string, off, n int64, ifMatch string) (io.ReadCloser, error)
}

// ErrChanged says an object is not the version a read or write expected.
var ErrChanged = errors.New("changed since it was listed")

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number int    `json:"n"`
	Size   int64  `json:"size"`
	ETag   string `json:"etag"` // the store's ETag of the part: its content's MD5 where StorageCaps.ETagMD5
}

// MultipartWriter is implemented by stores that assemble an object from
// parts uploaded separately (S3 multipart uploads), for objects too large
// for one request or copied in parallel parts. An upload that is neither
// completed nor aborted keeps its parts (and, at most services, bills
// them): callers abort what they do not complete.
type MultipartWriter interface {
	// PartLimits returns the least size of every part but the last, and
	// the most parts an upload may have.
	PartLimits() (minSize int64, maxParts int)
	// CreateUpload starts an upload of obj (its headers, metadata and tags
	// are the object's) and returns its id.
	CreateUpload(ctx context.Context, bucket string, obj Object) (uploadID string, err error)
	// UploadPart stores part n (from 1) of size bytes and returns it.
	UploadPart(ctx context.Context, bucket, key, uploadID string, n int, size int64, body io.Reader) (Part, error)
	// Parts lists the parts an upload holds, to resume it; ErrNotFound when
	// the upload is gone.
	Parts(ctx context.Context, bucket, key, uploadID string) ([]Part, error)
	// CompleteUpload assembles the parts into the object. With ifAbsent,
	// only where no object stands (else an error wrapping ErrExists, and
	// the upload is left to abort).
	CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []Part, ifAbsent bool) (Object, error)
	// AbortUpload discards an upload and its parts; an absent one is not an
	// error.
	AbortUpload(ctx context.Context, bucket, key, uploadID string) error
}

// ServerSideCopier is implemented by stores that copy an object from
// another environment of theirs without the bytes passing through rehome
// (S3 CopyObject on one endpoint and account).
type ServerSideCopier interface {
	// CanCopyFrom reports whether objects of src can be copied here.
	CanCopyFrom(src Storage) bool
	// CopyFrom copies src's object (as listed) into dstBucket under the
	// same key, keeping its headers, metadata and tags. It fails with an
	// error wrapping ErrChanged when the source is no longer that version,
	// and with ifAbsent, wrapping ErrExists when the key is taken.
	CopyFrom(ctx context.Context, src Storage, srcBucket string, obj Object, dstBucket string, ifAbsent bool) (Object, error)
}

// ConditionalPutter is implemented by stores that can create an object
// only where none exists (S3's If-None-Match: *). rehome uses it for keys
// that were empty when it diffed, so an object someone writes there in the
// meantime is never replaced. It returns an error wrapping ErrExists and
// writes nothing when the key is taken.
type ConditionalPutter interface {
	PutIfAbsent(ctx context.Context, bucket string, obj Object, body io.Reader) (Object, error)
}

// PartialCleaner is implemented by stores that may leave partial uploads
// (temp files, incomplete multipart uploads) after a crash; the executor
// calls it before resuming a copy into the bucket.
type PartialCleaner interface {
	CleanPartial(ctx context.Context, bucket string) (removed int, err error)
}

// BatchWriter is implemented by stores where making each write durable on
// its own costs far more than making many durable at once (a local folder:
// an fsync per file against one syncfs). PutBatched is Put (PutIfAbsent
// with ifAbsent) whose object is durable only after the next Sync; rehome
// records such objects as copied only once Sync has returned.
type BatchWriter interface {
	PutBatched(ctx context.Context, bucket string, obj Object, body io.Reader, ifAbsent bool) (Object, error)
	Sync(ctx context.Context) error
}
