package hcloudfake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
)

type client struct {
	t   *testing.T
	url string
}

func (c client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.url+path, &rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatalf("%s %s: body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func start(t *testing.T) client {
	ts := httptest.NewServer(hcloudfake.NewDNS("tok"))
	t.Cleanup(ts.Close)
	return client{t: t, url: ts.URL}
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	return v
}

func TestWire(t *testing.T) {
	c := start(t)
	code, body := c.do("POST", "/zones", map[string]any{"name": "example.com", "mode": "primary"})
	if code != 201 || get(body, "action", "status") != "running" || get(body, "zone", "ttl") != float64(3600) {
		t.Fatalf("create zone: %d %v", code, body)
	}
	if d := cmp.Diff([]any{"hydrogen.ns.hetzner.com.", "oxygen.ns.hetzner.com.", "helium.ns.hetzner.de."},
		get(body, "zone", "authoritative_nameservers", "assigned")); d != "" {
		t.Errorf("assigned name servers (-want +got):\n%s", d)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		code   int
		errs   string // the error code, "" for success
	}{
		{"duplicate zone", "POST", "/zones", map[string]any{"name": "example.com", "mode": "primary"}, 409, "uniqueness_error"},
		{"zone name with a dot", "POST", "/zones", map[string]any{"name": "example.org.", "mode": "primary"}, 400, "invalid_input"},
		{"missing zone", "GET", "/zones/nope.example", nil, 404, "not_found"},
		{"per_page over 50", "GET", "/zones?per_page=51", nil, 400, "invalid_input"},
		{"unquoted TXT", "POST", "/zones/example.com/rrsets", map[string]any{"name": "t", "type": "TXT", "records": []any{map[string]any{"value": "hi"}}}, 400, "invalid_input"},
		{"TTL under 60", "POST", "/zones/example.com/rrsets", map[string]any{"name": "a", "type": "A", "ttl": 30, "records": []any{map[string]any{"value": "192.0.2.1"}}}, 400, "invalid_input"},
		{"absolute RRSet name", "POST", "/zones/example.com/rrsets", map[string]any{"name": "www.example.com", "type": "A", "records": []any{map[string]any{"value": "192.0.2.1"}}}, 400, "invalid_input"},
		{"create RRSet", "POST", "/zones/example.com/rrsets", map[string]any{"name": "www", "type": "A", "ttl": 300, "records": []any{map[string]any{"value": "192.0.2.1"}}}, 201, ""},
		{"duplicate RRSet", "POST", "/zones/example.com/rrsets", map[string]any{"name": "www", "type": "A", "records": []any{map[string]any{"value": "192.0.2.2"}}}, 409, "uniqueness_error"},
		{"CNAME beside A", "POST", "/zones/example.com/rrsets", map[string]any{"name": "www", "type": "CNAME", "records": []any{map[string]any{"value": "x.example.net."}}}, 400, "invalid_input"},
		{"delete SOA", "DELETE", "/zones/example.com/rrsets/@/SOA", nil, 400, "invalid_input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.do(tc.method, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %v", code, tc.code, body)
			}
			if tc.errs != "" && (get(body, "error", "code") != tc.errs || get(body, "error", "message") == "") {
				t.Errorf("error body %v, want code %s and a message", body, tc.errs)
			}
		})
	}
	// A record edit takes effect when its action completes.
	code, body = c.do("POST", "/zones/example.com/rrsets/www/A/actions/set_records", map[string]any{"records": []any{map[string]any{"value": "192.0.2.9"}}})
	if code != 201 || get(body, "action", "status") != "running" {
		t.Fatalf("set_records: %d %v", code, body)
	}
	id := int(get(body, "action", "id").(float64))
	if _, rs := c.do("GET", "/zones/example.com/rrsets/www/A", nil); get(rs, "rrset", "records").([]any)[0].(map[string]any)["value"] != "192.0.2.1" {
		t.Errorf("the edit showed before its action completed: %v", rs)
	}
	if _, a := c.do("GET", fmt.Sprintf("/actions?id=%d", id), nil); get(a, "actions").([]any)[0].(map[string]any)["status"] != "success" {
		t.Errorf("polled action: %v", a)
	}
	if _, rs := c.do("GET", "/zones/example.com/rrsets/www/A", nil); get(rs, "rrset", "records").([]any)[0].(map[string]any)["value"] != "192.0.2.9" {
		t.Errorf("the edit is missing after its action completed: %v", rs)
	}
}

func TestPagination(t *testing.T) {
	c := start(t)
	c.do("POST", "/zones", map[string]any{"name": "example.com", "mode": "primary"})
	for i := range 58 {
		if code, b := c.do("POST", "/zones/example.com/rrsets", map[string]any{"name": fmt.Sprintf("h%d", i), "type": "A",
			"records": []any{map[string]any{"value": "192.0.2.1"}}}); code != 201 {
			t.Fatalf("create: %d %v", code, b)
		}
	}
	tests := []struct {
		query string
		n     int
		meta  map[string]any
	}{
		{"", 25, map[string]any{"page": 1.0, "per_page": 25.0, "previous_page": nil, "next_page": 2.0, "last_page": 3.0, "total_entries": 60.0}},
		{"?page=3", 10, map[string]any{"page": 3.0, "per_page": 25.0, "previous_page": 2.0, "next_page": nil, "last_page": 3.0, "total_entries": 60.0}},
		{"?page=2&per_page=50", 10, map[string]any{"page": 2.0, "per_page": 50.0, "previous_page": 1.0, "next_page": nil, "last_page": 2.0, "total_entries": 60.0}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			code, body := c.do("GET", "/zones/example.com/rrsets"+tc.query, nil)
			if code != 200 || len(body["rrsets"].([]any)) != tc.n {
				t.Fatalf("%d, %d rrsets", code, len(body["rrsets"].([]any)))
			}
			if d := cmp.Diff(tc.meta, get(body, "meta", "pagination")); d != "" {
				t.Errorf("meta (-want +got):\n%s", d)
			}
		})
	}
}
