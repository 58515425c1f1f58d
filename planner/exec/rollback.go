package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// undoGroup is the set of journal entries one undo step reverses: entries
// sharing a progress scope (a copy and its cutover sync) are undone once.
type undoGroup struct {
	key     string
	entries []state.Entry // newest first
}

// undoGroups collects the entries a rollback reverses (applied or cut
// over, not yet undone), newest first, grouped so that entries sharing a
// progress scope are undone once; others group by address and destination
// (a bucket renamed between applies is two buckets to undo).
func undoGroups(f *state.File) []*undoGroup {
	var es []state.Entry
	for _, e := range f.Journal {
		if (e.Op == "apply" || e.Op == "cutover") && e.Status != state.Undone {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Seq > es[j].Seq })
	var groups []*undoGroup
	byKey := map[string]*undoGroup{}
	for _, e := range es {
		k := e.Address + "\x00" + e.Undo.Params["to_id"] + "\x00" + e.Undo.Params["to"]
		if s := e.Undo.Params["scope"]; s != "" {
			k = s
		}
		g, ok := byKey[k]
		if !ok {
			g = &undoGroup{key: k}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.entries = append(g.entries, e)
	}
	return groups
}

// address names the group for people: the entry's own address, or for a
// group of several (a copy and its cutover sync; a move's secrets) the
// thing undone as a whole.
func (g *undoGroup) address() string {
	e := g.entries[0]
	p := e.Undo.Params
	switch p["kind"] + "/" + p["type"] {
	case "storage/objects":
		return fmt.Sprintf("%s.objects[%q]", p["move"], p["src_bucket"])
	case "dns/records":
		return fmt.Sprintf("%s.records[%q]", p["move"], p["zone"])
	case "secrets/secret", "secrets/secrets":
		return p["move"] + ".secrets"
	}
	return e.Address
}

// description says what undoing the group does.
func (g *undoGroup) description() string {
	e := g.entries[0]
	p := e.Undo.Params
	if k := p["kind"] + "/" + p["type"]; k == "secrets/secret" || k == "secrets/secrets" {
		return fmt.Sprintf("delete the secrets rehome created at %s, and restore earlier versions of those it replaced where the store keeps them", p["to_env"])
	}
	return e.Undo.Description
}

// UndoStep is one step a rollback would take, for showing before it runs.
type UndoStep struct {
	Address     string
	Description string
}

// RollbackSteps lists, newest first, the steps Rollback would take.
func RollbackSteps(f *state.File) []UndoStep {
	var out []UndoStep
	for _, g := range undoGroups(f) {
		out = append(out, UndoStep{Address: g.address(), Description: g.description()})
	}
	return out
}

// Rollback undoes every applied action newest first. It is journaled
// itself and can be re-run after an interruption: each undo step is
// idempotent and entries are marked undone only after their step succeeds.
func (x *Executor) Rollback(ctx context.Context) *Report {
	rep := &Report{}
	f := x.o.Journal.Snapshot()
	groups := undoGroups(&f)
	for _, g := range groups {
		if ctx.Err() != nil {
			rep.Errors = append(rep.Errors, fmt.Errorf("interrupted: %w", ctx.Err()))
			break
		}
		rep.Actions++
		res, err := x.undoGroup(ctx, g)
		rep.Deleted += res.Deleted
		rep.Restored += res.Restored
		if err != nil {
			rep.Failed++
			rep.Errors = append(rep.Errors, fmt.Errorf("undo %s: %w", g.address(), err))
		}
	}
	if len(rep.Errors) == 0 {
		if err := x.forgetAll(ctx); err != nil {
			rep.Errors = append(rep.Errors, err)
		}
	}
	x.o.Sink.Event(Event{Type: EvSummary, Op: "rollback", Actions: rep.Actions, Failed: rep.Failed,
		Deleted: rep.Deleted, Restored: rep.Restored})
	return rep
}

func (x *Executor) undoGroup(ctx context.Context, g *undoGroup) (state.Result, error) {
	e := g.entries[0]
	addr := g.address()
	seq, err := x.o.Journal.Begin(ctx, "rollback", addr, "undo", e.Phase,
		state.Undo{Description: "undo: " + g.description()})
	if err != nil {
		return state.Result{}, fmt.Errorf("journal begin: %w", err)
	}
	x.o.Sink.Event(Event{Type: EvActionStart, Op: "rollback", Address: addr, Action: "undo", Message: g.description()})
	u := &undoer{x: x, p: e.Undo.Params, addr: e.Address, entries: g.entries}
	x.o.Log.Debug("undo begin", "address", e.Address, "entries", len(g.entries), "seq", seq)
	res, err := u.run(ctx)
	x.o.Log.Debug("undo end", "address", e.Address, "deleted", res.Deleted, "restored", res.Restored, "error", err)
	endCtx := context.WithoutCancel(ctx)
	status := state.Done
	if err != nil {
		status = state.Failed
		res.Error = err.Error()
	}
	if jerr := x.o.Journal.End(endCtx, seq, status, res); jerr != nil {
		return res, errors.Join(err, jerr)
	}
	if err != nil {
		x.o.Sink.Event(Event{Type: EvActionFail, Op: "rollback", Address: addr, Action: "undo", Error: err.Error()})
		return res, err
	}
	// The group's per-item records describe what is now undone: drop them,
	// so a later plan does not take items at those keys for rehome's.
	if sc := e.Undo.Params["scope"]; sc != "" {
		if err := errors.Join(x.o.Progress.DeleteScope(endCtx, sc), x.o.Store.RemoveBackups(endCtx, sc)); err != nil {
			return res, err
		}
	}
	err = x.o.Journal.Update(endCtx, func(f *state.File) {
		// An earlier rollback of this group that a crash cut short is
		// completed by this one.
		for i := range f.Journal {
			fe := &f.Journal[i]
			if fe.Op == "rollback" && fe.Status == state.Begun && fe.Address == addr && fe.Seq != seq {
				fe.Status = state.Failed
				fe.Result.Error = fmt.Sprintf("interrupted; completed by entry %d", seq)
			}
		}
		for _, ge := range g.entries {
			if fe := f.Entry(ge.Seq); fe != nil {
				fe.Status = state.Undone
			}
			if r := f.FindResource(ge.Address); r != nil && r.Env == ge.Undo.Params["to_env"] && r.Name == ge.Undo.Params["to"] {
				f.RemoveResource(ge.Address)
			}
		}
		for _, addr := range u.resources(f) {
			f.RemoveResource(addr)
		}
	})
	x.o.Sink.Event(Event{Type: EvActionDone, Op: "rollback", Address: addr, Action: "undo",
		Deleted: res.Deleted, Restored: res.Restored, Message: u.note})
	return res, err
}

// forgetAll drops the progress records and backups once everything is undone.
func (x *Executor) forgetAll(ctx context.Context) error {
	scopes, err := x.o.Progress.Scopes(ctx)
	if err != nil {
		return err
	}
	for _, s := range scopes {
		if err := x.o.Progress.DeleteScope(ctx, s); err != nil {
			return err
		}
		if err := x.o.Store.RemoveBackups(ctx, s); err != nil {
			return err
		}
	}
	return x.o.Journal.Update(context.WithoutCancel(ctx), func(f *state.File) {
		f.Phase = ""
		f.Resources = nil
	})
}

type undoer struct {
	x       *Executor
	p       map[string]string
	addr    string
	entries []state.Entry // the group's entries, newest first
	note    string
}

// resources lists the state resources the undone step accounted for.
func (u *undoer) resources(f *state.File) []string {
	move := u.p["move"]
	var out []string
	for _, r := range f.Resources {
		if r.Env != u.p["to_env"] {
			continue
		}
		switch u.p["kind"] + "/" + u.p["type"] {
		case "storage/objects":
			if r.Address == fmt.Sprintf("%s.objects[%q]", move, u.p["src_bucket"]) {
				out = append(out, r.Address)
			}
		case "dns/records":
			if r.Address == fmt.Sprintf("%s.records[%q]", move, u.p["zone"]) {
				out = append(out, r.Address)
			}
		case "secrets/secret", "secrets/secrets":
			if strings.HasPrefix(r.Address, move+".secret[") {
				out = append(out, r.Address)
			}
		}
	}
	return out
}

// env returns the named environment of the step ("from_env"/"to_env"),
// checking it still points where the step was applied: rollback acts on
// the place it changed, or not at all.
func (u *undoer) env(name string) (*planner.Env, error) {
	e, ok := u.x.o.Envs[name]
	if !ok {
		return nil, fmt.Errorf("environment %q is not configured (rollback needs the configuration the apply used)", name)
	}
	want := ""
	switch name {
	case u.p["to_env"]:
		want = u.p["to_id"]
	case u.p["from_env"]:
		want = u.p["from_id"]
	}
	if want != "" && e.ID() != want {
		return nil, fmt.Errorf("environment %q now points at %s, but this step was applied at %s; "+
			"point it back to roll the step back, or forget the step with `rehome state rm %s`", name, e.ID(), want, u.addr)
	}
	return e, nil
}

func (u *undoer) run(ctx context.Context) (state.Result, error) {
	switch u.p["kind"] + "/" + u.p["type"] {
	case "storage/bucket":
		return u.bucket(ctx)
	case "storage/objects":
		return u.objects(ctx)
	case "dns/zone":
		return u.zone(ctx)
	case "dns/records":
		return u.records(ctx)
	case "dns/source_ttl":
		return u.ttl(ctx)
	case "secrets/secret", "secrets/secrets":
		return u.secrets(ctx)
	}
	return state.Result{}, fmt.Errorf("no undo handler for %s %s", u.p["kind"], u.p["type"])
}

// created reports whether rehome created the bucket or zone: a create
// entry of the group recorded it (Result.Created). A create a crash cut
// short proves nothing — the container may be someone else's made since —
// so it is kept (an empty bucket left behind beats someone's deleted).
func (u *undoer) created() bool {
	for _, e := range u.entries {
		if e.Action == "create" && e.Result.Created {
			return true
		}
	}
	return false
}

// interruptedCreate reports a create entry a crash left begun.
func (u *undoer) interruptedCreate() bool {
	for _, e := range u.entries {
		if e.Action == "create" && e.Status == state.Begun {
			return true
		}
	}
	return false
}

func (u *undoer) bucket(ctx context.Context) (state.Result, error) {
	if !u.created() {
		u.note = "bucket existed before rehome; kept"
		if u.interruptedCreate() {
			u.note = "kept: a crash interrupted rehome's create, so rehome cannot tell whether it made this bucket; delete it yourself if it is empty and unwanted"
		}
		return state.Result{}, nil
	}
	dst, err := u.env(u.p["to_env"])
	if err != nil {
		return state.Result{}, err
	}
	name := u.p["bucket"]
	err = dst.Storage().DeleteBucket(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, nil // gone already: an earlier, interrupted rollback deleted it
	}
	if errors.Is(err, providers.ErrNotEmpty) {
		return state.Result{}, fmt.Errorf("bucket %q at %s holds objects rehome did not write; left in place", name, u.p["to_env"])
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("delete bucket %q at %s: %w", name, u.p["to_env"], err)
	}
	return state.Result{Deleted: 1}, nil
}

func (u *undoer) objects(ctx context.Context) (state.Result, error) {
	dst, err := u.env(u.p["to_env"])
	if err != nil {
		return state.Result{}, err
	}
	scope, bucket := u.p["scope"], u.p["dst_bucket"]
	recs, err := planner.LoadRecords[planner.ObjectRecord](ctx, u.x.o.Progress, scope)
	if err != nil || len(recs) == 0 {
		return state.Result{}, err
	}
	// What is there now, to leave alone whatever changed since rehome.
	cur := map[string]providers.Object{}
	for o, err := range dst.Storage().Objects(ctx, bucket) {
		if errors.Is(err, providers.ErrNotFound) {
			break // the bucket is gone already
		}
		if err != nil {
			return state.Result{}, fmt.Errorf("list %s at %s: %w", bucket, u.p["to_env"], err)
		}
		cur[o.Key] = o
	}
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var res state.Result
	var kept, keptOriginals []string
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rec := recs[k]
		if rec.Untouched || !(rec.Created || rec.Backup) {
			continue // never rehome's
		}
		now, present := cur[k]
		// Is the object there rehome's? Its confirmed write still stands,
		// or — for a write never confirmed — it holds the source's content
		// (the write landed) or rehome's previous write.
		mine := !present
		if present {
			mine = rec.Unchanged(now) || rec.Landed(now, u.p["verify"] == "size")
			if !mine && rec.State != planner.ItemDone {
				// Unconfirmed: compare with the source's content, if the
				// source still is the version being written (or the record
				// predates versions); otherwise it cannot be proven.
				if mine, err = u.sourceContent(ctx, k, rec); err != nil {
					return res, err
				}
			}
		}
		switch {
		case !mine && rec.Backup:
			// Someone wrote the key after rehome replaced it (or rehome's
			// write never landed and the original still stands): keep it,
			// and keep the original's backup for the user to decide.
			if rec.State == planner.ItemDone || present && !isOriginal(now, rec) {
				keptOriginals = append(keptOriginals, k)
			}
		case !mine:
			kept = append(kept, k)
		case rec.Backup:
			rc, err := u.x.o.Store.OpenBackup(ctx, scope, k)
			if errors.Is(err, os.ErrNotExist) {
				continue // interrupted before the backup, so before the write
			}
			if err != nil {
				return res, fmt.Errorf("restore %s/%s: open backup: %w", bucket, k, err)
			}
			_, err = dst.Storage().Put(ctx, bucket, providers.Object{Key: k, Size: -1,
				ModTime: time.Unix(0, rec.PrevModTime).UTC(), ContentType: rec.PrevContentType,
				CacheControl: rec.PrevCacheControl, Metadata: rec.PrevMetadata, Tags: rec.PrevTags}, rc)
			rc.Close()
			if err != nil {
				return res, fmt.Errorf("restore %s/%s: %w", bucket, k, err)
			}
			res.Restored++
		case present:
			if err := dst.Storage().Delete(ctx, bucket, k); err != nil && !errors.Is(err, providers.ErrNotFound) {
				return res, fmt.Errorf("delete %s/%s: %w", bucket, k, err)
			}
			res.Deleted++
		}
	}
	if len(kept) > 0 {
		u.note = fmt.Sprintf("kept %d object(s) changed at %s since rehome wrote them: %v", len(kept), u.p["to_env"], head(kept, 5))
	}
	if len(keptOriginals) > 0 {
		// Not done: the originals rehome replaced stay in the state's
		// backups until the user decides (restore the key, or state rm).
		return res, fmt.Errorf("%d object(s) rehome replaced at %s were changed since, so their originals were not restored over the change: %v; "+
			"the originals stay in the state's backups (forget them with `rehome state rm %s`)", len(keptOriginals), u.p["to_env"], head(keptOriginals, 5), u.addr)
	}
	return res, nil
}

