// Package awsfake holds small stateful fakes of AWS services for tests,
// speaking each service's wire protocol as its API reference describes
// it, so the providers are tested with the real aws-sdk-go-v2 clients on
// 127.0.0.1. S3 has its own, larger fake (providers/s3/s3fake).
//
// It is test support: only tests import it.
package awsfake
