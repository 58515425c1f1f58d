package queue

// The drain: receive from one queue, publish to another with confirms,
// delete from the first only after the confirm. The cutover drains the
// source into the destination; rollback drains the destination back.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/state"
	"github.com/rehome/rehome/transfer"
)

// Record states of a drained message.
const (
	// msgPublishing: a publish began; whether it landed is unknown.
	msgPublishing = "publishing"
	// msgConfirmed: the destination confirmed it; the source still has it.
	msgConfirmed = "confirmed"
	// msgDone: confirmed, then deleted at the source.
	msgDone = "done"
	// msgLeft: gone from the source without rehome deleting it (another
	// consumer took it, it expired, or the source dead-lettered it).
	msgLeft = "left"
	// msgRedelivered: a delivery an interrupted run had, on a platform
	// without stable message ids; the broker delivers the message again
	// and it is published again under a new record.
	msgRedelivered = "redelivered"
)

// MsgRecord tracks one message of a drain: by its id where the source's
// ids are stable, else one delivery.
type MsgRecord struct {
	State   string `json:"state"`
	Receipt string `json:"receipt,omitempty"`
	// Confirmed counts publishes the destination confirmed, Deduped the
	// confirmed ones it dropped as repeats, Doubt publishes whose outcome
	// is unknown (a crash or a failed call cut them short: each may have
	// landed, or not).
	Confirmed int    `json:"confirmed"`
	Doubt     int    `json:"doubt,omitempty"`
	Deduped   int    `json:"deduped,omitempty"`
	Group     string `json:"group,omitempty"`
}

// Tally counts a drain. The first block is this run's, the second the
// scope's over every run.
type Tally struct {
	Received, Sent, Confirmed, Deduped, Deleted int64
	// Settled counts messages an earlier run had published and confirmed,
	// deleted now without publishing again.
	Settled int64

	// Moved counts the messages deleted at the source after a confirm.
	Moved int64
	// TotalConfirmed counts confirmed publishes over every run,
	// TotalDeduped those the destination dropped as repeats, InDoubt
	// publishes whose outcome is unknown.
	TotalConfirmed, TotalDeduped, InDoubt int64
	// Left counts messages gone from the source without rehome.
	Left int64
}

// Duplicates is how many extra copies the destination holds for certain:
// confirmed publishes beyond one per moved message, less those the
// destination dropped. Each publish in doubt may add one more.
func (t Tally) Duplicates() int64 { return max(t.TotalConfirmed-t.TotalDeduped-t.Moved, 0) }

// Sent counts publishes over every run: the confirmed ones and those in
// doubt.
func (t Tally) TotalSent() int64 { return t.TotalConfirmed + t.InDoubt }

// String is the reconciliation line.
func (t Tally) String() string {
	s := fmt.Sprintf("moved %d: confirmed %d, deleted %d", t.Moved, t.TotalConfirmed, t.Moved)
	if t.TotalDeduped > 0 {
		s += fmt.Sprintf("; %d repeated publish(es) dropped by the destination", t.TotalDeduped)
	}
	if d := t.Duplicates(); d > 0 {
		s += fmt.Sprintf("; %d duplicate(s) at the destination", d)
	}
	if t.InDoubt > 0 {
		s += fmt.Sprintf("; %d publish(es) an interrupted run left unconfirmed, published again", t.InDoubt)
		if t.TotalDeduped == 0 {
			s += " (each may be one more duplicate)"
		}
	}
	if t.Left > 0 {
		s += fmt.Sprintf("; %d message(s) left the source without rehome (consumed elsewhere, expired or dead-lettered)", t.Left)
	}
	return s
}

