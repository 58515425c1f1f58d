package planner_test

// Crash-window tests: a memory provider wrapped to fail calls before or
// after they take effect (a lost response leaves the same durable state as
// kill -9 between a write and its record), driving the ownership rules
// through every window the executor has.

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
)

// zzHooks inject failures into a memory provider: "after" writes then
// fails (a lost response), "before" fails without writing.
type zzHooks struct {
	mu                  sync.Mutex
	putAfter, putBefore map[string]int
	applyBefore         int
	secretsAfter        int
	onPut               func(key string)
	secretsBefore       int
}

func (h *zzHooks) take(m map[string]int, k string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m[k] > 0 {
		m[k]--
		return true
	}
	return false
}

func (h *zzHooks) takeN(n *int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

var errZZ = errors.New("injected: connection reset")

type zzFlaky struct {
	*memory.Provider
	h *zzHooks
}

func (f *zzFlaky) Put(ctx context.Context, b string, o providers.Object, r io.Reader) (providers.Object, error) {
	if f.h.take(f.h.putBefore, o.Key) {
		return providers.Object{}, errZZ
	}
	got, err := f.Provider.Put(ctx, b, o, r)
	if f.h.onPut != nil {
		f.h.onPut(o.Key)
	}
	if err == nil && f.h.take(f.h.putAfter, o.Key) {
		return providers.Object{}, errZZ
	}
	return got, err
}

func (f *zzFlaky) PutIfAbsent(ctx context.Context, b string, o providers.Object, r io.Reader) (providers.Object, error) {
	if f.h.take(f.h.putBefore, o.Key) {
		return providers.Object{}, errZZ
	}
	got, err := f.Provider.PutIfAbsent(ctx, b, o, r)
	if err == nil && f.h.take(f.h.putAfter, o.Key) {
		return providers.Object{}, errZZ
	}
	return got, err
}

func (f *zzFlaky) ApplyRecords(ctx context.Context, zone string, cs []providers.RecordChange) error {
	if f.h.takeN(&f.h.applyBefore) {
		return errZZ
	}
	return f.Provider.ApplyRecords(ctx, zone, cs)
}

func (f *zzFlaky) PutSecrets(ctx context.Context, s []providers.Secret) (map[string]string, error) {
	if f.h.takeN(&f.h.secretsBefore) {
		return nil, errZZ
	}
	out, err := f.Provider.PutSecrets(ctx, s)
	if err == nil && f.h.takeN(&f.h.secretsAfter) {
		return nil, errZZ
	}
	return out, err
}

// flaky registers provider "flaky" over the harness's store and declares
// environment name on it (sharing the memory space name).
func (h *buildHarness) flaky(name string) (*memory.Provider, *zzHooks) {
	hooks := &zzHooks{putAfter: map[string]int{}, putBefore: map[string]int{}}
	mf := h.store.Factory()
	f := mf
	f.Name = "flaky"
	f.New = func() providers.Provider { return &zzFlaky{Provider: mf.New().(*memory.Provider), h: hooks} }
	h.reg = providers.NewRegistry(h.store.Factory(), local.Factory(), f)
	p := h.mem(name)
	h.envs[name].Provider = "flaky"
	return p, hooks
}

func zzRunOpts() engine.RunOptions { return engine.RunOptions{} }
