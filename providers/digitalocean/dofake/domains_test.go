package dofake_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers/digitalocean/dofake"
)

func call(t *testing.T, base, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, &rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s %s: body: %v", method, path, err)
		}
	}
	return resp.StatusCode, out
}

func TestDomainsWire(t *testing.T) {
	h, _ := dofake.WithDomains("tok", "uuid-1")
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	do := func(method, path string, body any) (int, map[string]any) {
		return call(t, ts.URL, "tok", method, path, body)
	}
	if code, body := call(t, ts.URL, "wrong", "GET", "/v2/domains", nil); code != 401 || body["id"] != "Unauthorized" {
		t.Fatalf("wrong token: %d %v", code, body)
	}
	if code, body := do("POST", "/v2/domains", map[string]any{"name": "example.com"}); code != 201 || body["domain"].(map[string]any)["name"] != "example.com" {
		t.Fatalf("create: %d %v", code, body)
	}
	code, body := do("GET", "/v2/domains/example.com/records", nil)
	if code != 200 {
		t.Fatalf("records: %d %v", code, body)
	}
	var got []string
	for _, r := range body["domain_records"].([]any) {
		m := r.(map[string]any)
		got = append(got, m["type"].(string)+" "+m["name"].(string)+" "+m["data"].(string))
	}
	want := []string{"SOA @ 1800", "NS @ ns1.digitalocean.com", "NS @ ns2.digitalocean.com", "NS @ ns3.digitalocean.com"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records of a new domain (-want +got):\n%s", d)
	}
	tests := []struct {
		name         string
		method, path string
		body         any
		code         int
		id           string
	}{
		{"duplicate domain", "POST", "/v2/domains", map[string]any{"name": "example.com"}, 422, "unprocessable_entity"},
		{"missing domain", "GET", "/v2/domains/nope.example", nil, 404, "not_found"},
		{"TTL under 30", "POST", "/v2/domains/example.com/records", map[string]any{"type": "A", "name": "a", "data": "192.0.2.1", "ttl": 29}, 422, "unprocessable_entity"},
		{"bad IPv4", "POST", "/v2/domains/example.com/records", map[string]any{"type": "A", "name": "a", "data": "2001:db8::1"}, 422, "unprocessable_entity"},
		{"CAA tag", "POST", "/v2/domains/example.com/records", map[string]any{"type": "CAA", "name": "@", "data": "ca.example", "tag": "bogus"}, 422, "unprocessable_entity"},
		{"SOA cannot be deleted", "DELETE", "/v2/domains/example.com/records/28448001", nil, 422, "unprocessable_entity"},
		{"MX", "POST", "/v2/domains/example.com/records", map[string]any{"type": "MX", "name": "@", "data": "mail.example.com.", "priority": 10, "ttl": 300}, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(tc.method, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %v", code, tc.code, body)
			}
			if tc.id != "" && (body["id"] != tc.id || body["message"] == "") {
				t.Errorf("error body %v, want id %s and a message", body, tc.id)
			}
		})
	}
	// Host names are stored without the trailing dot.
	_, body = do("GET", "/v2/domains/example.com/records?type=MX", nil)
	if rs := body["domain_records"].([]any); len(rs) != 1 || rs[0].(map[string]any)["data"] != "mail.example.com" {
		t.Errorf("MX as stored: %v", rs)
	}
}

func TestDomainsPagination(t *testing.T) {
	h, _ := dofake.WithDomains("tok", "uuid-1")
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	call(t, ts.URL, "tok", "POST", "/v2/domains", map[string]any{"name": "example.com"})
	page := func(q string) (int, map[string]any, map[string]any) {
		_, body := call(t, ts.URL, "tok", "GET", "/v2/domains/example.com/records"+q, nil)
		pages, _ := body["links"].(map[string]any)["pages"].(map[string]any)
		return len(body["domain_records"].([]any)), pages, body["meta"].(map[string]any)
	}
	n, pages, meta := page("?per_page=3")
	if n != 3 || meta["total"] != 4.0 || pages["prev"] != nil {
		t.Fatalf("first page: %d records, pages %v, meta %v", n, pages, meta)
	}
	next, err := url.Parse(pages["next"].(string))
	if err != nil || next.Query().Get("page") != "2" || next.Query().Get("per_page") != "3" {
		t.Fatalf("next link %v", pages["next"])
	}
	n, pages, _ = page("?" + next.RawQuery)
	if n != 1 || pages["next"] != nil || pages["prev"] == nil || pages["first"] == nil {
		t.Fatalf("last page: %d records, pages %v", n, pages)
	}
}