// isOriginal reports whether now is the foreign object rehome backed up
// (its replacing write never landed): same size and modification time.
func isOriginal(now providers.Object, rec planner.ObjectRecord) bool {
	return now.Size == rec.PrevSize && now.ModTime.UnixNano() == rec.PrevModTime
}

// sourceContent reports whether the destination object at key holds the
// source's content, where the source still is the version rec's write was
// putting; false when the source object is gone or moved on.
func (u *undoer) sourceContent(ctx context.Context, key string, rec planner.ObjectRecord) (bool, error) {
	src, err := u.env(u.p["from_env"])
	if err != nil {
		return false, err
	}
	if rec.Writing != nil {
		s, err := src.Storage().Head(ctx, u.p["src_bucket"], key)
		if errors.Is(err, providers.ErrNotFound) || (err == nil && !rec.WritingSource(s)) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	dst, err := u.env(u.p["to_env"])
	if err != nil {
		return false, err
	}
	same, _, err := planner.SameContent(ctx, src.Storage(), dst.Storage(), u.p["src_bucket"], u.p["dst_bucket"], key)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	return same, err
}

func (u *undoer) zone(ctx context.Context) (state.Result, error) {
	if !u.created() {
		u.note = "zone existed before rehome; kept"
		if u.interruptedCreate() {
			u.note = "kept: a crash interrupted rehome's create, so rehome cannot tell whether it made this zone; delete it yourself if it is unwanted"
		}
		return state.Result{}, nil
	}
	dst, err := u.env(u.p["to_env"])
	if err != nil {
		return state.Result{}, err
	}
	fq := planner.Fqdn(u.p["to"])
	sets, err := dst.DNS().Records(ctx, fq)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, nil // gone already: an earlier, interrupted rollback deleted it
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", fq, u.p["to_env"], err)
	}
	var foreign []string
	for _, rs := range sets {
		if !planner.IsApexOwn(fq, rs) {
			foreign = append(foreign, rs.Key())
		}
	}
	if len(foreign) > 0 {
		return state.Result{}, fmt.Errorf("zone %s at %s holds record sets rehome did not write (%v); left in place", fq, u.p["to_env"], head(foreign, 5))
	}
	if err := dst.DNS().DeleteZone(ctx, fq); err != nil && !errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, fmt.Errorf("delete zone %s at %s: %w", fq, u.p["to_env"], err)
	}
	return state.Result{Deleted: 1}, nil
}

