package s3fake

import (
	"encoding/xml"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// defaultContentType is what S3 stores when a PUT sends no Content-Type.
const defaultContentType = "binary/octet-stream"

// maxKeyLen is S3's limit on a key's length in bytes.
const maxKeyLen = 1024

// The number of tags an object and a bucket may have.
const (
	maxObjectTags = 10
	maxBucketTags = 50
)

func checkKey(key string) error {
	if len(key) > maxKeyLen {
		return newError(http.StatusBadRequest, "KeyTooLongError", "Your key is too long",
			field{"Size", strconv.Itoa(len(key))}, field{"MaxSizeAllowed", strconv.Itoa(maxKeyLen)})
	}
	return nil
}

// attrs are what a write stores with an object besides its bytes: the
// system metadata S3 returns as headers, user metadata, tags, storage class
// and encryption.
type attrs struct {
	contentType        string
	cacheControl       string
	contentDisposition string
	contentEncoding    string
	contentLanguage    string
	expires            string
	websiteRedirect    string
	user               map[string]string // keys lower-cased, without x-amz-meta-
	tags               []tag
	storageClass       string
	sse                string // "" until the bucket's default is applied
	kmsKeyID           string
}

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// storageClasses are the values x-amz-storage-class takes.
func storageClasses() []string {
	return []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
		"GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE"}
}

// archived reports whether objects of the class must be restored before
// they are read.
func archived(class string) bool { return class == "GLACIER" || class == "DEEP_ARCHIVE" }

func sseAlgorithms() []string { return []string{"AES256", "aws:kms", "aws:kms:dsse"} }

// parseAttrs reads the headers of PutObject, CreateMultipartUpload and a
// REPLACE CopyObject.
func parseAttrs(h http.Header, l Limits) (attrs, error) {
	a := attrs{
		contentType:        h.Get("Content-Type"),
		cacheControl:       h.Get("Cache-Control"),
		contentDisposition: h.Get("Content-Disposition"),
		contentEncoding:    stripAWSChunked(h.Get("Content-Encoding")),
		contentLanguage:    h.Get("Content-Language"),
		expires:            h.Get("Expires"),
		websiteRedirect:    h.Get("X-Amz-Website-Redirect-Location"),
		user:               map[string]string{},
	}
	if a.contentType == "" {
		a.contentType = defaultContentType
	}
	size := 0
	for k, vs := range h {
		lk := strings.ToLower(k)
		if name, ok := strings.CutPrefix(lk, "x-amz-meta-"); ok {
			v := strings.Join(vs, ",")
			a.user[name] = v
			size += len(name) + len(v)
		}
	}
	if size > l.MaxMetadataSize {
		return a, newError(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size",
			field{"Size", strconv.Itoa(size)}, field{"MaxSizeAllowed", strconv.Itoa(l.MaxMetadataSize)})
	}
	if v := h.Get("X-Amz-Tagging"); v != "" {
		tags, err := parseTagQuery(v)
		if err != nil {
			return a, err
		}
		if err := checkTags(tags, maxObjectTags, "Object tags cannot be greater than 10"); err != nil {
			return a, err
		}
		a.tags = tags
	}
	class, err := parseStorageClass(h)
	if err != nil {
		return a, err
	}
	a.storageClass = class
	if err := parseSSE(h, &a); err != nil {
		return a, err
	}
	return a, nil
}

func parseStorageClass(h http.Header) (string, error) {
	class := h.Get("X-Amz-Storage-Class")
	if class == "" {
		return "STANDARD", nil
	}
	if !slices.Contains(storageClasses(), class) {
		return "", newError(http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid",
			field{"StorageClassRequested", class})
	}
	return class, nil
}

func parseSSE(h http.Header, a *attrs) error {
	if h.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "" {
		return errNotImplemented("SSE-C (x-amz-server-side-encryption-customer-algorithm)")
	}
	v := h.Get("X-Amz-Server-Side-Encryption")
	if v == "" {
		return nil
	}
	if !slices.Contains(sseAlgorithms(), v) {
		return errInvalidArgument("The encryption method specified is not supported", "x-amz-server-side-encryption", v)
	}
	a.sse = v
	if v != "AES256" {
		a.kmsKeyID = h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")
	}
	return nil
}

// stripAWSChunked drops the aws-chunked coding, which describes the
// request's framing and is not stored.
func stripAWSChunked(v string) string {
	var keep []string
	for _, c := range strings.Split(v, ",") {
		if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, ",")
}

// writeTo sets the headers GET and HEAD answer for a.
func (a attrs) writeTo(h http.Header) {
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("Content-Type", a.contentType)
	set("Cache-Control", a.cacheControl)
	set("Content-Disposition", a.contentDisposition)
	set("Content-Encoding", a.contentEncoding)
	set("Content-Language", a.contentLanguage)
	set("Expires", a.expires)
	set("X-Amz-Website-Redirect-Location", a.websiteRedirect)
	for k, v := range a.user {
		h.Set("X-Amz-Meta-"+k, v)
	}
	if a.storageClass != "STANDARD" {
		set("X-Amz-Storage-Class", a.storageClass)
	}
	a.writeSSE(h)
	if len(a.tags) > 0 {
		h.Set("X-Amz-Tagging-Count", strconv.Itoa(len(a.tags)))
	}
}

func (a attrs) writeSSE(h http.Header) {
	if a.sse != "" {
		h.Set("X-Amz-Server-Side-Encryption", a.sse)
	}
	if a.kmsKeyID != "" {
		h.Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", a.kmsKeyID)
	}
}

// clone returns a copy whose maps and slices are not shared.
func (a attrs) clone() attrs {
	a.user = maps.Clone(a.user)
	a.tags = slices.Clone(a.tags)
	return a
}

// parseTagQuery parses x-amz-tagging ("k1=v1&k2=v2", URL-encoded), keeping
// the order.
func parseTagQuery(v string) ([]tag, error) {
	var tags []tag
	for _, kv := range strings.Split(v, "&") {
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		uk, err1 := url.QueryUnescape(k)
		uv, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
				"x-amz-tagging", v)
		}
		tags = append(tags, tag{Key: uk, Value: uv})
	}
	return tags, nil
}

// checkTags applies S3's tag rules: at most max tags, keys of 1 to 128 and
// values of up to 256 characters of letters, digits, spaces and _.:/=+-@,
// no duplicate keys and none starting with "aws:".
func checkTags(tags []tag, max int, tooMany string) error {
	if len(tags) > max {
		return errInvalidTag(tooMany)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !tagChars(t.Key) {
			return errInvalidTag("The TagKey you have provided is invalid")
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagChars(t.Value) {
			return errInvalidTag("The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalidTag("Your TagKey cannot be prefixed with aws:")
		}
		if seen[t.Key] {
			return errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	return nil
}

func tagChars(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune(" _.:/=+-@", r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// tagging is the document of the ?tagging operations.
type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Tags    []tag    `xml:"TagSet>Tag"`
}

// parseTagging reads a Tagging document.
func parseTagging(body []byte, max int, tooMany string) ([]tag, error) {
	var t tagging
	if err := xml.Unmarshal(body, &t); err != nil {
		return nil, errMalformedXML()
	}
	if err := checkTags(t.Tags, max, tooMany); err != nil {
		return nil, err
	}
	return t.Tags, nil
}
