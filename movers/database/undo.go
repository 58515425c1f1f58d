package database

import (
	"context"
	"errors"
	"fmt"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/planner/exec"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

// UndoStep names a rollback step with its action's own undo text.
func (Mover) UndoStep(g exec.UndoGroup) exec.UndoStep { return exec.DefaultUndoStep(g) }

// Undo reverses a database step: the copy and the cutover's re-copy need
// nothing (their rows go with the tables), a table rehome created (in the
// prepare phase, or in the cutover for a table new at the source) is
// dropped, a schema rehome created is dropped once empty. What existed
// before rehome is kept.
func (Mover) Undo(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	switch u.Undo().Type {
	case typeRows:
		var p rowsParams
		if err := u.Params(&p); err != nil {
			return state.Result{}, err
		}
		if len(p.Foreign) > 0 {
			u.Note = fmt.Sprintf("rows replaced in %v (tables that existed before rehome) are not restored", p.Foreign)
		}
		return state.Result{}, nil
	case typeTable:
		return undoTable(ctx, u)
	case typeDatabase:
		return undoDatabase(ctx, u)
	case typeTypes, typeObjects:
		return undoObjects(ctx, u)
	case typeServer:
		return undoServer(ctx, u) // server.go
	}
	return state.Result{}, fmt.Errorf("database has no action type %q to undo", u.Undo().Type)
}

func destOf(u *exec.UndoRun) (*planner.Env, providers.DatabaseStore, error) {
	dst, err := u.Dest()
	if err != nil {
		return nil, nil, err
	}
	ds, err := planner.Capability[providers.DatabaseStore](dst, what)
	return dst, ds, err
}

func undoTable(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	if !u.Created() {
		u.KeepContainer("table")
		return state.Result{}, nil
	}
	var p tableParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, ds, err := destOf(u)
	if err != nil {
		return state.Result{}, err
	}
	td, ok := ds.(providers.TableDropper)
	if !ok {
		return state.Result{}, fmt.Errorf("%s (%s) cannot drop tables; drop %s.%s yourself", dst.Name, dst.Factory.Name, p.Target, p.Table.Name)
	}
	err = u.Caller.Do(ctx, fmt.Sprintf("drop table %s.%s", p.Target, p.Table.Name), func(ctx context.Context, _ int) error {
		return td.DropTable(ctx, p.Target, p.Table.Name)
	})
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return state.Result{}, nil
	case err != nil:
		return state.Result{}, fmt.Errorf("drop table %s.%s at %s: %w", p.Target, p.Table.Name, dst.Name, err)
	}
	return state.Result{Deleted: 1}, nil
}

func undoDatabase(ctx context.Context, u *exec.UndoRun) (state.Result, error) {
	if !u.Created() {
		u.KeepContainer("schema")
		return state.Result{}, nil
	}
	var p databaseParams
	if err := u.Params(&p); err != nil {
		return state.Result{}, err
	}
	dst, ds, err := destOf(u)
	if err != nil {
		return state.Result{}, err
	}
	err = u.Caller.Do(ctx, fmt.Sprintf("drop schema %q", p.Name), func(ctx context.Context, _ int) error {
		return ds.DropDatabase(ctx, p.Name)
	})
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return state.Result{}, nil
	case errors.Is(err, providers.ErrNotEmpty):
		u.Note = fmt.Sprintf("schema %q at %s holds objects rehome did not create; kept", p.Name, dst.Name)
		return state.Result{}, nil
	case err != nil:
		return state.Result{}, fmt.Errorf("drop schema %q at %s: %w", p.Name, dst.Name, err)
	}
	return state.Result{Deleted: 1}, nil
}
