package storage_test

// Table tests of planner.Build's findings and actions, driven through the
// engine (Open -> Plan -> Apply/Cutover/Rollback) with the memory provider,
// whose cloud semantics (S3 keys, metadata, versioned secrets, a DNS service
// without PTR) reach planner paths the local provider cannot.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rehome/rehome/lang"

	"github.com/google/go-cmp/cmp"
	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/state"
	"github.com/zclconf/go-cty/cty"
)

func btStorageMove(name, from, to string, sm *storage.Settings) *lang.Move {
	if sm == nil {
		sm = &storage.Settings{}
	}
	return &lang.Move{Kind: providers.KindStorage, Name: name, From: from, To: to, Settings: sm}
}

// TestBuildStorageKeyInvalid: S3 keys that cannot be files (a key that is
// also a folder, an empty segment, a trailing '/') block a move to the
// local provider; acknowledged, they are skipped and the rest is copied.
func TestBuildStorageKeyInvalid(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst := h.Local("disk")
	movertest.Buckets(t, src, "site")
	for _, k := range []string{"a", "a/b", "x//y", "logs/", "index.html", "css/site.css"} {
		movertest.Put(t, src, "site", providers.Object{Key: k}, "body of "+k)
	}
	m := btStorageMove("site", "cloud", "disk", nil)
	cfg := h.Config(m)
	const objAddr = `move.storage.site.objects["site"]`
	invalid := []string{"a", "a/b", "logs/", "x//y"}

	p := h.Plan(cfg)
	f := movertest.FindingByCode(t, p, "storage.key_invalid")
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
	cp := movertest.ActionAt(t, p, objAddr)
	if cp.Action != planner.ActCopy || cp.Estimate.Items != 2 || cp.Skipped != nil {
		t.Errorf("copy before acknowledging: %s objects=%d skipped=%v", cp.Action, cp.Estimate.Items, cp.Skipped)
	}
	if p.Summary.Blockers != 1 {
		t.Errorf("Summary.Blockers = %d", p.Summary.Blockers)
	}

	var be *engine.BlockerError
	if err := h.ApplyErr(cfg); !errors.As(err, &be) || len(be.Blockers) != 1 || be.Blockers[0].ID != f.ID {
		t.Fatalf("apply with the blocker: %v, want *engine.BlockerError naming %s", err, f.ID)
	}
	if n := h.Store.Writes("cloud"); n != 6 {
		t.Errorf("the refused apply touched the source (%d writes)", n)
	}
	if got := movertest.Contents(t, dst, "site"); got != nil {
		t.Fatalf("the refused apply wrote %v", got)
	}

	m.Acknowledge = []string{f.ID}
	p = h.Plan(cfg)
	f = movertest.FindingByCode(t, p, "storage.key_invalid")
	if !f.Acknowledged || p.Summary.Blockers != 0 || p.Summary.Acknowledged != 1 {
		t.Errorf("acknowledged finding = %+v, summary %+v", f, p.Summary)
	}
	cp = movertest.ActionAt(t, p, objAddr)
	if d := cmp.Diff(invalid, cp.Skipped); d != "" {
		t.Errorf("copy action Skipped (-want +got):\n%s", d)
	}
	if cp.Estimate.Items != 2 {
		t.Errorf("copy estimate = %+v", cp.Estimate)
	}
	if d := cmp.Diff(invalid, movertest.ActionAt(t, p, `move.storage.site.cutover_sync["site"]`).Skipped); d != "" {
		t.Errorf("cutover sync Skipped (-want +got):\n%s", d)
	}
	h.Apply(cfg)
	want := map[string]string{"index.html": "body of index.html", "css/site.css": "body of css/site.css"}
	if d := cmp.Diff(want, movertest.Contents(t, dst, "site")); d != "" {
		t.Errorf("destination (-want +got):\n%s", d)
	}
	if again := h.Plan(cfg); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply has %d changes", again.Summary.Changes)
	}
}

