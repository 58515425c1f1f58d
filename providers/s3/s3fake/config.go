package s3fake

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"slices"
)

// bucketConfig is a bucket's configuration: versioning, tags and the
// documents of the other sub-resources, kept as sent.
type bucketConfig struct {
	versioning string // "", "Enabled" or "Suspended"
	payer      string // "" (BucketOwner) or "Requester"
	tags       []tag
	docs       map[string][]byte // by sub-resource name
}

// document is a bucket sub-resource whose configuration is a document the
// fake checks, stores as sent and returns.
type document struct {
	name          string // the sub-resource ("lifecycle")
	get, put, del Operation
	root          string // the XML root element; "" for the JSON policy
	notFound      string // the error code GET answers when none is set
	notFoundMsg   string
	putStatus     int
	// check validates a document before it is stored; it runs under the
	// server's lock.
	check func(s *Server, b *bucket, body []byte) error
	// awsDefault is what new buckets have WithAWSDefaults.
	awsDefault string
	// deleteRestores says DELETE brings back awsDefault (AWS's default
	// encryption cannot be removed, only reset).
	deleteRestores bool
}

func documents() []document {
	return []document{
		{
			name: "lifecycle", get: OpGetBucketLifecycleConfiguration, put: OpPutBucketLifecycleConfiguration,
			del: OpDeleteBucketLifecycle, root: "LifecycleConfiguration",
			notFound: "NoSuchLifecycleConfiguration", notFoundMsg: "The lifecycle configuration does not exist",
			putStatus: http.StatusOK, check: checkLifecycle,
		},
		{
			name: "cors", get: OpGetBucketCors, put: OpPutBucketCors, del: OpDeleteBucketCors, root: "CORSConfiguration",
			notFound: "NoSuchCORSConfiguration", notFoundMsg: "The CORS configuration does not exist",
			putStatus: http.StatusOK, check: checkCORS,
		},
		{
			name: "policy", get: OpGetBucketPolicy, put: OpPutBucketPolicy, del: OpDeleteBucketPolicy,
			notFound: "NoSuchBucketPolicy", notFoundMsg: "The bucket policy does not exist",
			putStatus: http.StatusNoContent, check: checkPolicy,
		},
		{
			name: "publicAccessBlock", get: OpGetPublicAccessBlock, put: OpPutPublicAccessBlock, del: OpDeletePublicAccessBlock,
			root: "PublicAccessBlockConfiguration", notFound: "NoSuchPublicAccessBlockConfiguration",
			notFoundMsg: "The public access block configuration was not found", putStatus: http.StatusOK,
			awsDefault: `<PublicAccessBlockConfiguration xmlns="` + s3NS + `"><BlockPublicAcls>true</BlockPublicAcls>` +
				`<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>` +
				`<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
		},
		{
			name: "website", get: OpGetBucketWebsite, put: OpPutBucketWebsite, del: OpDeleteBucketWebsite,
			root: "WebsiteConfiguration", notFound: "NoSuchWebsiteConfiguration",
			notFoundMsg: "The specified bucket does not have a website configuration", putStatus: http.StatusOK,
			check: checkWebsite,
		},
		{
			name: "encryption", get: OpGetBucketEncryption, put: OpPutBucketEncryption, del: OpDeleteBucketEncryption,
			root: "ServerSideEncryptionConfiguration", notFound: "ServerSideEncryptionConfigurationNotFoundError",
			notFoundMsg: "The server side encryption configuration was not found", putStatus: http.StatusOK,
			check: checkEncryption, deleteRestores: true,
			awsDefault: `<ServerSideEncryptionConfiguration xmlns="` + s3NS + `"><Rule><ApplyServerSideEncryptionByDefault>` +
				`<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled>` +
				`</Rule></ServerSideEncryptionConfiguration>`,
		},
	}
}

func documentFor(op Operation) (document, bool) {
	for _, d := range documents() {
		if d.get == op || d.put == op || d.del == op {
			return d, true
		}
	}
	return document{}, false
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request, req Request) error {
	d, _ := documentFor(req.Op)
	doc, err := s.document(req.Bucket, d.name, d.notFound, d.notFoundMsg)
	if err != nil {
		return err
	}
	ct := "application/xml"
	if d.root == "" {
		ct = "application/json"
	}
	return writeBody(w, http.StatusOK, ct, doc)
}

// document returns a bucket's document for a sub-resource, or the error
// notFound (with msg) when none is set.
func (s *Server) document(bucketName, name, notFound, msg string) ([]byte, error) {
	var doc []byte
	err := s.inBucket(bucketName, func(b *bucket) error {
		if doc = b.cfg.docs[name]; doc == nil {
			return errNoSuchConfig(notFound, msg, bucketName)
		}
		return nil
	})
	return doc, err
}

// readConfig reads the document a configuration PUT sends to an existing
// bucket.
func (s *Server) readConfig(r *http.Request, req Request) ([]byte, error) {
	if _, _, err := s.lookup(req.Bucket, ""); err != nil {
		return nil, err
	}
	return readSmall(r.Context(), r, true)
}

func (s *Server) putDocument(w http.ResponseWriter, r *http.Request, req Request) error {
	d, _ := documentFor(req.Op)
	body, err := s.readConfig(r, req)
	if err != nil {
		return err
	}
	if d.root != "" {
		if err := checkRoot(body, d.root); err != nil {
			return err
		}
	}
	err = s.inBucket(req.Bucket, func(b *bucket) error {
		if d.check != nil {
			if err := d.check(s, b, body); err != nil {
				return err
			}
		}
		b.cfg.docs[d.name] = body
		return nil
	})
	return answerStatus(w, d.putStatus, err)
}

// answerStatus answers status with no body, unless err.
func answerStatus(w http.ResponseWriter, status int, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(status)
	return nil
}

func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request, req Request) error {
	d, _ := documentFor(req.Op)
	err := s.inBucket(req.Bucket, func(b *bucket) error {
		delete(b.cfg.docs, d.name)
		if d.deleteRestores && s.set.awsDefaults {
			b.cfg.docs[d.name] = []byte(d.awsDefault)
		}
		return nil
	})
	return answerStatus(w, http.StatusNoContent, err)
}

// checkRoot makes sure body is well-formed XML whose root element is root.
func checkRoot(body []byte, root string) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	seen := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if seen && errors.Is(err, io.EOF) {
				return nil
			}
			return errMalformedXML()
		}
		if se, ok := tok.(xml.StartElement); ok && !seen {
			if se.Name.Local != root {
				return errMalformedXML()
			}
			seen = true
		}
	}
}

type lifecycleDoc struct {
	Rules []struct {
		ID     string `xml:"ID"`
		Status string `xml:"Status"`
	} `xml:"Rule"`
}

func checkLifecycle(_ *Server, _ *bucket, body []byte) error {
	var doc lifecycleDoc
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 || len(doc.Rules) > 1000 {
		return errMalformedXML()
	}
	for _, r := range doc.Rules {
		if r.Status != "Enabled" && r.Status != "Disabled" || len(r.ID) > 255 {
			return errMalformedXML()
		}
	}
	return nil
}

type corsDoc struct {
	Rules []struct {
		AllowedMethods []string `xml:"AllowedMethod"`
		AllowedOrigins []string `xml:"AllowedOrigin"`
	} `xml:"CORSRule"`
}

func checkCORS(_ *Server, _ *bucket, body []byte) error {
	var doc corsDoc
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 || len(doc.Rules) > 100 {
		return errMalformedXML()
	}
	for _, r := range doc.Rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return errMalformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !slices.Contains([]string{"GET", "PUT", "HEAD", "POST", "DELETE"}, m) {
				return errInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
			}
		}
	}
	return nil
}

type websiteDoc struct {
	IndexSuffix string `xml:"IndexDocument>Suffix"`
	RedirectAll string `xml:"RedirectAllRequestsTo>HostName"`
}

func checkWebsite(_ *Server, _ *bucket, body []byte) error {
	var doc websiteDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		return errMalformedXML()
	}
	if doc.IndexSuffix == "" && doc.RedirectAll == "" {
		return errInvalidArgument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
			"IndexDocument", "")
	}
	return nil
}

type encryptionDoc struct {
	Rules []struct {
		Algorithm string `xml:"ApplyServerSideEncryptionByDefault>SSEAlgorithm"`
		KMSKeyID  string `xml:"ApplyServerSideEncryptionByDefault>KMSMasterKeyID"`
	} `xml:"Rule"`
}

func parseEncryption(body []byte) (alg, key string, err error) {
	var doc encryptionDoc
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 {
		return "", "", errMalformedXML()
	}
	r := doc.Rules[0]
	if !slices.Contains(sseAlgorithms(), r.Algorithm) {
		return "", "", errMalformedXML()
	}
	return r.Algorithm, r.KMSKeyID, nil
}

func checkEncryption(_ *Server, _ *bucket, body []byte) error {
	_, _, err := parseEncryption(body)
	return err
}

// defaultSSE is the encryption a bucket applies to objects written
// without any; the caller holds s.mu.
func (b *bucket) defaultSSE() (alg, key string) {
	if doc := b.cfg.docs["encryption"]; doc != nil {
		alg, key, _ = parseEncryption(doc)
	}
	return alg, key
}

type publicAccessBlockDoc struct {
	BlockPublicPolicy bool `xml:"BlockPublicPolicy"`
}

type policyDoc struct {
	Statement json.RawMessage `json:"Statement"`
}

type policyStatement struct {
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Condition json.RawMessage `json:"Condition"`
}

// maxPolicySize is S3's limit on a bucket policy.
const maxPolicySize = 20 << 10

func parsePolicy(body []byte) ([]policyStatement, error) {
	bad := newError(http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, bad
	}
	var doc policyDoc
	if err := json.Unmarshal(trimmed, &doc); err != nil || len(doc.Statement) == 0 {
		return nil, bad
	}
	var stmts []policyStatement
	if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
		var one policyStatement
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return nil, bad
		}
		stmts = []policyStatement{one}
	}
	return stmts, nil
}

// isPublic reports whether a policy grants anyone access: a statement
// that allows the principal "*" (or {"AWS": "*"}) without conditions.
func isPublic(stmts []policyStatement) bool {
	for _, st := range stmts {
		if st.Effect != "Allow" || len(st.Condition) > 0 && string(st.Condition) != "null" && string(st.Condition) != "{}" {
			continue
		}
		var star string
		if json.Unmarshal(st.Principal, &star) == nil && star == "*" {
			return true
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(st.Principal, &m) == nil {
			aws := m["AWS"]
			var one string
			var many []string
			if json.Unmarshal(aws, &one) == nil && one == "*" ||
				json.Unmarshal(aws, &many) == nil && slices.Contains(many, "*") {
				return true
			}
		}
	}
	return false
}

func checkPolicy(_ *Server, b *bucket, body []byte) error {
	if len(body) > maxPolicySize {
		return newError(http.StatusBadRequest, "MalformedPolicy", "Policy exceeds the maximum allowed document size.")
	}
	stmts, err := parsePolicy(body)
	if err != nil {
		return err
	}
	if pab := b.cfg.docs["publicAccessBlock"]; pab != nil && isPublic(stmts) {
		var doc publicAccessBlockDoc
		if xml.Unmarshal(pab, &doc) == nil && doc.BlockPublicPolicy {
			return newError(http.StatusForbidden, "AccessDenied",
				"User is not authorized to perform: s3:PutBucketPolicy on this bucket because public policies are blocked by the BlockPublicPolicy block public access setting.")
		}
	}
	return nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PolicyStatus"`
	IsPublic bool     `xml:"IsPublic"`
}

func (s *Server) getBucketPolicyStatus(w http.ResponseWriter, r *http.Request, req Request) error {
	doc, err := s.document(req.Bucket, "policy", "NoSuchBucketPolicy", "The bucket policy does not exist")
	if err != nil {
		return err
	}
	stmts, err := parsePolicy(doc)
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, policyStatus{IsPublic: isPublic(stmts)})
}

type versioningConfiguration struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

func (s *Server) getBucketVersioning(w http.ResponseWriter, r *http.Request, req Request) error {
	var status string
	if err := s.inBucket(req.Bucket, func(b *bucket) error { status = b.cfg.versioning; return nil }); err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, versioningConfiguration{Xmlns: s3NS, Status: status})
}

