package dofake

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/digitalocean/godo"
	"github.com/miekg/dns"
)

// Nameservers are the apex NS records DigitalOcean writes into every
// domain it creates.
var Nameservers = []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"}

// Domain limits from DigitalOcean's API reference.
const (
	DefaultTTL     = 1800 // the TTL of the records a new domain gets
	MinTTL         = 30
	defaultPerPage = 20
	maxPerPage     = 200
)

var recordTypes = []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"}

type domain struct {
	name    string
	serial  int
	records []godo.DomainRecord
}

// Domains is a stateful fake of DigitalOcean's /v2/domains and
// /v2/domains/{name}/records: page and per_page pagination with
// links.pages and meta.total, the SOA and three NS records DigitalOcean
// writes into a new domain (and an apex A when ip_address is given),
// record data stored as the API returns it (host names without the
// trailing dot, "@" for the apex, TXT as one unquoted string), and errors
// as {"id","message"}: 401 Unauthorized, 404 not_found, 422
// unprocessable_entity, 429 too_many_requests.
type Domains struct {
	token   string
	mu      sync.Mutex
	next    int
	domains map[string]*domain
	limited int
}

// NewDomains returns an empty fake answering requests bearing token.
func NewDomains(token string) *Domains {
	return &Domains{token: token, next: 28448000, domains: map[string]*domain{}}
}

// RateLimit makes the next n requests fail with 429.
func (f *Domains) RateLimit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limited = n
}

// Record returns a domain's record by id, as stored.
func (f *Domains) Record(domainName string, id int) (godo.DomainRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.domains[domainName]; ok {
		for _, r := range d.records {
			if r.ID == id {
				return r, true
			}
		}
	}
	return godo.DomainRecord{}, false
}

// Records returns a domain's records as stored.
func (f *Domains) Records(domainName string) []godo.DomainRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.domains[domainName]; ok {
		return slices.Clone(d.records)
	}
	return nil
}

type doError struct {
	status int
	id     string
	msg    string
}

func unprocessable(format string, a ...any) *doError {
	return &doError{status: http.StatusUnprocessableEntity, id: "unprocessable_entity", msg: fmt.Sprintf(format, a...)}
}

var errNotFound = &doError{status: http.StatusNotFound, id: "not_found", msg: "The resource you were accessing could not be found."}

func send(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// ServeHTTP serves /v2/domains...
func (f *Domains) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("X-Request-Id", "fake-"+strconv.Itoa(f.next))
	w.Header().Set("Ratelimit-Limit", "5000")
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		send(w, http.StatusUnauthorized, map[string]string{"id": "Unauthorized", "message": "Unable to authenticate you"})
		return
	}
	if f.limited > 0 {
		f.limited--
		w.Header().Set("Ratelimit-Remaining", "0")
		send(w, http.StatusTooManyRequests, map[string]string{"id": "too_many_requests", "message": "API Rate limit exceeded."})
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v2"), "/"), "/")
	var err *doError
	switch {
	case len(parts) == 1 && parts[0] == "domains" && r.Method == http.MethodGet:
		err = f.listDomains(w, r)
	case len(parts) == 1 && parts[0] == "domains" && r.Method == http.MethodPost:
		err = f.createDomain(w, r)
	case len(parts) >= 2 && parts[0] == "domains":
		d, ok := f.domains[parts[1]]
		if !ok {
			err = errNotFound
			break
		}
		err = f.domainRoute(w, r, d, parts[2:])
	default:
		err = errNotFound
	}
	if err != nil {
		send(w, err.status, map[string]string{"id": err.id, "message": err.msg, "request_id": w.Header().Get("X-Request-Id")})
	}
}

func (f *Domains) domainRoute(w http.ResponseWriter, r *http.Request, d *domain, rest []string) *doError {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		send(w, http.StatusOK, map[string]any{"domain": f.view(d)})
	case len(rest) == 0 && r.Method == http.MethodDelete:
		delete(f.domains, d.name)
		send(w, http.StatusNoContent, nil)
	case len(rest) == 1 && rest[0] == "records" && r.Method == http.MethodGet:
		return f.listRecords(w, r, d)
	case len(rest) == 1 && rest[0] == "records" && r.Method == http.MethodPost:
		var req godo.DomainRecordEditRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return unprocessable("invalid JSON: %v", err)
		}
		rec, err := f.check(d, req, 0)
		if err != nil {
			return err
		}
		f.next++
		rec.ID = f.next
		d.records = append(d.records, rec)
		d.serial++
		send(w, http.StatusCreated, map[string]any{"domain_record": rec})
	case len(rest) == 2 && rest[0] == "records":
		id, convErr := strconv.Atoi(rest[1])
		i := slices.IndexFunc(d.records, func(x godo.DomainRecord) bool { return x.ID == id })
		if convErr != nil || i < 0 {
			return errNotFound
		}
		switch r.Method {
		case http.MethodGet:
			send(w, http.StatusOK, map[string]any{"domain_record": d.records[i]})
		case http.MethodPut, http.MethodPatch:
			cur := d.records[i]
			req := godo.DomainRecordEditRequest{Type: cur.Type, Name: cur.Name, Data: cur.Data, Priority: cur.Priority, Port: cur.Port,
				TTL: cur.TTL, Weight: cur.Weight, Flags: cur.Flags, Tag: cur.Tag}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				return unprocessable("invalid JSON: %v", err)
			}
			if req.Type != cur.Type {
				return unprocessable("Type cannot be changed")
			}
			if cur.Type == "SOA" {
				if req.TTL < MinTTL {
					return unprocessable("TTL must be at least %d", MinTTL)
				}
				// Only the SOA's TTL can be changed.
				d.records[i].TTL = req.TTL
				send(w, http.StatusOK, map[string]any{"domain_record": d.records[i]})
				return nil
			}
			rec, err := f.check(d, req, id)
			if err != nil {
				return err
			}
			rec.ID = id
			d.records[i] = rec
			d.serial++
			send(w, http.StatusOK, map[string]any{"domain_record": rec})
		case http.MethodDelete:
			if d.records[i].Type == "SOA" {
				return unprocessable("SOA records cannot be deleted")
			}
			d.records = slices.Delete(d.records, i, i+1)
			d.serial++
			send(w, http.StatusNoContent, nil)
		default:
			return errNotFound
		}
	default:
		return errNotFound
	}
	return nil
}

