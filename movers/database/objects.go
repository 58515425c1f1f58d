package database

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// Action types of the schema objects other than tables.
const (
	// typeTypes creates what the tables need before they are created:
	// extensions, enum types, sequences of their own, routines a default
	// or check calls.
	typeTypes = "types"
	// typeObjects creates the rest after the rows are loaded (so no
	// trigger fires during the copy): routines, views, materialized views,
	// triggers, and sets the sequences' positions.
	typeObjects = "objects"
)

// objectsParams are one source database's objects to create at the
// destination, in creation order.
type objectsParams struct {
	Source  string               `json:"source"`
	Target  string               `json:"target"`
	Objects []providers.DBObject `json:"objects"`
	// After: the objects after the load, where a sequence stands for
	// setting its position.
	After bool `json:"after,omitempty"`
}

// objectRecord says rehome created an object (rollback drops only those).
type objectRecord struct {
	Created bool `json:"created"`
}

func objectKey(o providers.DBObject) string { return o.Kind + ":" + firstNonEmpty(o.Identity, o.Name) }

// objectText names an object in messages: "view shop.v", "trigger
// shop.t on table orders".
func objectText(db string, o providers.DBObject) string {
	kind := strings.ReplaceAll(o.Kind, "_", " ")
	if o.Kind == "enum" {
		kind = "enum type"
	}
	if o.Kind == "extension" {
		return kind + " " + o.Name // database-wide
	}
	on := ""
	if o.Table != "" {
		on = " on table " + o.Table
	}
	return kind + " " + db + "." + o.Name + on
}

// maxDefinition is the longest source definition a finding shows whole.
const maxDefinition = 4000

// objectPlans are the object actions of one source database.
type objectPlans struct {
	early, late string // addresses ("" none)
	lateAct     *planner.Action
}

