package views

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
)

func testRegistry() *providers.Registry {
	none := func() providers.Provider { return nil }
	both := providers.Source | providers.Destination
	return providers.NewRegistry(
		providers.Factory{
			Name:        "hcloud",
			Description: "Hetzner Cloud (object storage, DNS)",
			New:         none,
			Caps: providers.Caps{
				Kinds:     map[providers.Kind]providers.Role{providers.KindStorage: both, providers.KindDNS: both},
				Inventory: []string{"server", "volume", "load_balancer"},
				Storage:   providers.StorageCaps{Metadata: true, ContentType: true, MaxObjectSize: 5 << 40},
				DNS:       providers.DNSCaps{RecordTypes: []string{"TXT", "A", "AAAA", "CNAME", "MX", "NS", "SRV", "CAA"}, OwnApex: true, Wildcards: true, MinTTL: 60},
			},
		},
		providers.Factory{
			Name:        "aws",
			Description: "Amazon Web Services",
			New:         none,
			Caps: providers.Caps{
				Kinds: map[providers.Kind]providers.Role{
					providers.KindStorage: both, providers.KindDNS: both, providers.KindDatabase: providers.Source,
					providers.KindQueue: both, providers.KindSecrets: both,
				},
				Inventory: []string{"instance", "volume"},
				Storage:   providers.StorageCaps{Metadata: true, Tags: true, ContentType: true, Versioning: true, MaxObjectSize: 5 << 40},
				DNS:       providers.DNSCaps{RecordTypes: []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT"}, OwnApex: true, Wildcards: true},
				Database:  providers.DatabaseCaps{Engines: []string{"postgres", "mysql"}},
				Queue:     providers.QueueCaps{FIFO: true, DeadLetter: true, DelaySeconds: true, Messages: true},
				Secrets:   providers.SecretsCaps{Versioned: true, EncryptedAtRest: true, MaxValueSize: 65536},
			},
		},
	)
}

func TestRenderProviders(t *testing.T) {
	var b bytes.Buffer
	if err := RenderProviders(&b, testRegistry(), builtin.Registry()); err != nil {
		t.Fatal(err)
	}
	golden(t, "providers.golden", b.Bytes())
}

func testState() *state.File {
	t0 := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	bucket := `move.storage.assets.bucket["shop-assets"]`
	objects := `move.storage.assets.objects["shop-assets"]`
	return &state.File{
		Version: state.FormatVersion, Lineage: "3b1f7c2a", Serial: 5, Migration: "shop", Phase: "applied",
		Resources: []state.Resource{
			{Address: `move.dns.zones.zone["shop.example.com"]`, Kind: "dns", Type: "zone", Env: "hetzner", Name: "shop.example.com", Created: true},
			{Address: bucket, Kind: "storage", Type: "bucket", Env: "hetzner", Name: "shop-assets-fsn1", Created: true,
				Attrs: map[string]string{"location": "fsn1", "endpoint": "https://fsn1.your-objectstorage.com"}},
			{Address: `move.dns.zones.ttl["shop.example.com"]`, Kind: "dns", Type: "zone", Env: "aws", Name: "shop.example.com", Changed: true},
		},
		Journal: []state.Entry{
			{Seq: 2, Op: "apply", Address: objects, Action: "copy", Phase: "prepare", Status: state.Failed,
				Started: t0.Add(2 * time.Second), Ended: t0.Add(95 * time.Second),
				Result: state.Result{Copied: 1100, Bytes: 3100000, Error: "put logo.png: connection reset by peer"},
				Undo:   state.Undo{Description: "delete the objects rehome copied into shop-assets-fsn1", Params: []byte(`{"bucket":"shop-assets-fsn1","env":"hetzner"}`)}},
			{Seq: 1, Op: "apply", Address: bucket, Action: "create", Phase: "prepare", Status: state.Done,
				Started: t0, Ended: t0.Add(1500 * time.Millisecond),
				Undo: state.Undo{Description: "delete bucket shop-assets-fsn1 at hetzner (only if empty)"}},
			{Seq: 3, Op: "apply", Address: objects, Action: "copy", Phase: "prepare", Status: state.Begun,
				Started: t0.Add(10 * time.Minute), Result: state.Result{}},
			{Seq: 4, Op: "apply", Address: objects, Action: "copy", Phase: "prepare", Status: state.Done,
				Started: t0.Add(20 * time.Minute), Ended: t0.Add(20*time.Minute + 3*time.Second),
				Result: state.Result{Copied: 104, AlreadyDone: 1100, Bytes: 255443},
				Undo:   state.Undo{Description: "delete the objects rehome copied into shop-assets-fsn1"}},
		},
	}
}

func TestRenderStateList(t *testing.T) {
	var b bytes.Buffer
	if err := RenderStateList(&b, testState()); err != nil {
		t.Fatal(err)
	}
	want := `move.dns.zones.ttl["shop.example.com"]
move.dns.zones.zone["shop.example.com"]
move.storage.assets.bucket["shop-assets"]
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := RenderStateList(&b, &state.File{}); err != nil || b.Len() != 0 {
		t.Errorf("empty state: %q, %v", b.String(), err)
	}
}

func TestRenderStateShow(t *testing.T) {
	for _, addr := range []string{`move.storage.assets.bucket["shop-assets"]`, `move.storage.assets.objects["shop-assets"]`} {
		var b bytes.Buffer
		if err := RenderStateShow(&b, testState(), addr); err != nil {
			t.Fatal(err)
		}
		name := "state_show_bucket.golden"
		if strings.Contains(addr, "objects") {
			name = "state_show_objects.golden"
		}
		golden(t, name, b.Bytes())
	}
	t.Run("not found", func(t *testing.T) {
		var b bytes.Buffer
		err := RenderStateShow(&b, testState(), `move.storage.assets.bucket["nope"]`)
		if err == nil || !strings.Contains(err.Error(), `"move.storage.assets.bucket[\"nope\"]"`) {
			t.Errorf("err = %v, want one naming the address", err)
		}
		if b.Len() != 0 {
			t.Errorf("wrote %q on error", b.String())
		}
	})
}
