package s3fake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The x-amz-content-sha256 values that are not a digest of the payload.
const (
	unsignedPayload        = "UNSIGNED-PAYLOAD"
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsigned      = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingECDSA         = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	streamingECDSATrailer  = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
)

// minSignedChunk is SigV4 streaming's smallest chunk but the last.
const minSignedChunk = 8 << 10

// integrity is what a request says about its payload: its length and the
// digests it must match.
type integrity struct {
	size       int64  // payload bytes, after aws-chunked decoding
	streaming  string // the STREAMING-* framing, "" for a plain body
	sha256     []byte // x-amz-content-sha256 when it is a digest
	contentMD5 []byte // Content-MD5, nil when not sent
	alg        string // the algorithm of the additional checksum sent, "" for none
	value      string // its value when sent in a header ("" for a trailer)
	trailer    bool   // the checksum comes in the aws-chunked trailer
}

// sent reports whether the request carries any digest of its payload
// (what S3 requires of operations like DeleteObjects).
func (in integrity) sent() bool { return in.contentMD5 != nil || in.alg != "" }

// parseIntegrity reads a request's payload headers. It fails, as S3 does,
// on a framing it cannot decode, a missing length and malformed digests.
func parseIntegrity(r *http.Request) (integrity, error) {
	var in integrity
	h := r.Header
	switch v := h.Get("X-Amz-Content-Sha256"); v {
	case "", unsignedPayload:
	case streamingSigned, streamingSignedTrailer, streamingUnsigned, streamingECDSA, streamingECDSATrailer:
		in.streaming = v
	default:
		if strings.HasPrefix(v, "STREAMING-") {
			return in, errNotImplemented("payload encoding x-amz-content-sha256: " + v)
		}
		d, err := hex.DecodeString(v)
		if err != nil || len(d) != sha256.Size {
			return in, errInvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a valid sha256 value.",
				"x-amz-content-sha256", v)
		}
		in.sha256 = d
	}

	if in.streaming != "" {
		v := h.Get("X-Amz-Decoded-Content-Length")
		if v == "" {
			return in, newError(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return in, errInvalidArgument("x-amz-decoded-content-length is not a valid length", "x-amz-decoded-content-length", v)
		}
		in.size = n
	} else {
		if r.ContentLength < 0 {
			return in, newError(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
		}
		in.size = r.ContentLength
	}

	if v := h.Get("Content-MD5"); v != "" {
		d, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(d) != md5.Size {
			return in, newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
		}
		in.contentMD5 = d
	}

	sums := headerChecksums(h)
	if len(sums) > 1 {
		return in, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	for alg, v := range sums {
		if !validChecksumValue(alg, v) {
			return in, errInvalidRequest("Value for " + checksumHeader(alg) + " header is invalid.")
		}
		in.alg, in.value = alg, v
	}

	trailerStreaming := strings.HasSuffix(in.streaming, "-TRAILER")
	if t := h.Get("X-Amz-Trailer"); t != "" {
		if !trailerStreaming {
			return in, errInvalidRequest("x-amz-trailer is only allowed with a STREAMING-...-TRAILER payload")
		}
		alg := normAlg(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(t)), "x-amz-checksum-"))
		if alg == "" || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "x-amz-checksum-") {
			return in, errInvalidRequest("The value specified in the x-amz-trailer header is not supported")
		}
		if in.alg != "" {
			return in, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		in.alg, in.trailer = alg, true
	} else if trailerStreaming {
		return in, errInvalidRequest("x-amz-trailer is required with " + in.streaming)
	}

	if v := h.Get("X-Amz-Sdk-Checksum-Algorithm"); v != "" {
		alg := normAlg(v)
		switch {
		case alg == "":
			return in, errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		case in.alg == "":
			return in, errInvalidRequest("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		}
	}
	return in, nil
}

// received is a verified payload.
type received struct {
	data content
	md5  []byte
	sum  checksum // the checksum sent, or the one computed for want
}

// receive reads a request's payload into bs and verifies it against what
// in says. want names a checksum to compute when the request sends none.
// Nothing is kept when any check fails.
func receive(ctx context.Context, r *http.Request, in integrity, bs blobStore, maxSize int64, want string) (received, error) {
	if in.size > maxSize {
		return received{}, errEntityTooLarge(in.size, maxSize)
	}
	var body io.Reader = r.Body
	var dec *chunkReader
	if in.streaming != "" {
		dec = newChunkReader(r.Body, in.streaming != streamingUnsigned)
		body = dec
	}
	md5h := md5.New()
	ws := []io.Writer{md5h}
	var shah, sumh hash.Hash
	if in.sha256 != nil {
		shah = sha256.New()
		ws = append(ws, shah)
	}
	alg := in.alg
	if alg == "" {
		alg = want
	}
	if alg != "" {
		sumh = newChecksum(alg)
		ws = append(ws, sumh)
	}
	b, err := bs.write(ctx, io.TeeReader(body, io.MultiWriter(ws...)), in.size)
	if err != nil {
		return received{}, err
	}
	fail := func(err error) (received, error) {
		bs.discard(b)
		return received{}, err
	}
	value := in.value
	if dec != nil {
		var one [1]byte
		n, err := dec.Read(one[:])
		if n > 0 {
			return fail(errIncompleteBody())
		}
		if !errors.Is(err, io.EOF) {
			return fail(err)
		}
		if in.trailer {
			value = dec.trailer.Get(checksumHeader(in.alg))
			if !validChecksumValue(in.alg, value) {
				return fail(errInvalidRequest("The trailing checksum " + checksumHeader(in.alg) + " is missing or invalid."))
			}
		}
	}
	got := received{data: wholeBlob(b), md5: md5h.Sum(nil)}
	if in.contentMD5 != nil && !bytes.Equal(in.contentMD5, got.md5) {
		return fail(errBadDigest("The Content-MD5 you specified did not match what we received."))
	}
	if shah != nil {
		if sum := shah.Sum(nil); !bytes.Equal(sum, in.sha256) {
			return fail(newError(http.StatusBadRequest, "XAmzContentSHA256Mismatch",
				"The provided 'x-amz-content-sha256' header does not match what was computed.",
				field{"ClientComputedContentSHA256", hex.EncodeToString(in.sha256)},
				field{"S3ComputedContentSHA256", hex.EncodeToString(sum)}))
		}
	}
	if sumh != nil {
		computed := base64.StdEncoding.EncodeToString(sumh.Sum(nil))
		if in.alg != "" && computed != value {
			return fail(errBadDigest("The " + in.alg + " you specified did not match the calculated checksum."))
		}
		got.sum = checksum{alg: alg, value: computed, typ: typeFullObject}
	}
	return got, nil
}

// readSmall reads a small request body (an XML or JSON document) in full,
// with the same checks as an object's payload. required says the
// operation needs Content-MD5 or an x-amz-checksum-* header, as S3's API
// model marks it.
func readSmall(ctx context.Context, r *http.Request, required bool) ([]byte, error) {
	in, err := parseIntegrity(r)
	if err != nil {
		return nil, err
	}
	if required && !in.sent() {
		return nil, errInvalidRequest("Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
	}
	const maxDoc = 1 << 20
	if in.size > maxDoc {
		return nil, newError(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	got, err := receive(ctx, r, in, memStore{}, maxDoc, "")
	if err != nil {
		return nil, err
	}
	rc := got.data.reader(ctx)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	return data, nil
}

// chunkReader decodes an aws-chunked body (SigV4 streaming, signed or
// unsigned, with or without trailers): chunks of
// "<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n", a last chunk of size
// 0, then trailer lines "<name>:<value>" ended by an empty line. Chunk
// signatures are not verified.
type chunkReader struct {
	r       *bufio.Reader
	signed  bool
	left    int64 // data bytes left in the current chunk
	prev    int64 // the size of the previous chunk, -1 before the first
	done    bool
	err     error
	trailer http.Header
}

func newChunkReader(r io.Reader, signed bool) *chunkReader {
	return &chunkReader{r: bufio.NewReaderSize(r, 4096), signed: signed, prev: -1, trailer: http.Header{}}
}

func errChunk(msg string) *s3Error {
	return errInvalidRequest("aws-chunked body: " + msg)
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.left == 0 && !c.done {
		if err := c.next(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if c.done {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		c.err = err
		return n, err
	}
	if c.left == 0 {
		var crlf [2]byte
		if _, err := io.ReadFull(c.r, crlf[:]); err != nil || string(crlf[:]) != "\r\n" {
			c.err = errChunk("chunk data not followed by CRLF")
			return n, c.err
		}
	}
	return n, nil
}

// line reads one line without its line end.
func (c *chunkReader) line() (string, error) {
	s, err := c.r.ReadSlice('\n')
	switch {
	case errors.Is(err, io.EOF) && len(s) > 0:
		// a last line without its line end
	case errors.Is(err, bufio.ErrBufferFull):
		return "", errChunk("line too long")
	case errors.Is(err, io.EOF):
		return "", io.ErrUnexpectedEOF
	case err != nil:
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(string(s), "\n"), "\r"), nil
}

// next reads a chunk header, and after the last chunk the trailer.
func (c *chunkReader) next() error {
	hdr, err := c.line()
	if err != nil {
		return err
	}
	sizeHex, ext, _ := strings.Cut(hdr, ";")
	size, err := strconv.ParseUint(strings.TrimSpace(sizeHex), 16, 63)
	if err != nil {
		return errChunk("bad chunk size " + strconv.Quote(sizeHex))
	}
	if c.signed && !strings.HasPrefix(strings.TrimSpace(ext), "chunk-signature=") {
		return errChunk("signed chunk without chunk-signature")
	}
	if c.signed && c.prev >= 0 && c.prev < minSignedChunk && size > 0 {
		return newError(http.StatusBadRequest, "InvalidChunkSizeError",
			"Only the last chunk is allowed to have a size less than 8192 bytes")
	}
	c.prev = int64(size)
	if size > 0 {
		c.left = int64(size)
		return nil
	}
	for {
		l, err := c.line()
		if errors.Is(err, io.ErrUnexpectedEOF) {
			break // a trailer section that ends with the body
		}
		if err != nil {
			return err
		}
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return errChunk("bad trailer line")
		}
		c.trailer.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	c.done = true
	return nil
}
