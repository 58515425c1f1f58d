package hcloudfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/miekg/dns"
)

// Name servers Hetzner assigns to every primary zone (Hetzner's API
// reference, authoritative_nameservers.assigned).
var AssignedNameservers = []string{"hydrogen.ns.hetzner.com.", "oxygen.ns.hetzner.com.", "helium.ns.hetzner.de."}

// Zone defaults from the API reference: a zone's default TTL when none is
// given, and the TTL bounds of zones and RRSets.
const (
	DefaultZoneTTL = 3600
	MinTTL         = 60
	maxTTL         = 2147483647
	defaultPerPage = 25
	maxPerPage     = 50
)

// rrsetTypes are the RRSet types the API accepts.
var rrsetTypes = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP", "SOA", "SRV", "SVCB", "TLSA", "TXT"}

type fakeZone struct {
	z      schema.Zone
	rrsets map[string]*schema.ZoneRRSet // "name/TYPE"
	serial uint32
}

// bump raises the zone's serial, as the service does on every change,
// and writes it into the SOA record.
func (z *fakeZone) bump() {
	z.serial++
	soa, ok := z.rrsets["@/SOA"]
	if !ok || len(soa.Records) != 1 {
		return
	}
	f := strings.Fields(soa.Records[0].Value)
	if len(f) == 7 {
		f[2] = strconv.FormatUint(uint64(z.serial), 10)
		soa.Records[0].Value = strings.Join(f, " ")
	}
}

type pendingAction struct {
	a      schema.Action
	effect func() // applied when the action completes
	fail   *schema.ActionError
}

// DNS is a stateful fake of the Cloud API's DNS endpoints: /zones,
// /zones/{id_or_name}/rrsets and their actions, and /actions, which
// hcloud-go polls to wait on them. A new primary zone gets the SOA and NS
// RRSets the service writes itself, naming AssignedNameservers. Record
// edits (set_records, add_records, remove_records, update_records,
// change_ttl) take effect when their action completes, which is the first
// time a client polls it, so a client that does not wait reads the old
// records.
type DNS struct {
	token string
	mu    sync.Mutex
	next  int64
	zones map[int64]*fakeZone
	acts  map[int64]*pendingAction
	// rateLimited answers this many coming requests with 429
	// rate_limit_exceeded.
	rateLimited int
	failActions map[string]bool // command -> finish with an error
	requests    []string
}

// NewDNS returns an empty fake answering requests that carry token as
// their bearer token.
func NewDNS(token string) *DNS {
	return &DNS{token: token, next: 1000, zones: map[int64]*fakeZone{}, acts: map[int64]*pendingAction{}, failActions: map[string]bool{}}
}

// RateLimit makes the next n requests fail with 429 rate_limit_exceeded.
func (f *DNS) RateLimit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rateLimited = n
}

// FailActions makes every later action with this command (for example
// "set_rrset_records") finish with status error, its effect not applied.
func (f *DNS) FailActions(command string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failActions[command] = true
}

// Requests returns "METHOD path" of every request served so far.
func (f *DNS) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// ProtectRRSet sets an RRSet's change protection as the Console would.
func (f *DNS) ProtectRRSet(zone, name, typ string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, z := range f.zones {
		if z.z.Name == zone {
			if rs, ok := z.rrsets[name+"/"+typ]; ok {
				rs.Protection.Change = true
				return true
			}
		}
	}
	return false
}

type apiError struct {
	status  int
	code    string
	message string
	details any
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errInvalid(field, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "invalid_input", message: "invalid input in field '" + field + "'",
		details: map[string]any{"fields": []map[string]any{{"name": field, "messages": []string{msg}}}}}
}

func errNotFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "not_found", message: what + " not found"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"code": e.code, "message": e.message, "details": e.details}
	if e.details == nil {
		body["details"] = map[string]any{}
	}
	writeJSON(w, e.status, map[string]any{"error": body})
}

