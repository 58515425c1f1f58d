package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/planner"
	"github.com/rehome/rehome/providers"
)

// Action types of the storage kind.
const (
	typeBucket  = "bucket"
	typeObjects = "objects"
)

// bucketParams are the create action's inputs.
type bucketParams struct {
	Bucket string `json:"bucket"`
}

// objectsParams are the inputs of a bucket's copy and of its cutover sync.
type objectsParams struct {
	SrcBucket         string  `json:"src_bucket"`
	DstBucket         string  `json:"dst_bucket"`
	Verify            string  `json:"verify"`
	Overwrite         bool    `json:"overwrite"`
	Prefix            string  `json:"prefix,omitempty"`
	Parallelism       int     `json:"parallelism,omitempty"`
	PartSize          int64   `json:"part_size,omitempty"`
	BytesPerSecond    int64   `json:"bytes_per_second,omitempty"`
	RequestsPerSecond float64 `json:"requests_per_second,omitempty"`
	// DeleteExtra (the cutover's sync only): remove destination objects
	// not at the source, backing each up first.
	DeleteExtra bool `json:"delete_extra,omitempty"`
}

// what names the kind's provider interface in errors.
const what = "object storage"

// sides returns the storage interfaces of a move's environments.
func sides(src, dst *planner.Env) (providers.Storage, providers.Storage, error) {
	return planner.Capabilities[providers.Storage](src, dst, what)
}

