// Package engine wires the parts into the commands rehome offers: it loads
// the configuration, opens and locks the state, configures the providers
// (the only place that does), discovers, plans, and runs apply, cutover,
// rollback and finalize. The CLI (cmd/rehome) parses flags and renders; the
// planner decides; the movers know each kind; the executor acts; this
// package sequences them and enforces the guards between them: stale
// plans, blockers, and the migration's phase (phase.go), one state machine
// saying which command may run when.
//
// Limits: one local state directory per configuration; no remote backends
// yet.
package engine
