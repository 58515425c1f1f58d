package movers_test

// A kind of move defined in this file alone — key-value pairs kept as small
// objects in a bucket "kv-pairs" of any object store — registered with one line
// and driven through the shared path: the language decodes its move block,
// the planner plans it, the executor applies it, resumes it after a crash
// and rolls it back. If adding a kind ever needs an edit outside its own
// package, this test stops compiling or passing.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/storage"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

const kvBucket = "kv-pairs"

// kv is the toy kind. crashAfter, when above zero, makes Apply stop dead
// (as kill -9 would) after that many writes.
type kv struct{ crashAfter *atomic.Int64 }

type kvSettings struct{ Keys []string }

// kvRecord is what rehome keeps per pair at the destination.
type kvRecord struct {
	State   string  `json:"state"` // writing, done
	Prev    *string `json:"prev"`  // the value before rehome, nil when absent
	Written string  `json:"written"`
}

type kvParams struct {
	Overwrite bool `json:"overwrite"`
}

var _ movers.Mover = kv{}

func (kv) Kind() providers.Kind                    { return "kv" }
func (kv) Description() string                     { return "key-value pairs (a test kind)" }
func (kv) Features(c providers.Caps) string        { return "pairs as objects" }
func (kv) Unit() string                            { return "pairs" }
func (kv) UndoStep(g exec.UndoGroup) exec.UndoStep { return exec.DefaultUndoStep(g) }

func (kv) MoveSchema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{{Name: "keys", Type: cty.List(cty.String)}}}
}

func (kv) DecodeMove(a *lang.MoveArgs) any { return &kvSettings{Keys: a.Globs("keys")} }

func kvScope(move, dstID string) string { return "kv/" + move + "/" + dstID }

