package providers

import (
	"slices"
	"testing"
)

func TestURLSecrets(t *testing.T) {
	for _, tc := range []struct {
		raw       string
		want      []string // each must be among the secrets
		wantWhole bool     // the raw text itself is a secret
	}{
		{"postgres://app:s%3Ecret@db:5432/shop", []string{"s>cret", "s%3Ecret"}, true},
		{"amqp://guest:guest@127.0.0.1:5672/", []string{"guest"}, true},
		{"postgres://db:5432/shop?password=hunter2", []string{"hunter2"}, true},
		{"host=db user=app password=hunter2 dbname=shop", nil, true},
		{"postgres://db:5432/shop?sslmode=disable", nil, false},
		{"amqp://127.0.0.1:5672/%2f", nil, false},
		{"::not a url", nil, true},
	} {
		got := URLSecrets(tc.raw)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("URLSecrets(%q) = %q, lacks %q", tc.raw, got, w)
			}
		}
		if slices.Contains(got, tc.raw) != tc.wantWhole {
			t.Errorf("URLSecrets(%q) = %q: whole URL hidden = %v, want %v", tc.raw, got, !tc.wantWhole, tc.wantWhole)
		}
	}
}
