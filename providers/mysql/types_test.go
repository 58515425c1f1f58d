package mysql

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rehome/rehome/providers"
)

func strp(s string) *string { return &s }

// TestTranslateColumnMySQL8 covers MySQL 8's spellings, which the test
// machines cannot run: display widths gone (except tinyint(1)), a native
// JSON type, bare literal defaults, DEFAULT_GENERATED expressions,
// utf8mb4_0900 collations.
func TestTranslateColumnMySQL8(t *testing.T) {
	type ct = providers.ColumnType
	tests := []struct {
		name string
		in   columnInfo
		want providers.Column
		read readKind
	}{
		{"int without width", columnInfo{Name: "c", DataType: "int", ColumnType: "int"},
			providers.Column{Name: "c", Type: ct{Base: "int32", Native: "int"}}, readInt},
		{"tinyint(1) kept as bool", columnInfo{Name: "c", DataType: "tinyint", ColumnType: "tinyint(1)", Default: strp("1")},
			providers.Column{Name: "c", Type: ct{Base: "bool", Native: "tinyint(1)"}, Default: "1"}, readBool},
		{"tinyint is not bool", columnInfo{Name: "c", DataType: "tinyint", ColumnType: "tinyint"},
			providers.Column{Name: "c", Type: ct{Base: "int16", Native: "tinyint"}}, readInt},
		{"tinyint(10) is not bool", columnInfo{Name: "c", DataType: "tinyint", ColumnType: "tinyint(10)"},
			providers.Column{Name: "c", Type: ct{Base: "int16", Native: "tinyint(10)"}}, readInt},
		{"bigint unsigned auto_increment", columnInfo{Name: "id", DataType: "bigint", ColumnType: "bigint unsigned", Extra: "auto_increment"},
			providers.Column{Name: "id", Type: ct{Base: "int64", Unsigned: true, Native: "bigint unsigned"}, AutoIncrement: true, Identity: true}, readUint64},
		{"int unsigned zerofill", columnInfo{Name: "c", DataType: "int", ColumnType: "int(8) unsigned zerofill"},
			providers.Column{Name: "c", Type: ct{Base: "int32", Unsigned: true, Native: "int(8) unsigned zerofill"}}, readInt},
		{"native json", columnInfo{Name: "doc", DataType: "json", ColumnType: "json", Nullable: true},
			providers.Column{Name: "doc", Type: ct{Base: "json", Native: "json"}, Nullable: true}, readText},
		{"bare string literal", columnInfo{Name: "s", DataType: "varchar", ColumnType: "varchar(20)", CharLen: 20, Default: strp("it's"), Collation: "utf8mb4_0900_ai_ci"},
			providers.Column{Name: "s", Type: ct{Base: "varchar", Length: 20, Native: "varchar(20)"}, Default: "'it''s'", Collation: "utf8mb4_0900_ai_ci", CaseInsensitive: true}, readText},
		{"empty string literal", columnInfo{Name: "s", DataType: "char", ColumnType: "char(2)", CharLen: 2, Default: strp(""), Collation: "utf8mb4_0900_as_cs"},
			providers.Column{Name: "s", Type: ct{Base: "char", Length: 2, Native: "char(2)"}, Default: "''", Collation: "utf8mb4_0900_as_cs"}, readText},
		{"bare number literal", columnInfo{Name: "n", DataType: "decimal", ColumnType: "decimal(5,2)", Precision: 5, Scale: 2, Default: strp("1.50")},
			providers.Column{Name: "n", Type: ct{Base: "decimal", Precision: 5, Scale: 2, Native: "decimal(5,2)"}, Default: "1.50"}, readDecimal},
		{"expression default", columnInfo{Name: "u", DataType: "binary", ColumnType: "binary(16)", CharLen: 16, Default: strp("uuid_to_bin(uuid())"), Extra: "DEFAULT_GENERATED"},
			providers.Column{Name: "u", Type: ct{Base: "bytes", Length: 16, Native: "binary(16)"}, Default: "uuid_to_bin(uuid())"}, readBytes},
		{"current timestamp with on update", columnInfo{Name: "at", DataType: "timestamp", ColumnType: "timestamp(6)", DTPrec: 6, Default: strp("CURRENT_TIMESTAMP(6)"), Extra: "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)"},
			providers.Column{Name: "at", Type: ct{Base: "timestamptz", Precision: 6, Native: "timestamp(6)"}, Default: "CURRENT_TIMESTAMP(6)"}, readDateTime},
		{"date literal", columnInfo{Name: "d", DataType: "date", ColumnType: "date", Default: strp("2000-01-01")},
			providers.Column{Name: "d", Type: ct{Base: "date", Native: "date"}, Default: "'2000-01-01'"}, readDate},
		{"no default", columnInfo{Name: "d", DataType: "datetime", ColumnType: "datetime", Nullable: true},
			providers.Column{Name: "d", Type: ct{Base: "timestamp", Native: "datetime"}, Nullable: true}, readDateTime},
		{"virtual generated", columnInfo{Name: "g", DataType: "int", ColumnType: "int", Extra: "VIRTUAL GENERATED", GenExpr: "(`a` * 2)", Nullable: true},
			providers.Column{Name: "g", Type: ct{Base: "int32", Native: "int"}, Nullable: true, Generated: "`a` * 2"}, readInt},
		{"generated with a literal", columnInfo{Name: "full", DataType: "varchar", ColumnType: "varchar(50)", CharLen: 50, Extra: "STORED GENERATED", GenExpr: `concat(` + "`a`" + `,_utf8mb4\' \',` + "`b`" + `)`, Nullable: true, Collation: "utf8mb4_0900_ai_ci"},
			providers.Column{Name: "full", Type: ct{Base: "varchar", Length: 50, Native: "varchar(50)"}, Nullable: true, Generated: "concat(`a`,' ',`b`)", GeneratedStored: true, Collation: "utf8mb4_0900_ai_ci", CaseInsensitive: true}, readText},
		{"stored generated", columnInfo{Name: "g", DataType: "varchar", ColumnType: "varchar(10)", CharLen: 10, Extra: "STORED GENERATED", GenExpr: "lower(`s`)", Collation: "utf8mb4_bin"},
			providers.Column{Name: "g", Type: ct{Base: "varchar", Length: 10, Native: "varchar(10)"}, Generated: "lower(`s`)", GeneratedStored: true, Collation: "utf8mb4_bin"}, readText},
		{"bit default", columnInfo{Name: "b", DataType: "bit", ColumnType: "bit(4)", Precision: 4, Default: strp("b'1010'")},
			providers.Column{Name: "b", Type: ct{Base: "bytes", Length: 4, Native: "bit(4)"}, Default: "b'1010'"}, readBytes},
		{"enum with quotes", columnInfo{Name: "e", DataType: "enum", ColumnType: "enum('a','it''s','x,y','')", Default: strp("a"), Collation: "utf8mb4_0900_ai_ci"},
			providers.Column{Name: "e", Type: ct{Base: "enum", Enum: []string{"a", "it's", "x,y", ""}, Native: "enum('a','it''s','x,y','')"}, Default: "'a'", Collation: "utf8mb4_0900_ai_ci", CaseInsensitive: true}, readEnum},
		{"geometry", columnInfo{Name: "g", DataType: "geomcollection", ColumnType: "geomcollection"},
			providers.Column{Name: "g", Type: ct{Base: "other", Native: "geomcollection"}}, readBytes},
		{"year", columnInfo{Name: "y", DataType: "year", ColumnType: "year", Default: strp("2024")},
			providers.Column{Name: "y", Type: ct{Base: "int16", Native: "year"}, Default: "2024"}, readInt},
		{"float", columnInfo{Name: "f", DataType: "float", ColumnType: "float"},
			providers.Column{Name: "f", Type: ct{Base: "float32", Native: "float"}}, readFloat32},
		{"mediumblob", columnInfo{Name: "m", DataType: "mediumblob", ColumnType: "mediumblob"},
			providers.Column{Name: "m", Type: ct{Base: "bytes", Native: "mediumblob"}}, readBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rk := translateColumn(tt.in, false)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("column (-want +got):\n%s", d)
			}
			if rk != tt.read {
				t.Errorf("read kind = %d, want %d", rk, tt.read)
			}
		})
	}
}

