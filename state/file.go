package state

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// The methods below change a File in memory only; Save persists it. The
// caller synchronises access (or uses [Journal]). Resources are kept sorted
// by address (Load sorts them): change them through SetResource and
// RemoveResource, or FindResource may miss.

// Begin appends a journal entry with the next sequence number, status
// Begun and Started set to now (UTC), and returns its sequence number.
func (f *File) Begin(op, address, action, phase string, undo Undo) int {
	seq := 1
	if n := len(f.Journal); n > 0 {
		seq = f.Journal[n-1].Seq + 1
	}
	f.Journal = append(f.Journal, Entry{
		Seq:     seq,
		Op:      op,
		Address: address,
		Action:  action,
		Phase:   phase,
		Status:  Begun,
		Started: time.Now().UTC(),
		Undo:    undo,
	})
	return seq
}

// End sets the status, result and end time of entry seq. It does nothing
// if there is no such entry.
func (f *File) End(seq int, status Status, res Result) {
	if e := f.Entry(seq); e != nil {
		e.Status = status
		e.Result = res
		e.Ended = time.Now().UTC()
	}
}

// Entry returns the journal entry with sequence number seq, or nil. The
// pointer is valid until the journal is next appended to.
func (f *File) Entry(seq int) *Entry {
	// Sequence numbers normally equal position+1.
	if i := seq - 1; i >= 0 && i < len(f.Journal) && f.Journal[i].Seq == seq {
		return &f.Journal[i]
	}
	for i := range f.Journal {
		if f.Journal[i].Seq == seq {
			return &f.Journal[i]
		}
	}
	return nil
}

// Unfinished returns copies of the entries still Begun: actions that were
// running when rehome stopped, to be checked and completed.
func (f *File) Unfinished() []Entry {
	var out []Entry
	for _, e := range f.Journal {
		if e.Status == Begun {
			out = append(out, e)
		}
	}
	return out
}

// Applied returns copies of the Done entries of operation op, oldest first.
func (f *File) Applied(op string) []Entry {
	var out []Entry
	for _, e := range f.Journal {
		if e.Op == op && e.Status == Done {
			out = append(out, e)
		}
	}
	return out
}

// FindResource returns the resource with the given address, or nil. The
// pointer is valid until the next SetResource or RemoveResource.
func (f *File) FindResource(addr string) *Resource {
	if i, ok := f.findResource(addr); ok {
		return &f.Resources[i]
	}
	return nil
}

// SetResource adds r, or replaces the resource with r's address, keeping
// Resources sorted by address.
func (f *File) SetResource(r Resource) {
	i, ok := f.findResource(r.Address)
	if ok {
		f.Resources[i] = r
		return
	}
	f.Resources = slices.Insert(f.Resources, i, r)
}

// RemoveResource removes the resource with the given address and reports
// whether there was one.
func (f *File) RemoveResource(addr string) bool {
	i, ok := f.findResource(addr)
	if ok {
		f.Resources = slices.Delete(f.Resources, i, i+1)
	}
	return ok
}

func (f *File) findResource(addr string) (int, bool) {
	return slices.BinarySearchFunc(f.Resources, addr, func(r Resource, a string) int {
		return strings.Compare(r.Address, a)
	})
}

// Clone returns a deep copy of f.
func (f *File) Clone() *File {
	c := *f
	c.Resources = slices.Clone(f.Resources)
	for i := range c.Resources {
		c.Resources[i].Attrs = maps.Clone(c.Resources[i].Attrs)
	}
	c.Journal = slices.Clone(f.Journal)
	for i := range c.Journal {
		u := &c.Journal[i].Undo
		u.Params = slices.Clone(u.Params)
		u.Keys = slices.Clone(u.Keys)
	}
	return &c
}
