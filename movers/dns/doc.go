// Package dns is the dns kind: it moves zones and their record sets
// between providers that implement providers.DNS.
//
//	move "dns" "zones" {
//	  from           = environment.old
//	  to             = environment.new
//	  zones          = ["shop.example.com"]   # or include/exclude globs; default: every zone
//	  cutover_ttl    = 60                     # lower source TTLs first (undone by rollback)
//	  flatten_alias  = false                  # alias records as plain records of their targets
//	  verify_servers = ["ns1.new.example:53"] # the cutover compares their answers with the source
//	  resolver       = "192.0.2.53:53"        # the cutover checks the registrar steps with it
//	}
//
// Plan: per zone a create (or a no-op), optionally the lowering of source
// TTLs (a recorded, undoable change at the source), a record copy and the
// cutover's final pass, from a set-level Diff against the records of
// what rehome wrote. Record sets are keyed by name, type and (under a
// routing policy) set identifier. What the destination cannot hold — a
// record type, wildcards, routing policies, alias sets — is a blocker
// naming the sets, never a silent skip; acknowledged, those sets are left
// out. The apex SOA and NS of a destination that owns its apex are its
// own and are not copied. TTLs under the destination's minimum are
// raised.
//
// Translate is the set-level translation through the destination's
// capability table (translate.go): canonical values, punycode names, TTL
// limits, TXT quoting and 255-byte strings, CAA tags, apex CNAMEs,
// wildcards, alias flattening from the zone's own sets, unmodelled
// routing. Each rule is one finding per zone naming every set; blockers
// leave their sets out only when acknowledged. Signer records (RRSIG,
// NSEC*, DNSKEY, CDS, CDNSKEY) are never copied: a signed source gives one
// DNSSEC finding and a registrar_ds cutover step. The cutover ends with a
// delegation step naming the destination's name servers, preceded (with
// verify_servers) by an answers step that asks those servers for every
// set (verify.go); with a resolver the registrar steps check the parent's
// DS and NS. A health check of another account is a blocker. cutover_ttl
// staging keeps the original TTLs at the destination and makes the
// cutover wait out the highest old TTL (staging.go).
//
// Apply: the copy diffs again, records each set's first pre-image and
// what it is about to write before the write, applies the changes as one
// unit where the provider can, reads the zone back to verify, and then
// confirms. A write is not retried (a replay of updates whose response was
// lost would fail on them); the next run's diff confirms what landed.
//
// Undo: sets rehome created are deleted and those it changed restored,
// where they still hold what rehome wrote (SetRecord.Owns); lowered
// source TTLs are put back where the lowered value still stands; a zone is
// deleted only if rehome created it and it holds nothing else.
//
// Limits: aliases are flattened only from the source zone's own record
// sets (never by a DNS lookup); health checks are kept by id, not
// created; signing is not moved (the registrar steps say what to do);
// without a resolver the registrar steps record and instruct only, and a
// resolver's cache can hold the old delegation for its TTL.
package dns
