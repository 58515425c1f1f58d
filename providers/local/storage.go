package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"mime"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"github.com/rehome/rehome/internal/ctxio"
	"github.com/rehome/rehome/providers"
)

// copyChunk is the buffer size of Put; ctx is checked between chunks.
const copyChunk = 256 << 10

// bufs recycles Put's buffers: a copy of many small objects would
// otherwise allocate (and clear, and collect) one per object.
var bufs = sync.Pool{New: func() any { b := make([]byte, copyChunk); return &b }}

func (p *Provider) bucketsRoot() string { return filepath.Join(p.root, bucketsDir) }

// tmpDir is where Put stages a bucket's objects: outside every bucket (so
// listings never see partial files) but on the same filesystem (so the
// final rename is atomic). One folder per bucket, so CleanPartial of one
// bucket never touches another bucket's uploads.
func (p *Provider) tmpDir(bucket string) string {
	return filepath.Join(p.root, tmpDirName, bucket)
}

func validateBucketName(name string) error {
	switch {
	case name == "":
		return errors.New("empty bucket name")
	case name == "." || name == "..":
		return fmt.Errorf("bucket name %q is not allowed", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("bucket name %q contains '/', '\\' or NUL", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("bucket name %q is not valid UTF-8", name)
	}
	return nil
}

// validateKey checks that key can be a file path inside a bucket folder.
func validateKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty key")
	case !utf8.ValidString(key):
		return errors.New("key is not valid UTF-8")
	case strings.ContainsRune(key, 0):
		return errors.New("key contains NUL")
	case strings.HasPrefix(key, "/"):
		return errors.New("key starts with '/'")
	case strings.HasSuffix(key, "/"):
		return errors.New("key ends with '/' (a folder, not a file)")
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return errors.New("key has an empty path segment ('//')")
		case ".", "..":
			return fmt.Errorf("key has a %q path segment", seg)
		}
	}
	return nil
}

// bucketDir returns the folder of an existing bucket.
func (p *Provider) bucketDir(bucket string) (string, error) {
	if err := p.configured(); err != nil {
		return "", err
	}
	if err := validateBucketName(bucket); err != nil {
		return "", err
	}
	dir := filepath.Join(p.bucketsRoot(), bucket)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return "", fmt.Errorf("bucket %q: %s: %w", bucket, p.Where(providers.KindStorage, bucket), providers.ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	return dir, nil
}

// Buckets lists the folders under PATH/buckets, sorted by name.
func (p *Provider) Buckets(ctx context.Context) ([]providers.Bucket, error) {
	if err := p.configured(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	names, err := p.bucketNames()
	if err != nil {
		return nil, err
	}
	out := make([]providers.Bucket, 0, len(names))
	for _, n := range names {
		out = append(out, providers.Bucket{Name: n})
	}
	return out, nil
}

func (p *Provider) bucketNames() ([]string, error) {
	ents, err := os.ReadDir(p.bucketsRoot())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local: list buckets in %s: %w", p.bucketsRoot(), err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && validateBucketName(e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// CreateBucket creates the bucket folder; an existing one is ErrExists.
func (p *Provider) CreateBucket(ctx context.Context, b providers.Bucket) error {
	if err := p.configured(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validateBucketName(b.Name); err != nil {
		return fmt.Errorf("local: create bucket: %w", err)
	}
	if err := os.MkdirAll(p.bucketsRoot(), 0o755); err != nil {
		return fmt.Errorf("local: create bucket %q: %w", b.Name, err)
	}
	dir := filepath.Join(p.bucketsRoot(), b.Name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("local: create bucket %q: folder %s: %w", b.Name, dir, providers.ErrExists)
		}
		return fmt.Errorf("local: create bucket %q: %w", b.Name, err)
	}
	return nil
}

// DeleteBucket removes an empty bucket folder (and its empty sub-folders).
// Any file, link or special file inside makes it ErrNotEmpty.
func (p *Provider) DeleteBucket(ctx context.Context, name string) error {
	dir, err := p.bucketDir(name)
	if err != nil {
		return fmt.Errorf("local: delete bucket %q: %w", name, err)
	}
	var dirs []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.IsDir() {
			return fmt.Errorf("holds %s: %w", path, providers.ErrNotEmpty)
		}
		dirs = append(dirs, path)
		return nil
	})
	if err != nil {
		return fmt.Errorf("local: delete bucket %q: %w", name, err)
	}
	// Deepest first; os.Remove refuses a folder that gained a file meanwhile.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil {
			if isNotEmpty(err) {
				return fmt.Errorf("local: delete bucket %q: %s: %w", name, dirs[i], providers.ErrNotEmpty)
			}
			return fmt.Errorf("local: delete bucket %q: %w", name, err)
		}
	}
	// Leave no trace of the bucket: its temp folder, and the folders that
	// held them when they are empty now.
	os.RemoveAll(p.tmpDir(name))
	removeIfEmpty(filepath.Join(p.root, tmpDirName))
	removeIfEmpty(p.bucketsRoot())
	return nil
}

