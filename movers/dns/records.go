package dns

// Per-set records, kept in the state's progress store, shared by the diff,
// the copy and rollback.

import (
	"github.com/rehome/rehome/providers"
)

// Scope is the progress scope of one zone of a dns move (destination
// side); it includes where the destination points (Env.ID), so a move
// pointed elsewhere starts afresh.
func Scope(move, dstID, zone string) string { return "dns/" + move + "/" + dstID + "/" + zone }

// TTLScope is the progress scope of the source TTLs a dns move lowered.
func TTLScope(move, srcID, zone string) string { return "dns-ttl/" + move + "/" + srcID + "/" + zone }

// SetRecord tracks one destination record set of a dns move: its first
// pre-image (Old, nil when the set did not exist), what rehome last wrote
// there (Written, nil after a removal) and what it wrote before that
// (Prev).
type SetRecord struct {
	Old     *providers.RecordSet `json:"old"`
	Written *providers.RecordSet `json:"written,omitempty"`
	Prev    *providers.RecordSet `json:"prev,omitempty"`
}

// Owns is the ownership rule for record sets, applied alike by the diff,
// the copy and rollback: the set cur standing at the destination is
// rehome's only while it holds what rehome wrote — a set someone changed
// or re-created since is foreign again. Prev counts too: a crash between
// recording a write and making it leaves the earlier write in place.
func (r *SetRecord) Owns(cur providers.RecordSet) bool {
	return r != nil && ((r.Written != nil && r.Written.Equal(cur)) || (r.Prev != nil && r.Prev.Equal(cur)))
}

// TTLRecord keeps a source record set's TTL before rehome lowered it.
type TTLRecord struct {
	Set providers.RecordSet `json:"set"`
}

// SerialScope holds, per zone, the source's SOA serial before rehome
// first lowered its TTLs, for a rollback to put back.
func SerialScope(ttlScope string) string { return ttlScope + "/serial" }

// SerialRecord is the source zone's serial and the digest of its other
// sets before the first lowering.
type SerialRecord struct {
	Serial uint32 `json:"serial"`
	Digest string `json:"digest"`
}
