package cost

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRefreshFromAWSOffer(t *testing.T) {
	base := catalog(t)
	r, err := Refresh(context.Background(), RefreshOptions{AWSOffers: []string{"testdata/aws-ec2-offer.json"}, Now: time.Now(), Base: base})
	if err != nil {
		t.Fatal(err)
	}
	// t3.large (Linux) and m8g.large; not Windows, not EBS, not reserved.
	if r.Count["aws"] != 2 {
		t.Fatalf("aws prices %d, want 2", r.Count["aws"])
	}
	path := filepath.Join(t.TempDir(), "prices.json")
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Lookup("aws", "ec2", "m8g.large", "eu-central-1")
	if !ok || e.Price != 0.1086 || e.Arch != "arm64" || e.VCPUs != 2 || e.MemoryMiB != 8192 || e.Read != "2026-12-01" || !strings.HasPrefix(e.Source, "file://") {
		t.Errorf("m8g.large %+v", e)
	}
	if e, _ := c.Lookup("aws", "ec2", "t3.large", "eu-central-1"); e.Price != 0.096 {
		t.Errorf("t3.large %v, want the on-demand Linux 0.096", e.Price)
	}

	if _, err := Refresh(context.Background(), RefreshOptions{AWSOffers: []string{"testdata/missing.json"}, Now: time.Now(), Base: base}); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadAWSOffer(strings.NewReader(`{"offerCode":"AmazonS3","publicationDate":"2026-12-01T00:00:00Z","products":{},"terms":{}}`), "file:///x", base); err == nil || !strings.Contains(err.Error(), "AmazonEC2 and AmazonRDS") {
		t.Errorf("S3 offer: %v", err)
	}
}