// restoreSets makes each recorded set equal its pre-image again (absent
// when it had none), touching only sets that differ and that are still
// rehome's (owns); a set someone else has changed since is left alone.
func restoreSets(current []providers.RecordSet, want map[string]*providers.RecordSet, owns func(key string, cur providers.RecordSet) bool) []providers.RecordChange {
	cur := map[string]providers.RecordSet{}
	for _, rs := range current {
		cur[rs.Key()] = rs
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []providers.RecordChange
	for _, k := range keys {
		old := want[k]
		c, has := cur[k]
		if has && !owns(k, c) {
			continue
		}
		switch {
		case old == nil && has:
			cc := c
			out = append(out, providers.RecordChange{Op: providers.ChangeDelete, Old: &cc})
		case old != nil && !has:
			out = append(out, providers.RecordChange{Op: providers.ChangeCreate, New: old})
		case old != nil && !planner.SameSet(c, *old):
			cc := c
			out = append(out, providers.RecordChange{Op: providers.ChangeUpdate, Old: &cc, New: old})
		}
	}
	return out
}

func (u *undoer) records(ctx context.Context) (state.Result, error) {
	dst, err := u.env(u.p["to_env"])
	if err != nil {
		return state.Result{}, err
	}
	fq := planner.Fqdn(u.p["zone"])
	recs, err := planner.LoadRecords[planner.RecordSetRecord](ctx, u.x.o.Progress, u.p["scope"])
	if err != nil {
		return state.Result{}, err
	}
	want := map[string]*providers.RecordSet{}
	for k, r := range recs {
		want[k] = r.Old
	}
	owns := func(k string, cur providers.RecordSet) bool { r := recs[k]; return r.Owns(cur) }
	return applyRestore(ctx, dst.DNS(), fq, u.p["to_env"], want, owns)
}

func applyRestore(ctx context.Context, d providers.DNS, fq, env string, want map[string]*providers.RecordSet,
	owns func(string, providers.RecordSet) bool) (state.Result, error) {
	if len(want) == 0 {
		return state.Result{}, nil
	}
	sets, err := d.Records(ctx, fq)
	if errors.Is(err, providers.ErrNotFound) {
		return state.Result{}, nil // the zone is gone: nothing to restore in it
	}
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", fq, env, err)
	}
	changes := restoreSets(sets, want, owns)
	if len(changes) == 0 {
		return state.Result{}, nil
	}
	if err := d.ApplyRecords(ctx, fq, changes); err != nil {
		return state.Result{}, fmt.Errorf("restore %d record set(s) in %s at %s: %w", len(changes), fq, env, err)
	}
	var res state.Result
	for _, c := range changes {
		if c.Op == providers.ChangeDelete {
			res.Deleted++
		} else {
			res.Restored++
		}
	}
	return res, nil
}

