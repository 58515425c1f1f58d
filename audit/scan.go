package audit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Target is a discovered source resource the scan looks for: by the name
// a rule captures (a bucket in an S3 URL), and by its own literal names
// (Literals: a queue's name, an RDS endpoint).
type Target struct {
	// Address names it in findings: env.TYPE["NAME"].
	Address string
	Env     string
	Type    string
	Name    string
	// Keys are the strings a rule's captured name is compared with (the
	// name, the endpoint host, the ID).
	Keys []string
	// Literals are searched for as whole words on every line (too short
	// ones, under 6 characters, are left out: they match by accident).
	Literals []string
	// MovedBy is the move action's address when a move covers it.
	MovedBy string
}

// Hit is one reference the scan found.
type Hit struct {
	File     string   `json:"file"` // relative to the scan's Base, slash-separated
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Rule     string   `json:"rule"`
	Category Category `json:"category"`
	Effort   int      `json:"effort"`
	Message  string   `json:"message"`
	// Match is the text matched ("" when the rule is sensitive).
	Match string `json:"match,omitempty"`
	// Resource is the address of the discovered resource it points at.
	Resource string `json:"resource,omitempty"`
	// MovedBy is the move action that moves that resource.
	MovedBy string `json:"moved_by,omitempty"`
}

// ScanInput is what Scan reads.
type ScanInput struct {
	// Dirs are the folders to scan (absolute).
	Dirs []string
	// Base is what Hit.File is relative to (the configuration directory).
	Base  string
	Rules Rules
	// Providers are the providers of the source environments: rules for
	// other platforms do not run.
	Providers map[string]bool
	Targets   []Target
}

// RuleResourceName is the rule id of references to a discovered
// resource's literal name (rather than a pattern of the rules file).
const RuleResourceName = "source.resource-name"

// skipDirs are never scanned.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".rehome": true, ".terraform": true,
	".venv": true, "__pycache__": true}

// maxFile is the largest file read; larger ones are data, not code.
const maxFile = 2 << 20