// removeIfEmpty removes a folder that holds nothing (an error means it is
// not empty or gone, and leaves it).
func removeIfEmpty(dir string) { _ = os.Remove(dir) }

func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

// walkBucket calls fn with the key of every file entry under a bucket
// folder (folders themselves are passed over), checking ctx as it goes.
// An entry below the folder that cannot be read (a folder it cannot
// list or enter) goes to bad, when given, with its key ("sub/" for a
// folder) and the walk goes on; without bad it ends the walk.
func walkBucket(ctx context.Context, dir string, fn func(key string, d fs.DirEntry) error, bad func(key string, err error)) error {
	n := 0
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			rel, rerr := filepath.Rel(dir, p)
			if bad == nil || rerr != nil || rel == "." {
				return err
			}
			key := filepath.ToSlash(rel)
			if d != nil && d.IsDir() {
				bad(key+"/", err)
				return filepath.SkipDir
			}
			bad(key, err)
			return nil
		}
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), d)
	})
}

// isObject reports whether a file entry is an object: a regular file with
// a UTF-8 key (links, sockets, devices and other names are skipped).
func isObject(key string, d fs.DirEntry) bool {
	return d.Type().IsRegular() && utf8.ValidString(key)
}

// scanBucket walks a bucket folder and returns the keys of its regular
// files, sorted in byte order, plus the number of entries that are not
// objects (links, sockets, devices, names that are not UTF-8). Entries it
// cannot read are among the keys too, with the reason in bad.
func scanBucket(ctx context.Context, dir string, each func(key string, d fs.DirEntry) error) (keys []string, bad map[string]string, skipped int64, err error) {
	bad = map[string]string{}
	err = walkBucket(ctx, dir, func(key string, d fs.DirEntry) error {
		if !isObject(key, d) {
			skipped++
			return nil
		}
		if each != nil {
			if err := each(key, d); err != nil {
				return err
			}
		}
		keys = append(keys, key)
		return nil
	}, func(key string, err error) {
		bad[key] = unreadableReason(key, err)
		keys = append(keys, key)
	})
	if err != nil {
		return nil, nil, 0, err
	}
	// S3 order: byte order of the whole key, not directory-walk order
	// ("a-c" < "a/b" because '-' < '/'). Go compares strings bytewise.
	sort.Strings(keys)
	return keys, bad, skipped, nil
}

// countBucket counts a bucket's objects and the entries it skips, from
// the folder entries alone (no stat per file).
func countBucket(ctx context.Context, dir string) (objects, skipped int64, err error) {
	err = walkBucket(ctx, dir, func(key string, d fs.DirEntry) error {
		if isObject(key, d) {
			objects++
		} else {
			skipped++
		}
		return nil
	}, func(string, error) { objects++ })
	return objects, skipped, err
}

