// Package builtin lists the kinds of move this build of rehome knows; it
// is the one line to add for a new kind. The CLI and the tests take their
// registry from here.
package builtin
