// Package storage is the storage kind: it moves buckets and their objects
// between providers that implement providers.Storage.
//
//	move "storage" "assets" {
//	  from    = environment.old
//	  to      = environment.new
//	  include = ["shop-*"]                      # globs over bucket names
//	  exclude = ["*-tmp"]
//	  rename  = { "shop-media" = "shop-media-2026" }
//	  verify  = "checksum"                      # or "size"
//	  bandwidth           = "100MiB/s"          # per bucket; optional
//	  requests_per_second = 50                  # per bucket; optional
//	}
//
// Plan: per selected bucket a create (or a no-op when it exists), a copy
// and the cutover's final sync, from a merge of the two sorted listings
// (Diff) against the records of what rehome wrote. Findings: keys the
// destination cannot hold, foreign objects that differ (blockers unless
// overwrite), objects over the destination's size limit, metadata the
// destination drops, name collisions, unused renames.
//
// Apply: the copy diffs again (Diff, as the plan did) and acts on what
// stands: an intent record per key is durable before any write, each
// object is read once and streamed to the destination while its SHA-256
// is computed, verified (size, and SHA-256 in checksum mode), then
// recorded. Keys empty when diffed are written create-only-if-absent.
// Objects are copied in parallel by the transfer layer, which retries
// transient failures; an object whose retried create finds the key taken is
// rehome's only if it holds the source's content. Objects rehome wrote
// whose source is gone are removed (the copy mirrors the source).
//
// Undo: objects rehome created are deleted, those it replaced are
// restored from the state's backups with their attributes; objects
// someone changed since are kept (and the original's backup with them).
// A bucket is deleted only if rehome created it and it is empty.
//
// Ownership (ObjectRecord.holds): an object is rehome's only while it
// holds what rehome wrote; an identical object rehome found is foreign;
// an unconfirmed write is settled by a content-digest ETag, by size and
// time in size mode, or by content while the source still is the version
// being written.
//
// Limits: the diff holds one listing entry per object in memory; objects
// are streamed one part (no multipart upload yet); only current versions.
package storage
