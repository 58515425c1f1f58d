package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "nats"

// Factory returns the NATS provider's factory.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "A NATS server with JetStream: a work-queue stream and a durable pull consumer per queue",
		Schema: providers.Schema{Attributes: []providers.Attribute{
			{Name: "url", Type: cty.String, Required: true, Sensitive: true,
				Description: "nats:// URL, with user and password or a token when the server needs them (nats://user:pass@host:4222)"},
		}},
		Caps: capabilities(),
		New:  func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func capabilities() providers.Caps {
	return providers.Caps{
		Kinds: map[providers.Kind]providers.Role{providers.KindQueue: providers.Source | providers.Destination},
		// FIFO: one message in flight at a time; dead letters: MaxDeliver
		// with the server's advisories kept in a stream (the message itself
		// is not moved); deduplication: Nats-Msg-Id within the stream's
		// duplicate window; no delivery delay.
		Queue: providers.QueueCaps{FIFO: true, DeadLetter: true, Messages: true, Dedup: true, List: true},
	}
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.Queue        = (*Provider)(nil)
	_ providers.MessageMover = (*Provider)(nil)
	_ providers.Identifier   = (*Provider)(nil)
)

// Provider is one NATS server (its JetStream account). Configure it once;
// afterwards it is safe for concurrent use.
type Provider struct {
	env    string
	url    string
	server string // host:port, without credentials
	log    *slog.Logger
	secret []string

	mu   sync.Mutex
	nc   *nats.Conn
	js   jetstream.JetStream
	msgs map[string]jetstream.Msg // receipt -> delivery, for this process
}

// Name returns "nats".
func (p *Provider) Name() string { return Name }

// Identity names the server, never the credentials.
func (p *Provider) Identity() string { return "nats://" + p.server }

// Configure reads url.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	p.env = cfg.Env
	v, _ := cfg.Value.UnmarkDeep()
	raw := ""
	if !v.IsNull() && v.Type().IsObjectType() && v.Type().HasAttribute("url") {
		if a := v.GetAttr("url"); !a.IsNull() && a.IsKnown() && a.Type() == cty.String {
			raw = a.AsString()
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "nats+tls") || u.Host == "" {
		return &providers.AttrError{Attr: "url", Err: errors.New("not a NATS URL (nats://host:4222, optionally with user:pass@ or a token@)")}
	}
	p.url, p.server = raw, u.Host
	p.secret = nil
	if u.User != nil {
		p.secret = append(p.secret, raw)
		if pw, ok := u.User.Password(); ok && pw != "" {
			p.secret = append(p.secret, pw, url.QueryEscape(pw))
		} else if tok := u.User.Username(); tok != "" {
			p.secret = append(p.secret, tok) // a token
		}
	}
	return nil
}

// fail wraps err with what was being done, maps JetStream's errors to the
// sentinels, marks transient failures and removes credentials.
func (p *Provider) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	var w error
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound):
		w = fmt.Errorf("nats %s: %s: %w (%w)", p.Identity(), what, providers.ErrNotFound, err)
	default:
		w = fmt.Errorf("nats %s: %s: %w", p.Identity(), what, err)
	}
	r := providers.Redact(w, p.secret...)
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, jetstream.ErrNoHeartbeat) || providers.Transient(err) {
		return providers.Retryable(r)
	}
	return r
}

// client returns the connection and its JetStream context, connecting
// when needed.
func (p *Provider) client(ctx context.Context) (*nats.Conn, jetstream.JetStream, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nc != nil && !p.nc.IsClosed() {
		return p.nc, p.js, nil
	}
	if p.url == "" {
		return nil, nil, errors.New("nats: provider is not configured")
	}
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	nc, err := nats.Connect(p.url, nats.Name("rehome"), nats.Timeout(timeout), nats.MaxReconnects(5))
	if err != nil {
		return nil, nil, p.fail("connect", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, p.fail("open JetStream", err)
	}
	p.nc, p.js, p.msgs = nc, js, map[string]jetstream.Msg{}
	return nc, js, nil
}

// Close closes the connection; a later call connects again.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nc != nil {
		p.nc.Close()
		p.nc = nil
	}
	return nil
}

// Discover lists the work-queue streams as queues.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	if !scope.Has(providers.KindQueue) {
		return inv, nil
	}
	_, js, err := p.client(ctx)
	if err != nil {
		return nil, err
	}
	l := js.ListStreams(ctx)
	for si := range l.Info() {
		attrs := map[string]string{"retention": si.Config.Retention.String(), "subjects": strings.Join(si.Config.Subjects, " ")}
		inv.Resources = append(inv.Resources, providers.Resource{Env: p.env, Provider: Name, Kind: providers.KindQueue, Type: "queue",
			ID: p.Identity() + "/" + si.Config.Name, Name: si.Config.Name, Attrs: attrs,
			Usage: providers.Usage{Messages: int64(si.State.Msgs), Bytes: int64(si.State.Bytes)}})
	}
	if err := l.Err(); err != nil {
		return nil, p.fail("list streams", err)
	}
	inv.Sort()
	return inv, nil
}
