// Package queue is the queue kind: it moves queues, with their settings,
// between providers that implement providers.Queue, and at cutover drains
// the messages left at the source into the destination through
// providers.MessageMover.
//
//	move "queue" "jobs" {
//	  from          = environment.aws
//	  to            = environment.rabbit
//	  queues        = ["orders.fifo", "jobs"]   # or include/exclude globs
//	  rename        = { "jobs" = "jobs-v2" }
//	  drain         = true                      # the default
//	  drain_timeout = "15m"                     # waiting for in-flight and delayed messages
//	}
//
// Plan: the selected source queues are read (Queue, or Queues for globs;
// a platform that cannot list needs queues = [...]); each queue's
// dead-letter queue moves with it and is created first. The destination
// says how it holds each queue (MapQueue): its settings are the queue
// action's options, what it cannot hold (delay, per-message timers, tags,
// deduplication, a dead-letter move NATS does not make, ...) are findings,
// and nothing is dropped silently. An existing destination queue is used
// only when its settings match the mapping's; otherwise it is a blocker,
// never changed. Per queue: a create (a no-op for an existing one) in the
// prepare phase and a drain in the cutover phase; a dead-letter queue's
// drain waits for the drains of the queues sending to it.
//
// Drain (the cutover): receive a batch (hidden at the source for the hold
// time), make an intent record per message durable, publish with confirms
// (a FIFO queue's at most one message of a group in flight, so a group's
// order is kept even when a publish fails), make the confirms durable,
// delete from the source, mark done; repeat until the source is empty
// (waiting up to drain_timeout for messages in flight or delayed). Records
// are keyed by the source's message id where it is stable (SQS, NATS), so
// a resumed drain deletes what an interrupted one had confirmed without
// publishing it again, and makes visible again what it had not. Kill -9 at
// any point loses no message: a message leaves the source only after its
// confirm. A publish a crash or a failed call cut short is "in doubt": it
// is published again, and the destination holds one more copy unless it
// deduplicates (NATS's Nats-Msg-Id, SQS FIFO). The drain ends with a
// reconciliation, kept in the state: moved = deleted, confirmed
// publishes, repeats the destination dropped, certain duplicates, in
// doubt, and messages that left the source without rehome.
//
// Undo: a drain's undo drains the destination queue back into the source
// queue (FIFO messages with deduplication ids of their own, derived from
// the original, so the source keeps one copy of each), then the queue's
// undo deletes the queue if rehome created it and it is empty. A drain
// into a queue that existed before rehome leaves its messages there (they
// cannot be told from others'); where messages cannot be published back
// (a source without MessageMover), rollback refuses with the reason and
// keeps the queue. The plan's undo says which.
//
// Limits: on platforms without stable ids (RabbitMQ as a source) an
// interrupted drain's deliveries are redelivered by the broker and
// published again, so each is a duplicate; how many copies a publish in
// doubt left cannot be known without deduplication at the destination,
// only bounded. Messages are moved as body, attributes, group,
// deduplication id and send time: delays already served at the source
// are not re-applied, and the source's receive counts start over. The
// destination queue should have no consumers until the drain has run if
// strict order matters.
package queue
