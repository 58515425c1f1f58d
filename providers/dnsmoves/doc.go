// Package dnsmoves holds end-to-end tests of dns moves between BIND zone
// files (the local provider) and the cloud DNS providers, Hetzner DNS
// (hcloud) and DigitalOcean Domains, each reached through its real SDK
// client against its stateful fake on 127.0.0.1 (hcloudfake, dofake):
// the engine plans, applies, re-plans and rolls back as the CLI drives
// it.
//
// Limits: it has no code of its own beyond the tests; the fakes answer
// from their own state, not from real name servers, so delegation and
// post-cutover queries are not covered here.
package dnsmoves
