package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/rehome/rehome/providers"
)

// StoreOptions describe one S3 endpoint and account.
type StoreOptions struct {
	// Name is the provider's name, for errors ("aws", "hcloud").
	Name string
	// Client is the SDK client, made by NewClient.
	Client *s3.Client
	// Place says where the store is (endpoint and account), for identity
	// and for telling whether a server-side copy between two stores can
	// work; never a key.
	Place string
	// Region is sent as a new bucket's location constraint (none for
	// us-east-1 and "").
	Region string
	// ConditionalWrites: the service honours If-None-Match on PutObject
	// and CompleteMultipartUpload (AWS since 2024, MinIO, Ceph RGW 18+).
	// Without it a create-only-if-absent is a HEAD before the write,
	// which leaves a race window.
	ConditionalWrites bool
	// MinPartSize is the least size of a multipart part but the last
	// (S3: 5 MiB; 0 takes that).
	MinPartSize int64
	// RegionClient, when set, makes a client for another region: buckets
	// listed in other regions are then reached there (AWS answers a
	// request to the wrong region with a redirect).
	RegionClient func(region string) *s3.Client
}

// Store is an S3 bucket namespace as providers.Storage: buckets, objects
// with their headers, metadata and tags, ranged reads, multipart uploads
// and server-side copies within one endpoint and account.
type Store struct {
	o StoreOptions

	mu      sync.Mutex
	regions map[string]string     // bucket -> region, as listed
	clients map[string]*s3.Client // region -> client
}

// NewStore returns a store over o.Client.
func NewStore(o StoreOptions) *Store {
	if o.MinPartSize <= 0 {
		o.MinPartSize = 5 << 20
	}
	return &Store{o: o, regions: map[string]string{}, clients: map[string]*s3.Client{}}
}

// cl returns the client for a bucket's region.
func (s *Store) cl(bucket string) *s3.Client {
	if s.o.RegionClient == nil {
		return s.o.Client
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.regions[bucket]
	if r == "" || r == s.o.Region {
		return s.o.Client
	}
	c, ok := s.clients[r]
	if !ok {
		c = s.o.RegionClient(r)
		s.clients[r] = c
	}
	return c
}

var (
	_ providers.Storage           = (*Store)(nil)
	_ providers.ConditionalPutter = (*Store)(nil)
	_ providers.RangeReader       = (*Store)(nil)
	_ providers.MultipartWriter   = (*Store)(nil)
	_ providers.ServerSideCopier  = (*Store)(nil)
)

// Place says where the store is (endpoint and account).
func (s *Store) Place() string { return s.o.Place }

// SetPlace sets where the store is, once known (an account resolved after
// configuration); call it before the store is used concurrently.
func (s *Store) SetPlace(place string) { s.o.Place = place }

// unsigned sends a streamed body as UNSIGNED-PAYLOAD with its length, so
// it need not be read twice (once to sign it) nor be seekable.
func unsigned(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

// fail turns an SDK error into rehome's terms: the sentinel errors
// (ErrNotFound, ErrExists, ErrNotEmpty, ErrChanged), transient failures
// marked retryable, and a message naming the provider, the call and what
// it was about.
func (s *Store) fail(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	what := bucket
	if key != "" {
		what = bucket + "/" + key
	}
	var sentinel error
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	status := 0
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	switch {
	case code == "NoSuchBucket" || code == "NoSuchKey" || code == "NoSuchUpload" || code == "NotFound" || (status == http.StatusNotFound && code == ""):
		sentinel = providers.ErrNotFound
	case code == "BucketAlreadyOwnedByYou":
		sentinel = providers.ErrExists
	case code == "BucketNotEmpty":
		sentinel = providers.ErrNotEmpty
	case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
		if op == "get" || op == "copy" {
			sentinel = providers.ErrChanged
		} else {
			sentinel = providers.ErrExists
		}
	case code == "BucketAlreadyExists":
		// The name is taken by another account: not a bucket rehome can
		// use, unlike one the same account already has.
		return fmt.Errorf("%s: %s %s: the bucket name is taken by another account: %w", s.o.Name, op, what, err)
	}
	if sentinel != nil {
		return fmt.Errorf("%s: %s %s: %w: %w", s.o.Name, op, what, sentinel, err)
	}
	return providers.MarkTransient(fmt.Errorf("%s: %s %s: %w", s.o.Name, op, what, err))
}

// Buckets lists the account's buckets.
func (s *Store) Buckets(ctx context.Context) ([]providers.Bucket, error) {
	var out []providers.Bucket
	p := s3.NewListBucketsPaginator(s.o.Client, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list buckets", "", "", err)
		}
		for _, b := range page.Buckets {
			out = append(out, providers.Bucket{Name: aws.ToString(b.Name), Region: aws.ToString(b.BucketRegion), CreatedAt: aws.ToTime(b.CreationDate)})
			if r := aws.ToString(b.BucketRegion); r != "" {
				s.mu.Lock()
				s.regions[aws.ToString(b.Name)] = r
				s.mu.Unlock()
			}
		}
	}
	return out, nil
}

// CreateBucket makes a bucket; one the account has already is ErrExists.
// It asks first: S3 in us-east-1 (and some compatible servers) answer a
// create of a bucket the account already owns with success, which would
// make rehome take someone's bucket for its own.
func (s *Store) CreateBucket(ctx context.Context, b providers.Bucket) error {
	switch err := s.BucketAccess(ctx, b.Name); {
	case err == nil:
		return fmt.Errorf("%s: create bucket %s: %w", s.o.Name, b.Name, providers.ErrExists)
	case !errors.Is(err, providers.ErrNotFound):
		return err
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(b.Name)}
	region := b.Region
	if region == "" {
		region = s.o.Region
	}
	if region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	_, err := s.cl(b.Name).CreateBucket(ctx, in)
	return s.fail("create bucket", b.Name, "", err)
}

// DeleteBucket removes an empty bucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	_, err := s.cl(name).DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	return s.fail("delete bucket", name, "", err)
}