// Objects lists a bucket's regular files in key byte order. The keys of a
// bucket are collected and sorted in memory before the first object is
// yielded (see the package documentation for the limit).
func (p *Provider) Objects(ctx context.Context, bucket string) iter.Seq2[providers.Object, error] {
	return func(yield func(providers.Object, error) bool) {
		dir, err := p.bucketDir(bucket)
		if err != nil {
			yield(providers.Object{}, fmt.Errorf("local: list bucket %q: %w", bucket, err))
			return
		}
		keys, bad, _, err := scanBucket(ctx, dir, nil)
		if err != nil {
			yield(providers.Object{}, fmt.Errorf("local: list bucket %q: %w", bucket, err))
			return
		}
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				yield(providers.Object{}, fmt.Errorf("local: list bucket %q: %w", bucket, err))
				return
			}
			if why, ok := bad[k]; ok {
				if !yield(providers.Object{Key: k, Unreadable: why}, nil) {
					return
				}
				continue
			}
			fp := filepath.Join(dir, filepath.FromSlash(k))
			fi, err := os.Lstat(fp)
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since the walk
			}
			if err != nil {
				if !yield(providers.Object{Key: k, Unreadable: unreadableReason(k, err)}, nil) {
					return
				}
				continue
			}
			if !fi.Mode().IsRegular() {
				continue
			}
			o := objectFromInfo(k, fi)
			o.Unreadable = openable(fp, k)
			if !yield(o, nil) {
				return
			}
		}
	}
}

func objectFromInfo(key string, fi fs.FileInfo) providers.Object {
	return providers.Object{
		Key:         key,
		Size:        fi.Size(),
		ModTime:     fi.ModTime().UTC(),
		ContentType: contentType(key),
	}
}

// contentType derives a Content-Type from the key's extension using the
// system MIME tables (which vary between machines), falling back to
// application/octet-stream.
func contentType(key string) string {
	if ext := path.Ext(key); ext != "" {
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
	}
	return "application/octet-stream"
}

// objectPath resolves key inside bucket folder dir. Every folder on the way
// must be a real folder (not a link): objects are never reached through a
// link, just as listings skip links. It returns ErrNotFound when a folder
// on the way is missing, a file or a link.
func objectPath(dir, key string) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	segs := strings.Split(key, "/")
	cur := dir
	for _, s := range segs[:len(segs)-1] {
		cur = filepath.Join(cur, s)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || (err == nil && !fi.IsDir()) {
			return "", providers.ErrNotFound
		}
		if err != nil {
			return "", err
		}
	}
	return filepath.Join(cur, segs[len(segs)-1]), nil
}

// statObject returns the file info of a regular file at key.
func statObject(dir, key string) (string, fs.FileInfo, error) {
	fp, err := objectPath(dir, key)
	if err != nil {
		return "", nil, err
	}
	fi, err := os.Lstat(fp)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || (err == nil && !fi.Mode().IsRegular()) {
		return "", nil, providers.ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	return fp, fi, nil
}

// Head returns an object's listing fields; ErrNotFound when absent.
func (p *Provider) Head(ctx context.Context, bucket, key string) (providers.Object, error) {
	if err := ctx.Err(); err != nil {
		return providers.Object{}, err
	}
	dir, err := p.bucketDir(bucket)
	if err != nil {
		return providers.Object{}, fmt.Errorf("local: head bucket %q key %q: %w", bucket, key, err)
	}
	_, fi, err := statObject(dir, key)
	if err != nil {
		return providers.Object{}, fmt.Errorf("local: head bucket %q key %q: %w", bucket, key, err)
	}
	return objectFromInfo(key, fi), nil
}

// Get opens an object. The reader is the *os.File; the caller closes it.
func (p *Provider) Get(ctx context.Context, bucket, key string) (io.ReadCloser, providers.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, providers.Object{}, err
	}
	dir, err := p.bucketDir(bucket)
	if err != nil {
		return nil, providers.Object{}, fmt.Errorf("local: get bucket %q key %q: %w", bucket, key, err)
	}
	fp, lfi, err := statObject(dir, key)
	if err != nil {
		return nil, providers.Object{}, fmt.Errorf("local: get bucket %q key %q: %w", bucket, key, err)
	}
	f, err := os.Open(fp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, providers.Object{}, fmt.Errorf("local: get bucket %q key %q: %w", bucket, key, providers.ErrNotFound)
	}
	if err != nil {
		return nil, providers.Object{}, fmt.Errorf("local: get bucket %q key %q: %w", bucket, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, providers.Object{}, fmt.Errorf("local: get bucket %q key %q: %w", bucket, key, err)
	}
	// The file opened must be the regular file we checked, not a link
	// swapped in between.
	if !os.SameFile(lfi, fi) {
		f.Close()
		return nil, providers.Object{}, fmt.Errorf("local: get bucket %q key %q: file changed while opening it", bucket, key)
	}
	return f, objectFromInfo(key, fi), nil
}

// checkPutPath verifies that key can be written as a file: no folder on the
// way is a file or a link, and the key itself is not a folder, link or
// special file.
func checkPutPath(dir, key string) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	segs := strings.Split(key, "/")
	cur := dir
	for i, s := range segs {
		cur = filepath.Join(cur, s)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Join(dir, filepath.FromSlash(key)), nil
		}
		if err != nil {
			return "", err
		}
		last := i == len(segs)-1
		switch {
		case !last && fi.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Errorf("%q is a link; rehome does not write through links", strings.Join(segs[:i+1], "/"))
		case !last && !fi.IsDir():
			return "", fmt.Errorf("%q is a file, so it cannot be a folder (local keys are file paths)", strings.Join(segs[:i+1], "/"))
		case last && fi.IsDir():
			return "", errors.New("the key names a folder that holds other keys (local keys are file paths)")
		case last && !fi.Mode().IsRegular():
			return "", errors.New("the key names a link or special file, not a regular file")
		}
	}
	return cur, nil
}

