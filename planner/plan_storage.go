package planner

import (
	"fmt"
	"sort"

	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/providers"
)

func (b *builder) storage(m *lang.Move) error {
	src, dst := b.in.Envs[m.From], b.in.Envs[m.To]
	ss, ds := src.Storage(), dst.Storage()
	if ss == nil || ds == nil {
		return fmt.Errorf("provider of %s or %s has no object storage", m.From, m.To)
	}
	cfg := m.Storage
	verify := cfg.Verify
	if verify == "" {
		verify = "checksum"
	}
	scaps, dcaps := src.Factory.Caps.Storage, dst.Factory.Caps.Storage
	if (scaps.Metadata && !dcaps.Metadata) || (scaps.Tags && !dcaps.Tags) {
		b.finding(m, SevWarning, m.Addr(), "storage.metadata_lost", "",
			fmt.Sprintf("%s (%s) keeps user metadata and tags on objects; %s (%s) cannot, so they are not carried over",
				m.From, src.Factory.Name, m.To, dst.Factory.Name),
			"move application state out of object metadata first, or accept the loss")
	}
	if !dcaps.ContentType && scaps.ContentType {
		b.finding(m, SevInfo, m.Addr(), "storage.content_type_derived", "",
			fmt.Sprintf("%s derives Content-Type from the file extension; stored content types are not kept", m.To),
			"none needed unless objects rely on a non-standard Content-Type")
	}

	dstBuckets := map[string]bool{}
	for _, r := range dst.Inventory.OfKind(providers.KindStorage) {
		if r.Type == "bucket" {
			dstBuckets[r.Name] = true
		}
	}
	var buckets []providers.Resource
	for _, r := range src.Inventory.OfKind(providers.KindStorage) {
		if r.Type == "bucket" && MatchNames(r.Name, cfg.Include, cfg.Exclude) {
			buckets = append(buckets, r)
		}
	}
	if len(buckets) == 0 {
		b.finding(m, SevWarning, m.Addr(), "storage.no_match", "",
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
			b.finding(m, SevBlocker, Addr(m, "bucket", r.Name), "storage.name_collision", name,
				fmt.Sprintf("buckets %q and %q would both become %q at %s", prev, r.Name, name, m.To),
				"rename one of them with the move's rename map")
			continue
		}
		targets[name] = r.Name
		if err := b.storageBucket(m, src, dst, r, name, dstBuckets[name], verify); err != nil {
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
		b.finding(m, SevWarning, m.Addr(), "storage.rename_unused", k,
			fmt.Sprintf("rename names bucket %q, which is not among the moved buckets", k),
			"correct or remove the rename entry")
	}
	return nil
}

func (b *builder) storageBucket(m *lang.Move, src, dst *Env, r providers.Resource, dstName string, dstExists bool, verify string) error {
	bucketAddr := Addr(m, "bucket", r.Name)
	objAddr := Addr(m, "objects", r.Name)
	syncAddr := Addr(m, "cutover_sync", r.Name)
	from := Endpoint{Env: m.From, Name: r.Name}
	to := Endpoint{Env: m.To, Name: dstName}
	if n := r.Attrs["skipped_files"]; n != "" && n != "0" {
		b.finding(m, SevWarning, bucketAddr, "storage.skipped_files", "",
			fmt.Sprintf("bucket %q at %s holds %s links or special files that are not objects; they are not copied", r.Name, m.From, n),
			"replace them with regular files if they matter")
	}

	b.container(m, Action{Address: bucketAddr, Move: m.Addr(), Kind: providers.KindStorage, Type: "bucket",
		From: from, To: to, Check: fmt.Sprintf("bucket %q exists at %s", dstName, m.To),
		Params: map[string]string{"bucket": dstName}}, dstExists,
		fmt.Sprintf("delete bucket %q at %s once the objects rehome wrote are removed (refused if anything else was put in it)", dstName, m.To),
		"storage.dest_bucket_exists",
		fmt.Sprintf("bucket %q already exists at %s; rehome adds objects to it and never deletes what it did not write", dstName, m.To))

	scope := StorageScope(m.Addr(), r.Name, dst.ID(), dstName)
	recs, err := LoadRecords[ObjectRecord](b.ctx, b.in.Progress, scope)
	if err != nil {
		return err
	}
	skip := map[string]bool{}
	in := ObjectDiffInput{Src: src.Storage(), Dst: dst.Storage(), SrcBucket: r.Name, DstBucket: dstName,
		DstExists: dstExists, DstCaps: dst.Factory.Caps.Storage, Records: recs, Overwrite: m.Overwrite, Verify: verify, Skip: skip}
	d, err := DiffObjects(b.ctx, in)
	if err != nil {
		return err
	}
	var skipped []string
	if len(d.Invalid) > 0 {
		f := b.finding(m, SevBlocker, objAddr, "storage.key_invalid", "",
			fmt.Sprintf("%s in %q cannot be stored as files at %s (a key that is also a folder of another key, or a bad path segment): %s",
				plural(int64(len(d.Invalid)), "key", "keys"), r.Name, m.To, first(d.Invalid, 5)),
			"rename the objects at the source, or acknowledge to skip these keys")
		if f.Acknowledged {
			skipped = append(skipped, d.Invalid...)
		}
	}
	if len(d.Conflicts) > 0 {
		f := b.finding(m, SevBlocker, objAddr, "storage.dest_conflict", "",
			fmt.Sprintf("%s at %s/%s %s from the source and %s not rehome's (rehome did not write %s, or someone changed %s since): %s",
				plural(int64(len(d.Conflicts)), "object", "objects"), m.To, dstName, verb(len(d.Conflicts), "differs", "differ"),
				verb(len(d.Conflicts), "is", "are"), verb(len(d.Conflicts), "it", "them"), verb(len(d.Conflicts), "it", "them"), first(d.Conflicts, 5)),
			"set overwrite = true in "+m.Addr()+" to replace them (the originals are kept for rollback), or acknowledge to leave them and skip these keys")
		if f.Acknowledged {
			skipped = append(skipped, d.Conflicts...)
		}
	}
	if len(d.Replaced) > 0 {
		b.finding(m, SevWarning, objAddr, "storage.overwrite", "",
			fmt.Sprintf("%s at %s/%s that rehome did not write will be replaced (overwrite = true): %s; the originals are kept in the state for rollback",
				plural(int64(len(d.Replaced)), "object", "objects"), m.To, dstName, first(d.Replaced, 5)),
			"none needed if intended")
	}
	if max := dst.Factory.Caps.Storage.MaxObjectSize; max > 0 {
		var big []string
		for _, it := range d.Copy {
			if it.Src.Size > max {
				big = append(big, it.Src.Key)
			}
		}
		if len(big) > 0 {
			f := b.finding(m, SevBlocker, objAddr, "storage.too_large", "",
				fmt.Sprintf("%s in %q %s the %d-byte object limit of %s (%s): %s",
					plural(int64(len(big)), "object", "objects"), r.Name, verb(len(big), "exceeds", "exceed"), max, m.To, dst.Factory.Name, first(big, 5)),
				"split or remove them at the source, or acknowledge to skip them")
			if f.Acknowledged {
				skipped = append(skipped, big...)
				drop := toSet(big)
				kept := d.Copy[:0]
				d.CopyBytes = 0
				for _, it := range d.Copy {
					if !drop[it.Src.Key] {
						kept = append(kept, it)
						d.CopyBytes += it.Src.Size
					}
				}
				d.Copy = kept
			}
		}
	}
	if d.DestOnly > 0 {
		b.finding(m, SevInfo, objAddr, "storage.dest_only", "",
			fmt.Sprintf("%s %s only at %s/%s; rehome leaves %s untouched", plural(d.DestOnly, "object", "objects"),
				verb(int(d.DestOnly), "exists", "exist"), m.To, dstName, verb(int(d.DestOnly), "it", "them")),
			"none needed")
	}
	sort.Strings(skipped)

	cp := Action{Address: objAddr, Move: m.Addr(), Kind: providers.KindStorage, Type: "objects",
		Action: ActNoop, Phase: PhasePrepare, DependsOn: []string{bucketAddr}, From: from, To: to,
		Params: map[string]string{"src_bucket": r.Name, "dst_bucket": dstName, "verify": verify,
			"overwrite": fmt.Sprint(m.Overwrite), "scope": scope},
		Skipped: skipped}
	switch verify {
	case "size":
		cp.Check = fmt.Sprintf("every source object of %q is at %s/%s with the same size", r.Name, m.To, dstName)
	default:
		cp.Check = fmt.Sprintf("every source object of %q is at %s/%s with the same size and SHA-256", r.Name, m.To, dstName)
	}
	cp.Undo = fmt.Sprintf("delete the objects rehome wrote to %s/%s and restore any it replaced from the state's backups", m.To, dstName)
	if n, rm, ad := int64(len(d.Copy)), int64(len(d.Orphans)), int64(len(d.Adopt)); n+rm+ad > 0 {
		cp.Action = ActCopy
		cp.Estimate = Estimate{Objects: n, Bytes: d.CopyBytes, Removals: rm, Seconds: copySeconds(n+rm+ad, d.CopyBytes)}
		cp.Reason = fmt.Sprintf("%s to copy, %s already in place", plural(n, "object", "objects"), plural(d.Unchanged, "object", "objects"))
		if ad > 0 {
			cp.Reason += fmt.Sprintf("; %s an interrupted run wrote, to record (not rewritten)", plural(ad, "object", "objects"))
		}
		if k := int64(len(d.Conflicts) + len(d.Skipped) + len(d.Invalid)); k > 0 {
			cp.Reason += fmt.Sprintf("; %s not copied (see the findings)", plural(k, "object", "objects"))
		}
		if rm > 0 {
			cp.Reason += fmt.Sprintf("; %s rehome copied earlier to remove (gone from the source: %s)",
				plural(rm, "object", "objects"), first(d.Orphans, 3))
		}
	} else {
		cp.Reason = fmt.Sprintf("all %s in place", plural(d.Unchanged, "object", "objects"))
	}
	b.add(cp)

	sync := Action{Address: syncAddr, Move: m.Addr(), Kind: providers.KindStorage, Type: "objects",
		Action: ActSync, Phase: PhaseCutover, DependsOn: []string{objAddr}, From: from, To: to,
		Params: cp.Params, Skipped: skipped,
		Check:  cp.Check + ", after a final incremental pass",
		Undo:   cp.Undo,
		Reason: "final incremental copy of objects added or changed at the source since the last copy"}
	if b.cutoverDone() {
		sync.Reason = "cutover already ran"
		if cp.Action == ActNoop {
			sync.Action = ActNoop
		} else {
			sync.Estimate = cp.Estimate
			sync.Reason = fmt.Sprintf("%s changed at the source since the cutover", plural(int64(len(d.Copy)+len(d.Orphans)+len(d.Adopt)), "object", "objects"))
		}
	}
	b.add(sync)
	return nil
}