// Scan walks the folders and returns every hit, ordered by file, line and
// column. Rules run in order; a match overlapping an earlier rule's match
// on the same line is not reported again (a specific rule before a
// general one). A folder that cannot be read is an error naming it.
func Scan(ctx context.Context, in ScanInput) ([]Hit, error) {
	var hits []Hit
	byKey := map[string]map[string]*Target{} // type -> key -> target
	for i := range in.Targets {
		t := &in.Targets[i]
		if byKey[t.Type] == nil {
			byKey[t.Type] = map[string]*Target{}
		}
		for _, k := range append([]string{t.Name}, t.Keys...) {
			if k != "" {
				byKey[t.Type][strings.ToLower(k)] = t
			}
		}
	}
	err := WalkFiles(ctx, in.Dirs, in.Base, func(rel, base string, data []byte) {
		hits = append(hits, scanFile(rel, base, data, in, byKey)...)
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return dedupe(hits), nil
}

// WalkFiles calls fn with every text file under the folders (skipping
// .git, node_modules, vendor, .rehome and the like, binary files and
// files over 2 MiB): its path relative to base (slash-separated), its base name and its content.
func WalkFiles(ctx context.Context, dirs []string, base string, fn func(rel, name string, data []byte)) error {
	for _, root := range dirs {
		if _, err := os.Stat(root); err != nil {
			return fmt.Errorf("audit scan: %w", err)
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("audit scan %s: %w", p, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				if skipDirs[d.Name()] && p != root {
					return filepath.SkipDir
				}
				return nil
			}
			info, err := d.Info()
			if err != nil || !info.Mode().IsRegular() || info.Size() > maxFile {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("audit scan: read %s: %w", p, err)
			}
			if bytes.IndexByte(data, 0) >= 0 {
				return nil // binary
			}
			rel, err := filepath.Rel(base, p)
			if err != nil {
				rel = p
			}
			fn(filepath.ToSlash(rel), filepath.Base(p), data)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// dedupe drops a hit identical in file, line, rule and resource to
// another (one dir listed twice, or nested dirs).
func dedupe(hits []Hit) []Hit {
	seen := map[string]bool{}
	out := hits[:0]
	for _, h := range hits {
		k := fmt.Sprintf("%s\x00%d\x00%d\x00%s", h.File, h.Line, h.Column, h.Rule)
		if !seen[k] {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out
}

func scanFile(rel, base string, data []byte, in ScanInput, byKey map[string]map[string]*Target) []Hit {
	var rules Rules
	for _, r := range in.Rules {
		if r.appliesTo(base, in.Providers) {
			rules = append(rules, r)
		}
	}
	var hits []Hit
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), maxFile)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		var taken [][2]int
		overlaps := func(a, b int) bool {
			for _, s := range taken {
				if a < s[1] && s[0] < b {
					return true
				}
			}
			return false
		}
		for _, r := range rules {
			for _, m := range r.re.FindAllStringSubmatchIndex(line, -1) {
				if overlaps(m[0], m[1]) {
					continue
				}
				taken = append(taken, [2]int{m[0], m[1]})
				name := ""
				if r.nameIx >= 0 && m[2*r.nameIx] >= 0 {
					name = line[m[2*r.nameIx]:m[2*r.nameIx+1]]
				}
				h := Hit{File: rel, Line: ln, Column: m[0] + 1, Rule: r.ID, Category: r.Category, Effort: r.Effort,
					Message: strings.ReplaceAll(r.Message, "{name}", quoteName(name))}
				if !r.Sensitive {
					h.Match = line[m[0]:m[1]]
				}
				for _, typ := range r.PointsAt {
					t := byKey[typ][strings.ToLower(name)]
					if t == nil && r.suffix != nil {
						t = byKey[typ][strings.ToLower(r.suffix.ReplaceAllString(name, ""))]
					}
					if t != nil {
						h.Resource, h.MovedBy = t.Address, t.MovedBy
						if t.MovedBy != "" {
							h.Category = Mandatory // the move changes where it lives
						}
						break
					}
				}
				if name != "" && len(r.PointsAt) > 0 && h.Resource == "" {
					h.Message += " (discovery did not find it at the source: another account or region?)"
				}
				hits = append(hits, h)
			}
		}
		for i := range in.Targets {
			t := &in.Targets[i]
			for _, lit := range t.Literals {
				if len(lit) < 6 {
					continue
				}
				col := wordIndex(line, lit)
				if col < 0 || overlaps(col, col+len(lit)) {
					continue
				}
				taken = append(taken, [2]int{col, col + len(lit)})
				h := Hit{File: rel, Line: ln, Column: col + 1, Rule: RuleResourceName, Match: lit, Resource: t.Address,
					MovedBy: t.MovedBy}
				if t.MovedBy != "" {
					h.Category, h.Effort = Mandatory, 2
					h.Message = fmt.Sprintf("names the source's %s %s, which %s moves: point it at the destination's", t.Type, quoteName(t.Name), t.MovedBy)
				} else {
					h.Category, h.Effort = Potential, 1
					h.Message = fmt.Sprintf("names the source's %s %s, which stays at the source: the app keeps depending on it", t.Type, quoteName(t.Name))
				}
				hits = append(hits, h)
				break
			}
		}
	}
	return hits
}

func quoteName(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", s)
}

// wordIndex returns where word occurs in line as a whole word (not part of
// a longer name: "shop-media" is not in "shop-media-2026"), or -1.
func wordIndex(line, word string) int {
	isNameByte := func(c byte) bool {
		return c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
	for i := 0; i <= len(line); {
		j := strings.Index(line[i:], word)
		if j < 0 {
			return -1
		}
		start, end := i+j, i+j+len(word)
		dotAfter := end < len(line) && line[end] == '.' && end+1 < len(line) && isNameByte(line[end+1])
		if (start == 0 || (!isNameByte(line[start-1]) && line[start-1] != '.')) && (end == len(line) || (!isNameByte(line[end]) && !dotAfter)) {
			return start
		}
		i = start + 1
	}
	return -1
}