// TestBuildStorageCapabilityFindings: what the destination's capability
// table says about metadata, tags and Content-Type.
func TestBuildStorageCapabilityFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dst  string // provider
		want []movertest.Finding
	}{
		{"memory to local loses metadata", local.Name, []movertest.Finding{
			{Code: "storage.metadata_lost", Severity: planner.SevWarning, Address: "move.storage.m", Acknowledged: false},
			{Code: "storage.content_type_derived", Severity: planner.SevInfo, Address: "move.storage.m", Acknowledged: false},
		}},
		{"memory to memory keeps it", memory.Name, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := movertest.New(t)
			src := h.Mem("cloud")
			if tt.dst == local.Name {
				h.Local("dst")
			} else {
				h.Mem("dst")
			}
			movertest.Buckets(t, src, "media")
			movertest.Put(t, src, "media", providers.Object{Key: "a.jpg", ContentType: "image/jpeg",
				Metadata: map[string]string{"owner": "app"}, Tags: map[string]string{"tier": "hot"}}, "jpeg")
			p := h.Plan(h.Config(btStorageMove("m", "cloud", "dst", nil)))
			if d := cmp.Diff(tt.want, movertest.Findings(p)); d != "" {
				t.Errorf("findings (-want +got):\n%s", d)
			}
			if p.Summary.Warnings != len(tt.want)/2 || p.Summary.Blockers != 0 {
				t.Errorf("summary %+v", p.Summary)
			}
			if tt.dst != memory.Name {
				return
			}
			h.Apply(h.Config(btStorageMove("m", "cloud", "dst", nil)))
			got, err := h.Store.Env("dst").Head(h.Ctx, "media", "a.jpg")
			if err != nil {
				t.Fatal(err)
			}
			if got.ContentType != "image/jpeg" || got.Metadata["owner"] != "app" || got.Tags["tier"] != "hot" || !got.ModTime.Equal(movertest.T0) {
				t.Errorf("memory -> memory copy lost attributes: %+v", got)
			}
		})
	}
}