func (p *Provider) track(name string, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.inflight[name] = struct{}{}
	} else {
		delete(p.inflight, name)
	}
}

func (p *Provider) isInflight(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.inflight[name]
	return ok
}

// Put stores body at obj.Key. The body is streamed into a temp file under
// PATH/.rehome-tmp/BUCKET/ while its SHA-256 is computed, fsynced, given
// obj.ModTime (when set) and renamed into place, so a reader sees the old
// object or the complete new one. When obj.Size >= 0 and the body has a
// different length, or ctx is cancelled, nothing is written at the key and
// the temp file is removed.
func (p *Provider) Put(ctx context.Context, bucket string, obj providers.Object, body io.Reader) (providers.Object, error) {
	return p.put(ctx, bucket, obj, body, false)
}

// PutIfAbsent is Put that writes only when no object is at the key: the
// complete file is linked into place, which fails if a file is there, so an
// object someone else wrote meanwhile is never replaced. It returns an
// error wrapping ErrExists then.
func (p *Provider) PutIfAbsent(ctx context.Context, bucket string, obj providers.Object, body io.Reader) (providers.Object, error) {
	return p.put(ctx, bucket, obj, body, true)
}

// PutBatched is Put (PutIfAbsent with ifAbsent) without the fsync: the
// object is in place when it returns and durable after the next Sync,
// which costs one syncfs for a whole batch instead of an fsync per file.
func (p *Provider) PutBatched(ctx context.Context, bucket string, obj providers.Object, body io.Reader, ifAbsent bool) (providers.Object, error) {
	o, err := p.write(ctx, bucket, obj, body, ifAbsent, false)
	if err == nil {
		p.mu.Lock()
		p.unsynced = append(p.unsynced, filepath.Join(p.bucketsRoot(), bucket, filepath.FromSlash(obj.Key)))
		p.mu.Unlock()
	}
	return o, err
}

// Sync makes every PutBatched that returned durable, with the folders
// that name them (see syncPaths).
func (p *Provider) Sync(ctx context.Context) error {
	p.mu.Lock()
	paths := p.unsynced
	p.unsynced = nil
	p.mu.Unlock()
	if len(paths) == 0 {
		return nil
	}
	if err := syncPaths(ctx, p.root, paths); err != nil {
		return fmt.Errorf("local: make written objects durable: %w", err)
	}
	return nil
}

var _ providers.BatchWriter = (*Provider)(nil)

func (p *Provider) put(ctx context.Context, bucket string, obj providers.Object, body io.Reader, ifAbsent bool) (providers.Object, error) {
	return p.write(ctx, bucket, obj, body, ifAbsent, true)
}

