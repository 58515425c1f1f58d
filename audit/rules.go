package audit

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Category says how much a finding matters for the move, as Konveyor's
// rules do.
type Category string

const (
	// Mandatory: the code or config breaks or keeps using the source
	// after the move unless it is changed.
	Mandatory Category = "mandatory"
	// Optional: it works after the move but ties the app to the source
	// platform (an SDK, a region name).
	Optional Category = "optional"
	// Potential: it may be a reference; someone should look.
	Potential Category = "potential"
)

// Rule is one pattern of the scan, as data.
type Rule struct {
	// ID names the rule in findings; a user rule with a built-in rule's
	// id replaces it.
	ID       string   `json:"id"`
	Category Category `json:"category"`
	// Effort is a rough size of the change in story points (1 trivial,
	// 3 a config change, 5 code, 8 or more a redesign).
	Effort int `json:"effort"`
	// Pattern is a regular expression (Go RE2 syntax) matched against
	// each line; a group named "name" captures what it points at (a
	// bucket name, an endpoint host), which the scan looks up among the
	// discovered resources of the types in PointsAt.
	Pattern string `json:"pattern"`
	// Message says what was found and what to do; "{name}" stands for the
	// captured name.
	Message string `json:"message"`
	// PointsAt are the resource types the captured name is looked up in
	// (bucket, queue, secret, database_instance, load_balancer, ...).
	PointsAt []string `json:"points_at,omitempty"`
	// Providers limits the rule to sources of these providers (aws,
	// hcloud, digitalocean); empty: any source.
	Providers []string `json:"providers,omitempty"`
	// Files limits the rule to files whose base name matches one of
	// these globs ("*.py", ".env*"); empty: every text file.
	Files []string `json:"files,omitempty"`
	// NameSuffix is a regular expression removed from the end of the
	// captured name when the name itself matches no resource (the random
	// suffix of a Secrets Manager ARN).
	NameSuffix string `json:"name_suffix,omitempty"`
	// Sensitive: the match may be a credential, so findings never show
	// it.
	Sensitive bool `json:"sensitive,omitempty"`

	// Origin is where the rule was read (file:line).
	Origin string         `json:"-"`
	re     *regexp.Regexp `json:"-"`
	suffix *regexp.Regexp
	nameIx int
}

// Rules is an ordered rule set.
type Rules []*Rule

//go:embed rules.json
var builtinRules []byte

// BuiltinRules returns the embedded rules.
func BuiltinRules() (Rules, error) {
	return ParseRules("rules.json (built in)", builtinRules)
}

// LoadRules returns the built-in rules followed by those of the user's
// file (when not ""): a user rule with a built-in rule's id replaces it.
func LoadRules(userFile string) (Rules, error) {
	rs, err := BuiltinRules()
	if err != nil {
		return nil, err
	}
	if userFile == "" {
		return rs, nil
	}
	data, err := os.ReadFile(userFile)
	if err != nil {
		return nil, fmt.Errorf("audit rules: %w", err)
	}
	user, err := ParseRules(userFile, data)
	if err != nil {
		return nil, err
	}
	return rs.merge(user), nil
}

func (rs Rules) merge(user Rules) Rules {
	out := append(Rules(nil), rs...)
	for _, u := range user {
		replaced := false
		for i, r := range out {
			if r.ID == u.ID {
				out[i], replaced = u, true
			}
		}
		if !replaced {
			out = append(out, u)
		}
	}
	return out
}

// rulesFile is the format: {"rules": [ {...}, ... ]}.
type rulesFile struct {
	Rules []json.RawMessage `json:"rules"`
}

