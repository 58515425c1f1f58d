package database

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// The destination's server (a managed cluster a providers.DatabaseServer
// can create): planned before the move's schemas, created and waited for
// on apply, deleted on rollback only when rehome created it.

const typeServer = "server"

// serverKey is the record, in the server action's scope, of the cluster
// rehome asked for: written as soon as the create returns, before the
// wait, so that a run resumed after a crash knows the cluster is its own.
const serverKey = "server"

type serverParams struct {
	Name string `json:"name"`
}

type serverRecord struct {
	ID      string `json:"id"`
	Created bool   `json:"created"`
	// Requested is when an apply asked for the server, recorded before it
	// asked: a create answered but not recorded (the process died in
	// between) leaves this alone.
	Requested time.Time `json:"requested,omitzero"`
}

// claims reports whether the server info describes is rehome's: recorded
// as created, or made by the platform after a recorded request whose
// answer never got recorded (names are unique, so no one else made it
// then; a second of slack for the platform's whole-second times).
func (rec serverRecord) claims(info providers.ServerInfo) bool {
	if !info.Exists {
		return false
	}
	if rec.Created {
		return rec.ID == info.ID
	}
	return !rec.Requested.IsZero() && !info.Made.IsZero() && !info.Made.Before(rec.Requested.Add(-time.Second))
}

// serverAddr is the server action's address: one per move, keyed by the
// destination environment.
func serverAddr(mc *planner.MoveContext) string { return mc.Addr(typeServer, mc.Move.To) }

// serverScope is the server action's progress scope; it names where the
// destination points, so a cluster of another account is another record.
func serverScope(mc *planner.MoveContext) string {
	return "database-server/" + mc.Move.Addr() + "/" + mc.To.ID()
}

// serverDeps are what the move's schema, table and copy actions wait for
// (a schema's create may be a no-op, which orders nothing): the server
// action, where the destination has one.
func serverDeps(mc *planner.MoveContext) []string {
	if _, ok := mc.To.Provider.(providers.DatabaseServer); ok {
		return []string{serverAddr(mc)}
	}
	return nil
}

// planServer adds the server's action when the destination can create
// its server; false means a blocker stops the move's plan there.
func planServer(ctx context.Context, mc *planner.MoveContext) (bool, error) {
	srv, ok := mc.To.Provider.(providers.DatabaseServer)
	if !ok {
		return true, nil
	}
	m := mc.Move
	info, err := srv.Server(ctx)
	if err != nil {
		return false, fmt.Errorf("look up the database server of %s: %w", m.To, err)
	}
	addr := serverAddr(mc)
	if info.Problem != "" {
		mc.Finding(planner.SevBlocker, addr, "database.server_unusable", info.Name,
			fmt.Sprintf("%s: %s", m.To, info.Problem), "point the database block at another cluster name, or correct it")
		return false, nil
	}
	scope := serverScope(mc)
	recs, err := planner.LoadRecords[serverRecord](ctx, mc.Progress(), scope)
	if err != nil {
		return false, err
	}
	rec := recs[serverKey]
	ours := rec.claims(info)
	deleteUndo := fmt.Sprintf("delete database cluster %q at %s (rehome created it), with everything in it", info.Name, m.To)
	a := planner.Action{Address: addr, Type: typeServer, Phase: planner.PhasePrepare,
		To: planner.Endpoint{Env: m.To, Name: info.Name}, Scope: scope, // at the destination only
		Params:  planner.EncodeParams(serverParams{Name: info.Name}),
		Check:   fmt.Sprintf("database cluster %q is online at %s", info.Name, m.To),
		Options: []planner.Option{{Name: "cluster", Value: info.Spec}}}
	price, err := serverPrice(mc, info)
	if err != nil {
		return false, err
	}
	if price != "" {
		a.Options = append(a.Options, planner.Option{Name: "price", Value: price})
	}
	switch {
	case !info.Exists:
		a.Action, a.Undo = planner.ActCreate, deleteUndo
		a.Reason = "does not exist yet: created, then waited for until online (managed clusters take minutes)"
		a.Estimate.Seconds = 300
	case ours && !info.Ready:
		a.Action, a.Undo = planner.ActCreate, deleteUndo
		a.Reason = fmt.Sprintf("created by an interrupted apply (status %s): waited for until online, not created again", info.Status)
	case ours:
		a.Action, a.Undo, a.Reason = planner.ActNoop, deleteUndo, "created by rehome earlier"
	default:
		a.Action, a.Reason = planner.ActNoop, fmt.Sprintf("already exists (status %s)", info.Status)
		a.Undo = "nothing: the cluster existed before rehome and is never deleted"
		mc.Finding(planner.SevInfo, addr, "database.server_exists", info.Name,
			fmt.Sprintf("database cluster %q exists at %s; rehome creates its schemas and tables in it and never deletes it", info.Name, m.To), "none needed")
	}
	mc.Add(a)
	return true, nil
}

