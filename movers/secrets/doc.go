// Package secrets is the secrets kind: it moves secrets between providers
// that implement providers.Secrets, without revealing a value.
//
//	move "secrets" "app" {
//	  from    = environment.old
//	  to      = environment.new
//	  include = ["*"]          # globs over secret names
//	  rename  = { "/app/db/url" = "DB_URL" }   # source name -> destination name
//	}
//
// Rename: the source is seen under the destination names (rename.go), so
// actions, records and undo speak of those; include and exclude match the
// source names; a secret renamed away is not moved under its own name too,
// and a rename onto another source secret's name is an error.
//
// Plan: one action per selected secret, then the cutover's final pass.
// Values are read on both sides and compared in memory (Diff); plans,
// the state and errors hold only names, versions and keyed digests
// (HMAC-SHA-256 under a random per-state key). A destination that cannot
// read back what it would be given (an age file without an identity) or
// cannot take secrets at all (no recipients) is a blocker naming the
// setting, before anything is written (providers.SecretStoreChecker);
// values the destination cannot hold are blockers naming the secret and
// the rule (providers.SecretChecker). Overwriting a foreign secret on a
// store without versions is marked irreversible.
//
// Apply: the same Diff, restricted to the action's secrets; a record is
// durable before each write, the write is read back and compared, and
// only then confirmed. A landed write whose response was lost is
// recognised by its digest and confirmed, not repeated.
//
// Undo: secrets rehome created are deleted; replaced ones are restored to
// their earlier version where the store keeps versions; secrets someone
// changed since rehome wrote them are kept (SecretRecord.Holds).
//
// Limits: secrets gone from the source are reported, not removed.
package secrets
