package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"

	driver "github.com/go-sql-driver/mysql"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
)

// serverAddr is the MariaDB server of this machine (root, no password).
const serverAddr = "127.0.0.1:3306"

// testDB creates a database with a unique name on the real server, runs
// the fixture statements in it, and returns a configured provider and the
// name. The database is dropped when the test ends.
func testDB(t *testing.T, stmts ...string) (*Provider, string) {
	t.Helper()
	for _, k := range []string{"MYSQL_PWD", "MYSQL_HOST", "MYSQL_TCP_PORT"} {
		t.Setenv(k, "")
	}
	ctx := context.Background()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "rehome_test_" + hex.EncodeToString(b[:])
	cfg := driver.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", serverAddr
	cfg.MultiStatements = true
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)+" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		if os.Getenv("REHOME_REQUIRE_MYSQL") == "" {
			t.Skipf("no MariaDB/MySQL server at %s: %v", serverAddr, err)
		}
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(name)); err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("fixture: %v\n%s", err, s)
		}
	}
	return configured(t, "mysql://root@"+serverAddr+"/"), name
}

// configured returns a provider configured with url.
func configured(t *testing.T, url string) *Provider {
	t.Helper()
	p := Factory().New().(*Provider)
	err := p.Configure(context.Background(), providers.Config{
		Env:    "src",
		Value:  cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url).Mark("sensitive")}),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("configure: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// readAll reads a stream to its end.
func readAll(t *testing.T, s providers.RowStream) []providers.Row {
	t.Helper()
	ctx := context.Background()
	var out []providers.Row
	for {
		r, ok := s.Next(ctx)
		if !ok {
			break
		}
		out = append(out, r)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("read rows: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close rows: %v", err)
	}
	return out
}

// exec runs statements as root on the server, outside any provider under
// test (a writer changing the source meanwhile).
func exec(t *testing.T, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	pool, _, err := configured(t, "mysql://root@"+serverAddr+"/").pool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := pool.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
