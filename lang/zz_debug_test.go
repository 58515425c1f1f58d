package lang_test

import (
	"os"
	"testing"

	"github.com/rehome/rehome/lang"
)

func TestZZDebug(t *testing.T) {
	for _, c := range []string{"multiple_errors", "undeclared_variable", "locals_cycle", "env_unset", "syntax_error", "variables"} {
		cfg, diags := lang.Load("testdata/invalid/"+c, testOptions())
		os.Stdout.WriteString("==== " + c + "\n")
		lang.WriteDiagnostics(os.Stdout, cfg.Files, diags, false, 100)
	}
}