// createServer makes the destination's cluster, or finds the one an
// interrupted run made, and waits until it is online.
func createServer(ctx context.Context, r *exec.Run) (state.Result, error) {
	a := r.Action
	var p serverParams
	if err := r.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, err := r.Env(a.To.Env)
	if err != nil {
		return state.Result{}, err
	}
	srv, err := planner.Capability[providers.DatabaseServer](dst, "database server")
	if err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[serverRecord](ctx, r.Records(), a.Scope)
	if err != nil {
		return state.Result{}, err
	}
	rec := recs[serverKey]
	var info providers.ServerInfo
	err = r.Caller.Do(ctx, "look up database cluster "+p.Name, func(ctx context.Context, _ int) error {
		info, err = srv.Server(ctx)
		return err
	})
	if err != nil {
		return state.Result{}, fmt.Errorf("look up database cluster %q at %s: %w", p.Name, a.To.Env, err)
	}
	if info.Problem != "" {
		return state.Result{}, fmt.Errorf("%s: %s", a.To.Env, info.Problem)
	}
	id, created := info.ID, false
	switch {
	case !info.Exists:
		// Not retried: a create whose answer was lost would be made twice
		// (the API refuses the second by name, and it is then not ours).
		// The request is recorded first, so that a create whose answer
		// is lost is still known to be rehome's (claims).
		if err := r.Records().Put(context.WithoutCancel(ctx), a.Scope, serverKey, serverRecord{Requested: time.Now().UTC()}); err != nil {
			return state.Result{}, err
		}
		id, err = srv.CreateServer(ctx)
		switch {
		case errors.Is(err, providers.ErrExists):
			// Someone else's: no request of rehome's made it.
			if err := r.Records().Put(context.WithoutCancel(ctx), a.Scope, serverKey, serverRecord{}); err != nil {
				return state.Result{}, err
			}
			if now, err := srv.Server(ctx); err == nil && now.Problem != "" {
				return state.Result{}, fmt.Errorf("%s: %s", a.To.Env, now.Problem)
			}
			r.Message("database cluster %q appeared at %s since the plan; using it, and rollback will not delete it", p.Name, a.To.Env)
		case err != nil:
			return state.Result{}, fmt.Errorf("create database cluster %q at %s: %w", p.Name, a.To.Env, err)
		default:
			created = true
			if err := r.Records().Put(context.WithoutCancel(ctx), a.Scope, serverKey, serverRecord{ID: id, Created: true}); err != nil {
				return state.Result{}, err
			}
			r.Message("database cluster %q requested at %s (%s); waiting until it is online", p.Name, a.To.Env, info.Spec)
		}
	case rec.claims(info):
		created = true
		if !rec.Created {
			if err := r.Records().Put(context.WithoutCancel(ctx), a.Scope, serverKey, serverRecord{ID: info.ID, Created: true}); err != nil {
				return state.Result{}, err
			}
		}
		r.Message("database cluster %q, which an interrupted apply created, is %s; waiting until it is online", p.Name, info.Status)
	}
	start := time.Now()
	err = srv.WaitServer(ctx, id, func(status string) {
		r.Message("database cluster %q: %s (%s)", p.Name, status, time.Since(start).Round(time.Second))
	})
	if err != nil {
		return state.Result{Created: created}, fmt.Errorf("database cluster %q at %s: %w", p.Name, a.To.Env, err)
	}
	return state.Result{Created: created}, r.SetResource(ctx, state.Resource{Address: a.Address, Type: a.Type, Env: a.To.Env, Name: a.To.Name,
		Created: created, Attrs: map[string]string{"id": a.To.ID, "cluster_id": id}})
}

// undoServer deletes the cluster when rehome created it (its record, or
// the journal, says so), and keeps it otherwise.
func undoServer(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	var p serverParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	recs, err := planner.LoadRecords[serverRecord](ctx, u.Records(), u.Undo().Scope)
	if err != nil {
		return state.Result{}, err
	}
	rec := recs[serverKey]
	if !rec.Created && rec.Requested.IsZero() {
		u.KeepContainer("database cluster")
		return state.Result{}, nil
	}
	dst, err := u.Dest()
	if err != nil {
		return state.Result{}, err
	}
	srv, err := planner.Capability[providers.DatabaseServer](dst, "database server")
	if err != nil {
		return state.Result{}, err
	}
	if !rec.Created {
		// Asked for, the answer not recorded: rehome's if it was made
		// after the request.
		var info providers.ServerInfo
		err := u.Caller.Do(ctx, "look up database cluster "+p.Name, func(ctx context.Context, _ int) error {
			info, err = srv.Server(ctx)
			return err
		})
		if err != nil {
			return state.Result{}, fmt.Errorf("look up database cluster %q at %s: %w", p.Name, dst.Name, err)
		}
		if !rec.claims(info) {
			u.KeepContainer("database cluster")
			return state.Result{}, nil
		}
		rec.ID = info.ID
	}
	err = u.Caller.Do(ctx, "delete database cluster "+p.Name, func(ctx context.Context, _ int) error {
		return srv.DeleteServer(ctx, rec.ID)
	})
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return state.Result{}, nil
	case err != nil:
		return state.Result{}, fmt.Errorf("delete database cluster %q at %s: %w", p.Name, dst.Name, err)
	}
	return state.Result{Deleted: 1}, nil
}

// serverPrice is a server's list price a month from the plan's catalog
// (the one its cost section prices with, overrides included): every node,
// standbys too, at the size's price; "" when the catalog lacks it.
func serverPrice(mc *planner.MoveContext, info providers.ServerInfo) (string, error) {
	if info.Class == "" || mc.To == nil {
		return "", nil
	}
	cat, err := mc.Prices()
	if err != nil {
		return "", err
	}
	e, ok := cat.Lookup(mc.To.Factory.Name, "database", info.Class, info.Region)
	if !ok {
		return "", nil
	}
	nodes := max(1, info.Nodes)
	return fmt.Sprintf("%.2f %s a month (%s × %.2f, list price read %s)", float64(nodes)*e.Price, e.Currency,
		planner.Plural(int64(nodes), "node", "nodes"), e.Price, e.Read), nil
}