// ServeHTTP serves the DNS endpoints; paths are the API's below /v1 (the
// fake is mounted at the endpoint's root).
func (f *DNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	w.Header().Set("RateLimit-Limit", "3600")
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		writeError(w, &apiError{status: http.StatusUnauthorized, code: "unauthorized", message: "unable to authenticate"})
		return
	}
	if f.rateLimited > 0 {
		f.rateLimited--
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
		writeError(w, &apiError{status: http.StatusTooManyRequests, code: "rate_limit_exceeded", message: "limit of 3600 requests per hour reached"})
		return
	}
	w.Header().Set("RateLimit-Remaining", "3599")
	var err *apiError
	switch parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/"); {
	case len(parts) == 1 && parts[0] == "actions" && r.Method == http.MethodGet:
		err = f.listActions(w, r)
	case len(parts) == 2 && parts[0] == "actions" && r.Method == http.MethodGet:
		err = f.getAction(w, parts[1])
	case len(parts) == 1 && parts[0] == "zones":
		switch r.Method {
		case http.MethodGet:
			err = f.listZones(w, r)
		case http.MethodPost:
			err = f.createZone(w, r)
		default:
			err = &apiError{status: http.StatusMethodNotAllowed, code: "not_found", message: "method not allowed"}
		}
	case len(parts) >= 2 && parts[0] == "zones":
		z, ok := f.zone(parts[1])
		if !ok {
			err = errNotFound("zone")
			break
		}
		err = f.zoneRoute(w, r, z, parts[2:])
	default:
		err = errNotFound("route")
	}
	if err != nil {
		writeError(w, err)
	}
}

func (f *DNS) zoneRoute(w http.ResponseWriter, r *http.Request, z *fakeZone, rest []string) *apiError {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, schema.ZoneGetResponse{Zone: f.zoneView(z)})
		return nil
	case len(rest) == 0 && r.Method == http.MethodDelete:
		if z.z.Protection.Delete {
			return &apiError{status: http.StatusLocked, code: "protected", message: "zone is delete protected"}
		}
		delete(f.zones, z.z.ID)
		writeJSON(w, http.StatusCreated, schema.ActionGetResponse{Action: f.newAction("delete_zone", z.z.ID, nil)})
		return nil
	case len(rest) == 2 && rest[0] == "actions" && rest[1] == "change_protection" && r.Method == http.MethodPost:
		var req schema.ZoneChangeProtectionRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		act := f.newAction("change_protection", z.z.ID, func() {
			if req.Delete != nil {
				z.z.Protection.Delete = *req.Delete
			}
		})
		writeJSON(w, http.StatusCreated, schema.ActionGetResponse{Action: act})
		return nil
	case len(rest) == 1 && rest[0] == "rrsets" && r.Method == http.MethodGet:
		return f.listRRSets(w, r, z)
	case len(rest) == 1 && rest[0] == "rrsets" && r.Method == http.MethodPost:
		return f.createRRSet(w, r, z)
	case len(rest) >= 3 && rest[0] == "rrsets":
		key := rest[1] + "/" + rest[2]
		rs, ok := z.rrsets[key]
		if !ok {
			return errNotFound("rrset")
		}
		return f.rrsetRoute(w, r, z, rs, rest[3:])
	}
	return errNotFound("route")
}

func decode(r *http.Request, v any) *apiError {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "json_error", message: "invalid JSON: " + err.Error()}
	}
	return nil
}

// zone finds a zone by ID or name.
func (f *DNS) zone(idOrName string) (*fakeZone, bool) {
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil {
		z, ok := f.zones[id]
		return z, ok
	}
	for _, z := range f.zones {
		if z.z.Name == idOrName {
			return z, true
		}
	}
	return nil, false
}

func (f *DNS) zoneView(z *fakeZone) schema.Zone {
	v := z.z
	v.RecordCount = 0
	for _, rs := range z.rrsets {
		v.RecordCount += len(rs.Records)
	}
	v.AuthoritativeNameservers.Assigned = slices.Clone(z.z.AuthoritativeNameservers.Assigned)
	return v
}

// page applies page and per_page (the API's defaults and bounds) and
// returns the slice bounds and the pagination meta.
func page(q url.Values, total int) (lo, hi int, meta schema.MetaPagination, err *apiError) {
	p, per := 1, defaultPerPage
	if s := q.Get("page"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 {
			return 0, 0, meta, errInvalid("page", "must be a positive integer")
		}
		p = n
	}
	if s := q.Get("per_page"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > maxPerPage {
			return 0, 0, meta, errInvalid("per_page", fmt.Sprintf("must be between 1 and %d", maxPerPage))
		}
		per = n
	}
	last := max(1, (total+per-1)/per)
	meta = schema.MetaPagination{Page: p, PerPage: per, LastPage: last, TotalEntries: total}
	if p > 1 {
		meta.PreviousPage = p - 1
	}
	if p < last {
		meta.NextPage = p + 1
	}
	lo = min(total, (p-1)*per)
	hi = min(total, lo+per)
	return lo, hi, meta, nil
}