// drainer moves every message of one queue to another.
type drainer struct {
	caller   *transfer.Caller
	from     providers.MessageMover
	depth    func(ctx context.Context) (providers.QueueDepth, error)
	fromName string // for calls and messages
	to       providers.MessageMover
	toName   string
	records  *state.Progress
	scope    string
	prefix   string // record keys: "" for the cutover's drain, "back/" for rollback's
	fifo     bool
	hold     time.Duration
	timeout  time.Duration
	batch    int
	// prepare, when set, adapts a message before it is published.
	prepare  func(*providers.Message)
	progress *transfer.Progress
	note     func(format string, args ...any)
	poll     time.Duration

	runID     string
	n         int
	recs      map[string]*MsgRecord
	doneLater []string // done records not yet written
}

func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// key names a message's record: its id where ids are stable, else this
// delivery.
func (d *drainer) key(m providers.Message) string {
	if m.Stable {
		return "id/" + m.ID
	}
	d.n++
	return "d/" + d.runID + "/" + strconv.Itoa(d.n)
}

func (d *drainer) load(ctx context.Context) error {
	d.recs = map[string]*MsgRecord{}
	return d.records.ForEach(ctx, d.scope, func(key string, raw []byte) error {
		k, ok := strings.CutPrefix(key, d.prefix)
		if !ok || (d.prefix == "" && strings.HasPrefix(key, "back/")) {
			return nil
		}
		var r MsgRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("progress %s: record %q: %w", d.scope, key, err)
		}
		d.recs[k] = &r
		return nil
	})
}

// put makes the records of keys durable, with the done records waiting
// for a write. (A done record may wait: until it is written the message
// stands confirmed, and a confirmed message gone from the source is done.)
func (d *drainer) put(ctx context.Context, keys []string) error {
	if len(keys) == 0 && len(d.doneLater) == 0 {
		return nil
	}
	items := make(map[string]any, len(keys)+len(d.doneLater))
	for _, k := range append(d.doneLater, keys...) {
		items[d.prefix+k] = *d.recs[k]
	}
	if err := d.records.PutMany(ctx, d.scope, items); err != nil {
		return err
	}
	d.doneLater = d.doneLater[:0]
	return nil
}

// run drains until the source is empty or the timeout passes.
func (d *drainer) run(ctx context.Context) (Tally, error) {
	var t Tally
	if d.runID == "" {
		d.runID = newRunID()
	}
	if d.poll == 0 {
		d.poll = 100 * time.Millisecond
	}
	if err := d.load(ctx); err != nil {
		return t, err
	}
	if err := d.settle(ctx); err != nil {
		return t, err
	}
	deadline := time.Now().Add(d.timeout)
	for {
		if err := ctx.Err(); err != nil {
			return t, fmt.Errorf("interrupted after %d messages: %w", t.Deleted, err)
		}
		var msgs []providers.Message
		err := d.caller.Do(ctx, "receive from "+d.fromName, func(ctx context.Context, _ int) error {
			var err error
			msgs, err = d.from.ReceiveMessages(ctx, d.fromName, d.batch, d.hold)
			return err
		})
		if err != nil {
			return t, fmt.Errorf("receive from %s: %w", d.fromName, err)
		}
		if len(msgs) > 0 {
			if err := d.one(ctx, msgs, &t); err != nil {
				return t, err
			}
			continue
		}
		var depth providers.QueueDepth
		err = d.caller.Do(ctx, "count messages of "+d.fromName, func(ctx context.Context, _ int) error {
			var err error
			depth, err = d.depth(ctx)
			return err
		})
		if err != nil {
			return t, fmt.Errorf("count messages of %s: %w", d.fromName, err)
		}
		if depth.Total() == 0 {
			break
		}
		if time.Now().After(deadline) {
			return t, fmt.Errorf("%s still holds %d in flight and %d delayed message(s) after drain_timeout %s (is a consumer still running?); "+
				"run the cutover again to go on", d.fromName, max(depth.InFlight, 0), depth.Delayed, duration(d.timeout))
		}
		if err := sleep(ctx, d.poll); err != nil {
			return t, err
		}
	}
	return d.finish(ctx, t)
}

