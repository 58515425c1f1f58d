package mysql

import (
	"context"
	"log/slog"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
)

// serverAddr is the MariaDB server of this machine (root, no password).
const serverAddr = "127.0.0.1:3306"

// testDB creates a database with a unique name on the real server, runs
// the fixture statements in it, and returns a provider configured for the
// server and the name. The database is dropped when the test ends.
func testDB(t *testing.T, stmts ...string) (*Provider, string) {
	t.Helper()
	for _, k := range []string{"MYSQL_PWD", "MYSQL_HOST", "MYSQL_TCP_PORT", "REHOME_TEST_MYSQL_URL"} {
		t.Setenv(k, "")
	}
	name, url := mysqltest.NewDatabase(t)
	mysqltest.Exec(t, url, stmts...)
	return configured(t, mysqltest.ServerURL()), name
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
	mysqltest.Exec(t, mysqltest.ServerURL(), stmts...)
}
