package aws_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/aws/awsfake"
)

// r53env is an aws provider whose Route 53 is a fresh awsfake, and a raw
// SDK client of the same fake for seeding what rehome cannot write.
type r53env struct {
	p    *aws.Provider
	fake *awsfake.Route53Server
	raw  *route53.Client
}

func newR53(t *testing.T) r53env {
	t.Helper()
	// The provider sees no process environment (Config.Getenv is nil) and
	// has explicit keys, so the SDK's shared config (AWS_CA_BUNDLE and
	// friends) is never loaded; the raw client is built from options.
	fake := awsfake.NewRoute53()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	p := aws.Factory().New().(*aws.Provider)
	err := p.Configure(t.Context(), providers.Config{Env: "aws", Logger: slog.New(slog.DiscardHandler), Value: cty.ObjectVal(map[string]cty.Value{
		"region":     cty.StringVal("eu-central-1"),
		"access_key": cty.StringVal("AKID"),
		"secret_key": cty.StringVal("SECRET"),
		"endpoints":  cty.MapVal(map[string]cty.Value{"route53": cty.StringVal(srv.URL)}),
	})})
	if err != nil {
		t.Fatal(err)
	}
	raw := route53.New(route53.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	return r53env{p: p, fake: fake, raw: raw}
}

func (e r53env) zone(t *testing.T, name string) providers.Zone {
	t.Helper()
	z, err := e.p.CreateZone(t.Context(), providers.Zone{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func aSet(name string, ttl uint32, vals ...string) *providers.RecordSet {
	return &providers.RecordSet{Name: name, Type: "A", TTL: ttl, Values: vals}
}

func creates(sets ...*providers.RecordSet) []providers.RecordChange {
	out := make([]providers.RecordChange, len(sets))
	for i, s := range sets {
		out[i] = providers.RecordChange{Op: providers.ChangeCreate, New: s}
	}
	return out
}

func TestRoute53CreateZone(t *testing.T) {
	t.Parallel()
	e := newR53(t)
	z := e.zone(t, "Example.COM")
	if z.Name != "example.com." || !strings.HasPrefix(z.ID, "/hostedzone/Z") || len(z.Nameservers) != 4 {
		t.Fatalf("created zone %+v", z)
	}
	sets, err := e.p.Records(t.Context(), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range sets {
		keys = append(keys, s.Key())
		if s.Type == "NS" && !cmp.Equal(s.Values, z.Nameservers) {
			t.Errorf("apex NS %v, delegation set %v", s.Values, z.Nameservers)
		}
	}
	if d := cmp.Diff([]string{"example.com. NS", "example.com. SOA"}, keys); d != "" {
		t.Errorf("a new zone's sets (-want +got):\n%s", d)
	}
	if _, err := e.p.CreateZone(t.Context(), providers.Zone{Name: "example.com."}); !errors.Is(err, providers.ErrExists) {
		t.Errorf("second create: %v, want ErrExists", err)
	}
	if err := e.p.ApplyRecords(t.Context(), "example.com.", creates(aSet("www.example.com.", 300, "192.0.2.1"))); err != nil {
		t.Fatal(err)
	}
	if err := e.p.DeleteZone(t.Context(), "example.com."); !errors.Is(err, providers.ErrNotEmpty) {
		t.Errorf("delete of a zone with a record set: %v, want ErrNotEmpty", err)
	}
	if _, err := e.p.Records(t.Context(), "missing.example."); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("records of a missing zone: %v, want ErrNotFound", err)
	}
	inv, err := e.p.Discover(t.Context(), providers.Scope{Kinds: []providers.Kind{providers.KindDNS}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Resources) != 1 || inv.Resources[0].Name != "example.com" || inv.Resources[0].Attrs["record_sets"] != "3" ||
		inv.Resources[0].Attrs["private"] != "false" {
		t.Errorf("discovered %+v", inv.Resources)
	}
}

// Over 300 sets take more than one ListResourceRecordSets page; 1,200
// sets take two change requests (1,000 records each at most); long TXT
// values split requests by the 32,000-character limit.
func TestRoute53PaginationAndBatches(t *testing.T) {
	t.Parallel()
	e := newR53(t)
	e.zone(t, "example.com")
	var sets []*providers.RecordSet
	for i := range 1200 {
		sets = append(sets, aSet(fmt.Sprintf("h%04d.example.com.", i), 300, fmt.Sprintf("192.0.%d.%d", i/256, i%256)))
	}
	sets = append(sets, &providers.RecordSet{Name: "*.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.9"}})
	before := e.fake.Batches()
	if err := e.p.ApplyRecords(t.Context(), "example.com.", creates(sets...)); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Batches() - before; n != 2 {
		t.Errorf("1,201 records went in %d requests, want 2", n)
	}
	got, err := e.p.Records(t.Context(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1203 {
		t.Fatalf("listed %d sets, want 1203", len(got))
	}
	seen := map[string]providers.RecordSet{}
	for _, s := range got {
		seen[s.Key()] = s
	}
	for _, s := range sets {
		if g, ok := seen[s.Key()]; !ok || !g.Equal(*s) {
			t.Fatalf("set %s listed as %+v", s.Key(), g)
		}
	}

	long := strings.Repeat("a", 250)
	var txts []*providers.RecordSet
	for i := range 10 {
		// 16 strings of 250 bytes: about 4,000 characters a value.
		v := strings.TrimSpace(strings.Repeat(`"`+long+`" `, 16))
		txts = append(txts, &providers.RecordSet{Name: fmt.Sprintf("t%d.example.com.", i), Type: "TXT", TTL: 300, Values: []string{v}})
	}
	before = e.fake.Batches()
	if err := e.p.ApplyRecords(t.Context(), "example.com.", creates(txts...)); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Batches() - before; n != 2 {
		t.Errorf("10 TXT sets of ~4,000 characters went in %d requests, want 2", n)
	}
}

// Alias sets, routing policies with set identifiers and health checks are
// read as Route 53 holds them (seeded with the raw SDK client).
func TestRoute53ReadAliasAndRouting(t *testing.T) {
	t.Parallel()
	e := newR53(t)
	z := e.zone(t, "example.com")
	ctx := t.Context()
	rr := func(vs ...string) []types.ResourceRecord {
		var out []types.ResourceRecord
		for _, v := range vs {
			out = append(out, types.ResourceRecord{Value: sdkaws.String(v)})
		}
		return out
	}
	change := func(s types.ResourceRecordSet) types.Change {
		return types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: &s}
	}
	_, err := e.raw.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: sdkaws.String(z.ID), ChangeBatch: &types.ChangeBatch{Changes: []types.Change{
		change(types.ResourceRecordSet{Name: sdkaws.String("www.example.com"), Type: "A", TTL: sdkaws.Int64(60), ResourceRecords: rr("192.0.2.10")}),
		change(types.ResourceRecordSet{Name: sdkaws.String("example.com."), Type: "A", AliasTarget: &types.AliasTarget{
			HostedZoneId: sdkaws.String(z.ID), DNSName: sdkaws.String("www.example.com."), EvaluateTargetHealth: false}}),
		change(types.ResourceRecordSet{Name: sdkaws.String("lb.example.com."), Type: "AAAA", AliasTarget: &types.AliasTarget{
			HostedZoneId: sdkaws.String("Z215JYRZR1TBD5"), DNSName: sdkaws.String("dualstack.shop-123.eu-central-1.elb.amazonaws.com."), EvaluateTargetHealth: true}}),
		change(types.ResourceRecordSet{Name: sdkaws.String("api.example.com."), Type: "A", TTL: sdkaws.Int64(60), SetIdentifier: sdkaws.String("blue"),
			Weight: sdkaws.Int64(70), ResourceRecords: rr("192.0.2.1")}),
		change(types.ResourceRecordSet{Name: sdkaws.String("api.example.com."), Type: "A", TTL: sdkaws.Int64(60), SetIdentifier: sdkaws.String("green"),
			Weight: sdkaws.Int64(30), ResourceRecords: rr("192.0.2.2")}),
		change(types.ResourceRecordSet{Name: sdkaws.String("geo.example.com."), Type: "A", TTL: sdkaws.Int64(60), SetIdentifier: sdkaws.String("de"),
			GeoLocation: &types.GeoLocation{CountryCode: sdkaws.String("DE")}, ResourceRecords: rr("192.0.2.3")}),
		change(types.ResourceRecordSet{Name: sdkaws.String("ha.example.com."), Type: "A", TTL: sdkaws.Int64(60), SetIdentifier: sdkaws.String("p"),
			Failover: types.ResourceRecordSetFailoverPrimary, HealthCheckId: sdkaws.String("hc-1"), ResourceRecords: rr("192.0.2.4")}),
		change(types.ResourceRecordSet{Name: sdkaws.String("mx.example.com."), Type: "MX", TTL: sdkaws.Int64(300), ResourceRecords: rr("10 mail.example.net", "20 mail2.example.net.")}),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.p.Records(ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	w := func(n int64) *int64 { return &n }
	want := map[string]providers.RecordSet{
		"example.com. A": {Name: "example.com.", Type: "A", Alias: &providers.Alias{Zone: strings.TrimPrefix(z.ID, "/hostedzone/"), Target: "www.example.com."}},
		"lb.example.com. AAAA": {Name: "lb.example.com.", Type: "AAAA", Alias: &providers.Alias{Zone: "Z215JYRZR1TBD5",
			Target: "dualstack.shop-123.eu-central-1.elb.amazonaws.com.", EvaluateHealth: true}},
		"api.example.com. A blue":  {Name: "api.example.com.", Type: "A", TTL: 60, SetID: "blue", Values: []string{"192.0.2.1"}, Routing: &providers.Routing{Weight: w(70)}},
		"api.example.com. A green": {Name: "api.example.com.", Type: "A", TTL: 60, SetID: "green", Values: []string{"192.0.2.2"}, Routing: &providers.Routing{Weight: w(30)}},
		"geo.example.com. A de":    {Name: "geo.example.com.", Type: "A", TTL: 60, SetID: "de", Values: []string{"192.0.2.3"}, Routing: &providers.Routing{Geo: &providers.GeoLocation{Country: "DE"}}},
		"ha.example.com. A p":      {Name: "ha.example.com.", Type: "A", TTL: 60, SetID: "p", Values: []string{"192.0.2.4"}, Routing: &providers.Routing{Failover: "PRIMARY", HealthCheckID: "hc-1"}},
		"mx.example.com. MX":       {Name: "mx.example.com.", Type: "MX", TTL: 300, Values: []string{"10 mail.example.net.", "20 mail2.example.net."}},
		"www.example.com. A":       {Name: "www.example.com.", Type: "A", TTL: 60, Values: []string{"192.0.2.10"}},
	}
	gotm := map[string]providers.RecordSet{}
	for _, s := range got {
		if s.Type != "SOA" && s.Type != "NS" {
			gotm[s.Key()] = s
		}
	}
	if d := cmp.Diff(want, gotm); d != "" {
		t.Fatalf("record sets (-want +got):\n%s", d)
	}
	// What rehome reads it writes back the same: a copy to a second zone
	// re-reads equal (the alias into the first zone stays valid).
	z2 := e.zone(t, "example.org")
	_ = z2
	var cs []providers.RecordChange
	for _, s := range got {
		if s.Type == "SOA" || s.Type == "NS" || s.Alias != nil && s.Alias.Zone != "Z215JYRZR1TBD5" {
			continue
		}
		s.Name = strings.TrimSuffix(s.Name, "example.com.") + "example.org."
		cs = append(cs, providers.RecordChange{Op: providers.ChangeCreate, New: &s})
	}
	if err := e.p.ApplyRecords(ctx, "example.org.", cs); err != nil {
		t.Fatal(err)
	}
	// Updates and deletes of routing sets name them exactly.
	blue := want["api.example.com. A blue"]
	blue2 := blue
	blue2.Routing = &providers.Routing{Weight: w(50)}
	if err := e.p.ApplyRecords(ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeUpdate, Old: &blue, New: &blue2},
		{Op: providers.ChangeDelete, Old: ptr(want["geo.example.com. A de"])}}); err != nil {
		t.Fatal(err)
	}
	if err := e.p.ApplyRecords(ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeDelete, Old: &blue}}); err == nil ||
		!strings.Contains(err.Error(), "api.example.com. A blue") {
		t.Errorf("delete of a set changed since: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// Route 53's refusals reach the caller with the record sets named, and
// throttling is marked transient; a change is waited on until INSYNC.
func TestRoute53ErrorsAndWait(t *testing.T) {
	t.Parallel()
	e := newR53(t)
	e.zone(t, "example.com")
	ctx := t.Context()
	err := e.p.ApplyRecords(ctx, "example.com.", creates(aSet("ok.example.com.", 300, "192.0.2.1"), aSet("bad.example.com.", 300, "not-an-address")))
	if err == nil || !strings.Contains(err.Error(), "bad.example.com. A") || !strings.Contains(err.Error(), "InvalidChangeBatch") {
		t.Errorf("invalid value: %v", err)
	}
	err = e.p.ApplyRecords(ctx, "example.com.", creates(&providers.RecordSet{Name: "example.com.", Type: "CNAME", TTL: 300, Values: []string{"www.example.net."}}))
	if err == nil || !strings.Contains(err.Error(), "not permitted at apex") || !strings.Contains(err.Error(), "example.com. CNAME") {
		t.Errorf("apex CNAME: %v", err)
	}
	sets, err := e.p.Records(ctx, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 {
		t.Errorf("a refused request changed the zone: %+v", sets)
	}
	e.fake.Throttle(1)
	_, err = e.p.Records(ctx, "example.com.")
	if err == nil || !providers.IsRetryable(err) || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("throttled listing: %v (retryable %v)", err, providers.IsRetryable(err))
	}
	var soa providers.RecordSet
	for _, s := range sets {
		if s.Type == "SOA" {
			soa = s
		}
	}
	if err := e.p.ApplyRecords(ctx, "example.com.", []providers.RecordChange{{Op: providers.ChangeDelete, Old: &soa}}); err == nil {
		t.Error("the apex SOA was deleted")
	}
	// A throttled change request changed nothing and is sent again.
	before := e.fake.Batches()
	e.fake.Throttle(2)
	if err := e.p.ApplyRecords(ctx, "example.com.", creates(aSet("t.example.com.", 300, "192.0.2.8"))); err == nil {
		t.Error("a write whose zone listing was throttled succeeded")
	}
	e.fake.Throttle(0)
	e.fake.ThrottleChanges(2)
	if err := e.p.ApplyRecords(ctx, "example.com.", creates(aSet("t.example.com.", 300, "192.0.2.8"))); err != nil {
		t.Fatalf("a change request throttled twice: %v", err)
	}
	if n := e.fake.Batches() - before; n != 1 {
		t.Errorf("%d change requests accepted, want 1", n)
	}
	e.fake.SetPending(3)
	start := time.Now()
	if err := e.p.ApplyRecords(ctx, "example.com.", creates(aSet("w.example.com.", 300, "192.0.2.7"))); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 700*time.Millisecond {
		t.Errorf("a change PENDING for 3 polls returned after %s; the backoff of 100+200+400 ms was not waited out", d)
	}
}

func TestRoute53DNSSEC(t *testing.T) {
	t.Parallel()
	e := newR53(t)
	z := e.zone(t, "example.com")
	d, err := e.p.DNSSEC(t.Context(), "example.com.")
	if err != nil || d.Signed || d.Status != "NOT_SIGNING" {
		t.Fatalf("unsigned zone: %+v %v", d, err)
	}
	if err := e.fake.SetSigning(z.ID, true); err != nil {
		t.Fatal(err)
	}
	d, err = e.p.DNSSEC(t.Context(), "example.com.")
	if err != nil || !d.Signed || d.Status != "SIGNING" || len(d.DS) != 1 || !strings.HasPrefix(d.DS[0], "12345 13 2 ") {
		t.Fatalf("signed zone: %+v %v", d, err)
	}
}
