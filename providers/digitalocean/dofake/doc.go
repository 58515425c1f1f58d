// Package dofake is a small stateful fake of DigitalOcean's API (v2) for
// tests, answering as the API reference describes (JSON bodies, the
// bearer token, error ids), so the provider is tested with the real godo
// client on 127.0.0.1. Spaces is S3 (providers/s3/s3fake).
//
// It is test support: only tests import it.
package dofake