func TestTranslateDefaultMariaDB(t *testing.T) {
	tests := []struct {
		in, dataType, want string
	}{
		{"NULL", "int", ""},
		{"'NULL'", "varchar", "'NULL'"},
		{"'abc'", "varchar", "'abc'"},
		{"current_timestamp()", "datetime", "CURRENT_TIMESTAMP"},
		{"current_timestamp(6)", "datetime", "CURRENT_TIMESTAMP(6)"},
		{"now()", "timestamp", "CURRENT_TIMESTAMP"},
		{"uuid()", "uuid", "uuid()"},
		{"0", "int", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := translateDefault(columnInfo{DataType: tt.dataType, Default: strp(tt.in)}, true)
			if got != tt.want {
				t.Errorf("default %q = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPartitionClause(t *testing.T) {
	tests := []struct{ name, create, want string }{
		{"mysql version comment",
			"CREATE TABLE `t` (\n  `y` int NOT NULL\n) ENGINE=InnoDB\n/*!50100 PARTITION BY RANGE (`y`)\n(PARTITION p0 VALUES LESS THAN (2000) ENGINE = InnoDB) */",
			"PARTITION BY RANGE (`y`)\n(PARTITION p0 VALUES LESS THAN (2000) ENGINE = InnoDB)"},
		{"mariadb", "CREATE TABLE `t` (\n `y` int(11) NOT NULL\n) ENGINE=InnoDB\n PARTITION BY HASH (`y`)\nPARTITIONS 4",
			"PARTITION BY HASH (`y`)\nPARTITIONS 4"},
		{"none", "CREATE TABLE `t` (`y` int)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := partitionClause(tt.create); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConvertValues(t *testing.T) {
	tests := []struct {
		name string
		v    any
		rk   readKind
		t    providers.ColumnType
		want any
	}{
		{"bigint unsigned above int64 (driver digits)", []byte("18446744073709551615"), readUint64, providers.ColumnType{}, uint64(18446744073709551615)},
		{"float32 widened exactly", float32(0.1), readFloat32, providers.ColumnType{}, float64(float32(0.1))},
		{"invalid utf-8", []byte{0xff, 'a'}, readText, providers.ColumnType{}, providers.BadValue{Raw: "x'ff61'", Reason: "invalid UTF-8"}},
		{"enum member", []byte("a"), readEnum, providers.ColumnType{Enum: []string{"a"}}, "a"},
		{"empty enum member allowed", []byte(""), readEnum, providers.ColumnType{Enum: []string{"a", ""}}, ""},
		{"zero in date", []byte("2024-00-10"), readDate, providers.ColumnType{}, providers.BadValue{Raw: "2024-00-10", Reason: "invalid date"}},
		{"zero datetime with fraction", []byte("0000-00-00 00:00:00.000000"), readDateTime, providers.ColumnType{}, providers.BadValue{Raw: "0000-00-00 00:00:00.000000", Reason: "zero date"}},
		{"datetime fraction", []byte("2024-05-06 07:08:09.123456"), readDateTime, providers.ColumnType{}, utc(2024, 5, 6, 7, 8, 9, 123456000)},
		{"time of day", []byte("07:08:09.5"), readTime, providers.ColumnType{}, utc(1, 1, 1, 7, 8, 9, 500000000)},
		{"bit(1) zero", []byte{0}, readBit1, providers.ColumnType{}, false},
		{"tinyint(1) -1", int64(-1), readBool, providers.ColumnType{}, providers.BadValue{Raw: "-1", Reason: "tinyint(1) value other than 0 or 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convert(tt.v, tt.rk, tt.t)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if _, err := convert("text", readInt, providers.ColumnType{Native: "int"}); err == nil {
		t.Error("a string for an int column converted without error")
	}
}

func TestMySQLExpr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"(`total` >= 0)", "`total` >= 0"},
		{`(json_type(` + "`paths`" + `) = _utf8mb4\'ARRAY\')`, "json_type(`paths`) = 'ARRAY'"},
		{`(` + "`s`" + ` in (_utf8mb4\'a\',_utf8mb4\'it\'\'s\'))`, "`s` in ('a','it''s')"},
		{"(`a` > 0) and (`b` > 0)", "(`a` > 0) and (`b` > 0)"},
		{`concat(` + "`first`" + `,_utf8mb4\' \',` + "`last`" + `)`, "concat(`first`,' ',`last`)"},
		{`(` + "`p`" + ` like _utf8mb4\'%\\\\_%\')`, "`p` like '%\\\\_%'"},
		{"(`my_utf8mb4` = 1)", "`my_utf8mb4` = 1"},
		{`(_binary\'ab\' = ` + "`b`" + `)`, "_binary'ab' = `b`"},
		{"((`a` + 1) * 2 > 0)", "(`a` + 1) * 2 > 0"},
		{"`x` = ')('", "`x` = ')('"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := mysqlExpr(tt.in); got != tt.want {
				t.Errorf("mysqlExpr(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
