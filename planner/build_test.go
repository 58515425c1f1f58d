package planner_test

// Table tests of planner.Build's findings and actions, driven through the
// engine (Open -> Plan -> Apply/Cutover/Rollback) with the memory provider,
// whose cloud semantics (S3 keys, metadata, versioned secrets, a DNS service
// without PTR) reach planner paths the local provider cannot.

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/state"
)

var btTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// buildHarness holds one test's store, environments and state directory.
type buildHarness struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	store *memory.Store
	reg   *providers.Registry
	envs  map[string]*lang.Environment
	id    *age.X25519Identity
}

func newBuildHarness(t *testing.T) *buildHarness {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	st := memory.NewStore()
	return &buildHarness{t: t, ctx: context.Background(), dir: t.TempDir(), store: st,
		reg:  providers.NewRegistry(st.Factory(), local.Factory()),
		envs: map[string]*lang.Environment{}, id: id}
}

// mem declares a memory environment and returns a provider on its space.
func (h *buildHarness) mem(name string) *memory.Provider {
	h.envs[name] = &lang.Environment{Name: name, Provider: memory.Name,
		Value: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name)})}
	return h.store.Env(name)
}

// local declares a local environment able to hold secrets and returns a
// configured provider on it.
func (h *buildHarness) local(name string) *local.Provider {
	h.t.Helper()
	key := filepath.Join(h.dir, name+".agekey")
	if err := os.WriteFile(key, []byte(h.id.String()+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	v := cty.ObjectVal(map[string]cty.Value{
		"path":              cty.StringVal(filepath.Join(h.dir, name)),
		"age_recipients":    cty.ListVal([]cty.Value{cty.StringVal(h.id.Recipient().String())}),
		"age_identity_file": cty.StringVal(key),
		"nameservers":       cty.ListVal([]cty.Value{cty.StringVal("ns1.example.net.")}),
	})
	h.envs[name] = &lang.Environment{Name: name, Provider: local.Name, Value: v}
	p := local.New()
	if err := p.Configure(h.ctx, providers.Config{Env: name, Dir: h.dir, Value: v, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *buildHarness) config(moves ...*lang.Move) *lang.Config {
	return &lang.Config{Dir: h.dir, Hash: "build-test",
		Migration:    &lang.Migration{Name: "build-test", StatePath: filepath.Join(h.dir, "state")},
		Environments: h.envs, Moves: moves}
}

func (h *buildHarness) runner() *providertest.Runner {
	return providertest.NewRunner(h.ctx, h.reg, h.dir)
}

func (h *buildHarness) open(cfg *lang.Config, op string) *engine.Session {
	h.t.Helper()
	return h.runner().Open(h.t, cfg, op)
}

func (h *buildHarness) plan(cfg *lang.Config) *planner.Plan {
	h.t.Helper()
	return h.runner().Plan(h.t, cfg)
}

// apply plans and applies; the run must succeed.
func (h *buildHarness) apply(cfg *lang.Config) *planner.Plan {
	h.t.Helper()
	return h.runner().Apply(h.t, cfg)
}

// applyErr plans and applies and returns what went wrong.
func (h *buildHarness) applyErr(cfg *lang.Config) error {
	h.t.Helper()
	return h.runner().ApplyErr(h.t, cfg)
}

func (h *buildHarness) cutover(cfg *lang.Config) { h.t.Helper(); h.runner().Cutover(h.t, cfg) }

func (h *buildHarness) rollback(cfg *lang.Config) *exec.Report {
	h.t.Helper()
	return h.runner().Rollback(h.t, cfg)
}

// btFinding is the comparable part of a finding.
type btFinding struct {
	Code         string
	Severity     planner.Severity
	Address      string
	Acknowledged bool
}

// findingsOf lists the plan's findings, leaving out the info findings
// whose codes are in ignore.
func btFindings(p *planner.Plan, ignore ...string) []btFinding {
	var out []btFinding
	for _, f := range p.Audit {
		if slices.Contains(ignore, f.Code) {
			continue
		}
		out = append(out, btFinding{f.Code, f.Severity, f.Address, f.Acknowledged})
	}
	return out
}

func btFindingByCode(t *testing.T, p *planner.Plan, code string) planner.Finding {
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

func btActionAt(t *testing.T, p *planner.Plan, addr string) planner.Action {
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

// btAction is the comparable shape of an action.
type btAction struct {
	Address   string
	Action    planner.ActionType
	Phase     planner.Phase
	DependsOn []string
	From, To  planner.Endpoint
}

func btActions(p *planner.Plan) []btAction {
	var out []btAction
	for _, a := range p.Actions {
		from, to := a.From, a.To
		from.ID, to.ID = "", "" // where the environments point is checked elsewhere
		out = append(out, btAction{a.Address, a.Action, a.Phase, a.DependsOn, from, to})
	}
	return out
}

func btPut(t *testing.T, s providers.Storage, bucket string, o providers.Object, body string) {
	t.Helper()
	o.Size = int64(len(body))
	if o.ModTime.IsZero() {
		o.ModTime = btTime
	}
	if _, err := s.Put(context.Background(), bucket, o, strings.NewReader(body)); err != nil {
		t.Fatalf("put %s/%s: %v", bucket, o.Key, err)
	}
}

func btBuckets(t *testing.T, s providers.Storage, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := s.CreateBucket(context.Background(), providers.Bucket{Name: n}); err != nil {
			t.Fatalf("create bucket %s: %v", n, err)
		}
	}
}

// contents reads a bucket: key -> body.
func btContents(t *testing.T, s providers.Storage, bucket string) map[string]string {
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

func btStorageMove(name, from, to string, sm *lang.StorageMove) *lang.Move {
	if sm == nil {
		sm = &lang.StorageMove{}
	}
	return &lang.Move{Kind: providers.KindStorage, Name: name, From: from, To: to, Storage: sm}
}

// TestBuildStorageKeyInvalid: S3 keys that cannot be files (a key that is
// also a folder, an empty segment, a trailing '/') block a move to the
// local provider; acknowledged, they are skipped and the rest is copied.
func TestBuildStorageKeyInvalid(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst := h.local("disk")
	btBuckets(t, src, "site")
	for _, k := range []string{"a", "a/b", "x//y", "logs/", "index.html", "css/site.css"} {
		btPut(t, src, "site", providers.Object{Key: k}, "body of "+k)
	}
	m := btStorageMove("site", "cloud", "disk", nil)
	cfg := h.config(m)
	const objAddr = `move.storage.site.objects["site"]`
	invalid := []string{"a", "a/b", "logs/", "x//y"}

	p := h.plan(cfg)
	f := btFindingByCode(t, p, "storage.key_invalid")
	if f.Severity != planner.SevBlocker || f.Address != objAddr || f.Acknowledged {
		t.Errorf("finding = %+v", f)
	}
	if f.ID != planner.FindingID("storage.key_invalid", objAddr, "") {
		t.Errorf("finding id %s is not the stable id", f.ID)
	}
	for _, k := range invalid {
		if !strings.Contains(f.Message, k) {
			t.Errorf("message %q does not name %q", f.Message, k)
		}
	}
	cp := btActionAt(t, p, objAddr)
	if cp.Action != planner.ActCopy || cp.Estimate.Objects != 2 || cp.Skipped != nil {
		t.Errorf("copy before acknowledging: %s objects=%d skipped=%v", cp.Action, cp.Estimate.Objects, cp.Skipped)
	}
	if p.Summary.Blockers != 1 {
		t.Errorf("Summary.Blockers = %d", p.Summary.Blockers)
	}

	var be *engine.BlockerError
	if err := h.applyErr(cfg); !errors.As(err, &be) || len(be.Blockers) != 1 || be.Blockers[0].ID != f.ID {
		t.Fatalf("apply with the blocker: %v, want *engine.BlockerError naming %s", err, f.ID)
	}
	if n := h.store.Writes("cloud"); n != 6 {
		t.Errorf("the refused apply touched the source (%d writes)", n)
	}
	if got := btContents(t, dst, "site"); got != nil {
		t.Fatalf("the refused apply wrote %v", got)
	}

	m.Acknowledge = []string{f.ID}
	p = h.plan(cfg)
	f = btFindingByCode(t, p, "storage.key_invalid")
	if !f.Acknowledged || p.Summary.Blockers != 0 || p.Summary.Acknowledged != 1 {
		t.Errorf("acknowledged finding = %+v, summary %+v", f, p.Summary)
	}
	cp = btActionAt(t, p, objAddr)
	if d := cmp.Diff(invalid, cp.Skipped); d != "" {
		t.Errorf("copy action Skipped (-want +got):\n%s", d)
	}
	if cp.Estimate.Objects != 2 {
		t.Errorf("copy estimate = %+v", cp.Estimate)
	}
	if d := cmp.Diff(invalid, btActionAt(t, p, `move.storage.site.cutover_sync["site"]`).Skipped); d != "" {
		t.Errorf("cutover sync Skipped (-want +got):\n%s", d)
	}
	h.apply(cfg)
	want := map[string]string{"index.html": "body of index.html", "css/site.css": "body of css/site.css"}
	if d := cmp.Diff(want, btContents(t, dst, "site")); d != "" {
		t.Errorf("destination (-want +got):\n%s", d)
	}
	if again := h.plan(cfg); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply has %d changes", again.Summary.Changes)
	}
}

// TestBuildStorageCapabilityFindings: what the destination's capability
// table says about metadata, tags and Content-Type.
func TestBuildStorageCapabilityFindings(t *testing.T) {
	tests := []struct {
		name string
		dst  string // provider
		want []btFinding
	}{
		{"memory to local loses metadata", local.Name, []btFinding{
			{"storage.metadata_lost", planner.SevWarning, "move.storage.m", false},
			{"storage.content_type_derived", planner.SevInfo, "move.storage.m", false},
		}},
		{"memory to memory keeps it", memory.Name, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newBuildHarness(t)
			src := h.mem("cloud")
			if tt.dst == local.Name {
				h.local("dst")
			} else {
				h.mem("dst")
			}
			btBuckets(t, src, "media")
			btPut(t, src, "media", providers.Object{Key: "a.jpg", ContentType: "image/jpeg",
				Metadata: map[string]string{"owner": "app"}, Tags: map[string]string{"tier": "hot"}}, "jpeg")
			p := h.plan(h.config(btStorageMove("m", "cloud", "dst", nil)))
			if d := cmp.Diff(tt.want, btFindings(p)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if p.Summary.Warnings != len(tt.want)/2 || p.Summary.Blockers != 0 {
				t.Errorf("summary %+v", p.Summary)
			}
			if tt.dst != memory.Name {
				return
			}
			h.apply(h.config(btStorageMove("m", "cloud", "dst", nil)))
			got, err := h.store.Env("dst").Head(h.ctx, "media", "a.jpg")
			if err != nil {
				t.Fatal(err)
			}
			if got.ContentType != "image/jpeg" || got.Metadata["owner"] != "app" || got.Tags["tier"] != "hot" || !got.ModTime.Equal(btTime) {
				t.Errorf("memory -> memory copy lost attributes: %+v", got)
			}
		})
	}
}

// TestBuildStorageConflictAndOverwrite: a differing destination object
// rehome did not write blocks the move; with overwrite it is a warning,
// apply replaces it and rollback restores it.
func TestBuildStorageConflictAndOverwrite(t *testing.T) {
	old := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, dstProv := range []string{memory.Name, local.Name} {
		t.Run(dstProv, func(t *testing.T) {
			h := newBuildHarness(t)
			src := h.mem("cloud")
			var dst providers.Storage
			if dstProv == memory.Name {
				dst = h.mem("dst")
			} else {
				dst = h.local("dst")
			}
			btBuckets(t, src, "data")
			btBuckets(t, dst, "data")
			btPut(t, src, "data", providers.Object{Key: "a.txt", ContentType: "text/plain", Metadata: map[string]string{"owner": "src"}}, "the new content")
			btPut(t, src, "data", providers.Object{Key: "b.txt"}, "bee")
			btPut(t, dst, "data", providers.Object{Key: "a.txt", ModTime: old, ContentType: "text/x-old", Metadata: map[string]string{"owner": "dst"}}, "old")
			btPut(t, dst, "data", providers.Object{Key: "only-dst.txt", ModTime: old}, "mine")
			before := btContents(t, dst, "data")
			m := btStorageMove("data", "cloud", "dst", nil)
			cfg := h.config(m)
			const objAddr = `move.storage.data.objects["data"]`
			info := []string{"storage.metadata_lost", "storage.content_type_derived"}

			p := h.plan(cfg)
			want := []btFinding{
				{"storage.dest_conflict", planner.SevBlocker, objAddr, false},
				{"storage.dest_bucket_exists", planner.SevInfo, `move.storage.data.bucket["data"]`, false},
				{"storage.dest_only", planner.SevInfo, objAddr, false},
			}
			if d := cmp.Diff(want, btFindings(p, info...)); d != "" {
				t.Errorf("findings without overwrite (-want +got):\n%s", d)
			}
			if f := btFindingByCode(t, p, "storage.dest_conflict"); !strings.Contains(f.Message, "a.txt") || !strings.Contains(f.Remedy, "overwrite = true") {
				t.Errorf("conflict finding: %+v", f)
			}
			if a := btActionAt(t, p, `move.storage.data.bucket["data"]`); a.Action != planner.ActNoop {
				t.Errorf("bucket action %s, want no-op (it exists)", a.Action)
			}
			if a := btActionAt(t, p, objAddr); a.Action != planner.ActCopy || a.Estimate.Objects != 1 || a.Estimate.Bytes != 3 {
				t.Errorf("copy without overwrite: %s %+v", a.Action, a.Estimate)
			}

			m.Overwrite = true
			p = h.plan(cfg)
			want[0] = btFinding{"storage.overwrite", planner.SevWarning, objAddr, false}
			if d := cmp.Diff(want, btFindings(p, info...)); d != "" {
				t.Errorf("findings with overwrite (-want +got):\n%s", d)
			}
			cp := btActionAt(t, p, objAddr)
			if cp.Action != planner.ActCopy || cp.Estimate.Objects != 2 || cp.Params["overwrite"] != "true" {
				t.Errorf("copy with overwrite: %s %+v %v", cp.Action, cp.Estimate, cp.Params)
			}
			h.apply(cfg)
			want2 := map[string]string{"a.txt": "the new content", "b.txt": "bee", "only-dst.txt": "mine"}
			if d := cmp.Diff(want2, btContents(t, dst, "data")); d != "" {
				t.Errorf("destination after apply (-want +got):\n%s", d)
			}

			h.rollback(cfg)
			if d := cmp.Diff(before, btContents(t, dst, "data")); d != "" {
				t.Errorf("destination after rollback (-before +after):\n%s", d)
			}
			got, err := dst.Head(h.ctx, "data", "a.txt")
			if err != nil {
				t.Fatal(err)
			}
			if !got.ModTime.Equal(old) {
				t.Errorf("restored a.txt has ModTime %v, want %v", got.ModTime, old)
			}
			if dstProv == memory.Name && got.ContentType != "text/x-old" {
				t.Errorf("restored a.txt has Content-Type %q, want text/x-old", got.ContentType)
			}
		})
	}
}

// TestBuildStorageOverwriteRollbackKeepsMetadata: on a destination that
// keeps user metadata and tags (Caps.Storage.Metadata/Tags), rolling back an
// overwrite must give back the replaced object's metadata and tags along
// with its bytes (the executor records them with the backup, before the
// write).
func TestBuildStorageOverwriteRollbackKeepsMetadata(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	btBuckets(t, src, "data")
	btBuckets(t, dst, "data")
	btPut(t, src, "data", providers.Object{Key: "a.txt", Metadata: map[string]string{"owner": "src"}}, "the new content")
	orig := providers.Object{Key: "a.txt", ModTime: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), ContentType: "text/x-old",
		CacheControl: "max-age=600", Metadata: map[string]string{"owner": "dst", "app-state": "42"}, Tags: map[string]string{"legal-hold": "yes"}}
	btPut(t, dst, "data", orig, "old")
	before, err := dst.Head(h.ctx, "data", "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	cfg := h.config(m)
	h.apply(cfg)
	h.rollback(cfg)
	after, err := dst.Head(h.ctx, "data", "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("rollback did not restore the replaced object (-before +after):\n%s", d)
	}
}

// TestBuildStorageSelection: include, exclude and rename choose and name the
// buckets; mistakes in them are findings.
func TestBuildStorageSelection(t *testing.T) {
	tests := []struct {
		name    string
		sm      lang.StorageMove
		actions []btAction // bucket actions only
		want    []btFinding
		detail  string // the first finding's message must contain it
	}{
		{name: "include, exclude and rename",
			sm: lang.StorageMove{Include: []string{"app-*"}, Exclude: []string{"*-tmp"},
				Rename: map[string]string{"app-assets": "assets", "ghost-bucket": "ghost"}},
			actions: []btAction{
				{`move.storage.m.bucket["app-assets"]`, planner.ActCreate, planner.PhasePrepare, []string{}, planner.Endpoint{Env: "cloud", Name: "app-assets"}, planner.Endpoint{Env: "dst", Name: "assets"}},
				{`move.storage.m.bucket["app-logs"]`, planner.ActCreate, planner.PhasePrepare, []string{}, planner.Endpoint{Env: "cloud", Name: "app-logs"}, planner.Endpoint{Env: "dst", Name: "app-logs"}},
			},
			want:   []btFinding{{"storage.rename_unused", planner.SevWarning, "move.storage.m", false}},
			detail: `"ghost-bucket"`},
		{name: "two buckets renamed to one name",
			sm: lang.StorageMove{Include: []string{"app-*"}, Exclude: []string{"*-tmp"}, Rename: map[string]string{"app-assets": "app-logs"}},
			actions: []btAction{
				{`move.storage.m.bucket["app-assets"]`, planner.ActCreate, planner.PhasePrepare, []string{}, planner.Endpoint{Env: "cloud", Name: "app-assets"}, planner.Endpoint{Env: "dst", Name: "app-logs"}},
			},
			want:   []btFinding{{"storage.name_collision", planner.SevBlocker, `move.storage.m.bucket["app-logs"]`, false}},
			detail: `"app-assets" and "app-logs" would both become "app-logs"`},
		{name: "nothing matches",
			sm:     lang.StorageMove{Include: []string{"nothing-*"}},
			want:   []btFinding{{"storage.no_match", planner.SevWarning, "move.storage.m", false}},
			detail: "nothing-*"},
		{name: "exclude everything",
			sm:     lang.StorageMove{Exclude: []string{"*"}},
			want:   []btFinding{{"storage.no_match", planner.SevWarning, "move.storage.m", false}},
			detail: "exclude [*]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newBuildHarness(t)
			src := h.mem("cloud")
			h.mem("dst")
			btBuckets(t, src, "app-assets", "app-logs", "app-tmp", "other-data")
			for _, b := range []string{"app-assets", "app-logs", "app-tmp", "other-data"} {
				btPut(t, src, b, providers.Object{Key: "k"}, b)
			}
			sm := tt.sm
			p := h.plan(h.config(btStorageMove("m", "cloud", "dst", &sm)))
			var got []btAction
			for _, a := range btActions(p) {
				if strings.Contains(a.Address, ".bucket[") {
					got = append(got, a)
				}
			}
			if d := cmp.Diff(tt.actions, got); d != "" {
				t.Errorf("bucket actions (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.want, btFindings(p)); d != "" {
				t.Fatalf("findings (-want +got):\n%s", d)
			}
			if !strings.Contains(p.Audit[0].Message, tt.detail) {
				t.Errorf("message %q does not contain %q", p.Audit[0].Message, tt.detail)
			}
			// Every selected bucket gets bucket, copy and cutover actions
			// reading the source bucket and writing the renamed one.
			for _, a := range p.Actions {
				if a.Type == "objects" && (a.Params["src_bucket"] != a.From.Name || a.Params["dst_bucket"] != a.To.Name) {
					t.Errorf("%s params %v do not match %v -> %v", a.Address, a.Params, a.From, a.To)
				}
			}
			if n := len(p.Actions); n != 3*len(tt.actions) {
				t.Errorf("%d actions for %d buckets", n, len(tt.actions))
			}
		})
	}
}

// seedLocalZone writes a zone with a PTR and a TLSA set into a local
// environment through its own calls.
func btSeedLocalZone(t *testing.T, d providers.DNS) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.CreateZone(ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	cs := []providers.RecordChange{
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 3600, Values: []string{"192.0.2.1"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "1.example.com.", Type: "PTR", TTL: 3600, Values: []string{"host.example.com."}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "_443._tcp.www.example.com.", Type: "TLSA", TTL: 3600,
			Values: []string{"3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}},
	}
	if err := d.ApplyRecords(ctx, "example.com.", cs); err != nil {
		t.Fatal(err)
	}
}

func btSetKeys(t *testing.T, d providers.DNS, zone string) []string {
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

// TestBuildDNSUnsupportedType: PTR and TLSA at a local source cannot be held
// by the memory destination: one blocker per type; acknowledged, the sets
// are skipped and the rest is copied.
func TestBuildDNSUnsupportedType(t *testing.T) {
	h := newBuildHarness(t)
	src := h.local("disk")
	dst := h.mem("cloud")
	btSeedLocalZone(t, src)
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "disk", To: "cloud", DNS: &lang.DNSMove{Zones: []string{"example.com"}}}
	cfg := h.config(m)
	const recAddr = `move.dns.zones.records["example.com"]`

	p := h.plan(cfg)
	want := []btFinding{
		{"dns.unsupported_type", planner.SevBlocker, recAddr, false},
		{"dns.unsupported_type", planner.SevBlocker, recAddr, false},
		{"dns.apex_not_copied", planner.SevInfo, recAddr, false},
	}
	if d := cmp.Diff(want, btFindings(p)); d != "" {
		t.Fatalf("findings (-want +got):\n%s", d)
	}
	var ids []string
	for i, typ := range []string{"PTR", "TLSA"} {
		f := p.Audit[i]
		if f.ID != planner.FindingID("dns.unsupported_type", recAddr, typ) || !strings.Contains(f.Message, "cannot hold "+typ) {
			t.Errorf("finding %d: %s %q", i, f.ID, f.Message)
		}
		ids = append(ids, f.ID)
	}
	rec := btActionAt(t, p, recAddr)
	if rec.Action != planner.ActCopy || !cmp.Equal(rec.Items, []string{"www.example.com. A"}) || len(rec.Skipped) != 0 {
		t.Errorf("records action before acknowledging: %s items=%v skipped=%v", rec.Action, rec.Items, rec.Skipped)
	}
	var be *engine.BlockerError
	if err := h.applyErr(cfg); !errors.As(err, &be) || len(be.Blockers) != 2 {
		t.Fatalf("apply: %v, want a BlockerError with 2 blockers", err)
	}

	m.Acknowledge = ids
	p = h.plan(cfg)
	for _, f := range p.Audit {
		if f.Code == "dns.unsupported_type" && !f.Acknowledged {
			t.Errorf("%s not acknowledged", f.ID)
		}
	}
	rec = btActionAt(t, p, recAddr)
	if d := cmp.Diff([]string{"1.example.com. PTR", "_443._tcp.www.example.com. TLSA"}, rec.Skipped); d != "" {
		t.Errorf("records action Skipped (-want +got):\n%s", d)
	}
	if rec.Params["skip_types"] != "PTR,TLSA" || !cmp.Equal(rec.Items, []string{"www.example.com. A"}) {
		t.Errorf("records action params %v items %v", rec.Params, rec.Items)
	}
	h.apply(cfg)
	if d := cmp.Diff([]string{"example.com. NS", "example.com. SOA", "www.example.com. A"}, btSetKeys(t, dst, "example.com.")); d != "" {
		t.Errorf("destination sets (-want +got):\n%s", d)
	}
	if again := h.plan(cfg); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply has %d changes", again.Summary.Changes)
	}
}

// TestBuildDNSZoneMissing: a listed zone the source lacks is a blocker on
// that zone's address; the others are planned.
func TestBuildDNSZoneMissing(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	h.mem("dst")
	if _, err := src.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", DNS: &lang.DNSMove{Zones: []string{"example.com", "missing.example"}}}
	p := h.plan(h.config(m))
	f := btFindingByCode(t, p, "dns.zone_missing")
	if f.Severity != planner.SevBlocker || f.Address != `move.dns.zones.zone["missing.example"]` ||
		!strings.Contains(f.Message, `"missing.example"`) || !strings.Contains(f.Message, "found: example.com") {
		t.Errorf("zone_missing finding: %+v", f)
	}
	want := []btAction{
		{`move.dns.zones.zone["example.com"]`, planner.ActCreate, planner.PhasePrepare, []string{}, planner.Endpoint{Env: "cloud", Name: "example.com"}, planner.Endpoint{Env: "dst", Name: "example.com"}},
		{`move.dns.zones.records["example.com"]`, planner.ActNoop, planner.PhasePrepare, []string{`move.dns.zones.zone["example.com"]`}, planner.Endpoint{Env: "cloud", Name: "example.com"}, planner.Endpoint{Env: "dst", Name: "example.com"}},
		{`move.dns.zones.cutover_sync["example.com"]`, planner.ActSync, planner.PhaseCutover, []string{`move.dns.zones.records["example.com"]`}, planner.Endpoint{Env: "cloud", Name: "example.com"}, planner.Endpoint{Env: "dst", Name: "example.com"}},
	}
	if d := cmp.Diff(want, btActions(p)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	m.Acknowledge = []string{f.ID}
	if p = h.plan(h.config(m)); p.Summary.Blockers != 0 || !btFindingByCode(t, p, "dns.zone_missing").Acknowledged {
		t.Errorf("acknowledged zone_missing: summary %+v", p.Summary)
	}
}

// TestBuildDNSCutoverTTL: cutover_ttl lowers the source TTLs in the prepare
// phase before the copy, which carries the lowered TTLs; rollback restores
// the source exactly.
func TestBuildDNSCutoverTTL(t *testing.T) {
	h := newBuildHarness(t)
	src, dst := h.mem("cloud"), h.mem("dst")
	if _, err := src.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	err := src.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 3600, Values: []string{"192.0.2.1"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "api.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.2"}}},
		{Op: providers.ChangeCreate, New: &providers.RecordSet{Name: "example.com.", Type: "MX", TTL: 7200, Values: []string{"10 mx.example.net."}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srcBefore, err := src.Records(h.ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	m := &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", DNS: &lang.DNSMove{Zones: []string{"example.com"}, CutoverTTL: 300}}
	cfg := h.config(m)
	const (
		zoneAddr = `move.dns.zones.zone["example.com"]`
		ttlAddr  = `move.dns.zones.source_ttl["example.com"]`
		recAddr  = `move.dns.zones.records["example.com"]`
	)

	p := h.plan(cfg)
	src1 := planner.Endpoint{Env: "cloud", Name: "example.com"}
	dst1 := planner.Endpoint{Env: "dst", Name: "example.com"}
	want := []btAction{
		{zoneAddr, planner.ActCreate, planner.PhasePrepare, []string{}, src1, dst1},
		{ttlAddr, planner.ActLowerTTL, planner.PhasePrepare, []string{}, src1, src1},
		{recAddr, planner.ActCopy, planner.PhasePrepare, []string{zoneAddr, ttlAddr}, src1, dst1},
		{`move.dns.zones.cutover_sync["example.com"]`, planner.ActSync, planner.PhaseCutover, []string{recAddr}, src1, dst1},
	}
	if d := cmp.Diff(want, btActions(p)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	ttl := btActionAt(t, p, ttlAddr)
	// The apex NS (172800 s) is lowered too; the SOA and api (60 s) are not.
	if d := cmp.Diff([]string{"example.com. NS", "example.com. MX", "www.example.com. A"}, ttl.Items); d != "" {
		t.Errorf("lowered sets (-want +got):\n%s", d)
	}
	if ttl.Estimate.Records != 3 || ttl.Params["ttl"] != "300" {
		t.Errorf("lower_ttl estimate %+v params %v", ttl.Estimate, ttl.Params)
	}
	if rec := btActionAt(t, p, recAddr); rec.Params["ttl"] != "300" || rec.Estimate.Records != 3 {
		t.Errorf("records action: params %v estimate %+v", rec.Params, rec.Estimate)
	}
	if f := btFindingByCode(t, p, "dns.ttl_lowered"); f.Severity != planner.SevInfo || f.Address != ttlAddr {
		t.Errorf("ttl finding %+v", f)
	}

	h.apply(cfg)
	ttls := func(d providers.DNS) map[string]uint32 {
		sets, err := d.Records(h.ctx, "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint32{}
		for _, rs := range sets {
			out[rs.Key()] = rs.TTL
		}
		return out
	}
	wantSrc := map[string]uint32{"example.com. SOA": 900, "example.com. NS": 300, "example.com. MX": 300, "www.example.com. A": 300, "api.example.com. A": 60}
	if d := cmp.Diff(wantSrc, ttls(src)); d != "" {
		t.Errorf("source TTLs after apply (-want +got):\n%s", d)
	}
	wantDst := map[string]uint32{"example.com. SOA": 900, "example.com. NS": 172800, "example.com. MX": 300, "www.example.com. A": 300, "api.example.com. A": 60}
	if d := cmp.Diff(wantDst, ttls(dst)); d != "" {
		t.Errorf("destination TTLs after apply (-want +got):\n%s", d)
	}
	again := h.plan(cfg)
	if again.Summary.Changes != 0 || btActionAt(t, again, ttlAddr).Action != planner.ActNoop {
		t.Errorf("re-plan after apply: %d changes, ttl action %s", again.Summary.Changes, btActionAt(t, again, ttlAddr).Action)
	}

	h.rollback(cfg)
	srcAfter, err := src.Records(h.ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(srcBefore, srcAfter); d != "" {
		t.Errorf("source after rollback (-before +after):\n%s", d)
	}
	if zs, _ := dst.Zones(h.ctx); len(zs) != 0 {
		t.Errorf("rollback left zones at the destination: %+v", zs)
	}
}

// TestBuildSecretsConflictAndOverwrite: a foreign differing secret is a
// blocker; with overwrite, an unversioned destination makes the action
// irreversible (with a warning), a versioned one does not.
func TestBuildSecretsConflictAndOverwrite(t *testing.T) {
	const addr = `move.secrets.s.secret["API_KEY"]`
	tests := []struct {
		dst          string
		irreversible bool
		warn         []btFinding
		undo         string
	}{
		{local.Name, true, []btFinding{{"secrets.overwrite_irreversible", planner.SevWarning, addr, false}}, "keeps no prior versions"},
		{memory.Name, false, nil, "restore the previous version"},
	}
	for _, tt := range tests {
		t.Run(tt.dst, func(t *testing.T) {
			h := newBuildHarness(t)
			src := h.mem("cloud")
			var dst providers.Secrets
			if tt.dst == local.Name {
				dst = h.local("dst")
			} else {
				dst = h.mem("dst")
			}
			sec := func(n, v string) providers.Secret {
				return providers.Secret{SecretMeta: providers.SecretMeta{Name: n}, Value: []byte(v)}
			}
			if _, err := src.PutSecrets(h.ctx, []providers.Secret{sec("API_KEY", "new"), sec("DB_URL", "db")}); err != nil {
				t.Fatal(err)
			}
			if _, err := dst.PutSecrets(h.ctx, []providers.Secret{sec("API_KEY", "old")}); err != nil {
				t.Fatal(err)
			}
			m := &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}}
			cfg := h.config(m)

			p := h.plan(cfg)
			if d := cmp.Diff([]btFinding{{"secrets.dest_conflict", planner.SevBlocker, addr, false}}, btFindings(p)); d != "" {
				t.Errorf("findings without overwrite (-want +got):\n%s", d)
			}
			for _, a := range p.Actions {
				if a.Address == addr {
					t.Errorf("a conflicting secret has an action: %+v", a)
				}
			}
			if a := btActionAt(t, p, `move.secrets.s.secret["DB_URL"]`); a.Action != planner.ActCreate || a.Irreversible {
				t.Errorf("DB_URL action %s irreversible=%v", a.Action, a.Irreversible)
			}

			m.Overwrite = true
			p = h.plan(cfg)
			if d := cmp.Diff(tt.warn, btFindings(p)); d != "" {
				t.Errorf("findings with overwrite (-want +got):\n%s", d)
			}
			a := btActionAt(t, p, addr)
			if a.Action != planner.ActUpdate || a.Irreversible != tt.irreversible || !strings.Contains(a.Undo, tt.undo) {
				t.Errorf("overwrite action: %s irreversible=%v undo=%q", a.Action, a.Irreversible, a.Undo)
			}
			if p.Summary.Blockers != 0 || p.Summary.Secrets != 2 {
				t.Errorf("summary %+v", p.Summary)
			}
		})
	}
}

// TestBuildUnknownAcknowledge: an acknowledge entry matching no finding is
// a warning naming it, on the move's address.
func TestBuildUnknownAcknowledge(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	h.mem("dst")
	btBuckets(t, src, "data")
	btPut(t, src, "data", providers.Object{Key: "k"}, "v")
	const typo = "storage-key-invalid-deadbeef"
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Acknowledge = []string{typo}
	p := h.plan(h.config(m))
	f := btFindingByCode(t, p, "move.unknown_acknowledge")
	if f.Severity != planner.SevWarning || f.Address != "move.storage.data" || f.Acknowledged ||
		f.ID != planner.FindingID("move.unknown_acknowledge", "move.storage.data", typo) || !strings.Contains(f.Message, typo) {
		t.Errorf("finding %+v", f)
	}
	if p.Summary.Warnings != 1 || p.Summary.Blockers != 0 {
		t.Errorf("summary %+v", p.Summary)
	}
}

// TestBuildReplanAfterApply: after apply nothing is left to prepare but the
// cutover steps; source drift shows as exactly the drifted object; after the
// cutover the syncs are no-ops until the source drifts again.
func TestBuildReplanAfterApply(t *testing.T) {
	h := newBuildHarness(t)
	src := h.mem("cloud")
	h.mem("dst")
	btBuckets(t, src, "data")
	for i := 0; i < 5; i++ {
		btPut(t, src, "data", providers.Object{Key: fmt.Sprintf("k%d", i)}, fmt.Sprintf("v%d", i))
	}
	if _, err := src.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
		t.Fatal(err)
	}
	if err := src.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate,
		New: &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.PutSecrets(h.ctx, []providers.Secret{{SecretMeta: providers.SecretMeta{Name: "K"}, Value: []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	cfg := h.config(
		btStorageMove("data", "cloud", "dst", nil),
		&lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", DNS: &lang.DNSMove{}},
		&lang.Move{Kind: providers.KindSecrets, Name: "keys", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}},
	)
	const (
		objAddr  = `move.storage.data.objects["data"]`
		syncAddr = `move.storage.data.cutover_sync["data"]`
	)
	first := h.apply(cfg)
	if first.Summary.Changes != 5 || first.Summary.Objects != 5 || first.Summary.Records != 1 || first.Summary.Secrets != 1 {
		t.Errorf("first plan summary %+v", first.Summary)
	}

	p := h.plan(cfg)
	if p.Summary.Changes != 0 || p.Summary.CutoverSteps != 3 {
		t.Errorf("re-plan after apply: %d changes, %d cutover steps; want 0 and 3", p.Summary.Changes, p.Summary.CutoverSteps)
	}
	for _, a := range p.Actions {
		if a.Phase == planner.PhaseCutover && a.Action != planner.ActSync {
			t.Errorf("%s is %s before the cutover, want sync", a.Address, a.Action)
		}
	}
	if a := btActionAt(t, p, objAddr); a.Action != planner.ActNoop || a.Reason != "all 5 objects in place" {
		t.Errorf("copy after apply: %s %q", a.Action, a.Reason)
	}

	btPut(t, src, "data", providers.Object{Key: "k9"}, "drift")
	p = h.plan(cfg)
	a := btActionAt(t, p, objAddr)
	if a.Action != planner.ActCopy || a.Estimate.Objects != 1 || a.Estimate.Bytes != 5 || a.Reason != "1 object to copy, 5 objects already in place" {
		t.Errorf("after source drift: %s %+v %q", a.Action, a.Estimate, a.Reason)
	}
	if p.Summary.Changes != 1 {
		t.Errorf("after source drift: %d changes", p.Summary.Changes)
	}
	h.apply(cfg)
	if n := h.store.Writes("dst"); n != 6 {
		t.Errorf("%d writes at the destination after two applies, want 6 (nothing rewritten)", n)
	}

	h.cutover(cfg)
	p = h.plan(cfg)
	if p.Summary.Changes != 0 || p.Summary.CutoverSteps != 0 || p.Summary.Cutover[planner.ActNoop] != 3 {
		t.Errorf("re-plan after cutover: summary %+v", p.Summary)
	}
	for _, a := range p.Actions {
		if a.Phase == planner.PhaseCutover && (a.Action != planner.ActNoop || a.Reason != "cutover already ran") {
			t.Errorf("%s after cutover: %s %q", a.Address, a.Action, a.Reason)
		}
	}

	btPut(t, src, "data", providers.Object{Key: "k10"}, "late")
	p = h.plan(cfg)
	s := btActionAt(t, p, syncAddr)
	if s.Action != planner.ActSync || s.Estimate.Objects != 1 || p.Summary.CutoverSteps != 1 {
		t.Errorf("sync after drift past the cutover: %s %+v (cutover steps %d)", s.Action, s.Estimate, p.Summary.CutoverSteps)
	}
}

// TestBuildResumeWithoutRewrite: an apply cancelled part-way records its
// action as failed and every finished object as done; the next apply
// writes only what is missing and never rewrites a recorded object.
func TestBuildResumeWithoutRewrite(t *testing.T) {
	const (
		total       = 500
		parallelism = 4
		objAddr     = `move.storage.bulk.objects["bulk"]`
	)
	h := newBuildHarness(t)
	src := h.mem("cloud")
	dst := h.mem("dst")
	btBuckets(t, src, "bulk")
	for i := 0; i < total; i++ {
		btPut(t, src, "bulk", providers.Object{Key: fmt.Sprintf("obj/%04d", i)}, fmt.Sprintf("body %d", i))
	}
	cfg := h.config(btStorageMove("bulk", "cloud", "dst", nil))

	// First run: cancel once ~100 objects are written.
	s := h.open(cfg, "apply")
	p, err := s.Plan(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := btActionAt(t, p, objAddr); a.Estimate.Objects != total {
		t.Fatalf("first plan copies %d objects", a.Estimate.Objects)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	var once sync.Once
	sink := exec.SinkFunc(func(e exec.Event) {
		if e.Type == exec.EvProgress && e.Address == objAddr && e.Done >= 100 {
			once.Do(cancel)
		}
	})
	rep, err := s.Apply(ctx, p, engine.RunOptions{Parallelism: parallelism, Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 || !errors.Is(rep.Err(), context.Canceled) {
		t.Errorf("cancelled run: failed=%d err=%v", rep.Failed, rep.Err())
	}
	var entries []state.Entry
	for _, e := range s.State().Journal {
		if e.Address == objAddr {
			entries = append(entries, e)
		}
	}
	if len(entries) != 1 || entries[0].Status != state.Failed || !strings.Contains(entries[0].Result.Error, "interrupted") {
		t.Errorf("journal of the cancelled copy: %+v, want one failed entry", entries)
	}
	if ph := s.State().Phase; ph != "" {
		t.Errorf("phase after a cancelled apply = %q", ph)
	}
	recs, err := planner.LoadRecords[planner.ObjectRecord](h.ctx, s.Progress, planner.StorageScope("move.storage.bulk", "bulk", "memory:dst", "bulk"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	written := h.store.Writes("dst")
	var done []string
	for k, r := range recs {
		if r.State == planner.ItemDone {
			done = append(done, k)
		}
	}
	slices.Sort(done)
	present := int64(len(btContents(t, dst, "bulk")))
	t.Logf("first run: %d writes, %d objects present, %d records, %d done", written, present, len(recs), len(done))
	if written < 100 || written >= total || present != written {
		t.Fatalf("first run wrote %d objects (%d present); want at least 100 and fewer than %d", written, present, total)
	}
	if len(done) < 100 {
		t.Errorf("only %d objects recorded done after %d progress events", len(done), 100)
	}
	// Finished objects are recorded: at most those still in flight at the
	// cancel are written but not recorded.
	if unrecorded := written - int64(len(done)); unrecorded < 0 || unrecorded > 2*parallelism {
		t.Errorf("%d objects written but not recorded done; want at most %d", unrecorded, 2*parallelism)
	}
	for _, k := range done {
		if n := h.store.KeyWrites("dst", "bulk", k); n != 1 {
			t.Fatalf("%s recorded done but written %d times", k, n)
		}
	}

	// Second run: only what is missing.
	p2 := h.plan(cfg)
	if a := btActionAt(t, p2, objAddr); a.Action != planner.ActCopy || a.Estimate.Objects != total-present {
		t.Errorf("resumed plan copies %d objects, want %d", a.Estimate.Objects, total-present)
	}
	h.apply(cfg)
	final := h.store.Writes("dst")
	if final > total+2*parallelism {
		t.Errorf("%d writes in all; want at most %d", final, total+2*parallelism)
	}
	for _, k := range done {
		if n := h.store.KeyWrites("dst", "bulk", k); n != 1 {
			t.Errorf("%s was recorded done before the second run and written again (%d writes)", k, n)
		}
	}
	got := btContents(t, dst, "bulk")
	if len(got) != total {
		t.Errorf("%d objects at the destination, want %d", len(got), total)
	}
	for i := 0; i < total; i++ {
		k := fmt.Sprintf("obj/%04d", i)
		if got[k] != fmt.Sprintf("body %d", i) {
			t.Errorf("%s = %q", k, got[k])
		}
		if n := h.store.KeyWrites("dst", "bulk", k); n < 1 || n > 2 {
			t.Errorf("%s written %d times", k, n)
		}
	}
	if final != total {
		t.Logf("%d objects were rewritten on resume", final-total)
	}
	s = h.open(cfg, "plan")
	defer s.Close()
	var last state.Entry
	for _, e := range s.State().Journal {
		if e.Address == objAddr {
			last = e
		}
	}
	if last.Status != state.Done || last.Result.Copied != total-present {
		t.Errorf("journal of the resumed copy: %+v", last)
	}
}

// TestBuildPlanWithoutBlockersApplies: items a destination refuses at apply
// time must be caught by the audit first, as a blocker with the right code
// (its capability table, its SecretChecker, or the record sets already
// read): a key segment over the 255-byte file-name limit, a secret over the
// destination's size limit, a secret name the destination cannot hold, and
// a CNAME beside foreign data. A plan without blockers must apply.
func TestBuildPlanWithoutBlockersApplies(t *testing.T) {
	secret := func(n string, v []byte) []providers.Secret {
		return []providers.Secret{{SecretMeta: providers.SecretMeta{Name: n}, Value: v}}
	}
	tests := []struct {
		name  string
		code  string // the blocker the audit must raise
		setup func(t *testing.T, h *buildHarness) *lang.Move
	}{
		{"storage_key_segment_too_long", "storage.key_invalid", func(t *testing.T, h *buildHarness) *lang.Move {
			src := h.mem("cloud")
			h.local("dst")
			btBuckets(t, src, "site")
			btPut(t, src, "site", providers.Object{Key: "long/" + strings.Repeat("x", 300)}, "v")
			return btStorageMove("site", "cloud", "dst", nil)
		}},
		{"secret_over_max_value_size", "secrets.unsupported", func(t *testing.T, h *buildHarness) *lang.Move {
			src := h.local("disk")
			h.mem("dst")
			if _, err := src.PutSecrets(h.ctx, secret("BIG", []byte(strings.Repeat("x", 70<<10)))); err != nil {
				t.Fatal(err)
			}
			return &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "disk", To: "dst", Secrets: &lang.SecretsMove{}}
		}},
		{"secret_name_destination_cannot_hold", "secrets.unsupported", func(t *testing.T, h *buildHarness) *lang.Move {
			src := h.mem("cloud")
			h.local("dst")
			if _, err := src.PutSecrets(h.ctx, secret("app/db-url", []byte("postgres://x"))); err != nil {
				t.Fatal(err)
			}
			return &lang.Move{Kind: providers.KindSecrets, Name: "s", From: "cloud", To: "dst", Secrets: &lang.SecretsMove{}}
		}},
		{"cname_beside_foreign_data", "dns.cname_conflict", func(t *testing.T, h *buildHarness) *lang.Move {
			src, dst := h.mem("cloud"), h.mem("dst")
			for i, d := range []*memory.Provider{src, dst} {
				if _, err := d.CreateZone(h.ctx, providers.Zone{Name: "example.com."}); err != nil {
					t.Fatal(err)
				}
				rs := &providers.RecordSet{Name: "www.example.com.", Type: "CNAME", TTL: 300, Values: []string{"example.net."}}
				if i == 1 {
					rs = &providers.RecordSet{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}}
				}
				if err := d.ApplyRecords(h.ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeCreate, New: rs}}); err != nil {
					t.Fatal(err)
				}
			}
			return &lang.Move{Kind: providers.KindDNS, Name: "zones", From: "cloud", To: "dst", DNS: &lang.DNSMove{}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newBuildHarness(t)
			cfg := h.config(tt.setup(t, h))
			s := h.open(cfg, "apply")
			defer s.Close()
			p, err := s.Plan(h.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if bs := p.Blockers(); len(bs) > 0 {
				for _, b := range bs {
					if b.Code == tt.code {
						return // the audit caught it, with the right finding
					}
				}
				t.Fatalf("blockers %v, want one with code %s", btFindings(p), tt.code)
			}
			rep, err := s.Apply(h.ctx, p, engine.RunOptions{})
			if err == nil {
				err = rep.Err()
			}
			if err != nil {
				t.Errorf("the plan had no blocker (findings %v) but apply failed: %.300v", btFindings(p), err)
			}
		})
	}
}
