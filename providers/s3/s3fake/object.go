package s3fake

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func quoteETag(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }

// etagMatches reports whether an If-Match or If-None-Match value (a list
// of entity tags, or "*") names etag.
func etagMatches(list, etag string) bool {
	want := strings.Trim(etag, `"`)
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || strings.Trim(v, `"`) == want {
			return true
		}
	}
	return false
}

// checkVersionID refuses requests for an object version other than the
// "null" version of an unversioned object: the fake keeps no versions.
func (s *Server) checkVersionID(r *http.Request) error {
	if v := r.URL.Query().Get("versionId"); v != "" && v != "null" {
		return errNotImplemented("object versions (versionId=" + v + ")")
	}
	return nil
}

// writeCond is a conditional write: If-None-Match: * or If-Match.
type writeCond struct{ ifMatch, ifNoneMatch string }

func parseWriteCond(h http.Header) (writeCond, error) {
	c := writeCond{ifMatch: h.Get("If-Match"), ifNoneMatch: h.Get("If-None-Match")}
	if c.ifNoneMatch != "" && c.ifNoneMatch != "*" {
		return c, errNotImplemented("If-None-Match on a write with a value other than *")
	}
	return c, nil
}

// check evaluates c against the object stored now (nil for none).
func (c writeCond) check(cur *object, key string) error {
	if c.ifNoneMatch == "*" && cur != nil {
		return errPreconditionFailed("If-None-Match")
	}
	if c.ifMatch != "" {
		if cur == nil {
			return errNoSuchKey(key)
		}
		if !etagMatches(c.ifMatch, cur.etag) {
			return errPreconditionFailed("If-Match")
		}
	}
	return nil
}

// commit stores o in the bucket if cond holds, with the bucket's default
// encryption when the write named none. pre, when not nil, runs first
// under the lock and may refuse the write.
func (s *Server) commit(bucketName string, o *object, cond writeCond, pre func(*bucket) error) error {
	return s.inBucket(bucketName, func(b *bucket) error {
		if err := cond.check(b.objects[o.key], o.key); err != nil {
			return err
		}
		if pre != nil {
			if err := pre(b); err != nil {
				return err
			}
		}
		if o.attrs.sse == "" {
			o.attrs.sse, o.attrs.kmsKeyID = b.defaultSSE()
		}
		o.plainETag = o.etag
		if strings.HasPrefix(o.attrs.sse, "aws:kms") {
			o.etag = kmsETag(o.etag)
		}
		b.put(o)
		return nil
	})
}

// answerWrite answers a PutObject or UploadPart that stored bytes.
func answerWrite(w http.ResponseWriter, etag string, sum checksum, a attrs) error {
	h := w.Header()
	h.Set("ETag", etag)
	sum.writeTo(h)
	a.writeSSE(h)
	w.WriteHeader(http.StatusOK)
	return nil
}

// kmsETag turns an object's MD5 ETag into the kind S3 gives objects
// encrypted with SSE-KMS: of the same form, but not the MD5 of the body.
func kmsETag(etag string) string {
	hexPart, parts, _ := strings.Cut(strings.Trim(etag, `"`), "-")
	sum := md5.Sum([]byte("s3fake SSE-KMS " + hexPart))
	out := hex.EncodeToString(sum[:])
	if parts != "" {
		out += "-" + parts
	}
	return `"` + out + `"`
}

func (s *Server) discard(c content) {
	for _, e := range c {
		s.blobs.discard(e.b)
	}
}

func (s *Server) putObject(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := checkKey(req.Key); err != nil {
		return err
	}
	if r.Header.Get("X-Amz-Write-Offset-Bytes") != "" {
		return errNotImplemented("appends (x-amz-write-offset-bytes)")
	}
	a, err := parseAttrs(r.Header, s.set.limits)
	if err != nil {
		return err
	}
	cond, err := parseWriteCond(r.Header)
	if err != nil {
		return err
	}
	if _, _, err := s.lookup(req.Bucket, ""); err != nil {
		return err
	}
	in, err := parseIntegrity(r)
	if err != nil {
		return err
	}
	got, err := receive(r.Context(), r, in, s.blobs, s.set.limits.MaxPutSize, "")
	if err != nil {
		return err
	}
	o := &object{
		key: req.Key, data: got.data, size: got.data.size(), etag: quoteETag(got.md5),
		modified: s.now(), attrs: a, sum: got.sum, crc: &lazySum{},
	}
	if err := s.commit(req.Bucket, o, cond, nil); err != nil {
		s.discard(got.data)
		return err
	}
	return answerWrite(w, o.etag, o.sum, o.attrs)
}

