package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestZoneParseErrorsInPlainWords: a bad zone file is named once with its
// line and column, and the problem is said in plain words.
func TestZoneParseErrorsInPlainWords(t *testing.T) {
	head := "$TTL 300\n@ IN SOA ns1.example.com. h.example.com. 1 2 3 4 5\n@ IN NS ns1.example.com.\n"
	for line, want := range map[string]string{
		"www IN AA 1.2.3.4":            `:4:10: unknown record type "AA"`,
		"www IN A 1.2.3.4.5":           `:4:18: A record with bad data: "1.2.3.4.5"`,
		"www IN MX mail.example.com.":  `:4:27: MX record with bad data (the preference): "mail.example.com."`,
		"www IN A 1.2.3.4 extra":       `:4:22: unexpected text after the record's data: "extra"`,
		"www IN CNAME a..example.com.": `:4:`,
	} {
		path := filepath.Join(t.TempDir(), "example.com.zone")
		if err := os.WriteFile(path, []byte(head+line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readZone(context.Background(), "example.com.", path)
		if err == nil {
			t.Errorf("%q: no error", line)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, path+want) || strings.Count(msg, path) != 1 || strings.Contains(msg, "at line") || strings.Contains(msg, "dns: ") {
			t.Errorf("%q: error %q, want the path once and %q", line, msg, want)
		}
	}
}
