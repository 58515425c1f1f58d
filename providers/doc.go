// Package providers defines what rehome asks of a platform: the provider
// contract, the per-kind capability interfaces (Storage, DNS, Database, Queue,
// Secrets), the declared capability table, the registry that cmd/rehome
// builds, and the normalised inventory model that discovery returns.
//
// A provider implements Provider plus whichever kind interfaces it supports,
// and declares them in its Caps so that the planner can turn every gap into an
// audit finding before any call is made. Provider-specific configuration is
// described by a Schema; the language decodes the environment block against it
// (two-phase decoding), so the core never hard-codes provider attributes.
//
// Limits: the interfaces carry data, not policy. Which objects to copy, what
// to verify and how to undo is the planner's job (package planner); providers
// only list, read and write, and report ErrNotFound / ErrExists / ErrNotEmpty.
// There is no package-level state: registries are values built by the caller.
package providers
