// Package planner turns a loaded configuration and what discovery found into
// a Plan: an ordered graph of plain-data actions with estimates, success
// checks and undo descriptions, plus the audit findings that must be fixed or
// acknowledged before anything runs.
//
// The planner decides; providers only list, read and write (package
// providers) and the executor (package planner/exec) only carries actions
// out. The per-item bookkeeping both share — which objects, record sets and
// secrets rehome wrote, and what stood there before — lives in the state's
// progress store under the scope names defined here, so that a plan made
// after a crashed apply knows what is rehome's own.
//
// Limits: storage diffs hold one listing entry per object in memory; moves of
// kind database and queue are recognised but not yet planned (they produce a
// blocker finding); the cost report is empty until a price catalog exists.
package planner
