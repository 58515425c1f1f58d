// Package movertest is the harness the movers' tests share: environments
// over one in-memory store (the memory provider) and local folders, a
// configuration built in code, and the engine driven the way the CLI
// drives it (open a session, run one command, close). A provider wrapper
// injects failures before or after a write takes effect, to drive the
// ownership rules through every crash window.
//
// It is test support: only tests import it.
package movertest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/hcloud"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/s3"
)

// T0 is the modification time objects get unless a test says otherwise.
var T0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// At is T0 plus some hours: a new version's modification time.
func At(hours int) time.Time { return T0.Add(time.Duration(hours) * time.Hour) }

// Harness holds one test's store, environments and state directory.
type Harness struct {
	T     *testing.T
	Ctx   context.Context
	Dir   string
	Store *memory.Store
	Reg   *providers.Registry
	Envs  map[string]*lang.Environment
	ID    *age.X25519Identity
	// Kinds, when set, replaces the built-in kinds (a test of a kind of
	// its own).
	Kinds *movers.Registry
	// Force runs every operation as with -force.
	Force bool
}

// New returns a harness over a fresh memory store and a temporary folder.
func New(t *testing.T) *Harness {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.NewStore()
	return &Harness{T: t, Ctx: context.Background(), Dir: t.TempDir(), Store: st,
		Reg: providers.NewRegistry(st.Factory(), local.Factory(), s3.Factory(), aws.Factory(), hcloud.Factory(),
			digitalocean.Factory()),
		Envs: map[string]*lang.Environment{}, ID: id}
}

// Mem declares a memory environment and returns a provider on its space.
func (h *Harness) Mem(name string) *memory.Provider {
	h.Envs[name] = &lang.Environment{Name: name, Provider: memory.Name,
		Value: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name)})}
	return h.Store.Env(name)
}

