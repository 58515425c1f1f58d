// Package ctxio makes long reads stop when their context ends: io.Copy
// takes no context, so a copy of a large object or file is wrapped.
package ctxio

import (
	"context"
	"io"
)

// Reader returns r reading only while ctx is live: once ctx ends, Read
// returns ctx's error.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
