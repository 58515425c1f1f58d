package queue

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// Action types of the queue kind.
const (
	typeQueue    = "queue"
	typeMessages = "messages"
)

// what names the kind's provider interface in errors.
const what = "queue service"

// queueParams are a queue create's inputs.
type queueParams struct {
	// Spec is the portable queue to create, under its destination names.
	Spec providers.QueueSpec `json:"spec"`
	// Name is the platform's name for it (QueueMapping.Name), used in
	// every later call.
	Name string `json:"name"`
}

// drainParams are a drain's inputs.
type drainParams struct {
	Src  string `json:"src"`
	Dst  string `json:"dst"` // the destination platform's name
	FIFO bool   `json:"fifo,omitempty"`
	// HoldSeconds is how long received messages stay hidden at the source.
	HoldSeconds    int `json:"hold_seconds"`
	TimeoutSeconds int `json:"timeout_seconds"`
	// Foreign: the destination queue existed before rehome, so rollback
	// cannot tell the messages rehome put there from others' and leaves
	// them.
	Foreign bool `json:"foreign,omitempty"`
	// NoMoveBack, when set, says why rollback cannot move messages back
	// to the source.
	NoMoveBack string `json:"no_move_back,omitempty"`
}

func sides(src, dst *planner.Env) (providers.Queue, providers.Queue, error) {
	return planner.Capabilities[providers.Queue](src, dst, what)
}

// Scope is the progress scope of one queue pair's drain: it includes
// where the destination points, so pointing the move elsewhere starts
// afresh.
func Scope(move, src, dstID, dst string) string {
	return "queue/" + move + "/" + src + "/" + dstID + "/" + dst
}

func messagesNoun(n int64) string { return planner.Plural(n, "message", "messages") }

// selected is a source queue the move takes, and why.
type selected struct {
	spec providers.QueueSpec
	// dlqOf names the queue whose dead-letter queue this is, when it was
	// taken along rather than selected.
	dlqOf string
}

