package storage

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/internal/format"
	"github.com/rehome/rehome/lang"
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/providers"
)

// Kind is the storage kind.
const Kind = providers.KindStorage

// Verify modes.
const (
	VerifyChecksum = "checksum"
	VerifySize     = "size"
)

// AllowsSamePlace: a move within one place is allowed when it renames
// buckets; each bucket copied onto itself is a blocker.
func (s *Settings) AllowsSamePlace() bool { return len(s.Rename) > 0 }

// Settings are a storage move's own arguments.
type Settings struct {
	// Buckets names the source buckets to move; empty: those Include and
	// Exclude select (all by default).
	Buckets []string
	Include []string // globs over bucket names; empty = all
	Exclude []string // globs over bucket names
	// Prefix limits the move to source keys that start with it.
	Prefix string
	// DeleteExtra: the cutover also removes destination objects that are
	// not at the source, those rehome did not write included (each is
	// backed up first, so rollback restores it).
	DeleteExtra bool
	// Parallelism is how many objects of a bucket are copied at once
	// (0: the run's -parallelism).
	Parallelism int
	// PartSize is the size of the parts of a large object (0: 64 MiB);
	// objects above it are copied in parts, in parallel.
	PartSize int64
	Rename   map[string]string // source bucket -> destination bucket
	Verify   string            // VerifyChecksum (default) or VerifySize
	// BytesPerSecond and RequestsPerSecond cap what one bucket's copy
	// sends (0: no cap).
	BytesPerSecond    int64
	RequestsPerSecond float64
}

// settings returns m's settings (the defaults when a test built the move
// without any).
func settings(m *lang.Move) *Settings {
	if s, ok := m.Settings.(*Settings); ok && s != nil {
		return s
	}
	return &Settings{Verify: VerifyChecksum}
}

// Mover is the storage kind: buckets and their objects.
type Mover struct{}

// New returns the storage mover.
func New() Mover { return Mover{} }

// Kind returns "storage".
func (Mover) Kind() providers.Kind { return Kind }

// Description says what the kind moves.
func (Mover) Description() string {
	return "object storage: buckets and their objects, verified by size or SHA-256, mirrored incrementally"
}

// Unit is what the kind counts.
func (Mover) Unit() string { return "objects" }

// MoveSchema lists a storage move's arguments.
func (Mover) MoveSchema() providers.Schema {
	return providers.Schema{Attributes: []providers.Attribute{
		{Name: "buckets", Type: cty.List(cty.String), Description: "the source buckets to move, by name (instead of include/exclude)"},
		{Name: "include", Type: cty.List(cty.String), Description: "globs over source bucket names (default: all)"},
		{Name: "exclude", Type: cty.List(cty.String), Description: "globs over source bucket names to leave out"},
		{Name: "rename", Type: cty.Map(cty.String), Description: "source bucket name to destination bucket name"},
		{Name: "prefix", Type: cty.String, Description: "move only source keys that start with this"},
		{Name: "verify", Type: cty.String, Description: `"checksum" (a digest of every object, the default) or "size"`},
		{Name: "delete_extra", Type: cty.Bool, Description: "at cutover, remove destination objects not at the source (backed up for rollback)"},
		{Name: "parallelism", Type: cty.Number, Description: "objects copied at once per bucket (default: -parallelism)"},
		{Name: "part_size", Type: cty.String, Description: `size of the parts of large objects, e.g. "64MiB" (5MiB to 5GiB)`},
		{Name: "bandwidth", Type: cty.String, Description: `cap on bytes sent per bucket, e.g. "100MiB/s"`},
		{Name: "requests_per_second", Type: cty.Number, Description: "cap on requests per bucket per second"},
	}}
}

