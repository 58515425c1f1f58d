package planner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/rehome/rehome/audit"
)

// scan searches the audit block's directories for references to the moved
// source resources whose names code uses (Moved.Referenced: bucket names),
// so code that still points at the source is found before the cutover.
func (b *builder) scan(ctx context.Context) error {
	a := b.in.Config.Audit
	if a == nil || len(a.Scan) == 0 {
		return nil
	}
	type target struct{ name, addr, what string }
	var targets []target
	seen := map[string]bool{}
	for _, act := range b.plan.Actions {
		if act.Moves == nil || !act.Moves.Referenced {
			continue
		}
		what := act.Moves.Type
		if act.To.Name != act.From.Name {
			what = fmt.Sprintf("%s (renamed to %q at the destination)", act.Moves.Type, act.To.Name)
		}
		n := act.From.Name
		if len(n) < 4 || seen[n] {
			continue // too short to search for without noise
		}
		seen[n] = true
		targets = append(targets, target{n, act.Address, what})
	}
	if len(targets) == 0 {
		return nil
	}
	type hit struct {
		file string
		line int
	}
	hits := map[string][]hit{}
	err := audit.WalkFiles(ctx, a.Scan, b.in.Config.Dir, func(rel, _ string, data []byte) {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for ln := 1; sc.Scan(); ln++ {
			line := sc.Text()
			for _, t := range targets {
				if containsName(line, t.name) {
					hits[t.addr] = append(hits[t.addr], hit{rel, ln})
				}
			}
		}
	})
	if err != nil {
		return err
	}
	addrs := make([]string, 0, len(hits))
	for k := range hits {
		addrs = append(addrs, k)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		var t target
		for _, x := range targets {
			if x.addr == addr {
				t = x
			}
		}
		var where []string
		for _, h := range hits[addr] {
			where = append(where, fmt.Sprintf("%s:%d", h.file, h.line))
		}
		b.finding(nil, SevWarning, addr, "audit.source_reference", "",
			fmt.Sprintf("application code references the source %q %s: %s", t.name, t.what, First(where, 5)),
			"point these references at the destination before the cutover")
	}
	return nil
}

// containsName reports whether name occurs in line as a whole bucket name:
// not as part of a longer one ("shop-media" is not in "shop-media-2026").
func containsName(line, name string) bool {
	isNameByte := func(c byte) bool {
		return c == '-' || c == '.' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
	for i := 0; ; {
		j := strings.Index(line[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isNameByte(line[start-1])) && (end == len(line) || !isNameByte(line[end])) {
			return true
		}
		i = start + 1
	}
}
