package providers

import (
	"context"
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
	Key          string
	Size         int64
	ModTime      time.Time
	ETag         string // service ETag, quotes stripped; "" when none
	SHA256       string // lower-case hex; "" when unknown
	ContentType  string
	CacheControl string
	Metadata     map[string]string // user metadata, keys lower-case
	Tags         map[string]string
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
