package main

import (
	"strings"
	"testing"

	"github.com/rehome/rehome/lang"
)

// TestCloudStarter: the starter names what discovery found, writes
// credentials only as env() references (commented out when the variable
// is unset, so validation does not fail on it), and is canonical HCL.
func TestCloudStarter(t *testing.T) {
	found := initFound{buckets: []string{"a", "b"}, zones: []string{"example.com"}, queues: []string{"jobs"}}
	tests := []struct {
		name      string
		provider  string
		set       map[string]bool
		want, not []string
	}{
		{"aws with keys", "aws", map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true},
			[]string{`  access_key = env("AWS_ACCESS_KEY_ID")`, `buckets = ["a", "b"]`, `zones = ["example.com"]`, `#   include = ["jobs"]`},
			[]string{`# access_key`}},
		{"aws without keys", "aws", nil,
			[]string{`# access_key = env("AWS_ACCESS_KEY_ID")`, `# secret_key = env("AWS_SECRET_ACCESS_KEY")`}, nil},
		{"hcloud", "hcloud", map[string]bool{"HCLOUD_TOKEN": true},
			[]string{`provider = "hcloud"`, `location = "fsn1"`, `token = env("HCLOUD_TOKEN")`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := initClouds[tc.provider]
			text := cloudStarter(tc.provider, cl, cl.placeDef, found, tc.set)
			out, diags := lang.FormatSource([]byte(text), initFile)
			if diags.HasErrors() {
				t.Fatalf("starter does not parse: %v\n%s", diags, text)
			}
			got := string(out)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("starter lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("starter has %q:\n%s", n, got)
				}
			}
		})
	}
}