// TestBuildStorageConflictAndOverwrite: a differing destination object
// rehome did not write blocks the move; with overwrite it is a warning,
// apply replaces it and rollback restores it.
func TestBuildStorageConflictAndOverwrite(t *testing.T) {
	t.Parallel()
	old := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, dstProv := range []string{memory.Name, local.Name} {
		t.Run(dstProv, func(t *testing.T) {
			h := movertest.New(t)
			src := h.Mem("cloud")
			var dst providers.Storage
			if dstProv == memory.Name {
				dst = h.Mem("dst")
			} else {
				dst = h.Local("dst")
			}
			movertest.Buckets(t, src, "data")
			movertest.Buckets(t, dst, "data")
			movertest.Put(t, src, "data", providers.Object{Key: "a.txt", ContentType: "text/plain", Metadata: map[string]string{"owner": "src"}}, "the new content")
			movertest.Put(t, src, "data", providers.Object{Key: "b.txt"}, "bee")
			movertest.Put(t, dst, "data", providers.Object{Key: "a.txt", ModTime: old, ContentType: "text/x-old", Metadata: map[string]string{"owner": "dst"}}, "old")
			movertest.Put(t, dst, "data", providers.Object{Key: "only-dst.txt", ModTime: old}, "mine")
			before := movertest.Contents(t, dst, "data")
			m := btStorageMove("data", "cloud", "dst", nil)
			cfg := h.Config(m)
			const objAddr = `move.storage.data.objects["data"]`
			info := []string{"storage.metadata_lost", "storage.content_type_derived"}

			p := h.Plan(cfg)
			want := []movertest.Finding{
				{Code: "storage.dest_conflict", Severity: planner.SevBlocker, Address: objAddr, Acknowledged: false},
				{Code: "storage.dest_bucket_exists", Severity: planner.SevInfo, Address: `move.storage.data.bucket["data"]`, Acknowledged: false},
				{Code: "storage.dest_only", Severity: planner.SevInfo, Address: objAddr, Acknowledged: false},
			}
			if d := cmp.Diff(want, movertest.Findings(p, info...)); d != "" {
				t.Errorf("findings without overwrite (-want +got):\n%s", d)
			}
			if f := movertest.FindingByCode(t, p, "storage.dest_conflict"); !strings.Contains(f.Message, "a.txt") || !strings.Contains(f.Remedy, "overwrite = true") {
				t.Errorf("conflict finding: %+v", f)
			}
			if a := movertest.ActionAt(t, p, `move.storage.data.bucket["data"]`); a.Action != planner.ActNoop {
				t.Errorf("bucket action %s, want no-op (it exists)", a.Action)
			}
			if a := movertest.ActionAt(t, p, objAddr); a.Action != planner.ActCopy || a.Estimate.Items != 1 || a.Estimate.Bytes != 3 {
				t.Errorf("copy without overwrite: %s %+v", a.Action, a.Estimate)
			}

			m.Overwrite = true
			p = h.Plan(cfg)
			want[0] = movertest.Finding{Code: "storage.overwrite", Severity: planner.SevWarning, Address: objAddr, Acknowledged: false}
			if d := cmp.Diff(want, movertest.Findings(p, info...)); d != "" {
				t.Errorf("findings with overwrite (-want +got):\n%s", d)
			}
			cp := movertest.ActionAt(t, p, objAddr)
			if cp.Action != planner.ActCopy || cp.Estimate.Items != 2 || !strings.Contains(string(cp.Params), `"overwrite":true`) {
				t.Errorf("copy with overwrite: %s %+v %s", cp.Action, cp.Estimate, cp.Params)
			}
			h.Apply(cfg)
			want2 := map[string]string{"a.txt": "the new content", "b.txt": "bee", "only-dst.txt": "mine"}
			if d := cmp.Diff(want2, movertest.Contents(t, dst, "data")); d != "" {
				t.Errorf("destination after apply (-want +got):\n%s", d)
			}

			h.Rollback(cfg)
			if d := cmp.Diff(before, movertest.Contents(t, dst, "data")); d != "" {
				t.Errorf("destination after rollback (-before +after):\n%s", d)
			}
			got, err := dst.Head(h.Ctx, "data", "a.txt")
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
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Buckets(t, dst, "data")
	movertest.Put(t, src, "data", providers.Object{Key: "a.txt", Metadata: map[string]string{"owner": "src"}}, "the new content")
	orig := providers.Object{Key: "a.txt", ModTime: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), ContentType: "text/x-old",
		CacheControl: "max-age=600", Metadata: map[string]string{"owner": "dst", "app-state": "42"}, Tags: map[string]string{"legal-hold": "yes"}}
	movertest.Put(t, dst, "data", orig, "old")
	before, err := dst.Head(h.Ctx, "data", "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	cfg := h.Config(m)
	h.Apply(cfg)
	h.Rollback(cfg)
	after, err := dst.Head(h.Ctx, "data", "a.txt")
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
	t.Parallel()
	tests := []struct {
		name    string
		sm      storage.Settings
		actions []movertest.Action // bucket actions only
		want    []movertest.Finding
		detail  string // the first finding's message must contain it
	}{
		{name: "include, exclude and rename",
			sm: storage.Settings{Include: []string{"app-*"}, Exclude: []string{"*-tmp"},
				Rename: map[string]string{"app-assets": "assets", "ghost-bucket": "ghost"}},
			actions: []movertest.Action{
				{Address: `move.storage.m.bucket["app-assets"]`, Action: planner.ActCreate, Phase: planner.PhasePrepare, DependsOn: []string{}, From: planner.Endpoint{Env: "cloud", Name: "app-assets"}, To: planner.Endpoint{Env: "dst", Name: "assets"}},
				{Address: `move.storage.m.bucket["app-logs"]`, Action: planner.ActCreate, Phase: planner.PhasePrepare, DependsOn: []string{}, From: planner.Endpoint{Env: "cloud", Name: "app-logs"}, To: planner.Endpoint{Env: "dst", Name: "app-logs"}},
			},
			want:   []movertest.Finding{{Code: "storage.rename_unused", Severity: planner.SevWarning, Address: "move.storage.m", Acknowledged: false}},
			detail: `"ghost-bucket"`},
		{name: "two buckets renamed to one name",
			sm: storage.Settings{Include: []string{"app-*"}, Exclude: []string{"*-tmp"}, Rename: map[string]string{"app-assets": "app-logs"}},
			actions: []movertest.Action{
				{Address: `move.storage.m.bucket["app-assets"]`, Action: planner.ActCreate, Phase: planner.PhasePrepare, DependsOn: []string{}, From: planner.Endpoint{Env: "cloud", Name: "app-assets"}, To: planner.Endpoint{Env: "dst", Name: "app-logs"}},
			},
			want:   []movertest.Finding{{Code: "storage.name_collision", Severity: planner.SevBlocker, Address: `move.storage.m.bucket["app-logs"]`, Acknowledged: false}},
			detail: `"app-assets" and "app-logs" would both become "app-logs"`},
		{name: "nothing matches",
			sm:     storage.Settings{Include: []string{"nothing-*"}},
			want:   []movertest.Finding{{Code: "storage.no_match", Severity: planner.SevWarning, Address: "move.storage.m", Acknowledged: false}},
			detail: "nothing-*"},
		{name: "exclude everything",
			sm:     storage.Settings{Exclude: []string{"*"}},
			want:   []movertest.Finding{{Code: "storage.no_match", Severity: planner.SevWarning, Address: "move.storage.m", Acknowledged: false}},
			detail: "exclude [*]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := movertest.New(t)
			src := h.Mem("cloud")
			h.Mem("dst")
			movertest.Buckets(t, src, "app-assets", "app-logs", "app-tmp", "other-data")
			for _, b := range []string{"app-assets", "app-logs", "app-tmp", "other-data"} {
				movertest.Put(t, src, b, providers.Object{Key: "k"}, b)
			}
			sm := tt.sm
			p := h.Plan(h.Config(btStorageMove("m", "cloud", "dst", &sm)))
			var got []movertest.Action
			for _, a := range movertest.Actions(p) {
				if strings.Contains(a.Address, ".bucket[") {
					got = append(got, a)
				}
			}
			if d := cmp.Diff(tt.actions, got); d != "" {
				t.Errorf("bucket actions (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.want, movertest.Findings(p)); d != "" {
				t.Fatalf("findings (-want +got):\n%s", d)
			}
			if !strings.Contains(p.Audit[0].Message, tt.detail) {
				t.Errorf("message %q does not contain %q", p.Audit[0].Message, tt.detail)
			}
			// Every selected bucket gets bucket, copy and cutover actions
			// reading the source bucket and writing the renamed one.
			for _, a := range p.Actions {
				if a.Type == "objects" && (!strings.Contains(string(a.Params), fmt.Sprintf(`"src_bucket":%q`, a.From.Name)) ||
					!strings.Contains(string(a.Params), fmt.Sprintf(`"dst_bucket":%q`, a.To.Name))) {
					t.Errorf("%s params %v do not match %v -> %v", a.Address, a.Params, a.From, a.To)
				}
			}
			if n := len(p.Actions); n != 3*len(tt.actions) {
				t.Errorf("%d actions for %d buckets", n, len(tt.actions))
			}
		})
	}
}

// TestBuildResumeWithoutRewrite: an apply cancelled part-way records its
// action as failed and every finished object as done; the next apply
// writes only what is missing and never rewrites a recorded object.
func TestBuildResumeWithoutRewrite(t *testing.T) {
	t.Parallel()
	const (
		total       = 500
		parallelism = 4
		objAddr     = `move.storage.bulk.objects["bulk"]`
	)
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst := h.Mem("dst")
	movertest.Buckets(t, src, "bulk")
	for i := 0; i < total; i++ {
		movertest.Put(t, src, "bulk", providers.Object{Key: fmt.Sprintf("obj/%04d", i)}, fmt.Sprintf("body %d", i))
	}
	cfg := h.Config(btStorageMove("bulk", "cloud", "dst", nil))

	// First run: cancel once ~100 objects are written.
	s := h.Open(cfg, "apply")
	p, err := s.Plan(h.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := movertest.ActionAt(t, p, objAddr); a.Estimate.Items != total {
		t.Fatalf("first plan copies %d objects", a.Estimate.Items)
	}
	ctx, cancel := context.WithCancel(h.Ctx)
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
	recs, err := planner.LoadRecords[storage.ObjectRecord](h.Ctx, s.Progress, storage.Scope("move.storage.bulk", "bulk", "memory:dst", "bulk"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	written := h.Store.Writes("dst")
	var done []string
	for k, r := range recs {
		if r.State == storage.ItemDone {
			done = append(done, k)
		}
	}
	slices.Sort(done)
	present := int64(len(movertest.Contents(t, dst, "bulk")))
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
		if n := h.Store.KeyWrites("dst", "bulk", k); n != 1 {
			t.Fatalf("%s recorded done but written %d times", k, n)
		}
	}

	// Second run: only what is missing.
	p2 := h.Plan(cfg)
	if a := movertest.ActionAt(t, p2, objAddr); a.Action != planner.ActCopy || a.Estimate.Items != total-present {
		t.Errorf("resumed plan copies %d objects, want %d", a.Estimate.Items, total-present)
	}
	h.Apply(cfg)
	final := h.Store.Writes("dst")
	if final > total+2*parallelism {
		t.Errorf("%d writes in all; want at most %d", final, total+2*parallelism)
	}
	for _, k := range done {
		if n := h.Store.KeyWrites("dst", "bulk", k); n != 1 {
			t.Errorf("%s was recorded done before the second run and written again (%d writes)", k, n)
		}
	}
	got := movertest.Contents(t, dst, "bulk")
	if len(got) != total {
		t.Errorf("%d objects at the destination, want %d", len(got), total)
	}
	for i := 0; i < total; i++ {
		k := fmt.Sprintf("obj/%04d", i)
		if got[k] != fmt.Sprintf("body %d", i) {
			t.Errorf("%s = %q", k, got[k])
		}
		if n := h.Store.KeyWrites("dst", "bulk", k); n < 1 || n > 2 {
			t.Errorf("%s written %d times", k, n)
		}
	}
	if final != total {
		t.Logf("%d objects were rewritten on resume", final-total)
	}
	s = h.Open(cfg, "plan")
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

// TestPruneStorage: an object rehome copied and that is then deleted at the
// source is removed from the destination by the next copy (shown in the
// plan as a removal); a foreign destination-only object is never touched.
func TestPruneStorage(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Buckets(t, dst, "data")
	movertest.Put(t, src, "data", providers.Object{Key: "keep.txt"}, "keep")
	movertest.Put(t, src, "data", providers.Object{Key: "gone.txt"}, "gone")
	movertest.Put(t, dst, "data", providers.Object{Key: "foreign.txt"}, "mine")
	cfg := h.Config(btStorageMove("data", "cloud", "dst", nil))
	h.Apply(cfg)

	if err := src.Delete(h.Ctx, "data", "gone.txt"); err != nil {
		t.Fatal(err)
	}
	p := h.Plan(cfg)
	cp := movertest.ActionAt(t, p, `move.storage.data.objects["data"]`)
	if cp.Action != "copy" || cp.Estimate.Removals != 1 || cp.Estimate.Items != 0 {
		t.Fatalf("copy after a source deletion = %s %+v (%s); want a copy with 1 removal", cp.Action, cp.Estimate, cp.Reason)
	}
	h.Apply(cfg)
	if d := cmp.Diff(map[string]string{"keep.txt": "keep", "foreign.txt": "mine"}, movertest.Contents(t, dst, "data")); d != "" {
		t.Fatalf("destination after the pruning copy (-want +got):\n%s", d)
	}
	if again := h.Plan(cfg); again.Summary.Changes != 0 {
		t.Fatalf("re-plan after pruning has %d changes", again.Summary.Changes)
	}
	h.Rollback(cfg)
	if d := cmp.Diff(map[string]string{"foreign.txt": "mine"}, movertest.Contents(t, dst, "data")); d != "" {
		t.Fatalf("destination after rollback (-want +got):\n%s", d)
	}
}

// TestRetargetedMoveTreatsNewPlaceAsForeign: after an apply, pointing the
// move at another destination bucket (a new rename) must not carry rehome's
// ownership over: the new bucket's objects are foreign (conflicts, never
// removals), and rollback undoes both places correctly.
func TestRetargetedMoveTreatsNewPlaceAsForeign(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Put(t, src, "data", movertest.Obj("a.txt"), "new a")
	movertest.Put(t, src, "data", movertest.Obj("old.txt"), "old")
	move := func(to string) *lang.Move {
		return btStorageMove("data", "cloud", "dst", &storage.Settings{Rename: map[string]string{"data": to}, Verify: "checksum"})
	}
	h.Apply(h.Config(move("data-one")))

	if err := src.Delete(h.Ctx, "data", "old.txt"); err != nil {
		t.Fatal(err)
	}
	movertest.Buckets(t, dst, "data-two")
	movertest.Put(t, dst, "data-two", movertest.Obj("a.txt"), "foreign a")
	movertest.Put(t, dst, "data-two", movertest.Obj("old.txt"), "foreign old")

	cfg := h.Config(move("data-two"))
	p := h.Plan(cfg)
	bucket := movertest.ActionAt(t, p, `move.storage.data.bucket["data"]`)
	if bucket.Reason != "already exists at the destination" {
		t.Errorf("bucket data-two: %q, want it seen as foreign", bucket.Reason)
	}
	cp := movertest.ActionAt(t, p, `move.storage.data.objects["data"]`)
	if cp.Estimate.Removals != 0 {
		t.Errorf("the retargeted copy removes %d objects from a bucket rehome never wrote", cp.Estimate.Removals)
	}
	if f := movertest.FindingByCode(t, p, "storage.dest_conflict"); f.Acknowledged {
		t.Errorf("conflict finding unexpectedly acknowledged")
	}

	h.Rollback(cfg)
	if d := cmp.Diff(map[string]string{"a.txt": "foreign a", "old.txt": "foreign old"}, movertest.Contents(t, dst, "data-two")); d != "" {
		t.Errorf("rollback touched the foreign bucket (-want +got):\n%s", d)
	}
	bs, err := dst.Buckets(h.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Name != "data-two" {
		t.Errorf("after rollback the destination has buckets %v; want only the foreign data-two (data-one removed)", bs)
	}
}

// TestUntouchedStaysForeign: an identical foreign object that rehome left
// alone (recorded Untouched) remains foreign: when the source changes and
// overwrite is off, it is a conflict, and with overwrite on it is backed up
// and restored by rollback.
func TestUntouchedStaysForeign(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Buckets(t, dst, "data")
	movertest.Put(t, src, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0}, "same")
	movertest.Put(t, dst, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0.Add(time.Hour)}, "same")
	m := btStorageMove("data", "cloud", "dst", nil)
	m.Overwrite = true
	h.Apply(h.Config(m))
	if n := h.Store.KeyWrites("dst", "data", "a.txt"); n != 1 {
		t.Fatalf("identical foreign object written %d times; want only the seed write", n)
	}

	movertest.Put(t, src, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0.Add(2 * time.Hour)}, "changed at the source")
	m.Overwrite = false
	p := h.Plan(h.Config(m))
	movertest.FindingByCode(t, p, "storage.dest_conflict")
	if err := h.ApplyErr(h.Config(m)); err == nil {
		t.Fatal("apply replaced a foreign object with overwrite off")
	}

	m.Overwrite = true
	h.Apply(h.Config(m))
	if got := movertest.Contents(t, dst, "data")["a.txt"]; got != "changed at the source" {
		t.Fatalf("with overwrite on, a.txt = %q", got)
	}
	h.Rollback(h.Config(m))
	if got := movertest.Contents(t, dst, "data")["a.txt"]; got != "same" {
		t.Fatalf("rollback restored a.txt = %q, want the foreign original", got)
	}
}

// TestChecksumModeComparesForeignContent: a foreign object with the
// source's size and modification time but other bytes is not "in place"
// when verify = "checksum" (it is a conflict); verify = "size" accepts it,
// as its name says.
func TestChecksumModeComparesForeignContent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		verify       string
		wantConflict bool
	}{{"checksum", true}, {"size", false}} {
		t.Run(tt.verify, func(t *testing.T) {
			// A local destination lists no checksums, so only size and
			// time are known without reading.
			h := movertest.New(t)
			src, dst := h.Mem("cloud"), h.Local("dst")
			movertest.Buckets(t, src, "data")
			movertest.Buckets(t, dst, "data")
			movertest.Put(t, src, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0}, "hello")
			movertest.Put(t, dst, "data", providers.Object{Key: "a.txt", ModTime: movertest.T0}, "HELLO")
			p := h.Plan(h.Config(btStorageMove("data", "cloud", "dst", &storage.Settings{Verify: tt.verify})))
			conflict := false
			for _, f := range p.Audit {
				conflict = conflict || f.Code == "storage.dest_conflict"
			}
			if conflict != tt.wantConflict {
				t.Fatalf("verify=%s: conflict=%v, want %v (findings %v)", tt.verify, conflict, tt.wantConflict, movertest.Findings(p))
			}
		})
	}
}

// TestChangedDestinationObjectIsForeign: an object rehome wrote and
// someone changed at the destination since is theirs: a conflict for the
// next copy, and kept (not deleted) by rollback.
func TestChangedDestinationObjectIsForeign(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Put(t, src, "data", movertest.Obj("a.txt"), "hello")
	movertest.Put(t, src, "data", movertest.Obj("b.txt"), "world")
	cfg := h.Config(btStorageMove("data", "cloud", "dst", nil))
	h.Apply(cfg)
	h.Store.SetClock(func() time.Time { return movertest.T0.Add(48 * time.Hour) })
	movertest.Put(t, dst, "data", movertest.Obj("a.txt"), "HELLO") // same size, other bytes

	p := h.Plan(cfg)
	movertest.FindingByCode(t, p, "storage.dest_conflict")
	rollbackKeepsBucket(t, h, cfg)
	got := movertest.Contents(t, dst, "data")
	if d := cmp.Diff(map[string]string{"a.txt": "HELLO"}, got); d != "" {
		t.Fatalf("rollback (-want +got):\n%s", d)
	}
}

// TestPendingIntentDoesNotClaim: keys an interrupted apply recorded an
// intent for but never wrote are not rehome's: a foreign object put there
// is a conflict, and rollback leaves it.
func TestPendingIntentDoesNotClaim(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src := h.Mem("cloud")
	dst := h.Mem("dst")
	movertest.Buckets(t, src, "bulk")
	const total = 300
	for i := 0; i < total; i++ {
		movertest.Put(t, src, "bulk", movertest.Obj(fmt.Sprintf("k%04d", i)), fmt.Sprintf("body %d", i))
	}
	cfg := h.Config(btStorageMove("bulk", "cloud", "dst", nil))
	s := h.Open(cfg, "apply")
	p, err := s.Plan(h.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(h.Ctx)
	defer cancel()
	var once sync.Once
	sink := exec.SinkFunc(func(e exec.Event) {
		if e.Type == exec.EvProgress && e.Done >= 30 {
			once.Do(cancel)
		}
	})
	if _, err := s.Apply(ctx, p, engine.RunOptions{Parallelism: 2, Sink: sink}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Find a key with no object yet: its intent is pending.
	var key string
	for i := total - 1; i >= 0; i-- {
		k := fmt.Sprintf("k%04d", i)
		if _, err := dst.Head(h.Ctx, "bulk", k); err != nil {
			key = k
			break
		}
	}
	if key == "" {
		t.Fatal("the cancelled apply wrote everything")
	}
	movertest.Put(t, dst, "bulk", movertest.Obj(key), "FOREIGN")
	p = h.Plan(cfg)
	f := movertest.FindingByCode(t, p, "storage.dest_conflict")
	if !strings.Contains(f.Message, key) {
		t.Fatalf("conflict finding does not name %s: %s", key, f.Message)
	}
	rollbackKeepsBucket(t, h, cfg)
	if got := movertest.Contents(t, dst, "bulk"); len(got) != 1 || got[key] != "FOREIGN" {
		t.Fatalf("after rollback the destination holds %d objects (%s=%q); want only the foreign one", len(got), key, got[key])
	}
}

// rollbackKeepsBucket rolls back where a foreign object remains in a bucket
// rehome created: everything else is undone, and the bucket is kept with a
// clear error.
func rollbackKeepsBucket(t *testing.T, h *movertest.Harness, cfg *lang.Config) {
	t.Helper()
	s := h.Open(cfg, "rollback")
	defer s.Close()
	rep, err := s.Rollback(h.Ctx, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "holds objects rehome did not write") {
		t.Fatalf("rollback = %v, want it to keep the bucket holding a foreign object", rep.Err())
	}
}

// TestSameEnvironmentNameElsewhere: an environment keeps its name but is
// pointed at another place: what is there is foreign (a conflict, never a
// removal), and rollback refuses to act on the new place for steps applied
// at the old one, saying where each is.
func TestSameEnvironmentNameElsewhere(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	src, dst := h.Mem("cloud"), h.Mem("dst")
	movertest.Buckets(t, src, "data")
	movertest.Put(t, src, "data", movertest.Obj("a.txt"), "from the source")
	cfg := h.Config(btStorageMove("data", "cloud", "dst", nil))
	h.Apply(cfg)

	other := h.Store.Env("other-place")
	movertest.Buckets(t, other, "data")
	movertest.Put(t, other, "data", movertest.Obj("a.txt"), "someone else's")
	h.Envs["dst"].Value = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("other-place")})

	p := h.Plan(cfg)
	movertest.FindingByCode(t, p, "storage.dest_conflict")
	if b := movertest.ActionAt(t, p, `move.storage.data.bucket["data"]`); b.Reason != "already exists at the destination" {
		t.Errorf("the bucket at the other place: %q, want it foreign", b.Reason)
	}
	s := h.Open(cfg, "rollback")
	rep, err := s.Rollback(h.Ctx, engine.RunOptions{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() == nil || !strings.Contains(rep.Err().Error(), "now points at memory:other-place") {
		t.Fatalf("rollback with the environment pointed elsewhere = %v; want a refusal naming both places", rep.Err())
	}
	if got := movertest.Contents(t, other, "data")["a.txt"]; got != "someone else's" {
		t.Fatalf("rollback touched the other place: a.txt = %q", got)
	}
	// Pointed back, rollback undoes the original place.
	h.Envs["dst"].Value = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("dst")})
	h.Rollback(cfg)
	if bs, _ := dst.Buckets(h.Ctx); len(bs) != 0 {
		t.Fatalf("after rollback at the original place %d buckets remain", len(bs))
	}
}
