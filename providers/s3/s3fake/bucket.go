package s3fake

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// checkBucketName applies S3's rules for general purpose bucket names.
func checkBucketName(name string) error {
	bad := newError(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", field{"BucketName", name})
	if len(name) < 3 || len(name) > 63 {
		return bad
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return bad
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return bad
	}
	if ip := net.ParseIP(name); ip != nil && ip.To4() != nil {
		return bad
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return bad
		}
	}
	return nil
}

type createBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

func (s *Server) createBucket(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := checkBucketName(req.Bucket); err != nil {
		return err
	}
	body, err := readSmall(r.Context(), r, false)
	if err != nil {
		return err
	}
	region := s.set.region
	if len(bytes.TrimSpace(body)) > 0 {
		var cfg createBucketConfiguration
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return errMalformedXML()
		}
		switch lc := cfg.LocationConstraint; {
		case lc == "":
		case s.set.region == "us-east-1" && lc == "us-east-1":
			return newError(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid",
				field{"LocationConstraint", lc})
		case s.set.region == "us-east-1":
			region = lc // the global endpoint creates buckets in any region
		case lc != s.set.region:
			return newError(http.StatusBadRequest, "IllegalLocationConstraintException",
				"The "+lc+" location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
	}
	lock := strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true")

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[req.Bucket]; ok {
		return newError(http.StatusConflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.", field{"BucketName", req.Bucket})
	}
	b := &bucket{
		name: req.Bucket, region: region, created: s.now(),
		objects: map[string]*object{}, uploads: map[string]*upload{},
		cfg: bucketConfig{docs: map[string][]byte{}},
	}
	if s.set.awsDefaults {
		for _, d := range documents() {
			if d.awsDefault != "" {
				b.cfg.docs[d.name] = []byte(d.awsDefault)
			}
		}
	}
	if lock {
		b.cfg.versioning = "Enabled"
		b.cfg.docs["object-lock"] = []byte(`<ObjectLockConfiguration xmlns="` + s3NS + `"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`)
	}
	s.buckets[req.Bucket] = b
	w.Header().Set("Location", "/"+req.Bucket)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) headBucket(w http.ResponseWriter, r *http.Request, req Request) error {
	b, _, err := s.lookup(req.Bucket, "")
	if err != nil {
		return err
	}
	w.Header().Set("X-Amz-Bucket-Region", b.region)
	w.Header().Set("X-Amz-Access-Point-Alias", "false")
	w.WriteHeader(http.StatusOK)
	return nil
}

// deleteBucket deletes an empty bucket. Multipart uploads in progress do
// not keep a general purpose bucket from being deleted (S3 requires them
// aborted only for directory buckets); they go with it.
func (s *Server) deleteBucket(w http.ResponseWriter, r *http.Request, req Request) error {
	err := s.inBucket(req.Bucket, func(b *bucket) error {
		if len(b.objects) > 0 {
			return newError(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty", field{"BucketName", req.Bucket})
		}
		delete(s.buckets, req.Bucket)
		return nil
	})
	return answerStatus(w, http.StatusNoContent, err)
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

func (s *Server) getBucketLocation(w http.ResponseWriter, r *http.Request, req Request) error {
	b, _, err := s.lookup(req.Bucket, "")
	if err != nil {
		return err
	}
	region := b.region
	if region == "us-east-1" {
		region = "" // S3 answers an empty constraint for us-east-1
	}
	return writeXML(w, http.StatusOK, locationConstraint{Region: region})
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             *owner         `xml:"Owner"`
	Buckets           []bucketListed `xml:"Buckets>Bucket"`
	ContinuationToken string         `xml:"ContinuationToken,omitempty"`
	Prefix            string         `xml:"Prefix,omitempty"`
}

type bucketListed struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

func (s *Server) listBuckets(w http.ResponseWriter, r *http.Request, req Request) error {
	q := r.URL.Query()
	max := 10000
	if v := q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return errInvalidArgument("max-buckets must be an integer between 1 and 10000", "max-buckets", v)
		}
		max = n
	}
	after := ""
	if v := q.Get("continuation-token"); v != "" {
		d, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return errInvalidArgument("The continuation token provided is incorrect", "continuation-token", v)
		}
		after = string(d)
	}
	prefix, region := q.Get("prefix"), q.Get("bucket-region")
	names := s.Buckets()
	res := listAllMyBucketsResult{Owner: theOwner(), Prefix: prefix}
	s.mu.Lock()
	for _, n := range names {
		b, ok := s.buckets[n]
		if !ok || n <= after || !strings.HasPrefix(n, prefix) || region != "" && b.region != region {
			continue
		}
		if len(res.Buckets) == max {
			res.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.Buckets[max-1].Name))
			break
		}
		res.Buckets = append(res.Buckets, bucketListed{Name: n, CreationDate: isoTime(b.created), BucketRegion: b.region})
	}
	s.mu.Unlock()
	return writeXML(w, http.StatusOK, res)
}

type accessControlPolicy struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   *owner   `xml:"Owner"`
	Grants  []grant  `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

type grantee struct {
	XMLNSXSI    string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// getACL answers GetBucketAcl and GetObjectAcl: the owner has full control,
// the only ACL the fake knows (x-amz-acl headers are accepted and ignored).
func (s *Server) getACL(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := s.checkVersionID(r); err != nil {
		return err
	}
	if _, _, err := s.lookup(req.Bucket, req.Key); err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, accessControlPolicy{
		Owner: theOwner(),
		Grants: []grant{{
			Grantee:    grantee{XMLNSXSI: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: ownerID, DisplayName: ownerName},
			Permission: "FULL_CONTROL",
		}},
	})
}
