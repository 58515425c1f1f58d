package s3fake

import (
	"net/http"
	"strings"
)

// Operation is the name S3's API reference gives an operation
// ("PutObject", "ListObjectsV2", ...).
type Operation string

// The operations the fake tells apart. Those marked "501" are recognised
// (so faults and counts can name them) and answered with NotImplemented.
const (
	OpUnknown Operation = "Unknown" // 501

	OpListBuckets Operation = "ListBuckets"

	OpCreateBucket         Operation = "CreateBucket"
	OpHeadBucket           Operation = "HeadBucket"
	OpDeleteBucket         Operation = "DeleteBucket"
	OpGetBucketLocation    Operation = "GetBucketLocation"
	OpListObjects          Operation = "ListObjects"
	OpListObjectsV2        Operation = "ListObjectsV2"
	OpListObjectVersions   Operation = "ListObjectVersions" // 501
	OpListMultipartUploads Operation = "ListMultipartUploads"
	OpDeleteObjects        Operation = "DeleteObjects"

	OpGetBucketTagging                   Operation = "GetBucketTagging"
	OpPutBucketTagging                   Operation = "PutBucketTagging"
	OpDeleteBucketTagging                Operation = "DeleteBucketTagging"
	OpGetBucketVersioning                Operation = "GetBucketVersioning"
	OpPutBucketVersioning                Operation = "PutBucketVersioning"
	OpGetBucketLifecycleConfiguration    Operation = "GetBucketLifecycleConfiguration"
	OpPutBucketLifecycleConfiguration    Operation = "PutBucketLifecycleConfiguration"
	OpDeleteBucketLifecycle              Operation = "DeleteBucketLifecycle"
	OpGetBucketCors                      Operation = "GetBucketCors"
	OpPutBucketCors                      Operation = "PutBucketCors"
	OpDeleteBucketCors                   Operation = "DeleteBucketCors"
	OpGetBucketPolicy                    Operation = "GetBucketPolicy"
	OpPutBucketPolicy                    Operation = "PutBucketPolicy"
	OpDeleteBucketPolicy                 Operation = "DeleteBucketPolicy"
	OpGetBucketPolicyStatus              Operation = "GetBucketPolicyStatus"
	OpGetPublicAccessBlock               Operation = "GetPublicAccessBlock"
	OpPutPublicAccessBlock               Operation = "PutPublicAccessBlock"
	OpDeletePublicAccessBlock            Operation = "DeletePublicAccessBlock"
	OpGetBucketWebsite                   Operation = "GetBucketWebsite"
	OpPutBucketWebsite                   Operation = "PutBucketWebsite"
	OpDeleteBucketWebsite                Operation = "DeleteBucketWebsite"
	OpGetBucketEncryption                Operation = "GetBucketEncryption"
	OpPutBucketEncryption                Operation = "PutBucketEncryption"
	OpDeleteBucketEncryption             Operation = "DeleteBucketEncryption"
	OpGetObjectLockConfiguration         Operation = "GetObjectLockConfiguration"
	OpPutObjectLockConfiguration         Operation = "PutObjectLockConfiguration"
	OpGetBucketAcl                       Operation = "GetBucketAcl"
	OpPutBucketAcl                       Operation = "PutBucketAcl"                       // 501
	OpGetBucketNotificationConfiguration Operation = "GetBucketNotificationConfiguration" // 501
	OpPutBucketNotificationConfiguration Operation = "PutBucketNotificationConfiguration" // 501
	OpGetBucketReplication               Operation = "GetBucketReplication"               // 501
	OpPutBucketReplication               Operation = "PutBucketReplication"               // 501
	OpDeleteBucketReplication            Operation = "DeleteBucketReplication"            // 501
	OpGetBucketLogging                   Operation = "GetBucketLogging"                   // 501
	OpPutBucketLogging                   Operation = "PutBucketLogging"                   // 501
	OpGetBucketOwnershipControls         Operation = "GetBucketOwnershipControls"         // 501
	OpPutBucketOwnershipControls         Operation = "PutBucketOwnershipControls"         // 501
	OpDeleteBucketOwnershipControls      Operation = "DeleteBucketOwnershipControls"      // 501
	OpGetBucketAccelerateConfiguration   Operation = "GetBucketAccelerateConfiguration"   // 501
	OpPutBucketAccelerateConfiguration   Operation = "PutBucketAccelerateConfiguration"   // 501
	OpGetBucketRequestPayment            Operation = "GetBucketRequestPayment"
	OpPutBucketRequestPayment            Operation = "PutBucketRequestPayment"

	OpPutObject           Operation = "PutObject"
	OpCopyObject          Operation = "CopyObject"
	OpGetObject           Operation = "GetObject"
	OpHeadObject          Operation = "HeadObject"
	OpDeleteObject        Operation = "DeleteObject"
	OpGetObjectTagging    Operation = "GetObjectTagging"
	OpPutObjectTagging    Operation = "PutObjectTagging"
	OpDeleteObjectTagging Operation = "DeleteObjectTagging"
	OpGetObjectAcl        Operation = "GetObjectAcl"
	OpPutObjectAcl        Operation = "PutObjectAcl"        // 501
	OpGetObjectAttributes Operation = "GetObjectAttributes" // 501
	OpGetObjectRetention  Operation = "GetObjectRetention"  // 501
	OpPutObjectRetention  Operation = "PutObjectRetention"  // 501
	OpGetObjectLegalHold  Operation = "GetObjectLegalHold"  // 501
	OpPutObjectLegalHold  Operation = "PutObjectLegalHold"  // 501
	OpGetObjectTorrent    Operation = "GetObjectTorrent"    // 501
	OpRestoreObject       Operation = "RestoreObject"       // 501
	OpSelectObjectContent Operation = "SelectObjectContent" // 501

	OpCreateMultipartUpload   Operation = "CreateMultipartUpload"
	OpUploadPart              Operation = "UploadPart"
	OpUploadPartCopy          Operation = "UploadPartCopy"
	OpCompleteMultipartUpload Operation = "CompleteMultipartUpload"
	OpAbortMultipartUpload    Operation = "AbortMultipartUpload"
	OpListParts               Operation = "ListParts"
)