// putBucketVersioning stores the status; objects are not versioned (see
// the package documentation).
func (s *Server) putBucketVersioning(w http.ResponseWriter, r *http.Request, req Request) error {
	body, err := s.readConfig(r, req)
	if err != nil {
		return err
	}
	var cfg versioningConfiguration
	if err := xml.Unmarshal(body, &cfg); err != nil || cfg.Status != "Enabled" && cfg.Status != "Suspended" {
		return newError(http.StatusBadRequest, "IllegalVersioningConfigurationException",
			"The Versioning element must be specified and its Status must be Enabled or Suspended")
	}
	if cfg.MfaDelete == "Enabled" {
		return errNotImplemented("MFA delete")
	}
	err = s.inBucket(req.Bucket, func(b *bucket) error {
		if cfg.Status == "Suspended" && b.cfg.docs["object-lock"] != nil {
			return newError(http.StatusConflict, "InvalidBucketState",
				"An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		b.cfg.versioning = cfg.Status
		return nil
	})
	return answerStatus(w, http.StatusOK, err)
}

type objectLockDoc struct {
	Enabled string `xml:"ObjectLockEnabled"`
	Mode    string `xml:"Rule>DefaultRetention>Mode"`
}

func (s *Server) getObjectLock(w http.ResponseWriter, r *http.Request, req Request) error {
	doc, err := s.document(req.Bucket, "object-lock", "ObjectLockConfigurationNotFoundError",
		"Object Lock configuration does not exist for this bucket")
	if err != nil {
		return err
	}
	return writeBody(w, http.StatusOK, "application/xml", doc)
}

// putObjectLock stores an Object Lock configuration; retention is not
// enforced on objects.
func (s *Server) putObjectLock(w http.ResponseWriter, r *http.Request, req Request) error {
	body, err := s.readConfig(r, req)
	if err != nil {
		return err
	}
	if err := checkRoot(body, "ObjectLockConfiguration"); err != nil {
		return err
	}
	var doc objectLockDoc
	if err := xml.Unmarshal(body, &doc); err != nil || doc.Enabled != "Enabled" ||
		doc.Mode != "" && doc.Mode != "GOVERNANCE" && doc.Mode != "COMPLIANCE" {
		return errMalformedXML()
	}
	err = s.inBucket(req.Bucket, func(b *bucket) error {
		if b.cfg.versioning != "Enabled" {
			return newError(http.StatusConflict, "InvalidBucketState",
				"Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
		}
		b.cfg.docs["object-lock"] = body
		return nil
	})
	return answerStatus(w, http.StatusOK, err)
}

func (s *Server) getBucketTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	var tags []tag
	if err := s.inBucket(req.Bucket, func(b *bucket) error { tags = slices.Clone(b.cfg.tags); return nil }); err != nil {
		return err
	}
	if len(tags) == 0 {
		return errNoSuchConfig("NoSuchTagSet", "The TagSet does not exist", req.Bucket)
	}
	return writeXML(w, http.StatusOK, tagging{Xmlns: s3NS, Tags: tags})
}

func (s *Server) putBucketTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	body, err := s.readConfig(r, req)
	if err != nil {
		return err
	}
	tags, err := parseTagging(body, maxBucketTags, "Bucket tag count cannot be greater than 50")
	if err != nil {
		return err
	}
	err = s.inBucket(req.Bucket, func(b *bucket) error { b.cfg.tags = tags; return nil })
	return answerStatus(w, http.StatusNoContent, err)
}

func (s *Server) deleteBucketTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	err := s.inBucket(req.Bucket, func(b *bucket) error { b.cfg.tags = nil; return nil })
	return answerStatus(w, http.StatusNoContent, err)
}