// Local declares a local environment able to hold secrets and returns a
// configured provider on it.
func (h *Harness) Local(name string) *local.Provider {
	h.T.Helper()
	key := filepath.Join(h.Dir, name+".agekey")
	if err := os.WriteFile(key, []byte(h.ID.String()+"\n"), 0o600); err != nil {
		h.T.Fatal(err)
	}
	v := cty.ObjectVal(map[string]cty.Value{
		"path":              cty.StringVal(filepath.Join(h.Dir, name)),
		"age_recipients":    cty.ListVal([]cty.Value{cty.StringVal(h.ID.Recipient().String())}),
		"age_identity_file": cty.StringVal(key),
		"nameservers":       cty.ListVal([]cty.Value{cty.StringVal("ns1.example.net.")}),
	})
	h.Envs[name] = &lang.Environment{Name: name, Provider: local.Name, Value: v}
	p := local.New()
	if err := p.Configure(h.Ctx, providers.Config{Env: name, Dir: h.Dir, Value: v, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		h.T.Fatal(err)
	}
	return p
}

// S3 declares an environment of the generic s3 provider at endpoint (an
// s3fake server's URL) and returns a configured provider on it. opts are
// extra attributes (conditional_writes = false, ...).
func (h *Harness) S3(name, endpoint string, opts ...map[string]cty.Value) *s3.Provider {
	h.T.Helper()
	attrs := map[string]cty.Value{
		"endpoint":   cty.StringVal(endpoint),
		"region":     cty.StringVal("us-east-1"),
		"access_key": cty.StringVal("AKIDTEST"),
		"secret_key": cty.StringVal("secret-test"),
	}
	for _, o := range opts {
		for k, v := range o {
			attrs[k] = v
		}
	}
	v := cty.ObjectVal(attrs)
	h.Envs[name] = &lang.Environment{Name: name, Provider: s3.Name, Value: v}
	p := s3.Factory().New().(*s3.Provider)
	if err := p.Configure(h.Ctx, providers.Config{Env: name, Dir: h.Dir, Value: v, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		h.T.Fatal(err)
	}
	return p
}

// Env declares an environment of any registered provider with the given
// attributes and returns the provider, configured and resolved as the
// engine would.
func (h *Harness) Env(name, provider string, attrs map[string]cty.Value) providers.Provider {
	h.T.Helper()
	f, ok := h.Reg.Get(provider)
	if !ok {
		h.T.Fatalf("no provider %q", provider)
	}
	v := cty.ObjectVal(attrs)
	h.Envs[name] = &lang.Environment{Name: name, Provider: provider, Value: v}
	p := f.New()
	if err := p.Configure(h.Ctx, providers.Config{Env: name, Dir: h.Dir, Value: v, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		h.T.Fatal(err)
	}
	if r, ok := p.(providers.Resolver); ok {
		if err := r.Resolve(h.Ctx); err != nil {
			h.T.Fatal(err)
		}
	}
	return p
}

// Config is a configuration of the harness's environments and moves.
func (h *Harness) Config(moves ...*lang.Move) *lang.Config {
	return &lang.Config{Dir: h.Dir, Hash: "movertest",
		Migration:    &lang.Migration{Name: "movertest", StatePath: filepath.Join(h.Dir, "state")},
		Environments: h.Envs, Moves: moves}
}

// Runner drives the engine over the harness's providers.
func (h *Harness) Runner() *providertest.Runner {
	r := providertest.NewRunner(h.Ctx, h.Reg, h.Dir)
	if h.Kinds != nil {
		r.Engine.Kinds = h.Kinds
	}
	r.Options.Force = h.Force
	return r
}

// Open opens a session for op; the caller closes it.
func (h *Harness) Open(cfg *lang.Config, op string) *engine.Session {
	h.T.Helper()
	return h.Runner().Open(h.T, cfg, op)
}

// Plan discovers and plans.
func (h *Harness) Plan(cfg *lang.Config) *planner.Plan {
	h.T.Helper()
	return h.Runner().Plan(h.T, cfg)
}

// Apply plans and applies; the run must succeed.
func (h *Harness) Apply(cfg *lang.Config) *planner.Plan {
	h.T.Helper()
	return h.Runner().Apply(h.T, cfg)
}

// ApplyErr plans and applies and returns what went wrong.
func (h *Harness) ApplyErr(cfg *lang.Config) error {
	h.T.Helper()
	return h.Runner().ApplyErr(h.T, cfg)
}

// ApplyLog plans and applies, and returns the run's messages and errors,
// one a line, with what went wrong, if anything.
func (h *Harness) ApplyLog(cfg *lang.Config) (string, error) {
	h.T.Helper()
	r := h.Runner()
	log := &eventLog{}
	r.Options.Sink = log
	err := r.ApplyErr(h.T, cfg)
	log.mu.Lock()
	defer log.mu.Unlock()
	return strings.Join(log.lines, "\n"), err
}

// eventLog keeps the messages and errors of a run's events.
type eventLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *eventLog) Event(e exec.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range []string{e.Message, e.Error} {
		if s != "" {
			l.lines = append(l.lines, s)
		}
	}
}

// Cutover runs the cutover phase; it must succeed.
func (h *Harness) Cutover(cfg *lang.Config) { h.T.Helper(); h.Runner().Cutover(h.T, cfg) }

// CutoverErr runs the cutover and returns what went wrong.
func (h *Harness) CutoverErr(cfg *lang.Config) error {
	h.T.Helper()
	return h.Runner().CutoverErr(h.T, cfg)
}

// Rollback rolls back; it must succeed.
func (h *Harness) Rollback(cfg *lang.Config) *exec.Report {
	h.T.Helper()
	return h.Runner().Rollback(h.T, cfg)
}

// RollbackErr rolls back and returns what went wrong, if anything.
func (h *Harness) RollbackErr(cfg *lang.Config) error {
	s := h.Open(cfg, "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.Ctx, h.Runner().Options)
	if err == nil {
		err = rep.Err()
	}
	return err
}

// FailApply applies and requires the injected failure.
func (h *Harness) FailApply(t *testing.T, cfg *lang.Config) {
	t.Helper()
	if err := h.ApplyErr(cfg); !errors.Is(err, ErrInjected) {
		t.Fatalf("apply = %v, want the injected failure", err)
	}
}

// Finding is the comparable part of a finding.
type Finding struct {
	Code         string
	Severity     planner.Severity
	Address      string
	Acknowledged bool
}

// Findings lists the plan's findings, leaving out those whose codes are
// in ignore.
func Findings(p *planner.Plan, ignore ...string) []Finding {
	var out []Finding
	for _, f := range p.Audit {
		if slices.Contains(ignore, f.Code) {
			continue
		}
		out = append(out, Finding{f.Code, f.Severity, f.Address, f.Acknowledged})
	}
	return out
}

// FindingByCode returns the plan's one finding of code.
func FindingByCode(t *testing.T, p *planner.Plan, code string) planner.Finding {
	t.Helper()
	var found []planner.Finding
	for _, f := range p.Audit {
		if f.Code == code {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s finding, have %d: %+v", code, len(found), p.Audit)
	}
	return found[0]
}

// ActionAt returns the plan's action at addr.
func ActionAt(t *testing.T, p *planner.Plan, addr string) planner.Action {
	t.Helper()
	for _, a := range p.Actions {
		if a.Address == addr {
			return a
		}
	}
	var have []string
	for _, a := range p.Actions {
		have = append(have, a.Address)
	}
	t.Fatalf("no action %s; have %v", addr, have)
	return planner.Action{}
}

// Action is the comparable shape of an action.
type Action struct {
	Address   string
	Action    planner.ActionType
	Phase     planner.Phase
	DependsOn []string
	From, To  planner.Endpoint
}

// Actions lists the plan's actions in comparable shape (without where the
// environments point, which is checked elsewhere).
func Actions(p *planner.Plan) []Action {
	var out []Action
	for _, a := range p.Actions {
		from, to := a.From, a.To
		from.ID, to.ID = "", ""
		out = append(out, Action{a.Address, a.Action, a.Phase, a.DependsOn, from, to})
	}
	return out
}

// Obj is an object with just a key.
func Obj(key string) providers.Object { return providers.Object{Key: key} }

// Put stores body under o.Key (modification time T0 unless o has one).
func Put(t *testing.T, s providers.Storage, bucket string, o providers.Object, body string) {
	t.Helper()
	o.Size = int64(len(body))
	if o.ModTime.IsZero() {
		o.ModTime = T0
	}
	if _, err := s.Put(context.Background(), bucket, o, strings.NewReader(body)); err != nil {
		t.Fatalf("put %s/%s: %v", bucket, o.Key, err)
	}
}

// Buckets creates buckets.
func Buckets(t *testing.T, s providers.Storage, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := s.CreateBucket(context.Background(), providers.Bucket{Name: n}); err != nil {
			t.Fatalf("create bucket %s: %v", n, err)
		}
	}
}

// Contents reads a bucket: key -> body; nil when the bucket is gone.
func Contents(t *testing.T, s providers.Storage, bucket string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for o, err := range s.Objects(context.Background(), bucket) {
		if errors.Is(err, providers.ErrNotFound) {
			return nil
		}
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		rc, _, err := s.Get(context.Background(), bucket, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(b)
	}
	return out
}

// SetKeys lists a zone's record set keys, sorted.
func SetKeys(t *testing.T, d providers.DNS, zone string) []string {
	t.Helper()
	sets, err := d.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rs := range sets {
		out = append(out, rs.Key())
	}
	slices.Sort(out)
	return out
}

// PutSecret stores one secret.
func PutSecret(t *testing.T, s providers.Secrets, name, v string) {
	t.Helper()
	if _, err := s.PutSecrets(context.Background(), []providers.Secret{{SecretMeta: providers.SecretMeta{Name: name}, Value: []byte(v)}}); err != nil {
		t.Fatal(err)
	}
}

// SecretValue reads one secret ("<absent>" when it is not there).
func SecretValue(t *testing.T, s providers.Secrets, name string) string {
	v, err := s.GetSecret(context.Background(), name)
	if err != nil {
		return "<absent>"
	}
	return string(v.Value)
}

// ErrInjected is the failure the faulty provider injects: not marked
// retryable, so the run stops at it (FaultHooks.Transient marks it).
var ErrInjected = errors.New("injected: connection reset")

// FaultHooks say which calls of a faulty provider fail: "before" fails
// without taking effect, "after" takes effect and then fails (a lost
// response: the same durable state as kill -9 between a write and its
// record).
type FaultHooks struct {
	mu                          sync.Mutex
	PutBefore, PutAfter         map[string]int // by object key
	ApplyBefore, ApplyAfter     int
	SecretsBefore, SecretsAfter int
	// OnPut, if set, runs after each Put took effect (or failed).
	OnPut func(key string)
	// OnFail, if set, runs after a Put failed before taking effect (for
	// a write someone else makes between an attempt and its retry).
	OnFail func(key string)
	// Transient marks the injected failures retryable, as a provider
	// marks a connection reset, so the transfer layer retries them.
	Transient bool
}

func (h *FaultHooks) fail() error {
	if h.Transient {
		return providers.Retryable(ErrInjected)
	}
	return ErrInjected
}

// Take uses up one failure of *n.
func (h *FaultHooks) Take(n *int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

// TakeKey uses up one failure of key in m.
func (h *FaultHooks) TakeKey(m map[string]int, k string) bool {
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
	h *FaultHooks
}

type putFunc func(context.Context, string, providers.Object, io.Reader) (providers.Object, error)

func (f *faulty) put(ctx context.Context, b string, o providers.Object, r io.Reader, put putFunc) (providers.Object, error) {
	if f.h.TakeKey(f.h.PutBefore, o.Key) {
		if hook := f.h.OnFail; hook != nil {
			hook(o.Key)
		}
		return providers.Object{}, f.h.fail()
	}
	got, err := put(ctx, b, o, r)
	if hook := f.h.OnPut; hook != nil {
		hook(o.Key)
	}
	if err == nil && f.h.TakeKey(f.h.PutAfter, o.Key) {
		return providers.Object{}, f.h.fail()
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
	if f.h.Take(&f.h.ApplyBefore) {
		return f.h.fail()
	}
	err := f.Provider.ApplyRecords(ctx, zone, cs)
	if err == nil && f.h.Take(&f.h.ApplyAfter) {
		return f.h.fail()
	}
	return err
}

func (f *faulty) PutSecrets(ctx context.Context, s []providers.Secret) (map[string]string, error) {
	if f.h.Take(&f.h.SecretsBefore) {
		return nil, f.h.fail()
	}
	out, err := f.Provider.PutSecrets(ctx, s)
	if err == nil && f.h.Take(&f.h.SecretsAfter) {
		return nil, f.h.fail()
	}
	return out, err
}

// Faulty declares environment name on a faulty provider over the
// harness's store and returns the plain provider on the same space (for
// seeding and inspecting) and the hooks.
func (h *Harness) Faulty(name string) (*memory.Provider, *FaultHooks) {
	hooks := &FaultHooks{PutAfter: map[string]int{}, PutBefore: map[string]int{}}
	mf := h.Store.Factory()
	f := mf
	f.Name = "faulty"
	f.New = func() providers.Provider { return &faulty{Provider: mf.New().(*memory.Provider), h: hooks} }
	h.Reg = providers.NewRegistry(h.Store.Factory(), local.Factory(), f)
	p := h.Mem(name)
	h.Envs[name].Provider = "faulty"
	return p, hooks
}