// evalConditions evaluates the read preconditions If-Match,
// If-Unmodified-Since, If-None-Match and If-Modified-Since (read through
// get) in the order of RFC 9110, as S3 does. It returns 0 when the read
// goes ahead, else 412 or 304 and the condition that decided.
func evalConditions(get func(string) string, etag string, modified time.Time) (int, string) {
	if v := get("If-Match"); v != "" {
		if !etagMatches(v, etag) {
			return http.StatusPreconditionFailed, "If-Match"
		}
	} else if v := get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && modified.After(t) {
			return http.StatusPreconditionFailed, "If-Unmodified-Since"
		}
	}
	if v := get("If-None-Match"); v != "" {
		if etagMatches(v, etag) {
			return http.StatusNotModified, "If-None-Match"
		}
	} else if v := get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !modified.After(t) {
			return http.StatusNotModified, "If-Modified-Since"
		}
	}
	return 0, ""
}

// byteRange is the part of an object a GET answers.
type byteRange struct {
	off, n  int64
	partial bool // answer 206 with Content-Range
}

// parseRange reads a Range header as S3 does: one range of bytes; a
// header it cannot parse, or one with several ranges, is ignored.
func parseRange(v string, size int64) (byteRange, error) {
	whole := byteRange{n: size}
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if v == "" || !ok || strings.Contains(spec, ",") {
		return whole, nil
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return whole, nil
	}
	unsatisfiable := newError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable",
		field{"RangeRequested", v}, field{"ActualObjectSize", strconv.FormatInt(size, 10)})
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return whole, nil
		}
		if n == 0 || size == 0 {
			return byteRange{}, unsatisfiable
		}
		n = min(n, size)
		return byteRange{off: size - n, n: n, partial: true}, nil
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return whole, nil
	}
	end := size - 1
	if last != "" {
		b, err := strconv.ParseInt(last, 10, 64)
		if err != nil || b < a {
			return whole, nil
		}
		end = min(b, size-1)
	}
	if a >= size {
		return byteRange{}, unsatisfiable
	}
	return byteRange{off: a, n: end - a + 1, partial: true}, nil
}

