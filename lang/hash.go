package lang

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// hashVersion changes whenever the hash's input encoding does, so hashes
// from different encodings never compare equal by accident.
const hashVersion = "rehome-config-hash-v1"

// hash digests the configuration: the *.hcl files (name and content, in
// name order) and the resolved value of every non-sensitive variable (by
// name, as type-tagged JSON). Variables files are covered through the
// values they set, which keeps sensitive values out of the hash.
func (l *loader) hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", hashVersion)
	for _, name := range l.hclNames {
		f, ok := l.cfg.Files[name]
		if !ok {
			continue
		}
		fmt.Fprintf(h, "file %q %d\n", name, len(f.Bytes))
		h.Write(f.Bytes)
	}
	for _, name := range sortedKeys(l.cfg.Variables) {
		v := l.cfg.Variables[name]
		if v.Sensitive || v.Value.ContainsMarked() {
			continue
		}
		b, err := ctyjson.Marshal(v.Value, cty.DynamicPseudoType)
		if err != nil { // an unknown value, after an error
			b = []byte("unknown")
		}
		fmt.Fprintf(h, "var %q %d\n", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// minSecretLen is the shortest sensitive string that redactDiagnostics
// looks for: shorter ones would garble ordinary words and are not secrets
// worth the name.
const minSecretLen = 4

// redacted replaces sensitive values in diagnostic text.
const redacted = "(sensitive value)"

// addSecret records the strings and numbers in v (a sensitive value) so
// that redactDiagnostics can remove them from diagnostic text.
func (l *loader) addSecret(v cty.Value) {
	v, _ = v.UnmarkDeep()
	_ = cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if !v.IsKnown() || v.IsNull() {
			return false, nil
		}
		var s string
		switch v.Type() {
		case cty.String:
			s = v.AsString()
		case cty.Number:
			s = v.AsBigFloat().Text('f', -1)
		default:
			return true, nil
		}
		if len(s) >= minSecretLen {
			l.secrets = append(l.secrets, s)
			if q := strconv.Quote(s); q[1:len(q)-1] != s {
				l.secrets = append(l.secrets, q[1:len(q)-1]) // as %q prints it
			}
		}
		return true, nil
	})
}

// redactDiagnostics is the last line of defence for sensitive values:
// whatever produced a diagnostic (a function quoting its argument, a
// conversion error), its summary and detail never contain one.
func (l *loader) redactDiagnostics() {
	if len(l.secrets) == 0 {
		return
	}
	secrets := slices.Clone(l.secrets)
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(secrets, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range slices.Compact(secrets) {
		pairs = append(pairs, s, redacted)
	}
	r := strings.NewReplacer(pairs...)
	for _, d := range l.diags {
		d.Summary = r.Replace(d.Summary)
		d.Detail = r.Replace(d.Detail)
	}
}