// BucketAccess says whether the account can use a bucket of that name:
// ErrNotFound when none exists (the name is free), nil when it is the
// account's, an error naming the owner problem otherwise (another
// account's bucket answers 403).
func (s *Store) BucketAccess(ctx context.Context, name string) error {
	_, err := s.cl(name).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
		return fmt.Errorf("%s: bucket %s exists but belongs to another account (access denied)", s.o.Name, name)
	}
	return s.fail("head bucket", name, "", err)
}

// Objects lists a bucket's objects in key byte order (S3's order).
func (s *Store) Objects(ctx context.Context, bucket string) iter.Seq2[providers.Object, error] {
	return s.ObjectsFrom(ctx, bucket, "", "")
}

// ObjectsFrom lists the objects whose keys start with prefix and sort
// after after (ListObjectsV2's Prefix and StartAfter).
func (s *Store) ObjectsFrom(ctx context.Context, bucket, prefix, after string) iter.Seq2[providers.Object, error] {
	return func(yield func(providers.Object, error) bool) {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: nonEmpty(prefix), StartAfter: nonEmpty(after)}
		p := s3.NewListObjectsV2Paginator(s.cl(bucket), in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(providers.Object{}, s.fail("list", bucket, "", err))
				return
			}
			for _, o := range page.Contents {
				obj := providers.Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified),
					ETag: unquote(aws.ToString(o.ETag)), StorageClass: class(string(o.StorageClass))}
				if !yield(obj, nil) {
					return
				}
			}
		}
	}
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }

// class drops S3's default storage class name.
func class(c string) string {
	if c == "STANDARD" {
		return ""
	}
	return c
}

// Head describes an object.
func (s *Store) Head(ctx context.Context, bucket, key string) (providers.Object, error) {
	out, err := s.cl(bucket).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return providers.Object{}, s.fail("head", bucket, key, err)
	}
	return providers.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified),
		ETag: unquote(aws.ToString(out.ETag)), ContentType: aws.ToString(out.ContentType), CacheControl: aws.ToString(out.CacheControl),
		ContentDisposition: aws.ToString(out.ContentDisposition), ContentEncoding: aws.ToString(out.ContentEncoding),
		ContentLanguage: aws.ToString(out.ContentLanguage), Expires: aws.ToString(out.ExpiresString),
		StorageClass: class(string(out.StorageClass)), Metadata: lower(out.Metadata), OpaqueETag: opaque(out.ServerSideEncryption)}, nil
}

// opaque reports whether S3's ETag of an object stored with this
// encryption is not its MD5 (SSE-KMS and DSSE-KMS).
func opaque(sse types.ServerSideEncryption) bool {
	return strings.HasPrefix(string(sse), "aws:kms")
}

