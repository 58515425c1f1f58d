package rabbitmq

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rehome/rehome/providers"
)

// management is a client of the RabbitMQ management HTTP API, used only
// to list queues and read their arguments and counts (AMQP cannot).
type management struct {
	base       *url.URL // without credentials
	user, pass string
	vhost      string
	hc         *http.Client
}

func newManagement(raw, vhost string) (*management, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL of the management API (http://user:pass@host:15672)")
	}
	m := &management{vhost: vhost, hc: &http.Client{Timeout: 30 * time.Second}}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	u.User = nil
	u.Path = strings.TrimSuffix(u.Path, "/")
	m.base = u
	return m, nil
}

// mgmtQueue is a queue as the management API describes it.
type mgmtQueue struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Arguments mgmtArgs `json:"arguments"`
	Messages  int64    `json:"messages"`
	Ready     int64    `json:"messages_ready"`
	Unacked   int64    `json:"messages_unacknowledged"`
}

type mgmtArgs map[string]any

func (a mgmtArgs) str(k string) string {
	if v, ok := a[k].(string); ok {
		return v
	}
	return ""
}

func (a mgmtArgs) num(k string) (int64, bool) {
	if v, ok := a[k].(float64); ok {
		return int64(v), true
	}
	return 0, false
}

// spec reads a queue's arguments into the portable spec: the inverse of
// mapping (other arguments are kept as Attrs).
func (q mgmtQueue) spec() providers.QueueSpec {
	a := q.Arguments
	s := providers.QueueSpec{Name: q.Name}
	known := map[string]bool{"x-queue-type": true, "x-dead-letter-strategy": true, "x-overflow": true}
	if v, ok := a["x-single-active-consumer"].(bool); ok && v {
		s.FIFO = true
	}
	known["x-single-active-consumer"] = true
	if ms, ok := a.num("x-message-ttl"); ok {
		s.Retention = time.Duration(ms) * time.Millisecond
	}
	if ms, ok := a.num("x-consumer-timeout"); ok {
		s.VisibilityTimeout = time.Duration(ms) * time.Millisecond
	}
	known["x-message-ttl"], known["x-consumer-timeout"] = true, true
	if _, has := a["x-dead-letter-exchange"]; has && a.str("x-dead-letter-exchange") == "" {
		s.DeadLetter = a.str("x-dead-letter-routing-key")
		known["x-dead-letter-exchange"], known["x-dead-letter-routing-key"] = true, true
		if n, ok := a.num("x-delivery-limit"); ok {
			s.MaxReceives = int(n) + 1
			known["x-delivery-limit"] = true
		}
	}
	for k, v := range a {
		if !known[k] {
			if s.Attrs == nil {
				s.Attrs = map[string]string{}
			}
			s.Attrs[k] = fmt.Sprint(v)
		}
	}
	return s
}

func (m *management) get(ctx context.Context, path string, v any) error {
	// path is escaped already (a vhost "/" is %2F), and a parsed URL keeps
	// that escaping.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.base.String()+path, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.user, m.pass)
	resp, err := m.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("management API %s: %w", path, providers.ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		err := fmt.Errorf("management API %s: HTTP %d", path, resp.StatusCode)
		if resp.StatusCode == 429 || resp.StatusCode >= 500 {
			return providers.Retryable(err)
		}
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("management API %s: %w", path, err)
	}
	return nil
}

func (m *management) queues(ctx context.Context) ([]mgmtQueue, error) {
	var qs []mgmtQueue
	err := m.get(ctx, "/api/queues/"+url.PathEscape(m.vhost), &qs)
	return qs, err
}

func (m *management) queue(ctx context.Context, name string) (mgmtQueue, error) {
	var q mgmtQueue
	err := m.get(ctx, "/api/queues/"+url.PathEscape(m.vhost)+"/"+url.PathEscape(name), &q)
	return q, err
}
