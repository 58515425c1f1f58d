package database

import (
	"testing"
	"time"

	"github.com/rehome/rehome/providers"
)

func TestServerRecordClaims(t *testing.T) {
	req := time.Date(2026, 12, 3, 10, 0, 0, 500_000_000, time.UTC)
	for _, tt := range []struct {
		name string
		rec  serverRecord
		info providers.ServerInfo
		want bool
	}{
		{"recorded create", serverRecord{ID: "a", Created: true}, providers.ServerInfo{ID: "a", Exists: true}, true},
		{"another of the name", serverRecord{ID: "a", Created: true}, providers.ServerInfo{ID: "b", Exists: true}, false},
		{"gone", serverRecord{ID: "a", Created: true}, providers.ServerInfo{}, false},
		{"made after the request", serverRecord{Requested: req}, providers.ServerInfo{ID: "a", Exists: true, Made: req.Add(3 * time.Second)}, true},
		{"made in the request's second", serverRecord{Requested: req}, providers.ServerInfo{ID: "a", Exists: true, Made: req.Truncate(time.Second)}, true},
		{"made before the request", serverRecord{Requested: req}, providers.ServerInfo{ID: "a", Exists: true, Made: req.Add(-time.Minute)}, false},
		{"made when unknown", serverRecord{Requested: req}, providers.ServerInfo{ID: "a", Exists: true}, false},
		{"never requested", serverRecord{}, providers.ServerInfo{ID: "a", Exists: true, Made: req}, false},
	} {
		if got := tt.rec.claims(tt.info); got != tt.want {
			t.Errorf("%s: claims = %v; want %v", tt.name, got, tt.want)
		}
	}
}