// Plan plans a queue move: per queue, its create at the destination
// (settings mapped, dead-letter queues first) and its drain at cutover.
func (Mover) Plan(ctx context.Context, mc *planner.MoveContext) error {
	m, src, dst := mc.Move, mc.From, mc.To
	sq, dq, err := sides(src, dst)
	if err != nil {
		return err
	}
	cfg := settings(m)
	sel, order, err := selectQueues(ctx, mc, sq, cfg)
	if err != nil {
		return err
	}
	scaps, dcaps := src.Factory.Caps.Queue, dst.Factory.Caps.Queue
	drain := cfg.Drain
	if drain {
		_, sok := src.Provider.(providers.MessageMover)
		_, dok := dst.Provider.(providers.MessageMover)
		if !sok || !dok || !scaps.Messages || !dcaps.Messages || !src.Factory.Caps.Role(Kind).Can(providers.Source) {
			f := mc.Finding(planner.SevBlocker, m.Addr(), "queue.no_drain", "",
				fmt.Sprintf("messages cannot be drained from %s (%s) into %s (%s)", m.From, src.Factory.Name, m.To, dst.Factory.Name),
				"set drain = false to move the queues only, or acknowledge to plan no drain")
			drain = drain && !f.Acknowledged && sok && dok
		}
	}
	if scaps.DelaySeconds && !dcaps.DelaySeconds && len(order) > 0 {
		mc.Finding(planner.SevWarning, m.Addr(), "queue.message_timers", "",
			fmt.Sprintf("%s (%s) has no per-message timers (SQS DelaySeconds on a send): producers that delay messages will have them delivered at once after the switch",
				m.To, dst.Factory.Name),
			"delay in the producer or consumer instead, or accept immediate delivery")
	}
	targets := map[string]string{}
	for _, name := range order {
		s := sel[name]
		dstName := rename(cfg, name)
		if prev, dup := targets[dstName]; dup {
			mc.Finding(planner.SevBlocker, mc.Addr(typeQueue, name), "queue.name_collision", dstName,
				fmt.Sprintf("queues %q and %q would both become %q at %s", prev, name, dstName, m.To),
				"rename one of them with the move's rename map")
			continue
		}
		targets[dstName] = name
		var senders []string
		for _, o := range order {
			if sel[o].spec.DeadLetter == name {
				senders = append(senders, o)
			}
		}
		if err := planQueue(ctx, mc, sq, dq, cfg, s, senders, dstName, drain); err != nil {
			return err
		}
	}
	var unused []string
	for k := range cfg.Rename {
		if _, ok := sel[k]; !ok {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	for _, k := range unused {
		mc.Finding(planner.SevWarning, m.Addr(), "queue.rename_unused", k,
			fmt.Sprintf("rename names queue %q, which is not among the moved queues", k), "correct or remove the rename entry")
	}
	return nil
}

func rename(cfg *Settings, name string) string {
	if n, ok := cfg.Rename[name]; ok {
		return n
	}
	return name
}

// selectQueues reads the selected source queues and takes along the
// dead-letter queue of each.
func selectQueues(ctx context.Context, mc *planner.MoveContext, sq providers.Queue, cfg *Settings) (map[string]selected, []string, error) {
	m := mc.Move
	sel := map[string]selected{}
	var order []string
	if len(cfg.Queues) > 0 {
		for _, n := range cfg.Queues {
			s, err := sq.Queue(ctx, n)
			if errors.Is(err, providers.ErrNotFound) {
				mc.Finding(planner.SevBlocker, mc.Addr(typeQueue, n), "queue.source_missing", "",
					fmt.Sprintf("queue %q does not exist at %s", n, m.From), "correct the name in queues")
				continue
			}
			if err != nil {
				return nil, nil, fmt.Errorf("read queue %q at %s: %w", n, m.From, err)
			}
			sel[n] = selected{spec: s}
			order = append(order, n)
		}
	} else {
		all, err := sq.Queues(ctx)
		if errors.Is(err, providers.ErrUnsupported) {
			mc.Finding(planner.SevBlocker, m.Addr(), "queue.cannot_list", "",
				fmt.Sprintf("%s cannot list its queues: %v", m.From, err), "name the queues to move with queues = [...]")
			return sel, nil, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list queues at %s: %w", m.From, err)
		}
		for _, s := range all {
			if planner.MatchNames(s.Name, cfg.Include, cfg.Exclude) {
				sel[s.Name] = selected{spec: s}
				order = append(order, s.Name)
			}
		}
		if len(order) == 0 {
			mc.Finding(planner.SevWarning, m.Addr(), "queue.no_match", "",
				fmt.Sprintf("no queue at %s matches include %v / exclude %v", m.From, cfg.Include, cfg.Exclude),
				"check the include and exclude globs")
		}
	}
	// Dead-letter queues move with the queues that use them.
	for i := 0; i < len(order); i++ {
		s := sel[order[i]].spec
		d := s.DeadLetter
		if d == "" {
			continue
		}
		if _, ok := sel[d]; ok {
			continue
		}
		if len(cfg.Exclude) > 0 && !planner.MatchNames(d, nil, cfg.Exclude) {
			mc.Finding(planner.SevBlocker, mc.Addr(typeQueue, s.Name), "queue.dlq_excluded", d,
				fmt.Sprintf("queue %q sends dead letters to %q, which exclude leaves out", s.Name, d),
				"move the dead-letter queue too (remove it from exclude)")
			continue
		}
		ds, err := sq.Queue(ctx, d)
		if errors.Is(err, providers.ErrNotFound) {
			mc.Finding(planner.SevBlocker, mc.Addr(typeQueue, s.Name), "queue.dlq_missing", d,
				fmt.Sprintf("queue %q sends dead letters to %q, which does not exist at %s", s.Name, d, m.From),
				"fix the source queue's redrive policy")
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read dead-letter queue %q at %s: %w", d, m.From, err)
		}
		sel[d] = selected{spec: ds, dlqOf: s.Name}
		order = append(order, d)
		mc.Finding(planner.SevInfo, mc.Addr(typeQueue, d), "queue.dlq_included", "",
			fmt.Sprintf("queue %q is the dead-letter queue of %q and moves with it", d, s.Name), "none needed")
	}
	// Dead-letter queues first, so each exists before the queues that
	// send to it.
	sort.SliceStable(order, func(i, j int) bool { return isDLQ(sel, order[i]) && !isDLQ(sel, order[j]) })
	return sel, order, nil
}

func isDLQ(sel map[string]selected, name string) bool {
	for _, s := range sel {
		if s.spec.DeadLetter == name {
			return true
		}
	}
	return false
}

func planQueue(ctx context.Context, mc *planner.MoveContext, sq, dq providers.Queue, cfg *Settings, s selected, senders []string, dstName string, drain bool) error {
	m, src, dst := mc.Move, mc.From, mc.To
	spec := s.spec
	addr := mc.Addr(typeQueue, spec.Name)
	if spec.Opaque {
		mc.Finding(planner.SevWarning, addr, "queue.source_settings_unknown", "",
			fmt.Sprintf("%s (%s) cannot say the settings of queue %q; the destination queue gets the defaults", m.From, src.Factory.Name, spec.Name),
			"set management_url on the source environment, or accept the defaults")
	}
	want := spec
	want.Name = dstName
	if want.DeadLetter != "" {
		want.DeadLetter = rename(cfg, want.DeadLetter)
	}
	mp := dq.MapQueue(want)
	for _, g := range mp.Gaps {
		sev, remedy := planner.SevWarning, "accept the difference, or change the source queue first"
		if g.Blocker {
			sev, remedy = planner.SevBlocker, "change the source queue first, or acknowledge to create the queue as shown"
		}
		mc.Finding(sev, addr, "queue.unmapped", g.Setting,
			fmt.Sprintf("queue %q: %s at %s (%s): %s", spec.Name, g.Setting, m.To, dst.Factory.Name, g.Detail), remedy)
	}
	if spec.FIFO && !dst.Factory.Caps.Queue.Dedup {
		mc.Finding(planner.SevWarning, addr, "queue.no_dedup", "",
			fmt.Sprintf("queue %q is FIFO, and %s (%s) does not drop repeated deduplication ids: a message a crashed drain published twice arrives twice (next to each other); its id is in the header the plan shows",
				spec.Name, m.To, dst.Factory.Name),
			"let consumers skip repeated deduplication ids, or accept duplicates after a crash")
	}
	if s.dlqOf != "" && !dst.Factory.Caps.Queue.DeadLetter {
		mc.Finding(planner.SevWarning, addr, "queue.dlq_unused", "",
			fmt.Sprintf("%s (%s) does not move messages to dead-letter queues; %q is created and drained, but nothing sends to it after the switch", m.To, dst.Factory.Name, spec.Name),
			"handle poison messages in the consumer, or accept")
	}

	// The destination queue: absent (create), rehome's, or foreign (kept
	// as it is when its settings match; a finding when they differ).
	exists, foreign := false, false
	cur, err := dq.Queue(ctx, mp.Name)
	switch {
	case errors.Is(err, providers.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read queue %q at %s: %w", mp.Name, m.To, err)
	default:
		exists = true
		st := mc.State().FindResource(addr)
		foreign = st == nil || !st.Created || st.Attrs["id"] != dst.ID() || st.Name != mp.Name
		switch d := cur.Differences(mp.Held); {
		case cur.Opaque:
			mc.Finding(planner.SevWarning, addr, "queue.dest_settings_unknown", "",
				fmt.Sprintf("queue %q exists at %s, whose settings rehome cannot read (%s); messages are drained into it as it is", mp.Name, m.To, dst.Factory.Name),
				"compare its settings with the plan's yourself, or set management_url")
		case d != "":
			mc.Finding(planner.SevBlocker, addr, "queue.dest_mismatch", "",
				fmt.Sprintf("queue %q exists at %s with other settings than the plan's: %s; rehome does not change a queue it did not create", mp.Name, m.To, d),
				"align or remove the destination queue, rename this one, or acknowledge to drain into it as it is")
		}
	}
	var deps []string
	if want.DeadLetter != "" {
		deps = append(deps, mc.Addr(typeQueue, spec.DeadLetter))
	}
	a := planner.Action{Address: addr, Type: typeQueue, DependsOn: deps,
		From: planner.Endpoint{Env: m.From, Name: spec.Name}, To: planner.Endpoint{Env: m.To, Name: mp.Name},
		Moves:   &planner.Moved{Type: "queue", Referenced: true},
		Check:   fmt.Sprintf("queue %q exists at %s with the settings shown", mp.Name, m.To),
		Params:  planner.EncodeParams(queueParams{Spec: want, Name: mp.Name}),
		Options: settingOptions(mp)}
	mc.Container(a, exists,
		fmt.Sprintf("delete queue %q at %s once it is empty (refused while it holds messages)", mp.Name, m.To),
		"queue.dest_exists",
		fmt.Sprintf("queue %q already exists at %s; rehome drains into it and never deletes it", mp.Name, m.To))

	if !drain {
		return nil
	}
	depth, err := sq.Depth(ctx, spec.Name)
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return fmt.Errorf("count messages of queue %q at %s: %w", spec.Name, m.From, err)
	}
	if depth.Delayed > 0 {
		mc.Finding(planner.SevInfo, addr, "queue.delayed_messages", "",
			fmt.Sprintf("%s in %q at %s %s delayed; the drain waits for them (at most drain_timeout) and the destination delivers them at once",
				messagesNoun(depth.Delayed), spec.Name, m.From, planner.Verb(int(depth.Delayed), "is", "are")),
			"none needed")
	}
	p := drainParams{Src: spec.Name, Dst: mp.Name, FIFO: spec.FIFO, HoldSeconds: int(defaultHold.Seconds()),
		TimeoutSeconds: int(cfg.DrainTimeout.Seconds()), Foreign: exists && foreign}
	p.NoMoveBack = moveBackBlocker(mc, p)
	undo := fmt.Sprintf("move every message in %q at %s back to %q at %s (FIFO groups in order, confirmed before each delete), so the queue can be deleted",
		mp.Name, m.To, spec.Name, m.From)
	switch {
	case p.Foreign:
		undo = fmt.Sprintf("none: %q existed at %s before rehome, which cannot tell the messages it drained there from others', so they stay", mp.Name, m.To)
	case p.NoMoveBack != "":
		undo = fmt.Sprintf("refused: %s; the drained messages stay in %q at %s and the queue is kept", p.NoMoveBack, mp.Name, m.To)
	}
	scope := Scope(m.Addr(), spec.Name, dst.ID(), mp.Name)
	d := planner.Action{Address: mc.Addr("drain", spec.Name), Type: typeMessages, Action: planner.ActSync, Phase: planner.PhaseCutover,
		DependsOn: []string{addr}, From: a.From, To: a.To, Scope: scope, Params: planner.EncodeParams(p),
		Estimate: planner.Estimate{Items: depth.Total(), Seconds: float64(depth.Total()) * 0.002},
		Check: fmt.Sprintf("%q at %s is empty, and every message received was published to %q, confirmed, then deleted (sent = confirmed = deleted)",
			spec.Name, m.From, mp.Name),
		Undo: undo,
		Reason: fmt.Sprintf("%s at %s now (%d visible, %d in flight, %d delayed): receive, publish with confirms, delete after the confirm",
			messagesNoun(depth.Total()), m.From, depth.Visible, max(depth.InFlight, 0), depth.Delayed),
		Options: []planner.Option{{Name: "drain_timeout", Value: duration(cfg.DrainTimeout)}, {Name: "hold", Value: duration(defaultHold)}}}
	if spec.FIFO {
		d.Options = append(d.Options, planner.Option{Name: "order", Value: "at most one message of a group in flight, each group in order"})
	}
	// A dead-letter queue is drained after the queues sending to it, so a
	// message they dead-letter during their drain is carried too.
	for _, snd := range senders {
		d.DependsOn = append(d.DependsOn, mc.Addr("drain", snd))
	}
	mc.Add(d)
	return nil
}

// settingOptions shows a mapping's settings as the action's options.
func settingOptions(mp providers.QueueMapping) []planner.Option {
	out := make([]planner.Option, 0, len(mp.Settings))
	for _, s := range mp.Settings {
		v := s.Value
		if s.From != "" {
			v += "  (" + s.From + ")"
		}
		out = append(out, planner.Option{Name: s.Name, Value: v})
	}
	return out
}

// moveBackBlocker says why a rollback could not move drained messages
// back to the source ("" when it can).
func moveBackBlocker(mc *planner.MoveContext, p drainParams) string {
	var why []string
	if _, ok := mc.From.Provider.(providers.MessageMover); !ok || !mc.From.Factory.Caps.Role(Kind).Can(providers.Destination) {
		why = append(why, fmt.Sprintf("%s (%s) cannot take messages published back", mc.Move.From, mc.From.Factory.Name))
	}
	if _, ok := mc.To.Provider.(providers.MessageMover); !ok || !mc.To.Factory.Caps.Role(Kind).Can(providers.Source) {
		why = append(why, fmt.Sprintf("messages cannot be received from %s (%s)", mc.Move.To, mc.To.Factory.Name))
	}
	return strings.Join(why, "; ")
}
