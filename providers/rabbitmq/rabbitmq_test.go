package rabbitmq_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/providertest"
	"github.com/rehome/rehome/providers/rabbitmq"
	"github.com/rehome/rehome/providers/rabbitmq/rabbittest"
)

func configure(t *testing.T, url, mgmt string) (*rabbitmq.Provider, error) {
	t.Helper()
	attrs := map[string]cty.Value{"url": cty.StringVal(url), "management_url": cty.NullVal(cty.String)}
	if mgmt != "" {
		attrs["management_url"] = cty.StringVal(mgmt)
	}
	p := rabbitmq.Factory().New().(*rabbitmq.Provider)
	err := p.Configure(context.Background(), providers.Config{Env: "mq", Value: cty.ObjectVal(attrs), Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { p.Close() })
	return p, err
}

func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	if _, err := configure(t, "http://nope", ""); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("a non-AMQP url: %v", err)
	}
	p, err := configure(t, "amqp://guest:hunter2secret@127.0.0.1:1/shop", "")
	if err != nil {
		t.Fatal(err)
	}
	if id := p.Identity(); id != "rabbitmq://127.0.0.1:1/shop" {
		t.Errorf("identity %q", id)
	}
	_, err = p.Queue(context.Background(), "q")
	if err == nil || strings.Contains(err.Error(), "hunter2secret") || !providers.IsRetryable(err) {
		t.Errorf("a refused connection: %v; want a retryable error without the password", err)
	}
	p, err = configure(t, "amqp://guest:wrongpassword1@"+rabbittest.Addr+"/", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Queue(context.Background(), "q"); err == nil || strings.Contains(err.Error(), "wrongpassword1") {
		t.Errorf("a refused login: %v; want an error without the password", err)
	}
}

// TestManagementAPI reads queues through a fake of the management API's
// GET /api/queues/{vhost}: listing, arguments, counts, basic auth, and the
// default vhost escaped as %2F.
func TestManagementAPI(t *testing.T) {
	t.Parallel()
	queues := []map[string]any{
		{"name": "orders", "type": "quorum", "messages": 7, "messages_ready": 5, "messages_unacknowledged": 2, "arguments": map[string]any{
			"x-queue-type": "quorum", "x-single-active-consumer": true, "x-message-ttl": 3600000, "x-consumer-timeout": 45000,
			"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders-dlq", "x-delivery-limit": 4, "x-max-length": 1000}},
		{"name": "orders-dlq", "type": "classic", "arguments": map[string]any{}},
	}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, pw, ok := r.BasicAuth(); !ok || u != "admin" || pw != "mgmtsecret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		paths = append(paths, r.URL.EscapedPath())
		switch p := r.URL.EscapedPath(); {
		case p == "/api/queues/%2F":
			_ = json.NewEncoder(w).Encode(queues)
		case strings.HasPrefix(p, "/api/queues/%2F/"):
			for _, q := range queues {
				if "/api/queues/%2F/"+q["name"].(string) == p {
					_ = json.NewEncoder(w).Encode(q)
					return
				}
			}
			w.WriteHeader(http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	p, err := configure(t, "amqp://guest:guest@127.0.0.1:1/", strings.Replace(srv.URL, "http://", "http://admin:mgmtsecret@", 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := p.Queues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []providers.QueueSpec{
		{Name: "orders", FIFO: true, Retention: time.Hour, VisibilityTimeout: 45 * time.Second, DeadLetter: "orders-dlq", MaxReceives: 5,
			Attrs: map[string]string{"x-max-length": "1000"}},
		{Name: "orders-dlq"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("queues (-want +got):\n%s", d)
	}
	d, err := p.Depth(ctx, "orders")
	if err != nil || d != (providers.QueueDepth{Visible: 5, InFlight: 2}) {
		t.Errorf("depth %+v %v", d, err)
	}
	if _, err := p.Queue(ctx, "missing"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("a missing queue: %v", err)
	}
	if !strings.Contains(strings.Join(paths, " "), "/api/queues/%2F/orders") {
		t.Errorf("paths asked: %v", paths)
	}
	// A read-back through the API equals what the mapping says the queue holds.
	m := p.MapQueue(providers.QueueSpec{Name: "orders", FIFO: true, Retention: time.Hour, VisibilityTimeout: 45 * time.Second, DeadLetter: "orders-dlq", MaxReceives: 5})
	if diff := got[0].Differences(m.Held); diff != "" {
		t.Errorf("the mapping and the read-back differ: %s", diff)
	}
}

func TestQueueContract(t *testing.T) {
	t.Parallel()
	name := rabbittest.Unique()
	p, err := configure(t, rabbittest.Vhost(t, "rehome-"+name), "")
	if err != nil {
		t.Fatal(err)
	}
	providertest.RunQueueContract(t, providertest.QueueOpt{Provider: p, Caps: rabbitmq.Factory().Caps.Queue, Prefix: name})
}

func TestListingNeedsManagement(t *testing.T) {
	t.Parallel()
	p, err := configure(t, rabbittest.Vhost(t, "rehome-"+rabbittest.Unique()), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Queues(context.Background()); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("Queues without management_url: %v, want ErrUnsupported", err)
	}
	if err := p.EnsureQueue(context.Background(), providers.QueueSpec{Name: "q", Retention: time.Hour}); err != nil {
		t.Fatal(err)
	}
	s, err := p.Queue(context.Background(), "q")
	if err != nil || !s.Opaque {
		t.Errorf("Queue without management_url: %+v %v, want an opaque spec", s, err)
	}
}