// DecodeMove checks a storage move's arguments.
func (Mover) DecodeMove(a *lang.MoveArgs) any {
	s := &Settings{Verify: VerifyChecksum}
	s.Include, s.Exclude = a.Globs("include"), a.Globs("exclude")
	if names, ok := a.Strings("buckets"); ok {
		if a.Has("include") || a.Has("exclude") {
			a.Errorf(a.Range("buckets"), "Conflicting arguments",
				"buckets names the buckets to move; include and exclude select them by glob. Use one or the other.")
		}
		for i, n := range names {
			if n == "" {
				a.Errorf(a.ElementRange("buckets", i), "Invalid bucket name", "A bucket name must not be empty.")
			}
		}
		s.Buckets = names
	}
	s.Prefix, _ = a.String("prefix")
	s.DeleteExtra, _ = a.Bool("delete_extra")
	if n, ok := a.Number("parallelism"); ok {
		v, acc := n.Int64()
		if acc != big.Exact || v < 1 || v > 256 {
			a.Errorf(a.Range("parallelism"), "Invalid parallelism", "parallelism is a whole number from 1 to 256, got %s.", n.Text('f', -1))
		} else {
			s.Parallelism = int(v)
		}
	}
	if v, ok := a.String("part_size"); ok {
		n, err := ParseSize(v)
		switch {
		case err != nil:
			a.Errorf(a.Range("part_size"), "Invalid part_size", "%s.", err)
		case n < 5<<20 || n > 5<<30:
			a.Errorf(a.Range("part_size"), "Invalid part_size", "part_size is from 5MiB to 5GiB (S3's limits), got %s.", v)
		default:
			s.PartSize = n
		}
	}
	if rn, ok := a.StringMap("rename"); ok {
		s.Rename = rn
		for from, to := range rn {
			if from == "" || to == "" {
				a.Errorf(a.Range("rename"), "Invalid rename",
					"rename maps source bucket names to destination bucket names; neither may be empty.")
				break
			}
		}
	}
	if v, ok := a.String("verify"); ok {
		switch v {
		case VerifyChecksum, VerifySize:
			s.Verify = v
		default:
			a.Errorf(a.Range("verify"), "Invalid verify value",
				"verify is %q (compare content checksums, the default) or %q (compare sizes only), not %q.",
				VerifyChecksum, VerifySize, v)
		}
	}
	if v, ok := a.String("bandwidth"); ok {
		n, err := ParseRate(v)
		if err != nil {
			a.Errorf(a.Range("bandwidth"), "Invalid bandwidth", "%s.", err)
		}
		s.BytesPerSecond = n
	}
	if n, ok := a.Number("requests_per_second"); ok {
		f, _ := n.Float64()
		if n.Sign() <= 0 || n.Cmp(big.NewFloat(1e6)) > 0 {
			a.Errorf(a.Range("requests_per_second"), "Invalid requests_per_second",
				"requests_per_second is a number above 0 and at most 1000000, got %s.", n.Text('f', -1))
		} else {
			s.RequestsPerSecond = f
		}
	}
	return s
}

// ParseRate reads a byte rate such as "100MiB/s", "500 KB/s" or "1GiB"
// (per second either way) and returns bytes per second.
func ParseRate(s string) (int64, error) {
	n, err := ParseSize(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "/s"), "ps"))
	if err != nil {
		return 0, fmt.Errorf("%q is not a byte rate: write a positive number and a unit, such as \"100MiB/s\" or \"500KB/s\"", s)
	}
	if n < 1024 {
		return 0, fmt.Errorf("%q is below 1 KiB/s, too slow to copy anything", s)
	}
	return n, nil
}

// ParseSize reads a byte size such as "64MiB", "500 KB" or "1GiB".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%q is not a size: write a positive number and a unit, such as \"64MiB\"", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "kb": 1e3, "kib": 1 << 10, "mb": 1e6, "mib": 1 << 20, "gb": 1e9, "gib": 1 << 30}
	m, ok := mult[unit]
	if !ok {
		return 0, fmt.Errorf("%q has an unknown unit %q: use B, KB, KiB, MB, MiB, GB or GiB", s, t[i:])
	}
	return int64(f * m), nil
}

// Features describes a provider's storage capabilities.
func (Mover) Features(c providers.Caps) string {
	s := c.Storage
	text := movers.Features(
		movers.Feature{Name: "metadata", OK: s.Metadata}, movers.Feature{Name: "tags", OK: s.Tags},
		movers.Feature{Name: "content type", OK: s.ContentType}, movers.Feature{Name: "versioning", OK: s.Versioning},
	)
	if s.FileKeys {
		text += "; keys are file paths"
	}
	if s.MaxObjectSize > 0 {
		text += "; max object " + format.Bytes(s.MaxObjectSize)
	}
	return text
}
