package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/rehome/rehome/providers"
)

// Each calls fn for every item of items with at most workers calls at a
// time (at least one). It stops handing out items once ctx is done and
// returns the errors fn returned, in the order they happened.
func Each[T any](ctx context.Context, workers int, items iter.Seq[T], fn func(context.Context, T) error) []error {
	workers = max(workers, 1)
	ch := make(chan T)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				if err := fn(ctx, it); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for it := range items {
		// A select with both cases ready picks at random, so a cancelled
		// context is checked first: no item is handed out after it.
		if ctx.Err() != nil {
			break
		}
		select {
		case ch <- it:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(ch)
	wg.Wait()
	return errs
}

// RetryPolicy bounds retries.
type RetryPolicy struct {
	// Attempts per call, the first included (default 5; 1 disables retries).
	Attempts int
	// Budget is the most retries one run makes in all its calls (default
	// 500). Past it a failure is returned at once.
	Budget int64
	// BaseDelay is the first backoff (default 200ms); each retry doubles it
	// up to MaxDelay (default 20s). The wait is drawn uniformly from zero
	// to that bound (full jitter), so clients do not retry in step.
	BaseDelay, MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Budget <= 0 {
		p.Budget = 500
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 20 * time.Second
	}
	return p
}

// Retrier holds one run's retry budget. It is safe for concurrent use.
type Retrier struct {
	p    RetryPolicy
	left atomic.Int64
	// Sleep waits d or until ctx ends; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter draws a wait in [0, d]; tests replace it.
	Jitter func(d time.Duration) time.Duration
	// OnRetry, if set, is told of each retry before its wait.
	OnRetry func(what string, attempt int, wait time.Duration, err error)
}

// NewRetrier returns a retrier with policy p (zero fields take defaults).
func NewRetrier(p RetryPolicy) *Retrier {
	r := &Retrier{p: p.withDefaults(), Sleep: sleep, Jitter: func(d time.Duration) time.Duration {
		if d <= 0 {
			return 0
		}
		return rand.N(d + 1)
	}}
	r.left.Store(r.p.Budget)
	return r
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Used returns how many retries the run has made.
func (r *Retrier) Used() int64 { return r.p.Budget - r.left.Load() }

func (r *Retrier) take() bool {
	for {
		n := r.left.Load()
		if n <= 0 {
			return false
		}
		if r.left.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (r *Retrier) backoff(attempt int) time.Duration {
	d := r.p.BaseDelay
	for i := 1; i < attempt && d < r.p.MaxDelay; i++ {
		d *= 2
	}
	return r.Jitter(min(d, r.p.MaxDelay))
}

// Limits cap what one action sends.
type Limits struct {
	// BytesPerSecond caps the bytes read through Throttle.Reader (0: none).
	BytesPerSecond int64
	// RequestsPerSecond caps the calls made through Caller.Do (0: none).
	RequestsPerSecond float64
}

// Throttle enforces Limits. The zero value (or nil) limits nothing. It is
// safe for concurrent use.
type Throttle struct {
	bytes, reqs *rate.Limiter
	burst       int
}

// NewThrottle returns a throttle for l.
func NewThrottle(l Limits) *Throttle {
	t := &Throttle{}
	if l.BytesPerSecond > 0 {
		// A burst of a tenth of a second's bytes (at least 32 KiB) keeps
		// the rate smooth without tiny reads.
		t.burst = int(max(l.BytesPerSecond/10, 32<<10))
		t.bytes = rate.NewLimiter(rate.Limit(l.BytesPerSecond), t.burst)
	}
	if l.RequestsPerSecond > 0 {
		t.reqs = rate.NewLimiter(rate.Limit(l.RequestsPerSecond), max(1, int(l.RequestsPerSecond/10)))
	}
	return t
}

// Request waits for a request slot.
func (t *Throttle) Request(ctx context.Context) error {
	if t == nil || t.reqs == nil {
		return ctx.Err()
	}
	return t.reqs.Wait(ctx)
}

// Reader returns r, reading no faster than the byte limit.
func (t *Throttle) Reader(ctx context.Context, r io.Reader) io.Reader {
	if t == nil || t.bytes == nil {
		return r
	}
	return &slowReader{ctx: ctx, r: r, t: t}
}

type slowReader struct {
	ctx context.Context
	r   io.Reader
	t   *Throttle
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > s.t.burst {
		p = p[:s.t.burst]
	}
	n, err := s.r.Read(p)
	if n > 0 {
		if werr := s.t.bytes.WaitN(s.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// Caller makes one action's calls: each waits for the throttle and is
// retried while the failure is retryable, attempts remain and the run's
// budget lasts. It is safe for concurrent use.
type Caller struct {
	R *Retrier
	T *Throttle
	// retries made by this caller
	retries atomic.Int64
}

// Retries returns how many retries this caller made.
func (c *Caller) Retries() int64 { return c.retries.Load() }

// Do calls fn (attempt counts from 1) until it succeeds or fails for good.
// what names the call in the error: "write object \"a.txt\"". When it
// gives up after retries, the error says how many attempts were made.
func (c *Caller) Do(ctx context.Context, what string, fn func(ctx context.Context, attempt int) error) error {
	for attempt := 1; ; attempt++ {
		if err := c.T.Request(ctx); err != nil {
			return err
		}
		err := fn(ctx, attempt)
		if err == nil || !providers.IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		if c.R == nil || attempt >= c.R.p.Attempts {
			if attempt > 1 {
				return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
			}
			return err
		}
		if !c.R.take() {
			return fmt.Errorf("%s: not retried, the run's retry budget (%d) is spent: %w", what, c.R.p.Budget, err)
		}
		c.retries.Add(1)
		wait := max(c.R.backoff(attempt), providers.RetryAfter(err))
		if c.R.OnRetry != nil {
			c.R.OnRetry(what, attempt, wait, err)
		}
		if serr := c.R.Sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
}

// Progress counts one action's finished items and bytes and reports them
// through emit in batches: at most one report per Interval, or one per
// percent of Total, plus the first and the last. It is safe for
// concurrent use.
type Progress struct {
	Total, TotalBytes int64
	// Interval is the longest time between two reports (default 200ms).
	Interval time.Duration

	emit        func(done, bytes int64)
	done, bytes atomic.Int64
	last        atomic.Int64 // unix nanoseconds of the last report
	now         func() time.Time
}

// NewProgress returns a counter over total items (and totalBytes) that
// reports through emit.
func NewProgress(total, totalBytes int64, emit func(done, bytes int64)) *Progress {
	return &Progress{Total: total, TotalBytes: totalBytes, Interval: 200 * time.Millisecond, emit: emit, now: time.Now}
}

// Start sends the first report (nothing done yet).
func (p *Progress) Start() { p.report(true) }

// Add counts finished items and their bytes, and reports when due.
func (p *Progress) Add(items, bytes int64) {
	p.done.Add(items)
	p.bytes.Add(bytes)
	p.report(false)
}

// Done returns the counts so far.
func (p *Progress) Done() (items, bytes int64) { return p.done.Load(), p.bytes.Load() }

func (p *Progress) report(force bool) {
	if p == nil || p.emit == nil {
		return
	}
	done := p.done.Load()
	now := p.now().UnixNano()
	step := max(p.Total/100, 1)
	due := force || done == 0 || done >= p.Total || done%step == 0 || now-p.last.Load() >= int64(p.Interval)
	if !due {
		return
	}
	p.last.Store(now)
	p.emit(done, p.bytes.Load())
}
