package cost

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/rehome/rehome/providers/digitalocean/dofake"
	"github.com/rehome/rehome/providers/hcloud/hcloudfake"
)

func TestRefreshAgainstFakes(t *testing.T) {
	ctx := context.Background()
	hz := httptest.NewServer(hcloudfake.Pricing("hz-token", hcloudfake.ExamplePricing(), hcloudfake.ExampleServerTypes()...))
	defer hz.Close()
	sizes := dofake.ExampleSizes()
	for i := range 230 { // more than a page of 200
		sizes = append(sizes, dofake.Size{Slug: fmt.Sprintf("x-%03d", i), Memory: 1024, VCPUs: 1, PriceMonthly: float64(100 + i), Available: true, Description: "test"})
	}
	do := httptest.NewServer(dofake.Sizes("do-token", sizes))
	defer do.Close()

	hc := hcloud.NewClient(hcloud.WithEndpoint(hz.URL), hcloud.WithToken("hz-token"))
	dcAuthed := godo.NewFromToken("do-token")
	dcAuthed.BaseURL = mustURL(t, do.URL)

	base := catalog(t)
	now := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	r, err := Refresh(ctx, RefreshOptions{HCloud: hc, DigitalOcean: dcAuthed, Now: now, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	// 3 server types × 2 locations, 1 LB, 2+2 IPs, volume in 3 locations.
	if r.Count["hcloud"] != 14 {
		t.Errorf("hcloud prices %d, want 14", r.Count["hcloud"])
	}
	// Every priced size, across two pages; the unavailable one is kept, priced.
	if r.Count["digitalocean"] != len(sizes) {
		t.Errorf("digitalocean prices %d, want %d", r.Count["digitalocean"], len(sizes))
	}
	var cx22 *Change
	for i, c := range r.Changes {
		if c.Entry.Provider == "hcloud" && c.Entry.SKU == "cx22" && c.Entry.Region == "fsn1" {
			cx22 = &r.Changes[i]
		}
	}
	if cx22 == nil || cx22.Old == nil || *cx22.Old != 3.79 || cx22.Entry.Price != 3.99 {
		t.Fatalf("cx22 change %+v, want 3.79 -> 3.99", cx22)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, ".rehome", "prices.json")
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Lookup("hcloud", "server", "cax11", "hel1"); e.Arch != "arm64" || e.MemoryMiB != 4096 {
		t.Errorf("refreshed cax11 %+v: the specs come from /server_types", e)
	}
	e, ok := c.Lookup("hcloud", "server", "cx22", "fsn1")
	if !ok || e.Price != 3.99 || e.Read != "2026-12-03" || e.Source != HCloudPricingURL || e.VCPUs != 2 || e.MemoryMiB != 4096 {
		t.Errorf("refreshed cx22 %+v", e)
	}
	// nbg1 is not in the API's answer: the embedded price stays.
	if e, _ := c.Lookup("hcloud", "server", "cx22", "nbg1"); e.Price != 3.79 {
		t.Errorf("nbg1 cx22 %v, want the embedded 3.79", e.Price)
	}
	// A location only the API knows (ash) now has a price.
	if e, ok := c.Lookup("hcloud", "server", "cpx11", "ash"); !ok || e.Price != 5.49 || e.VCPUs != 2 || e.MemoryMiB != 2048 {
		t.Errorf("ash cpx11 %+v", e)
	}
	if e, ok := c.Lookup("digitalocean", "droplet", "x-229", "fra1"); !ok || e.Price != 329 || e.Source != DOSizesURL {
		t.Errorf("second page size %+v", e)
	}
	if len(c.Sources) != 2 || c.Sources[1] != path {
		t.Errorf("sources %v", c.Sources)
	}

	// A second refresh of Hetzner alone keeps DigitalOcean's refreshed prices.
	r2, err := Refresh(ctx, RefreshOptions{HCloud: hc, Now: now.Add(24 * time.Hour), Base: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.Changes) != 0 {
		t.Errorf("second refresh changed %d prices, want none", len(r2.Changes))
	}
	if err := r2.Write(path); err != nil {
		t.Fatal(err)
	}
	c2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.Lookup("digitalocean", "droplet", "x-229", "fra1"); !ok {
		t.Error("the second refresh dropped DigitalOcean's prices")
	}
	if e, _ := c2.Lookup("hcloud", "server", "cx22", "fsn1"); e.Read != "2026-12-04" {
		t.Errorf("re-refreshed cx22 read %q, want 2026-12-04", e.Read)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "hz-token") || strings.Contains(string(raw), "do-token") {
		t.Error("a token reached the price file")
	}
}

func TestRefreshErrors(t *testing.T) {
	ctx := context.Background()
	hz := httptest.NewServer(hcloudfake.Pricing("right", hcloudfake.ExamplePricing()))
	defer hz.Close()
	_, err := Refresh(ctx, RefreshOptions{HCloud: hcloud.NewClient(hcloud.WithEndpoint(hz.URL), hcloud.WithToken("wrong")), Now: time.Now(), Base: catalog(t)})
	if err == nil || !strings.Contains(err.Error(), "hetzner: get /pricing") || !hcloud.IsError(err, hcloud.ErrorCodeUnauthorized) {
		t.Fatalf("error %v, want hetzner's unauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("the token is in the error: %v", err)
	}
	do := httptest.NewServer(dofake.Sizes("right", dofake.ExampleSizes()))
	defer do.Close()
	dc := godo.NewFromToken("wrong")
	dc.BaseURL = mustURL(t, do.URL)
	_, err = Refresh(ctx, RefreshOptions{DigitalOcean: dc, Now: time.Now(), Base: catalog(t)})
	if err == nil || !strings.Contains(err.Error(), "digitalocean: list sizes") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("error %v, want digitalocean's 401", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
