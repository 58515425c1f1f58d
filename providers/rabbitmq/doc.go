// Package rabbitmq is the `rabbitmq` provider: one RabbitMQ virtual host,
// reached over AMQP 0-9-1 (github.com/rabbitmq/amqp091-go), as the source
// or the destination of queue moves.
//
//	environment "broker" {
//	  provider       = "rabbitmq"
//	  url            = env("RABBITMQ_URL")      # amqp://user:pass@host:5672/vhost
//	  management_url = env("RABBITMQ_MGMT_URL") # optional: http://user:pass@host:15672
//	}
//
// Queues are created as quorum queues. The portable settings map to
// queue arguments, each shown in the plan: retention -> x-message-ttl;
// visibility timeout -> x-consumer-timeout (read by RabbitMQ 3.12 and
// later; older servers apply their server-wide consumer_timeout, which
// the plan reports); a dead-letter queue and max receives -> the default
// exchange as x-dead-letter-exchange with the dead-letter queue as
// routing key, x-delivery-limit = max receives - 1 (RabbitMQ counts
// returns, SQS receives), at-least-once dead-lettering; FIFO ->
// x-single-active-consumer (one order for the whole queue). RabbitMQ has no
// delivery delay, no per-message timers, no broker-side deduplication, no
// per-queue message size limit and no queue tags: each is a gap the
// planner turns into a finding. An existing queue is never changed:
// RabbitMQ refuses a declare whose arguments differ (PRECONDITION_FAILED),
// which EnsureQueue reports as ErrQueueMismatch.
//
// Messages are published through the default exchange, persistent and
// mandatory, on a confirm channel: PublishMessages returns after every
// confirm, and a message no queue took (returned) is an error, never a
// silent loss. The body is the message's; its attributes travel as
// headers of their names, its origin id, group, deduplication id and send
// time as rehome-* headers (providers.MessageHeaders), the origin id also
// as message-id. Receiving uses a consumer with manual
// acknowledgements (quorum queues with a single active consumer refuse
// basic.get); deliveries stay unacknowledged until DeleteMessages acks or
// ReleaseMessages requeues them, or the connection closes. Delivery ids
// are not stable across redeliveries (Message.Stable is false), so after
// a crash a drain from RabbitMQ publishes the redelivered messages again
// and counts them as duplicates.
//
// Limits: AMQP cannot list queues or read a queue's arguments. Without
// management_url, Queues returns ErrUnsupported (moves must name their
// queues), Queue reports an existing queue as Opaque (its settings
// unknown; the declare still refuses different arguments) and Depth
// cannot count unacknowledged messages. The management API is read only
// (GET /api/queues/{vhost}[/{name}]). Credentials in either URL are never
// shown: errors are redacted and Identity names host, port and vhost.
package rabbitmq