// ParseRules reads a rules file; every problem names file:line and the
// rule's id.
func ParseRules(file string, data []byte) (Rules, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	// Walk the tokens to the rules array, to know where each rule starts.
	where := func(off int64) string { return fmt.Sprintf("%s:%d", file, lineOf(data, off)) }
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("audit rules %s: %w", where(se.Offset), err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("audit rules %s: %s: want %s, got %s", where(te.Offset), te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("audit rules %s: %w", where(dec.InputOffset()), err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("audit rules %s: want an object {\"rules\": [...]}", where(0))
	}
	var out Rules
	seen := map[string]string{}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		if key != "rules" {
			return nil, fmt.Errorf("audit rules %s: unknown field %q (the file holds {\"rules\": [...]})", where(dec.InputOffset()), key)
		}
		if tok, err := dec.Token(); err != nil {
			return nil, syntax(err)
		} else if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, fmt.Errorf("audit rules %s: \"rules\" must be a list", where(dec.InputOffset()))
		}
		for dec.More() {
			start := dec.InputOffset()
			// InputOffset is before the separator and whitespace: step
			// over them for the line of the rule's "{".
			for start < int64(len(data)) && strings.ContainsRune(", \t\r\n", rune(data[start])) {
				start++
			}
			var r Rule
			if err := dec.Decode(&r); err != nil {
				return nil, syntax(err)
			}
			r.Origin = where(start)
			if err := r.compile(); err != nil {
				return nil, fmt.Errorf("audit rules %s: %w", r.Origin, err)
			}
			if prev, dup := seen[r.ID]; dup {
				return nil, fmt.Errorf("audit rules %s: rule %q is already defined at %s", r.Origin, r.ID, prev)
			}
			seen[r.ID] = r.Origin
			out = append(out, &r)
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntax(err)
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return nil, syntax(err)
	}
	return out, nil
}

var ruleID = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

// compile checks the rule and compiles its pattern.
func (r *Rule) compile() error {
	if !ruleID.MatchString(r.ID) {
		return fmt.Errorf("rule id %q: use lower-case letters, digits, dots and dashes", r.ID)
	}
	switch r.Category {
	case Mandatory, Optional, Potential:
	default:
		return fmt.Errorf("rule %q: category %q: want mandatory, optional or potential", r.ID, r.Category)
	}
	if r.Effort < 0 || r.Effort > 100 {
		return fmt.Errorf("rule %q: effort %d: want 0 to 100 story points", r.ID, r.Effort)
	}
	if strings.TrimSpace(r.Message) == "" {
		return fmt.Errorf("rule %q: a message is required", r.ID)
	}
	if r.Pattern == "" {
		return fmt.Errorf("rule %q: a pattern is required", r.ID)
	}
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		return fmt.Errorf("rule %q: pattern: %w", r.ID, err)
	}
	if re.MatchString("") {
		return fmt.Errorf("rule %q: the pattern matches an empty line", r.ID)
	}
	r.re, r.nameIx = re, re.SubexpIndex("name")
	if len(r.PointsAt) > 0 && r.nameIx < 0 {
		return fmt.Errorf("rule %q: points_at needs a group named \"name\" in the pattern, (?P<name>...)", r.ID)
	}
	if r.NameSuffix != "" {
		if r.suffix, err = regexp.Compile(r.NameSuffix); err != nil {
			return fmt.Errorf("rule %q: name_suffix: %w", r.ID, err)
		}
	}
	for _, g := range r.Files {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("rule %q: files glob %q: %w", r.ID, g, err)
		}
	}
	sort.Strings(r.Providers)
	return nil
}

// appliesTo reports whether the rule runs on a file of this base name for
// sources of these providers.
func (r *Rule) appliesTo(base string, providers map[string]bool) bool {
	if len(r.Providers) > 0 {
		ok := false
		for _, p := range r.Providers {
			ok = ok || providers[p]
		}
		if !ok {
			return false
		}
	}
	if len(r.Files) == 0 {
		return true
	}
	for _, g := range r.Files {
		if m, _ := path.Match(g, base); m {
			return true
		}
	}
	return false
}

// lineOf returns the 1-based line of byte offset off.
func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}
