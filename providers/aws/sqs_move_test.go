package aws_test

// Queue moves from SQS (the aws provider against awsfake.SQS) to the real
// RabbitMQ and NATS JetStream servers on this machine (127.0.0.1:5672
// guest/guest, 127.0.0.1:4222 with JetStream): each test has a RabbitMQ
// virtual host of its own and NATS streams named with a unique prefix,
// removed with t.Cleanup.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
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
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/memory"
	natsp "github.com/rehome/rehome/providers/nats"
	"github.com/rehome/rehome/providers/rabbitmq"
	"github.com/rehome/rehome/providers/rabbitmq/rabbittest"
)

const natsAddr = "127.0.0.1:4222"

// dying makes a drain's goroutine die, as a killed process would (no
// journal end, no records, nothing after), once left publishes have been
// confirmed.
type dying struct{ left atomic.Int64 }

func (d *dying) confirmed(n int) {
	if d.left.Load() > 0 && d.left.Add(-int64(n)) <= 0 {
		d.left.Store(0)
		runtime.Goexit()
	}
}

type dyingRabbit struct {
	*rabbitmq.Provider
	d *dying
}

func (p *dyingRabbit) PublishMessages(ctx context.Context, q string, ms []providers.Message) ([]providers.Published, error) {
	out, err := p.Provider.PublishMessages(ctx, q, ms)
	if err == nil {
		p.d.confirmed(len(ms))
	}
	return out, err
}

type dyingNATS struct {
	*natsp.Provider
	d *dying
}

func (p *dyingNATS) PublishMessages(ctx context.Context, q string, ms []providers.Message) ([]providers.Published, error) {
	out, err := p.Provider.PublishMessages(ctx, q, ms)
	if err == nil {
		p.d.confirmed(len(ms))
	}
	return out, err
}

// sqsMove is one test's SQS fake, harness and broker destination.
type sqsMove struct {
	h      *movertest.Harness
	fake   *awsfake.SQS
	src    *aws.Provider
	die    *dying
	pre    string
	broker string
	url    string
}

func newSQSMove(t *testing.T, broker string) *sqsMove {
	t.Helper()
	blankAWSEnv(t)
	m := &sqsMove{h: movertest.New(t), fake: awsfake.NewSQS(), die: &dying{}, pre: rabbittest.Unique(), broker: broker}
	srv := httptest.NewServer(m.fake)
	t.Cleanup(srv.Close)
	rf, nf := rabbitmq.Factory(), natsp.Factory()
	rf.New = func() providers.Provider {
		return &dyingRabbit{Provider: rabbitmq.Factory().New().(*rabbitmq.Provider), d: m.die}
	}
	nf.New = func() providers.Provider {
		return &dyingNATS{Provider: natsp.Factory().New().(*natsp.Provider), d: m.die}
	}
	m.h.Reg = providers.NewRegistry(m.h.Store.Factory(), local.Factory(), aws.Factory(), rf, nf)
	v := fakeEnv(t, map[string]string{"sqs": srv.URL})
	m.src = m.h.Env("old", aws.Name, v.AsValueMap()).(*aws.Provider)
	m.url = "nats://" + natsAddr
	if broker == "rabbitmq" {
		m.url = rabbittest.Vhost(t, "rehome-"+m.pre)
	} else {
		natsCleanup(t, m.pre)
	}
	m.h.Envs["new"] = &lang.Environment{Name: "new", Provider: broker, Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(m.url)})}
	return m
}

func natsCleanup(t *testing.T, prefix string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", natsAddr, 2*time.Second)
	if err != nil {
		t.Fatalf("NATS at %s is down (%v): start it (README, Queues)", natsAddr, err)
	}
	c.Close()
	t.Cleanup(func() {
		nc, err := gonats.Connect("nats://" + natsAddr)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		for n := range js.StreamNames(context.Background()).Name() {
			if strings.HasPrefix(n, natsp.StreamName(prefix)) || strings.HasPrefix(n, prefix) {
				if err := js.DeleteStream(context.Background(), n); err != nil {
					t.Errorf("cleanup: delete stream %s: %v", n, err)
				}
			}
		}
	})
}