// writePage writes the page of items the query asks for, under key,
// with its pagination meta.
func writePage[T any](w http.ResponseWriter, q url.Values, key string, items []T) *apiError {
	lo, hi, meta, err := page(q, len(items))
	if err != nil {
		return err
	}
	// The API writes null for a previous or next page that does not exist.
	orNull := func(n int) any {
		if n == 0 {
			return nil
		}
		return n
	}
	pg := map[string]any{"page": meta.Page, "per_page": meta.PerPage, "previous_page": orNull(meta.PreviousPage),
		"next_page": orNull(meta.NextPage), "last_page": meta.LastPage, "total_entries": meta.TotalEntries}
	writeJSON(w, http.StatusOK, map[string]any{key: append([]T{}, items[lo:hi]...), "meta": map[string]any{"pagination": pg}})
	return nil
}

func (f *DNS) listZones(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	var zs []schema.Zone
	for _, z := range f.zones {
		if n := q.Get("name"); n != "" && z.z.Name != n {
			continue
		}
		if m := q.Get("mode"); m != "" && z.z.Mode != m {
			continue
		}
		zs = append(zs, f.zoneView(z))
	}
	sort.Slice(zs, func(i, j int) bool { return zs[i].ID < zs[j].ID })
	return writePage(w, q, "zones", zs)
}

// checkZoneName applies the API's rules: lower case, no trailing dot,
// punycode for IDNs, a registrable name (at least two labels).
func checkZoneName(n string) *apiError {
	if n == "" {
		return errInvalid("name", "is required")
	}
	if strings.HasSuffix(n, ".") || strings.ToLower(n) != n {
		return errInvalid("name", "must be in lower case and must not end with a dot")
	}
	for _, c := range n {
		if c > 127 {
			return errInvalid("name", "internationalized names must be punycode encoded")
		}
	}
	if _, ok := dns.IsDomainName(n); !ok || dns.CountLabel(n) < 2 {
		return errInvalid("name", "is not a valid domain name")
	}
	return nil
}

func checkTTL(field string, ttl *int) *apiError {
	if ttl != nil && (*ttl < MinTTL || *ttl > maxTTL) {
		return errInvalid(field, fmt.Sprintf("must be between %d and %d", MinTTL, maxTTL))
	}
	return nil
}

func (f *DNS) createZone(w http.ResponseWriter, r *http.Request) *apiError {
	var req schema.ZoneCreateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := checkZoneName(req.Name); err != nil {
		return err
	}
	if req.Mode != "primary" && req.Mode != "secondary" {
		return errInvalid("mode", "must be primary or secondary")
	}
	if err := checkTTL("ttl", req.TTL); err != nil {
		return err
	}
	if _, ok := f.zone(req.Name); ok {
		return &apiError{status: http.StatusConflict, code: "uniqueness_error", message: "name is already used",
			details: map[string]any{"fields": []map[string]any{{"name": "name"}}}}
	}
	f.next++
	ttl := DefaultZoneTTL
	if req.TTL != nil {
		ttl = *req.TTL
	}
	z := &fakeZone{rrsets: map[string]*schema.ZoneRRSet{}, serial: uint32(time.Now().UTC().Year())*1000000 + 101}
	z.z = schema.Zone{ID: f.next, Name: req.Name, Created: time.Now().UTC().Truncate(time.Second), TTL: ttl, Mode: req.Mode,
		Protection: schema.ZoneProtection{}, Labels: map[string]string{}, Status: "ok", Registrar: "other",
		AuthoritativeNameservers: schema.ZoneAuthoritativeNameservers{Assigned: slices.Clone(AssignedNameservers), Delegated: []string{}, DelegationStatus: "unknown"},
		PrimaryNameservers:       []schema.ZonePrimaryNameserver{}}
	if req.Labels != nil {
		z.z.Labels = *req.Labels
	}
	if req.Mode == "primary" {
		// The records the service writes itself.
		soa := fmt.Sprintf("%s dns.hetzner.com. %d 86400 10800 3600000 3600", AssignedNameservers[0], z.serial)
		z.rrsets["@/SOA"] = &schema.ZoneRRSet{ID: "@/SOA", Name: "@", Type: "SOA", Labels: map[string]string{}, Zone: z.z.ID,
			Records: []schema.ZoneRRSetRecord{{Value: soa}}}
		var ns []schema.ZoneRRSetRecord
		for _, n := range AssignedNameservers {
			ns = append(ns, schema.ZoneRRSetRecord{Value: n})
		}
		z.rrsets["@/NS"] = &schema.ZoneRRSet{ID: "@/NS", Name: "@", Type: "NS", Labels: map[string]string{}, Zone: z.z.ID, Records: ns}
		for i, rr := range req.RRSets {
			rs, err := f.checkRRSet(z, fmt.Sprintf("rrsets[%d]", i), schema.ZoneRRSetCreateRequest{Name: rr.Name, Type: rr.Type, TTL: rr.TTL, Records: rr.Records})
			if err != nil {
				return err
			}
			if rs.Type == "SOA" || (rs.Type == "NS" && rs.Name == "@") {
				z.rrsets[rs.ID].Records = rs.Records
				continue
			}
			z.rrsets[rs.ID] = rs
		}
	}
	f.zones[z.z.ID] = z
	act := f.newAction("create_zone", z.z.ID, nil)
	writeJSON(w, http.StatusCreated, schema.ZoneCreateResponse{Zone: f.zoneView(z), Action: act})
	return nil
}