func (u *undoer) ttl(ctx context.Context) (state.Result, error) {
	src, err := u.env(u.p["from_env"])
	if err != nil {
		return state.Result{}, err
	}
	fq := planner.Fqdn(u.p["zone"])
	recs, err := planner.LoadRecords[planner.TTLRecord](ctx, u.x.o.Progress, u.p["scope"])
	if err != nil {
		return state.Result{}, err
	}
	sets, err := src.DNS().Records(ctx, fq)
	if err != nil {
		return state.Result{}, fmt.Errorf("read zone %s at %s: %w", fq, u.p["from_env"], err)
	}
	// Restore only the TTL: values changed at the source since are kept.
	lowered, _ := strconv.ParseUint(u.p["ttl"], 10, 32)
	want := map[string]*providers.RecordSet{}
	for _, rs := range sets {
		// Only where the TTL rehome set still stands: a TTL someone
		// changed since is theirs.
		if r, ok := recs[rs.Key()]; ok && rs.TTL != r.Set.TTL && uint64(rs.TTL) == lowered {
			w := rs
			w.TTL = r.Set.TTL
			want[rs.Key()] = &w
		}
	}
	// Only TTLs are restored, and only on sets still holding the lowered
	// TTL and the values seen now (want was built from them).
	return applyRestore(ctx, src.DNS(), fq, u.p["from_env"], want, func(string, providers.RecordSet) bool { return true })
}