// partRange returns the bytes of part n of o for ?partNumber=n.
func partRange(o *object, v string) (byteRange, checksum, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return byteRange{}, checksum{}, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	bad := newError(http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber", "The requested partnumber is not satisfiable")
	if len(o.parts) == 0 {
		if n != 1 {
			return byteRange{}, checksum{}, bad
		}
		return byteRange{n: o.size, partial: true}, checksum{}, nil
	}
	if n > len(o.parts) {
		return byteRange{}, checksum{}, bad
	}
	var off int64
	for _, p := range o.parts[:n-1] {
		off += p.size
	}
	return byteRange{off: off, n: o.parts[n-1].size, partial: true}, o.parts[n-1].sum, nil
}

// responseOverrides are GET's response-* parameters and the headers they set.
func responseOverrides() [][2]string {
	return [][2]string{
		{"response-content-type", "Content-Type"},
		{"response-content-language", "Content-Language"},
		{"response-expires", "Expires"},
		{"response-cache-control", "Cache-Control"},
		{"response-content-disposition", "Content-Disposition"},
		{"response-content-encoding", "Content-Encoding"},
	}
}

// getObject answers GetObject and HeadObject.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request, req Request) error {
	head := r.Method == http.MethodHead
	if err := s.checkVersionID(r); err != nil {
		return err
	}
	_, o, err := s.lookup(req.Bucket, req.Key)
	if err != nil {
		return err
	}
	if !head && archived(o.attrs.storageClass) {
		return errInvalidObjectState(o.attrs.storageClass)
	}
	switch status, cond := evalConditions(r.Header.Get, o.etag, o.modified); status {
	case http.StatusPreconditionFailed:
		return errPreconditionFailed(cond)
	case http.StatusNotModified:
		w.Header().Set("ETag", o.etag)
		w.Header().Set("Last-Modified", o.modified.Format(http.TimeFormat))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	q := r.URL.Query()
	rng := byteRange{n: o.size}
	var sum checksum
	whole := false // the answer is the whole object: its checksum applies
	if pn := q.Get("partNumber"); pn != "" {
		if r.Header.Get("Range") != "" {
			return errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		if rng, sum, err = partRange(o, pn); err != nil {
			return err
		}
		whole = len(o.parts) == 0 // part 1 of a single-part object is all of it
	} else {
		if rng, err = parseRange(r.Header.Get("Range"), o.size); err != nil {
			return err
		}
		whole = !rng.partial
	}
	h := w.Header()
	for k, v := range o.header() {
		h[k] = v
	}
	if q.Has("partNumber") && len(o.parts) > 0 {
		h.Set("X-Amz-Mp-Parts-Count", strconv.Itoa(len(o.parts)))
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		if whole {
			if sum, err = o.checksum(r.Context()); err != nil {
				return err
			}
		}
		sum.writeTo(h)
	}
	for _, ov := range responseOverrides() {
		if v := q.Get(ov[0]); v != "" {
			h.Set(ov[1], v)
		}
	}
	h.Set("Content-Length", strconv.FormatInt(rng.n, 10))
	status := http.StatusOK
	if rng.partial {
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.off, rng.off+rng.n-1, o.size))
	}
	w.WriteHeader(status)
	if head {
		return nil
	}
	rc := o.data.slice(rng.off, rng.n).reader(r.Context())
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("send %s/%s: %w", req.Bucket, req.Key, err)
	}
	return nil
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := s.checkVersionID(r); err != nil {
		return err
	}
	ifMatch := r.Header.Get("If-Match")
	err := s.inBucket(req.Bucket, func(b *bucket) error {
		if err := (writeCond{ifMatch: ifMatch}).check(b.objects[req.Key], req.Key); err != nil {
			return err
		}
		b.remove(req.Key)
		return nil
	})
	return answerStatus(w, http.StatusNoContent, err)
}

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
		ETag      string `xml:"ETag"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name      `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedKey  `xml:"Deleted"`
	Errors  []deleteError `xml:"Error"`
}

type deletedKey struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

type deleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

// maxDeleteKeys is how many keys one DeleteObjects request may name.
const maxDeleteKeys = 1000

func (s *Server) deleteObjects(w http.ResponseWriter, r *http.Request, req Request) error {
	if _, _, err := s.lookup(req.Bucket, ""); err != nil {
		return err
	}
	body, err := readSmall(r.Context(), r, true)
	if err != nil {
		return err
	}
	var dr deleteRequest
	if err := xml.Unmarshal(body, &dr); err != nil || len(dr.Objects) == 0 || len(dr.Objects) > maxDeleteKeys {
		return errMalformedXML()
	}
	// Injected per-key errors first: the faults' lock is never taken
	// under the server's.
	injected := make([]*s3Error, len(dr.Objects))
	for i, ob := range dr.Objects {
		injected[i] = s.faults.deleteError(Request{Op: OpDeleteObjects, Bucket: req.Bucket, Key: ob.Key})
	}
	var res deleteResult
	s.mu.Lock()
	b, err := s.bucketLocked(req.Bucket)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	for i, ob := range dr.Objects {
		fail := func(e *s3Error) {
			res.Errors = append(res.Errors, deleteError{Key: ob.Key, VersionID: ob.VersionID, Code: e.Code, Message: e.Message})
		}
		if ob.Key == "" || len(ob.Key) > maxKeyLen {
			fail(errInvalidArgument("Invalid key", "Key", ob.Key))
			continue
		}
		if ob.VersionID != "" && ob.VersionID != "null" {
			fail(errNotImplemented("object versions"))
			continue
		}
		if injected[i] != nil {
			fail(injected[i])
			continue
		}
		if ob.ETag != "" {
			if err := (writeCond{ifMatch: ob.ETag}).check(b.objects[ob.Key], ob.Key); err != nil {
				fail(asError(err))
				continue
			}
		}
		b.remove(ob.Key)
		if !dr.Quiet {
			res.Deleted = append(res.Deleted, deletedKey{Key: ob.Key, VersionID: ob.VersionID})
		}
	}
	s.mu.Unlock()
	return writeXML(w, http.StatusOK, res)
}

