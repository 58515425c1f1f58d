package s3fake

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/rehome/rehome/internal/ctxio"
)

// blob is stored bytes, never changed once written, so objects, parts and
// copies share blobs instead of copying them.
type blob interface {
	size() int64
	// open reads n bytes from off.
	open(off, n int64) (io.ReadCloser, error)
}

// blobStore writes blobs: in memory or in files.
type blobStore interface {
	// write stores exactly n bytes read from r.
	write(ctx context.Context, r io.Reader, n int64) (blob, error)
	// discard frees a blob nothing refers to (a body that failed its checks).
	discard(b blob)
	close() error
}

// slabSize is the unit of memory blobs: a large body is never held twice,
// nor grown by copying.
const slabSize = 1 << 20

type memStore struct{}

type memBlob struct {
	slabs [][]byte // every slab but the last holds slabSize bytes
	n     int64
}

func (memStore) write(ctx context.Context, r io.Reader, n int64) (blob, error) {
	r = ctxio.Reader(ctx, r)
	b := &memBlob{n: n}
	for left := n; left > 0; {
		s := make([]byte, min(left, slabSize))
		if _, err := io.ReadFull(r, s); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("read body: %w", err)
		}
		b.slabs = append(b.slabs, s)
		left -= int64(len(s))
	}
	return b, nil
}

func (memStore) discard(blob) {}
func (memStore) close() error { return nil }

func (b *memBlob) size() int64 { return b.n }

func (b *memBlob) open(off, n int64) (io.ReadCloser, error) {
	return io.NopCloser(&slabReader{b: b, off: off, end: off + n}), nil
}

type slabReader struct {
	b        *memBlob
	off, end int64
}

func (r *slabReader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	s := r.b.slabs[r.off/slabSize][r.off%slabSize:]
	if rest := r.end - r.off; int64(len(s)) > rest {
		s = s[:rest]
	}
	n := copy(p, s)
	r.off += int64(n)
	return n, nil
}

// fileStore keeps each blob in a file of its own under dir; Close removes
// them.
type fileStore struct {
	dir string
	seq atomic.Uint64
	mu  sync.Mutex
	all map[string]bool
}

type fileBlob struct {
	path string
	n    int64
}

func newFileStore(dir string) *fileStore { return &fileStore{dir: dir, all: map[string]bool{}} }

func (s *fileStore) write(ctx context.Context, r io.Reader, n int64) (blob, error) {
	path := filepath.Join(s.dir, fmt.Sprintf("s3fake-%d-%d.blob", os.Getpid(), s.seq.Add(1)))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store body: %w", err)
	}
	written, err := io.Copy(f, io.LimitReader(ctxio.Reader(ctx, r), n))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && written < n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("store body: %w", err)
	}
	s.mu.Lock()
	s.all[path] = true
	s.mu.Unlock()
	return &fileBlob{path: path, n: n}, nil
}

func (s *fileStore) discard(b blob) {
	if fb, ok := b.(*fileBlob); ok {
		s.mu.Lock()
		delete(s.all, fb.path)
		s.mu.Unlock()
		_ = os.Remove(fb.path)
	}
}

func (s *fileStore) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for p := range s.all {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	s.all = map[string]bool{}
	return errors.Join(errs...)
}

func (b *fileBlob) size() int64 { return b.n }

func (b *fileBlob) open(off, n int64) (io.ReadCloser, error) {
	f, err := os.Open(b.path)
	if err != nil {
		return nil, fmt.Errorf("open stored body: %w", err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, off, n), f}, nil
}

// extent is a range of a blob.
type extent struct {
	b      blob
	off, n int64
}

// content is an object's or a part's bytes: ranges of blobs, read in turn.
// A multipart object is the concatenation of its parts' contents, so
// completing an upload copies no bytes; copies share the source's blobs.
type content []extent

func wholeBlob(b blob) content { return content{{b: b, n: b.size()}} }

func (c content) size() int64 {
	var n int64
	for _, e := range c {
		n += e.n
	}
	return n
}

// slice returns the n bytes of c from off.
func (c content) slice(off, n int64) content {
	var out content
	for _, e := range c {
		if n == 0 {
			break
		}
		if off >= e.n {
			off -= e.n
			continue
		}
		take := min(e.n-off, n)
		out = append(out, extent{b: e.b, off: e.off + off, n: take})
		n -= take
		off = 0
	}
	return out
}

// reader reads c from start to end, opening each extent in turn.
func (c content) reader(ctx context.Context) io.ReadCloser {
	return &contentReader{ctx: ctx, rest: c}
}

type contentReader struct {
	ctx  context.Context
	rest content
	cur  io.ReadCloser
}

func (r *contentReader) Read(p []byte) (int, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		if r.cur == nil {
			if len(r.rest) == 0 {
				return 0, io.EOF
			}
			e := r.rest[0]
			r.rest = r.rest[1:]
			rc, err := e.b.open(e.off, e.n)
			if err != nil {
				return 0, err
			}
			r.cur = rc
		}
		n, err := r.cur.Read(p)
		if errors.Is(err, io.EOF) {
			_ = r.cur.Close()
			r.cur = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (r *contentReader) Close() error {
	if r.cur != nil {
		err := r.cur.Close()
		r.cur = nil
		return err
	}
	return nil
}

// digest reads c once through the given hashes.
func (c content) digest(ctx context.Context, hs ...hash.Hash) error {
	ws := make([]io.Writer, len(hs))
	for i, h := range hs {
		ws[i] = h
	}
	rc := c.reader(ctx)
	defer rc.Close()
	if _, err := io.Copy(io.MultiWriter(ws...), rc); err != nil {
		return fmt.Errorf("read stored body: %w", err)
	}
	return nil
}
