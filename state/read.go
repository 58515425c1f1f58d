package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
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
// to upgradeVnToVn+1 until it is the current File. To introduce version 3:
// copy today's File into this file as fileV2, make readV2 decode a fileV2
// and return upgradeV2ToV3(it), add readV3 and its case below, bump
// FormatVersion and add testdata/roundtrip pairs for the new version.
func decode(path string, data []byte) (*File, error) {
	h, err := readHeader(path, data)
	if err != nil {
		return nil, err
	}
	var f *File
	switch *h.Version {
	case 1:
		f, err = readV1(data)
	case 2:
		f, err = readV2(data)
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

// strictDecode decodes one JSON document into v, refusing unknown fields
// (a newer rehome wrote data under the same version, which saving would
// lose) and trailing data.
func strictDecode(data []byte, v any, version int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("read version %d: %w", version, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("read version %d: data after the document", version)
	}
	return nil
}

// readV2 reads a version 2 document, the current one.
func readV2(data []byte) (*File, error) {
	var f File
	if err := strictDecode(data, &f, 2); err != nil {
		return nil, err
	}
	return &f, nil
}

// Version 1: undo parameters were one string map, holding the step's sides
// and its kind's parameters alike, and a result's "skipped" counted items
// found already done.

type fileV1 struct {
	Version   int          `json:"version"`
	Lineage   string       `json:"lineage"`
	Serial    uint64       `json:"serial"`
	Migration string       `json:"migration"`
	Phase     string       `json:"phase"`
	Resources []resourceV1 `json:"resources"`
	Journal   []entryV1    `json:"journal"`
}

type resourceV1 struct {
	Address string            `json:"address"`
	Kind    string            `json:"kind"`
	Type    string            `json:"type"`
	Env     string            `json:"env"`
	Name    string            `json:"name"`
	Created bool              `json:"created"`
	Changed bool              `json:"changed"`
	Attrs   map[string]string `json:"attrs,omitempty"`
}

type entryV1 struct {
	Seq     int       `json:"seq"`
	Op      string    `json:"op"`
	Address string    `json:"address"`
	Action  string    `json:"action"`
	Phase   string    `json:"phase"`
	Status  Status    `json:"status"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Result  resultV1  `json:"result"`
	Undo    undoV1    `json:"undo"`
}

type resultV1 struct {
	Copied   int64  `json:"copied,omitempty"`
	Skipped  int64  `json:"skipped,omitempty"`
	Deleted  int64  `json:"deleted,omitempty"`
	Restored int64  `json:"restored,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
	Created  bool   `json:"created,omitempty"`
	Error    string `json:"error,omitempty"`
}

type undoV1 struct {
	Description string            `json:"description"`
	Params      map[string]string `json:"params,omitempty"`
}

func readV1(data []byte) (*File, error) {
	var f fileV1
	if err := strictDecode(data, &f, 1); err != nil {
		return nil, err
	}
	return upgradeV1ToV2(&f)
}

// upgradeV1ToV2 moves the sides, move, kind, type and scope out of the
// undo parameter map into their own fields and keeps the rest as the
// kind's parameters, typed as version 1's writers meant them: the flags
// "overwrite", "replace" as booleans, "ttl" as a number, "skip_types" as a
// list; a secret step's "name" becomes its one key.
func upgradeV1ToV2(in *fileV1) (*File, error) {
	f := &File{Version: FormatVersion, Lineage: in.Lineage, Serial: in.Serial, Migration: in.Migration, Phase: Phase(in.Phase)}
	for _, r := range in.Resources {
		f.Resources = append(f.Resources, Resource{Address: r.Address, Kind: r.Kind, Type: r.Type, Env: r.Env,
			Name: r.Name, Created: r.Created, Changed: r.Changed, Attrs: r.Attrs})
	}
	for _, e := range in.Journal {
		u, err := upgradeUndoV1(e.Undo)
		if err != nil {
			return nil, fmt.Errorf("upgrade journal entry %d: %w", e.Seq, err)
		}
		r := e.Result
		f.Journal = append(f.Journal, Entry{Seq: e.Seq, Op: e.Op, Address: e.Address, Action: e.Action, Phase: e.Phase,
			Status: e.Status, Started: e.Started, Ended: e.Ended, Undo: u,
			Result: Result{Copied: r.Copied, AlreadyDone: r.Skipped, Deleted: r.Deleted, Restored: r.Restored,
				Bytes: r.Bytes, Created: r.Created, Error: r.Error}})
	}
	return f, nil
}

func upgradeUndoV1(in undoV1) (Undo, error) {
	p := in.Params
	u := Undo{Description: in.Description}
	if len(p) == 0 {
		return u, nil
	}
	take := func(k string) string {
		v := p[k]
		delete(p, k)
		return v
	}
	u.Move, u.Kind, u.Type, u.Scope = take("move"), take("kind"), take("type"), take("scope")
	u.From = Endpoint{Env: take("from_env"), Name: take("from"), ID: take("from_id")}
	u.To = Endpoint{Env: take("to_env"), Name: take("to"), ID: take("to_id")}
	if n, ok := p["name"]; ok && u.Scope != "" {
		u.Keys = []string{n}
	}
	if len(p) == 0 {
		return u, nil
	}
	params := map[string]any{}
	for k, v := range p {
		switch k {
		case "overwrite", "replace":
			params[k] = v == "true"
		case "ttl":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return u, fmt.Errorf("undo parameter ttl %q is not a number", v)
			}
			params[k] = n
		case "skip_types":
			params[k] = strings.Split(v, ",")
		default:
			params[k] = v
		}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return u, err
	}
	u.Params = raw
	return u, nil
}

// normalize gives a decoded File its invariants: non-nil slices, compact
// undo parameters, resources sorted by address.
func normalize(f *File) {
	if f.Resources == nil {
		f.Resources = []Resource{}
	}
	if f.Journal == nil {
		f.Journal = []Entry{}
	}
	for i := range f.Journal {
		// Parameters are kept compact, whatever the indentation they were
		// read with, so a File compares equal to itself after a round trip.
		if raw := f.Journal[i].Undo.Params; len(raw) > 0 {
			var b bytes.Buffer
			if json.Compact(&b, raw) == nil {
				f.Journal[i].Undo.Params = b.Bytes()
			}
		}
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