func (p *Provider) write(ctx context.Context, bucket string, obj providers.Object, body io.Reader, ifAbsent, fsync bool) (out providers.Object, err error) {
	key := obj.Key
	fail := func(err error) (providers.Object, error) {
		return providers.Object{}, fmt.Errorf("local: put bucket %q key %q: %w", bucket, key, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	dir, err := p.bucketDir(bucket)
	if err != nil {
		return fail(err)
	}
	// The key is checked once here, before streaming (the plan's diff has
	// checked it too), and again just before the file goes into place.
	if err := validateKey(key); err != nil {
		return fail(err)
	}
	tdir := p.tmpDir(bucket)
	f, err := os.CreateTemp(tdir, "put-*")
	// The folder is made on first use; another bucket's CleanPartial may
	// remove the empty parent meanwhile, so try again.
	for try := 0; errors.Is(err, fs.ErrNotExist) && try < 3; try++ {
		if err = os.MkdirAll(tdir, 0o700); err == nil || errors.Is(err, fs.ErrNotExist) {
			f, err = os.CreateTemp(tdir, "put-*")
		}
	}
	if err != nil {
		return fail(fmt.Errorf("create temp file: %w", err))
	}
	tmp := f.Name()
	p.track(tmp, true)
	defer p.track(tmp, false)
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()

	h := sha256.New()
	if obj.Size >= 0 {
		// Read at most one byte more than announced: enough to tell a
		// longer body, without streaming all of it.
		body = io.LimitReader(body, obj.Size+1)
	}
	n, err := copyCtx(ctx, io.MultiWriter(f, h), body)
	if err != nil {
		return fail(err)
	}
	if obj.Size >= 0 && n != obj.Size {
		if n > obj.Size {
			return fail(fmt.Errorf("body is longer than the expected %d bytes", obj.Size))
		}
		return fail(fmt.Errorf("body has %d bytes, expected %d", n, obj.Size))
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(fmt.Errorf("chmod temp file: %w", err))
	}
	if fsync {
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("fsync temp file: %w", err))
		}
	}
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("close temp file: %w", err))
	}
	if !obj.ModTime.IsZero() {
		if err := os.Chtimes(tmp, obj.ModTime, obj.ModTime); err != nil {
			return fail(fmt.Errorf("set modification time: %w", err))
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	dst, err := checkPutPath(dir, key) // again: the tree may have changed while streaming
	if err != nil {
		return fail(err)
	}
	if err := renameInto(dir, tmp, dst, ifAbsent); err != nil {
		return fail(err)
	}
	done = true
	fi, err := os.Lstat(dst)
	if err != nil {
		return fail(err)
	}
	o := objectFromInfo(key, fi)
	o.SHA256 = hex.EncodeToString(h.Sum(nil))
	return o, nil
}

// renameInto moves tmp to dst, creating the folders on the way. A
// concurrent Delete may prune a folder just created; that is retried. With
// noClobber the file is hard-linked into place (which fails when dst
// exists, giving ErrExists) and tmp removed.
func renameInto(bucketDir, tmp, dst string, noClobber bool) error {
	var err error
	for range 3 {
		if err = os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("create folders: %w", err)
		}
		if noClobber {
			if err = os.Link(tmp, dst); err == nil {
				os.Remove(tmp)
				return nil
			}
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s: %w", dst, providers.ErrExists)
			}
		} else if err = os.Rename(tmp, dst); err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	pruneEmpty(bucketDir, filepath.Dir(dst))
	return fmt.Errorf("move into place: %w", err)
}

// copyCtx copies src to dst in chunks, stopping when ctx ends.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := bufs.Get().(*[]byte)
	defer bufs.Put(buf)
	n, err := io.CopyBuffer(dst, ctxio.Reader(ctx, src), *buf)
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("copy body: %w", err)
	}
	return n, err
}