// copySource is what x-amz-copy-source names.
type copySource struct{ bucket, key, versionID string }

func parseCopySource(v string) (copySource, error) {
	raw, ver, _ := strings.Cut(v, "?versionId=")
	bad := errInvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", v)
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return copySource{}, bad
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(dec, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return copySource{}, bad
	}
	return copySource{bucket: bucket, key: key, versionID: ver}, nil
}

// copySourceObject returns the object a copy reads, after its
// x-amz-copy-source-if-* conditions (where S3 answers 412 for both failed
// and "not modified" conditions).
func (s *Server) copySourceObject(h http.Header) (copySource, *object, error) {
	src, err := parseCopySource(h.Get(copySourceHeader))
	if err != nil {
		return src, nil, err
	}
	if src.versionID != "" && src.versionID != "null" {
		return src, nil, errNotImplemented("object versions (copy source versionId)")
	}
	_, o, err := s.lookup(src.bucket, src.key)
	if err != nil {
		return src, nil, err
	}
	if archived(o.attrs.storageClass) {
		return src, nil, errInvalidObjectState(o.attrs.storageClass)
	}
	get := func(name string) string { return h.Get("X-Amz-Copy-Source-" + name) }
	if status, cond := evalConditions(get, o.etag, o.modified); status != 0 {
		return src, nil, errPreconditionFailed("x-amz-copy-source-" + strings.ToLower(cond))
	}
	return src, o, nil
}

func directive(h http.Header, name string) (string, error) {
	v := h.Get(name)
	switch v {
	case "", "COPY":
		return "COPY", nil
	case "REPLACE":
		return v, nil
	}
	return "", errInvalidArgument("Unknown "+strings.ToLower(name)+" value", name, v)
}