// Plan plans a storage move: per selected bucket, its create, its copy and
// its cutover sync, with the findings the diff turns up.
func (Mover) Plan(ctx context.Context, mc *planner.MoveContext) error {
	m, src, dst := mc.Move, mc.From, mc.To
	if _, _, err := sides(src, dst); err != nil {
		return err
	}
	cfg := settings(m)
	scaps, dcaps := src.Factory.Caps.Storage, dst.Factory.Caps.Storage
	var lost []string
	for _, f := range []struct {
		name     string
		src, dst bool
	}{{"user metadata", scaps.Metadata, dcaps.Metadata}, {"tags", scaps.Tags, dcaps.Tags},
		{"HTTP headers (Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires)", scaps.Headers, dcaps.Headers},
		{"modification times", scaps.ModTime, dcaps.ModTime}} {
		if f.src && !f.dst {
			lost = append(lost, f.name)
		}
	}
	if len(lost) > 0 {
		mc.Finding(planner.SevWarning, m.Addr(), "storage.metadata_lost", "",
			fmt.Sprintf("%s (%s) keeps %s on objects; %s (%s) cannot, so they are not carried over",
				m.From, src.Factory.Name, strings.Join(lost, ", "), m.To, dst.Factory.Name),
			"move application state out of object metadata first, or accept the loss")
	}
	if !dcaps.ContentType && scaps.ContentType {
		mc.Finding(planner.SevInfo, m.Addr(), "storage.content_type_derived", "",
			fmt.Sprintf("%s derives Content-Type from the file extension; stored content types are not kept", m.To),
			"none needed unless objects rely on a non-standard Content-Type")
	}

	dstBuckets := map[string]bool{}
	for _, r := range dst.Inventory.OfKind(Kind) {
		if r.Type == typeBucket {
			dstBuckets[r.Name] = true
		}
	}
	var buckets []providers.Resource
	if len(cfg.Buckets) > 0 {
		srcBuckets := map[string]providers.Resource{}
		var names []string
		for _, r := range src.Inventory.OfKind(Kind) {
			if r.Type == typeBucket {
				srcBuckets[r.Name] = r
				names = append(names, r.Name)
			}
		}
		sort.Strings(names)
		for _, n := range cfg.Buckets {
			r, ok := srcBuckets[n]
			if !ok {
				mc.Finding(planner.SevBlocker, mc.Addr(typeBucket, n), "storage.bucket_missing", "",
					fmt.Sprintf("%s (found: %s)", providers.Missing(src.Provider, m.From, Kind, "bucket", n), planner.First(names, 10)),
					"correct the buckets list, or acknowledge to skip the bucket")
				continue
			}
			buckets = append(buckets, r)
		}
	} else {
		for _, r := range src.Inventory.OfKind(Kind) {
			if r.Type == typeBucket && planner.MatchNames(r.Name, cfg.Include, cfg.Exclude) {
				buckets = append(buckets, r)
			}
		}
	}
	if len(buckets) == 0 && len(cfg.Buckets) == 0 {
		mc.Finding(planner.SevWarning, m.Addr(), "storage.no_match", "",
			fmt.Sprintf("no bucket in %s matches include %v / exclude %v", m.From, cfg.Include, cfg.Exclude),
			"check the include and exclude globs")
	}
	used := map[string]bool{}
	targets := map[string]string{}
	for _, r := range buckets {
		name := r.Name
		if n, ok := cfg.Rename[r.Name]; ok {
			name = n
			used[r.Name] = true
		}
		if prev, dup := targets[name]; dup {
			mc.Finding(planner.SevBlocker, mc.Addr(typeBucket, r.Name), "storage.name_collision", name,
				fmt.Sprintf("buckets %q and %q would both become %q at %s", prev, r.Name, name, m.To),
				"rename one of them with the move's rename map")
			continue
		}
		targets[name] = r.Name
		if err := planBucket(ctx, mc, cfg, r, name, dstBuckets[name]); err != nil {
			return err
		}
	}
	var unused []string
	for k := range cfg.Rename {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	for _, k := range unused {
		mc.Finding(planner.SevWarning, m.Addr(), "storage.rename_unused", k,
			fmt.Sprintf("rename names bucket %q, which is not among the moved buckets", k),
			"correct or remove the rename entry")
	}
	return nil
}

func planBucket(ctx context.Context, mc *planner.MoveContext, cfg *Settings, r providers.Resource, dstName string, dstExists bool) error {
	m, src, dst := mc.Move, mc.From, mc.To
	ss, ds, _ := sides(src, dst)
	bucketAddr := mc.Addr(typeBucket, r.Name)
	objAddr := mc.Addr(typeObjects, r.Name)
	syncAddr := mc.Addr("cutover_sync", r.Name)
	from := planner.Endpoint{Env: m.From, Name: r.Name}
	to := planner.Endpoint{Env: m.To, Name: dstName}
	if src.ID() == dst.ID() && r.Name == dstName {
		mc.Finding(planner.SevBlocker, bucketAddr, "storage.same_bucket", "",
			fmt.Sprintf("bucket %q would be copied onto itself: %s and %s are the same place (%s) and the bucket keeps its name", r.Name, m.From, m.To, src.ID()),
			"rename it in the move's `rename` map, or leave it out of `buckets`")
		return nil
	}
	featureFindings(mc, r, bucketAddr)
	if ba, ok := ds.(interface {
		BucketAccess(ctx context.Context, name string) error
	}); ok && !dstExists {
		if err := ba.BucketAccess(ctx, dstName); err != nil && !errors.Is(err, providers.ErrNotFound) {
			mc.Finding(planner.SevBlocker, bucketAddr, "storage.bucket_name_taken", "",
				fmt.Sprintf("bucket %q cannot be made at %s: %v", dstName, m.To, err),
				"give the destination bucket another name with the move's rename map")
		}
	}
	if n := r.Attrs["skipped_files"]; n != "" && n != "0" {
		mc.Finding(planner.SevWarning, bucketAddr, "storage.skipped_files", "",
			fmt.Sprintf("bucket %q at %s holds %s links or special files that are not objects; they are not copied", r.Name, m.From, n),
			"replace them with regular files if they matter")
	}

	mc.Container(planner.Action{Address: bucketAddr, Type: typeBucket, From: from, To: to,
		Moves: &planner.Moved{Type: "bucket", Referenced: true},
		Check: fmt.Sprintf("bucket %q exists at %s", dstName, m.To), Params: planner.EncodeParams(bucketParams{Bucket: dstName})}, dstExists,
		fmt.Sprintf("delete bucket %q at %s once the objects rehome wrote are removed (refused if anything else was put in it)", dstName, m.To),
		"storage.dest_bucket_exists",
		fmt.Sprintf("bucket %q already exists at %s; rehome adds objects to it and never deletes what it did not write", dstName, m.To))

	scope := Scope(m.Addr(), r.Name, dst.ID(), dstName)
	recs := planner.StreamRecords[ObjectRecord](ctx, mc.Progress(), scope)
	d, err := Diff(ctx, DiffInput{Src: ss, Dst: ds, SrcBucket: r.Name, DstBucket: dstName, DstExists: dstExists,
		DstCaps: dst.Factory.Caps.Storage, Records: recs, Overwrite: m.Overwrite, BySize: cfg.Verify == VerifySize,
		Prefix: cfg.Prefix, Extra: cfg.DeleteExtra, Caller: mc.Caller()})
	if err != nil {
		return err
	}
	if cfg.Prefix == "" && src.Inventory != nil {
		// The diff listed the whole bucket: its size, measured once
		// (discovery leaves it to the move rather than list it twice).
		src.Inventory.SetUsage(r.Type, r.Name, providers.Usage{Objects: d.SourceObjects, Bytes: d.SourceBytes})
		if len(d.Classes) > 0 {
			src.Inventory.SetAttr(r.Type, r.Name, "storage_classes", strings.Join(slices.Sorted(maps.Keys(d.Classes)), ","))
		}
	}
	objects := func(n int) string { return planner.Plural(int64(n), "object", "objects") }
	var skipped []string
	if len(d.Invalid) > 0 {
		f := mc.Finding(planner.SevBlocker, objAddr, "storage.key_invalid", "",
			fmt.Sprintf("%s in %q cannot be stored as files at %s (a key that is also a folder of another key, or a bad path segment): %s",
				planner.Plural(int64(len(d.Invalid)), "key", "keys"), r.Name, m.To, planner.First(d.Invalid, 5)),
			"rename the objects at the source, or acknowledge to skip these keys")
		if f.Acknowledged {
			skipped = append(skipped, d.Invalid...)
		}
	}
	if n := len(d.Conflicts); n > 0 {
		f := mc.Finding(planner.SevBlocker, objAddr, "storage.dest_conflict", "",
			fmt.Sprintf("%s at %s/%s %s from the source and %s not rehome's (rehome did not write %s, or someone changed %s since): %s",
				objects(n), m.To, dstName, planner.Verb(n, "differs", "differ"),
				planner.Verb(n, "is", "are"), planner.Verb(n, "it", "them"), planner.Verb(n, "it", "them"), planner.First(d.Conflicts, 5)),
			"set overwrite = true in "+m.Addr()+" to replace them (the originals are kept for rollback), or acknowledge to leave them and skip these keys")
		if f.Acknowledged {
			skipped = append(skipped, d.Conflicts...)
		}
	}
	if n := len(d.Replaced); n > 0 {
		mc.Finding(planner.SevWarning, objAddr, "storage.overwrite", "",
			fmt.Sprintf("%s at %s/%s that rehome did not write will be replaced (overwrite = true): %s; the originals are kept in the state for rollback",
				objects(n), m.To, dstName, planner.First(d.Replaced, 5)),
			"none needed if intended")
	}
	if n := len(d.Archived); n > 0 {
		f := mc.Finding(planner.SevBlocker, objAddr, "storage.archived", "",
			fmt.Sprintf("%s in %q %s in an archive storage class (Glacier, Deep Archive) and cannot be read until restored: %s",
				objects(n), r.Name, planner.Verb(n, "is", "are"), planner.First(d.Archived, 5)),
			"restore them at the source (S3 RestoreObject) and plan again, or acknowledge to leave them out")
		if f.Acknowledged {
			skipped = append(skipped, d.Archived...)
		}
	}
	if n := len(d.Unreadable); n > 0 {
		// Reported now rather than by a copy that fails halfway.
		f := mc.Finding(planner.SevBlocker, objAddr, "storage.unreadable", "",
			fmt.Sprintf("%s in %q at %s cannot be read (no permission, or a folder that cannot be listed): %s",
				planner.Plural(int64(n), "entry", "entries"), r.Name, m.From, planner.First(d.Unreadable, 5)),
			"make them readable by the user running rehome and plan again, or acknowledge to leave them out")
		if f.Acknowledged {
			for _, u := range d.Unreadable {
				k, _, _ := strings.Cut(u, ": ")
				skipped = append(skipped, k)
			}
		}
	}
	if mapped := unmappedClasses(d, dst.Factory.Caps.Storage); len(mapped) > 0 {
		mc.Finding(planner.SevWarning, objAddr, "storage.class_mapped", strings.Join(mapped, ","),
			fmt.Sprintf("objects of %q use storage classes %s has not (%s); they are written in its default class",
				r.Name, m.To, strings.Join(mapped, ", ")),
			"none needed unless costs or retrieval times depend on the class")
	}
	if max := dst.Factory.Caps.Storage.MaxObjectSize; max > 0 {
		var big []string
		for _, it := range d.Copy {
			if it.Src.Size > max {
				big = append(big, it.Src.Key)
			}
		}
		if n := len(big); n > 0 {
			f := mc.Finding(planner.SevBlocker, objAddr, "storage.too_large", "",
				fmt.Sprintf("%s in %q %s the %d-byte object limit of %s (%s): %s",
					objects(n), r.Name, planner.Verb(n, "exceeds", "exceed"), max, m.To, dst.Factory.Name, planner.First(big, 5)),
				"split or remove them at the source, or acknowledge to skip them")
			if f.Acknowledged {
				skipped = append(skipped, big...)
				d.drop(big)
			}
		}
	}
	if d.DestOnly > 0 {
		n := int(d.DestOnly)
		mc.Finding(planner.SevInfo, objAddr, "storage.dest_only", "",
			fmt.Sprintf("%s %s only at %s/%s; rehome leaves %s untouched", objects(n),
				planner.Verb(n, "exists", "exist"), m.To, dstName, planner.Verb(n, "it", "them")),
			"none needed")
	}
	sort.Strings(skipped)

	op := objectsParams{SrcBucket: r.Name, DstBucket: dstName, Verify: cfg.Verify, Overwrite: m.Overwrite, Prefix: cfg.Prefix,
		Parallelism: cfg.Parallelism, PartSize: cfg.PartSize, BytesPerSecond: cfg.BytesPerSecond, RequestsPerSecond: cfg.RequestsPerSecond}
	params := planner.EncodeParams(op)
	options := []planner.Option{{Name: "verify", Value: cfg.Verify}}
	if cfg.Prefix != "" {
		options = append(options, planner.Option{Name: "prefix", Value: cfg.Prefix})
	}
	if m.Overwrite {
		options = append(options, planner.Option{Name: "overwrite", Value: "true"})
	}
	if cfg.BytesPerSecond > 0 {
		options = append(options, planner.Option{Name: "bandwidth", Value: format.Bytes(cfg.BytesPerSecond) + "/s"})
	}
	if cfg.RequestsPerSecond > 0 {
		options = append(options, planner.Option{Name: "requests_per_second", Value: fmt.Sprint(cfg.RequestsPerSecond)})
	}
	cp := planner.Action{Address: objAddr, Type: typeObjects, Action: planner.ActNoop, Phase: planner.PhasePrepare,
		DependsOn: []string{bucketAddr}, From: from, To: to, Params: params, Options: options, Scope: scope, Covered: true,
		Skipped: skipped}
	if cfg.Verify == VerifySize {
		cp.Check = fmt.Sprintf("every source object of %q is at %s/%s with the same size", r.Name, m.To, dstName)
	} else {
		cp.Check = fmt.Sprintf("every source object of %q is at %s/%s with the same size and content digest", r.Name, m.To, dstName)
	}
	cp.Undo = fmt.Sprintf("delete the objects rehome wrote to %s/%s and restore any it replaced from the state's backups", m.To, dstName)
	if n, rm, ad := int64(len(d.Copy)), int64(len(d.Orphans)), int64(len(d.Adopt)); n+rm+ad > 0 {
		cp.Action = planner.ActCopy
		cp.Estimate = planner.Estimate{Items: n, Bytes: d.CopyBytes, Removals: rm, Seconds: planner.CopySeconds(n+rm+ad, d.CopyBytes)}
		cp.Reason = fmt.Sprintf("%s to copy, %s already in place", objects(int(n)), objects(int(d.Unchanged)))
		if ad > 0 {
			cp.Reason += fmt.Sprintf("; %s an interrupted run wrote, to record (not rewritten)", objects(int(ad)))
		}
		if k := len(d.Conflicts) + len(d.Skipped) + len(d.Invalid); k > 0 {
			cp.Reason += fmt.Sprintf("; %s not copied (see the findings)", objects(k))
		}
		if rm > 0 {
			cp.Reason += fmt.Sprintf("; %s rehome copied earlier to remove (gone from the source: %s)",
				objects(int(rm)), planner.First(d.Orphans, 3))
		}
		cp.Changes = objectChanges(d)
	} else {
		cp.Reason = fmt.Sprintf("all %s in place", objects(int(d.Unchanged)))
	}
	mc.Add(cp)

	syncParams, syncOptions := params, options
	if cfg.DeleteExtra {
		op.DeleteExtra = true
		syncParams = planner.EncodeParams(op)
		syncOptions = append(append([]planner.Option(nil), options...), planner.Option{Name: "delete_extra", Value: "true"})
	}
	sync := planner.Action{Address: syncAddr, Type: typeObjects, Action: planner.ActSync, Phase: planner.PhaseCutover,
		DependsOn: []string{objAddr}, From: from, To: to, Params: syncParams, Options: syncOptions, Scope: scope, Skipped: skipped,
		Check:  cp.Check + ", after a final incremental pass",
		Undo:   cp.Undo,
		Reason: "final incremental copy of objects added or changed at the source since the last copy"}
	if mc.CutoverDone() {
		sync.Reason = "cutover already ran"
		if cp.Action == planner.ActNoop && len(d.Extra) == 0 {
			sync.Action = planner.ActNoop
		} else {
			sync.Estimate = cp.Estimate
			sync.Changes = cp.Changes
			sync.Reason = fmt.Sprintf("%s changed at the source since the cutover", objects(len(d.Copy)+len(d.Orphans)+len(d.Adopt)))
		}
	}
	if n := len(d.Extra); n > 0 {
		sync.Estimate.Removals += int64(n)
		for _, o := range d.Extra {
			sync.Changes = append(sync.Changes, planner.Change{Op: planner.ChangeRemove, Item: o.Key, Size: o.Size,
				Reason: "not at the source (delete_extra; backed up for rollback)"})
		}
		sync.Reason += fmt.Sprintf("; %s only at the destination to remove (delete_extra; each backed up for rollback)", objects(n))
		force, remedy := "", "none needed if intended (rollback restores them from the state's backups)"
		if overThreshold(n, d.Unchanged+int64(len(d.Copy))+int64(n)) {
			force = fmt.Sprintf("; that is more than %d%% of the bucket, so the cutover refuses it without -force", thresholdPercent)
			remedy = "check the source is the one meant; cut over with -force to remove them"
		}
		mc.Finding(planner.SevWarning, syncAddr, "storage.delete_extra", "",
			fmt.Sprintf("the cutover removes %s at %s/%s that the source lacks, rehome's or not (delete_extra): %s%s",
				objects(n), m.To, dstName, planner.First(keysOf(d.Extra), 5), force), remedy)
	}
	mc.Add(sync)
	return nil
}

// objectChanges lists each object a copy writes or removes, with why.
func objectChanges(d *ObjectDiff) []planner.Change {
	out := make([]planner.Change, 0, len(d.Copy)+len(d.Orphans))
	for _, it := range d.Copy {
		c := planner.Change{Op: planner.ChangeCreate, Item: it.Src.Key, Size: it.Src.Size, Reason: "new"}
		switch {
		case it.Dst == nil && it.Rec != nil:
			c.Reason = "new (rehome's earlier copy is gone from the destination)"
		case it.Dst == nil:
		case it.Replace:
			c.Op, c.Reason = planner.ChangeReplace, "differs from an object rehome did not write (overwrite = true; the original is backed up for rollback)"
		case it.Dst.Size != it.Src.Size:
			c.Op, c.Reason = planner.ChangeUpdate, fmt.Sprintf("changed: size differs (%s at the destination)", format.Bytes(it.Dst.Size))
		default:
			c.Op, c.Reason = planner.ChangeUpdate, "changed: digest differs"
		}
		out = append(out, c)
	}
	for _, k := range d.Orphans {
		out = append(out, planner.Change{Op: planner.ChangeRemove, Item: k, Reason: "gone from the source (rehome copied it earlier)"})
	}
	return out
}

// thresholdPercent is the share of a bucket's objects the cutover may
// remove without -force (octoDNS's and dnscontrol's safety threshold).
const thresholdPercent = 30

// overThreshold reports whether removing n of total objects exceeds it.
func overThreshold(n int, total int64) bool {
	return total > 0 && int64(n)*100 > total*thresholdPercent
}

func keysOf(objs []providers.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

// unmappedClasses lists the storage classes the objects to copy use that
// the destination has not.
func unmappedClasses(d *ObjectDiff, dcaps providers.StorageCaps) []string {
	seen := map[string]bool{}
	for _, it := range d.Copy {
		if c := it.Src.StorageClass; c != "" && !slices.Contains(dcaps.StorageClasses, c) {
			seen[c] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// featureFindings compares the bucket's features (as discovery reported
// them) with what the destination can hold. rehome copies objects; bucket
// settings are reported, not copied: a blocker where behaviour would
// silently change (public objects becoming private, website hosting gone,
// locked objects unlocked), a warning where it degrades.
func featureFindings(mc *planner.MoveContext, r providers.Resource, addr string) {
	m, dcaps := mc.Move, mc.To.Factory.Caps.Storage
	a := r.Attrs
	add := func(sev planner.Severity, code, msg, remedy string) {
		mc.Finding(sev, addr, code, "", fmt.Sprintf("bucket %q at %s %s", r.Name, m.From, msg), remedy)
	}
	if a["public"] == "true" {
		add(planner.SevBlocker, "storage.public", "lets anyone read its objects (its bucket policy); rehome does not copy policies, so at "+m.To+" they would be private",
			"make the destination bucket public yourself (if "+m.To+" can), then acknowledge")
	} else if a["policy"] == "true" {
		add(planner.SevWarning, "storage.policy_not_copied", "has a bucket policy; rehome does not copy policies (they name the source's accounts and ARNs)",
			"write the destination's policy yourself if access must be restricted")
	}
	if a["requester_pays"] == "true" {
		add(planner.SevBlocker, "storage.requester_pays", "makes readers pay for requests and transfer (requester pays); rehome does not read such buckets",
			"turn requester pays off on the bucket for the move (its owner then pays for the reads), then plan again")
	}
	if a["website"] == "true" {
		if dcaps.Website {
			add(planner.SevWarning, "storage.website_not_copied", "hosts a static website; rehome does not copy the website configuration",
				"configure website hosting on the destination bucket before the cutover")
		} else {
			add(planner.SevBlocker, "storage.website", "hosts a static website; "+m.To+" cannot host one, so the site would go dark",
				"serve the site another way (a CDN or server in front of the bucket), then acknowledge")
		}
	}
	if lock := a["object_lock"]; lock != "" {
		sev, msg := planner.SevWarning, "uses object lock ("+lock+"); rehome does not copy lock settings or retention"
		if !dcaps.ObjectLock {
			sev, msg = planner.SevBlocker, "uses object lock ("+lock+"); "+m.To+" has none, so copied objects could be deleted or overwritten"
		}
		add(sev, "storage.object_lock", msg, "set up retention at the destination if it can, or acknowledge the loss")
	}
	if n := a["lifecycle_rules"]; n != "" {
		add(planner.SevWarning, "storage.lifecycle_not_copied", "has "+n+" lifecycle rule(s); rehome does not copy them (expirations and transitions stop)",
			"recreate the rules at the destination if it supports them")
	}
	if a["cors"] == "true" {
		add(planner.SevWarning, "storage.cors_not_copied", "has a CORS configuration; rehome does not copy it (browsers calling the bucket from other sites fail)",
			"set the same CORS rules on the destination bucket")
	}
	if enc := a["encryption"]; enc != "" && !dcaps.Encryption {
		add(planner.SevWarning, "storage.encryption", "encrypts objects by default ("+enc+"); "+m.To+" has no default encryption to set",
			"check how the destination stores data at rest")
	}
	if a["versioning"] == "Enabled" {
		add(planner.SevInfo, "storage.versions_not_copied", "keeps object versions; only current versions are copied",
			"none needed unless older versions must survive the move")
	}
	if u := a["unreadable"]; u != "" {
		add(planner.SevWarning, "storage.features_unreadable", "has settings rehome could not read ("+u+"), so they are not checked",
			"grant the source's credentials read access to them, or check them by hand")
	}
}