// pairs reads an environment's pairs.
func pairs(ctx context.Context, s providers.Storage) (map[string]string, error) {
	out := map[string]string{}
	for o, err := range s.Objects(ctx, kvBucket) {
		if errors.Is(err, providers.ErrNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		rc, _, err := s.Get(ctx, kvBucket, o.Key)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out[o.Key] = string(b)
	}
	return out, nil
}

// kvDiff lists the keys to write: missing or different at the
// destination, where what stands there is rehome's or overwrite is on.
func kvDiff(src, dst map[string]string, recs map[string]kvRecord, keys []string, overwrite bool) (write, conflicts []string) {
	for k, v := range src {
		if !planner.MatchNames(k, keys, nil) {
			continue
		}
		cur, there := dst[k]
		r, has := recs[k]
		switch {
		case there && cur == v:
		case !there || overwrite || (has && cur == r.Written):
			write = append(write, k)
		default:
			conflicts = append(conflicts, k)
		}
	}
	sort.Strings(write)
	sort.Strings(conflicts)
	return write, conflicts
}

func (kv) Plan(ctx context.Context, mc *planner.MoveContext) error {
	ss, ds, err := planner.Capabilities[providers.Storage](mc.From, mc.To, "object storage")
	if err != nil {
		return err
	}
	src, err := pairs(ctx, ss)
	if err != nil {
		return err
	}
	dst, err := pairs(ctx, ds)
	if err != nil {
		return err
	}
	scope := kvScope(mc.Move.Addr(), mc.To.ID())
	recs, err := planner.LoadRecords[kvRecord](ctx, mc.Progress(), scope)
	if err != nil {
		return err
	}
	write, conflicts := kvDiff(src, dst, recs, mc.Move.Settings.(*kvSettings).Keys, mc.Move.Overwrite)
	for _, k := range conflicts {
		mc.Finding(planner.SevBlocker, mc.Addr("pairs", ""), "kv.conflict", k, fmt.Sprintf("pair %q differs at %s", k, mc.Move.To), "set overwrite")
	}
	a := planner.Action{Address: mc.Addr("pairs", ""), Type: "pairs", Action: planner.ActNoop, Phase: planner.PhasePrepare,
		From: planner.Endpoint{Env: mc.Move.From}, To: planner.Endpoint{Env: mc.Move.To}, Scope: scope,
		Params: planner.EncodeParams(kvParams{Overwrite: mc.Move.Overwrite}), Items: write,
		Check: "every pair equals the source's", Undo: "delete the pairs rehome wrote, restore those it replaced"}
	if len(write) > 0 {
		a.Action, a.Estimate = planner.ActCopy, planner.Estimate{Items: int64(len(write))}
	}
	mc.Add(a)
	return nil
}

func (k kv) Apply(ctx context.Context, r *exec.Run) (state.Result, error) {
	var p kvParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	srcEnv, dstEnv, err := r.Sides()
	if err != nil {
		return state.Result{}, err
	}
	ss, ds, err := planner.Capabilities[providers.Storage](srcEnv, dstEnv, "object storage")
	if err != nil {
		return state.Result{}, err
	}
	if err := ds.CreateBucket(ctx, providers.Bucket{Name: kvBucket}); err != nil && !errors.Is(err, providers.ErrExists) {
		return state.Result{}, err
	}
	src, err := pairs(ctx, ss)
	if err != nil {
		return state.Result{}, err
	}
	dst, err := pairs(ctx, ds)
	if err != nil {
		return state.Result{}, err
	}
	scope := r.Action.Scope
	recs, err := planner.LoadRecords[kvRecord](ctx, r.Records(), scope)
	if err != nil {
		return state.Result{}, err
	}
	write, _ := kvDiff(src, dst, recs, r.Action.Items, p.Overwrite)
	var res state.Result
	res.AlreadyDone = int64(len(r.Action.Items) - len(write))
	for _, key := range write {
		rec, has := recs[key]
		if !has { // the first pre-image is kept
			rec = kvRecord{}
			if v, there := dst[key]; there {
				rec.Prev = &v
			}
		}
		rec.State, rec.Written = "writing", src[key]
		if err := r.Records().Put(ctx, scope, key, rec); err != nil {
			return res, err
		}
		body := src[key]
		if _, err := ds.Put(ctx, kvBucket, providers.Object{Key: key, Size: int64(len(body))}, strings.NewReader(body)); err != nil {
			return res, err
		}
		rec.State = "done"
		if err := r.Records().Put(ctx, scope, key, rec); err != nil {
			return res, err
		}
		res.Copied++
		if k.crashAfter != nil && k.crashAfter.Add(-1) == 0 {
			runtime.Goexit() // the process dies here: no journal end, no more writes
		}
	}
	return res, nil
}

func (kv) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	dstEnv, err := u.Dest()
	if err != nil {
		return state.Result{}, err
	}
	ds, err := planner.Capability[providers.Storage](dstEnv, "object storage")
	if err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[kvRecord](ctx, u.Records(), u.Undo().Scope)
	if err != nil {
		return state.Result{}, err
	}
	cur, err := pairs(ctx, ds)
	if err != nil {
		return state.Result{}, err
	}
	var res state.Result
	for key, rec := range recs {
		if v, there := cur[key]; !there || v != rec.Written {
			continue // changed since rehome wrote it: theirs
		}
		if rec.Prev == nil {
			if err := ds.Delete(ctx, kvBucket, key); err != nil {
				return res, err
			}
			res.Deleted++
			continue
		}
		if _, err := ds.Put(ctx, kvBucket, providers.Object{Key: key, Size: int64(len(*rec.Prev))}, strings.NewReader(*rec.Prev)); err != nil {
			return res, err
		}
		res.Restored++
	}
	return res, nil
}

