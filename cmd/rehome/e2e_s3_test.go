package main_test

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

// TestE2EKillToS3SendsNothingTwice kills (SIGKILL) an apply copying 3,000
// objects from a folder to an S3 endpoint part-way, applies again, and
// counts the writes the server took for every key: exactly one each. What
// the killed run wrote but had not recorded is recognised by its content,
// not sent again.
func TestE2EKillToS3SendsNothingTwice(t *testing.T) {
	t.Parallel()
	src := bigSource(t)
	srv := s3fake.New()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`migration "e2e" {}

environment "src" {
  provider = "local"
  path     = %q
}

environment "dst" {
  provider   = "s3"
  endpoint   = %q
  access_key = "AKIDTEST"
  secret_key = "secret-test"
}

move "storage" "data" {
  from = environment.src
  to   = environment.dst
}
`, src, srv.URL))

	first := startRehome(t, dir, "apply", "-auto-approve", "-parallelism=8")
	deadline := time.Now().Add(60 * time.Second)
	for srv.Count(s3fake.OpPutObject, bigBucket, "") < bigFiles/4 {
		if first.exited() || time.Now().After(deadline) {
			t.Fatalf("the apply ended (or stalled) before a quarter of the objects: %s", first.wait(t, time.Second))
		}
		time.Sleep(2 * time.Millisecond)
	}
	first.signal(t, syscall.SIGKILL)
	first.wait(t, 10*time.Second)
	landed := len(srv.Keys(bigBucket))
	t.Logf("killed after %d objects landed", landed)
	if landed >= bigFiles {
		t.Fatal("everything landed before the kill; nothing to resume")
	}

	if r := runRehome(t, dir, "apply", "-auto-approve", "-parallelism=8"); r.Code != 0 {
		t.Fatalf("apply after the kill: %s", r)
	}
	keys := srv.Keys(bigBucket)
	if len(keys) != bigFiles {
		t.Fatalf("%d objects at the destination, want %d", len(keys), bigFiles)
	}
	twice := 0
	for _, k := range keys {
		if n := srv.Writes(bigBucket, k); n != 1 {
			if twice++; twice <= 5 {
				t.Errorf("%s written %d times", k, n)
			}
		}
		body, err := srv.Body(t.Context(), bigBucket, k)
		if err != nil || string(body) != string(readFile(t, filepath.Join(src, "buckets", bigBucket, k))) {
			t.Fatalf("%s differs from the source (%v)", k, err)
		}
	}
	if twice > 0 {
		t.Errorf("%d objects were sent more than once", twice)
	}
}
