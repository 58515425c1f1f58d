// Package transfer is the machinery rehome shares for moving many items:
// objects now, rows and messages next. It knows nothing of kinds or
// providers' data; a mover hands it work.
//
//   - Each runs a function over a sequence of items with a bounded number
//     of workers and stops handing out items when the context ends.
//   - Caller.Do makes a call, retrying failures the provider marked
//     retryable (providers.RetryableError; providers.MarkTransient marks
//     5xx, 429/SlowDown, connection resets and timeouts) with exponential
//     backoff and full jitter, a per-call attempt limit and a per-run budget
//     of retries shared by every action of the run, so a service that is
//     down ends the run instead of stretching it for hours.
//   - Throttle caps requests per second and bytes per second (a Reader
//     wrapper), for services that answer 503 SlowDown under load.
//   - Progress batches counters into events: at most one per interval, or
//     one per percent of the items, plus the first and the last.
//
// Limits: a retried call is the caller's whole unit of work (an object's
// read and write together), so the caller must make it safe to repeat;
// the limits are per process, not shared between machines.
package transfer
