package database

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rehome/rehome/providers"
)

// keyValue is one primary-key value in a progress record, typed so that it
// reads back as the same Go value (JSON alone would turn int64 into
// float64 and times into strings).
type keyValue struct {
	T string `json:"t"` // n nil, b bool, i int64, u uint64, f float64, s string, x bytes, t time
	V string `json:"v,omitempty"`
}

func encodeKey(row providers.Row) []keyValue {
	if row == nil {
		return nil
	}
	out := make([]keyValue, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case nil:
			out[i] = keyValue{T: "n"}
		case bool:
			out[i] = keyValue{T: "b", V: strconv.FormatBool(x)}
		case int64:
			out[i] = keyValue{T: "i", V: strconv.FormatInt(x, 10)}
		case uint64:
			out[i] = keyValue{T: "u", V: strconv.FormatUint(x, 10)}
		case float64:
			out[i] = keyValue{T: "f", V: strconv.FormatFloat(x, 'g', -1, 64)}
		case string:
			out[i] = keyValue{T: "s", V: x}
		case []byte:
			out[i] = keyValue{T: "x", V: base64.StdEncoding.EncodeToString(x)}
		case time.Time:
			out[i] = keyValue{T: "t", V: x.UTC().Format(time.RFC3339Nano)}
		default:
			out[i] = keyValue{T: "s", V: fmt.Sprint(x)}
		}
	}
	return out
}

func decodeKey(kv []keyValue) (providers.Row, error) {
	if kv == nil {
		return nil, nil
	}
	out := make(providers.Row, len(kv))
	for i, k := range kv {
		var err error
		switch k.T {
		case "n":
		case "b":
			out[i], err = strconv.ParseBool(k.V)
		case "i":
			out[i], err = strconv.ParseInt(k.V, 10, 64)
		case "u":
			out[i], err = strconv.ParseUint(k.V, 10, 64)
		case "f":
			out[i], err = strconv.ParseFloat(k.V, 64)
		case "s":
			out[i] = k.V
		case "x":
			out[i], err = base64.StdEncoding.DecodeString(k.V)
		case "t":
			out[i], err = time.Parse(time.RFC3339Nano, k.V)
		default:
			err = fmt.Errorf("unknown key value type %q", k.T)
		}
		if err != nil {
			return nil, fmt.Errorf("progress record key %d: %w", i+1, err)
		}
	}
	return out, nil
}

