package memory

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rehome/rehome/internal/ctxio"
	"github.com/rehome/rehome/providers"
)

// region is what buckets report; the store has no regions.
const region = "memory-1"

// maxKeyLen is S3's limit on a key's length in bytes.
const maxKeyLen = 1024

type bucket struct {
	created time.Time
	objects map[string]*object
}

// object is a stored object; body and the maps are never changed after
// Put, so readers may share them.
type object struct {
	meta providers.Object
	body []byte
}

// validateBucketName applies S3's bucket naming rules.
func validateBucketName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("bucket name %q may hold only lower-case letters, digits, '-' and '.'", name)
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return fmt.Errorf("bucket name %q must start and end with a letter or digit", name)
	}
	if strings.Contains(name, "..") {
		return fmt.Errorf("bucket name %q must not hold two adjacent dots", name)
	}
	return nil
}

func validateKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty key")
	case len(key) > maxKeyLen:
		return fmt.Errorf("key is longer than %d bytes", maxKeyLen)
	case !utf8.ValidString(key):
		return errors.New("key is not valid UTF-8")
	}
	return nil
}

// bucket returns an existing bucket; sp's store lock must be held.
func (sp *space) bucket(name string) (*bucket, error) {
	b, ok := sp.buckets[name]
	if !ok {
		return nil, fmt.Errorf("bucket %q: %w", name, providers.ErrNotFound)
	}
	return b, nil
}

// Buckets lists the buckets, sorted by name.
func (p *Provider) Buckets(ctx context.Context) ([]providers.Bucket, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make([]providers.Bucket, 0, len(sp.buckets))
	for _, n := range sortedKeys(sp.buckets) {
		out = append(out, providers.Bucket{Name: n, Region: region, CreatedAt: sp.buckets[n].created})
	}
	return out, nil
}

// CreateBucket creates an empty bucket; an existing one is ErrExists.
func (p *Provider) CreateBucket(ctx context.Context, b providers.Bucket) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validateBucketName(b.Name); err != nil {
		return fmt.Errorf("memory: create bucket: %w", err)
	}
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, ok := sp.buckets[b.Name]; ok {
		return fmt.Errorf("memory: create bucket %q: %w", b.Name, providers.ErrExists)
	}
	sp.buckets[b.Name] = &bucket{created: p.store.now().UTC(), objects: map[string]*object{}}
	return nil
}

// DeleteBucket removes an empty bucket: ErrNotEmpty when it holds objects,
// ErrNotFound when there is none.
func (p *Provider) DeleteBucket(ctx context.Context, name string) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	b, err := sp.bucket(name)
	if err != nil {
		return fmt.Errorf("memory: delete bucket: %w", err)
	}
	if n := len(b.objects); n > 0 {
		return fmt.Errorf("memory: delete bucket %q: holds %d objects: %w", name, n, providers.ErrNotEmpty)
	}
	delete(sp.buckets, name)
	return nil
}

// Objects lists a bucket's objects in byte order of their keys, from a
// snapshot taken when iteration starts. Listings carry ETag and SHA256.
func (p *Provider) Objects(ctx context.Context, bucketName string) iter.Seq2[providers.Object, error] {
	return func(yield func(providers.Object, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(providers.Object{}, err)
			return
		}
		sp, unlock, err := p.lock(ctx)
		if err != nil {
			yield(providers.Object{}, err)
			return
		}
		b, err := sp.bucket(bucketName)
		if err != nil {
			unlock()
			yield(providers.Object{}, fmt.Errorf("memory: list objects: %w", err))
			return
		}
		keys := sortedKeys(b.objects)
		objs := make([]providers.Object, len(keys))
		for i, k := range keys {
			objs[i] = b.objects[k].info()
		}
		unlock()
		for _, o := range objs {
			if err := ctx.Err(); err != nil {
				yield(providers.Object{}, err)
				return
			}
			if !yield(o, nil) {
				return
			}
		}
	}
}

// info returns a copy of the object's description whose maps the caller
// may change.
func (o *object) info() providers.Object {
	m := o.meta
	m.Metadata = maps.Clone(o.meta.Metadata)
	m.Tags = maps.Clone(o.meta.Tags)
	return m
}

func (p *Provider) find(ctx context.Context, bucketName, key string) (*object, error) {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	b, err := sp.bucket(bucketName)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, fmt.Errorf("object %q in bucket %q: %w", key, bucketName, providers.ErrNotFound)
	}
	return o, nil
}

// Head describes one object; ErrNotFound when it or its bucket is absent.
func (p *Provider) Head(ctx context.Context, bucketName, key string) (providers.Object, error) {
	o, err := p.find(ctx, bucketName, key)
	if err != nil {
		return providers.Object{}, fmt.Errorf("memory: head: %w", err)
	}
	return o.info(), nil
}

// Get returns the object's body and description; ErrNotFound when absent.
func (p *Provider) Get(ctx context.Context, bucketName, key string) (io.ReadCloser, providers.Object, error) {
	o, err := p.find(ctx, bucketName, key)
	if err != nil {
		return nil, providers.Object{}, fmt.Errorf("memory: get: %w", err)
	}
	return io.NopCloser(bytes.NewReader(o.body)), o.info(), nil
}

