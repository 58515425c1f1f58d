package main_test

import (
	"strings"
	"testing"
)

// TestE2EHelp: every way of asking for help prints it to stdout and exits
// 0, with the command's usage line showing its positional arguments; a bad
// option prints the error and the help to stderr and exits 1.
func TestE2EHelp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string // in stdout
	}{
		{[]string{"help"}, "Main commands:"},
		{[]string{"-h"}, "Main commands:"},
		{[]string{"--help"}, "Main commands:"},
		{[]string{"help", "apply"}, "Usage: rehome apply [options] [PLANFILE]"},
		{[]string{"apply", "-h"}, "Usage: rehome apply [options] [PLANFILE]"},
		{[]string{"apply", "--help"}, "-parallelism"},
		{[]string{"plan", "-help"}, "Usage: rehome plan [options]"},
		{[]string{"show", "-h"}, "Usage: rehome show [options] [PLANFILE]"},
		{[]string{"fmt", "-h"}, "Usage: rehome fmt [options] [DIR]"},
		{[]string{"cutover", "-h"}, "Run the cutover phase"},
		{[]string{"rollback", "-h"}, "-force"},
		{[]string{"state", "-h"}, "rehome state rm [options] ADDR..."},
		{[]string{"help", "state"}, "rehome state unlock [options] LOCK_ID"},
		{[]string{"state", "show", "-h"}, "Usage: rehome state show [options] ADDR"},
		{[]string{"providers", "-h"}, "Usage: rehome providers"},
		{[]string{"version", "--help"}, "Usage: rehome version"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runRehome(t, dir, tt.args...)
			if r.Code != 0 || !strings.Contains(r.Stdout, tt.want) || r.Stderr != "" {
				t.Errorf("rehome %s: %s\nwant exit 0 and %q on stdout only", strings.Join(tt.args, " "), r, tt.want)
			}
		})
	}
	r := runRehome(t, dir, "plan", "-bogus")
	if r.Code != 1 || !strings.Contains(r.Stderr, "flag provided but not defined: -bogus") || !strings.Contains(r.Stderr, "Usage: rehome plan") {
		t.Errorf("a bad option: %s", r)
	}
}