// pagination returns the page bounds and the links and meta objects.
func pagination(r *http.Request, total int) (lo, hi int, links, meta map[string]any, err *doError) {
	q := r.URL.Query()
	p, per := 1, defaultPerPage
	if s := q.Get("page"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 {
			return 0, 0, nil, nil, unprocessable("page must be a positive integer")
		}
		p = n
	}
	if s := q.Get("per_page"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 {
			return 0, 0, nil, nil, unprocessable("per_page must be a positive integer")
		}
		per = min(n, maxPerPage)
	}
	last := max(1, (total+per-1)/per)
	link := func(n int) string {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		v.Set("per_page", strconv.Itoa(per))
		u.RawQuery = v.Encode()
		return u.String()
	}
	pages := map[string]string{}
	if p > 1 {
		pages["first"], pages["prev"] = link(1), link(p-1)
	}
	if p < last {
		pages["next"], pages["last"] = link(p+1), link(last)
	}
	links = map[string]any{}
	if len(pages) > 0 {
		links["pages"] = pages
	}
	lo = min(total, (p-1)*per)
	return lo, min(total, lo+per), links, map[string]any{"total": total}, nil
}

func (f *Domains) view(d *domain) godo.Domain {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL %d\n", d.name, DefaultTTL)
	for _, r := range d.records {
		if r.Type == "SOA" {
			fmt.Fprintf(&b, "%s.\tIN\tSOA\t%s. hostmaster.%s. %d 10800 3600 604800 %s\n", d.name, Nameservers[0], d.name, d.serial, r.Data)
		}
	}
	return godo.Domain{Name: d.name, TTL: DefaultTTL, ZoneFile: b.String()}
}

func (f *Domains) listDomains(w http.ResponseWriter, r *http.Request) *doError {
	names := make([]string, 0, len(f.domains))
	for n := range f.domains {
		names = append(names, n)
	}
	sort.Strings(names)
	lo, hi, links, meta, err := pagination(r, len(names))
	if err != nil {
		return err
	}
	out := []godo.Domain{}
	for _, n := range names[lo:hi] {
		out = append(out, f.view(f.domains[n]))
	}
	send(w, http.StatusOK, map[string]any{"domains": out, "links": links, "meta": meta})
	return nil
}

func (f *Domains) createDomain(w http.ResponseWriter, r *http.Request) *doError {
	var req godo.DomainCreateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return unprocessable("invalid JSON: %v", err)
	}
	n := req.Name
	if _, ok := dns.IsDomainName(n); !ok || n == "" || strings.HasSuffix(n, ".") || strings.ToLower(n) != n || dns.CountLabel(n) < 2 {
		return unprocessable("Name is invalid")
	}
	for _, c := range n {
		if c > 127 {
			return unprocessable("Name is invalid")
		}
	}
	if _, ok := f.domains[n]; ok {
		return unprocessable("Name already exists")
	}
	d := &domain{name: n, serial: 1}
	add := func(typ, name, data string) {
		f.next++
		d.records = append(d.records, godo.DomainRecord{ID: f.next, Type: typ, Name: name, Data: data, TTL: DefaultTTL})
	}
	add("SOA", "@", strconv.Itoa(DefaultTTL))
	for _, ns := range Nameservers {
		add("NS", "@", ns)
	}
	if req.IPAddress != "" {
		if ip := net.ParseIP(req.IPAddress); ip == nil || ip.To4() == nil {
			return unprocessable("IP address is invalid")
		}
		add("A", "@", req.IPAddress)
	}
	f.domains[n] = d
	send(w, http.StatusCreated, map[string]any{"domain": godo.Domain{Name: n, TTL: DefaultTTL}})
	return nil
}