func lower(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// Get reads an object with its headers, metadata and tags.
func (s *Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, providers.Object, error) {
	out, err := s.cl(bucket).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, providers.Object{}, s.fail("get", bucket, key, err)
	}
	obj := providers.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified),
		ETag: unquote(aws.ToString(out.ETag)), ContentType: aws.ToString(out.ContentType), CacheControl: aws.ToString(out.CacheControl),
		ContentDisposition: aws.ToString(out.ContentDisposition), ContentEncoding: aws.ToString(out.ContentEncoding),
		ContentLanguage: aws.ToString(out.ContentLanguage), Expires: aws.ToString(out.ExpiresString),
		StorageClass: class(string(out.StorageClass)), Metadata: lower(out.Metadata), OpaqueETag: opaque(out.ServerSideEncryption)}
	if aws.ToInt32(out.TagCount) > 0 {
		tags, err := s.tags(ctx, bucket, key)
		if err != nil {
			out.Body.Close()
			return nil, providers.Object{}, err
		}
		obj.Tags = tags
	}
	return &body{ReadCloser: out.Body, s: s, bucket: bucket, key: key}, obj, nil
}

// body marks transient read failures (a connection reset mid-body) as
// retryable and names the object.
type body struct {
	io.ReadCloser
	s           *Store
	bucket, key string
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = b.s.fail("read", b.bucket, b.key, err)
	}
	return n, err
}

func (s *Store) tags(ctx context.Context, bucket, key string) (map[string]string, error) {
	out, err := s.cl(bucket).GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s.fail("get tags of", bucket, key, err)
	}
	if len(out.TagSet) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(out.TagSet))
	for _, t := range out.TagSet {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m, nil
}

// GetRange reads n bytes of an object from off; with ifMatch, only while
// the object's ETag is that (else ErrChanged).
func (s *Store) GetRange(ctx context.Context, bucket, key string, off, n int64, ifMatch string) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1))}
	if ifMatch != "" {
		in.IfMatch = aws.String(`"` + ifMatch + `"`)
	}
	out, err := s.cl(bucket).GetObject(ctx, in)
	if err != nil {
		return nil, s.fail("get", bucket, key, err)
	}
	return &body{ReadCloser: out.Body, s: s, bucket: bucket, key: key}, nil
}

// tagging encodes tags as S3's x-amz-tagging query string.
func tagging(tags map[string]string) *string {
	if len(tags) == 0 {
		return nil
	}
	v := url.Values{}
	for k, t := range tags {
		v.Set(k, t)
	}
	return aws.String(v.Encode())
}

func expires(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := http.ParseTime(s)
	if err != nil {
		return nil
	}
	return &t
}

// Put stores body under obj.Key with obj's headers, metadata, tags and
// storage class. S3 stamps its own modification time. The size must be
// known (obj.Size >= 0).
func (s *Store) Put(ctx context.Context, bucket string, obj providers.Object, body io.Reader) (providers.Object, error) {
	return s.put(ctx, bucket, obj, body, false)
}

// PutIfAbsent stores body only where no object stands (ErrExists, nothing
// written, otherwise).
func (s *Store) PutIfAbsent(ctx context.Context, bucket string, obj providers.Object, body io.Reader) (providers.Object, error) {
	return s.put(ctx, bucket, obj, body, true)
}

func (s *Store) put(ctx context.Context, bucket string, obj providers.Object, r io.Reader, ifAbsent bool) (providers.Object, error) {
	if obj.Size < 0 {
		return providers.Object{}, fmt.Errorf("%s: put %s/%s: the size must be known", s.o.Name, bucket, obj.Key)
	}
	if ifAbsent && !s.o.ConditionalWrites {
		if err := s.absent(ctx, bucket, obj.Key); err != nil {
			return providers.Object{}, err
		}
	}
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(obj.Key), Body: r, ContentLength: aws.Int64(obj.Size),
		ContentType: nonEmpty(obj.ContentType), CacheControl: nonEmpty(obj.CacheControl), ContentDisposition: nonEmpty(obj.ContentDisposition),
		ContentEncoding: nonEmpty(obj.ContentEncoding), ContentLanguage: nonEmpty(obj.ContentLanguage), Expires: expires(obj.Expires),
		Metadata: obj.Metadata, Tagging: tagging(obj.Tags), StorageClass: types.StorageClass(obj.StorageClass)}
	if ifAbsent && s.o.ConditionalWrites {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.cl(bucket).PutObject(ctx, in, unsigned)
	if err != nil {
		return providers.Object{}, s.fail("put", bucket, obj.Key, err)
	}
	return providers.Object{Key: obj.Key, Size: obj.Size, ETag: unquote(aws.ToString(out.ETag)), ContentType: obj.ContentType,
		StorageClass: obj.StorageClass, OpaqueETag: opaque(out.ServerSideEncryption)}, nil
}

