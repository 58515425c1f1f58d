package s3fake

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"hash"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxParts is how many parts an upload may have.
const maxParts = 10000

type initiateResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// uploadChecksum reads CreateMultipartUpload's checksum algorithm and type.
func uploadChecksum(h http.Header) (alg, typ string, err error) {
	v := h.Get("X-Amz-Checksum-Algorithm")
	alg = normAlg(v)
	if v != "" && alg == "" {
		return "", "", errInvalidRequest("Value for x-amz-checksum-algorithm header is invalid.")
	}
	typ = strings.ToUpper(h.Get("X-Amz-Checksum-Type"))
	switch {
	case typ != "" && alg == "":
		return "", "", errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case alg == "":
		return "", "", nil
	case typ == "" && alg == algCRC64NVME:
		typ = typeFullObject
	case typ == "":
		typ = typeComposite
	case typ != typeFullObject && typ != typeComposite:
		return "", "", errInvalidRequest("Value for x-amz-checksum-type header is invalid.")
	}
	if typ == typeFullObject && (alg == algSHA1 || alg == algSHA256) || typ == typeComposite && alg == algCRC64NVME {
		return "", "", errInvalidRequest(fmt.Sprintf("The %s checksum type cannot be used with the %s checksum algorithm.",
			typ, strings.ToLower(alg)))
	}
	return alg, typ, nil
}

func (s *Server) createUpload(w http.ResponseWriter, r *http.Request, req Request) error {
	if err := checkKey(req.Key); err != nil {
		return err
	}
	a, err := parseAttrs(r.Header, s.set.limits)
	if err != nil {
		return err
	}
	alg, typ, err := uploadChecksum(r.Header)
	if err != nil {
		return err
	}
	s.mu.Lock()
	b, err := s.bucketLocked(req.Bucket)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if a.sse == "" {
		a.sse, a.kmsKeyID = b.defaultSSE()
	}
	s.uploadSeq++
	// The counter first: IDs sort in initiation order, as listings want.
	id := fmt.Sprintf("%016x.%s", s.uploadSeq, rand.Text())
	b.uploads[id] = &upload{id: id, key: req.Key, initiated: s.now(), attrs: a, alg: alg, typ: typ, parts: map[int]*part{}}
	s.mu.Unlock()

	h := w.Header()
	a.writeSSE(h)
	if alg != "" {
		h.Set("X-Amz-Checksum-Algorithm", alg)
		h.Set("X-Amz-Checksum-Type", typ)
	}
	return writeXML(w, http.StatusOK, initiateResult{Bucket: req.Bucket, Key: req.Key, UploadID: id})
}

// uploadLocked returns the upload id of key; the caller holds s.mu.
func (s *Server) uploadLocked(bucketName, key, id string) (*bucket, *upload, error) {
	b, err := s.bucketLocked(bucketName)
	if err != nil {
		return nil, nil, err
	}
	u, ok := b.uploads[id]
	if !ok || u.key != key {
		return nil, nil, errNoSuchUpload(id)
	}
	return b, u, nil
}

