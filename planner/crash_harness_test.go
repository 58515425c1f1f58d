package planner_test

// Crash-window tests (crash_*_test.go): a memory provider wrapped to fail
// calls before or after they take effect — a lost response leaves the same
// durable state as kill -9 between a write and its record — drives the
// ownership rules through every window the executor has. Each test names
// the guarantee it holds.

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
)

var errInjected = errors.New("injected: connection reset")

// faultHooks say which calls fail: "before" fails without taking effect,
// "after" takes effect and then fails (a lost response).
type faultHooks struct {
	mu                          sync.Mutex
	putBefore, putAfter         map[string]int // by object key
	applyBefore, applyAfter     int
	secretsBefore, secretsAfter int
	onPut                       func(key string)
}

func (h *faultHooks) take(n *int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func (h *faultHooks) takeKey(m map[string]int, k string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m[k] > 0 {
		m[k]--
		return true
	}
	return false
}

// faulty is a memory provider whose writes fail as its hooks say.
type faulty struct {
	*memory.Provider
	h *faultHooks
}

type putFunc func(context.Context, string, providers.Object, io.Reader) (providers.Object, error)

func (f *faulty) put(ctx context.Context, b string, o providers.Object, r io.Reader, put putFunc) (providers.Object, error) {
	if f.h.takeKey(f.h.putBefore, o.Key) {
		return providers.Object{}, errInjected
	}
	got, err := put(ctx, b, o, r)
	if hook := f.h.onPut; hook != nil {
		hook(o.Key)
	}
	if err == nil && f.h.takeKey(f.h.putAfter, o.Key) {
		return providers.Object{}, errInjected
	}
	return got, err
}

func (f *faulty) Put(ctx context.Context, b string, o providers.Object, r io.Reader) (providers.Object, error) {
	return f.put(ctx, b, o, r, f.Provider.Put)
}

func (f *faulty) PutIfAbsent(ctx context.Context, b string, o providers.Object, r io.Reader) (providers.Object, error) {
	return f.put(ctx, b, o, r, f.Provider.PutIfAbsent)
}

func (f *faulty) ApplyRecords(ctx context.Context, zone string, cs []providers.RecordChange) error {
	if f.h.take(&f.h.applyBefore) {
		return errInjected
	}
	err := f.Provider.ApplyRecords(ctx, zone, cs)
	if err == nil && f.h.take(&f.h.applyAfter) {
		return errInjected
	}
	return err
}

func (f *faulty) PutSecrets(ctx context.Context, s []providers.Secret) (map[string]string, error) {
	if f.h.take(&f.h.secretsBefore) {
		return nil, errInjected
	}
	out, err := f.Provider.PutSecrets(ctx, s)
	if err == nil && f.h.take(&f.h.secretsAfter) {
		return nil, errInjected
	}
	return out, err
}

// faulty declares environment name on a faulty provider over the
// harness's store and returns the plain provider on the same space (for
// seeding and inspecting) and the hooks.
func (h *buildHarness) faulty(name string) (*memory.Provider, *faultHooks) {
	hooks := &faultHooks{putAfter: map[string]int{}, putBefore: map[string]int{}}
	mf := h.store.Factory()
	f := mf
	f.Name = "faulty"
	f.New = func() providers.Provider { return &faulty{Provider: mf.New().(*memory.Provider), h: hooks} }
	h.reg = providers.NewRegistry(h.store.Factory(), local.Factory(), f)
	p := h.mem(name)
	h.envs[name].Provider = "faulty"
	return p, hooks
}

// failApply applies and requires the injected failure.
func (h *buildHarness) failApply(t *testing.T, m *lang.Move) {
	t.Helper()
	if err := h.applyErr(h.config(m)); !errors.Is(err, errInjected) {
		t.Fatalf("apply = %v, want the injected failure", err)
	}
}

// rollbackErr rolls back and returns what went wrong, if anything.
func (h *buildHarness) rollbackErr(m *lang.Move) error {
	s := h.open(h.config(m), "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.ctx, false, engine.RunOptions{})
	if err == nil {
		err = rep.Err()
	}
	return err
}

// --- objects: bucket "data", key a.txt, from memory "cloud" to faulty "dst"

type objectCase struct {
	h        *buildHarness
	src, dst *memory.Provider
	hooks    *faultHooks
	m        *lang.Move
}

// newObjectCase seeds the source's a.txt with srcBody and, when foreign is
// not "", the destination's with a foreign object.
func newObjectCase(t *testing.T, srcBody, foreign string, sm *lang.StorageMove) *objectCase {
	h := newBuildHarness(t)
	c := &objectCase{h: h, src: h.mem("cloud")}
	c.dst, c.hooks = h.faulty("dst")
	btBuckets(t, c.src, "data")
	btPut(t, c.src, "data", btObj("a.txt"), srcBody)
	if foreign != "" {
		btBuckets(t, c.dst, "data")
		btPut(t, c.dst, "data", btObj("a.txt"), foreign)
	}
	c.m = btStorageMove("data", "cloud", "dst", sm)
	return c
}

// at is btTime plus some hours: a new version's modification time.
func at(hours int) time.Time { return btTime.Add(time.Duration(hours) * time.Hour) }

func (c *objectCase) setSource(t *testing.T, body string, mtime time.Time) {
	t.Helper()
	btPut(t, c.src, "data", providers.Object{Key: "a.txt", ModTime: mtime}, body)
}

func (c *objectCase) setDest(t *testing.T, body string, mtime time.Time) {
	t.Helper()
	btPut(t, c.dst, "data", providers.Object{Key: "a.txt", ModTime: mtime}, body)
}

func (c *objectCase) dest(t *testing.T) string {
	t.Helper()
	got, ok := btContents(t, c.dst, "data")["a.txt"]
	if !ok {
		return "<absent>"
	}
	return got
}

// --- DNS: www.example.com A in zone example.com

func wwwSet(v string) *providers.RecordSet {
	return &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{v}}
}

func zoneWith(t *testing.T, d providers.DNS, sets ...*providers.RecordSet) {
	t.Helper()
	if _, err := d.CreateZone(t.Context(), providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	var cs []providers.RecordChange
	for _, s := range sets {
		cs = append(cs, providers.RecordChange{Op: providers.ChangeCreate, New: s})
	}
	if err := d.ApplyRecords(t.Context(), "example.com.", cs); err != nil {
		t.Fatal(err)
	}
}

func setWWW(t *testing.T, d providers.DNS, old, nw string) {
	t.Helper()
	if err := d.ApplyRecords(t.Context(), "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate, Old: wwwSet(old), New: wwwSet(nw)}}); err != nil {
		t.Fatal(err)
	}
}

func www(t *testing.T, d providers.DNS) string {
	sets, err := d.Records(t.Context(), "example.com.")
	if err != nil {
		return "<no zone>"
	}
	for _, s := range sets {
		if s.Name == "www.example.com." && s.Type == "A" {
			return s.Values[0]
		}
	}
	return "<absent>"
}

func dnsMove(overwrite bool) *lang.Move {
	return &lang.Move{Kind: providers.KindDNS, Name: "z", From: "cloud", To: "dst", Overwrite: overwrite,
		DNS: &lang.DNSMove{Zones: []string{"example.com"}}}
}

// --- secrets: K, from memory "cloud" to the destination

func putSecret(t *testing.T, s providers.Secrets, name, v string) {
	t.Helper()
	if _, err := s.PutSecrets(t.Context(), []providers.Secret{{SecretMeta: providers.SecretMeta{Name: name}, Value: []byte(v)}}); err != nil {
		t.Fatal(err)
	}
}

func secretValue(t *testing.T, s providers.Secrets, name string) string {
	v, err := s.GetSecret(t.Context(), name)
	if err != nil {
		return "<absent>"
	}
	return string(v.Value)
}

func secretsMove(to string, overwrite bool) *lang.Move {
	return &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: to, Overwrite: overwrite, Secrets: &lang.SecretsMove{}}
}
