package queue_test

// Moves from the memory provider playing SQS to the real RabbitMQ and NATS
// servers on this machine (127.0.0.1:5672 guest/guest, 127.0.0.1:4222 with
// JetStream). Each test has queue names of its own, and for RabbitMQ a
// virtual host of its own made with `rabbitmqctl add_vhost` (the default
// vhost, with the unique names, when rabbitmqctl cannot be run); all is
// removed with t.Cleanup.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gonats "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/engine"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers/movertest"
	"github.com/rehome/rehome/movers/queue"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
	natsp "github.com/rehome/rehome/providers/nats"
	"github.com/rehome/rehome/providers/rabbitmq"
	"github.com/rehome/rehome/providers/rabbitmq/rabbittest"
)

const (
	natsAddr = "127.0.0.1:4222"
)

func uniq() string { return rabbittest.Unique() }

func reachable(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("broker at %s is down (%v): start it (README, Queues)", addr, err)
	}
	c.Close()
}

func rabbitVhost(t *testing.T, name string) string { return rabbittest.Vhost(t, name) }

// natsCleanup deletes the test's streams (names starting with prefix).
func natsCleanup(t *testing.T, prefix string) {
	t.Helper()
	reachable(t, natsAddr)
	t.Cleanup(func() {
		nc, err := gonats.Connect("nats://" + natsAddr)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		ctx := context.Background()
		l := js.StreamNames(ctx)
		for n := range l.Name() {
			if strings.HasPrefix(n, prefix) {
				if err := js.DeleteStream(ctx, n); err != nil {
					t.Errorf("cleanup: delete stream %s: %v", n, err)
				}
			}
		}
	})
}

// crasher wraps a destination provider: after Left publishes have been
// confirmed (or, with OnDelete, after Left source deletes), the drain's
// goroutine dies as a killed process would: no journal end, no records,
// nothing after.
type crasher struct {
	Left atomic.Int64
}

func (c *crasher) hit(n int) {
	if c.Left.Load() > 0 && c.Left.Add(-int64(n)) <= 0 {
		c.Left.Store(0)
		runtime.Goexit()
	}
}

type crashingRabbit struct {
	*rabbitmq.Provider
	c *crasher
}

func (p *crashingRabbit) PublishMessages(ctx context.Context, q string, ms []providers.Message) ([]providers.Published, error) {
	out, err := p.Provider.PublishMessages(ctx, q, ms)
	if err == nil {
		p.c.hit(len(ms))
	}
	return out, err
}

type crashingNATS struct {
	*natsp.Provider
	c *crasher
}

func (p *crashingNATS) PublishMessages(ctx context.Context, q string, ms []providers.Message) ([]providers.Published, error) {
	out, err := p.Provider.PublishMessages(ctx, q, ms)
	if err == nil {
		p.c.hit(len(ms))
	}
	return out, err
}

// crashingSQS is the memory source dying after deletes.
type crashingSQS struct {
	*memory.Provider
	c *crasher
}

func (p *crashingSQS) DeleteMessages(ctx context.Context, q string, receipts []string) error {
	err := p.Provider.DeleteMessages(ctx, q, receipts)
	if err == nil {
		p.c.hit(len(receipts))
	}
	return err
}

// brokerHarness is a harness whose registry also has the broker providers,
// each in a crashing variant sharing one crasher, and a source crashing
// after deletes (its own crasher).
func brokerHarness(t *testing.T) (*movertest.Harness, *crasher, *crasher) {
	h := movertest.New(t)
	c, del := &crasher{}, &crasher{}
	mf := h.Store.Factory()
	mc := mf
	mc.Name = "memory-crashing"
	mc.New = func() providers.Provider { return &crashingSQS{Provider: mf.New().(*memory.Provider), c: del} }
	rf, nf := rabbitmq.Factory(), natsp.Factory()
	rc, nc := rf, nf
	rc.Name, nc.Name = "rabbitmq-crashing", "nats-crashing"
	rc.New = func() providers.Provider { return &crashingRabbit{Provider: rf.New().(*rabbitmq.Provider), c: c} }
	nc.New = func() providers.Provider { return &crashingNATS{Provider: nf.New().(*natsp.Provider), c: c} }
	h.Reg = providers.NewRegistry(mf, mc, local.Factory(), rf, nf, rc, nc)
	return h, c, del
}

