package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// Name is the provider name used in environment blocks.
const Name = "rabbitmq"

// Factory returns the RabbitMQ provider's factory.
func Factory() providers.Factory {
	return providers.Factory{
		Name:        Name,
		Description: "A RabbitMQ virtual host over AMQP 0-9-1: quorum queues, dead-letter routing, publisher confirms",
		Schema: providers.Schema{Attributes: []providers.Attribute{
			{Name: "url", Type: cty.String, Required: true, Sensitive: true,
				Description: "amqp:// or amqps:// URL with user, password and virtual host (amqp://user:pass@host:5672/vhost)"},
			{Name: "management_url", Type: cty.String, Sensitive: true,
				Description: "the management API (http://user:pass@host:15672), to list queues and read their settings; optional"},
		}},
		Caps: capabilities(),
		New:  func() providers.Provider { return &Provider{log: slog.New(slog.DiscardHandler)} },
	}
}

func capabilities() providers.Caps {
	return providers.Caps{
		Kinds: map[providers.Kind]providers.Role{providers.KindQueue: providers.Source | providers.Destination},
		// FIFO: single active consumer keeps one order for the whole queue;
		// dead letters: dead-letter exchange and delivery limit; no delivery
		// delay, no broker-side deduplication; listing only through the
		// management API.
		Queue: providers.QueueCaps{FIFO: true, DeadLetter: true, Messages: true},
	}
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.Queue        = (*Provider)(nil)
	_ providers.MessageMover = (*Provider)(nil)
	_ providers.Identifier   = (*Provider)(nil)
)

// Provider is one RabbitMQ virtual host. Configure it once; afterwards it
// is safe for concurrent use.
type Provider struct {
	env    string
	url    string // with the password
	uri    amqp.URI
	mgmt   *management
	log    *slog.Logger
	secret []string // what redact removes from errors

	mu       sync.Mutex
	conn     *amqp.Connection
	version  string
	pub      *publisher
	getters  map[string]*getter // by queue
	nextChan int
}

// Name returns "rabbitmq".
func (p *Provider) Name() string { return Name }

// Identity names the server and virtual host, never the credentials.
func (p *Provider) Identity() string {
	return fmt.Sprintf("rabbitmq://%s:%d/%s", p.uri.Host, p.uri.Port, url.PathEscape(p.uri.Vhost))
}

// Configure reads url and management_url.
func (p *Provider) Configure(ctx context.Context, cfg providers.Config) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if cfg.Logger != nil {
		p.log = cfg.Logger
	}
	p.env = cfg.Env
	v, _ := cfg.Value.UnmarkDeep()
	str := func(name string) string {
		if v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
			return ""
		}
		a := v.GetAttr(name)
		if a.IsNull() || !a.IsKnown() || a.Type() != cty.String {
			return ""
		}
		return a.AsString()
	}
	var errs []error
	raw := str("url")
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		errs = append(errs, &providers.AttrError{Attr: "url", Err: fmt.Errorf("not an AMQP URL (amqp://user:pass@host:5672/vhost): %s", providers.RedactText(err.Error(), raw))})
	}
	p.url, p.uri = raw, uri
	p.secret = providers.URLSecrets(raw)
	if m := str("management_url"); m != "" {
		mg, err := newManagement(m, uri.Vhost)
		if err != nil {
			errs = append(errs, &providers.AttrError{Attr: "management_url", Err: err})
		}
		p.mgmt = mg
		p.secret = append(p.secret, providers.URLSecrets(m)...)
	}
	return errors.Join(errs...)
}

// fail wraps err with what was being done, marks transient failures and
// removes credentials from the text.
func (p *Provider) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	r := providers.Redact(fmt.Errorf("rabbitmq %s: %s: %w", p.Identity(), what, err), p.secret...)
	if transient(err) {
		return providers.Retryable(r)
	}
	return r
}

// transient reports AMQP failures worth retrying: a connection or channel
// closed under the call, a forced close, a broker out of resources,
// network errors. (amqp.Error.Recover is not it: it includes 404 and 406.)
func transient(err error) bool {
	if errors.Is(err, amqp.ErrClosed) {
		return true
	}
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.ConnectionForced, amqp.ResourceError, amqp.InternalError:
			return true
		}
		return false
	}
	return providers.Transient(err)
}

// amqpCode returns the AMQP reply code of err (0 when none).
func amqpCode(err error) int {
	var ae *amqp.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// connection returns the open connection, dialling it when needed.
func (p *Provider) connection(ctx context.Context) (*amqp.Connection, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil && !p.conn.IsClosed() {
		return p.conn, nil
	}
	if p.url == "" {
		return nil, errors.New("rabbitmq: provider is not configured")
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := amqp.DialConfig(p.url, amqp.Config{
		Heartbeat: 10 * time.Second,
		Locale:    "en_US",
		Dial: func(network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return c, c.SetDeadline(time.Now().Add(30 * time.Second)) // the handshake; amqp091 clears it after
		},
		Properties: amqp.Table{"connection_name": "rehome"},
	})
	if err != nil {
		return nil, p.fail("connect", err)
	}
	p.conn = conn
	if v, ok := conn.Properties["version"].(string); ok {
		p.version = v
	}
	p.pub, p.getters = nil, map[string]*getter{}
	return conn, nil
}

// channel opens a channel for one call; the caller closes it.
func (p *Provider) channel(ctx context.Context) (*amqp.Channel, error) {
	conn, err := p.connection(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, p.fail("open channel", err)
	}
	return ch, nil
}

// Close closes the connection; a later call dials again.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil || p.conn.IsClosed() {
		p.conn = nil
		return nil
	}
	err := p.conn.Close()
	p.conn = nil
	if errors.Is(err, amqp.ErrClosed) {
		err = nil
	}
	return p.fail("close", err)
}

// Discover lists the virtual host's queues when the management API is
// configured; without it AMQP cannot list queues, and the inventory says
// only that the connection works.
func (p *Provider) Discover(ctx context.Context, scope providers.Scope) (*providers.Inventory, error) {
	inv := &providers.Inventory{Env: p.env, Provider: Name, Resources: []providers.Resource{}}
	if !scope.Has(providers.KindQueue) {
		return inv, nil
	}
	if _, err := p.connection(ctx); err != nil {
		return nil, err
	}
	if p.mgmt == nil {
		return inv, nil
	}
	qs, err := p.mgmt.queues(ctx)
	if err != nil {
		return nil, p.fail("list queues", err)
	}
	for _, q := range qs {
		s := q.spec()
		attrs := map[string]string{"type": q.Arguments.str("x-queue-type"), "fifo": fmt.Sprint(s.FIFO)}
		if s.DeadLetter != "" {
			attrs["dead_letter"] = s.DeadLetter
		}
		inv.Resources = append(inv.Resources, providers.Resource{Env: p.env, Provider: Name, Kind: providers.KindQueue, Type: "queue",
			ID: p.Identity() + "/" + url.PathEscape(q.Name), Name: q.Name, Attrs: attrs,
			Usage: providers.Usage{Messages: q.Messages + q.Unacked}})
	}
	inv.Sort()
	return inv, nil
}