// Delete removes an object and then the folders it leaves empty, up to
// (not including) the bucket folder. An absent key is not an error; a key
// naming a folder or a link is not an object and is left alone.
func (p *Provider) Delete(ctx context.Context, bucket, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, err := p.bucketDir(bucket)
	if err != nil {
		return fmt.Errorf("local: delete bucket %q key %q: %w", bucket, key, err)
	}
	fp, _, err := statObject(dir, key)
	if errors.Is(err, providers.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("local: delete bucket %q key %q: %w", bucket, key, err)
	}
	if err := os.Remove(fp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local: delete bucket %q key %q: %w", bucket, key, err)
	}
	pruneEmpty(dir, filepath.Dir(fp))
	return nil
}

// pruneEmpty removes from as long as it is an empty folder strictly inside
// stop, then its parent, and so on.
func pruneEmpty(stop, from string) {
	stop = filepath.Clean(stop)
	for d := filepath.Clean(from); d != stop && strings.HasPrefix(d, stop+string(filepath.Separator)); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			return
		}
	}
}

// CleanPartial removes the temp files a crashed Put left for bucket (in
// PATH/.rehome-tmp/BUCKET/) and returns how many it removed. Files this
// Provider is writing right now are left alone. Empty temp folders are
// removed.
func (p *Provider) CleanPartial(ctx context.Context, bucket string) (int, error) {
	if err := p.configured(); err != nil {
		return 0, err
	}
	if err := validateBucketName(bucket); err != nil {
		return 0, fmt.Errorf("local: clean partial uploads: %w", err)
	}
	tdir := p.tmpDir(bucket)
	ents, err := os.ReadDir(tdir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("local: clean partial uploads of bucket %q in %s: %w", bucket, tdir, err)
	}
	removed := 0
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		fp := filepath.Join(tdir, e.Name())
		if e.IsDir() || p.isInflight(fp) {
			continue
		}
		if err := os.Remove(fp); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return removed, fmt.Errorf("local: clean partial uploads of bucket %q: remove %s: %w", bucket, fp, err)
		}
		removed++
	}
	if removed > 0 {
		p.log.DebugContext(ctx, "local: removed partial uploads", "bucket", bucket, "dir", tdir, "count", removed)
	}
	if os.Remove(tdir) == nil {
		_ = os.Remove(filepath.Dir(tdir))
	}
	return removed, nil
}

func (p *Provider) discoverBuckets(ctx context.Context, shallow bool) ([]providers.Resource, error) {
	names, err := p.bucketNames()
	if err != nil {
		return nil, err
	}
	var out []providers.Resource
	for _, n := range names {
		dir := filepath.Join(p.bucketsRoot(), n)
		if shallow {
			out = append(out, providers.Resource{Kind: providers.KindStorage, Type: "bucket", ID: dir, Name: n,
				Attrs: map[string]string{"path": dir}, Usage: providers.Usage{Unmeasured: true}})
			continue
		}
		// Counted from the folder entries alone, without a stat per
		// file: the move's own listing measures the bytes it moves.
		objects, skipped, err := countBucket(ctx, dir)
		if err != nil {
			return nil, fmt.Errorf("local: discover bucket %q: %w", n, err)
		}
		out = append(out, providers.Resource{
			Kind: providers.KindStorage,
			Type: "bucket",
			ID:   dir,
			Name: n,
			Attrs: map[string]string{
				"path":          dir,
				"skipped_files": strconv.FormatInt(skipped, 10),
			},
			Usage: providers.Usage{Objects: objects, Unmeasured: true},
		})
	}
	return out, nil
}

// GetRange reads n bytes of an object from off, for copies in parallel
// parts. Files carry no ETag, so ifMatch is not checked here: the copier
// checks the file's size and time after the last part instead.
func (p *Provider) GetRange(ctx context.Context, bucket, key string, off, n int64, ifMatch string) (io.ReadCloser, error) {
	rc, obj, err := p.Get(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	if off < 0 || n < 0 || off+n > obj.Size {
		rc.Close()
		return nil, fmt.Errorf("local: read bucket %q key %q: range %d+%d outside its %d bytes: %w", bucket, key, off, n, obj.Size, providers.ErrChanged)
	}
	f := rc.(*os.File)
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, off, n), f}, nil
}

var _ providers.RangeReader = (*Provider)(nil)
