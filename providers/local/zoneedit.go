package local

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"github.com/rehome/rehome/providers"
)

// A zone file rehome only changes TTLs in (lowering them before a
// cutover, restoring them on rollback) is edited in place: the TTL field
// of each affected record and the SOA serial change, and every comment,
// directive, `@`, relative name and column stays as the operator wrote
// it. Anything else (records added, removed or changed) rewrites the file
// from the parsed sets (render).

// zoneToken is a token of a zone file: bytes [start, end).
type zoneToken struct {
	start, end int
	text       string
}

// logicalRecord is one record entry of a zone file: its tokens outside
// comments (a parenthesised entry spans lines), whether the line began
// with an owner name, and whether it is a $ directive.
type logicalRecord struct {
	tokens    []zoneToken
	hasOwner  bool
	directive bool
}

// scanZone splits a zone file into logical records (blank and
// comment-only lines are skipped). ok is false for what it does not
// follow (unbalanced parentheses or quotes).
func scanZone(data []byte) ([]logicalRecord, bool) {
	var out []logicalRecord
	var cur logicalRecord
	depth := 0
	atLineStart := true
	flush := func() {
		if len(cur.tokens) > 0 {
			cur.directive = strings.HasPrefix(cur.tokens[0].text, "$")
			out = append(out, cur)
		}
		cur = logicalRecord{}
	}
	i := 0
	for i < len(data) {
		c := data[i]
		switch {
		case c == '\n':
			if depth == 0 {
				flush()
			}
			atLineStart = true
			i++
			continue
		case c == ';':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			continue
		case c == ' ' || c == '\t' || c == '\r':
			atLineStart = false
			i++
			continue
		case c == '(':
			depth++
			atLineStart = false
			i++
			continue
		case c == ')':
			depth--
			if depth < 0 {
				return nil, false
			}
			i++
			continue
		}
		// A token: up to whitespace, a comment or a parenthesis outside
		// quotes.
		start := i
		inQuote := false
		for i < len(data) {
			b := data[i]
			if b == '\\' && i+1 < len(data) {
				i += 2
				continue
			}
			if b == '"' {
				inQuote = !inQuote
			} else if !inQuote && (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == ';' || b == '(' || b == ')') {
				break
			}
			if inQuote && b == '\n' {
				return nil, false
			}
			i++
		}
		if inQuote {
			return nil, false
		}
		if len(cur.tokens) == 0 && depth == 0 && atLineStart {
			cur.hasOwner = true
		}
		cur.tokens = append(cur.tokens, zoneToken{start: start, end: i, text: string(data[start:i])})
		atLineStart = false
	}
	if depth != 0 {
		return nil, false
	}
	flush()
	return out, true
}

// isClass reports whether a token is a record class.
func isClass(s string) bool {
	switch strings.ToUpper(s) {
	case "IN", "CH", "CS", "HS", "NONE", "ANY":
		return true
	}
	return strings.HasPrefix(strings.ToUpper(s), "CLASS")
}

// parseTTL reads a TTL as BIND writes them: seconds, or numbers with
// units (1h30m, 2d, 1W).
func parseTTL(s string) (uint32, bool) {
	var total, num uint64
	digits := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= '0' && c <= '9':
			num = num*10 + uint64(c-'0')
			digits = true
		case digits && strings.ContainsRune("smhdw", c):
			mult := map[rune]uint64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[c]
			total += num * mult
			num, digits = 0, false
		default:
			return 0, false
		}
		if total+num > 1<<32-1 {
			return 0, false
		}
	}
	return uint32(total + num), s != ""
}

// isTTL reports whether a token is a TTL (seconds, or BIND units: 1h30m).
func isTTL(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	_, ok := parseTTL(s)
	return ok
}

