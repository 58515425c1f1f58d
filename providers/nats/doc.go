// Package nats is the `nats` provider: a NATS server with JetStream
// (github.com/nats-io/nats.go/jetstream), as the source or the destination
// of queue moves.
//
//	environment "bus" {
//	  provider = "nats"
//	  url      = env("NATS_URL")   # nats://user:pass@host:4222
//	}
//
// A queue is a stream with work-queue retention and one subject (the
// queue's name), plus a durable pull consumer of the same name with
// explicit acknowledgements. The stream's name is the queue's with '.',
// '*', '>', spaces and path separators replaced by '_' (StreamName), and
// that is the name every later call uses. The portable settings map, as
// the plan shows: retention -> MaxAge; visibility timeout -> AckWait;
// max message size -> MaxMsgSize (the server's max_payload caps it too);
// FIFO -> MaxAckPending 1 (one message in flight, stream order for the
// whole queue) and a duplicate window (5m, SQS's) within which a repeated
// Nats-Msg-Id is dropped; max receives -> MaxDeliver. NATS does not move a
// message past MaxDeliver anywhere: it stays in the stream, undelivered,
// and the server publishes a max-deliveries advisory, which rehome keeps in
// a stream "<stream>-dead-letters" it creates beside a queue with a
// dead-letter queue (and deletes with it). That gap, delivery delay,
// per-message timers, content-based deduplication and tags are findings.
// The dead-letter queue's name is kept in the stream's description, so a
// stream reads back as the queue it was made from.
//
// Messages are published to the stream's subject with a JetStream ack
// awaited for each (PublishMsgAsync, then every future), Nats-Msg-Id set to
// the deduplication id or the message's origin id: a message published
// again within the window is acknowledged as a duplicate and not stored
// twice, and PublishMessages reports it. Receiving fetches from the
// durable consumer (never more than its MaxAckPending allows); the
// receipt is the delivery's reply subject, ids are stream sequences
// (stable across redeliveries). Deleting acknowledges synchronously;
// releasing naks. A receipt of another process is acknowledged through its
// reply subject; one the server no longer answers is stale and skipped.
//
// Limits: only work-queue streams are listed as queues; a stream without
// the durable consumer counts every message as visible. Stream metadata
// needs a newer server than this machine's 2.9, so nothing rehome needs
// is kept there. Credentials in the URL are never shown: errors are
// redacted and Identity is nats://host:port.
package nats