// planObjects reports each object the destination does not create exactly
// (a blocker naming it, with its source definition, unless acknowledged)
// and adds the action creating, before the tables, those the tables
// need; the action after the load is returned for addLate.
func planObjects(ctx context.Context, mc *planner.MoveContext, ds providers.DatabaseStore, s providers.DBSchema, db, tgt, dbAddr string) (*objectPlans, error) {
	m, dst := mc.Move, mc.To
	var create []providers.DBObject
	var skipped []providers.SkippedObject
	oc, ok := ds.(providers.ObjectCreator)
	if ok {
		var err error
		if create, skipped, err = oc.PlanObjects(ctx, tgt, s); err != nil {
			return nil, fmt.Errorf("plan the schema objects of %s at %s: %w", db, m.To, err)
		}
	} else {
		for _, o := range s.Objects {
			if o.Kind != "partition" {
				skipped = append(skipped, providers.SkippedObject{Object: o,
					Reason: fmt.Sprintf("rehome does not create schema objects at %s (%s)", m.To, dst.Factory.Name)})
			}
		}
	}
	for _, sk := range skipped {
		o := sk.Object
		def := strings.TrimSpace(o.Definition)
		if len(def) > maxDefinition {
			def = def[:maxDefinition] + "\n... (" + fmt.Sprint(len(o.Definition)-maxDefinition) + " more bytes)"
		}
		msg := fmt.Sprintf("%s is not created at %s: %s", objectText(db, o), m.To, sk.Reason)
		if def != "" {
			msg += "; its source definition, to port by hand:\n" + def
		}
		mc.Finding(planner.SevBlocker, mc.Addr(typeRows, db), "database.object_not_translated", o.Kind+":"+o.Name, msg,
			"recreate it at the destination yourself, then acknowledge")
	}
	op := &objectPlans{}
	if len(create) == 0 {
		return op, nil
	}
	var early, late []providers.DBObject
	for _, o := range create {
		if o.Early {
			early = append(early, o)
		} else {
			late = append(late, o)
		}
		if o.Kind == "sequence" {
			late = append(late, o) // its position, after the load
		}
	}
	scope := Scope(m.Addr(), db, dst.ID(), tgt)
	build := func(typ string, objs []providers.DBObject, after bool, deps []string) (*planner.Action, error) {
		if len(objs) == 0 {
			return nil, nil
		}
		a := &planner.Action{Address: mc.Addr(typ, db), Type: typ, Phase: planner.PhasePrepare, DependsOn: deps,
			From: planner.Endpoint{Env: m.From, Name: db}, To: planner.Endpoint{Env: m.To, Name: tgt},
			Scope: scope + "/" + typ, Params: planner.EncodeParams(objectsParams{Source: db, Target: tgt, Objects: objs, After: after}),
			Check: fmt.Sprintf("each object listed exists in schema %s at %s", tgt, m.To),
			Undo:  "drop the objects rehome created, newest first (never one that was there before)"}
		recs, err := planner.LoadRecords[objectRecord](ctx, mc.Progress(), a.Scope)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			what := objectText(tgt, o)
			if after && o.Kind == "sequence" {
				if !recs[objectKey(o)+"@position"].Created {
					a.Changes = append(a.Changes, planner.Change{Op: planner.ChangeUpdate, Item: what,
						Reason: "its position set to the source's after the load"})
				}
				continue
			}
			if recs[objectKey(o)].Created {
				continue
			}
			there, err := oc.ObjectExists(ctx, tgt, o)
			if err != nil {
				return nil, fmt.Errorf("look for %s at %s: %w", what, m.To, err)
			}
			switch {
			case there && o.Kind == "extension":
				mc.Finding(planner.SevInfo, a.Address, "database.extension_installed", o.Name,
					fmt.Sprintf("extension %s is installed at %s already; rehome uses it and rollback keeps it", o.Name, m.To), "none needed")
			case there:
				mc.Finding(planner.SevBlocker, a.Address, "database.object_exists", o.Kind+":"+o.Name,
					fmt.Sprintf("%s exists at %s and rehome did not create it; rehome does not replace it", what, m.To),
					"drop or rename it at the destination, or move into another schema with target_schema")
			default:
				a.Changes = append(a.Changes, planner.Change{Op: planner.ChangeCreate, Item: what, Reason: "from the source's definition"})
			}
		}
		a.Action, a.Reason = planner.ActCreate, fmt.Sprintf("%d schema objects", len(a.Changes))
		if len(a.Changes) == 0 {
			a.Action, a.Reason = planner.ActNoop, "created by rehome earlier, or there already"
		}
		return a, nil
	}
	a, err := build(typeTypes, early, false, []string{dbAddr})
	if err != nil {
		return nil, err
	}
	if a != nil {
		a.Reason += " the tables need, created before them"
		mc.Add(*a)
		op.early = a.Address
	}
	if op.lateAct, err = build(typeObjects, late, true, nil); err != nil {
		return nil, err
	}
	return op, nil
}

// addLate adds the action creating the objects after the load, once the
// copy's action (rowsAddr) is in the plan.
func (op *objectPlans) addLate(mc *planner.MoveContext, rowsAddr string) {
	if op.lateAct == nil {
		return
	}
	a := *op.lateAct
	a.DependsOn = []string{rowsAddr}
	if a.Action == planner.ActCreate {
		a.Reason += ", created after the load so that no trigger fires during the copy"
	}
	mc.Add(a)
	op.late = a.Address
}

func objectSides(r *exec.Run) (providers.DatabaseStore, providers.ObjectCreator, error) {
	src, dst, err := r.Sides()
	if err != nil {
		return nil, nil, err
	}
	ss, ds, err := sides(src, dst)
	if err != nil {
		return nil, nil, err
	}
	oc, ok := ds.(providers.ObjectCreator)
	if !ok {
		return nil, nil, fmt.Errorf("%s (%s) cannot create schema objects", dst.Name, dst.Factory.Name)
	}
	return ss, oc, nil
}

