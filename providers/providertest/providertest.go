package providertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
)

// Opt describes the provider under test.
type Opt struct {
	Factory providers.Factory
	// NewEnv returns the configuration value (an object conforming to the
	// factory's Schema) of a fresh, empty environment. Each call must give
	// an environment no other call sees.
	NewEnv func(t *testing.T) cty.Value
	// Database, for a database provider, gives fresh databases on its
	// test server (NewEnv is not used for the database part).
	Database *DatabaseOpt
}

// Run runs the conformance suite.
func Run(t *testing.T, o Opt) {
	t.Helper()
	contracts := map[providers.Kind]func(*testing.T, Opt){
		providers.KindStorage: runStorageContract, providers.KindDNS: runDNSContract, providers.KindSecrets: runSecretsContract,
	}
	for _, k := range []providers.Kind{providers.KindStorage, providers.KindDNS, providers.KindSecrets} {
		role := o.Factory.Caps.Role(k)
		if role.Can(providers.Destination) {
			t.Run(string(k)+"/contract", func(t *testing.T) { contracts[k](t, o) })
			t.Run(string(k)+"/destination", func(t *testing.T) { runDestination(t, o, k, false) })
			t.Run(string(k)+"/destination-overwrite", func(t *testing.T) { runDestination(t, o, k, true) })
		}
		if role.Can(providers.Source) && role.Can(providers.Destination) {
			// Seeding the source goes through the provider's own write
			// calls, so this needs both roles.
			t.Run(string(k)+"/source", func(t *testing.T) { runSource(t, o, k) })
		}
	}
	if role := o.Factory.Caps.Role(providers.KindDatabase); role != 0 {
		if o.Database == nil {
			t.Fatalf("%s is a database provider: Opt.Database must give the suite fresh databases", o.Factory.Name)
		}
		t.Run("database/contract", func(t *testing.T) { runDatabaseContract(t, o) })
		if role.Can(providers.Destination) {
			t.Run("database/destination", func(t *testing.T) { runDatabaseCycle(t, o, true) })
		}
		if role.Can(providers.Source) {
			t.Run("database/source", func(t *testing.T) { runDatabaseCycle(t, o, false) })
		}
	}
}

// fixture is the data every run moves.
type fixture struct {
	objects map[string]map[string][]byte // bucket -> key -> body
	zone    string
	sets    []providers.RecordSet
	secrets map[string]string
}

func newFixture() fixture {
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	return fixture{
		objects: map[string]map[string][]byte{
			"conf-assets": {
				"index.html":        []byte("<h1>hello</h1>\n"),
				"css/site.css":      []byte("body{}\n"),
				"img/a-b.png":       {0x89, 'P', 'N', 'G', 0, 1, 2},
				"img/a/b.png":       []byte("nested"),
				"deep/x/y/z/file":   []byte("deep"),
				"big.bin":           big,
				"empty.txt":         {},
				"unicode/żółw.txt":  []byte("turtle"),
				"spaces/a file.txt": []byte("spaced"),
			},
			"conf-media": {"v/1.txt": []byte("one"), "v/2.txt": []byte("two")},
		},
		zone: "conformance.example.com.",
		sets: []providers.RecordSet{
			{Name: "conformance.example.com.", Type: "A", TTL: 3600, Values: []string{"192.0.2.1"}},
			{Name: "conformance.example.com.", Type: "AAAA", TTL: 3600, Values: []string{"2001:db8::1"}},
			{Name: "conformance.example.com.", Type: "MX", TTL: 3600, Values: []string{"10 mail.conformance.example.com.", "20 mx.example.net."}},
			{Name: "conformance.example.com.", Type: "TXT", TTL: 300, Values: []string{`"v=spf1 -all"`}},
			{Name: "conformance.example.com.", Type: "CAA", TTL: 3600, Values: []string{`0 issue "letsencrypt.org"`}},
			{Name: "www.conformance.example.com.", Type: "CNAME", TTL: 3600, Values: []string{"conformance.example.com."}},
			{Name: "*.dev.conformance.example.com.", Type: "CNAME", TTL: 3600, Values: []string{"dev.example.net."}},
			{Name: "_sip._tcp.conformance.example.com.", Type: "SRV", TTL: 3600, Values: []string{"10 5 5060 sip.example.net."}},
			{Name: "api.conformance.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.10", "192.0.2.11"}},
		},
		secrets: map[string]string{
			"DB_URL":     "postgres://u:p@db:5432/x",
			"API_KEY":    "k-123 with spaces # and = signs",
			"MULTI_LINE": "line1\nline2",
		},
	}
}

