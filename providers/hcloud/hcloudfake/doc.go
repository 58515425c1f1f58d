// Package hcloudfake holds stateful fakes of Hetzner's APIs (the Cloud API
// at /v1: DNS zones and RRSets, servers, volumes, load balancers, IPs,
// firewalls, certificates) for tests that drive hcloud-go against
// 127.0.0.1. Each fake follows Hetzner's API reference: field names,
// pagination (meta.pagination), error bodies ({"error":{"code","message"}})
// and the actions long-running calls return.
package hcloudfake
