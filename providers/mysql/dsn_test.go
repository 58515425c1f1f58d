package mysql

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

func TestParseURL(t *testing.T) {
	const fixed = "&net_write_timeout=600&time_zone=%27%2B00%3A00%27"
	tests := []struct {
		name     string
		url      string
		dsn      string // FormatDSN of the result
		identity string
	}{
		{"plain", "mysql://app:s3cret@db.example.com:3307/shop",
			"app:s3cret@tcp(db.example.com:3307)/shop?charset=utf8mb4" + fixed, "mysql://db.example.com:3307/shop"},
		{"default port, no database", "mysql://root@127.0.0.1",
			"root@tcp(127.0.0.1:3306)/?charset=utf8mb4" + fixed, "mysql://127.0.0.1:3306"},
		{"trailing slash", "mysql://root@127.0.0.1:3306/",
			"root@tcp(127.0.0.1:3306)/?charset=utf8mb4" + fixed, "mysql://127.0.0.1:3306"},
		{"escaped password", "mysql://app:p%40ss%3Aw%2Frd@localhost/shop",
			"app:p@ss:w/rd@tcp(localhost:3306)/shop?charset=utf8mb4" + fixed, "mysql://localhost:3306/shop"},
		{"mariadb scheme", "mariadb://u:p@h/d", "u:p@tcp(h:3306)/d?charset=utf8mb4" + fixed, "mysql://h:3306/d"},
		{"ipv6", "mysql://u:p@[::1]:3306/d", "u:p@tcp([::1]:3306)/d?charset=utf8mb4" + fixed, "mysql://[::1]:3306/d"},
		{"parameters", "mysql://u:p@h/d?tls=skip-verify&timeout=5s&readTimeout=1m&collation=utf8mb4_unicode_ci&maxAllowedPacket=1048576",
			"u:p@tcp(h:3306)/d?charset=utf8mb4&collation=utf8mb4_unicode_ci&readTimeout=1m0s&timeout=5s&tls=skip-verify&maxAllowedPacket=1048576" + fixed,
			"mysql://h:3306/d"},
		{"socket", "mysql://u:p@/d?socket=/run/mysqld/mysqld.sock",
			"u:p@unix(/run/mysqld/mysqld.sock)/d?charset=utf8mb4" + fixed, "mysql://unix:/run/mysqld/mysqld.sock/d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseURL(tt.url)
			if err != nil {
				t.Fatalf("parseURL: %v", err)
			}
			if got := c.cfg.FormatDSN(); got != tt.dsn {
				t.Errorf("DSN\n got %s\nwant %s", got, tt.dsn)
			}
			p := &Provider{conn: c}
			if got := p.Identity(); got != tt.identity {
				t.Errorf("Identity = %q, want %q", got, tt.identity)
			}
			if c.cfg.ParseTime || c.cfg.InterpolateParams || c.cfg.Loc.String() != "UTC" {
				t.Errorf("fixed settings changed: parseTime=%v interpolateParams=%v loc=%v", c.cfg.ParseTime, c.cfg.InterpolateParams, c.cfg.Loc)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	const pw = "Hunter2Secret"
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"empty", "", "the url is empty"},
		{"scheme", "postgres://u:" + pw + "@h/d", `scheme "postgres"`},
		{"no user", "mysql://h/d", "names no user"},
		{"no host", "mysql://u:" + pw + "@/d", "names no host"},
		{"bad port", "mysql://u:" + pw + "@h:99999/d", `port "99999"`},
		{"two path parts", "mysql://u:" + pw + "@h/d/e", "at most one database"},
		{"unknown parameter", "mysql://u:" + pw + "@h/d?sslmode=require", `unknown parameter "sslmode"`},
		{"fixed parameter", "mysql://u:" + pw + "@h/d?parseTime=true", `"parseTime" cannot be set`},
		{"bad tls", "mysql://u:" + pw + "@h/d?tls=maybe", `tls="maybe"`},
		{"bad duration", "mysql://u:" + pw + "@h/d?timeout=soon", `timeout="soon"`},
		{"non-utf8mb4 collation", "mysql://u:" + pw + "@h/d?collation=latin1_swedish_ci", "want a utf8mb4 collation"},
		{"not a URL", "mysql://u:" + pw + "@h:port%zz/d", "not a URL"},
		{"missing slashes", "mysql:u:" + pw + "@h/d", "the // after mysql: is missing"},
		{"host and socket", "mysql://u:" + pw + "@h/d?socket=/tmp/s", "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseURL(tt.url)
			if err == nil {
				t.Fatal("parseURL succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error shows the password: %q", err)
			}
		})
	}
}

func TestConfigureNamesTheAttribute(t *testing.T) {
	p := Factory().New()
	err := p.Configure(context.Background(), providers.Config{
		Value: cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal("mysql://u:TopSecret1@h/d?x=1").Mark("sensitive")}),
	})
	var ae *providers.AttrError
	if !errors.As(err, &ae) || ae.Attr != "url" {
		t.Fatalf("Configure error = %v, want an AttrError on url", err)
	}
	if strings.Contains(err.Error(), "TopSecret1") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestConnectErrorHidesPassword(t *testing.T) {
	// A server that refuses the password: the driver's error must not
	// carry it, nor the URL.
	const pw = "WrongPassw0rd"
	p := configured(t, "mysql://nobody_rehome:"+pw+"@"+serverAddr+"/")
	_, err := p.Databases(context.Background())
	if err == nil {
		t.Skip("the server let an unknown user in")
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "mysql://"+serverAddr) {
		t.Errorf("error does not name the server: %v", err)
	}
}

func TestDriverLogGoesToTheRunLog(t *testing.T) {
	var buf strings.Builder
	p := Factory().New().(*Provider)
	err := p.Configure(context.Background(), providers.Config{
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Value:  cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal("mysql://u:Pw-Secret-9@h/d")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	p.conn.cfg.Logger.Print("closing bad idle connection: ", "dial u:Pw-Secret-9@h")
	if !strings.Contains(buf.String(), "closing bad idle connection") || strings.Contains(buf.String(), "Pw-Secret-9") {
		t.Errorf("log = %q", buf.String())
	}
}

func TestPadChar(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, "   "},
		{"ab", 4, "ab  "},
		{"😀", 2, "😀 "}, // characters, not bytes
		{"abc", 3, "abc"},
		{"abcd", 3, "abcd"},
		{"", 0, ""},
		{"x", 300, "x" + strings.Repeat(" ", 299)}, // past the cached padding
	} {
		if got := padChar(tt.s, tt.n); got != tt.want {
			t.Errorf("padChar(%q, %d) = %q; want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