type harness struct {
	t        *testing.T
	ctx      context.Context
	dir      string
	reg      *providers.Registry
	envs     map[string]*lang.Environment
	identity *age.X25519Identity
}

func newHarness(t *testing.T, o Opt) *harness {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	fs := []providers.Factory{local.Factory()}
	if o.Factory.Name != local.Name {
		fs = append(fs, o.Factory)
	}
	return &harness{t: t, ctx: t.Context(), dir: t.TempDir(), reg: providers.NewRegistry(fs...),
		envs: map[string]*lang.Environment{}, identity: id}
}

// localEnv returns a fresh local environment able to hold secrets.
func (h *harness) localEnv(name string) cty.Value {
	keyFile := filepath.Join(h.dir, name+".agekey")
	writeFile(h.t, keyFile, []byte(h.identity.String()+"\n"))
	return cty.ObjectVal(map[string]cty.Value{
		"path":              cty.StringVal(filepath.Join(h.dir, name)),
		"age_recipients":    cty.ListVal([]cty.Value{cty.StringVal(h.identity.Recipient().String())}),
		"age_identity_file": cty.StringVal(keyFile),
		"nameservers":       cty.ListVal([]cty.Value{cty.StringVal("ns1.example.net.")}),
	})
}

func (h *harness) addEnv(name, provider string, v cty.Value) providers.Provider {
	h.envs[name] = &lang.Environment{Name: name, Provider: provider, Value: v}
	f, _ := h.reg.Get(provider)
	p := f.New()
	if err := p.Configure(h.ctx, providers.Config{Env: name, Dir: h.dir, Value: v, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		h.t.Fatalf("configure %s: %v", name, err)
	}
	return p
}

func (h *harness) config(k providers.Kind, overwrite bool, fx fixture) *lang.Config {
	m := &lang.Move{Kind: k, Name: "conf", From: "src", To: "dst", Overwrite: overwrite}
	switch k {
	case providers.KindStorage:
		m.Settings = &storage.Settings{Include: []string{"conf-*"}, Verify: storage.VerifyChecksum}
	case providers.KindDNS:
		m.Settings = &dns.Settings{Zones: []string{fx.zone[:len(fx.zone)-1]}}
	case providers.KindSecrets:
		m.Settings = &secrets.Settings{}
	}
	return &lang.Config{Dir: h.dir, Hash: "conformance",
		Migration:    &lang.Migration{Name: "conformance", StatePath: filepath.Join(h.dir, "state")},
		Environments: h.envs, Moves: []*lang.Move{m}}
}

func (h *harness) runner() *Runner { return NewRunner(h.ctx, h.reg, h.dir) }

func (h *harness) plan(cfg *lang.Config) *planner.Plan {
	h.t.Helper()
	return h.runner().Plan(h.t, cfg)
}

func (h *harness) apply(cfg *lang.Config) *planner.Plan {
	h.t.Helper()
	r := h.runner()
	if b := r.Plan(h.t, cfg).Blockers(); len(b) > 0 {
		h.t.Fatalf("unexpected blockers: %+v", b)
	}
	return r.Apply(h.t, cfg)
}

func (h *harness) rollback(cfg *lang.Config) { h.t.Helper(); h.runner().Rollback(h.t, cfg) }

// runDestination moves the fixture from a local source into the provider
// under test. With foreign set, the destination already holds a differing
// item of each kind that the move overwrites and rollback must restore.
func runDestination(t *testing.T, o Opt, k providers.Kind, foreign bool) {
	h := newHarness(t, o)
	fx := newFixture()
	src := h.addEnv("src", local.Name, h.localEnv("src"))
	dst := h.addEnv("dst", o.Factory.Name, o.NewEnv(t))
	seed(t, h.ctx, src, k, fx, o.Factory.Caps.DNS)
	if foreign {
		seedForeign(t, h.ctx, dst, k, fx)
	}
	cfg := h.config(k, foreign, fx)
	before := snapshot(t, h.ctx, dst, k, fx)
	srcBefore := snapshot(t, h.ctx, src, k, fx)

	p := h.apply(cfg)
	if p.Summary.Changes == 0 {
		t.Fatalf("first plan had no changes")
	}
	again := h.plan(cfg)
	if again.Summary.Changes != 0 {
		t.Fatalf("re-plan after apply has %d change(s): %s", again.Summary.Changes, changed(again))
	}
	checkArrived(t, h.ctx, src, dst, k, fx, o.Factory.Caps.DNS)

	h.rollback(cfg)
	after := snapshot(t, h.ctx, dst, k, fx)
	if d := cmp.Diff(before, after); d != "" {
		t.Fatalf("apply -> rollback did not restore the destination (-before +after):\n%s", d)
	}
	if d := cmp.Diff(srcBefore, snapshot(t, h.ctx, src, k, fx)); d != "" {
		t.Fatalf("the source changed (-before +after):\n%s", d)
	}
	full := h.plan(cfg)
	if full.Summary.Changes == 0 {
		t.Fatalf("after rollback a new plan shows no changes; want the full move again")
	}
}

// runSource moves the fixture from the provider under test (seeded through
// its own calls) into a local destination, and checks the source is left
// exactly as it was.
func runSource(t *testing.T, o Opt, k providers.Kind) {
	h := newHarness(t, o)
	fx := newFixture()
	src := h.addEnv("src", o.Factory.Name, o.NewEnv(t))
	dst := h.addEnv("dst", local.Name, h.localEnv("dst"))
	seed(t, h.ctx, src, k, fx, o.Factory.Caps.DNS)
	cfg := h.config(k, false, fx)
	srcBefore := snapshot(t, h.ctx, src, k, fx)
	dstBefore := snapshot(t, h.ctx, dst, k, fx)
	h.apply(cfg)
	if again := h.plan(cfg); again.Summary.Changes != 0 {
		t.Fatalf("re-plan after apply has %d change(s): %s", again.Summary.Changes, changed(again))
	}
	checkArrived(t, h.ctx, src, dst, k, fx, local.Factory().Caps.DNS)
	h.rollback(cfg)
	if d := cmp.Diff(dstBefore, snapshot(t, h.ctx, dst, k, fx)); d != "" {
		t.Fatalf("apply -> rollback did not restore the destination (-before +after):\n%s", d)
	}
	if d := cmp.Diff(srcBefore, snapshot(t, h.ctx, src, k, fx)); d != "" {
		t.Fatalf("the source changed (-before +after):\n%s", d)
	}
}

func changed(p *planner.Plan) string {
	var out []string
	for _, a := range p.Actions {
		if a.Phase == planner.PhasePrepare && a.Action != planner.ActNoop {
			out = append(out, fmt.Sprintf("%s %s (%s)", a.Action, a.Address, a.Reason))
		}
	}
	return fmt.Sprint(out)
}

// seed writes the fixture into an environment through the provider's calls.
func seed(t *testing.T, ctx context.Context, p providers.Provider, k providers.Kind, fx fixture, caps providers.DNSCaps) {
	t.Helper()
	switch k {
	case providers.KindStorage:
		s := p.(providers.Storage)
		for b, objs := range fx.objects {
			if err := s.CreateBucket(ctx, providers.Bucket{Name: b}); err != nil {
				t.Fatalf("seed bucket %s: %v", b, err)
			}
			for key, body := range objs {
				obj := providers.Object{Key: key, Size: int64(len(body)), ModTime: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
				if _, err := s.Put(ctx, b, obj, bytes.NewReader(body)); err != nil {
					t.Fatalf("seed %s/%s: %v", b, key, err)
				}
			}
		}
	case providers.KindDNS:
		d := p.(providers.DNS)
		if _, err := d.CreateZone(ctx, providers.Zone{Name: fx.zone}); err != nil {
			t.Fatalf("seed zone: %v", err)
		}
		var cs []providers.RecordChange
		for _, rs := range fx.sets {
			if !caps.SupportsType(rs.Type) {
				continue
			}
			rs := rs
			cs = append(cs, providers.RecordChange{Op: providers.ChangeCreate, New: &rs})
		}
		if err := d.ApplyRecords(ctx, fx.zone, cs); err != nil {
			t.Fatalf("seed records: %v", err)
		}
	case providers.KindSecrets:
		var ss []providers.Secret
		for n, v := range fx.secrets {
			ss = append(ss, providers.Secret{SecretMeta: providers.SecretMeta{Name: n}, Value: []byte(v)})
		}
		if _, err := p.(providers.Secrets).PutSecrets(ctx, ss); err != nil {
			t.Fatalf("seed secrets: %v", err)
		}
	}
}

// seedForeign puts items at the destination that rehome did not write: one
// that collides with the source (overwritten, then restored) and one the
// source lacks (left alone).
func seedForeign(t *testing.T, ctx context.Context, p providers.Provider, k providers.Kind, fx fixture) {
	t.Helper()
	switch k {
	case providers.KindStorage:
		s := p.(providers.Storage)
		if err := s.CreateBucket(ctx, providers.Bucket{Name: "conf-assets"}); err != nil {
			t.Fatal(err)
		}
		for key, body := range map[string]string{"index.html": "<h1>the old site</h1>\n", "only-at-dest.txt": "mine"} {
			obj := providers.Object{Key: key, Size: int64(len(body)), ModTime: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
			if _, err := s.Put(ctx, "conf-assets", obj, bytes.NewReader([]byte(body))); err != nil {
				t.Fatal(err)
			}
		}
	case providers.KindDNS:
		d := p.(providers.DNS)
		if _, err := d.CreateZone(ctx, providers.Zone{Name: fx.zone}); err != nil {
			t.Fatal(err)
		}
		cs := []providers.RecordChange{
			{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: fx.zone, Type: "A", TTL: 600, Values: []string{"198.51.100.7"}}},
			{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "legacy." + fx.zone, Type: "A", TTL: 600, Values: []string{"198.51.100.8"}}},
		}
		if err := d.ApplyRecords(ctx, fx.zone, cs); err != nil {
			t.Fatal(err)
		}
	case providers.KindSecrets:
		ss := []providers.Secret{
			{SecretMeta: providers.SecretMeta{Name: "ONLY_AT_DEST"}, Value: []byte("mine")},
		}
		if _, err := p.(providers.Secrets).PutSecrets(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
}

// view is a comparable picture of one kind in an environment: inventory
// entries and content digests.
type view struct {
	Resources []string
	Content   map[string]string
}

func snapshot(t *testing.T, ctx context.Context, p providers.Provider, k providers.Kind, fx fixture) view {
	t.Helper()
	inv, err := p.Discover(ctx, providers.Scope{Kinds: []providers.Kind{k}})
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	v := view{Content: map[string]string{}}
	for _, r := range inv.Resources {
		if r.Kind != k {
			continue
		}
		v.Resources = append(v.Resources, fmt.Sprintf("%s %s objects=%d bytes=%d records=%d", r.Type, r.Name, r.Usage.Objects, r.Usage.Bytes, r.Usage.Records))
	}
	sort.Strings(v.Resources)
	switch k {
	case providers.KindStorage:
		s := p.(providers.Storage)
		bs, err := s.Buckets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			for o, err := range s.Objects(ctx, b.Name) {
				if err != nil {
					t.Fatal(err)
				}
				rc, _, err := s.Get(ctx, b.Name, o.Key)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				v.Content[b.Name+"/"+o.Key] = fmt.Sprintf("%x", body)
				if len(body) > 64 {
					v.Content[b.Name+"/"+o.Key] = fmt.Sprintf("%d bytes %x", len(body), body[:32])
				}
			}
		}
	case providers.KindDNS:
		d := p.(providers.DNS)
		zs, err := d.Zones(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			sets, err := d.Records(ctx, z.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, rs := range sets {
				if rs.Type == "SOA" {
					continue // its serial moves with every write
				}
				v.Content[rs.Key()] = fmt.Sprint(rs.TTL, rs.Values)
			}
		}
	case providers.KindSecrets:
		s := p.(providers.Secrets)
		ms, err := s.ListSecrets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			sec, err := s.GetSecret(ctx, m.Name)
			if err != nil {
				t.Fatal(err)
			}
			v.Content[m.Name] = fmt.Sprintf("%x", sec.Value)
		}
	}
	return v
}

// checkArrived compares content between source and destination.
func checkArrived(t *testing.T, ctx context.Context, src, dst providers.Provider, k providers.Kind, fx fixture, dcaps providers.DNSCaps) {
	t.Helper()
	switch k {
	case providers.KindStorage:
		d := dst.(providers.Storage)
		for b, objs := range fx.objects {
			for key, body := range objs {
				rc, _, err := d.Get(ctx, b, key)
				if err != nil {
					t.Fatalf("destination %s/%s: %v", b, key, err)
				}
				got, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(got, body) {
					t.Fatalf("destination %s/%s differs from the source (%d vs %d bytes)", b, key, len(got), len(body))
				}
			}
		}
	case providers.KindDNS:
		sets, err := dst.(providers.DNS).Records(ctx, fx.zone)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]providers.RecordSet{}
		for _, rs := range sets {
			got[rs.Key()] = rs
		}
		for _, rs := range fx.sets {
			if !dcaps.SupportsType(rs.Type) {
				continue
			}
			g, ok := got[rs.Key()]
			want := rs
			slices.Sort(want.Values)
			if !ok || !g.Equal(want) {
				t.Fatalf("destination record set %s = %+v, want %+v", rs.Key(), g, want)
			}
		}
	case providers.KindSecrets:
		for n, v := range fx.secrets {
			got, err := dst.(providers.Secrets).GetSecret(ctx, n)
			if err != nil {
				t.Fatalf("destination secret %s: %v", n, err)
			}
			if string(got.Value) != v {
				t.Fatalf("destination secret %s differs from the source", n)
			}
		}
	}
}
