package database

import (
	"context"
	"sync"

	"github.com/rehome/rehome/providers"
)

// prefetchPage is how many rows one page of a prefetched read holds, and
// prefetchPages how many pages the reader may run ahead.
const (
	prefetchPage  = 1024
	prefetchPages = 4
)

// prefetched is a RowStream read ahead by a goroutine, a page at a time,
// so that reading and converting the source's rows (the reader) and
// encoding them for the destination (the caller) run on two cores.
type prefetched struct {
	providers.RowStream
	pages  chan []providers.Row
	stop   chan struct{}
	done   chan struct{}
	err    error // the source's, set before pages closes
	page   []providers.Row
	i      int
	ended  bool
	halted sync.Once
}

func prefetch(ctx context.Context, rs providers.RowStream) *prefetched {
	p := &prefetched{RowStream: rs, pages: make(chan []providers.Row, prefetchPages), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer close(p.pages)
		for {
			page := make([]providers.Row, 0, prefetchPage)
			for len(page) < prefetchPage {
				row, ok := rs.Next(ctx)
				if !ok {
					break
				}
				page = append(page, row)
			}
			if len(page) > 0 {
				select {
				case p.pages <- page:
				case <-p.stop:
					return
				}
			}
			if len(page) < prefetchPage {
				p.err = rs.Err()
				return
			}
		}
	}()
	return p
}

func (p *prefetched) Next(ctx context.Context) (providers.Row, bool) {
	for p.i >= len(p.page) {
		page, ok := <-p.pages
		if !ok {
			p.ended = true // p.err was set before pages closed
			return nil, false
		}
		p.page, p.i = page, 0
	}
	p.i++
	return p.page[p.i-1], true
}

// Err is the source's error once the stream has ended.
func (p *prefetched) Err() error {
	if !p.ended {
		return nil
	}
	return p.err
}

// Close stops the reader, waits for it, and closes the source.
func (p *prefetched) Close() error {
	p.halted.Do(func() { close(p.stop) })
	<-p.done
	return p.RowStream.Close()
}