// keyText shows a key for a report ("42" or "(7, 'p1')").
func keyText(row providers.Row) string {
	parts := make([]string, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case string:
			parts[i] = "'" + x + "'"
		case time.Time:
			parts[i] = "'" + x.UTC().Format(time.RFC3339Nano) + "'"
		case []byte:
			parts[i] = fmt.Sprintf("x'%x'", x)
		default:
			parts[i] = fmt.Sprint(x)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// colQuality counts what happened to one column's values.
type colQuality struct {
	Bad     int64            `json:"bad,omitempty"`     // values with no exact form
	Nulled  int64            `json:"nulled,omitempty"`  // set to NULL by on_bad_value = "null"
	Skipped int64            `json:"skipped,omitempty"` // rows left out by on_bad_value = "skip_row"
	Changed int64            `json:"changed,omitempty"` // values in a column translated lossily
	Reasons map[string]int64 `json:"reasons,omitempty"`
	Samples []string         `json:"samples,omitempty"` // keys of the first rows
}

// maxSamples is how many sample keys a report keeps per column.
const maxSamples = 3

// quality is a table's data-quality counters by column.
type quality map[string]*colQuality

func (q quality) col(name string) *colQuality {
	c, ok := q[name]
	if !ok {
		c = &colQuality{}
		q[name] = c
	}
	return c
}

func (q quality) add(o quality) {
	for name, c := range o {
		d := q.col(name)
		d.Bad += c.Bad
		d.Nulled += c.Nulled
		d.Skipped += c.Skipped
		d.Changed += c.Changed
		for r, n := range c.Reasons {
			if d.Reasons == nil {
				d.Reasons = map[string]int64{}
			}
			d.Reasons[r] += n
		}
		for _, s := range c.Samples {
			if len(d.Samples) < maxSamples {
				d.Samples = append(d.Samples, s)
			}
		}
	}
}

// empty reports whether nothing was counted.
func (q quality) empty() bool {
	for _, c := range q {
		if c.Bad+c.Nulled+c.Skipped+c.Changed > 0 {
			return false
		}
	}
	return true
}

// lines renders the counters, one line per column, sorted.
func (q quality) lines(table string) []string {
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		c := q[n]
		if c.Bad+c.Nulled+c.Skipped+c.Changed == 0 {
			continue
		}
		var parts []string
		if c.Nulled > 0 {
			parts = append(parts, fmt.Sprintf("%d nulled", c.Nulled))
		}
		if c.Skipped > 0 {
			parts = append(parts, fmt.Sprintf("%d rows skipped", c.Skipped))
		}
		if c.Bad > 0 && c.Nulled == 0 && c.Skipped == 0 {
			parts = append(parts, fmt.Sprintf("%d with no exact form", c.Bad))
		}
		if c.Changed > 0 {
			parts = append(parts, fmt.Sprintf("%d changed by translation", c.Changed))
		}
		var rs []string
		for r, k := range c.Reasons {
			rs = append(rs, fmt.Sprintf("%s: %d", r, k))
		}
		sort.Strings(rs)
		line := fmt.Sprintf("%s.%s: %s", table, n, strings.Join(parts, ", "))
		if len(rs) > 0 {
			line += " (" + strings.Join(rs, "; ") + ")"
		}
		if len(c.Samples) > 0 {
			line += "; sample keys " + strings.Join(c.Samples, ", ")
		}
		out = append(out, line)
	}
	return out
}

// BadValueError is a value on_bad_value = "fail" stops the copy for.
type BadValueError struct {
	Table, Column, Key, Reason string
}

func (e *BadValueError) Error() string {
	return fmt.Sprintf("table %s, column %s, row %s: the value has no exact form at the destination (%s); on_bad_value = \"fail\" stops the copy: fix the source value, or set on_bad_value = \"null\" or \"skip_row\"",
		e.Table, e.Column, e.Key, e.Reason)
}

// checker applies a move's value policy to the rows of one table.
type checker struct {
	table  string
	policy string
	cols   []providers.Column // in stream order
	keyIdx []int
	// strict: the destination takes no NUL byte or invalid UTF-8 in text
	// (PostgreSQL).
	strict bool
	lossy  map[int]bool
	q      quality
}

func newChecker(t providers.Table, names []string, policy string, strict bool, lossy map[string]bool) (*checker, error) {
	byName := map[string]providers.Column{}
	for _, c := range t.Columns {
		byName[c.Name] = c
	}
	ck := &checker{table: t.Name, policy: policy, strict: strict, lossy: map[int]bool{}, q: quality{}}
	for i, n := range names {
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("table %s: the source now has a column %q the plan does not know (plan again)", t.Name, n)
		}
		ck.cols = append(ck.cols, c)
		if lossy[n] {
			ck.lossy[i] = true
		}
	}
	for _, k := range t.PrimaryKey {
		for i, n := range names {
			if n == k {
				ck.keyIdx = append(ck.keyIdx, i)
			}
		}
	}
	return ck, nil
}

func (ck *checker) key(row providers.Row) providers.Row {
	k := make(providers.Row, len(ck.keyIdx))
	for i, j := range ck.keyIdx {
		k[i] = row[j]
	}
	return k
}

func (ck *checker) sampleKey(row providers.Row) string {
	if len(ck.keyIdx) == 0 {
		return "(no primary key)"
	}
	return keyText(ck.key(row))
}

// destBad says why a portable value cannot be held by a strict
// destination ("" when it can).
func destBad(v any) (providers.BadValue, bool) {
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			return providers.BadValue{Raw: x, Reason: "invalid UTF-8"}, true
		}
		if strings.IndexByte(x, 0) >= 0 {
			return providers.BadValue{Raw: x, Reason: "a NUL byte in text"}, true
		}
	}
	return providers.BadValue{}, false
}