func brokerEnv(h *movertest.Harness, name, provider, url string) {
	h.Envs[name] = &lang.Environment{Name: name, Provider: provider,
		Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)})}
}

// received is a message read back from a destination.
type received struct {
	origin, group, body string
}

// readRabbit reads every message of a queue without taking it (the
// deliveries are requeued when the channel closes).
func readRabbit(t *testing.T, url, queue string, want int) []received {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(want+100, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for {
		select {
		case d := <-ds:
			out = append(out, received{origin: fmt.Sprint(d.Headers[providers.HeaderOriginID]), group: fmt.Sprint(d.Headers[providers.HeaderGroupID]), body: string(d.Body)})
			continue
		case <-time.After(time.Second):
		}
		break
	}
	return out
}

// readNATS reads every message of a stream by sequence, without taking it.
func readNATS(t *testing.T, stream string) []received {
	t.Helper()
	nc, err := gonats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			continue // removed
		}
		out = append(out, received{origin: m.Header.Get(providers.HeaderOriginID), group: m.Header.Get(providers.HeaderGroupID), body: string(m.Data)})
	}
	return out
}

// checkArrived checks that every sent body arrived at least once, that the
// copies beyond one are dups, and that each group's first copies keep the
// order they were sent in.
func checkArrived(t *testing.T, got []received, sent map[string][]string, total, dups int) {
	t.Helper()
	if len(got) != total+dups {
		t.Errorf("destination holds %d messages, want %d sent plus %d duplicates", len(got), total, dups)
	}
	seen := map[string]int{}
	order := map[string][]string{}
	for _, r := range got {
		seen[r.body]++
		if seen[r.body] == 1 {
			order[r.group] = append(order[r.group], r.body)
		}
	}
	extra := 0
	for _, bodies := range sent {
		for _, b := range bodies {
			switch n := seen[b]; {
			case n == 0:
				t.Errorf("message %q was lost", b)
			case n > 1:
				extra += n - 1
			}
		}
	}
	if extra != dups {
		t.Errorf("%d duplicates at the destination, want %d", extra, dups)
	}
	for g, bodies := range sent {
		if g == "" {
			continue
		}
		if !slices.Equal(order[g], bodies) {
			t.Errorf("group %s out of order at the destination", g)
		}
	}
}

// stateAttr reads a drain's reconciliation from the state.
func stateAttr(t *testing.T, h *movertest.Harness, cfg *lang.Config, addr, attr string) string {
	t.Helper()
	s := h.Open(cfg, "plan")
	defer s.Close()
	r := s.State().FindResource(addr)
	if r == nil {
		t.Fatalf("no state resource %s", addr)
	}
	return r.Attrs[attr]
}

