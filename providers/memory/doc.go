// Package memory is the `memory` provider: environments kept in process
// memory with the semantics of the cloud services rehome moves between
// (S3 for storage, Route 53 for DNS, AWS Secrets Manager for secrets), as a
// source and as a destination. Its job is to let tests and demos exercise
// the planner and the executor on behaviour the local (filesystem) provider
// cannot have: keys that are both a file and a folder, user metadata and
// tags, a DNS service that owns its apex and lacks some record types, and
// versioned secrets that a rollback can restore.
//
//	environment "cloud" {
//	  provider = "memory"
//	  name     = "cloud"   # environments with the same name share data
//	}
//
// # Stores
//
// The data lives in a *Store, never in package-level variables. Build one
// with NewStore and register its Factory: every provider the factory makes
// is bound to that store, and Configure picks the store's space named by
// the `name` attribute, so two environments (or two sessions of one test)
// configured with the same name see the same buckets, zones and secrets.
// The package-level Factory builds a fresh, private store per call.
// Store.Env returns a provider on a space without going through Configure,
// for seeding and inspecting; Store.SetClock replaces the clock that stamps
// objects and buckets. Store.Writes and Store.KeyWrites count successful
// Puts, so tests can prove that a resumed copy rewrites nothing it had
// finished.
//
// # Storage
//
// Buckets hold objects under arbitrary UTF-8 keys of up to 1024 bytes, as in
// S3: "a" and "a/b" coexist, and "dir/" or "x//y" are ordinary keys
// (Caps.Storage.FileKeys is false). Bucket names follow S3's rules (3 to 63
// characters: lower-case letters, digits, '-' and '.'; starting and ending
// with a letter or digit). An object keeps its bytes, ModTime (as given to
// Put, else the store's clock), Content-Type (application/octet-stream when
// none is given), Cache-Control, user metadata (keys lower-cased) and tags.
// ETag is the hex MD5 of the body and SHA256 is filled in listings, since the
// store knows both without reading. Listings are in byte order of the keys.
// Put reads the body before storing it, honours ctx and obj.Size (a length
// mismatch stores nothing) and replaces the object atomically.
//
// # DNS
//
// Zones hold record sets keyed by lower-cased owner name and type, with
// values sorted and de-duplicated. CreateZone writes the apex SOA and an NS
// set naming ns1.memory.example. (the provider owns its apex, as Route 53
// does). Only A, AAAA, CAA, CNAME, MX, NS, SOA, SRV and TXT are accepted:
// PTR, TLSA and the rest are refused with ErrUnsupported, deliberately, so
// tests can exercise unsupported-type findings. ApplyRecords is
// all-or-nothing: every update and delete must name the set as it is now
// (else ErrZoneChanged), a create must find no set or exactly the same set,
// a CNAME cannot share its name with other data or sit at the apex, and the
// apex SOA and NS cannot be deleted. Values are stored as given (not parsed):
// they are expected in presentation format with names fully qualified.
//
// # Secrets
//
// Secrets are versioned like AWS Secrets Manager: every PutSecrets of a name
// creates a new version ("v1", "v2", ... per name, never reused, even after
// a delete), ListSecrets reports the current version, and
// RestoreSecretVersion makes an earlier version current again
// (providers.SecretVersioner; Caps.Secrets.Versioned). DeleteSecrets removes
// a secret with all its versions at once. Values are limited to 64 KiB.
//
// # Queues
//
// Queues follow Amazon SQS, as its API reference describes it, through
// Provider.SQS: CreateQueue (names of 1 to 80 alphanumerics, '-' and '_',
// ".fifo" for FIFO queues; the settable attributes with SQS's ranges and
// defaults; an existing queue with other attributes is QueueAlreadyExists,
// a name deleted less than 60 s ago QueueDeletedRecently), GetQueueURL,
// ListQueues, ListDeadLetterSourceQueues, Get/SetQueueAttributes (with the
// approximate counts of visible, in-flight and delayed messages),
// DeleteQueue, PurgeQueue (once a minute), Tag/Untag/ListQueueTags,
// SendMessage(Batch) (body characters and size, at most 10 typed
// attributes, per-message DelaySeconds on standard queues only; FIFO
// queues need a group, take a deduplication id or derive it from the body
// with ContentBasedDeduplication, and within 5 minutes accept a repeated id
// without enqueueing, per queue or per group by DeduplicationScope),
// ReceiveMessage (up to 10, a visibility timeout per call, a new receipt
// handle per delivery; a FIFO queue returns a group's messages in order and
// none of a group while one is in flight; a message already received
// maxReceiveCount times is moved to the dead-letter queue instead, keeping
// its id), DeleteMessage(Batch) (an unknown or forged handle is
// ReceiptHandleIsInvalid; a superseded one succeeds without deleting on a
// standard queue and has expired on a FIFO queue, as does a FIFO handle
// past its visibility timeout) and ChangeMessageVisibility (only for a
// message in flight under its latest handle, at most 12 hours). Messages
// past the retention period are dropped. The store's clock drives every
// timer. The queue side (providers.Queue, MessageMover) is a client of
// these calls; long polling answers at once, and ReceiveRequestAttemptId,
// SNS and KMS are not modelled.
//
// Limits: nothing is persistent; the data lives as long as the Store value.
// It is for tests and demos, not for moving real infrastructure. Whole
// object bodies are held in memory. There is no server-side copy, object
// versioning, multipart upload or zone delegation.
package memory
