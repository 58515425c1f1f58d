// Package s3fake is a stateful, in-memory S3 service for tests, speaking
// S3's REST-XML wire protocol as the S3 API reference describes it, so the
// object-storage providers can be tested with the real aws-sdk-go-v2
// client. It is test support: only tests import it.
//
//	srv := s3fake.New(s3fake.WithMinPartSize(1))
//	defer srv.Close()
//	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
//		UsePathStyle: true, HTTPClient: srv.Client(),
//		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
//
// The server listens on 127.0.0.1 (HTTPS WithTLS), takes path-style
// requests (/<bucket>/<key>) and accepts any SigV4 credentials without
// checking signatures. It holds no package-level state: every Server is
// on its own.
//
// # Operations
//
// Buckets: ListBuckets (max-buckets, prefix, continuation tokens),
// CreateBucket (S3's naming rules, BucketAlreadyOwnedByYou,
// LocationConstraint, x-amz-bucket-object-lock-enabled), HeadBucket,
// GetBucketLocation, DeleteBucket (BucketNotEmpty while objects remain;
// multipart uploads in progress do not keep a general purpose bucket and
// go with it, as S3 requires aborting them only for directory buckets).
//
// Objects: PutObject, GetObject and HeadObject keep and answer
// Content-Type (binary/octet-stream when none is sent), Cache-Control,
// Content-Disposition, Content-Encoding (without aws-chunked),
// Content-Language, Expires, x-amz-website-redirect-location, user
// metadata (x-amz-meta-*, names lower-cased, at most 2 KiB),
// x-amz-storage-class (answered on GET and HEAD unless STANDARD; listed
// always), x-amz-tagging (GET and HEAD answer x-amz-tagging-count) and
// x-amz-server-side-encryption (SSE-S3 and SSE-KMS, with the KMS key ID).
// The ETag is the quoted hex MD5 of the body, except for SSE-KMS objects,
// whose ETag is not the MD5 (as in S3). Last-Modified comes from the
// server's clock (WithClock), in whole seconds. Writes take If-None-Match: *
// and If-Match (PutObject, CopyObject, CompleteMultipartUpload;
// DeleteObject takes If-Match); the condition is checked when the write is
// committed and a failed one writes nothing. GetObject takes Range (206
// with Content-Range; 416 InvalidRange; several ranges or a malformed one
// read the whole object), partNumber, If-Match, If-None-Match,
// If-Modified-Since and If-Unmodified-Since (412 or 304, in RFC 9110's
// order) and the response-* overrides. GLACIER and DEEP_ARCHIVE objects
// answer HEAD but not GET (403 InvalidObjectState). DeleteObject answers 204
// for absent keys; DeleteObjects takes up to 1000 keys, quiet mode and
// per-key ETag conditions, and reports per-key errors. CopyObject takes a
// URL-encoded x-amz-copy-source, the COPY and REPLACE metadata and tagging
// directives, x-amz-copy-source-if-*, refuses to copy an object onto itself
// unchanged and sources over 5 GiB, and answers CopyObjectResult. A copy
// shares the source's stored bytes. Get, Put and DeleteObjectTagging keep
// up to 10 tags (InvalidTag). GetObjectAcl and GetBucketAcl answer the
// owner's full control; x-amz-acl headers are accepted and ignored.
//
// Listings: ListObjectsV2 and ListObjects (v1, markers; NextMarker with a
// delimiter) in byte order of the keys, with prefix, delimiter and
// CommonPrefixes, max-keys (default and cap 1000), start-after, opaque
// continuation tokens, encoding-type=url, fetch-owner, and Size, ETag,
// LastModified, StorageClass and ChecksumAlgorithm of each object.
//
// Multipart uploads: CreateMultipartUpload keeps the object's headers,
// metadata, tags, storage class, encryption and checksum algorithm and
// type. UploadPart (part numbers 1 to 10000, at most 5 GiB) and
// UploadPartCopy (x-amz-copy-source-range) replace parts. Complete wants
// the parts in ascending order (InvalidPartOrder) with their ETags
// (InvalidPart), each but the last of at least the minimum size
// (EntityTooSmall; 5 MiB unless WithMinPartSize), at most 5 TiB in all,
// and x-amz-mp-object-size when sent. The object's ETag is the MD5 of the
// concatenated binary part MD5s, "-" and the number of parts, in Complete,
// HEAD, GET and listings; GET and HEAD with partNumber read one part and
// answer x-amz-mp-parts-count. The object is its parts' bytes, not a copy
// of them. AbortMultipartUpload, ListParts and ListMultipartUploads
// (prefix, delimiter, key and upload-id markers; uploads by key, then
// initiation) page as S3 does.
//
// Bucket configuration: tags (up to 50; NoSuchTagSet), versioning status
// (Enabled or Suspended; a bucket with Object Lock cannot be suspended),
// lifecycle (NoSuchLifecycleConfiguration), CORS (NoSuchCORSConfiguration),
// policy (JSON, 20 KiB; MalformedPolicy, NoSuchBucketPolicy), policy status
// (IsPublic when a statement allows the principal "*" without conditions),
// public access block (NoSuchPublicAccessBlockConfiguration;
// BlockPublicPolicy refuses public policies with AccessDenied), website
// (NoSuchWebsiteConfiguration), default encryption (applied to objects
// written without any; ServerSideEncryptionConfigurationNotFoundError) and
// Object Lock (ObjectLockConfigurationNotFoundError; versioning must be
// enabled). Documents are checked for their root element and main rules,
// stored as sent and answered as stored. The operations S3's API model
// marks as needing a digest (DeleteObjects, PutObjectTagging and the
// configuration PUTs) want Content-MD5 or an x-amz-checksum-* header.
// WithAWSDefaults gives new buckets AWS's defaults since 2023: SSE-S3
// default encryption (which DeleteBucketEncryption resets rather than
// removes) and Block Public Access in full.
//
// # Payloads and checksums
//
// Bodies need a Content-Length (411 MissingContentLength), or, for
// aws-chunked bodies, x-amz-decoded-content-length. x-amz-content-sha256
// may be a SHA-256 (checked: XAmzContentSHA256Mismatch), UNSIGNED-PAYLOAD
// or one of the SigV4 streaming forms STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD (with or without -TRAILER) and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, which are decoded (chunk signatures
// are not checked; signed chunks but the last must hold 8 KiB); any other
// STREAMING- form is answered 501 NotImplemented, never stored framed. A
// decoded length that differs from the declared one is IncompleteBody.
// Content-MD5 is checked (InvalidDigest, BadDigest), and so are
// x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 and -sha256, in a
// header or in the aws-chunked trailer that x-amz-trailer announces
// (BadDigest). GET and HEAD with x-amz-checksum-mode: ENABLED answer the
// object's checksum: the one it was written with, a composite one
// ("<base64>-<parts>") for multipart uploads of type COMPOSITE, or the
// full-object CRC64NVME S3 now computes for every object, worked out on
// first use. A composite upload needs each part's checksum in UploadPart
// and Complete, as S3 does.
//
// # Tests
//
// Server.Calls, Count and Writes tell what requests the server answered
// (Writes: the successful PutObject, UploadPart, CopyObject and
// UploadPartCopy calls naming a key, so a test can prove a resumed copy
// sends nothing again); Object, Body, OpenObject, Keys, Buckets and Uploads
// read the store directly, and Seed fills it without the network. Faults (Server.Faults, or Faults.Handler in
// front of any S3 server, e.g. around ProxyHandler) answer chosen requests
// with 500 InternalError, 503 SlowDown, 429, or 200 with an error
// document, reset the connection before or after the server handles the
// request or in the middle of the response body, truncate the body, or
// flip a byte of the response body or of an uploaded payload; per-key
// DeleteObjects errors are injected too. WithLimits lowers S3's size
// limits; WithDir keeps bodies in files.
//
// GetBucketRequestPayment and PutBucketRequestPayment keep the payer
// (BucketOwner by default, or Requester); requests are not charged or
// refused for it.
//
// # Not implemented
//
// These answer 501 NotImplemented: object versions (ListObjectVersions and
// any versionId other than "null"; versioning status is stored, but
// objects are replaced and deleted as in an unversioned bucket, and no
// x-amz-version-id is answered), SSE-C, appends, GetObjectAttributes,
// retention and legal holds, restores, Select, torrents, PutBucketAcl and
// PutObjectAcl, and the notification, replication, logging, ownership
// controls, accelerate, analytics, metrics, inventory
// and intelligent-tiering sub-resources, as well as requests the fake
// does not recognise.
//
// # Limits and other deviations from S3
//
// Virtual-hosted-style requests, presigned POST forms, directory buckets
// and access points are not supported. Authentication, ACLs and bucket
// policies are not enforced. Creating a bucket one already owns answers
// 409 BucketAlreadyOwnedByYou also in us-east-1, where S3 answers 200.
// Lifecycle rules, CORS, website hosting, Object Lock retention and
// storage class transitions are stored, not acted on. Part ETags are
// MD5s even for SSE-KMS uploads. A part checksum sent to an upload
// created without a checksum algorithm (as the SDK's default checksums
// send) is checked and kept rather than refused. Keys with characters XML 1.0 cannot hold
// are listed with U+FFFD in their place. Whole bodies are held in memory
// (in 1 MiB slabs, never twice) or, WithDir, in files that stay until
// Close; objects, parts and copies share stored bytes, so completing an
// upload or copying an object costs no second copy.
package s3fake