func cutoverCrashing(t *testing.T, h *movertest.Harness, cfg *lang.Config) {
	t.Helper()
	s := h.Open(cfg, "cutover")
	defer s.Close()
	p, err := s.Plan(h.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cutover(h.Ctx, p, engine.RunOptions{Parallelism: 3}); err != nil {
		t.Fatal(err)
	}
	if len(s.State().Unfinished()) == 0 {
		t.Fatal("the drain did not crash")
	}
}

// seedBig makes a FIFO queue with a dead-letter queue and a standard one
// at the memory source and sends fifo messages in 20 groups and std
// messages; it returns the bodies sent per group ("" for the standard
// queue).
func seedBig(t *testing.T, src interface{ SQS() *memory.SQS }, pre string, fifo, std int) map[string][]string {
	t.Helper()
	ctx := context.Background()
	s := src.SQS()
	mk := func(name string, attrs map[string]string) string {
		u, err := s.CreateQueue(ctx, name, attrs, nil)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	arn := func(n string) string { return "arn:aws:sqs:us-east-1:000000000000:" + n }
	mk(pre+"-orders-dlq.fifo", map[string]string{"FifoQueue": "true"})
	orders := mk(pre+"-orders.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "120", "MessageRetentionPeriod": "86400",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":10}`, arn(pre+"-orders-dlq.fifo"))})
	jobs := mk(pre+"-jobs", map[string]string{"VisibilityTimeout": "60"})
	sent := map[string][]string{}
	for i := range fifo {
		g := fmt.Sprintf("g%02d", i%20)
		body := fmt.Sprintf("%s-order-%05d", g, i)
		if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: orders, MessageBody: body, MessageGroupID: g,
			MessageDeduplicationID: fmt.Sprintf("o%d", i),
			MessageAttributes:      map[string]memory.MessageAttributeValue{"n": {DataType: "Number", StringValue: fmt.Sprint(i)}}}); err != nil {
			t.Fatal(err)
		}
		sent[g] = append(sent[g], body)
	}
	for i := range std {
		body := fmt.Sprintf("job-%05d", i)
		if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: jobs, MessageBody: body}); err != nil {
			t.Fatal(err)
		}
		sent[""] = append(sent[""], body)
	}
	return sent
}

// TestDrainCrashMidwayReconcilesExactly drains 10,000 FIFO messages (and
// a standard queue) into each broker, kills the drain after 4,321
// confirmed publishes, runs the cutover again, and checks: nothing lost,
// every copy beyond one accounted for, each group in order, the counts
// reconciled.
func TestDrainCrashMidwayReconcilesExactly(t *testing.T) {
	t.Parallel()
	for _, broker := range []string{"rabbitmq", "nats"} {
		t.Run(broker, func(t *testing.T) {
			t.Parallel()
			brokerMove(t, broker, 10000, 500, crashAfterPublish, 4321, false)
		})
	}
}

// TestDrainCrashAfterDeletesReconciles kills the drain after deletes at
// the source whose done records were not written: the next cutover
// publishes nothing twice.
func TestDrainCrashAfterDeletesReconciles(t *testing.T) {
	t.Parallel()
	for _, broker := range []string{"rabbitmq", "nats"} {
		t.Run(broker, func(t *testing.T) {
			t.Parallel()
			brokerMove(t, broker, 2000, 100, crashAfterDelete, 1234, false)
		})
	}
}

// TestBrokerMoveRollsBack moves queues into each broker, cuts over and
// rolls back: every message goes back to the source, the queues rehome
// created are deleted.
func TestBrokerMoveRollsBack(t *testing.T) {
	t.Parallel()
	for _, broker := range []string{"rabbitmq", "nats"} {
		t.Run(broker, func(t *testing.T) {
			t.Parallel()
			brokerMove(t, broker, 300, 100, noCrash, 0, true)
		})
	}
}

// Where brokerMove's drain dies.
const (
	noCrash = iota
	crashAfterPublish
	crashAfterDelete
)

func brokerMove(t *testing.T, broker string, fifoN, stdN, crashWhere int, crashAt int64, rollback bool) {
	h, crash, delCrash := brokerHarness(t)
	pre := uniq()
	url := "nats://" + natsAddr
	if broker == "rabbitmq" {
		url = rabbitVhost(t, "rehome-"+pre)
	} else {
		natsCleanup(t, pre)
	}
	src := h.Mem("old")
	h.Envs["old"].Provider = "memory-crashing"
	brokerEnv(h, "new", broker+"-crashing", url)
	sent := seedBig(t, src, pre, fifoN, stdN)
	fifo, std := pre+"-orders.fifo", pre+"-jobs"
	cfg := h.Config(queueMove(&queue.Settings{Queues: []string{fifo, std}, Drain: true, DrainTimeout: 2 * time.Minute}))
	if b := h.Plan(cfg).Blockers(); len(b) > 0 {
		t.Fatalf("blockers: %+v", b)
	}
	h.Apply(cfg)
	if crashWhere == crashAfterDelete {
		crash = delCrash
	}
	if crashWhere != noCrash {
		crash.Left.Store(crashAt)
		cutoverCrashing(t, h, cfg)
		if d, _ := src.Depth(h.Ctx, fifo); d.Total() == 0 || d.Total() == int64(fifoN) {
			t.Fatalf("the crash left %+v at the source; want a drain cut short", d)
		}
	}
	h.Cutover(cfg)

	for _, q := range []string{fifo, std} {
		if d, err := src.Depth(h.Ctx, q); err != nil || d.Total() != 0 {
			t.Errorf("source %s after the cutover: %+v %v", q, d, err)
		}
	}
	addr := fmt.Sprintf("move.queue.q.messages[%q]", fifo)
	n := func(attr string) int {
		var v int
		fmt.Sscan(stateAttr(t, h, cfg, addr, attr), &v)
		return v
	}
	moved, confirmed, deduped, doubt := n("moved"), n("confirmed"), n("deduplicated"), n("in_doubt")
	if moved != fifoN || (crashWhere == crashAfterPublish) != (doubt > 0) || n("sent") != confirmed+doubt {
		t.Errorf("reconciliation: moved %d confirmed %d in doubt %d deduplicated %d sent %d; want %d moved, sent = confirmed + in doubt, in doubt only after a crash between publish and confirm record",
			moved, confirmed, doubt, deduped, n("sent"), fifoN)
	}
	certain := confirmed - deduped - moved
	var got []received
	if broker == "rabbitmq" {
		got = readRabbit(t, url, fifo, fifoN+certain+doubt)
	} else {
		got = readNATS(t, natsp.StreamName(fifo))
	}
	// The copies beyond one: the certain duplicates and those of the
	// publishes in doubt that had landed. NATS drops every repeat it saw
	// within its window, and says so.
	dups := len(got) - fifoN
	if dups < certain || dups > certain+doubt {
		t.Errorf("%d copies beyond one at the destination; the drain reported %d certain and %d in doubt", dups, certain, doubt)
	}
	if crashWhere == crashAfterDelete && (dups != 0 || certain != 0) {
		t.Errorf("a crash after deletes left %d duplicates (%d certain); want none", dups, certain)
	}
	if crashWhere == crashAfterPublish && broker == "nats" && (dups != 0 || deduped == 0 || deduped > doubt) {
		t.Errorf("NATS: %d duplicates kept, %d dropped by Nats-Msg-Id (of %d in doubt); want none kept, the landed repeats dropped", dups, deduped, doubt)
	}
	if crashWhere == crashAfterPublish && broker == "rabbitmq" && dups == 0 {
		t.Errorf("RabbitMQ: no duplicates, though the crash came after confirmed publishes")
	}
	fifoSent := map[string][]string{}
	for g, b := range sent {
		if g != "" {
			fifoSent[g] = b
		}
	}
	checkArrived(t, got, fifoSent, fifoN, dups)
	if !rollback {
		return
	}
	// Rollback moves every message back (the FIFO source keeps one copy of
	// each: repeats share a deduplication id) and deletes the queues
	// rehome created.
	r := h.Runner()
	r.Options.Force = true
	r.Rollback(t, cfg)
	if d, _ := src.Depth(h.Ctx, fifo); d.Visible != int64(fifoN) {
		t.Errorf("source %s after rollback holds %+v, want %d visible", fifo, d, fifoN)
	}
	if d, _ := src.Depth(h.Ctx, std); d.Visible < int64(stdN) {
		t.Errorf("source %s after rollback holds %+v, want at least %d visible", std, d, stdN)
	}
	back, _ := src.ReceiveMessages(h.Ctx, fifo, 10, time.Minute)
	if len(back) == 0 || back[0].GroupID == "" || back[0].Attributes["n"].Type != "Number" {
		t.Errorf("a message moved back lost its group or attributes: %+v", back)
	}
	s := h.Open(cfg, "plan")
	defer s.Close()
	dq := s.Envs["new"].Provider.(providers.Queue)
	for _, name := range []string{fifo, std, pre + "-orders-dlq.fifo"} {
		if broker == "nats" {
			name = natsp.StreamName(name)
		}
		if _, err := dq.Queue(h.Ctx, name); !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("destination %s after rollback: %v, want it deleted", name, err)
		}
	}
}