// editInPlace returns the file edited so that it holds z's sets, when the
// sets differ from the file's only in TTLs and the SOA serial; ok is false
// otherwise (the caller rewrites the file).
func (z *zoneData) editInPlace() ([]byte, bool) {
	if z.orig == nil {
		return nil, false
	}
	recs, ok := scanZone(z.orig)
	if !ok {
		return nil, false
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	defaultTTL, haveDefault := uint32(0), false
	n := 0
	for _, lr := range recs {
		if lr.directive {
			switch strings.ToUpper(lr.tokens[0].text) {
			case "$TTL":
				if len(lr.tokens) < 2 {
					return nil, false
				}
				t, ok := parseTTL(lr.tokens[1].text)
				if !ok {
					return nil, false
				}
				defaultTTL, haveDefault = t, true
			case "$ORIGIN":
			default: // $INCLUDE, $GENERATE: records not one per entry
				return nil, false
			}
			continue
		}
		if n >= len(z.origRRs) {
			return nil, false
		}
		rr := z.origRRs[n]
		n++
		hdr := rr.Header()
		key := hdr.Name + " " + rrType(rr)
		want, ok := z.sets[key]
		if !ok {
			return nil, false
		}
		// The tokens before the type: [owner] then TTL and class in
		// either order.
		k := 0
		if lr.hasOwner {
			k = 1
		}
		ttlTok := -1
		for ; k < len(lr.tokens); k++ {
			t := lr.tokens[k].text
			if isTTL(t) && ttlTok < 0 {
				ttlTok = k
				continue
			}
			if isClass(t) {
				continue
			}
			break
		}
		typeTok := k
		if typeTok >= len(lr.tokens) || !strings.EqualFold(lr.tokens[typeTok].text, dns.TypeToString[hdr.Rrtype]) {
			return nil, false
		}
		if want.TTL != hdr.Ttl {
			ttl := strconv.FormatUint(uint64(want.TTL), 10)
			switch {
			case ttlTok >= 0 && haveDefault && want.TTL == defaultTTL:
				// Back to the file's default: drop the field rehome
				// added, with the blank after it.
				t := lr.tokens[ttlTok]
				end := t.end
				for end < len(z.orig) && (z.orig[end] == ' ' || z.orig[end] == '\t') {
					end++
				}
				edits = append(edits, edit{t.start, end, ""})
			case ttlTok >= 0:
				t := lr.tokens[ttlTok]
				edits = append(edits, edit{t.start, t.end, ttl})
			default:
				first := 0
				if lr.hasOwner {
					first = 1
				}
				at := lr.tokens[first].start
				edits = append(edits, edit{at, at, ttl + " "})
			}
		}
		if soa, ok := rr.(*dns.SOA); ok {
			_, nrrs, err := parseSet(z.name, *want)
			if err != nil || len(nrrs) != 1 {
				return nil, false
			}
			if ns := nrrs[0].(*dns.SOA); ns.Serial != soa.Serial {
				// mname rname serial: the third token after the type.
				if typeTok+3 >= len(lr.tokens) {
					return nil, false
				}
				t := lr.tokens[typeTok+3]
				edits = append(edits, edit{t.start, t.end, strconv.FormatUint(uint64(ns.Serial), 10)})
			}
		}
	}
	if n != len(z.origRRs) {
		return nil, false
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			return nil, false
		}
		out.Write(z.orig[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
	}
	out.Write(z.orig[pos:])
	// The edit must give exactly the sets wanted; otherwise rewrite.
	got, err := parseZoneBytes(z.name, out.Bytes())
	if err != nil || len(got) != len(z.sets) {
		return nil, false
	}
	for k, w := range z.sets {
		g, ok := got[k]
		if !ok || g.TTL != w.TTL || !slices.Equal(g.Values, w.Values) {
			return nil, false
		}
	}
	return out.Bytes(), true
}

// parseZoneBytes parses zone text into its sets, as readZone does.
func parseZoneBytes(name string, data []byte) (map[string]*providers.RecordSet, error) {
	zp := dns.NewZoneParser(bytes.NewReader(data), name, "")
	z := &zoneData{name: name, sets: map[string]*providers.RecordSet{}}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if err := z.add(rr); err != nil {
			return nil, err
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	z.finish()
	return z.sets, nil
}