// settle deals with what an interrupted run left: a confirmed message is
// deleted (by its receipt, or when it is received again), an unconfirmed
// one is made visible again to be published again. Deliveries without
// stable ids cannot be recognised again: the broker delivers them anew.
func (d *drainer) settle(ctx context.Context) error {
	var release, del, changed []string
	for k, r := range d.recs {
		if r.State != msgPublishing && r.State != msgConfirmed {
			continue
		}
		if r.State == msgPublishing {
			r.Doubt++ // it may have landed before the crash
			changed = append(changed, k)
		}
		if !strings.HasPrefix(k, "id/") {
			r.State = msgRedelivered
			changed = append(changed, k)
			continue
		}
		if r.Receipt == "" {
			continue
		}
		if r.State == msgConfirmed {
			del = append(del, r.Receipt)
		} else {
			release = append(release, r.Receipt)
		}
	}
	if err := d.put(ctx, changed); err != nil {
		return err
	}
	if len(del)+len(release)+len(changed) > 0 {
		d.note("resuming an interrupted drain of %s: %d confirmed message(s) to delete, %d unconfirmed to publish again, %d delivery(ies) the broker redelivers",
			d.fromName, len(del), len(release), len(changed))
	}
	if len(del) > 0 {
		if err := d.caller.Do(ctx, "delete from "+d.fromName, func(ctx context.Context, _ int) error {
			return d.from.DeleteMessages(ctx, d.fromName, del)
		}); err != nil {
			return fmt.Errorf("delete confirmed messages from %s: %w", d.fromName, err)
		}
	}
	if len(release) > 0 {
		if err := d.caller.Do(ctx, "release messages of "+d.fromName, func(ctx context.Context, _ int) error {
			return d.from.ReleaseMessages(ctx, d.fromName, release)
		}); err != nil {
			return fmt.Errorf("release messages of %s: %w", d.fromName, err)
		}
	}
	return nil
}

// one moves one received batch: intents durable, publish (a FIFO queue's
// one message at a time, so a failure never lets a later message of a
// group land before an earlier one), confirms durable, delete at the
// source, done durable.
func (d *drainer) one(ctx context.Context, msgs []providers.Message, t *Tally) error {
	t.Received += int64(len(msgs))
	var send []providers.Message
	var sendKeys, delKeys, intents []string
	for _, m := range msgs {
		k := d.key(m)
		r, ok := d.recs[k]
		if !ok {
			r = &MsgRecord{}
			d.recs[k] = r
		}
		r.Receipt, r.Group = m.Receipt, m.GroupID
		if r.State == msgConfirmed || r.State == msgDone {
			// Published and confirmed before; a delete that did not take
			// (a crash, or a receipt gone stale) left it at the source.
			delKeys = append(delKeys, k)
			t.Settled++
			continue
		}
		r.State = msgPublishing
		intents = append(intents, k)
		if d.prepare != nil {
			d.prepare(&m)
		}
		send = append(send, m)
		sendKeys = append(sendKeys, k)
	}
	if err := d.put(ctx, append(intents, delKeys...)); err != nil {
		return err
	}
	t.Sent += int64(len(send))
	var confirmed []string
	for i, end := 0, 0; i < len(send); i = end {
		end = chunkEnd(send, i, d.fifo)
		chunk, keys := send[i:end], sendKeys[i:end]
		var pub []providers.Published
		err := d.caller.Do(ctx, "publish to "+d.toName, func(ctx context.Context, attempt int) error {
			if attempt > 1 { // the failed attempt may have landed
				for _, k := range keys {
					d.recs[k].Doubt++
				}
				if err := d.put(ctx, keys); err != nil {
					return err
				}
			}
			var err error
			pub, err = d.to.PublishMessages(ctx, d.toName, chunk)
			if err == nil && len(pub) != len(chunk) {
				err = fmt.Errorf("%d of %d messages confirmed", len(pub), len(chunk))
			}
			return err
		})
		if err != nil {
			// What was confirmed is recorded and deleted; the rest goes back
			// to the source, to be published again.
			var back []string
			for _, m := range send[i:] {
				back = append(back, m.Receipt)
			}
			for _, k := range sendKeys[i:] {
				d.recs[k].Doubt++ // a failed publish may still have landed
			}
			if perr := d.put(ctx, sendKeys[i:]); perr != nil {
				return perr
			}
			_ = d.from.ReleaseMessages(context.WithoutCancel(ctx), d.fromName, back)
			if perr := d.confirm(ctx, confirmed, t); perr != nil {
				return perr
			}
			return fmt.Errorf("publish to %s: %w", d.toName, err)
		}
		for j, k := range keys {
			r := d.recs[k]
			r.State = msgConfirmed
			r.Confirmed++
			t.Confirmed++
			if pub[j].Duplicate {
				r.Deduped++
				t.Deduped++
			}
		}
		confirmed = append(confirmed, keys...)
	}
	return d.confirm(ctx, append(confirmed, delKeys...), t)
}