// absent checks that no object stands at key (ErrExists otherwise).
func (s *Store) absent(ctx context.Context, bucket, key string) error {
	_, err := s.Head(ctx, bucket, key)
	switch {
	case err == nil:
		return fmt.Errorf("%s: put %s/%s: %w", s.o.Name, bucket, key, providers.ErrExists)
	case errors.Is(err, providers.ErrNotFound):
		return nil
	}
	return err
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// Delete removes an object; an absent one is not an error.
func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	_, err := s.cl(bucket).DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if errors.Is(s.fail("delete", bucket, key, err), providers.ErrNotFound) {
		return nil
	}
	return s.fail("delete", bucket, key, err)
}

// PartLimits returns S3's part limits.
func (s *Store) PartLimits() (int64, int) { return s.o.MinPartSize, 10000 }

// CreateUpload starts a multipart upload of obj.
func (s *Store) CreateUpload(ctx context.Context, bucket string, obj providers.Object) (string, error) {
	out, err := s.cl(bucket).CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(obj.Key),
		ContentType: nonEmpty(obj.ContentType), CacheControl: nonEmpty(obj.CacheControl), ContentDisposition: nonEmpty(obj.ContentDisposition),
		ContentEncoding: nonEmpty(obj.ContentEncoding), ContentLanguage: nonEmpty(obj.ContentLanguage), Expires: expires(obj.Expires),
		Metadata: obj.Metadata, Tagging: tagging(obj.Tags), StorageClass: types.StorageClass(obj.StorageClass)})
	if err != nil {
		return "", s.fail("start upload of", bucket, obj.Key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart stores part n of an upload.
func (s *Store) UploadPart(ctx context.Context, bucket, key, uploadID string, n int, size int64, r io.Reader) (providers.Part, error) {
	out, err := s.cl(bucket).UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		PartNumber: aws.Int32(int32(n)), ContentLength: aws.Int64(size), Body: r}, unsigned)
	if err != nil {
		return providers.Part{}, s.fail("upload part "+strconv.Itoa(n)+" of", bucket, key, err)
	}
	return providers.Part{Number: n, Size: size, ETag: unquote(aws.ToString(out.ETag))}, nil
}

// Parts lists the parts an upload holds.
func (s *Store) Parts(ctx context.Context, bucket, key, uploadID string) ([]providers.Part, error) {
	var out []providers.Part
	p := s3.NewListPartsPaginator(s.cl(bucket), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list parts of", bucket, key, err)
		}
		for _, pt := range page.Parts {
			out = append(out, providers.Part{Number: int(aws.ToInt32(pt.PartNumber)), Size: aws.ToInt64(pt.Size), ETag: unquote(aws.ToString(pt.ETag))})
		}
	}
	return out, nil
}

// CompleteUpload assembles the parts into the object.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []providers.Part, ifAbsent bool) (providers.Object, error) {
	if ifAbsent && !s.o.ConditionalWrites {
		if err := s.absent(ctx, bucket, key); err != nil {
			return providers.Object{}, err
		}
	}
	in := &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{}}
	var size int64
	for _, p := range parts {
		in.MultipartUpload.Parts = append(in.MultipartUpload.Parts, types.CompletedPart{PartNumber: aws.Int32(int32(p.Number)), ETag: aws.String(`"` + p.ETag + `"`)})
		size += p.Size
	}
	if ifAbsent && s.o.ConditionalWrites {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.cl(bucket).CompleteMultipartUpload(ctx, in)
	if err != nil {
		return providers.Object{}, s.fail("complete upload of", bucket, key, err)
	}
	return providers.Object{Key: key, Size: size, ETag: unquote(aws.ToString(out.ETag)), OpaqueETag: opaque(out.ServerSideEncryption)}, nil
}

// AbortUpload discards an upload; an absent one is not an error.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	_, err := s.cl(bucket).AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	if err = s.fail("abort upload of", bucket, key, err); errors.Is(err, providers.ErrNotFound) {
		return nil
	}
	return err
}

// maxCopy is S3's limit on one CopyObject.
const maxCopy = 5 << 30

// CanCopyFrom reports whether src is a store at the same endpoint and
// account, so a server-side copy can read it.
func (s *Store) CanCopyFrom(src providers.Storage) bool {
	o, ok := src.(interface{ Place() string })
	return ok && s.o.Place != "" && o.Place() == s.o.Place
}

