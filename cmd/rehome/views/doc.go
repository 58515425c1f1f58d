// Package views renders rehome's data for its three audiences: engineers at
// a terminal (human text, optionally coloured, with progress bars or plain
// progress lines), reviewers reading a plan in a pull request (a Markdown
// runbook), and programs (a stable JSON plan document and JSON event lines).
//
// The package only renders. It takes a *planner.Plan, exec events, a
// *providers.Registry or a *state.File and writes text; it makes no
// decisions, calls no provider and never changes its inputs. Every
// rendering is deterministic for the same input: no clocks (except the
// elapsed time in event views, taken from EventOptions.Now), no map-order
// randomness.
//
// Entry points:
//
//   - RenderPlanHuman, RenderPlanMarkdown, RenderPlanJSON: the plan.
//     RenderPlanJSON writes the planner.Plan document itself (2-space
//     indent, trailing newline, nil lists as []); it is the one encoder for
//     `plan -json`, `plan -format=json` and `show -json`.
//   - NewJSONEvents, NewHumanEvents: exec.Sink implementations for apply,
//     cutover and rollback. Both are safe for concurrent use.
//   - RenderProviders: the capability matrix of a registry.
//   - RenderCostHuman, RenderCostMarkdown, RenderCostJSON: `rehome cost`,
//     the plan's cost report per resource and component (CostDoc).
//   - RenderStateList, RenderStateShow: `state list` and `state show`.
//   - HumanBytes, HumanCount: the size and count formats used everywhere.
//
// Limits: the human views assume a UTF-8 terminal (they use symbols such as
// » and ⇄); text width is counted in runes, so wide (CJK) characters in
// names can misalign a column or a progress line. The JSON event schema is
// exec.Event plus "@level"; it follows exec.Event and is not versioned
// separately. The cost table pairs source and destination prices by
// address, using each item's side (or the environments' roles in the
// plan); an amount with a price missing from the catalog is "unknown".
package views