// check applies the policy to a row in place: it returns false when the
// row is to be skipped, or an error for on_bad_value = "fail".
func (ck *checker) check(row providers.Row) (bool, error) {
	keep := true
	for i, v := range row {
		if i >= len(ck.cols) {
			break
		}
		bv, bad := v.(providers.BadValue)
		if !bad && ck.strict && ck.cols[i].Type.Base != "bytes" {
			bv, bad = destBad(v)
		}
		if !bad {
			if v != nil && ck.lossy[i] {
				ck.q.col(ck.cols[i].Name).Changed++
			}
			continue
		}
		c := ck.q.col(ck.cols[i].Name)
		c.Bad++
		if c.Reasons == nil {
			c.Reasons = map[string]int64{}
		}
		c.Reasons[bv.Reason]++
		if len(c.Samples) < maxSamples {
			c.Samples = append(c.Samples, ck.sampleKey(row))
		}
		switch ck.policy {
		case PolicyNull:
			if !ck.cols[i].Nullable {
				return false, fmt.Errorf("table %s, column %s, row %s: on_bad_value = \"null\" cannot null a NOT NULL column (%s); use \"skip_row\" or fix the source value",
					ck.table, ck.cols[i].Name, ck.sampleKey(row), bv.Reason)
			}
			row[i] = nil
			c.Nulled++
		case PolicySkipRow:
			if keep {
				c.Skipped++
			}
			keep = false
		default:
			return false, &BadValueError{Table: ck.table, Column: ck.cols[i].Name, Key: ck.sampleKey(row), Reason: bv.Reason}
		}
	}
	return keep, nil
}

// filtered is a RowStream through a checker: skipped rows are left out.
type filtered struct {
	providers.RowStream
	ck  *checker
	err error
	// lastRow is the last source row read, skipped or not.
	lastRow providers.Row
}

// last is the key of the last source row read, skipped or not (nil
// before any, or without a key).
func (f *filtered) last() providers.Row {
	if f.lastRow == nil || len(f.ck.keyIdx) == 0 {
		return nil
	}
	return f.ck.key(f.lastRow)
}

func (f *filtered) Next(ctx context.Context) (providers.Row, bool) {
	for f.err == nil {
		row, ok := f.RowStream.Next(ctx)
		if !ok {
			return nil, false
		}
		f.lastRow = row // check nulls no key value: key columns are NOT NULL
		keep, err := f.ck.check(row)
		if err != nil {
			f.err = err
			return nil, false
		}
		if keep {
			return row, true
		}
	}
	return nil, false
}

func (f *filtered) Err() error {
	if f.err != nil {
		return f.err
	}
	return f.RowStream.Err()
}

// reordered is a RowStream with its columns put in another order (a
// destination table read in the source's column order).
type reordered struct {
	providers.RowStream
	cols []string
	idx  []int
	same bool // the stream's own order: rows pass as they are
}

func reorder(rs providers.RowStream, want []string) (*reordered, error) {
	have := map[string]int{}
	for i, n := range rs.Columns() {
		have[n] = i
	}
	r := &reordered{RowStream: rs, cols: want, same: len(want) == len(rs.Columns())}
	for k, n := range want {
		i, ok := have[n]
		if !ok {
			return nil, fmt.Errorf("the destination table has no column %q", n)
		}
		r.idx = append(r.idx, i)
		r.same = r.same && i == k
	}
	return r, nil
}

func (r *reordered) Columns() []string { return r.cols }

func (r *reordered) Next(ctx context.Context) (providers.Row, bool) {
	row, ok := r.RowStream.Next(ctx)
	if !ok {
		return nil, false
	}
	if r.same {
		return row, true
	}
	out := make(providers.Row, len(r.idx))
	for i, j := range r.idx {
		out[i] = row[j]
	}
	return out, true
}