func TestToyKindPlansAppliesResumesAndRollsBack(t *testing.T) {
	t.Parallel()
	h := movertest.New(t)
	crash := &atomic.Int64{}
	h.Kinds = movers.NewRegistry(storage.New(), kv{crashAfter: crash}) // the one registry line
	f := h.Store.Factory()
	f.Caps.Kinds["kv"] = providers.Source | providers.Destination
	h.Reg = providers.NewRegistry(f)

	src, dst := h.Store.Env("old"), h.Store.Env("new")
	movertest.Buckets(t, src, kvBucket)
	movertest.Buckets(t, dst, kvBucket)
	want := map[string]string{}
	for i := range 6 {
		k := fmt.Sprintf("key-%d", i)
		want[k] = fmt.Sprintf("value %d", i)
		movertest.Put(t, src, kvBucket, movertest.Obj(k), want[k])
	}
	movertest.Put(t, src, kvBucket, movertest.Obj("other"), "not selected")
	movertest.Put(t, dst, kvBucket, movertest.Obj("key-0"), "theirs")
	before := movertest.Contents(t, dst, kvBucket)

	// The language decodes the kind's block against its schema.
	hcl := `migration "toy" {}
environment "old" {
  provider = "memory"
  name     = "old"
}
environment "new" {
  provider = "memory"
  name     = "new"
}
move "kv" "settings" {
  from      = environment.old
  to        = environment.new
  keys      = ["key-*"]
  overwrite = true
}
`
	if err := os.WriteFile(filepath.Join(h.Dir, "main.hcl"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(h.Dir, lang.Options{Registry: h.Reg, Kinds: h.Kinds})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	if d := cmp.Diff(&kvSettings{Keys: []string{"key-*"}}, cfg.Moves[0].Settings); d != "" {
		t.Fatalf("settings (-want +got):\n%s", d)
	}

	p := h.Plan(cfg)
	a := movertest.ActionAt(t, p, "move.kv.settings.pairs")
	if a.Action != planner.ActCopy || a.Estimate.Items != 6 || a.Estimate.Unit != "pairs" || p.Summary.Items["pairs"] != 6 {
		t.Fatalf("plan: %s %+v, summary %v; want a copy of 6 pairs", a.Action, a.Estimate, p.Summary.Items)
	}

	// The first apply dies after three writes, its journal entry begun.
	crash.Store(3)
	s := h.Open(cfg, "apply")
	first, err := s.Plan(h.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(h.Ctx, first, engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	begun := s.State().Unfinished()
	s.Close()
	if len(begun) != 1 || begun[0].Address != "move.kv.settings.pairs" {
		t.Fatalf("after the crash, begun entries %+v; want the pairs action", begun)
	}
	// The next apply resumes: the rest is written, nothing twice.
	p = h.Apply(cfg)
	if a := movertest.ActionAt(t, p, "move.kv.settings.pairs"); a.Estimate.Items != 3 {
		t.Errorf("the resumed plan copies %d pairs, want the 3 left", a.Estimate.Items)
	}
	for k := range want {
		n := h.Store.KeyWrites("new", kvBucket, k)
		if k == "key-0" {
			n-- // the foreign value the test put there
		}
		if n != 1 {
			t.Errorf("%s written %d times by rehome, want once", k, n)
		}
	}
	got := movertest.Contents(t, dst, kvBucket)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("destination after apply (-want +got):\n%s", d)
	}
	s = h.Open(cfg, "plan")
	f2 := s.State()
	s.Close()
	if len(f2.Unfinished()) != 0 || !strings.Contains(f2.Entry(begun[0].Seq).Result.Error, "completed by entry") {
		t.Errorf("the crashed entry is %+v; want it closed by the resumed run", f2.Entry(begun[0].Seq))
	}
	if again := h.Plan(cfg); again.Summary.Changes != 0 {
		t.Errorf("re-plan after apply has %d changes", again.Summary.Changes)
	}

	// Rollback goes through the kind's undo: created pairs deleted, the
	// replaced one restored.
	h.Rollback(cfg)
	if d := cmp.Diff(before, movertest.Contents(t, dst, kvBucket)); d != "" {
		t.Errorf("destination after rollback (-want +got):\n%s", d)
	}
	if full := h.Plan(cfg); full.Summary.Items["pairs"] != 6 {
		t.Errorf("after rollback the plan copies %d pairs, want all 6 again", full.Summary.Items["pairs"])
	}
	if !bytes.Equal([]byte(movertest.Contents(t, src, kvBucket)["other"]), []byte("not selected")) {
		t.Error("the source changed")
	}
}
