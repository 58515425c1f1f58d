package lang

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// ANSI codes used when WriteDiagnostics writes in color.
const (
	ansiRed       = "\x1b[31m"
	ansiYellow    = "\x1b[33m"
	ansiHighlight = "\x1b[1;4m"
	ansiReset     = "\x1b[0m"
)

// WriteDiagnostics writes diags for a terminal. Each diagnostic starts with
// one line in the form
//
//	Error: migration.hcl:12,3-9: Unknown environment; There is no ...
//
// ("Error: " or "Warning: " then the diagnostic as hcl.Diagnostic.Error
// formats it), followed by the source lines it points at with the subject
// underlined, and the values of the variables in the failing expression.
// A blank line separates diagnostics. With width > 0 the detail wraps at
// width columns; the location and summary are never split. files supplies the sources (Config.Files); a diagnostic
// whose file is not there is written without a snippet.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool, width uint) error {
	var b strings.Builder
	for i, d := range diags {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeDiagnostic(&b, files, d, color, int(width))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiagnostic(b *strings.Builder, files map[string]*hcl.File, d *hcl.Diagnostic, color bool, width int) {
	severity, code := "Error", ansiRed
	if d.Severity == hcl.DiagWarning {
		severity, code = "Warning", ansiYellow
	}
	head := severity + ": " + d.Summary
	if d.Subject != nil {
		head = severity + ": " + d.Subject.String() + ": " + d.Summary
	}
	line := appendDetail(head, d.Detail, width)
	if color {
		line = code + severity + ansiReset + strings.TrimPrefix(line, severity)
	}
	b.WriteString(line)
	b.WriteByte('\n')

	sn := snippetFor(files, d)
	if sn == nil {
		return
	}
	b.WriteByte('\n')
	where := fmt.Sprintf("  on %s line %d", d.Subject.Filename, d.Subject.Start.Line)
	if sn.Context != nil {
		where += ", in " + *sn.Context
	}
	b.WriteString(where + ":\n")
	for i, line := range strings.Split(sn.Code, "\n") {
		lineNo := sn.StartLine + i
		prefix := fmt.Sprintf("  %4d: ", lineNo)
		lineStart := sn.lineStarts[i]
		hs, he := clamp(sn.HighlightStartOffset-lineStart, 0, len(line)), clamp(sn.HighlightEndOffset-lineStart, 0, len(line))
		if color && he > hs {
			b.WriteString(prefix + line[:hs] + ansiHighlight + line[hs:he] + ansiReset + line[he:] + "\n")
			continue
		}
		b.WriteString(prefix + line + "\n")
		// An empty subject (a missing argument) still gets one caret.
		if !color && (he > hs || d.Subject.Empty() && lineNo == d.Subject.Start.Line) {
			// Underline the subject; tabs stay tabs so columns line up.
			pad := strings.Map(func(r rune) rune {
				if r == '\t' {
					return '\t'
				}
				return ' '
			}, line[:hs])
			n := max(utf8.RuneCountInString(line[hs:he]), 1)
			b.WriteString(strings.Repeat(" ", len(prefix)) + pad + strings.Repeat("^", n) + "\n")
		}
	}
	if len(sn.Values) > 0 {
		b.WriteByte('\n')
		for _, v := range sn.Values {
			b.WriteString("    " + v.Traversal + " " + v.Statement + "\n")
		}
	}
}

// appendDetail appends "; " and detail to head, as hcl.Diagnostic.Error
// does. With width > 0 the detail wraps at width columns onto lines
// indented by two spaces; head itself (severity, location, summary) is
// never broken, so it can be searched for. The detail's own line breaks
// are kept.
func appendDetail(head, detail string, width int) string {
	if detail == "" {
		return head
	}
	if width <= 0 {
		return head + "; " + detail
	}
	var b strings.Builder
	b.WriteString(head + ";")
	col := utf8.RuneCountInString(head) + 1
	for i, para := range strings.Split(detail, "\n") {
		atLineStart := false
		if i > 0 {
			b.WriteString("\n  ")
			col, atLineStart = 2, true
		}
		for _, word := range strings.Fields(para) {
			n := utf8.RuneCountInString(word)
			switch {
			case atLineStart:
			case col+1+n > width && col > 2:
				b.WriteString("\n  ")
				col = 2
			default:
				b.WriteByte(' ')
				col++
			}
			b.WriteString(word)
			col += n
			atLineStart = false
		}
	}
	return b.String()
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// JSONDiagnostic is a diagnostic in the shape of `terraform validate -json`.
type JSONDiagnostic struct {
	Severity string       `json:"severity"` // "error" or "warning"
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *JSONRange   `json:"range,omitempty"`
	Snippet  *JSONSnippet `json:"snippet,omitempty"`
}

// JSONRange is a source range; lines and columns count from 1, bytes
// from 0.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in a source file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// JSONSnippet is the source a diagnostic points at.
type JSONSnippet struct {
	// Context names the enclosing block, e.g. `move "storage" "assets"`;
	// null at the top level.
	Context *string `json:"context"`
	// Code holds the whole source lines covering the range, without the
	// final newline.
	Code      string `json:"code"`
	StartLine int    `json:"start_line"`
	// HighlightStartOffset and HighlightEndOffset are byte offsets into
	// Code of the diagnostic's subject.
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`
	// Values describes the variables in the failing expression; sensitive
	// values are left out.
	Values []JSONExpressionValue `json:"values"`

	lineStarts []int // offset in Code of each line, for the text writer
}

// JSONExpressionValue is one variable's value in a failing expression, e.g.
// {"traversal": "var.region", "statement": "is \"eu-central-1\""}.
type JSONExpressionValue struct {
	Traversal string `json:"traversal"`
	Statement string `json:"statement"`
}

// ValidateJSON is the document `rehome validate -json` prints.
type ValidateJSON struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
}

// ValidateFormatVersion is ValidateJSON's format_version. It changes in its
// minor part for additions and its major part for incompatible changes.
const ValidateFormatVersion = "1.0"

// NewValidateJSON summarises diags as ValidateJSON.
func NewValidateJSON(files map[string]*hcl.File, diags hcl.Diagnostics) ValidateJSON {
	v := ValidateJSON{FormatVersion: ValidateFormatVersion, Diagnostics: DiagnosticsJSON(files, diags)}
	for _, d := range diags {
		switch d.Severity {
		case hcl.DiagError:
			v.ErrorCount++
		case hcl.DiagWarning:
			v.WarningCount++
		}
	}
	v.Valid = v.ErrorCount == 0
	return v
}

// DiagnosticsJSON converts diags to their JSON form. It never returns nil,
// so an empty list encodes as [].
func DiagnosticsJSON(files map[string]*hcl.File, diags hcl.Diagnostics) []JSONDiagnostic {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if d.Subject != nil {
			jd.Range = &JSONRange{
				Filename: d.Subject.Filename,
				Start:    JSONPos{d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.Start.Byte},
				End:      JSONPos{d.Subject.End.Line, d.Subject.End.Column, d.Subject.End.Byte},
			}
			jd.Snippet = snippetFor(files, d)
		}
		out = append(out, jd)
	}
	return out
}

// snippetFor extracts the source lines d's subject (and context) cover, or
// returns nil if the source is not available.
func snippetFor(files map[string]*hcl.File, d *hcl.Diagnostic) *JSONSnippet {
	if d.Subject == nil {
		return nil
	}
	f := files[d.Subject.Filename]
	if f == nil || f.Bytes == nil {
		return nil
	}
	subject := *d.Subject
	snip := subject
	if d.Context != nil {
		snip = hcl.RangeOver(snip, *d.Context)
	}
	// An empty range still shows the line it is on.
	if snip.Empty() {
		snip.End.Byte++
		snip.End.Column++
	}

	sn := &JSONSnippet{StartLine: -1, Values: []JSONExpressionValue{}}
	var code strings.Builder
	codeStart := 0
	sc := hcl.NewRangeScanner(f.Bytes, subject.Filename, bufio.ScanLines)
	for sc.Scan() {
		lr := sc.Range()
		if !lr.Overlaps(snip) {
			if sn.StartLine >= 0 {
				break
			}
			continue
		}
		if sn.StartLine < 0 {
			sn.StartLine, codeStart = lr.Start.Line, lr.Start.Byte
		} else {
			code.WriteByte('\n')
		}
		sn.lineStarts = append(sn.lineStarts, code.Len())
		code.Write(sc.Bytes())
	}
	if sn.StartLine < 0 {
		return nil // the range is outside the file
	}
	sn.Code = code.String()
	sn.HighlightStartOffset = clamp(subject.Start.Byte-codeStart, 0, len(sn.Code))
	sn.HighlightEndOffset = clamp(subject.End.Byte-codeStart, sn.HighlightStartOffset, len(sn.Code))
	if ctx := contextString(f, subject.Start.Byte); ctx != "" {
		sn.Context = &ctx
	}
	sn.Values = expressionValues(d)
	return sn
}

// contextString names the block enclosing offset, if the file can say.
func contextString(f *hcl.File, offset int) string {
	type contextStringer interface {
		ContextString(offset int) string
	}
	if cs, ok := f.Nav.(contextStringer); ok {
		return cs.ContextString(offset)
	}
	return ""
}

// expressionValues describes the values of the variables in d's
// expression, leaving out sensitive (marked) ones.
func expressionValues(d *hcl.Diagnostic) []JSONExpressionValue {
	out := []JSONExpressionValue{}
	if d.Expression == nil || d.EvalContext == nil {
		return out
	}
	seen := map[string]bool{}
	for _, t := range d.Expression.Variables() {
		val, diags := t.TraverseAbs(d.EvalContext)
		if diags.HasErrors() || !val.IsWhollyKnown() || val.ContainsMarked() {
			continue
		}
		name := traversalString(t)
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, JSONExpressionValue{Traversal: name, Statement: valueStatement(val)})
	}
	slices.SortFunc(out, func(a, b JSONExpressionValue) int { return strings.Compare(a.Traversal, b.Traversal) })
	return out
}

// traversalString renders a traversal such as var.zones[0].
func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type().IsPrimitiveType() && s.Key.IsKnown() && !s.Key.IsNull() {
				b.WriteString("[" + shortValue(s.Key) + "]")
			} else {
				b.WriteString("[...]")
			}
		}
	}
	return b.String()
}

// valueStatement describes val briefly: `is "eu-central-1"`, `is a list of
// string with 3 elements`.
func valueStatement(val cty.Value) string {
	ty := val.Type()
	switch {
	case val.IsNull():
		return "is null"
	case ty.IsPrimitiveType():
		return "is " + shortValue(val)
	case ty.IsCollectionType() || ty.IsTupleType():
		switch n := val.LengthInt(); n {
		case 0:
			return "is empty " + ty.FriendlyName()
		case 1:
			return "is " + ty.FriendlyName() + " with 1 element"
		default:
			return fmt.Sprintf("is %s with %d elements", ty.FriendlyName(), n)
		}
	case ty.IsObjectType():
		return fmt.Sprintf("is object with %d attributes", len(ty.AttributeTypes()))
	}
	return "is " + ty.FriendlyName()
}

// shortValue renders a known, non-null primitive value.
func shortValue(v cty.Value) string {
	switch v.Type() {
	case cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case cty.Number:
		return v.AsBigFloat().Text('g', 10)
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return v.Type().FriendlyName()
}