// Request is what a request asks for: the operation and, for path-style
// requests (/<bucket>/<key>), its bucket and key ("" when the request names
// none).
type Request struct {
	Op     Operation
	Bucket string
	Key    string
}

// level is what a request's path names: the service, a bucket or an object.
type level int

const (
	serviceLevel level = iota
	bucketLevel
	objectLevel
)

// route selects an operation by method, level, a sub-resource query
// parameter ("" for none) and a header that must be present ("" for none).
// The first route that matches wins, so the specific ones come first.
type route struct {
	method string
	level  level
	query  string
	header string
	op     Operation
}

const copySourceHeader = "X-Amz-Copy-Source"

// routes returns the routing table; it is built on each call so that no
// package-level table can be changed.
func routes() []route {
	const (
		get, put, del, head, post = http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPost
	)
	return []route{
		{get, serviceLevel, "", "", OpListBuckets},

		{put, bucketLevel, "tagging", "", OpPutBucketTagging},
		{put, bucketLevel, "versioning", "", OpPutBucketVersioning},
		{put, bucketLevel, "lifecycle", "", OpPutBucketLifecycleConfiguration},
		{put, bucketLevel, "cors", "", OpPutBucketCors},
		{put, bucketLevel, "policy", "", OpPutBucketPolicy},
		{put, bucketLevel, "publicAccessBlock", "", OpPutPublicAccessBlock},
		{put, bucketLevel, "website", "", OpPutBucketWebsite},
		{put, bucketLevel, "encryption", "", OpPutBucketEncryption},
		{put, bucketLevel, "object-lock", "", OpPutObjectLockConfiguration},
		{put, bucketLevel, "acl", "", OpPutBucketAcl},
		{put, bucketLevel, "notification", "", OpPutBucketNotificationConfiguration},
		{put, bucketLevel, "replication", "", OpPutBucketReplication},
		{put, bucketLevel, "logging", "", OpPutBucketLogging},
		{put, bucketLevel, "ownershipControls", "", OpPutBucketOwnershipControls},
		{put, bucketLevel, "accelerate", "", OpPutBucketAccelerateConfiguration},
		{put, bucketLevel, "requestPayment", "", OpPutBucketRequestPayment},
		{put, bucketLevel, "intelligent-tiering", "", OpUnknown},
		{put, bucketLevel, "analytics", "", OpUnknown},
		{put, bucketLevel, "metrics", "", OpUnknown},
		{put, bucketLevel, "inventory", "", OpUnknown},
		{put, bucketLevel, "", "", OpCreateBucket},

		{get, bucketLevel, "location", "", OpGetBucketLocation},
		{get, bucketLevel, "tagging", "", OpGetBucketTagging},
		{get, bucketLevel, "versioning", "", OpGetBucketVersioning},
		{get, bucketLevel, "lifecycle", "", OpGetBucketLifecycleConfiguration},
		{get, bucketLevel, "cors", "", OpGetBucketCors},
		{get, bucketLevel, "policyStatus", "", OpGetBucketPolicyStatus},
		{get, bucketLevel, "policy", "", OpGetBucketPolicy},
		{get, bucketLevel, "publicAccessBlock", "", OpGetPublicAccessBlock},
		{get, bucketLevel, "website", "", OpGetBucketWebsite},
		{get, bucketLevel, "encryption", "", OpGetBucketEncryption},
		{get, bucketLevel, "object-lock", "", OpGetObjectLockConfiguration},
		{get, bucketLevel, "acl", "", OpGetBucketAcl},
		{get, bucketLevel, "uploads", "", OpListMultipartUploads},
		{get, bucketLevel, "versions", "", OpListObjectVersions},
		{get, bucketLevel, "notification", "", OpGetBucketNotificationConfiguration},
		{get, bucketLevel, "replication", "", OpGetBucketReplication},
		{get, bucketLevel, "logging", "", OpGetBucketLogging},
		{get, bucketLevel, "ownershipControls", "", OpGetBucketOwnershipControls},
		{get, bucketLevel, "accelerate", "", OpGetBucketAccelerateConfiguration},
		{get, bucketLevel, "requestPayment", "", OpGetBucketRequestPayment},
		{get, bucketLevel, "intelligent-tiering", "", OpUnknown},
		{get, bucketLevel, "analytics", "", OpUnknown},
		{get, bucketLevel, "metrics", "", OpUnknown},
		{get, bucketLevel, "inventory", "", OpUnknown},
		{get, bucketLevel, "list-type", "", OpListObjectsV2},
		{get, bucketLevel, "", "", OpListObjects},

		{del, bucketLevel, "tagging", "", OpDeleteBucketTagging},
		{del, bucketLevel, "lifecycle", "", OpDeleteBucketLifecycle},
		{del, bucketLevel, "cors", "", OpDeleteBucketCors},
		{del, bucketLevel, "policy", "", OpDeleteBucketPolicy},
		{del, bucketLevel, "publicAccessBlock", "", OpDeletePublicAccessBlock},
		{del, bucketLevel, "website", "", OpDeleteBucketWebsite},
		{del, bucketLevel, "encryption", "", OpDeleteBucketEncryption},
		{del, bucketLevel, "replication", "", OpDeleteBucketReplication},
		{del, bucketLevel, "ownershipControls", "", OpDeleteBucketOwnershipControls},
		{del, bucketLevel, "intelligent-tiering", "", OpUnknown},
		{del, bucketLevel, "analytics", "", OpUnknown},
		{del, bucketLevel, "metrics", "", OpUnknown},
		{del, bucketLevel, "inventory", "", OpUnknown},
		{del, bucketLevel, "", "", OpDeleteBucket},

		{head, bucketLevel, "", "", OpHeadBucket},
		{post, bucketLevel, "delete", "", OpDeleteObjects},

		{put, objectLevel, "tagging", "", OpPutObjectTagging},
		{put, objectLevel, "acl", "", OpPutObjectAcl},
		{put, objectLevel, "retention", "", OpPutObjectRetention},
		{put, objectLevel, "legal-hold", "", OpPutObjectLegalHold},
		{put, objectLevel, "uploadId", copySourceHeader, OpUploadPartCopy},
		{put, objectLevel, "uploadId", "", OpUploadPart},
		{put, objectLevel, "", copySourceHeader, OpCopyObject},
		{put, objectLevel, "", "", OpPutObject},

		{get, objectLevel, "tagging", "", OpGetObjectTagging},
		{get, objectLevel, "acl", "", OpGetObjectAcl},
		{get, objectLevel, "attributes", "", OpGetObjectAttributes},
		{get, objectLevel, "retention", "", OpGetObjectRetention},
		{get, objectLevel, "legal-hold", "", OpGetObjectLegalHold},
		{get, objectLevel, "torrent", "", OpGetObjectTorrent},
		{get, objectLevel, "uploadId", "", OpListParts},
		{get, objectLevel, "", "", OpGetObject},

		{head, objectLevel, "", "", OpHeadObject},

		{del, objectLevel, "tagging", "", OpDeleteObjectTagging},
		{del, objectLevel, "uploadId", "", OpAbortMultipartUpload},
		{del, objectLevel, "", "", OpDeleteObject},

		{post, objectLevel, "uploads", "", OpCreateMultipartUpload},
		{post, objectLevel, "uploadId", "", OpCompleteMultipartUpload},
		{post, objectLevel, "restore", "", OpRestoreObject},
		{post, objectLevel, "select", "", OpSelectObjectContent},
	}
}

// Classify names the operation a path-style S3 request asks for, with its
// bucket and key. It reads only the method, path, query and headers, so it
// works on requests meant for any S3 server (the fault injector uses it).
func Classify(r *http.Request) Request {
	return classify(routes(), r)
}

func classify(table []route, r *http.Request) Request {
	bucket, key := splitPath(r.URL.Path)
	lvl := serviceLevel
	switch {
	case key != "":
		lvl = objectLevel
	case bucket != "":
		lvl = bucketLevel
	}
	q := r.URL.Query()
	for _, rt := range table {
		if rt.method != r.Method || rt.level != lvl {
			continue
		}
		if rt.query != "" && !q.Has(rt.query) {
			continue
		}
		if rt.header != "" && r.Header.Get(rt.header) == "" {
			continue
		}
		return Request{Op: rt.op, Bucket: bucket, Key: key}
	}
	return Request{Op: OpUnknown, Bucket: bucket, Key: key}
}

// splitPath splits a decoded path-style path into bucket and key. The key
// keeps every byte after the bucket's slash, so "dir/", "a//b" and "./x"
// are keys of their own, as in S3.
func splitPath(p string) (bucket, key string) {
	p = strings.TrimPrefix(p, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}