// CopyFrom copies an object from another bucket of the same endpoint and
// account, headers, metadata and tags included; objects over 5 GiB are
// copied in parts.
func (s *Store) CopyFrom(ctx context.Context, src providers.Storage, srcBucket string, obj providers.Object, dstBucket string, ifAbsent bool) (providers.Object, error) {
	if !s.CanCopyFrom(src) {
		return providers.Object{}, fmt.Errorf("%s: copy %s/%s: not the same endpoint and account", s.o.Name, srcBucket, obj.Key)
	}
	if ifAbsent && !s.o.ConditionalWrites {
		if err := s.absent(ctx, dstBucket, obj.Key); err != nil {
			return providers.Object{}, err
		}
	}
	source := url.PathEscape(srcBucket) + "/" + escapeKey(obj.Key)
	if obj.Size <= maxCopy {
		in := &s3.CopyObjectInput{Bucket: aws.String(dstBucket), Key: aws.String(obj.Key), CopySource: aws.String(source),
			MetadataDirective: types.MetadataDirectiveCopy, TaggingDirective: types.TaggingDirectiveCopy,
			StorageClass: types.StorageClass(obj.StorageClass)} // a copy is STANDARD unless told
		if obj.ETag != "" {
			in.CopySourceIfMatch = aws.String(`"` + obj.ETag + `"`)
		}
		if ifAbsent && s.o.ConditionalWrites {
			in.IfNoneMatch = aws.String("*")
		}
		out, err := s.cl(dstBucket).CopyObject(ctx, in)
		if err != nil {
			err = s.fail("copy", srcBucket, obj.Key, err)
			if errors.Is(err, providers.ErrChanged) && in.IfNoneMatch != nil {
				// 412 answers both conditions: which one failed?
				if _, herr := s.Head(ctx, dstBucket, obj.Key); herr == nil {
					return providers.Object{}, fmt.Errorf("%s: copy to %s/%s: %w", s.o.Name, dstBucket, obj.Key, providers.ErrExists)
				}
			}
			return providers.Object{}, err
		}
		etag := ""
		if out.CopyObjectResult != nil {
			etag = unquote(aws.ToString(out.CopyObjectResult.ETag))
		}
		return providers.Object{Key: obj.Key, Size: obj.Size, ETag: etag, OpaqueETag: opaque(out.ServerSideEncryption)}, nil
	}
	return s.copyParts(ctx, src.(*Store), srcBucket, obj, dstBucket, source)
}

// copyParts copies a large object with UploadPartCopy, 1 GiB a part.
func (s *Store) copyParts(ctx context.Context, src *Store, srcBucket string, obj providers.Object, dstBucket, source string) (providers.Object, error) {
	head, err := src.Head(ctx, srcBucket, obj.Key)
	if err != nil {
		return providers.Object{}, err
	}
	if obj.ETag != "" && head.ETag != obj.ETag {
		return providers.Object{}, fmt.Errorf("%s: copy %s/%s: %w", s.o.Name, srcBucket, obj.Key, providers.ErrChanged)
	}
	if head.Tags, err = src.tags(ctx, srcBucket, obj.Key); err != nil {
		return providers.Object{}, err
	}
	head.StorageClass = obj.StorageClass // as the caller mapped it
	id, err := s.CreateUpload(ctx, dstBucket, head)
	if err != nil {
		return providers.Object{}, err
	}
	const partSize = 1 << 30
	var parts []providers.Part
	for off, n := int64(0), 1; off < head.Size; off, n = off+partSize, n+1 {
		size := min(partSize, head.Size-off)
		out, err := s.cl(dstBucket).UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(dstBucket), Key: aws.String(obj.Key),
			UploadId: aws.String(id), PartNumber: aws.Int32(int32(n)), CopySource: aws.String(source),
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+size-1)), CopySourceIfMatch: aws.String(`"` + head.ETag + `"`)})
		if err != nil {
			_ = s.AbortUpload(context.WithoutCancel(ctx), dstBucket, obj.Key, id)
			return providers.Object{}, s.fail("copy", srcBucket, obj.Key, err)
		}
		etag := ""
		if out.CopyPartResult != nil {
			etag = unquote(aws.ToString(out.CopyPartResult.ETag))
		}
		parts = append(parts, providers.Part{Number: n, Size: size, ETag: etag})
	}
	got, err := s.CompleteUpload(ctx, dstBucket, obj.Key, id, parts, false)
	if err != nil {
		_ = s.AbortUpload(context.WithoutCancel(ctx), dstBucket, obj.Key, id)
	}
	return got, err
}

// escapeKey escapes a key for x-amz-copy-source, keeping the slashes.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

var (
	_ providers.Storage           = (*Store)(nil)
	_ providers.RangeReader       = (*Store)(nil)
	_ providers.MultipartWriter   = (*Store)(nil)
	_ providers.ServerSideCopier  = (*Store)(nil)
	_ providers.ConditionalPutter = (*Store)(nil)
	_ providers.ObjectLister      = (*Store)(nil)
)
