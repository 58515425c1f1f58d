package s3fake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// s3Error is an S3 error response: the HTTP status and the Code and Message
// of the XML body. Handlers return it; the server writes it as S3 does.
type s3Error struct {
	Status  int
	Code    string
	Message string
	// Fields are extra elements of the error body (BucketName, Key,
	// UploadId, Condition, ...), in order.
	Fields []field
}

// field is one extra element of an error body.
type field struct{ Name, Value string }

func (e *s3Error) Error() string {
	return fmt.Sprintf("s3fake: %d %s: %s", e.Status, e.Code, e.Message)
}

func newError(status int, code, msg string, fields ...field) *s3Error {
	return &s3Error{Status: status, Code: code, Message: msg, Fields: fields}
}

// asError maps any error a handler returns to the S3 error answered for it.
func asError(err error) *s3Error {
	var e *s3Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errIncompleteBody()
	}
	return newError(http.StatusInternalServerError, "InternalError",
		"We encountered an internal error. Please try again. ("+err.Error()+")")
}

// errorBody renders the XML body of an S3 error.
func errorBody(e *s3Error, resource, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error>")
	elem := func(name, value string) {
		b.WriteString("<" + name + ">")
		_ = xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">")
	}
	elem("Code", e.Code)
	elem("Message", e.Message)
	for _, f := range e.Fields {
		elem(f.Name, f.Value)
	}
	elem("Resource", resource)
	elem("RequestId", requestID)
	elem("HostId", hostID(requestID))
	b.WriteString("</Error>")
	return b.Bytes()
}

// writeError answers e; HEAD responses carry no body, as in S3.
func writeError(w http.ResponseWriter, r *http.Request, e *s3Error, requestID string) {
	h := w.Header()
	for _, k := range []string{"ETag", "Last-Modified", "Content-Range", "Content-Encoding", "Content-Disposition"} {
		h.Del(k)
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	body := errorBody(e, r.URL.Path, requestID)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

func errNoSuchBucket(bucket string) *s3Error {
	return newError(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", field{"BucketName", bucket})
}

func errNoSuchKey(key string) *s3Error {
	return newError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", field{"Key", key})
}

func errNoSuchUpload(id string) *s3Error {
	return newError(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		field{"UploadId", id})
}

func errMalformedXML() *s3Error {
	return newError(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidArgument(msg, name, value string) *s3Error {
	return newError(http.StatusBadRequest, "InvalidArgument", msg, field{"ArgumentName", name}, field{"ArgumentValue", value})
}

func errInvalidRequest(msg string) *s3Error {
	return newError(http.StatusBadRequest, "InvalidRequest", msg)
}

func errNotImplemented(what string) *s3Error {
	return newError(http.StatusNotImplemented, "NotImplemented",
		"A header or query you provided implies functionality that is not implemented: "+what)
}

func errPreconditionFailed(condition string) *s3Error {
	return newError(http.StatusPreconditionFailed, "PreconditionFailed",
		"At least one of the pre-conditions you specified did not hold", field{"Condition", condition})
}

func errIncompleteBody() *s3Error {
	return newError(http.StatusBadRequest, "IncompleteBody",
		"You did not provide the number of bytes specified by the Content-Length HTTP header")
}

func errBadDigest(msg string) *s3Error {
	return newError(http.StatusBadRequest, "BadDigest", msg)
}

func errEntityTooLarge(size, max int64) *s3Error {
	return newError(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
		field{"ProposedSize", strconv.FormatInt(size, 10)}, field{"MaxSizeAllowed", strconv.FormatInt(max, 10)})
}

func errInvalidTag(msg string) *s3Error {
	return newError(http.StatusBadRequest, "InvalidTag", msg)
}

func errNoSuchConfig(code, msg, bucket string) *s3Error {
	return newError(http.StatusNotFound, code, msg, field{"BucketName", bucket})
}

func errInvalidObjectState(class string) *s3Error {
	return newError(http.StatusForbidden, "InvalidObjectState",
		"The operation is not valid for the object's storage class", field{"StorageClass", class})
}