// Put reads body, checks its length against obj.Size (unless -1) and
// stores it under obj.Key with obj's ModTime (else now), Content-Type,
// Cache-Control, metadata and tags, replacing any object there at once. A
// failed or cancelled Put stores nothing.
func (p *Provider) Put(ctx context.Context, bucketName string, obj providers.Object, body io.Reader) (providers.Object, error) {
	return p.put(ctx, bucketName, obj, body, false)
}

// PutIfAbsent is Put that refuses (ErrExists, nothing written) when an
// object is already at the key, like S3's If-None-Match: *.
func (p *Provider) PutIfAbsent(ctx context.Context, bucketName string, obj providers.Object, body io.Reader) (providers.Object, error) {
	return p.put(ctx, bucketName, obj, body, true)
}

func (p *Provider) put(ctx context.Context, bucketName string, obj providers.Object, body io.Reader, ifAbsent bool) (providers.Object, error) {
	if err := validateKey(obj.Key); err != nil {
		return providers.Object{}, fmt.Errorf("memory: put %s/%q: %w", bucketName, obj.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return providers.Object{}, err
	}
	// Fail early on a missing bucket, before reading the body.
	if err := p.bucketExists(ctx, bucketName); err != nil {
		return providers.Object{}, fmt.Errorf("memory: put %s/%q: %w", bucketName, obj.Key, err)
	}
	data, err := readAll(ctx, body)
	if err != nil {
		return providers.Object{}, fmt.Errorf("memory: put %s/%q: read body: %w", bucketName, obj.Key, err)
	}
	if obj.Size >= 0 && int64(len(data)) != obj.Size {
		return providers.Object{}, fmt.Errorf("memory: put %s/%q: body has %d bytes, the object says %d", bucketName, obj.Key, len(data), obj.Size)
	}
	if err := ctx.Err(); err != nil {
		return providers.Object{}, err
	}
	md := md5.Sum(data)
	sh := sha256.Sum256(data)
	meta := providers.Object{
		Key:          obj.Key,
		Size:         int64(len(data)),
		ModTime:      obj.ModTime,
		ETag:         hex.EncodeToString(md[:]),
		SHA256:       hex.EncodeToString(sh[:]),
		ContentType:  obj.ContentType,
		CacheControl: obj.CacheControl,
		// The other headers and the class, kept as given.
		ContentDisposition: obj.ContentDisposition,
		ContentEncoding:    obj.ContentEncoding,
		ContentLanguage:    obj.ContentLanguage,
		Expires:            obj.Expires,
		StorageClass:       obj.StorageClass,
		Tags:               maps.Clone(obj.Tags),
	}
	if meta.ContentType == "" {
		meta.ContentType = "application/octet-stream"
	}
	if len(obj.Metadata) > 0 {
		meta.Metadata = make(map[string]string, len(obj.Metadata))
		for k, v := range obj.Metadata {
			meta.Metadata[strings.ToLower(k)] = v
		}
	}
	if len(meta.Tags) == 0 {
		meta.Tags = nil
	}

	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return providers.Object{}, err
	}
	defer unlock()
	b, err := sp.bucket(bucketName)
	if err != nil {
		return providers.Object{}, fmt.Errorf("memory: put %s/%q: %w", bucketName, obj.Key, err)
	}
	if meta.ModTime.IsZero() {
		meta.ModTime = p.store.now()
	}
	meta.ModTime = meta.ModTime.UTC()
	if _, taken := b.objects[obj.Key]; taken && ifAbsent {
		return providers.Object{}, fmt.Errorf("memory: put %s/%q: %w", bucketName, obj.Key, providers.ErrExists)
	}
	o := &object{meta: meta, body: data}
	b.objects[obj.Key] = o
	sp.writes++
	sp.keyWrites[bucketName+"\x00"+obj.Key]++
	return o.info(), nil
}

func (p *Provider) bucketExists(ctx context.Context, name string) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = sp.bucket(name)
	return err
}

// readAll reads r to the end, checking ctx between chunks.
func readAll(ctx context.Context, r io.Reader) ([]byte, error) {
	return io.ReadAll(ctxio.Reader(ctx, r))
}

// Delete removes an object; an absent object is not an error (S3's
// DeleteObject), an absent bucket is ErrNotFound (NoSuchBucket).
func (p *Provider) Delete(ctx context.Context, bucketName, key string) error {
	sp, unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	b, err := sp.bucket(bucketName)
	if err != nil {
		return fmt.Errorf("memory: delete %s/%q: %w", bucketName, key, err)
	}
	delete(b.objects, key)
	return nil
}

// GetRange reads n bytes of an object from off; with ifMatch, ErrChanged
// when the object's ETag is no longer it (S3's If-Match).
func (p *Provider) GetRange(ctx context.Context, bucketName, key string, off, n int64, ifMatch string) (io.ReadCloser, error) {
	o, err := p.find(ctx, bucketName, key)
	if err != nil {
		return nil, fmt.Errorf("memory: get range: %w", err)
	}
	if ifMatch != "" && o.meta.ETag != ifMatch {
		return nil, fmt.Errorf("memory: get range of %s/%q: %w", bucketName, key, providers.ErrChanged)
	}
	if off < 0 || n < 0 || off+n > int64(len(o.body)) {
		return nil, fmt.Errorf("memory: get range of %s/%q: %d+%d is outside its %d bytes", bucketName, key, off, n, len(o.body))
	}
	return io.NopCloser(bytes.NewReader(o.body[off : off+n])), nil
}

var _ providers.RangeReader = (*Provider)(nil)
