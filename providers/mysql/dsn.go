package mysql

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/rehome/rehome/providers"
)

// Settings rehome fixes on every connection, whatever the URL says:
//   - loc=UTC and time_zone='+00:00': TIMESTAMP values arrive in UTC and
//     DATETIME values as written;
//   - charset utf8mb4: every text value arrives as UTF-8, four-byte
//     characters (emoji) included;
//   - parseTime off: dates arrive as text, so zero and invalid dates
//     ('0000-00-00', '2024-02-30') are seen and reported instead of
//     being turned into a wrong time;
//   - interpolateParams off: queries with arguments are prepared, so rows
//     arrive in the binary protocol (FLOAT exactly as stored, not rounded
//     to six digits as the text protocol prints it).
var fixedParams = map[string]string{
	"parseTime":         "rehome parses dates itself, to report zero dates",
	"loc":               "rehome reads times in UTC",
	"time_zone":         "rehome reads TIMESTAMP values in UTC",
	"interpolateParams": "rehome prepares its queries, for exact FLOAT values",
	"multiStatements":   "rehome runs one statement at a time",
	"charset":           "rehome reads utf8mb4",
	"columnsWithAlias":  "rehome reads plain column names",
	"clientFoundRows":   "rehome does not depend on it",
	"allowAllFiles":     "rehome never loads local files",
}

// connection is a parsed mysql:// URL.
type connection struct {
	cfg     *driver.Config
	host    string // host:port or the socket path, for Identity
	db      string // the URL's database, "" none
	secrets []string
}

// parseURL converts a mysql://user:pass@host:port/db?param=value URL to the
// driver's configuration. Errors never contain the password.
//
// Accepted parameters: tls (true, false, skip-verify, preferred), timeout,
// readTimeout, writeTimeout (Go durations: 10s), collation (a utf8mb4
// collation for the connection), maxAllowedPacket, allowCleartextPasswords,
// allowNativePasswords, allowOldPasswords, allowFallbackToPlaintext,
// serverPubKey and socket (a Unix socket path, instead of host:port).
func parseURL(raw string) (*connection, error) {
	secrets := urlSecrets(raw)
	fail := func(format string, args ...any) error {
		return errors.New(providers.RedactText(fmt.Sprintf(format, args...), secrets...))
	}
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("the url is empty; want mysql://user:pass@host:3306/db")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fail("not a URL (want mysql://user:pass@host:3306/db): %v", err)
	}
	if u.Scheme != "mysql" && u.Scheme != "mariadb" {
		return nil, fail("scheme %q: want mysql://user:pass@host:3306/db", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fail("want mysql://user:pass@host:3306/db (the // after mysql: is missing)")
	}
	cfg := driver.NewConfig()
	cfg.Loc = time.UTC
	cfg.ParseTime = false
	cfg.InterpolateParams = false
	if err := cfg.Apply(driver.Charset("utf8mb4", "")); err != nil {
		return nil, fmt.Errorf("set charset: %w", err)
	}
	cfg.Params = map[string]string{
		"time_zone": "'+00:00'",
		// A worker that streams a big table may pause while its writer
		// commits; do not let the server drop the result meanwhile.
		"net_write_timeout": "600",
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		if pw, ok := u.User.Password(); ok {
			cfg.Passwd = pw
		}
	}
	if cfg.User == "" {
		return nil, fail("the url names no user (mysql://user:pass@host:3306/db)")
	}
	path := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(path, "/") {
		return nil, fail("path %q: want at most one database name after the host", u.Path)
	}
	cfg.DBName = path
	c := &connection{cfg: cfg, db: path, secrets: secrets}

	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []string
	for _, k := range keys {
		v := q.Get(k)
		if len(q[k]) > 1 {
			errs = append(errs, fmt.Sprintf("parameter %q is given %d times", k, len(q[k])))
			continue
		}
		if why, fixed := fixedParams[k]; fixed {
			errs = append(errs, fmt.Sprintf("parameter %q cannot be set: %s", k, why))
			continue
		}
		if err := applyParam(cfg, k, v); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if sock := q.Get("socket"); sock != "" {
		if u.Host != "" {
			errs = append(errs, "give either a host or the socket parameter, not both")
		}
		cfg.Net, cfg.Addr = "unix", sock
		c.host = "unix:" + sock
	} else {
		host := u.Hostname()
		if host == "" {
			errs = append(errs, "the url names no host (mysql://user:pass@host:3306/db)")
		}
		port := u.Port()
		if port == "" {
			port = "3306"
		} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Sprintf("port %q is not a number from 1 to 65535", port))
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, port)
		c.host = cfg.Addr
	}
	if len(errs) > 0 {
		return nil, fail("%s", strings.Join(errs, "; "))
	}
	return c, nil
}

func applyParam(cfg *driver.Config, k, v string) error {
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("parameter %s=%q: want true or false", k, v)
		}
		*dst = b
		return nil
	}
	duration := func(dst *time.Duration) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("parameter %s=%q: want a duration such as 10s", k, v)
		}
		*dst = d
		return nil
	}
	switch k {
	case "tls":
		switch v {
		case "true", "false", "skip-verify", "preferred":
			cfg.TLSConfig = v
			return nil
		}
		return fmt.Errorf("parameter tls=%q: want true, false, skip-verify or preferred", v)
	case "timeout":
		return duration(&cfg.Timeout)
	case "readTimeout":
		return duration(&cfg.ReadTimeout)
	case "writeTimeout":
		return duration(&cfg.WriteTimeout)
	case "collation":
		if !strings.HasPrefix(v, "utf8mb4_") {
			return fmt.Errorf("parameter collation=%q: want a utf8mb4 collation (utf8mb4_general_ci)", v)
		}
		cfg.Collation = v
		return nil
	case "maxAllowedPacket":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("parameter maxAllowedPacket=%q: want a number of bytes", v)
		}
		cfg.MaxAllowedPacket = n
		return nil
	case "allowCleartextPasswords":
		return boolean(&cfg.AllowCleartextPasswords)
	case "allowNativePasswords":
		return boolean(&cfg.AllowNativePasswords)
	case "allowOldPasswords":
		return boolean(&cfg.AllowOldPasswords)
	case "allowFallbackToPlaintext":
		return boolean(&cfg.AllowFallbackToPlaintext)
	case "serverPubKey":
		cfg.ServerPubKey = v
		return nil
	case "socket":
		if !strings.HasPrefix(v, "/") {
			return fmt.Errorf("parameter socket=%q: want an absolute path", v)
		}
		return nil
	}
	return fmt.Errorf("unknown parameter %q (known: tls, timeout, readTimeout, writeTimeout, collation, maxAllowedPacket, allowCleartextPasswords, allowNativePasswords, allowOldPasswords, allowFallbackToPlaintext, serverPubKey, socket)", k)
}

// urlSecrets returns what must never be shown of a URL: the whole URL
// and its password in every spelling (providers.URLSecrets, plus the
// userinfo escaping), or for a URL that does not parse, a guess at the
// password: what lies between the first ':' after the scheme and the last
// '@'.
func urlSecrets(raw string) []string {
	out := providers.URLSecrets(raw)
	u, err := url.Parse(raw)
	if err == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, url.UserPassword("x", pw).String()[2:])
		}
		return out
	}
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if c := strings.Index(rest[:at], ":"); c >= 0 && c+1 < at {
			out = append(out, rest[c+1:at])
		}
	}
	return out
}
