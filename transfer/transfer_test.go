package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func TestEachBoundsWorkersAndVisitsEveryItem(t *testing.T) {
	var running, peak atomic.Int64
	var mu sync.Mutex
	var seen []int
	errs := Each(t.Context(), 3, slices.Values([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), func(ctx context.Context, n int) error {
		cur := running.Add(1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		time.Sleep(time.Millisecond) // let workers overlap
		running.Add(-1)
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
		if n%4 == 0 {
			return fmt.Errorf("item %d failed", n)
		}
		return nil
	})
	slices.Sort(seen)
	if d := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, seen); d != "" {
		t.Errorf("items visited (-want +got):\n%s", d)
	}
	if p := peak.Load(); p > 3 || p < 1 {
		t.Errorf("peak concurrency %d, want 1..3", p)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	slices.Sort(msgs)
	if d := cmp.Diff([]string{"item 4 failed", "item 8 failed"}, msgs); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

func TestEachStopsHandingOutItemsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int64
	items := func(yield func(int) bool) {
		for i := 0; i < 1000; i++ {
			if !yield(i) {
				return
			}
		}
	}
	Each(ctx, 2, items, func(ctx context.Context, n int) error {
		if calls.Add(1) == 5 {
			cancel()
		}
		return nil
	})
	if n := calls.Load(); n > 8 {
		t.Errorf("%d items handed out after cancel at the 5th; want at most a worker's worth more", n)
	}
}

// testRetrier records waits instead of sleeping and jitters to the bound.
func testRetrier(p RetryPolicy) (*Retrier, *[]time.Duration) {
	r := NewRetrier(p)
	var waits []time.Duration
	var mu sync.Mutex
	r.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	r.Jitter = func(d time.Duration) time.Duration { return d }
	return r, &waits
}

var errReset = fmt.Errorf("write: %w", syscall.ECONNRESET)

func TestCallerDo(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		policy    RetryPolicy
		fails     []error // what attempts 1..n return before succeeding
		wantErr   string  // "" for success
		wantCalls int
		wantWaits []time.Duration
	}{
		{"success first time", RetryPolicy{}, nil, "", 1, nil},
		{"retryable then success, doubling backoff", RetryPolicy{BaseDelay: 10 * ms},
			[]error{providers.Retryable(errReset), providers.Retryable(errReset)}, "", 3, []time.Duration{10 * ms, 20 * ms}},
		{"backoff capped", RetryPolicy{BaseDelay: 10 * ms, MaxDelay: 15 * ms, Attempts: 4},
			[]error{providers.Retryable(errReset), providers.Retryable(errReset), providers.Retryable(errReset)}, "", 4,
			[]time.Duration{10 * ms, 15 * ms, 15 * ms}},
		{"retry-after wins over a shorter backoff", RetryPolicy{BaseDelay: 10 * ms},
			[]error{providers.RetryableAfter(errReset, 3*time.Second)}, "", 2, []time.Duration{3 * time.Second}},
		{"not retryable: returned at once", RetryPolicy{},
			[]error{errors.New("access denied")}, "access denied", 1, nil},
		{"unmarked transient error is not retried", RetryPolicy{},
			[]error{errReset}, "connection reset", 1, nil},
		{"attempts run out", RetryPolicy{Attempts: 2, BaseDelay: ms},
			[]error{providers.Retryable(errReset), providers.Retryable(errReset), providers.Retryable(errReset)},
			"put a.txt: gave up after 2 attempts: write: connection reset by peer", 2, []time.Duration{ms}},
		{"budget runs out", RetryPolicy{Budget: 1, BaseDelay: ms},
			[]error{providers.Retryable(errReset), providers.Retryable(errReset)},
			"not retried, the run's retry budget (1) is spent", 2, []time.Duration{ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, waits := testRetrier(tt.policy)
			c := &Caller{R: r}
			calls := 0
			err := c.Do(t.Context(), "put a.txt", func(ctx context.Context, attempt int) error {
				calls++
				if attempt != calls {
					t.Errorf("attempt %d on call %d", attempt, calls)
				}
				if calls <= len(tt.fails) {
					return tt.fails[calls-1]
				}
				return nil
			})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Do = %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Do = %v, want an error containing %q", err, tt.wantErr)
			}
			if calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", calls, tt.wantCalls)
			}
			if d := cmp.Diff(tt.wantWaits, *waits); d != "" {
				t.Errorf("waits (-want +got):\n%s", d)
			}
			if int64(len(tt.wantWaits)) != c.Retries() || c.Retries() != r.Used() {
				t.Errorf("Retries() = %d, Used() = %d, want %d", c.Retries(), r.Used(), len(tt.wantWaits))
			}
		})
	}
}

func TestCallerDoStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r, _ := testRetrier(RetryPolicy{})
	calls := 0
	err := (&Caller{R: r}).Do(ctx, "x", func(ctx context.Context, _ int) error {
		calls++
		cancel()
		return providers.Retryable(errReset)
	})
	if err == nil || calls != 1 {
		t.Errorf("Do after cancel = %v with %d calls, want the error and 1 call", err, calls)
	}
}

func TestJitterIsFull(t *testing.T) {
	r := NewRetrier(RetryPolicy{BaseDelay: time.Second})
	seen := map[bool]bool{}
	for range 200 {
		d := r.backoff(3) // bound 4s
		if d < 0 || d > 4*time.Second {
			t.Fatalf("wait %v outside [0, 4s]", d)
		}
		seen[d < 2*time.Second] = true
	}
	if !seen[true] || !seen[false] {
		t.Errorf("200 waits all fell in one half of [0, 4s]: not jittered")
	}
}

func TestThrottleReaderTakesTokensForWhatItReads(t *testing.T) {
	th := NewThrottle(Limits{BytesPerSecond: 1 << 20})
	body := strings.Repeat("x", 90<<10)
	r := th.Reader(t.Context(), strings.NewReader(body))
	buf := make([]byte, 1<<20)
	n, err := r.Read(buf)
	if err != nil || n > th.burst {
		t.Fatalf("Read = %d, %v; want at most one burst (%d bytes)", n, err, th.burst)
	}
	rest, err := io.ReadAll(r)
	if err != nil || n+len(rest) != len(body) {
		t.Fatalf("read %d bytes, %v; want %d", n+len(rest), err, len(body))
	}
	// Reading 90 KiB took that many tokens from a bucket of ~102 KiB;
	// what refilled meanwhile is far less than what was taken.
	if tok := th.bytes.Tokens(); tok > float64(th.burst-60<<10) {
		t.Errorf("%.0f tokens left of %d after reading 90 KiB: the reader does not wait for tokens", tok, th.burst)
	}
	var nilT *Throttle
	if nilT.Reader(t.Context(), strings.NewReader("a")) == nil || nilT.Request(t.Context()) != nil {
		t.Error("a nil throttle must limit nothing")
	}
}

func TestProgressBatches(t *testing.T) {
	var reports [][2]int64
	p := NewProgress(1000, 5000, func(done, bytes int64) { reports = append(reports, [2]int64{done, bytes}) })
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	p.Start()
	for i := 1; i <= 1000; i++ {
		if i == 505 {
			now = now.Add(time.Second) // a slow item: reported although not a percent step
		}
		p.Add(1, 5)
	}
	// Start, every 10th item (1%), the slow one, and the last.
	if len(reports) != 1+100+1 {
		t.Errorf("%d reports for 1,000 items, want 102", len(reports))
	}
	if reports[0] != [2]int64{0, 0} || reports[len(reports)-1] != [2]int64{1000, 5000} {
		t.Errorf("first %v, last %v; want [0 0] and [1000 5000]", reports[0], reports[len(reports)-1])
	}
}
