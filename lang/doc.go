// Package lang loads a rehome configuration directory: it parses the *.hcl
// files, resolves input variables and locals, decodes each environment block
// against its provider's schema (two-phase decoding), checks move blocks
// against the providers' declared capabilities, and returns a Config.
//
// Every problem in the user's input is reported as an hcl.Diagnostic with a
// source range, and all of them are collected before Load returns, so a user
// sees every mistake in one run. The package also renders diagnostics (as
// text with source snippets, and in the JSON shape of `terraform validate
// -json`) and implements `rehome fmt` (FormatSource, FormatDir, UnifiedDiff).
//
// Sensitive input variables are marked with SensitiveMark; anything derived
// from them stays marked, Environment.Sensitive records which provider
// attributes hold such values, and diagnostics never echo them.
//
// Limits: lang does no I/O beyond reading configuration files (and files
// named by the file() function). It does not talk to providers, discover
// anything or plan: provider schemas and capabilities come from the
// providers.Registry passed in Options, and what a configuration means for
// real infrastructure is the planner's job. Environment values are plain
// data; their validation beyond the schema (is the URL reachable, do the
// credentials work) happens when the provider is configured.
package lang
