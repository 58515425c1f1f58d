package local

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/joho/godotenv"
)

// errDotenvSyntax replaces godotenv's parse errors, which quote the file's
// text (and so secret values).
var errDotenvSyntax = errors.New("invalid dotenv syntax (details withheld: the parser quotes file contents, which hold secret values)")

// parseDotenv parses a dotenv document with godotenv, without ever letting
// its text into an error.
func parseDotenv(data []byte) (map[string]string, error) {
	m, err := godotenv.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, errDotenvSyntax
	}
	return m, nil
}

// validSecretName reports whether name can be a dotenv key: letters,
// digits, '_' and '.', which is what godotenv accepts.
func validSecretName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// encodeDotenv renders secrets as a dotenv document that godotenv parses
// back to exactly the same map. Keys are sorted. Each value is written in
// the first of these forms that godotenv reads back unchanged (every
// candidate is checked by parsing it):
//
//  1. "..." with \\ \" \$ \n \r escaped (the usual form);
//  2. '...' verbatim;
//  3. "...\\"" for a value ending in a backslash (godotenv would read the
//     closing quote as escaped; the extra quote ends the value);
//  4. "...${EMPTY}" for a value ending in '"' (godotenv trims trailing
//     quote characters; EMPTY is a name defined nowhere, which expands to
//     nothing).
//
// A value none of these can carry (e.g. invalid UTF-8) is an error naming
// the secret; values never appear in errors.
func encodeDotenv(secrets map[string]string) ([]byte, error) {
	keys := slices.Sorted(maps.Keys(secrets))
	empty := "REHOME_EMPTY"
	for {
		if _, taken := secrets[empty]; !taken {
			break
		}
		empty += "_"
	}
	var b bytes.Buffer
	b.WriteString("# Secrets written by rehome. Keep this file encrypted.\n")
	for _, k := range keys {
		if !validSecretName(k) {
			return nil, fmt.Errorf("secret name %q cannot be a dotenv key (letters, digits, '_' and '.' only)", k)
		}
		v := secrets[k]
		enc, err := encodeValue(k, v, empty)
		if err != nil {
			return nil, err
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(enc)
		b.WriteByte('\n')
	}
	// Check the document as a whole, too.
	back, err := parseDotenv(b.Bytes())
	if err != nil || !maps.Equal(back, secrets) {
		return nil, errors.New("dotenv encoding does not read back unchanged")
	}
	return b.Bytes(), nil
}

func encodeValue(key, v, empty string) (string, error) {
	esc := escapeDouble(v)
	cands := []string{`"` + esc + `"`, `'` + v + `'`}
	if strings.HasSuffix(v, `\`) {
		cands = append(cands, `"`+esc+`""`)
	}
	if strings.HasSuffix(v, `"`) {
		cands = append(cands, `"`+esc+`${`+empty+`}"`)
	}
	for _, c := range cands {
		m, err := parseDotenv([]byte(key + "=" + c + "\n"))
		if err == nil && len(m) == 1 && m[key] == v {
			return c, nil
		}
	}
	return "", fmt.Errorf("secret %q: its value cannot be written as a dotenv value that reads back unchanged", key)
}

func escapeDouble(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '$':
			b.WriteString(`\$`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
