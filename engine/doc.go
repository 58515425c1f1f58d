// Package engine wires the parts into the commands rehome offers: it loads
// the configuration, opens and locks the state, configures the providers,
// discovers, plans, and runs apply, cutover, rollback and finalize. The CLI
// (cmd/rehome) parses flags and renders; the planner decides; the executor
// acts; this package only sequences them and enforces the guards between
// them (stale plans, blockers, the rollback window).
//
// Limits: one local state directory per configuration; no remote backends
// yet.
package engine
