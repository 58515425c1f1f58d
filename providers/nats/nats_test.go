package nats_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	gonats "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/nats"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/rabbitmq/rabbittest"
)

const addr = "127.0.0.1:4222"

func configure(t *testing.T, url string) (*nats.Provider, error) {
	t.Helper()
	p := nats.Factory().New().(*nats.Provider)
	err := p.Configure(context.Background(), providers.Config{Env: "bus", Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)}),
		Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { p.Close() })
	return p, err
}

// cleanup deletes the streams whose names start with prefix.
func cleanup(t *testing.T, prefix string) {
	t.Cleanup(func() {
		nc, err := gonats.Connect("nats://" + addr)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		for n := range js.StreamNames(context.Background()).Name() {
			if strings.HasPrefix(n, prefix) {
				_ = js.DeleteStream(context.Background(), n)
			}
		}
	})
}

func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	if _, err := configure(t, "amqp://x"); err == nil {
		t.Error("a non-NATS url was taken")
	}
	p, err := configure(t, "nats://user:sup3rsecret@127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Identity() != "nats://127.0.0.1:1" {
		t.Errorf("identity %q", p.Identity())
	}
	if _, err := p.Queue(context.Background(), "q"); err == nil || strings.Contains(err.Error(), "sup3rsecret") {
		t.Errorf("a refused connection: %v; want an error without the password", err)
	}
}

func TestQueueContract(t *testing.T) {
	t.Parallel()
	name := rabbittest.Unique()
	cleanup(t, name)
	p, err := configure(t, "nats://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	providertest.RunQueueContract(t, providertest.QueueOpt{Provider: p, Caps: nats.Factory().Caps.Queue, Prefix: name})
}

// TestDuplicatesAndAdvisories: a repeated Nats-Msg-Id is acknowledged as
// a duplicate; a queue with a dead-letter queue gets its advisory stream,
// deleted with it.
func TestDuplicatesAndAdvisories(t *testing.T) {
	t.Parallel()
	name := rabbittest.Unique()
	cleanup(t, name)
	p, err := configure(t, "nats://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	spec := providers.QueueSpec{Name: name + ".jobs", DeadLetter: name + ".dlq", MaxReceives: 2, VisibilityTimeout: time.Second}
	if err := p.EnsureQueue(ctx, spec); err != nil {
		t.Fatal(err)
	}
	stream := nats.StreamName(spec.Name)
	m := providers.Message{ID: "x1", Body: []byte("x")}
	first, err := p.PublishMessages(ctx, stream, []providers.Message{m})
	if err != nil || first[0].Duplicate {
		t.Fatalf("first publish: %+v %v", first, err)
	}
	again, err := p.PublishMessages(ctx, stream, []providers.Message{m})
	if err != nil || !again[0].Duplicate {
		t.Errorf("repeat publish: %+v %v, want a duplicate", again, err)
	}
	if _, err := p.Queue(ctx, stream+"-dead-letters"); err != nil {
		t.Errorf("advisory stream: %v", err)
	}
	got, err := p.Queue(ctx, stream)
	if err != nil || got.DeadLetter != spec.DeadLetter || got.MaxReceives != 2 {
		t.Errorf("read back %+v %v", got, err)
	}
	r, _ := p.ReceiveMessages(ctx, stream, 10, time.Minute)
	if err := p.DeleteMessages(ctx, stream, []string{r[0].Receipt}); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteQueue(ctx, stream); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Queue(ctx, stream+"-dead-letters"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("advisory stream after the delete: %v", err)
	}
}