type copyResult struct {
	XMLName      xml.Name
	ETag         string `xml:"ETag"`
	LastModified string `xml:"LastModified"`
	xmlChecksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func (s *Server) copyObject(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := checkKey(req.Key); err != nil {
		return err
	}
	h := r.Header
	metaDir, err := directive(h, "X-Amz-Metadata-Directive")
	if err != nil {
		return err
	}
	tagDir, err := directive(h, "X-Amz-Tagging-Directive")
	if err != nil {
		return err
	}
	cond, err := parseWriteCond(h)
	if err != nil {
		return err
	}
	src, so, err := s.copySourceObject(h)
	if err != nil {
		return err
	}
	if so.size > s.set.limits.MaxCopySize {
		return errInvalidRequest(fmt.Sprintf("The specified copy source is larger than the maximum allowable size for a copy source: %d", s.set.limits.MaxCopySize))
	}
	if _, _, err := s.lookup(req.Bucket, ""); err != nil {
		return err
	}
	var a attrs
	if metaDir == "REPLACE" {
		if a, err = parseAttrs(h, s.set.limits); err != nil {
			return err
		}
	} else {
		a = so.attrs.clone()
		if a.storageClass, err = parseStorageClass(h); err != nil {
			return err
		}
		a.sse, a.kmsKeyID = "", ""
		if err := parseSSE(h, &a); err != nil {
			return err
		}
		if v := h.Get("X-Amz-Website-Redirect-Location"); v != "" {
			a.websiteRedirect = v
		}
	}
	a.tags = so.attrs.clone().tags
	if tagDir == "REPLACE" {
		a.tags = nil
		if v := h.Get("X-Amz-Tagging"); v != "" {
			tags, err := parseTagQuery(v)
			if err != nil {
				return err
			}
			if err := checkTags(tags, maxObjectTags, "Object tags cannot be greater than 10"); err != nil {
				return err
			}
			a.tags = tags
		}
	}
	if src.bucket == req.Bucket && src.key == req.Key && metaDir == "COPY" && h.Get("X-Amz-Storage-Class") == "" &&
		h.Get("X-Amz-Server-Side-Encryption") == "" && h.Get("X-Amz-Website-Redirect-Location") == "" {
		return errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}

	want := normAlg(h.Get("X-Amz-Checksum-Algorithm"))
	if want == "" && h.Get("X-Amz-Checksum-Algorithm") != "" {
		return errInvalidRequest("Invalid value for x-amz-checksum-algorithm")
	}
	etag, sum, err := copyDigests(r.Context(), so, want)
	if err != nil {
		return err
	}
	o := &object{key: req.Key, data: so.data, size: so.size, etag: etag, modified: s.now(), attrs: a, sum: sum, crc: &lazySum{}}
	if sum.alg == "" {
		o.crc = so.crc // the same bytes: the source's CRC64NVME holds
	}
	if err := s.commit(req.Bucket, o, cond, nil); err != nil {
		return err
	}
	o.attrs.writeSSE(w.Header())
	res := copyResult{XMLName: xml.Name{Space: s3NS, Local: "CopyObjectResult"}, ETag: o.etag,
		LastModified: isoTime(o.modified), xmlChecksums: checksumsXML(sum), ChecksumType: sum.typ}
	return writeXML(w, http.StatusOK, res)
}

// copyDigests returns the ETag and checksum of a copy of so: a copy is a
// single-part object, so its ETag is the MD5 of its bytes, and its
// checksum is a full-object one (of the algorithm asked for, else of the
// source's algorithm).
func copyDigests(ctx context.Context, so *object, want string) (string, checksum, error) {
	if want == "" {
		want = so.sum.alg
	}
	keepSum := want == so.sum.alg && so.sum.typ == typeFullObject
	if len(so.parts) == 0 && (want == "" || keepSum) {
		return so.plainETag, so.sum, nil
	}
	var hs []hash.Hash
	md5h := md5.New()
	if len(so.parts) > 0 {
		hs = append(hs, md5h)
	}
	var sumh hash.Hash
	if want != "" && !keepSum {
		sumh = newChecksum(want)
		hs = append(hs, sumh)
	}
	if err := so.data.digest(ctx, hs...); err != nil {
		return "", checksum{}, err
	}
	etag, sum := so.plainETag, so.sum
	if len(so.parts) > 0 {
		etag = quoteETag(md5h.Sum(nil))
	}
	if sumh != nil {
		sum = checksum{alg: want, value: base64.StdEncoding.EncodeToString(sumh.Sum(nil)), typ: typeFullObject}
	} else if !keepSum {
		sum = checksum{}
	}
	return etag, sum, nil
}

func (s *Server) getObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := s.checkVersionID(r); err != nil {
		return err
	}
	_, o, err := s.lookup(req.Bucket, req.Key)
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, tagging{Xmlns: s3NS, Tags: o.attrs.tags})
}

// setTags replaces the tags of the object at req's key.
func (s *Server) setTags(req Request, tags []tag) error {
	return s.inBucket(req.Bucket, func(b *bucket) error {
		cur, ok := b.objects[req.Key]
		if !ok {
			return errNoSuchKey(req.Key)
		}
		n := *cur
		n.attrs = cur.attrs.clone()
		n.attrs.tags = tags
		b.objects[req.Key] = &n
		return nil
	})
}

func (s *Server) putObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := s.checkVersionID(r); err != nil {
		return err
	}
	if _, _, err := s.lookup(req.Bucket, req.Key); err != nil {
		return err
	}
	body, err := readSmall(r.Context(), r, true)
	if err != nil {
		return err
	}
	tags, err := parseTagging(body, maxObjectTags, "Object tags cannot be greater than 10")
	if err != nil {
		return err
	}
	return answerStatus(w, http.StatusOK, s.setTags(req, tags))
}

func (s *Server) deleteObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := s.checkVersionID(r); err != nil {
		return err
	}
	return answerStatus(w, http.StatusNoContent, s.setTags(req, nil))
}
