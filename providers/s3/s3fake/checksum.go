package s3fake

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
)

// The checksum algorithms of S3's additional checksums.
const (
	algCRC32     = "CRC32"
	algCRC32C    = "CRC32C"
	algCRC64NVME = "CRC64NVME"
	algSHA1      = "SHA1"
	algSHA256    = "SHA256"
)

// The checksum types of an object's checksum.
const (
	typeFullObject = "FULL_OBJECT"
	typeComposite  = "COMPOSITE"
)

// crc64NVMEPoly is the CRC-64/NVME polynomial 0xad93d23594c935a9, bit
// reversed as hash/crc64 takes it.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

func checksumAlgs() []string {
	return []string{algCRC32, algCRC32C, algCRC64NVME, algSHA1, algSHA256}
}

// newChecksum returns the hash of alg (one of the alg constants).
func newChecksum(alg string) hash.Hash {
	switch alg {
	case algCRC32:
		return crc32.NewIEEE()
	case algCRC32C:
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case algCRC64NVME:
		return crc64.New(crc64.MakeTable(crc64NVMEPoly))
	case algSHA1:
		return sha1.New()
	case algSHA256:
		return sha256.New()
	}
	return nil
}

// checksumSize is the length in bytes of alg's digest.
func checksumSize(alg string) int {
	if h := newChecksum(alg); h != nil {
		return h.Size()
	}
	return 0
}

// normAlg returns the canonical name of a checksum algorithm as a header
// or XML element names it ("crc32c", "CRC32C"), or "" when it is none.
func normAlg(name string) string {
	up := strings.ToUpper(strings.TrimSpace(name))
	for _, a := range checksumAlgs() {
		if a == up {
			return a
		}
	}
	return ""
}

// checksumHeader is the header that carries alg's value.
func checksumHeader(alg string) string { return "x-amz-checksum-" + strings.ToLower(alg) }

// validChecksumValue reports whether v is the base64 of an alg digest.
func validChecksumValue(alg, v string) bool {
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(b) == checksumSize(alg)
}

// headerChecksums returns the x-amz-checksum-<alg> headers of h as
// algorithm to value.
func headerChecksums(h http.Header) map[string]string {
	out := map[string]string{}
	for _, a := range checksumAlgs() {
		if v := h.Get(checksumHeader(a)); v != "" {
			out[a] = v
		}
	}
	return out
}

// checksum is an object's or a part's additional checksum.
type checksum struct {
	alg   string // "" when none
	value string // base64; composite values end in "-<parts>"
	typ   string // typeFullObject or typeComposite
}

// writeTo sets the checksum headers of a response.
func (c checksum) writeTo(h http.Header) {
	if c.alg == "" {
		return
	}
	h.Set(checksumHeader(c.alg), c.value)
	if c.typ != "" {
		h.Set("x-amz-checksum-type", c.typ)
	}
}

// xmlChecksums holds the Checksum<Alg> elements of S3 XML documents.
type xmlChecksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

func (x *xmlChecksums) field(alg string) *string {
	switch alg {
	case algCRC32:
		return &x.ChecksumCRC32
	case algCRC32C:
		return &x.ChecksumCRC32C
	case algCRC64NVME:
		return &x.ChecksumCRC64NVME
	case algSHA1:
		return &x.ChecksumSHA1
	case algSHA256:
		return &x.ChecksumSHA256
	}
	return nil
}

func checksumsXML(c checksum) xmlChecksums {
	var x xmlChecksums
	if f := x.field(c.alg); f != nil {
		*f = c.value
	}
	return x
}

// get returns the value given for alg.
func (x xmlChecksums) get(alg string) string {
	if f := x.field(alg); f != nil {
		return *f
	}
	return ""
}
