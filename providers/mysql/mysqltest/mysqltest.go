// Package mysqltest gives tests a fresh database of their own on the
// MariaDB/MySQL server of the machine (127.0.0.1:3306, user root, no
// password; REHOME_TEST_MYSQL_URL overrides the server's mysql:// URL),
// dropped when the test ends, and a realistic shop fixture to move. Limits:
// it needs a running server; a test fails when there is none. The fixture
// is written for MariaDB 10.3+ and MySQL 8 (recursive CTEs generate the
// rows).
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// ServerURL is the mysql:// URL of the test server, without a database.
func ServerURL() string {
	if u := os.Getenv("REHOME_TEST_MYSQL_URL"); u != "" {
		return strings.TrimRight(u, "/") + "/"
	}
	return "mysql://root@127.0.0.1:3306/"
}

// NewDatabase creates database rehome_test_<random> (utf8mb4,
// utf8mb4_general_ci, which every MySQL and MariaDB has) and returns its name and mysql:// URL; the
// database is dropped in t.Cleanup.
func NewDatabase(t testing.TB) (name, dbURL string) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name = "rehome_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := open(t, ServerURL())
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		t.Fatalf("create database %s on the test MySQL/MariaDB server: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db := open(t, ServerURL())
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return name, ServerURL() + name
}

// Exec runs SQL statements, in order on one connection (so SET SESSION
// carries over), on the database at a mysql:// URL, failing the test on
// an error.
func Exec(t testing.TB, dbURL string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	db := open(t, dbURL)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("exec %q: %v", s, err)
		}
	}
}

// Query returns the first column of each row of a query, as text
// ("<null>" for NULL).
func Query(t testing.TB, dbURL, query string, args ...any) []string {
	t.Helper()
	db := open(t, dbURL)
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("query %q: %v", query, err)
		}
		if !s.Valid {
			s.String = "<null>"
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return out
}

// open connects to a mysql://user:pass@host:port/db URL.
func open(t testing.TB, raw string) *sql.DB {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("test server URL: %v", err)
	}
	cfg := driver.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Loc = time.UTC
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	c, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatalf("test server: %v", err)
	}
	return sql.OpenDB(c)
}
