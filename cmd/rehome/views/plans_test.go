package views

import (
	"time"

	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// Test plans: each one is what a reader of some rendering must be able to
// follow. They are built by hand, so their summaries are filled in to match.

var testTime = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func envs() []planner.EnvSummary {
	return []planner.EnvSummary{
		{Name: "aws", Provider: "aws", Role: "source", Resources: []providers.Resource{
			{Env: "aws", Provider: "aws", Kind: providers.KindStorage, Type: "bucket", ID: "arn:aws:s3:::shop-assets", Name: "shop-assets",
				Attrs: map[string]string{"region": "eu-central-1"}, Usage: providers.Usage{Objects: 1204, Bytes: 3355443}},
			{Env: "aws", Provider: "aws", Type: "instance", ID: "i-0abc", Name: "web-1"},
		}},
		{Name: "hetzner", Provider: "hcloud", Role: "destination"},
	}
}

// firstPlan is a first run: buckets, objects, a DNS zone and secrets to
// copy; one open blocker, one acknowledged blocker, a warning, an info;
// two cutover steps; a cost report.
func firstPlan() *planner.Plan {
	const (
		bAssets = `move.storage.assets.bucket["shop-assets"]`
		bMedia  = `move.storage.assets.bucket["shop-media"]`
		oAssets = `move.storage.assets.objects["shop-assets"]`
		oMedia  = `move.storage.assets.objects["shop-media"]`
		zone    = `move.dns.zones.zone["shop.example.com"]`
		records = `move.dns.zones.records["shop.example.com"]`
		ttl     = `move.dns.zones.ttl["shop.example.com"]`
		secrets = `move.secrets.app.secrets["prod"]`
	)
	aws := func(n string) planner.Endpoint { return planner.Endpoint{Env: "aws", Name: n} }
	hz := func(n string) planner.Endpoint { return planner.Endpoint{Env: "hetzner", Name: n} }
	return &planner.Plan{
		FormatVersion: planner.FormatVersion,
		Migration:     "shop",
		Description:   "Shop: AWS eu-central-1 to Hetzner fsn1",
		CreatedAt:     testTime,
		ConfigHash:    "sha256:9f2c1e",
		StateLineage:  "3b1f7c2a-5d2e-4c8e-9a57-0c6f1d2e8b11",
		StateSerial:   0,
		Actions: []planner.Action{
			{Address: bAssets, Move: "storage.assets", Kind: providers.KindStorage, Type: "bucket", Action: planner.ActCreate, Phase: planner.PhasePrepare,
				From: aws("shop-assets"), To: hz("shop-assets-fsn1"), Reason: "not at the destination",
				Check: "bucket shop-assets-fsn1 exists at hetzner", Undo: "delete bucket shop-assets-fsn1 at hetzner (only if empty)"},
			{Address: bMedia, Move: "storage.assets", Kind: providers.KindStorage, Type: "bucket", Action: planner.ActCreate, Phase: planner.PhasePrepare,
				From: aws("shop-media"), To: hz("shop-media"),
				Check: "bucket shop-media exists at hetzner", Undo: "delete bucket shop-media at hetzner (only if empty)"},
			{Address: `move.storage.assets.bucket["shop-logs"]`, Move: "storage.assets", Kind: providers.KindStorage, Type: "bucket", Action: planner.ActNoop, Phase: planner.PhasePrepare,
				From: aws("shop-logs"), To: hz("shop-logs")},
			{Address: oAssets, Move: "storage.assets", Kind: providers.KindStorage, Type: "objects", Action: planner.ActCopy, Phase: planner.PhasePrepare,
				DependsOn: []string{bAssets}, From: aws("shop-assets"), To: hz("shop-assets-fsn1"),
				Estimate: planner.Estimate{Items: 1204, Unit: "objects", Bytes: 3355443, Seconds: 95}, Options: []planner.Option{{Name: "verify", Value: "checksum"}},
				Check: "every source object is at the destination with the same size and checksum",
				Undo:  "delete the objects rehome copied into shop-assets-fsn1"},
			{Address: oMedia, Move: "storage.assets", Kind: providers.KindStorage, Type: "objects", Action: planner.ActCopy, Phase: planner.PhasePrepare,
				DependsOn: []string{bMedia}, From: aws("shop-media"), To: hz("shop-media"),
				Estimate: planner.Estimate{Items: 48213, Unit: "objects", Bytes: 13314398618, Seconds: 5400}, Options: []planner.Option{{Name: "verify", Value: "checksum"}},
				Check: "every source object is at the destination with the same size and checksum",
				Undo:  "delete the objects rehome copied into shop-media"},
			{Address: zone, Move: "dns.zones", Kind: providers.KindDNS, Type: "zone", Action: planner.ActCreate, Phase: planner.PhasePrepare,
				From: aws("shop.example.com"), To: hz("shop.example.com"),
				Check: "zone shop.example.com exists at hetzner", Undo: "delete zone shop.example.com at hetzner"},
			{Address: records, Move: "dns.zones", Kind: providers.KindDNS, Type: "records", Action: planner.ActCopy, Phase: planner.PhasePrepare,
				DependsOn: []string{zone}, From: aws("shop.example.com"), To: hz("shop.example.com"),
				Estimate: planner.Estimate{Items: 14, Unit: "records"},
				Items: []string{"@ A", "@ MX", "@ TXT", "www CNAME", "api A", "api AAAA", "cdn CNAME", "mail A",
					"_dmarc TXT", "_acme-challenge TXT", "shop A", "status CNAME", "*.preview CNAME", "old A"},
				Check: "a query to hetzner's name servers returns the same answer as aws for every record",
				Undo:  "delete the records rehome created in zone shop.example.com at hetzner"},
			{Address: ttl, Move: "dns.zones", Kind: providers.KindDNS, Type: "zone", Action: planner.ActLowerTTL, Phase: planner.PhasePrepare,
				DependsOn: []string{records}, From: aws("shop.example.com"), Reason: "so resolvers follow the switch within a minute",
				Estimate: planner.Estimate{Items: 14, Unit: "records"}, Options: []planner.Option{{Name: "ttl", Value: "60"}},
				Check: "every record at aws has TTL ≤ 60", Undo: "restore the previous TTLs at aws (recorded per record)"},
			{Address: secrets, Move: "secrets.app", Kind: providers.KindSecrets, Type: "secrets", Action: planner.ActCopy, Phase: planner.PhasePrepare,
				From: aws("prod/"), To: hz("prod/"), Estimate: planner.Estimate{Items: 3, Unit: "secrets"},
				Items: []string{"prod/db-password", "prod/api-key", "prod/stripe-key"}, Skipped: []string{"prod/legacy-cert"},
				Check: "each secret's digest matches at the destination", Undo: "delete the 3 secrets rehome created"},
			{Address: `move.storage.assets.verify["shop-assets"]`, Move: "storage.assets", Kind: providers.KindStorage, Type: "objects", Action: planner.ActVerify, Phase: planner.PhasePrepare,
				DependsOn: []string{oAssets}, From: aws("shop-assets"), To: hz("shop-assets-fsn1"), Estimate: planner.Estimate{Items: 1204, Unit: "objects"},
				Check: "checksums match for all 1,204 objects", Undo: ""},
			{Address: `move.storage.assets.sync["shop-assets"]`, Move: "storage.assets", Kind: providers.KindStorage, Type: "objects", Action: planner.ActSync, Phase: planner.PhaseCutover,
				DependsOn: []string{oAssets}, From: aws("shop-assets"), To: hz("shop-assets-fsn1"), Reason: "final incremental copy of changes since apply",
				Check: "no object differs between source and destination", Undo: "delete the objects this sync copied"},
			{Address: `move.dns.zones.delegation["shop.example.com"]`, Move: "dns.zones", Kind: providers.KindDNS, Type: "zone", Action: planner.ActSwitch, Phase: planner.PhaseCutover,
				DependsOn: []string{ttl, `move.storage.assets.sync["shop-assets"]`}, From: aws("shop.example.com"), To: hz("shop.example.com"),
				Check: "the registrar's NS set is hetzner's and public resolvers answer from it",
				Undo:  "set the registrar's NS back to aws's name servers"},
		},
		Audit: []planner.Finding{
			{ID: "secrets.binary-value.legacy-cert", Severity: planner.SevBlocker, Address: secrets, Code: "secrets.binary",
				Message: "prod/legacy-cert holds a binary value; hetzner stores text only", Remedy: "skip it and re-issue the certificate at the destination", Acknowledged: true},
			{ID: "dns.alias.apex", Severity: planner.SevWarning, Address: records, Code: "dns.alias",
				Message: "@ is a Route 53 ALIAS to a load balancer | converted to A records", Remedy: "check the A records after cutover"},
			{ID: "audit.scan.endpoint", Severity: planner.SevInfo, Address: "", Code: "scan.ref",
				Message: "../app/config/prod.yml:12 names s3.eu-central-1.amazonaws.com", Remedy: "point the app at the new endpoint before cutover"},
			{ID: "storage.object-lock.shop-media", Severity: planner.SevBlocker, Address: bMedia, Code: "storage.object_lock",
				Message: "shop-media uses S3 Object Lock (compliance mode);\nhetzner object storage cannot hold locked objects",
				Remedy:  "exclude the bucket, or acknowledge to copy without the lock"},
		},
		Cost: planner.CostReport{
			Currency: "EUR", CatalogDate: "2026-03-01",
			Items: []planner.CostItem{
				{Address: bAssets, Env: "aws", Resource: "S3 Standard", Monthly: 0.08, Basis: "3.2 MiB × 0.023/GiB + requests"},
				{Address: bAssets, Env: "hetzner", Resource: "Object Storage", Monthly: 0, Basis: "within the 1 TiB included"},
				{Address: bMedia, Env: "aws", Resource: "S3 Standard", Monthly: 285.62, Basis: "12.4 GiB × 0.023/GiB + 1.1 TB egress"},
				{Address: bMedia, Env: "hetzner", Resource: "Object Storage", Monthly: 5.99, Basis: "base price"},
				{Address: `aws.instance["web-1"]`, Env: "aws", Resource: "EC2 t3.large", Monthly: 60.74, Basis: "730 h × 0.0832"},
			},
			SourceTotal: 346.44, DestTotal: 5.99,
		},
		Summary: planner.Summary{
			Prepare:      map[planner.ActionType]int{planner.ActCreate: 3, planner.ActCopy: 4, planner.ActLowerTTL: 1, planner.ActVerify: 1, planner.ActNoop: 1},
			Cutover:      map[planner.ActionType]int{planner.ActSync: 1, planner.ActSwitch: 1},
			Changes:      9,
			CutoverSteps: 2,
			Blockers:     1,
			Warnings:     1,
			Acknowledged: 1,
			Items:        map[string]int64{"objects": 49417, "records": 14, "secrets": 3},
			Bytes:        13317754061,
		},
		Environments: envs(),
	}
}

// noChangesPlan: everything is applied; the cutover is still pending.
func noChangesPlan() *planner.Plan {
	aws := func(n string) planner.Endpoint { return planner.Endpoint{Env: "aws", Name: n} }
	hz := func(n string) planner.Endpoint { return planner.Endpoint{Env: "hetzner", Name: n} }
	return &planner.Plan{
		FormatVersion: planner.FormatVersion,
		Migration:     "shop",
		CreatedAt:     testTime,
		ConfigHash:    "sha256:9f2c1e",
		StateLineage:  "3b1f7c2a-5d2e-4c8e-9a57-0c6f1d2e8b11",
		StateSerial:   7,
		Actions: []planner.Action{
			{Address: `move.storage.assets.bucket["shop-assets"]`, Kind: providers.KindStorage, Type: "bucket", Action: planner.ActNoop, Phase: planner.PhasePrepare, From: aws("shop-assets"), To: hz("shop-assets-fsn1")},
			{Address: `move.storage.assets.objects["shop-assets"]`, Kind: providers.KindStorage, Type: "objects", Action: planner.ActNoop, Phase: planner.PhasePrepare, From: aws("shop-assets"), To: hz("shop-assets-fsn1")},
			{Address: `move.dns.zones.zone["shop.example.com"]`, Kind: providers.KindDNS, Type: "zone", Action: planner.ActNoop, Phase: planner.PhasePrepare, From: aws("shop.example.com"), To: hz("shop.example.com")},
			{Address: `move.storage.assets.sync["shop-assets"]`, Kind: providers.KindStorage, Type: "objects", Action: planner.ActSync, Phase: planner.PhaseCutover,
				DependsOn: []string{`move.storage.assets.objects["shop-assets"]`}, From: aws("shop-assets"), To: hz("shop-assets-fsn1"),
				Check: "no object differs between source and destination", Undo: "delete the objects this sync copied"},
			{Address: `move.dns.zones.delegation["shop.example.com"]`, Kind: providers.KindDNS, Type: "zone", Action: planner.ActSwitch, Phase: planner.PhaseCutover,
				DependsOn: []string{`move.storage.assets.sync["shop-assets"]`}, From: aws("shop.example.com"), To: hz("shop.example.com"),
				Check: "the registrar's NS set is hetzner's", Undo: "set the registrar's NS back to aws's name servers"},
		},
		Summary: planner.Summary{
			Prepare:      map[planner.ActionType]int{planner.ActNoop: 3},
			Cutover:      map[planner.ActionType]int{planner.ActSync: 1, planner.ActSwitch: 1},
			CutoverSteps: 2,
		},
		Environments: []planner.EnvSummary{{Name: "aws", Provider: "aws", Role: "source"}, {Name: "hetzner", Provider: "hcloud", Role: "destination"}},
	}
}

// overwritePlan targets one move and overwrites unversioned secrets: an
// irreversible step. It also deletes a record rehome created earlier.
func overwritePlan() *planner.Plan {
	return &planner.Plan{
		FormatVersion: planner.FormatVersion,
		Migration:     "payments",
		Description:   "Payments secrets | DigitalOcean to Hetzner",
		CreatedAt:     testTime,
		ConfigHash:    "sha256:77aa01",
		StateLineage:  "0c9e8d7f-1111-4222-8333-944455566677",
		StateSerial:   3,
		Targets:       []string{"move.secrets.payments"},
		Actions: []planner.Action{
			{Address: `move.secrets.payments.secrets["live"]`, Move: "secrets.payments", Kind: providers.KindSecrets, Type: "secrets",
				Action: planner.ActUpdate, Phase: planner.PhasePrepare,
				From: planner.Endpoint{Env: "do", Name: "live/"}, To: planner.Endpoint{Env: "vault", Name: "live/"},
				Reason:       "2 secrets differ at the destination",
				Estimate:     planner.Estimate{Items: 2, Unit: "secrets"},
				Options:      []planner.Option{{Name: "overwrite", Value: "true"}},
				Items:        []string{"live/psp-key", "live/webhook-secret"},
				Check:        "each secret's digest matches the source",
				Undo:         "cannot restore: the destination store is not versioned, so the overwritten values of live/psp-key and live/webhook-secret are lost",
				Irreversible: true},
			{Address: `move.dns.pay.record["old.pay.example.com A"]`, Move: "dns.pay", Kind: providers.KindDNS, Type: "record",
				Action: planner.ActDelete, Phase: planner.PhasePrepare,
				To:     planner.Endpoint{Env: "vault", Name: "old.pay.example.com A"},
				Reason: "rehome created it and the source no longer has it",
				Check:  "the record is gone", Undo: "re-create old.pay.example.com A 203.0.113.7"},
		},
		Audit: []planner.Finding{
			{ID: "secrets.unversioned.live", Severity: planner.SevWarning, Address: `move.secrets.payments.secrets["live"]`, Code: "secrets.unversioned",
				Message: "vault's store keeps no versions: an overwrite cannot be rolled back", Remedy: "export the current values before applying"},
		},
		Summary: planner.Summary{
			Prepare:  map[planner.ActionType]int{planner.ActUpdate: 1, planner.ActDelete: 1},
			Cutover:  map[planner.ActionType]int{},
			Changes:  2,
			Warnings: 1,
			Items:    map[string]int64{"secrets": 2},
		},
		Environments: []planner.EnvSummary{{Name: "do", Provider: "digitalocean", Role: "source"}, {Name: "vault", Provider: "hcloud", Role: "destination"}},
	}
}

// emptyPlan has nothing at all: a fresh config whose moves match nothing.
// Its lists are nil, as a zero value's are.
func emptyPlan() *planner.Plan {
	return &planner.Plan{FormatVersion: planner.FormatVersion, Migration: "empty", CreatedAt: testTime}
}