func (u *undoer) secrets(ctx context.Context) (state.Result, error) {
	dst, err := u.env(u.p["to_env"])
	if err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[planner.SecretRecord](ctx, u.x.o.Progress, u.p["scope"])
	if err != nil {
		return state.Result{}, err
	}
	metas, err := dst.Secrets().ListSecrets(ctx)
	if err != nil {
		return state.Result{}, fmt.Errorf("list secrets at %s: %w", u.p["to_env"], err)
	}
	curVer := map[string]string{}
	for _, m := range metas {
		curVer[m.Name] = m.Version
	}
	key, err := planner.SecretDigestKey(ctx, u.x.o.Progress)
	if err != nil {
		return state.Result{}, err
	}
	var del, lost, kept []string
	var res state.Result
	for n, r := range recs {
		ver, exists := curVer[n]
		if !exists {
			continue // gone already
		}
		cur, err := dst.Secrets().GetSecret(ctx, n)
		if errors.Is(err, providers.ErrNotFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("read destination secret %q: %w", n, err)
		}
		dig := planner.SecretDigest(key, cur.Value)
		// rehome's write stands: confirmed and unchanged since, or never
		// confirmed but landed (its digest; or, for records without one,
		// the source's value).
		mine := r.Owns(ver, dig) || r.Landed(dig)
		if !mine && r.State != planner.ItemDone && r.Digest == "" && r.WritingDigest == "" {
			if mine, err = u.secretFromSource(ctx, dst, n); err != nil {
				return res, err
			}
		}
		switch {
		case !mine && r.State == planner.ItemDone:
			kept = append(kept, n) // changed since rehome wrote it
		case !mine:
			// never written: nothing to undo
		case r.Created:
			del = append(del, n)
		case r.PrevVersion != "":
			v, ok := dst.Provider.(providers.SecretVersioner)
			if !ok {
				lost = append(lost, n)
				continue
			}
			if err := v.RestoreSecretVersion(ctx, n, r.PrevVersion); err != nil {
				return res, fmt.Errorf("restore secret %q at %s: %w", n, u.p["to_env"], err)
			}
			res.Restored++
		default:
			lost = append(lost, n)
		}
	}
	if len(kept) > 0 {
		sort.Strings(kept)
		u.note = fmt.Sprintf("kept %v at %s: changed since rehome wrote them", kept, u.p["to_env"])
	}
	sort.Strings(del)
	if len(del) > 0 {
		if err := dst.Secrets().DeleteSecrets(ctx, del); err != nil {
			return res, fmt.Errorf("delete secrets at %s: %w", u.p["to_env"], err)
		}
		res.Deleted += int64(len(del))
	}
	if len(lost) > 0 {
		sort.Strings(lost)
		u.note = strings.TrimPrefix(u.note+"; "+fmt.Sprintf("cannot restore the earlier values of %v at %s (no versions kept); left as rehome wrote them", lost, u.p["to_env"]), "; ")
	}
	return res, nil
}

// secretFromSource reports whether the destination secret name holds the
// source's value (false when either side lacks it). Values stay in memory.
func (u *undoer) secretFromSource(ctx context.Context, dst *planner.Env, name string) (bool, error) {
	src, err := u.env(u.p["from_env"])
	if err != nil {
		return false, err
	}
	a, err := src.Secrets().GetSecret(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read source secret %q: %w", name, err)
	}
	b, err := dst.Secrets().GetSecret(ctx, name)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read destination secret %q: %w", name, err)
	}
	return bytes.Equal(a.Value, b.Value), nil
}