// checkRRName applies the RRSet name rules: lower case, relative to the
// zone (no trailing dot, not ending in the zone name), punycode, "@" for
// the apex.
func checkRRName(zone, field, n string) *apiError {
	if n == "@" {
		return nil
	}
	if n == "" || strings.HasSuffix(n, ".") || strings.ToLower(n) != n || n == zone || strings.HasSuffix(n, "."+zone) {
		return errInvalid(field, "must be lower case and relative to the zone, without a trailing dot; use @ for the apex")
	}
	for _, c := range n {
		if c > 127 {
			return errInvalid(field, "names containing non-ASCII characters must be punycode encoded")
		}
	}
	if _, ok := dns.IsDomainName(n + "." + zone + "."); !ok {
		return errInvalid(field, "is not a valid record name")
	}
	return nil
}

// checkValue parses a record value as a zone file would.
func checkValue(zone, name, typ, v string) error {
	if strings.ContainsAny(v, "\n\r") {
		return fmt.Errorf("value spans lines")
	}
	if typ == "TXT" && !strings.HasPrefix(v, `"`) {
		return fmt.Errorf("TXT values must consist of one or more quoted strings")
	}
	owner := zone + "."
	if name != "@" {
		owner = name + "." + zone + "."
	}
	zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("%s 3600 IN %s %s\n", owner, typ, v)), zone+".", "")
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return err
	}
	if _, more := zp.Next(); !ok || more || dns.TypeToString[rr.Header().Rrtype] != typ {
		return fmt.Errorf("not one %s record", typ)
	}
	if t, ok := rr.(*dns.TXT); ok {
		for _, s := range t.Txt {
			if len(s) > 255 {
				return fmt.Errorf("a TXT string is longer than 255 characters")
			}
		}
	}
	return nil
}

func (f *DNS) checkRecords(zone, typ, name, field string, recs []schema.ZoneRRSetRecord) *apiError {
	if len(recs) == 0 {
		return errInvalid(field, "must contain at least one record")
	}
	seen := map[string]bool{}
	for i, rec := range recs {
		if err := checkValue(zone, name, typ, rec.Value); err != nil {
			return errInvalid(fmt.Sprintf("%s[%d].value", field, i), err.Error())
		}
		if seen[rec.Value] {
			return errInvalid(fmt.Sprintf("%s[%d].value", field, i), "duplicate record")
		}
		seen[rec.Value] = true
	}
	if typ == "CNAME" && len(recs) > 1 {
		return errInvalid(field, "a CNAME RRSet holds exactly one record")
	}
	return nil
}

