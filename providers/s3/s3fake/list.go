package s3fake

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxListKeys is the most entries one listing page holds.
const maxListKeys = 1000

// listPage is one page of a listing: objects and common prefixes in byte
// order of the keys.
type listPage struct {
	objects   []*object
	prefixes  []string
	truncated bool
	last      string // the last key or common prefix on the page
}

// listLocked lists the objects of b whose keys start with prefix and come
// after marker, rolling keys up to the next delimiter into common
// prefixes; the caller holds s.mu. A marker that is itself a common
// prefix (a continuation after one) skips every key under it.
func listLocked(b *bucket, lp listParams, marker string) listPage {
	var p listPage
	keys := b.keys
	i := sort.SearchStrings(keys, lp.prefix)
	if marker != "" {
		i = max(i, sort.Search(len(keys), func(j int) bool { return keys[j] > marker }))
	}
	rl := roller{lp: lp, marker: marker}
	for i < len(keys) && strings.HasPrefix(keys[i], lp.prefix) {
		k := keys[i]
		step, cp := rl.step(k)
		switch step {
		case stepStop:
			p.truncated = true
			return p
		case stepSkip:
			i = skipPrefix(keys, i, cp)
		case stepPrefix:
			p.prefixes = append(p.prefixes, cp)
			p.last = cp
			i = skipPrefix(keys, i, cp)
		case stepEntry:
			p.objects = append(p.objects, b.objects[k])
			p.last = k
			i++
		}
	}
	return p
}

// rollStep is what a listing does with its next key.
type rollStep int

const (
	stepEntry  rollStep = iota // list the key
	stepPrefix                 // list the key's common prefix
	stepSkip                   // skip the key: its common prefix is listed already
	stepStop                   // the page is full: the listing is truncated
)

// roller walks a listing's keys in order, rolling them up into common
// prefixes and stopping when a page is full.
type roller struct {
	lp     listParams
	marker string // a common prefix equal to it was listed on an earlier page
	last   string // the last common prefix listed
	count  int
}

// step says what to do with key and returns its common prefix.
func (r *roller) step(key string) (rollStep, string) {
	cp := r.lp.rollUp(key)
	if cp != "" && (cp == r.last || cp == r.marker) {
		return stepSkip, cp
	}
	if r.count == r.lp.limit {
		return stepStop, cp
	}
	r.count++
	if cp != "" {
		r.last = cp
		return stepPrefix, cp
	}
	return stepEntry, cp
}

// skipPrefix returns the index of the first key from i on that does not
// start with cp.
func skipPrefix(keys []string, i int, cp string) int {
	return i + sort.Search(len(keys)-i, func(j int) bool { return !strings.HasPrefix(keys[i+j], cp) })
}

type listedObject struct {
	Key               string `xml:"Key"`
	LastModified      string `xml:"LastModified"`
	ETag              string `xml:"ETag"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
	Size              int64  `xml:"Size"`
	StorageClass      string `xml:"StorageClass"`
	Owner             *owner `xml:"Owner,omitempty"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                *string        `xml:"Marker,omitempty"`
	NextMarker            string         `xml:"NextMarker,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	KeyCount              *int           `xml:"KeyCount,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []listedObject `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// tokenPrefix versions the continuation tokens the fake hands out.
const tokenPrefix = "s3fake:1:"

func encodeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + last))
}

func decodeToken(tok string) (string, error) {
	d, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(d), tokenPrefix) {
		return "", errInvalidArgument("The continuation token provided is incorrect", "continuation-token", tok)
	}
	return strings.TrimPrefix(string(d), tokenPrefix), nil
}