// chunkEnd returns the end of the chunk of msgs starting at i that is
// published at once: all of them, or for a FIFO queue at most one message
// of each group, so that a failed chunk never lets a later message of a
// group land before an earlier one.
func chunkEnd(msgs []providers.Message, i int, fifo bool) int {
	if !fifo {
		return len(msgs)
	}
	groups := map[string]bool{}
	j := i
	for ; j < len(msgs); j++ {
		if groups[msgs[j].GroupID] {
			break
		}
		groups[msgs[j].GroupID] = true
	}
	return j
}

// confirm records confirmed messages, deletes them at the source and
// records them done.
func (d *drainer) confirm(ctx context.Context, keys []string, t *Tally) error {
	if len(keys) == 0 {
		return nil
	}
	if err := d.put(ctx, keys); err != nil {
		return err
	}
	receipts := make([]string, len(keys))
	for i, k := range keys {
		receipts[i] = d.recs[k].Receipt
	}
	if err := d.caller.Do(ctx, "delete from "+d.fromName, func(ctx context.Context, _ int) error {
		return d.from.DeleteMessages(ctx, d.fromName, receipts)
	}); err != nil {
		return fmt.Errorf("delete published messages from %s: %w", d.fromName, err)
	}
	for _, k := range keys {
		r := d.recs[k]
		r.State, r.Receipt = msgDone, ""
	}
	d.doneLater = append(d.doneLater, keys...)
	t.Deleted += int64(len(keys))
	if d.progress != nil {
		d.progress.Add(int64(len(keys)), 0)
	}
	return nil
}

// finish closes the records once the source is empty and totals them.
func (d *drainer) finish(ctx context.Context, t Tally) (Tally, error) {
	var changed []string
	for k, r := range d.recs {
		switch r.State {
		case msgConfirmed: // deleted by settle's receipt
			r.State, r.Receipt = msgDone, ""
			changed = append(changed, k)
			t.Deleted++
		case msgPublishing:
			r.State, r.Receipt = msgLeft, ""
			changed = append(changed, k)
		}
	}
	if err := d.put(ctx, changed); err != nil {
		return t, err
	}
	for _, r := range d.recs {
		t.InDoubt += int64(r.Doubt)
		t.TotalConfirmed += int64(r.Confirmed)
		t.TotalDeduped += int64(r.Deduped)
		switch r.State {
		case msgDone:
			t.Moved++
		case msgLeft:
			t.Left++
		}
	}
	if t.Sent != t.Confirmed {
		return t, fmt.Errorf("reconcile %s: this run sent %d and saw %d confirmed", d.fromName, t.Sent, t.Confirmed)
	}
	if t.Confirmed+t.Settled > t.Deleted {
		return t, fmt.Errorf("reconcile %s: %d confirmed, %d deleted", d.fromName, t.Confirmed+t.Settled, t.Deleted)
	}
	return t, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
