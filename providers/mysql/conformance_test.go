package mysql_test

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/mysql"
	"github.com/rehome/rehome/providers/mysql/mysqltest"
	"github.com/rehome/rehome/providers/providertest"
)

// TestConformance runs the provider conformance suite's database part
// (a source only), each check in a freshly created database on the local
// server, with a binary collation so text keys are in byte order.
func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Opt{
		Factory: mysql.Factory(),
		Database: &providertest.DatabaseOpt{
			New: func(t *testing.T) (cty.Value, string, func(*testing.T, ...string)) {
				name, url := mysqltest.NewDatabase(t)
				mysqltest.Exec(t, url, "ALTER DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
				return cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url)}), name,
					func(t *testing.T, stmts ...string) { t.Helper(); mysqltest.Exec(t, url, stmts...) }
			},
		},
	})
}
