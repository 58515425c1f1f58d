package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// RenderPlanJSON writes the planner.Plan document as JSON: 2-space indent,
// a trailing newline, HTML characters unescaped. Lists that the document
// always has (actions, audit, cost.items, environments and their
// resources, each action's depends_on) and the summary's count maps are
// written as [] or {} when empty, never null, so consumers need no null
// checks. The caller's plan is not changed.
//
// This is the one encoder for `plan -json`, `plan -format=json` and
// `show -json`, so all three print the same bytes for the same plan.
func RenderPlanJSON(w io.Writer, p *planner.Plan) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalizePlan(p)); err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// normalizePlan returns a shallow copy of p whose always-present lists and
// maps are non-nil. Slices that need a change are copied, never written in
// place.
func normalizePlan(p *planner.Plan) *planner.Plan {
	q := *p
	q.Actions = make([]planner.Action, len(p.Actions))
	copy(q.Actions, p.Actions)
	for i := range q.Actions {
		if q.Actions[i].DependsOn == nil {
			q.Actions[i].DependsOn = []string{}
		}
	}
	if q.Audit == nil {
		q.Audit = []planner.Finding{}
	}
	if q.Cost.Items == nil {
		q.Cost.Items = []planner.CostItem{}
	}
	if q.Summary.Prepare == nil {
		q.Summary.Prepare = map[planner.ActionType]int{}
	}
	if q.Summary.Cutover == nil {
		q.Summary.Cutover = map[planner.ActionType]int{}
	}
	q.Environments = make([]planner.EnvSummary, len(p.Environments))
	copy(q.Environments, p.Environments)
	for i := range q.Environments {
		if q.Environments[i].Resources == nil {
			q.Environments[i].Resources = []providers.Resource{}
		}
	}
	return &q
}
