package database

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/providers"
)

// progressEvery is how often a copy reports each table in flight: rows
// read of the estimate, bytes (by the estimate's bytes per row), rate and
// time left.
var progressEvery = 10 * time.Second

// liveRows counts the rows read through it into n, as they come: the
// per-table progress between the chunks' records, and the rows a
// validation read.
type liveRows struct {
	providers.RowStream
	n *atomic.Int64
}

func (l *liveRows) Next(ctx context.Context) (providers.Row, bool) {
	row, ok := l.RowStream.Next(ctx)
	if ok {
		l.n.Add(1)
	}
	return row, ok
}

// statusText is one table's progress line: rows read this run (plus
// those done before it) of the source's estimate, bytes by the
// estimate's row size, the rate since the table started and the time
// left at that rate ("" when the estimate is unknown or passed).
func statusText(name string, t providers.Table, before, now int64, elapsed time.Duration) string {
	done := before + now
	rate := float64(now) / max(elapsed.Seconds(), 0.001)
	var b strings.Builder
	fmt.Fprintf(&b, "table %s: %s", name, format.Count(done))
	if t.Rows > 0 && done <= t.Rows {
		fmt.Fprintf(&b, " of ~%s rows (%d%%)", format.Count(t.Rows), done*100/t.Rows)
	} else {
		b.WriteString(" rows")
	}
	if t.Rows > 0 && t.Bytes > 0 {
		fmt.Fprintf(&b, ", ~%s", format.Bytes(int64(float64(t.Bytes)/float64(t.Rows)*float64(done))))
	}
	fmt.Fprintf(&b, ", %s rows/s", format.Count(int64(rate)))
	if t.Rows > done && rate > 0 {
		left := time.Duration(float64(t.Rows-done) / rate * float64(time.Second))
		fmt.Fprintf(&b, ", ETA %s", left.Round(time.Second))
	}
	return b.String()
}

// reportProgress prints every progressEvery a line per table being
// copied, until stop is called.
func reportProgress(message func(string, ...any), mu *sync.Mutex, tables map[string]*tableProgress, schema []providers.Table) (stop func()) {
	byName := map[string]providers.Table{}
	for _, t := range schema {
		byName[t.Name] = t
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			mu.Lock()
			var lines []string
			for name, tp := range tables {
				if tp.started.IsZero() || tp.finished {
					continue
				}
				lines = append(lines, statusText(name, byName[name], tp.resumed, tp.live.Load(), time.Since(tp.started)))
			}
			mu.Unlock()
			sort.Strings(lines)
			for _, l := range lines {
				message("%s", l)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