type requestPaymentConfiguration struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Payer   string   `xml:"Payer"`
}

// getBucketRequestPayment answers who pays for requests: BucketOwner
// unless set to Requester.
func (s *Server) getBucketRequestPayment(w http.ResponseWriter, r *http.Request, req Request) error {
	payer := ""
	if err := s.inBucket(req.Bucket, func(b *bucket) error { payer = b.cfg.payer; return nil }); err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, requestPaymentConfiguration{Xmlns: s3NS, Payer: cmpOr(payer, "BucketOwner")})
}

// putBucketRequestPayment sets the payer: BucketOwner or Requester
// (MalformedXML otherwise, as S3 answers).
func (s *Server) putBucketRequestPayment(w http.ResponseWriter, r *http.Request, req Request) error {
	body, err := s.readConfig(r, req)
	if err != nil {
		return err
	}
	var cfg requestPaymentConfiguration
	if err := xml.Unmarshal(body, &cfg); err != nil || cfg.Payer != "BucketOwner" && cfg.Payer != "Requester" {
		return newError(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema")
	}
	err = s.inBucket(req.Bucket, func(b *bucket) error {
		b.cfg.payer = cfg.Payer
		if cfg.Payer == "BucketOwner" {
			b.cfg.payer = ""
		}
		return nil
	})
	return answerStatus(w, http.StatusOK, err)
}