func parsePartNumber(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxParts {
		return 0, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return n, nil
}

func nullIfEmpty(alg string) string {
	if alg == "" {
		return "null"
	}
	return strings.ToLower(alg)
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	xmlChecksums
}

// uploadPart answers UploadPart and UploadPartCopy.
func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, req Request) error {
	q := r.URL.Query()
	id := q.Get("uploadId")
	pn, err := parsePartNumber(q.Get("partNumber"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, u, err := s.uploadLocked(req.Bucket, req.Key, id)
	var alg, typ string
	if err == nil {
		alg, typ = u.alg, u.typ
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}

	var p *part
	if req.Op == OpUploadPartCopy {
		if p, err = s.copyPart(r, alg); err != nil {
			return err
		}
	} else {
		in, err := parseIntegrity(r)
		if err != nil {
			return err
		}
		if alg != "" && (in.alg != "" || typ == typeComposite) && in.alg != alg {
			return errInvalidRequest(fmt.Sprintf("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
				strings.ToLower(alg), nullIfEmpty(in.alg)))
		}
		got, err := receive(r.Context(), r, in, s.blobs, s.set.limits.MaxPartSize, alg)
		if err != nil {
			return err
		}
		got.sum.typ = ""
		p = &part{data: got.data, md5: got.md5, etag: quoteETag(got.md5), sum: got.sum}
	}
	p.number, p.modified = pn, s.now()

	s.mu.Lock()
	_, u, err = s.uploadLocked(req.Bucket, req.Key, id)
	if err == nil {
		u.parts[pn] = p
	}
	s.mu.Unlock()
	if err != nil {
		if req.Op == OpUploadPart {
			s.discard(p.data)
		}
		return err
	}
	if req.Op == OpUploadPartCopy {
		return writeXML(w, http.StatusOK, copyPartResult{ETag: p.etag, LastModified: isoTime(p.modified), xmlChecksums: checksumsXML(p.sum)})
	}
	return answerWrite(w, p.etag, p.sum, u.attrs)
}

// copyPart reads the part an UploadPartCopy names; alg is the upload's
// checksum algorithm.
func (s *Server) copyPart(r *http.Request, alg string) (*part, error) {
	_, so, err := s.copySourceObject(r.Header)
	if err != nil {
		return nil, err
	}
	off, n := int64(0), so.size
	if v := r.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
		bad := errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
			"x-amz-copy-source-range", v)
		spec, ok := strings.CutPrefix(v, "bytes=")
		first, last, ok2 := strings.Cut(spec, "-")
		a, err1 := strconv.ParseInt(first, 10, 64)
		b, err2 := strconv.ParseInt(last, 10, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || a < 0 || b < a {
			return nil, bad
		}
		if b >= so.size {
			return nil, errInvalidArgument(fmt.Sprintf("Range specified is not valid for source object of size: %d", so.size),
				"x-amz-copy-source-range", v)
		}
		off, n = a, b-a+1
	}
	if n > s.set.limits.MaxPartSize {
		return nil, errEntityTooLarge(n, s.set.limits.MaxPartSize)
	}
	data := so.data.slice(off, n)
	md5h := md5.New()
	hs := []hash.Hash{md5h}
	var sumh hash.Hash
	if alg != "" {
		sumh = newChecksum(alg)
		hs = append(hs, sumh)
	}
	if err := data.digest(r.Context(), hs...); err != nil {
		return nil, err
	}
	p := &part{data: data, md5: md5h.Sum(nil)}
	p.etag = quoteETag(p.md5)
	if sumh != nil {
		p.sum = checksum{alg: alg, value: base64.StdEncoding.EncodeToString(sumh.Sum(nil))}
	}
	return p, nil
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
		xmlChecksums
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	xmlChecksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func sameETag(a, b string) bool { return strings.Trim(a, `"`) == strings.Trim(b, `"`) }

func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request, req Request) error {
	id := r.URL.Query().Get("uploadId")
	cond, err := parseWriteCond(r.Header)
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, u, err := s.uploadLocked(req.Bucket, req.Key, id)
	var parts map[int]*part
	if err == nil {
		parts = maps.Clone(u.parts)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	body, err := readSmall(r.Context(), r, false)
	if err != nil {
		return err
	}
	var cr completeRequest
	if err := xml.Unmarshal(body, &cr); err != nil || len(cr.Parts) == 0 {
		return errMalformedXML()
	}

	// First the list itself: order, parts, entity tags and checksums; then
	// the sizes.
	chosen := make([]*part, len(cr.Parts))
	prev := 0
	for i, cp := range cr.Parts {
		if cp.PartNumber <= prev {
			return newError(http.StatusBadRequest, "InvalidPartOrder",
				"The list of parts was not in ascending order. Parts must be ordered by part number.", field{"UploadId", id})
		}
		prev = cp.PartNumber
		p := parts[cp.PartNumber]
		invalid := newError(http.StatusBadRequest, "InvalidPart",
			"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
			field{"UploadId", id}, field{"PartNumber", strconv.Itoa(cp.PartNumber)}, field{"ETag", cp.ETag})
		if p == nil || !sameETag(cp.ETag, p.etag) {
			return invalid
		}
		if u.alg != "" {
			v := cp.get(u.alg)
			if v == "" && u.typ == typeComposite {
				return errInvalidRequest(fmt.Sprintf("The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.",
					strings.ToLower(u.alg), cp.PartNumber))
			}
			if v != "" && v != p.sum.value {
				return invalid
			}
		}
		chosen[i] = p
	}
	o := &object{key: req.Key, attrs: u.attrs.clone(), crc: &lazySum{}}
	var md5s []byte
	for i, p := range chosen {
		size := p.data.size()
		if i < len(chosen)-1 && size < s.set.limits.MinPartSize {
			return newError(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.",
				field{"ProposedSize", strconv.FormatInt(size, 10)}, field{"MinSizeAllowed", strconv.FormatInt(s.set.limits.MinPartSize, 10)},
				field{"PartNumber", strconv.Itoa(p.number)}, field{"ETag", p.etag})
		}
		o.data = append(o.data, p.data...)
		o.size += size
		md5s = append(md5s, p.md5...)
		info := partInfo{size: size}
		if u.typ == typeComposite {
			info.sum = checksum{alg: p.sum.alg, value: p.sum.value}
		}
		o.parts = append(o.parts, info)
	}
	if o.size > s.set.limits.MaxObjectSize {
		return errEntityTooLarge(o.size, s.set.limits.MaxObjectSize)
	}
	if v := r.Header.Get("X-Amz-Mp-Object-Size"); v != "" && v != strconv.FormatInt(o.size, 10) {
		return errInvalidRequest(fmt.Sprintf("The provided x-amz-mp-object-size %s does not match the object size %d", v, o.size))
	}
	sum := md5.Sum(md5s)
	o.etag = fmt.Sprintf(`"%s-%d"`, strings.Trim(quoteETag(sum[:]), `"`), len(cr.Parts))
	if o.sum, err = s.uploadedChecksum(r, u, o); err != nil {
		return err
	}

	o.modified = s.now()
	err = s.commit(req.Bucket, o, cond, func(b *bucket) error {
		if cur, ok := b.uploads[id]; !ok || cur != u {
			return errNoSuchUpload(id)
		}
		delete(b.uploads, id)
		return nil
	})
	if err != nil {
		return err
	}
	o.attrs.writeSSE(w.Header())
	loc := s.URL + "/" + req.Bucket + "/" + escapeKey(req.Key)
	return writeXML(w, http.StatusOK, completeResult{Location: loc, Bucket: req.Bucket, Key: req.Key, ETag: o.etag,
		xmlChecksums: checksumsXML(o.sum), ChecksumType: o.sum.typ})
}

// uploadedChecksum computes the checksum of an object an upload completes
// and checks it against one the Complete request sends.
func (s *Server) uploadedChecksum(r *http.Request, u *upload, o *object) (checksum, error) {
	var sum checksum
	switch u.typ {
	case typeComposite:
		h := newChecksum(u.alg)
		for _, p := range o.parts {
			raw, _ := base64.StdEncoding.DecodeString(p.sum.value)
			h.Write(raw)
		}
		sum = checksum{alg: u.alg, typ: typeComposite,
			value: base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(o.parts))}
	case typeFullObject:
		h := newChecksum(u.alg)
		if err := o.data.digest(r.Context(), h); err != nil {
			return checksum{}, err
		}
		sum = checksum{alg: u.alg, typ: typeFullObject, value: base64.StdEncoding.EncodeToString(h.Sum(nil))}
	}
	for alg, v := range headerChecksums(r.Header) {
		if alg != sum.alg || v != sum.value {
			return checksum{}, errBadDigest("The " + alg + " you specified did not match the calculated checksum.")
		}
	}
	return sum, nil
}

func (s *Server) abortUpload(w http.ResponseWriter, r *http.Request, req Request) error {
	id := r.URL.Query().Get("uploadId")
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _, err := s.uploadLocked(req.Bucket, req.Key, id)
	if err != nil {
		return err
	}
	delete(b.uploads, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type listedPart struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	xmlChecksums
}

type listPartsResult struct {
	XMLName              xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string       `xml:"Bucket"`
	Key                  string       `xml:"Key"`
	UploadID             string       `xml:"UploadId"`
	PartNumberMarker     int          `xml:"PartNumberMarker"`
	NextPartNumberMarker int          `xml:"NextPartNumberMarker"`
	MaxParts             int          `xml:"MaxParts"`
	IsTruncated          bool         `xml:"IsTruncated"`
	Parts                []listedPart `xml:"Part"`
	Initiator            *owner       `xml:"Initiator"`
	Owner                *owner       `xml:"Owner"`
	StorageClass         string       `xml:"StorageClass"`
	ChecksumAlgorithm    string       `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string       `xml:"ChecksumType,omitempty"`
}

func (s *Server) listParts(w http.ResponseWriter, r *http.Request, req Request) error {
	q := r.URL.Query()
	id := q.Get("uploadId")
	asked, limit, err := parseMaxKeys(q, "max-parts", maxListKeys)
	if err != nil {
		return err
	}
	marker := 0
	if v := q.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return errInvalidArgument("Provided part-number-marker not an integer or within integer range", "part-number-marker", v)
		}
	}
	s.mu.Lock()
	_, u, err := s.uploadLocked(req.Bucket, req.Key, id)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	res := listPartsResult{Bucket: req.Bucket, Key: req.Key, UploadID: id, PartNumberMarker: marker, MaxParts: asked,
		Initiator: theOwner(), Owner: theOwner(), StorageClass: u.attrs.storageClass, ChecksumAlgorithm: u.alg, ChecksumType: u.typ}
	for _, n := range slices.Sorted(maps.Keys(u.parts)) {
		if n <= marker {
			continue
		}
		if len(res.Parts) == limit {
			res.IsTruncated = true
			break
		}
		p := u.parts[n]
		res.Parts = append(res.Parts, listedPart{PartNumber: n, LastModified: isoTime(p.modified), ETag: p.etag,
			Size: p.data.size(), xmlChecksums: checksumsXML(p.sum)})
		res.NextPartNumberMarker = n
	}
	s.mu.Unlock()
	return writeXML(w, http.StatusOK, res)
}

type listedUpload struct {
	Key               string `xml:"Key"`
	UploadID          string `xml:"UploadId"`
	Initiator         *owner `xml:"Initiator"`
	Owner             *owner `xml:"Owner"`
	StorageClass      string `xml:"StorageClass"`
	Initiated         string `xml:"Initiated"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
}

type listUploadsResult struct {
	XMLName            xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker,omitempty"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker,omitempty"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	Prefix             string         `xml:"Prefix"`
	MaxUploads         int            `xml:"MaxUploads"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []listedUpload `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

// listUploads answers ListMultipartUploads: uploads by key, then by
// initiation, from after key-marker (and upload-id-marker), with keys
// rolled up to the delimiter into common prefixes.
func (s *Server) listUploads(w http.ResponseWriter, r *http.Request, req Request) error {
	q := r.URL.Query()
	lp, err := parseListParams(q, "max-uploads")
	if err != nil {
		return err
	}
	encode := lp.encode
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	if keyMarker == "" {
		idMarker = ""
	}
	res := listUploadsResult{Bucket: req.Bucket, KeyMarker: encode.enc(keyMarker), UploadIDMarker: idMarker,
		Delimiter: encode.enc(lp.delim), Prefix: encode.enc(lp.prefix), MaxUploads: lp.asked, EncodingType: lp.encodingType()}
	s.mu.Lock()
	b, err := s.bucketLocked(req.Bucket)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	us := sortedUploads(b)
	s.mu.Unlock()

	rl := roller{lp: lp, marker: keyMarker}
	for _, u := range us {
		if !strings.HasPrefix(u.key, lp.prefix) ||
			keyMarker != "" && !(u.key > keyMarker || u.key == keyMarker && idMarker != "" && u.id > idMarker) {
			continue
		}
		step, cp := rl.step(u.key)
		if step == stepStop {
			res.IsTruncated = true
			break
		}
		if step == stepSkip {
			continue
		}
		if step == stepPrefix {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: encode.enc(cp)})
			res.NextKeyMarker, res.NextUploadIDMarker = encode.enc(cp), ""
			continue
		}
		res.Uploads = append(res.Uploads, listedUpload{Key: encode.enc(u.key), UploadID: u.id, Initiator: theOwner(), Owner: theOwner(),
			StorageClass: u.attrs.storageClass, Initiated: isoTime(u.initiated), ChecksumAlgorithm: u.alg, ChecksumType: u.typ})
		res.NextKeyMarker, res.NextUploadIDMarker = encode.enc(u.key), u.id
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return writeXML(w, http.StatusOK, res)
}

// escapeKey URL-encodes a key for a URL path, keeping '/'.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
