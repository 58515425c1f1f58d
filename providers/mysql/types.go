package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rehome/rehome/providers"
)

// columnInfo is one row of information_schema.COLUMNS, as both MySQL and
// MariaDB spell it.
type columnInfo struct {
	Table      string
	Name       string
	DataType   string // DATA_TYPE: int, varchar, longtext, ...
	ColumnType string // COLUMN_TYPE: int(10) unsigned, enum('a','b'), ...
	CharLen    int64  // CHARACTER_MAXIMUM_LENGTH (characters), 0 none
	Precision  int64  // NUMERIC_PRECISION (digits; bits for bit)
	Scale      int64  // NUMERIC_SCALE
	DTPrec     int64  // DATETIME_PRECISION
	Charset    string
	Collation  string
	Default    *string // COLUMN_DEFAULT; nil is SQL NULL
	Nullable   bool
	Extra      string
	Comment    string
	GenExpr    string
	// JSONCheck: MariaDB's JSON is LONGTEXT with CHECK (json_valid(col)).
	JSONCheck bool
}

// readKind says how ReadRows turns the driver's value of a column into
// its portable Go value.
type readKind uint8

const (
	readInt      readKind = iota // int64
	readBool                     // tinyint(1): 0/1 -> bool, anything else a BadValue
	readUint64                   // bigint unsigned -> uint64
	readFloat32                  // float: float64 of the stored float32
	readFloat64                  // double
	readDecimal                  // decimal: its text
	readText                     // char, varchar, text, json, enum, set: string, valid UTF-8
	readEnum                     // enum: string, '' (an invalid value stored by a lax sql_mode) a BadValue
	readBytes                    // binary, blob, bit(n>1), spatial: []byte
	readBit1                     // bit(1) -> bool
	readDate                     // date -> time.Time at midnight UTC
	readDateTime                 // datetime, timestamp -> time.Time in UTC
	readTime                     // time -> time.Time on 0001-01-01 UTC (time.Time{} plus the clock)
)

// spatialTypes are the geometry types of MySQL and MariaDB.
var spatialTypes = map[string]bool{
	"geometry": true, "point": true, "linestring": true, "polygon": true, "multipoint": true,
	"multilinestring": true, "multipolygon": true, "geometrycollection": true, "geomcollection": true,
}

// translateType maps a MySQL/MariaDB column to its portable type and the
// way its values are read. The table is in doc.go.
func translateType(c columnInfo) (providers.ColumnType, readKind) {
	ct := strings.ToLower(strings.TrimSpace(c.ColumnType))
	dt := strings.ToLower(strings.TrimSpace(c.DataType))
	unsigned := strings.Contains(ct, " unsigned")
	t := providers.ColumnType{Native: c.ColumnType, Unsigned: unsigned}
	switch dt {
	case "tinyint":
		if strings.HasPrefix(ct, "tinyint(1)") {
			t.Base = "bool"
			return t, readBool
		}
		t.Base = "int16" // the narrowest portable integer; 8 bits either way
		return t, readInt
	// Base is the source's width and Unsigned says the range starts at 0:
	// a destination without unsigned types widens (int unsigned to a
	// 64-bit integer, bigint unsigned to numeric(20,0)) and checks >= 0.
	case "smallint":
		t.Base = "int16"
		return t, readInt
	case "mediumint": // 24 bits
		t.Base = "int32"
		return t, readInt
	case "int", "integer":
		t.Base = "int32"
		return t, readInt
	case "bigint":
		t.Base = "int64"
		if unsigned {
			return t, readUint64
		}
		return t, readInt
	case "float":
		t.Base = "float32"
		return t, readFloat32
	case "double", "double precision", "real":
		t.Base = "float64"
		return t, readFloat64
	case "decimal", "numeric", "dec", "fixed":
		t.Base, t.Precision, t.Scale = "decimal", int(c.Precision), int(c.Scale)
		return t, readDecimal
	case "char":
		t.Base, t.Length = "char", int(c.CharLen)
		return t, readText
	case "varchar":
		t.Base, t.Length = "varchar", int(c.CharLen)
		return t, readText
	case "tinytext", "text", "mediumtext", "longtext":
		if c.JSONCheck {
			t.Base = "json"
			return t, readText
		}
		t.Base = "text"
		return t, readText
	case "json":
		t.Base = "json"
		return t, readText
	case "binary", "varbinary":
		t.Base, t.Length = "bytes", int(c.CharLen)
		return t, readBytes
	case "tinyblob", "blob", "mediumblob", "longblob":
		t.Base = "bytes"
		return t, readBytes
	case "bit":
		if c.Precision == 1 {
			t.Base = "bool"
			return t, readBit1
		}
		t.Base, t.Length = "bytes", int(c.Precision) // Length in bits
		return t, readBytes
	case "date":
		t.Base = "date"
		return t, readDate
	case "datetime":
		t.Base, t.Precision = "timestamp", int(c.DTPrec)
		return t, readDateTime
	case "timestamp":
		t.Base, t.Precision = "timestamptz", int(c.DTPrec)
		return t, readDateTime
	case "time":
		t.Base, t.Precision = "time", int(c.DTPrec)
		return t, readTime
	case "year":
		t.Base = "int16"
		return t, readInt
	case "enum":
		t.Base, t.Enum = "enum", parseValueList(c.ColumnType)
		return t, readEnum
	case "set":
		t.Base = "text" // a comma-separated list of members; see doc.go
		return t, readText
	case "uuid": // MariaDB 10.7+
		t.Base = "uuid"
		return t, readText
	case "inet4", "inet6": // MariaDB 10.10+: text form, PostgreSQL inet holds it exactly
		t.Base = "other"
		return t, readText
	}
	t.Base = "other" // spatial types (WKB with SRID prefix), anything new
	return t, readBytes
}