func (f *DNS) checkRRSet(z *fakeZone, field string, req schema.ZoneRRSetCreateRequest) (*schema.ZoneRRSet, *apiError) {
	if err := checkRRName(z.z.Name, field+"name", req.Name); err != nil {
		return nil, err
	}
	if !slices.Contains(rrsetTypes, req.Type) {
		return nil, errInvalid(field+"type", "is not a supported record type")
	}
	if err := checkTTL(field+"ttl", req.TTL); err != nil {
		return nil, err
	}
	if err := f.checkRecords(z.z.Name, req.Type, req.Name, field+"records", req.Records); err != nil {
		return nil, err
	}
	labels := map[string]string{}
	if req.Labels != nil {
		labels = *req.Labels
	}
	id := req.Name + "/" + req.Type
	return &schema.ZoneRRSet{ID: id, Name: req.Name, Type: req.Type, TTL: req.TTL, Labels: labels, Zone: z.z.ID,
		Records: slices.Clone(req.Records)}, nil
}

func (f *DNS) listRRSets(w http.ResponseWriter, r *http.Request, z *fakeZone) *apiError {
	q := r.URL.Query()
	types := q["type"]
	var out []schema.ZoneRRSet
	for _, rs := range z.rrsets {
		if n := q.Get("name"); n != "" && rs.Name != n {
			continue
		}
		if len(types) > 0 && !slices.Contains(types, rs.Type) {
			continue
		}
		c := *rs
		c.Records = slices.Clone(rs.Records)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return writePage(w, q, "rrsets", out)
}

func (f *DNS) createRRSet(w http.ResponseWriter, r *http.Request, z *fakeZone) *apiError {
	if z.z.Mode != "primary" {
		return &apiError{status: http.StatusUnprocessableEntity, code: "incorrect_zone_mode", message: "this operation is not supported for this zone's mode"}
	}
	var req schema.ZoneRRSetCreateRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	rs, err := f.checkRRSet(z, "", req)
	if err != nil {
		return err
	}
	if _, ok := z.rrsets[rs.ID]; ok {
		return &apiError{status: http.StatusConflict, code: "uniqueness_error", message: "rrset with this name and type already exists",
			details: map[string]any{"fields": []map[string]any{{"name": "name"}, {"name": "type"}}}}
	}
	if clash := f.cnameClash(z, rs.Name, rs.Type); clash != "" {
		return errInvalid("type", clash)
	}
	z.rrsets[rs.ID] = rs
	z.bump()
	act := f.newAction("create_rrset", z.z.ID, nil)
	writeJSON(w, http.StatusCreated, schema.ZoneRRSetCreateResponse{RRSet: *rs, Action: act})
	return nil
}

// cnameClash reports a CNAME beside other data at one name.
func (f *DNS) cnameClash(z *fakeZone, name, typ string) string {
	for _, o := range z.rrsets {
		if o.Name != name || o.Type == typ {
			continue
		}
		if o.Type == "CNAME" || typ == "CNAME" {
			return "a CNAME cannot share its name with other records"
		}
	}
	return ""
}

func (f *DNS) rrsetRoute(w http.ResponseWriter, r *http.Request, z *fakeZone, rs *schema.ZoneRRSet, rest []string) *apiError {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, schema.ZoneRRSetGetResponse{RRSet: *rs})
		return nil
	case len(rest) == 0 && r.Method == http.MethodDelete:
		if rs.Protection.Change {
			return &apiError{status: http.StatusLocked, code: "protected", message: "rrset is change protected"}
		}
		if rs.Type == "SOA" {
			return errInvalid("type", "the SOA RRSet cannot be deleted")
		}
		delete(z.rrsets, rs.ID)
		z.bump()
		writeJSON(w, http.StatusCreated, schema.ActionGetResponse{Action: f.newAction("delete_rrset", z.z.ID, nil)})
		return nil
	case len(rest) == 2 && rest[0] == "actions" && r.Method == http.MethodPost:
		return f.rrsetAction(w, r, z, rs, rest[1])
	}
	return errNotFound("route")
}

