package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// header is the part of a state document every format version shares.
type header struct {
	Version *int   `json:"version"`
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

// readHeader reads the version, lineage and serial of a state document and
// checks that its version is one this rehome can read.
func readHeader(path string, data []byte) (header, error) {
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		return h, &UnusableError{Path: path, Err: err}
	}
	switch {
	case h.Version == nil:
		return h, &UnusableError{Path: path, Err: errors.New("no \"version\" field: not a rehome state file")}
	case *h.Version > FormatVersion:
		return h, &VersionError{Path: path, Version: *h.Version, Supported: FormatVersion}
	case *h.Version < 1:
		return h, &UnusableError{Path: path, Err: fmt.Errorf("invalid format version %d", *h.Version)}
	case h.Lineage == "":
		return h, &UnusableError{Path: path, Err: errors.New("no lineage")}
	}
	return h, nil
}

// decode reads a state document of any supported version and upgrades it
// to the current one, as a chain: readVn reads version n and passes it on
// to upgradeVnToVn+1 until it is the current File. Today version 1 is
// current, so readV1 ends the chain. To introduce version 2: copy today's
// File into this file as fileV1, make readV1 decode a fileV1 and return
// upgradeV1ToV2(it), add readV2 and its case below, bump FormatVersion and
// add testdata/roundtrip pairs for both versions.
func decode(path string, data []byte) (*File, error) {
	h, err := readHeader(path, data)
	if err != nil {
		return nil, err
	}
	var f *File
	switch *h.Version {
	case 1:
		f, err = readV1(data)
	default:
		// Unreachable while readHeader bounds the version.
		err = fmt.Errorf("no reader for format version %d", *h.Version)
	}
	if err != nil {
		return nil, &UnusableError{Path: path, Err: err}
	}
	normalize(f)
	return f, nil
}

// readV1 reads a version 1 document. Unknown fields are refused: they mean
// a newer rehome wrote data under the same version, which saving would lose.
func readV1(data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read version 1: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("read version 1: data after the document")
	}
	f.Version = FormatVersion
	return &f, nil
}

// normalize gives a decoded File its invariants: non-nil slices, resources
// sorted by address.
func normalize(f *File) {
	if f.Resources == nil {
		f.Resources = []Resource{}
	}
	if f.Journal == nil {
		f.Journal = []Entry{}
	}
	slices.SortStableFunc(f.Resources, func(a, b Resource) int { return strings.Compare(a.Address, b.Address) })
}

// encode renders f as the current format: indented JSON ending in a newline,
// with empty lists written as [] rather than null.
func encode(f *File) ([]byte, error) {
	c := *f
	if c.Resources == nil {
		c.Resources = []Resource{}
	}
	if c.Journal == nil {
		c.Journal = []Entry{}
	}
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append(data, '\n'), nil
}