// applyObjects creates the objects of the action not there yet, records
// each one rehome created, and checks that every one exists.
func applyObjects(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p objectsParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	ss, oc, err := objectSides(r)
	if err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[objectRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	put := func(key string) error {
		return r.Records().Put(context.WithoutCancel(ctx), a.Scope, key, objectRecord{Created: true})
	}
	// Sequence positions are read from the source again: it may have
	// moved on since the plan.
	positions := map[string]providers.DBObject{}
	for _, o := range p.Objects {
		if p.After && o.Kind == "sequence" {
			s, err := ss.Schema(ctx, p.Source)
			if err != nil {
				return state.Result{}, fmt.Errorf("read the sequences of %s at %s: %w", p.Source, a.From.Env, err)
			}
			for _, x := range s.Objects {
				if x.Kind == "sequence" {
					positions[x.Name] = x
				}
			}
			break
		}
	}
	var res state.Result
	for _, o := range p.Objects {
		what := objectText(p.Target, o)
		if p.After && o.Kind == "sequence" {
			if x, ok := positions[o.Name]; ok {
				o.Value, o.Called = x.Value, x.Called
			}
			if err := r.Caller.Do(ctx, "set "+what, func(ctx context.Context, _ int) error { return oc.SetSequence(ctx, p.Target, o) }); err != nil {
				return res, fmt.Errorf("set the position of %s at %s: %w", what, a.To.Env, err)
			}
			if err := put(objectKey(o) + "@position"); err != nil {
				return res, err
			}
			continue
		}
		if recs[objectKey(o)].Created {
			there, err := oc.ObjectExists(ctx, p.Target, o)
			if err != nil {
				return res, err
			}
			if there {
				res.AlreadyDone++
				continue
			}
		}
		var created bool
		err := r.Caller.Do(ctx, "create "+what, func(ctx context.Context, _ int) error {
			var err error
			created, err = oc.CreateObject(ctx, p.Target, o)
			return err
		})
		switch {
		case errors.Is(err, providers.ErrExists):
			r.Message("%s exists at %s and rehome did not create it; kept as it is", what, a.To.Env)
			continue
		case err != nil:
			return res, fmt.Errorf("create %s at %s: %w", what, a.To.Env, err)
		case !created:
			r.Message("%s was at %s already; used, and rollback keeps it", what, a.To.Env)
			continue
		}
		if err := put(objectKey(o)); err != nil {
			return res, err
		}
		res.Copied++
	}
	// Every object is there now.
	counts := map[string]int{}
	var missing []string
	for _, o := range p.Objects {
		if p.After && o.Kind == "sequence" {
			continue
		}
		there, err := oc.ObjectExists(ctx, p.Target, o)
		if err != nil {
			return res, err
		}
		if !there {
			missing = append(missing, objectText(p.Target, o))
			continue
		}
		counts[strings.ReplaceAll(o.Kind, "_", " ")]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		n := counts[k]
		if k == "enum" {
			k = "enum type"
		}
		if n != 1 {
			k += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	if len(missing) > 0 {
		return res, fmt.Errorf("schema objects missing at %s after creating them: %s", a.To.Env, strings.Join(missing, ", "))
	}
	if len(parts) > 0 {
		r.Message("schema objects in %s at %s: %s, all present", p.Target, a.To.Env, strings.Join(parts, ", "))
	}
	return res, nil
}

// undoObjects drops, newest first, the objects the action's records say
// rehome created; one something else still needs is kept, with a note.
func undoObjects(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	var p objectsParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, ds, err := destOf(u)
	if err != nil {
		return state.Result{}, err
	}
	oc, ok := ds.(providers.ObjectCreator)
	if !ok {
		return state.Result{}, fmt.Errorf("%s (%s) cannot drop schema objects", dst.Name, dst.Factory.Name)
	}
	recs, err := planner.LoadRecords[objectRecord](ctx, u.Records(), u.Undo().Scope)
	if err != nil {
		return state.Result{}, err
	}
	var res state.Result
	var kept []string
	for i := len(p.Objects) - 1; i >= 0; i-- {
		o := p.Objects[i]
		if (p.After && o.Kind == "sequence") || !recs[objectKey(o)].Created {
			continue
		}
		what := objectText(p.Target, o)
		err := u.Caller.Do(ctx, "drop "+what, func(ctx context.Context, _ int) error { return oc.DropObject(ctx, p.Target, o) })
		switch {
		case errors.Is(err, providers.ErrNotFound):
		case errors.Is(err, providers.ErrNotEmpty):
			kept = append(kept, what)
		case err != nil:
			return res, fmt.Errorf("drop %s at %s: %w", what, dst.Name, err)
		default:
			res.Deleted++
		}
	}
	if len(kept) > 0 {
		u.Note = fmt.Sprintf("kept, because objects rehome did not create need them: %s", strings.Join(kept, ", "))
	}
	return res, nil
}