func (f *DNS) rrsetAction(w http.ResponseWriter, r *http.Request, z *fakeZone, rs *schema.ZoneRRSet, action string) *apiError {
	if action != "change_protection" && rs.Protection.Change {
		return &apiError{status: http.StatusLocked, code: "protected", message: "rrset is change protected"}
	}
	var effect func()
	switch action {
	case "change_protection":
		var req schema.ZoneRRSetChangeProtectionRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		effect = func() {
			if req.Change != nil {
				rs.Protection.Change = *req.Change
			}
		}
	case "change_ttl":
		var req schema.ZoneRRSetChangeTTLRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		if err := checkTTL("ttl", req.TTL); err != nil {
			return err
		}
		effect = func() { rs.TTL = req.TTL }
	case "set_records":
		var req schema.ZoneRRSetSetRecordsRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		if err := f.checkRecords(z.z.Name, rs.Type, rs.Name, "records", req.Records); err != nil {
			return err
		}
		effect = func() { rs.Records = slices.Clone(req.Records) }
	case "add_records":
		var req schema.ZoneRRSetAddRecordsRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		merged := slices.Clone(rs.Records)
		for _, rec := range req.Records {
			if !slices.ContainsFunc(merged, func(o schema.ZoneRRSetRecord) bool { return o.Value == rec.Value }) {
				merged = append(merged, rec)
			}
		}
		if err := f.checkRecords(z.z.Name, rs.Type, rs.Name, "records", merged); err != nil {
			return err
		}
		if err := checkTTL("ttl", req.TTL); err != nil {
			return err
		}
		effect = func() {
			rs.Records = merged
			if req.TTL != nil {
				rs.TTL = req.TTL
			}
		}
	case "remove_records":
		var req schema.ZoneRRSetRemoveRecordsRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		left := slices.DeleteFunc(slices.Clone(rs.Records), func(o schema.ZoneRRSetRecord) bool {
			return slices.ContainsFunc(req.Records, func(x schema.ZoneRRSetRecord) bool { return x.Value == o.Value })
		})
		effect = func() {
			rs.Records = left
			if len(left) == 0 {
				// The API deletes an RRSet whose last record is removed.
				delete(z.rrsets, rs.ID)
			}
		}
	case "update_records":
		var req schema.ZoneRRSetUpdateRecordsRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		effect = func() {
			for _, u := range req.Records {
				for i := range rs.Records {
					if rs.Records[i].Value == u.Value {
						rs.Records[i].Comment = u.Comment
					}
				}
			}
		}
	default:
		return errNotFound("action")
	}
	act := f.newAction(action+"_rrset", z.z.ID, func() { effect(); z.bump() })
	writeJSON(w, http.StatusCreated, schema.ActionGetResponse{Action: act})
	return nil
}

// newAction registers a running action over a zone; effect (may be nil)
// runs when it completes.
func (f *DNS) newAction(command string, zoneID int64, effect func()) schema.Action {
	f.next++
	a := schema.Action{ID: f.next, Command: command, Status: "running", Progress: 0, Started: time.Now().UTC().Truncate(time.Second),
		Resources: []schema.ActionResourceReference{{ID: zoneID, Type: "zone"}}}
	p := &pendingAction{a: a, effect: effect}
	if f.failActions[command] {
		p.fail = &schema.ActionError{Code: "action_failed", Message: "action failed"}
	}
	f.acts[a.ID] = p
	return a
}

// poll advances an action: a running one completes now.
func (f *DNS) poll(p *pendingAction) schema.Action {
	if p.a.Status == "running" {
		now := time.Now().UTC().Truncate(time.Second)
		p.a.Finished, p.a.Progress = &now, 100
		if p.fail != nil {
			p.a.Status, p.a.Error = "error", p.fail
		} else {
			p.a.Status = "success"
			if p.effect != nil {
				p.effect()
			}
		}
	}
	return p.a
}

func (f *DNS) getAction(w http.ResponseWriter, id string) *apiError {
	n, err := strconv.ParseInt(id, 10, 64)
	p, ok := f.acts[n]
	if err != nil || !ok {
		return errNotFound("action")
	}
	writeJSON(w, http.StatusOK, schema.ActionGetResponse{Action: f.poll(p)})
	return nil
}

func (f *DNS) listActions(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	var out []schema.Action
	ids := q["id"]
	for _, p := range f.acts {
		if len(ids) > 0 && !slices.Contains(ids, strconv.FormatInt(p.a.ID, 10)) {
			continue
		}
		out = append(out, f.poll(p))
	}
	if st := q["status"]; len(st) > 0 {
		out = slices.DeleteFunc(out, func(a schema.Action) bool { return !slices.Contains(st, a.Status) })
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return writePage(w, q, "actions", out)
}
