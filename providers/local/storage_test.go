package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func newBucket(t *testing.T, p *Provider, name string) string {
	t.Helper()
	if err := p.CreateBucket(ctx(), providers.Bucket{Name: name}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return filepath.Join(p.Root(), "buckets", name)
}

func listKeys(t *testing.T, p *Provider, bucket string) []string {
	t.Helper()
	keys := []string{}
	for o, err := range p.Objects(ctx(), bucket) {
		if err != nil {
			t.Fatalf("Objects: %v", err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// tmpFiles lists what is left under PATH/.rehome-tmp.
func tmpFiles(t *testing.T, p *Provider) []string {
	t.Helper()
	var out []string
	root := filepath.Join(p.Root(), ".rehome-tmp")
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func TestObjectsByteOrder(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want []string
	}{
		{
			name: "tricky keys",
			keys: []string{"a/b", "ä", "a.b", "A", "a-c", "b"},
			// '-' (0x2d) < '.' (0x2e) < '/' (0x2f); upper case before lower; UTF-8 ä (0xc3) last.
			want: []string{"A", "a-c", "a.b", "a/b", "b", "ä"},
		},
		{
			name: "deep folders against siblings",
			keys: []string{"x/y/z", "x/y-", "x/y.txt", "x0", "x/yz"},
			want: []string{"x/y-", "x/y.txt", "x/y/z", "x/yz", "x0"},
		},
		{
			name: "empty bucket",
			keys: nil,
			want: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, opts{})
			dir := newBucket(t, p, "b")
			for _, k := range tc.keys {
				writeFile(t, filepath.Join(dir, filepath.FromSlash(k)), k)
			}
			if diff := cmp.Diff(tc.want, listKeys(t, p, "b")); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObjectFields(t *testing.T) {
	p := newProvider(t, opts{})
	dir := newBucket(t, p, "b")
	mt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, k := range []string{"img/logo.png", "README", "data.unknownext42"} {
		fp := filepath.Join(dir, filepath.FromSlash(k))
		writeFile(t, fp, "12345")
		if err := os.Chtimes(fp, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	var got []providers.Object
	for o, err := range p.Objects(ctx(), "b") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	want := []providers.Object{
		{Key: "README", Size: 5, ModTime: mt, ContentType: "application/octet-stream"},
		{Key: "data.unknownext42", Size: 5, ModTime: mt, ContentType: "application/octet-stream"},
		{Key: "img/logo.png", Size: 5, ModTime: mt, ContentType: "image/png"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestObjectsMissingBucket(t *testing.T) {
	p := newProvider(t, opts{})
	for _, err := range p.Objects(ctx(), "nope") {
		if !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		return
	}
	t.Fatal("Objects yielded nothing for a missing bucket")
}

func TestPutGetHeadDelete(t *testing.T) {
	tests := []struct {
		name string
		key  string
		body string
		size int64 // -1: unknown
	}{
		{"top level", "hello.txt", "hello, world\n", 13},
		{"nested", "a/b/c/data.bin", strings.Repeat("x", copyChunk*2+17), copyChunk*2 + 17},
		{"unknown size", "u/nknown", "some bytes", -1},
		{"empty", "empty", "", 0},
		{"unicode key", "fotos/grüße ä.jpg", "jpeg", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, opts{})
			newBucket(t, p, "b")
			mt := time.Date(2023, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
			sum := sha256.Sum256([]byte(tc.body))
			got, err := p.Put(ctx(), "b", providers.Object{Key: tc.key, Size: tc.size, ModTime: mt}, strings.NewReader(tc.body))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			want := providers.Object{Key: tc.key, Size: int64(len(tc.body)), ModTime: mt,
				SHA256: hex.EncodeToString(sum[:]), ContentType: contentType(tc.key)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Put result (-want +got):\n%s", diff)
			}
			head, err := p.Head(ctx(), "b", tc.key)
			if err != nil {
				t.Fatalf("Head: %v", err)
			}
			want.SHA256 = ""
			if diff := cmp.Diff(want, head); diff != "" {
				t.Errorf("Head (-want +got):\n%s", diff)
			}
			rc, obj, err := p.Get(ctx(), "b", tc.key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if _, ok := rc.(*os.File); !ok {
				t.Errorf("Get reader is %T, want *os.File", rc)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(data) != tc.body {
				t.Errorf("Get body = %d bytes, %v; want %d bytes", len(data), err, len(tc.body))
			}
			if diff := cmp.Diff(want, obj); diff != "" {
				t.Errorf("Get object (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tc.key}, listKeys(t, p, "b")); diff != "" {
				t.Errorf("listing (-want +got):\n%s", diff)
			}
			if err := p.Delete(ctx(), "b", tc.key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := p.Head(ctx(), "b", tc.key); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("Head after Delete: %v, want ErrNotFound", err)
			}
			if _, _, err := p.Get(ctx(), "b", tc.key); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("Get after Delete: %v, want ErrNotFound", err)
			}
			if err := p.Delete(ctx(), "b", tc.key); err != nil {
				t.Errorf("Delete of an absent key: %v", err)
			}
			if left := tmpFiles(t, p); len(left) != 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
}

func TestPutOverwrite(t *testing.T) {
	p := newProvider(t, opts{})
	newBucket(t, p, "b")
	for _, body := range []string{"first version", "second"} {
		if _, err := p.Put(ctx(), "b", providers.Object{Key: "k", Size: -1}, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	rc, _, err := p.Get(ctx(), "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "second" {
		t.Errorf("body = %q, want %q", b, "second")
	}
}

// cancelReader returns data forever and cancels ctx after n reads.
type cancelReader struct {
	n      int
	cancel context.CancelFunc
}

func (r *cancelReader) Read(b []byte) (int, error) {
	if r.n--; r.n == 0 {
		r.cancel()
	}
	for i := range b {
		b[i] = 'z'
	}
	return len(b), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestPutFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		size    int64
		body    func(cancel context.CancelFunc) io.Reader
		wantErr error  // errors.Is target, or nil
		errText string // substring
	}{
		{name: "body shorter than size", key: "dir/short", size: 100,
			body: func(context.CancelFunc) io.Reader { return strings.NewReader("only 12 byte") }, errText: "expected 100"},
		{name: "body longer than size", key: "dir/long", size: 3,
			body: func(context.CancelFunc) io.Reader { return strings.NewReader("four") }, errText: "longer than the expected 3 bytes"},
		{name: "cancelled while streaming", key: "dir/sub/cancelled", size: -1,
			body:    func(c context.CancelFunc) io.Reader { return &cancelReader{n: 3, cancel: c} },
			wantErr: context.Canceled},
		{name: "body read error", key: "dir/broken", size: -1,
			body: func(context.CancelFunc) io.Reader { return errReader{} }, errText: "connection reset"},
		{name: "existing object kept", key: "keep", size: 100,
			body: func(context.CancelFunc) io.Reader { return strings.NewReader("short") }, errText: "expected 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, opts{})
			dir := newBucket(t, p, "b")
			writeFile(t, filepath.Join(dir, "keep"), "old content")
			c, cancel := context.WithCancel(ctx())
			defer cancel()
			_, err := p.Put(c, "b", providers.Object{Key: tc.key, Size: tc.size}, tc.body(cancel))
			if err == nil {
				t.Fatal("Put succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.errText) || !strings.Contains(err.Error(), `"b"`) || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("err = %q, want it to name bucket, key and %q", err, tc.errText)
			}
			if tc.key == "keep" {
				b, _ := os.ReadFile(filepath.Join(dir, "keep"))
				if string(b) != "old content" {
					t.Errorf("existing object changed to %q", b)
				}
			} else if _, err := p.Head(ctx(), "b", tc.key); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("Head after failed Put: %v, want ErrNotFound", err)
			}
			if diff := cmp.Diff([]string{"keep"}, listKeys(t, p, "b")); diff != "" {
				t.Errorf("listing (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(filepath.Join(dir, "dir")); !os.IsNotExist(err) {
				t.Errorf("folder for the failed key exists: %v", err)
			}
			if left := tmpFiles(t, p); len(left) != 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
}

func TestInvalidKeys(t *testing.T) {
	p := newProvider(t, opts{})
	dir := newBucket(t, p, "b")
	writeFile(t, filepath.Join(dir, "a"), "file a")
	writeFile(t, filepath.Join(dir, "d", "x"), "file d/x")
	if err := os.Symlink(filepath.Join(dir, "d"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		want string
	}{
		{"", "empty key"},
		{"/abs", "starts with '/'"},
		{"dir/", "ends with '/'"},
		{"a//b", "empty path segment"},
		{"./x", `"." path segment`},
		{"x/../../etc/passwd", `".." path segment`},
		{"..", `".." path segment`},
		{"nul\x00byte", "NUL"},
		{"bad\xffutf8", "UTF-8"},
		{"a/b", `"a" is a file`},
		{"a/b/c", `"a" is a file`},
		{"d", "names a folder"},
		{"link/y", "is a link"},
		{"link", "link or special file"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			_, err := p.Put(ctx(), "b", providers.Object{Key: tc.key, Size: 1}, strings.NewReader("x"))
			if err == nil {
				t.Fatalf("Put(%q) succeeded, want an error", tc.key)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `bucket "b"`) {
				t.Errorf("Put(%q) error = %q, want it to name the bucket and say %q", tc.key, err, tc.want)
			}
		})
	}
	if left := tmpFiles(t, p); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	if diff := cmp.Diff([]string{"a", "d/x"}, listKeys(t, p, "b")); diff != "" {
		t.Errorf("listing changed (-want +got):\n%s", diff)
	}
	// Reads never go through links or outside the bucket.
	for _, k := range []string{"link/x", "../b/a", "a/b"} {
		if _, err := p.Head(ctx(), "b", k); err == nil {
			t.Errorf("Head(%q) succeeded, want an error", k)
		}
	}
}

func TestDeletePrunesEmptyFolders(t *testing.T) {
	p := newProvider(t, opts{})
	dir := newBucket(t, p, "b")
	for _, k := range []string{"x/y/z/deep.txt", "x/keep.txt", "solo/only"} {
		if _, err := p.Put(ctx(), "b", providers.Object{Key: k, Size: -1}, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"x/y/z/deep.txt", "solo/only"} {
		if err := p.Delete(ctx(), "b", k); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]bool{"x/y": false, "x/y/z": false, "solo": false, "x": true, "": true} {
		_, err := os.Stat(filepath.Join(dir, path))
		if got := err == nil; got != want {
			t.Errorf("folder %q exists = %v, want %v", path, got, want)
		}
	}
	// Deleting a folder name or through a missing folder is a no-op.
	for _, k := range []string{"x", "missing/key", "x/keep.txt/sub"} {
		if err := p.Delete(ctx(), "b", k); err != nil {
			t.Errorf("Delete(%q) = %v, want nil", k, err)
		}
	}
	if diff := cmp.Diff([]string{"x/keep.txt"}, listKeys(t, p, "b")); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
}

func TestBuckets(t *testing.T) {
	p := newProvider(t, opts{path: filepath.Join(t.TempDir(), "not-yet")})
	if bs, err := p.Buckets(ctx()); err != nil || len(bs) != 0 {
		t.Fatalf("Buckets of a missing PATH = %v, %v; want none", bs, err)
	}
	for _, n := range []string{"zeta", "alpha", "Mid"} {
		newBucket(t, p, n)
	}
	writeFile(t, filepath.Join(p.Root(), "buckets", "stray-file"), "not a bucket")
	bs, err := p.Buckets(ctx())
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.Bucket{{Name: "Mid"}, {Name: "alpha"}, {Name: "zeta"}}
	if diff := cmp.Diff(want, bs); diff != "" {
		t.Errorf("Buckets (-want +got):\n%s", diff)
	}
	if err := p.CreateBucket(ctx(), providers.Bucket{Name: "alpha"}); !errors.Is(err, providers.ErrExists) {
		t.Errorf("CreateBucket of an existing bucket = %v, want ErrExists", err)
	}
	for _, bad := range []string{"", ".", "..", "a/b"} {
		if err := p.CreateBucket(ctx(), providers.Bucket{Name: bad}); err == nil {
			t.Errorf("CreateBucket(%q) succeeded", bad)
		}
	}
}

func TestDeleteBucket(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		wantErr error
	}{
		{name: "empty", setup: func(*testing.T, string) {}},
		{name: "only empty folders", setup: func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "a", "b", "c"), 0o755)
			os.MkdirAll(filepath.Join(dir, "d"), 0o755)
		}},
		{name: "a file deep down", wantErr: providers.ErrNotEmpty, setup: func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "a", "b", "file"), "x")
		}},
		{name: "a link", wantErr: providers.ErrNotEmpty, setup: func(t *testing.T, dir string) {
			os.Symlink("/etc/hostname", filepath.Join(dir, "l"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, opts{})
			dir := newBucket(t, p, "b")
			tc.setup(t, dir)
			err := p.DeleteBucket(ctx(), "b")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("DeleteBucket = %v, want %v", err, tc.wantErr)
				}
				if _, err := os.Stat(dir); err != nil {
					t.Errorf("bucket folder gone after refused delete: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DeleteBucket: %v", err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("bucket folder still there: %v", err)
			}
		})
	}
	p := newProvider(t, opts{})
	if err := p.DeleteBucket(ctx(), "missing"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("DeleteBucket(missing) = %v, want ErrNotFound", err)
	}
}

func TestCleanPartial(t *testing.T) {
	p := newProvider(t, opts{})
	newBucket(t, p, "b")
	newBucket(t, p, "other")
	tmp := filepath.Join(p.Root(), ".rehome-tmp")
	writeFile(t, filepath.Join(tmp, "b", "put-111"), "partial")
	writeFile(t, filepath.Join(tmp, "b", "put-222"), "partial")
	writeFile(t, filepath.Join(tmp, "other", "put-333"), "in use by another bucket's copy")

	n, err := p.CleanPartial(ctx(), "b")
	if err != nil || n != 2 {
		t.Fatalf("CleanPartial = %d, %v; want 2, nil", n, err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "b")); !os.IsNotExist(err) {
		t.Errorf("empty temp folder of b kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "other", "put-333")); err != nil {
		t.Errorf("temp file of another bucket removed: %v", err)
	}
	if n, err := p.CleanPartial(ctx(), "b"); err != nil || n != 0 {
		t.Errorf("second CleanPartial = %d, %v; want 0, nil", n, err)
	}
	if n, err := p.CleanPartial(ctx(), "other"); err != nil || n != 1 {
		t.Errorf("CleanPartial(other) = %d, %v; want 1, nil", n, err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf(".rehome-tmp kept although empty: %v", err)
	}
}

// A Put in flight is not "partial": CleanPartial must leave it alone.
func TestCleanPartialSparesInflightPut(t *testing.T) {
	p := newProvider(t, opts{})
	newBucket(t, p, "b")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := p.Put(ctx(), "b", providers.Object{Key: "k", Size: 6}, pr)
		done <- err
	}()
	if _, err := pw.Write([]byte("abc")); err != nil { // the temp file exists now
		t.Fatal(err)
	}
	n, err := p.CleanPartial(ctx(), "b")
	if err != nil || n != 0 {
		t.Fatalf("CleanPartial during a Put = %d, %v; want 0, nil", n, err)
	}
	pw.Write([]byte("def"))
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Put: %v", err)
	}
	rc, _, err := p.Get(ctx(), "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); !bytes.Equal(b, []byte("abcdef")) {
		t.Errorf("body = %q", b)
	}
}

func TestSkippedFiles(t *testing.T) {
	p := newProvider(t, opts{})
	dir := newBucket(t, p, "b")
	writeFile(t, filepath.Join(dir, "real.txt"), "12345")
	writeFile(t, filepath.Join(dir, "sub", "real2"), "123")
	if err := os.Symlink("real.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "dirlink")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bad\xffname"), "not UTF-8")
	if diff := cmp.Diff([]string{"real.txt", "sub/real2"}, listKeys(t, p, "b")); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	inv, err := p.Discover(ctx(), providers.Scope{Kinds: []providers.Kind{providers.KindStorage}})
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.Resource{{
		Env: "test", Provider: "local", Kind: providers.KindStorage, Type: "bucket",
		ID: dir, Name: "b",
		Attrs: map[string]string{"path": dir, "skipped_files": "3"},
		Usage: providers.Usage{Objects: 2, Unmeasured: true},
	}}
	if diff := cmp.Diff(want, inv.Resources); diff != "" {
		t.Errorf("inventory (-want +got):\n%s", diff)
	}
}

func TestPutIfAbsent(t *testing.T) {
	p := newProvider(t, opts{})
	newBucket(t, p, "b")
	if _, err := p.PutIfAbsent(ctx(), "b", providers.Object{Key: "dir/k", Size: -1}, strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	_, err := p.PutIfAbsent(ctx(), "b", providers.Object{Key: "dir/k", Size: -1}, strings.NewReader("second"))
	if !errors.Is(err, providers.ErrExists) {
		t.Fatalf("PutIfAbsent over an object = %v, want ErrExists", err)
	}
	rc, _, err := p.Get(ctx(), "b", "dir/k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "first" {
		t.Errorf("body = %q, want the first write kept", b)
	}
	if n, err := p.CleanPartial(ctx(), "b"); err != nil || n != 0 {
		t.Errorf("a refused PutIfAbsent left %d temp files (%v)", n, err)
	}
}
