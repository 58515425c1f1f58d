// Package aws is the `aws` provider: one AWS account and region, reached
// with aws-sdk-go-v2.
//
//	environment "aws" {
//	  provider  = "aws"
//	  region    = "eu-central-1"
//	  profile   = "prod"                          # optional
//	  endpoint  = "http://127.0.0.1:4566"         # optional: every service at one address
//	  endpoints = { s3 = "http://127.0.0.1:9000" } # optional, per service; overrides endpoint
//	}
//
// Credentials: access_key/secret_key/session_token when given (or the
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN variables);
// otherwise the SDK's default chain (shared config and credentials files,
// SSO, instance and container roles). Endpoints also come from
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. The environment's
// identity is its account (asked of STS once per run) and region, never a
// key.
//
// Services: S3 (object storage), through package s3's Store: buckets with
// their features, objects with headers, metadata, tags and storage class,
// ranged reads, multipart uploads, conditional writes, server-side copies
// within the account. Route 53 (route53.go): hosted zones public and
// private, record sets with alias targets, routing policies and health
// check ids, paginated listings, changes in requests within Route 53's
// limits waited on until INSYNC, zone creation with its delegation set,
// DNSSEC status (GetDNSSEC). The SDK's own retries are off; rehome's
// transfer layer retries the transient failures this package marks.
//
// SQS (sqs.go): queues as a source and a destination of the queue kind
// (attributes, redrive policy, tags, approximate counts; batched receive,
// delete after the destination's confirm, FIFO receives retried by their
// attempt id). Secrets Manager and SSM (secrets.go): a source of the
// secrets kind, secrets by name and parameters by their "/" paths;
// binary_secrets = "raw" | "base64" says how a SecretBinary is handed on;
// rotation is a finding, not moved; nothing is written to either store.
//
// Limits: buckets are reached through the configured region's endpoint;
// a bucket in another region is listed but its objects are not read
// (S3 answers with a redirect). Only current object versions are read.
// Route 53: zones are found by name (the public one when a private zone
// shares it, or by id); CreateZone makes public zones only; CIDR,
// geoproximity and traffic-policy routing are read and reported, never
// written; a change needing several requests is not atomic as a whole.
package aws