// parseValueList reads the members of enum('a','b”c') or set(...), as
// COLUMN_TYPE quotes them: single quotes, a quote doubled.
func parseValueList(columnType string) []string {
	open := strings.IndexByte(columnType, '(')
	if open < 0 {
		return nil
	}
	s := columnType[open+1:]
	var out []string
	for {
		s = strings.TrimLeft(s, " ,")
		if s == "" || s[0] != '\'' {
			return out
		}
		var b strings.Builder
		i := 1
		for i < len(s) {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				break
			}
			b.WriteByte(s[i])
			i++
		}
		out = append(out, b.String())
		if i >= len(s) {
			return out
		}
		s = s[i+1:]
	}
}

// isTextType reports whether the portable type compares by collation.
func isTextType(dataType string) bool {
	switch strings.ToLower(dataType) {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		return true
	}
	return false
}

// caseInsensitive reports whether a collation ignores case: every *_ci
// collation (utf8mb4_general_ci, utf8mb4_0900_ai_ci,
// utf8mb4_uca1400_ai_ci, latin1_swedish_ci), not _bin, _cs, _as_cs.
func caseInsensitive(collation string) bool {
	return strings.HasSuffix(strings.ToLower(collation), "_ci")
}

// translateDefault turns COLUMN_DEFAULT into an SQL expression ("" for
// none). MariaDB (10.2.7+) already prints an expression: literals quoted,
// NULL as the word NULL, functions as calls. MySQL prints literals bare and
// marks expressions with DEFAULT_GENERATED in EXTRA. CURRENT_TIMESTAMP
// comes out as CURRENT_TIMESTAMP or CURRENT_TIMESTAMP(n) from both.
func translateDefault(c columnInfo, mariadb bool) string {
	if c.Default == nil {
		return ""
	}
	d := strings.TrimSpace(*c.Default)
	if ts, ok := currentTimestamp(d); ok {
		return ts
	}
	if mariadb {
		if strings.EqualFold(d, "NULL") {
			return ""
		}
		return d
	}
	extra := strings.ToUpper(c.Extra)
	if strings.Contains(extra, "DEFAULT_GENERATED") {
		return d // an expression default (MySQL 8.0.13+)
	}
	switch strings.ToLower(c.DataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "float", "double", "real", "decimal", "numeric", "year":
		if _, err := strconv.ParseFloat(d, 64); err == nil {
			return d
		}
	case "bit":
		if strings.HasPrefix(d, "b'") {
			return d
		}
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(d, `\`, `\\`), "'", "''") + "'"
}

// currentTimestamp recognises the spellings of the current time as a
// default (current_timestamp(), CURRENT_TIMESTAMP(6), now(), localtime...).
func currentTimestamp(d string) (string, bool) {
	l := strings.ToLower(d)
	for _, name := range []string{"current_timestamp", "now", "localtimestamp", "localtime"} {
		if !strings.HasPrefix(l, name) {
			continue
		}
		rest := l[len(name):]
		if rest == "" || rest == "()" {
			return "CURRENT_TIMESTAMP", true
		}
		if len(rest) >= 3 && rest[0] == '(' && rest[len(rest)-1] == ')' {
			n, err := strconv.Atoi(rest[1 : len(rest)-1])
			if err == nil && n >= 0 && n <= 6 {
				if n == 0 {
					return "CURRENT_TIMESTAMP", true
				}
				return fmt.Sprintf("CURRENT_TIMESTAMP(%d)", n), true
			}
		}
	}
	return "", false
}

// onUpdate returns the ON UPDATE clause of EXTRA ("" none), normalised:
// ON UPDATE CURRENT_TIMESTAMP(n).
func onUpdate(extra string) string {
	l := strings.ToLower(extra)
	i := strings.Index(l, "on update ")
	if i < 0 {
		return ""
	}
	expr := strings.TrimSpace(extra[i+len("on update "):])
	if f := strings.Fields(expr); len(f) > 0 {
		expr = f[0]
	}
	if ts, ok := currentTimestamp(expr); ok {
		expr = ts
	}
	return "ON UPDATE " + expr
}

// generated returns whether EXTRA marks a generated column and whether it
// is stored: VIRTUAL GENERATED, STORED GENERATED (MariaDB also says
// PERSISTENT). MySQL's DEFAULT_GENERATED is an expression default, not a
// generated column.
func generated(extra string) (gen, stored bool) {
	u := strings.ToUpper(extra)
	switch {
	case strings.Contains(u, "STORED GENERATED"), strings.Contains(u, "PERSISTENT GENERATED"):
		return true, true
	case strings.Contains(u, "VIRTUAL GENERATED"):
		return true, false
	}
	return false, false
}

// translateColumn builds the portable column.
func translateColumn(c columnInfo, mariadb bool) (providers.Column, readKind) {
	t, rk := translateType(c)
	col := providers.Column{
		Name:     c.Name,
		Type:     t,
		Nullable: c.Nullable,
		Comment:  c.Comment,
	}
	if isTextType(c.DataType) && !c.JSONCheck {
		col.Collation = c.Collation
		col.CaseInsensitive = caseInsensitive(c.Collation)
	}
	if gen, stored := generated(c.Extra); gen {
		col.Generated, col.GeneratedStored = c.GenExpr, stored
		if !mariadb {
			col.Generated = mysqlExpr(c.GenExpr)
		}
	} else {
		col.Default = translateDefault(c, mariadb)
	}
	if strings.Contains(strings.ToLower(c.Extra), "auto_increment") {
		col.AutoIncrement, col.Identity = true, true
	}
	return col, rk
}

// mysqlExpr undoes what MySQL 8's information_schema does to a check
// clause or generation expression: it escapes the text once more
// (_utf8mb4\'a\' for _utf8mb4'a'), puts charset introducers before
// string literals, and wraps a check in parentheses. What comes out is
// the expression as written: (`s` in (_utf8mb4\'a\')) becomes `s` in ('a').
// MariaDB prints expressions as written already.
func mysqlExpr(s string) string {
	// One level of backslash escaping, outside nothing: MySQL applied it
	// to the whole text.
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '\\') {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	s = b.String()
	// Charset introducers on literals; outside string literals only.
	b.Reset()
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(s[i+1])
				i++
			} else if c == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
				} else {
					inStr = false
				}
			}
			continue
		}
		if c == '_' && (i == 0 || !isIdentByte(s[i-1])) {
			skipped := false
			for _, cs := range []string{"utf8mb4", "utf8mb3", "utf8", "latin1", "ascii"} {
				if strings.HasPrefix(s[i+1:], cs+"'") {
					i += len(cs) // the quote comes next
					skipped = true
					break
				}
			}
			if skipped {
				continue
			}
		}
		if c == '\'' {
			inStr = true
		}
		b.WriteByte(c)
	}
	return stripOuterParens(b.String())
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c == '`' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// stripOuterParens removes parentheses that enclose the whole expression.
func stripOuterParens(s string) string {
	for len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		depth, inStr, inIdent := 0, false, false
		closesAtEnd := true
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case inStr:
				if c == '\\' {
					i++
				} else if c == '\'' {
					inStr = false
				}
			case inIdent:
				if c == '`' {
					inIdent = false
				}
			case c == '\'':
				inStr = true
			case c == '`':
				inIdent = true
			case c == '(':
				depth++
			case c == ')':
				depth--
				if depth == 0 && i != len(s)-1 {
					closesAtEnd = false
				}
			}
			if !closesAtEnd {
				break
			}
		}
		if !closesAtEnd {
			return s
		}
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}
