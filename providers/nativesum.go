package providers

import (
	"context"
	"fmt"
	"math/big"
)

// NativeSum is a table's (or a key range's) content sum in an engine's own
// hash functions: the row count and the exact sum, in decimal, of a
// signed 64-bit hash of each row. Method names how the rows were hashed
// (the engine's functions and each column's kind, in order): only sums of
// one method compare. A RangeCopier takes the sum of the rows it passes
// the way the destination engine would take it of the rows it holds, so
// the validation can have the destination sum its own rows on its server
// instead of reading them back.
type NativeSum struct {
	Method string `json:"method"`
	Rows   int64  `json:"rows"`
	Sum    string `json:"sum"`
}

// Plus adds two sums of one method; a zero NativeSum adds as nothing.
func (a NativeSum) Plus(b NativeSum) (NativeSum, error) {
	if a == (NativeSum{}) {
		return b, nil
	}
	if b == (NativeSum{}) {
		return a, nil
	}
	if a.Method != b.Method {
		return NativeSum{}, fmt.Errorf("add native sums of two methods, %q and %q", a.Method, b.Method)
	}
	x, ok1 := new(big.Int).SetString(a.Sum, 10)
	y, ok2 := new(big.Int).SetString(b.Sum, 10)
	if !ok1 || !ok2 {
		return NativeSum{}, fmt.Errorf("add native sums: %q or %q is not a decimal integer", a.Sum, b.Sum)
	}
	return NativeSum{Method: a.Method, Rows: a.Rows + b.Rows, Sum: x.Add(x, y).String()}, nil
}

// NativeSummer is implemented by engines that sum a table, or a key
// range of it, on their own server with the method a NativeSum names,
// over columns cols (in that order). ErrUnsupported says the method or
// the table does not qualify here (the caller reads the rows instead).
type NativeSummer interface {
	NativeSum(ctx context.Context, db, table string, r KeyRange, cols []string, method string) (NativeSum, error)
}

// SplitAdvisor is implemented by engines whose RangeCopier can tell, before
// a copy, whether cutting a table into key ranges copied at once speeds
// its copy into dst: a table whose rows pass straight through into a
// destination that loads one table no faster from several sessions is
// copied faster as one stream. reason says why a split does not pay.
type SplitAdvisor interface {
	SplitPays(ctx context.Context, dst DatabaseStore, srcDB, dstDB, table string, cols []string) (pays bool, reason string, err error)
}
