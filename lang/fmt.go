package lang

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/pmezard/go-difflib/difflib"
)

// FormatSource returns src in canonical HCL style. It refuses (returning
// the parse diagnostics, with filename in their ranges) to format a file
// that does not parse, since the formatter would otherwise guess.
func FormatSource(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	_, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), diags
}

// FormatResult is one file FormatDir looked at.
type FormatResult struct {
	// Path is relative to the directory given to FormatDir, with slashes.
	Path string
	Old  []byte
	// New is the formatted source; nil if the file does not parse.
	New     []byte
	Changed bool
	// Diags holds the file's syntax errors, if any; such a file is left
	// alone (Changed is false).
	Diags hcl.Diagnostics
}

// FormatDir formats every *.hcl and *.rehomevars file in dir (and, if
// recursive, below it, skipping hidden directories such as .rehome), in
// lexical order. It writes nothing: the caller decides whether to write
// New, print a diff or fail a check. The error is for I/O problems; syntax
// errors are per file, in FormatResult.Diags.
func FormatDir(dir string, recursive bool) ([]FormatResult, error) {
	var results []FormatResult
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == dir {
				return nil
			}
			if !recursive || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, configSuffix) || strings.HasSuffix(name, varsSuffix)) {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("format: %w", err)
		}
		r := FormatResult{Path: rel, Old: src}
		r.New, r.Diags = FormatSource(src, rel)
		r.Changed = r.New != nil && !bytes.Equal(r.Old, r.New)
		results = append(results, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("format %s: %w", dir, err)
	}
	return results, nil
}

// SourceFiles maps the results' paths to their sources, for
// WriteDiagnostics and DiagnosticsJSON to show snippets of syntax errors.
func SourceFiles(results []FormatResult) map[string]*hcl.File {
	files := make(map[string]*hcl.File, len(results))
	for _, r := range results {
		files[r.Path] = &hcl.File{Bytes: r.Old}
	}
	return files
}

// UnifiedDiff returns a unified diff from old to new, with file names
// old/path and new/path, or "" if they are equal.
func UnifiedDiff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	// The diff is written to memory, which cannot fail.
	diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        splitLines(old),
		B:        splitLines(new),
		FromFile: "old/" + path,
		ToFile:   "new/" + path,
		Context:  3,
	})
	return diff
}

// splitLines splits src into lines that each end in a newline, as difflib
// wants them (its SplitLines adds an empty line after a final newline).
func splitLines(src []byte) []string {
	if len(src) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(src), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}