// parseMaxKeys reads max-keys (or another count parameter): default and
// cap limit, as S3 does.
func parseMaxKeys(q url.Values, name string, limit int) (asked, use int, err error) {
	v := q.Get(name)
	if v == "" {
		return limit, limit, nil
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n < 0 {
		return 0, 0, errInvalidArgument("Provided "+name+" not an integer or within integer range", name, v)
	}
	return n, min(n, limit), nil
}

// listParams are what the listing operations share.
type listParams struct {
	asked, limit  int // the page size asked for, and the one used
	encode        listEncoder
	prefix, delim string
}

// parseListParams reads a listing's page size (the countName parameter),
// encoding, prefix and delimiter.
func parseListParams(q url.Values, countName string) (listParams, error) {
	var p listParams
	var err error
	if p.asked, p.limit, err = parseMaxKeys(q, countName, maxListKeys); err != nil {
		return p, err
	}
	if p.encode, err = parseEncoding(q); err != nil {
		return p, err
	}
	p.prefix, p.delim = q.Get("prefix"), q.Get("delimiter")
	return p, nil
}

// rollUp returns the common prefix key is listed under: its prefix up to
// and including the first delimiter after the listing's prefix, or "".
func (p listParams) rollUp(key string) string {
	if p.delim == "" {
		return ""
	}
	if j := strings.Index(key[len(p.prefix):], p.delim); j >= 0 {
		return key[:len(p.prefix)+j+len(p.delim)]
	}
	return ""
}

// encodingType is what a listing answers as EncodingType.
func (p listParams) encodingType() string {
	if p.encode {
		return "url"
	}
	return ""
}

// listEncoder applies encoding-type=url.
type listEncoder bool

func parseEncoding(q url.Values) (listEncoder, error) {
	switch v := q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", v)
	}
}

// enc URL-encodes s as S3 does for encoding-type=url: a query escape
// (spaces become '+') that keeps '/'.
func (e listEncoder) enc(s string) string {
	if !e || s == "" {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

// listObjects answers ListObjects (v1, markers) and ListObjectsV2
// (list-type=2, continuation tokens).
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request, req Request) error {
	q := r.URL.Query()
	v2 := req.Op == OpListObjectsV2
	if v2 && q.Get("list-type") != "2" {
		return errInvalidArgument("Invalid list type", "list-type", q.Get("list-type"))
	}
	lp, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	encode := lp.encode
	res := listBucketResult{Name: req.Bucket, Prefix: encode.enc(lp.prefix), MaxKeys: lp.asked, Delimiter: encode.enc(lp.delim),
		EncodingType: lp.encodingType()}
	marker := q.Get("marker")
	if v2 {
		marker = q.Get("start-after")
		res.StartAfter = encode.enc(marker)
		if tok := q.Get("continuation-token"); tok != "" {
			if marker, err = decodeToken(tok); err != nil {
				return err
			}
			res.ContinuationToken = tok
		}
	} else {
		m := encode.enc(marker)
		res.Marker = &m
	}
	fetchOwner := !v2 || q.Get("fetch-owner") == "true"

	s.mu.Lock()
	b, err := s.bucketLocked(req.Bucket)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	var page listPage
	if lp.limit > 0 {
		page = listLocked(b, lp, marker)
	}
	s.mu.Unlock()

	for _, o := range page.objects {
		lo := listedObject{Key: encode.enc(o.key), LastModified: isoTime(o.modified), ETag: o.etag, Size: o.size,
			StorageClass: o.attrs.storageClass}
		lo.ChecksumAlgorithm, lo.ChecksumType = o.listedAlg()
		if fetchOwner {
			lo.Owner = theOwner()
		}
		res.Contents = append(res.Contents, lo)
	}
	for _, p := range page.prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: encode.enc(p)})
	}
	res.IsTruncated = page.truncated
	if v2 {
		n := len(page.objects) + len(page.prefixes)
		res.KeyCount = &n
		if page.truncated {
			res.NextContinuationToken = encodeToken(page.last)
		}
	} else if page.truncated && lp.delim != "" {
		res.NextMarker = encode.enc(page.last)
	}
	return writeXML(w, http.StatusOK, res)
}