// seed makes, at the SQS fake, a FIFO queue with a FIFO dead-letter queue
// and a standard queue with a standard one, and sends fifo messages in 20
// groups and std messages. It returns the bodies sent per group ("" for
// the standard queue).
func (m *sqsMove) seed(t *testing.T, fifo, std int) map[string][]string {
	t.Helper()
	s, ctx := m.fake.Service(), context.Background()
	mk := func(name string, attrs map[string]string) string {
		u, err := s.CreateQueue(ctx, m.pre+name, attrs, map[string]string{"team": "shop"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	arn := func(n string) string { return "arn:aws:sqs:us-east-1:000000000000:" + m.pre + n }
	mk("-orders-dlq.fifo", map[string]string{"FifoQueue": "true", "MessageRetentionPeriod": "1209600"})
	orders := mk("-orders.fifo", map[string]string{"FifoQueue": "true", "VisibilityTimeout": "120", "MessageRetentionPeriod": "86400",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":10}`, arn("-orders-dlq.fifo"))})
	mk("-jobs-dlq", nil)
	jobs := mk("-jobs", map[string]string{"VisibilityTimeout": "60", "MaximumMessageSize": "65536",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":5}`, arn("-jobs-dlq"))})
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
		if _, err := s.SendMessage(ctx, memory.SendMessageInput{QueueURL: jobs, MessageBody: body,
			MessageAttributes: map[string]memory.MessageAttributeValue{"blob": {DataType: "Binary", BinaryValue: []byte{0, 1, byte(i)}}}}); err != nil {
			t.Fatal(err)
		}
		sent[""] = append(sent[""], body)
	}
	return sent
}

// got is a message read back from the broker.
type got struct{ origin, group, body, attr string }

// read reads every message of a destination queue without taking it.
func (m *sqsMove) read(t *testing.T, name string, want int) []got {
	t.Helper()
	if m.broker == "nats" {
		return readStream(t, natsp.StreamName(name))
	}
	conn, err := amqp.Dial(m.url)
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
	ds, err := ch.Consume(name, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []got
	for {
		select {
		case d := <-ds:
			out = append(out, got{origin: fmt.Sprint(d.Headers[providers.HeaderOriginID]), group: fmt.Sprint(d.Headers[providers.HeaderGroupID]),
				body: string(d.Body), attr: fmt.Sprint(d.Headers["n"], d.Headers["blob"])})
			continue
		case <-time.After(time.Second):
		}
		return out
	}
}

func readStream(t *testing.T, stream string) []got {
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
	var out []got
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		msg, err := st.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		out = append(out, got{origin: msg.Header.Get(providers.HeaderOriginID), group: msg.Header.Get(providers.HeaderGroupID),
			body: string(msg.Data), attr: msg.Header.Get("n") + msg.Header.Get("blob")})
	}
	return out
}

// arrived checks that every sent body arrived, that copies beyond one
// number dups, and that each group's first copies keep the send order.
func arrived(t *testing.T, have []got, sent []string, group bool, dups int) {
	t.Helper()
	seen := map[string]int{}
	order := map[string][]string{}
	for _, r := range have {
		if seen[r.body]++; seen[r.body] == 1 {
			order[r.group] = append(order[r.group], r.body)
		}
		if r.attr == "" || r.origin == "" {
			t.Errorf("message %q arrived without its attributes or origin id: %+v", r.body, r)
		}
	}
	extra := 0
	want := map[string][]string{}
	for _, b := range sent {
		switch n := seen[b]; {
		case n == 0:
			t.Errorf("message %q was lost", b)
		case n > 1:
			extra += n - 1
		}
		if group {
			g, _, _ := strings.Cut(b, "-")
			want[g] = append(want[g], b)
		}
	}
	if extra != dups || len(have) != len(sent)+dups {
		t.Errorf("destination holds %d for %d sent: %d extra copies, want %d", len(have), len(sent), extra, dups)
	}
	for g, bodies := range want {
		if !slices.Equal(order[g], bodies) {
			t.Errorf("group %s out of order at the destination", g)
		}
	}
}

func (m *sqsMove) recon(t *testing.T, cfg *lang.Config, queueName string) map[string]int {
	t.Helper()
	s := m.h.Open(cfg, "plan")
	defer s.Close()
	r := s.State().FindResource(fmt.Sprintf("move.queue.q.messages[%q]", queueName))
	if r == nil {
		t.Fatalf("no drain of %s in the state", queueName)
	}
	out := map[string]int{}
	for _, k := range []string{"moved", "sent", "confirmed", "deduplicated", "in_doubt", "deleted"} {
		var v int
		fmt.Sscan(r.Attrs[k], &v)
		out[k] = v
	}
	return out
}

// queueMoveOf moves the named queues. The drain waits longer than the
// 5-minute hold: a receive whose answer was lost (a standard queue has no
// attempt id to ask for the same messages again) leaves its messages in
// flight until the hold passes, and the drain must still carry them.
func queueMoveOf(names ...string) *lang.Move {
	return &lang.Move{Kind: providers.KindQueue, Name: "q", From: "old", To: "new",
		Settings: &queue.Settings{Queues: names, Drain: true, DrainTimeout: 6 * time.Minute}}
}

// TestSQSToBrokers moves a FIFO queue and a standard one, each with its
// dead-letter queue, from SQS to each broker: the plan shows the mapping
// each broker gives, the created queues hold it, every message arrives
// once with its attributes and, for FIFO, in group order.
func TestSQSToBrokers(t *testing.T) {
	for _, broker := range []string{"rabbitmq", "nats"} {
		t.Run(broker, func(t *testing.T) {
			m := newSQSMove(t, broker)
			sent := m.seed(t, 300, 120)
			fifo, std := m.pre+"-orders.fifo", m.pre+"-jobs"
			cfg := m.h.Config(queueMoveOf(fifo, std))
			plan := m.h.Plan(cfg)
			if b := plan.Blockers(); len(b) > 0 {
				t.Fatalf("blockers: %+v", b)
			}
			f, ok := m.h.Reg.Get(broker)
			if !ok {
				t.Fatal(broker)
			}
			dst := f.New().(providers.Queue)
			for _, name := range []string{fifo, std, m.pre + "-orders-dlq.fifo", m.pre + "-jobs-dlq"} {
				spec, err := m.src.Queue(m.h.Ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				want := dst.MapQueue(spec)
				a := movertest.ActionAt(t, plan, fmt.Sprintf("move.queue.q.queue[%q]", name))
				if len(a.Options) != len(want.Settings) {
					t.Errorf("%s: the plan shows %d settings, the mapping has %d: %+v", name, len(a.Options), len(want.Settings), a.Options)
				}
				for i, s := range want.Settings {
					if i < len(a.Options) && (a.Options[i].Name != s.Name || !strings.HasPrefix(a.Options[i].Value, s.Value)) {
						t.Errorf("%s: plan option %d is %s = %s, the mapping says %s = %s", name, i, a.Options[i].Name, a.Options[i].Value, s.Name, s.Value)
					}
				}
			}
			if broker == "nats" {
				// what NATS cannot hold (the dead-letter move) is said
				if len(movertest.Findings(plan)) == 0 {
					t.Error("no findings for NATS's gaps")
				}
			}
			m.h.Apply(cfg)
			if broker == "nats" { // JetStream says its settings: they must be the mapping's
				s := m.h.Open(cfg, "plan")
				np := s.Envs["new"].Provider.(providers.Queue)
				for _, name := range []string{fifo, std} {
					spec, _ := m.src.Queue(m.h.Ctx, name)
					mp := np.MapQueue(spec)
					have, err := np.Queue(m.h.Ctx, mp.Name)
					if err != nil {
						t.Fatal(err)
					}
					if d := have.Differences(mp.Held); d != "" {
						t.Errorf("%s at NATS: %s", name, d)
					}
				}
				s.Close()
			}
			m.h.Cutover(cfg)
			for _, q := range []string{fifo, std} {
				if d, err := m.src.Depth(m.h.Ctx, q); err != nil || d.Total() != 0 {
					t.Errorf("SQS %s after the cutover: %+v %v", q, d, err)
				}
				if r := m.recon(t, cfg, q); r["sent"] != r["confirmed"] || r["in_doubt"] != 0 {
					t.Errorf("%s: reconciliation %v, want sent = confirmed, none in doubt", q, r)
				}
			}
			var all []string
			for g, b := range sent {
				if g != "" {
					all = append(all, b...)
				}
			}
			if r := m.recon(t, cfg, fifo); r["moved"] != 300 || r["confirmed"] != 300 {
				t.Errorf("FIFO reconciliation %v, want 300 moved and confirmed", r)
			}
			if r := m.recon(t, cfg, std); r["moved"] != 120 || r["confirmed"] != 120 {
				t.Errorf("standard reconciliation %v, want 120 moved and confirmed", r)
			}
			arrived(t, m.read(t, fifo, 300), all, true, 0)
			arrived(t, m.read(t, std, 120), sent[""], false, 0)

			// Rollback drains every message back into SQS (FIFO groups in
			// order, with their attributes) and deletes the queues rehome
			// created.
			r := m.h.Runner()
			r.Options.Force = true
			r.Rollback(t, cfg)
			for q, n := range map[string]int64{fifo: 300, std: 120} {
				if d, err := m.src.Depth(m.h.Ctx, q); err != nil || d.Visible != n {
					t.Errorf("SQS %s after rollback: %+v %v, want %d visible", q, d, err, n)
				}
			}
			back, err := m.src.ReceiveMessages(m.h.Ctx, fifo, 10, time.Minute)
			if err != nil || len(back) == 0 || back[0].GroupID == "" || back[0].Attributes["n"].Type != "Number" {
				t.Errorf("a message moved back lost its group or attributes: %+v %v", back, err)
			}
			s := m.h.Open(cfg, "plan")
			defer s.Close()
			dq := s.Envs["new"].Provider.(providers.Queue)
			for _, name := range []string{fifo, std, m.pre + "-orders-dlq.fifo", m.pre + "-jobs-dlq"} {
				if broker == "nats" {
					name = natsp.StreamName(name)
				}
				if _, err := dq.Queue(m.h.Ctx, name); !errors.Is(err, providers.ErrNotFound) {
					t.Errorf("%s at %s after rollback: %v, want it deleted", name, broker, err)
				}
			}
		})
	}
}

// TestSQSDrainCrashReconciles drains 10,000 FIFO messages (and 500 of a
// standard queue) from SQS into each broker, kills the drain after 4,321
// confirmed publishes, runs the cutover again and checks: nothing lost,
// every copy beyond one accounted for (none at NATS, whose Nats-Msg-Id
// drops the repeats), each group in order, sent = confirmed + in doubt,
// moved = what was sent.
func TestSQSDrainCrashReconciles(t *testing.T) {
	for _, broker := range []string{"rabbitmq", "nats"} {
		t.Run(broker, func(t *testing.T) {
			m := newSQSMove(t, broker)
			const fifoN = 10000
			sent := m.seed(t, fifoN, 500)
			fifo, std := m.pre+"-orders.fifo", m.pre+"-jobs"
			cfg := m.h.Config(queueMoveOf(fifo, std))
			if b := m.h.Plan(cfg).Blockers(); len(b) > 0 {
				t.Fatalf("blockers: %+v", b)
			}
			m.h.Apply(cfg)
			m.die.left.Store(4321)
			s := m.h.Open(cfg, "cutover")
			p, err := s.Plan(m.h.Ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Cutover(m.h.Ctx, p, engine.RunOptions{Parallelism: 3}); err != nil {
				t.Fatal(err)
			}
			if len(s.State().Unfinished()) == 0 {
				t.Fatal("the drain did not die")
			}
			s.Close()
			if d, _ := m.src.Depth(m.h.Ctx, fifo); d.Total() == 0 || d.Total() == fifoN {
				t.Fatalf("the crash left %+v at SQS; want a drain cut short", d)
			}
			m.h.Cutover(cfg)
			for _, q := range []string{fifo, std} {
				if d, err := m.src.Depth(m.h.Ctx, q); err != nil || d.Total() != 0 {
					t.Errorf("SQS %s after the second cutover: %+v %v", q, d, err)
				}
			}
			r := m.recon(t, cfg, fifo)
			if r["moved"] != fifoN || r["sent"] != r["confirmed"]+r["in_doubt"] || r["in_doubt"] == 0 {
				t.Errorf("reconciliation %v: want %d moved, sent = confirmed + in doubt, some in doubt after the crash", r, fifoN)
			}
			certain := r["confirmed"] - r["deduplicated"] - r["moved"]
			have := m.read(t, fifo, fifoN+certain+r["in_doubt"])
			dups := len(have) - fifoN
			if dups < certain || dups > certain+r["in_doubt"] {
				t.Errorf("%d copies beyond one at %s; the drain reported %d certain and %d in doubt", dups, broker, certain, r["in_doubt"])
			}
			if broker == "nats" && (dups != 0 || r["deduplicated"] == 0) {
				t.Errorf("NATS kept %d duplicates and dropped %d; want none kept (Nats-Msg-Id)", dups, r["deduplicated"])
			}
			var all []string
			for g, b := range sent {
				if g != "" {
					all = append(all, b...)
				}
			}
			arrived(t, have, all, true, dups)
			if got := m.fake.Calls("DeleteMessageBatch"); got < fifoN/10 {
				t.Errorf("%d DeleteMessageBatch calls for %d messages: deletes are not batched", got, fifoN)
			}
		})
	}
}