func (f *Domains) listRecords(w http.ResponseWriter, r *http.Request, d *domain) *doError {
	q := r.URL.Query()
	var out []godo.DomainRecord
	for _, rec := range d.records {
		if t := q.Get("type"); t != "" && rec.Type != t {
			continue
		}
		if n := q.Get("name"); n != "" && fqdn(d.name, rec.Name) != n {
			continue
		}
		out = append(out, rec)
	}
	lo, hi, links, meta, err := pagination(r, len(out))
	if err != nil {
		return err
	}
	send(w, http.StatusOK, map[string]any{"domain_records": append([]godo.DomainRecord{}, out[lo:hi]...), "links": links, "meta": meta})
	return nil
}

func fqdn(zone, name string) string {
	if name == "@" {
		return zone
	}
	return name + "." + zone
}

// host stores a host name the way the API returns it: "@" for the apex,
// otherwise fully qualified without the trailing dot; a name without the
// trailing dot is relative to the domain.
func host(zone, data string) (string, bool) {
	switch {
	case data == "@" || data == zone+".":
		return "@", true
	case strings.HasSuffix(data, "."):
		data = strings.TrimSuffix(data, ".")
	case data != "":
		data = data + "." + zone
	}
	if _, ok := dns.IsDomainName(data); !ok || data == "" {
		return "", false
	}
	return strings.ToLower(data), true
}

// check validates a record as the API does and returns it as stored.
func (f *Domains) check(d *domain, req godo.DomainRecordEditRequest, self int) (godo.DomainRecord, *doError) {
	rec := godo.DomainRecord{Type: req.Type, Name: req.Name, Data: req.Data, Priority: req.Priority, Port: req.Port, TTL: req.TTL,
		Weight: req.Weight, Flags: req.Flags, Tag: req.Tag}
	if !slices.Contains(recordTypes, req.Type) {
		return rec, unprocessable("Type is not a supported record type")
	}
	if req.Type == "SOA" {
		return rec, unprocessable("SOA records cannot be created")
	}
	if rec.TTL == 0 {
		rec.TTL = DefaultTTL
	}
	if rec.TTL < MinTTL {
		return rec, unprocessable("TTL must be at least %d", MinTTL)
	}
	if req.Name == "" || strings.HasSuffix(req.Name, ".") {
		return rec, unprocessable("Name is invalid")
	}
	if _, ok := dns.IsDomainName(fqdn(d.name, req.Name) + "."); !ok {
		return rec, unprocessable("Name is invalid")
	}
	if req.Data == "" {
		return rec, unprocessable("Data needs to be provided")
	}
	var ok bool
	switch req.Type {
	case "A":
		ip := net.ParseIP(req.Data)
		if ip == nil || ip.To4() == nil {
			return rec, unprocessable("IP address did not match IPv4 format (e.g. 127.0.0.1).")
		}
	case "AAAA":
		ip := net.ParseIP(req.Data)
		if ip == nil || ip.To4() != nil {
			return rec, unprocessable("IP address did not match IPv6 format (e.g. 2001:db8::1).")
		}
	case "CNAME", "NS":
		if rec.Data, ok = host(d.name, req.Data); !ok {
			return rec, unprocessable("Data is not a valid hostname")
		}
	case "MX":
		if rec.Data, ok = host(d.name, req.Data); !ok {
			return rec, unprocessable("Data is not a valid hostname")
		}
		if req.Priority < 0 || req.Priority > 65535 {
			return rec, unprocessable("Priority must be between 0 and 65535")
		}
	case "SRV":
		if rec.Data, ok = host(d.name, req.Data); !ok {
			return rec, unprocessable("Data is not a valid hostname")
		}
		if !strings.HasPrefix(req.Name, "_") {
			return rec, unprocessable("Name must begin with an underscore for SRV records")
		}
		if req.Port < 1 || req.Port > 65535 || req.Weight < 0 || req.Weight > 65535 || req.Priority < 0 || req.Priority > 65535 {
			return rec, unprocessable("Port, priority and weight must be between 0 and 65535")
		}
	case "CAA":
		if !slices.Contains([]string{"issue", "issuewild", "iodef"}, req.Tag) {
			return rec, unprocessable("Tag must be one of issue, issuewild, iodef")
		}
		if req.Flags < 0 || req.Flags > 255 {
			return rec, unprocessable("Flags must be between 0 and 255")
		}
	}
	for _, o := range d.records {
		if o.ID == self || o.Name != rec.Name {
			continue
		}
		if (o.Type == "CNAME") != (rec.Type == "CNAME") || (o.Type == "CNAME" && rec.Type == "CNAME") {
			return rec, unprocessable("CNAME records cannot share a name with other records.")
		}
	}
	return rec, nil
}

// WithDomains serves the account (API) and a new Domains fake on one
// handler, as the API does on one host.
func WithDomains(token, uuid string) (http.Handler, *Domains) {
	d := NewDomains(token)
	mux := http.NewServeMux()
	mux.Handle("/v2/account", API(token, uuid))
	mux.Handle("/v2/domains", d)
	mux.Handle("/v2/domains/", d)
	return mux, d
}
