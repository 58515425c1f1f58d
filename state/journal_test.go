package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestJournalBeginIsPersisted(t *testing.T) {
	ctx := t.Context()
	s := Open(t.TempDir())
	f, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := NewJournal(s, f)
	seq, err := j.Begin(ctx, "apply", "move.storage.assets.bucket[\"b\"]", "copy", "prepare", Undo{Description: "delete b"})
	if err != nil {
		t.Fatal(err)
	}
	// Before End: a crash now must leave a Begun entry on disk.
	disk, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := disk.Entry(seq); e == nil || e.Status != Begun || e.Undo.Description != "delete b" {
		t.Fatalf("entry on disk after Begin = %+v; want Begun", e)
	}
	if u := disk.Unfinished(); len(u) != 1 {
		t.Errorf("Unfinished on disk = %v", u)
	}

	if err := j.End(ctx, seq, Done, Result{Copied: 7}); err != nil {
		t.Fatal(err)
	}
	disk, err = s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := disk.Entry(seq); e == nil || e.Status != Done || e.Result.Copied != 7 {
		t.Errorf("entry on disk after End = %+v; want Done", e)
	}
	if err := j.End(ctx, 42, Done, Result{}); err == nil {
		t.Errorf("End of a missing entry succeeded")
	}

	err = j.Update(ctx, func(f *File) { f.Phase = "applied" })
	if err != nil {
		t.Fatal(err)
	}
	disk, _ = s.Load(ctx)
	if disk.Phase != "applied" || disk.Serial != j.Snapshot().Serial {
		t.Errorf("after Update: disk phase %q serial %d, journal serial %d", disk.Phase, disk.Serial, j.Snapshot().Serial)
	}
}

func TestJournalBeginFailsIfNotSaved(t *testing.T) {
	ctx := t.Context()
	s := Open(t.TempDir())
	mustSave(t, s, NewFile()) // another lineage is on disk
	j := NewJournal(s, NewFile())
	_, err := j.Begin(ctx, "apply", "a", "create", "prepare", Undo{})
	var le *LineageError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v; want *LineageError", err)
	}
	if n := len(j.Snapshot().Journal); n != 0 {
		t.Errorf("unsaved entry kept in memory: %d entries", n)
	}
}

func TestJournalConcurrent(t *testing.T) {
	ctx := t.Context()
	s := Open(t.TempDir())
	j := NewJournal(s, NewFile())
	const workers = 24
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Go(func() {
			addr := fmt.Sprintf("a%02d", i)
			seq, err := j.Begin(ctx, "apply", addr, "copy", "prepare", Undo{})
			if err != nil {
				errs <- err
				return
			}
			_ = j.Snapshot()
			if err := j.Update(ctx, func(f *File) { f.SetResource(Resource{Address: addr, Created: true}) }); err != nil {
				errs <- err
				return
			}
			if err := j.End(ctx, seq, Done, Result{Copied: int64(i)}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	disk, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(disk.Applied("apply")); got != workers {
		t.Errorf("done entries on disk = %d; want %d", got, workers)
	}
	if got := len(disk.Resources); got != workers {
		t.Errorf("resources on disk = %d; want %d", got, workers)
	}
	for i, e := range disk.Journal {
		if e.Seq != i+1 {
			t.Errorf("journal[%d].Seq = %d", i, e.Seq)
		}
	}
	if want := uint64(3 * workers); disk.Serial != want {
		t.Errorf("serial = %d; want %d (one per save)", disk.Serial, want)
	}
}
