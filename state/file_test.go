package state

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFileResources(t *testing.T) {
	f := NewFile()
	for _, a := range []string{"c", "a", "b", "a"} {
		f.SetResource(Resource{Address: a, Name: "n-" + a})
	}
	f.SetResource(Resource{Address: "b", Name: "changed"})
	addrs := func() []string {
		var out []string
		for _, r := range f.Resources {
			out = append(out, r.Address+"="+r.Name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"a=n-a", "b=changed", "c=n-c"}, addrs()); diff != "" {
		t.Errorf("after SetResource (-want +got):\n%s", diff)
	}
	tests := []struct {
		name   string
		addr   string
		found  bool
		remain []string
	}{
		{"missing", "x", false, []string{"a=n-a", "b=changed", "c=n-c"}},
		{"middle", "b", true, []string{"a=n-a", "c=n-c"}},
		{"first", "a", true, []string{"c=n-c"}},
		{"last", "c", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.FindResource(tt.addr) != nil; got != tt.found {
				t.Errorf("FindResource(%q) found = %v", tt.addr, got)
			}
			if got := f.RemoveResource(tt.addr); got != tt.found {
				t.Errorf("RemoveResource(%q) = %v", tt.addr, got)
			}
			if diff := cmp.Diff(tt.remain, addrs()); diff != "" {
				t.Errorf("remaining (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileJournal(t *testing.T) {
	f := NewFile()
	s1 := f.Begin("apply", "a", "create", "prepare", Undo{Description: "delete a"})
	s2 := f.Begin("apply", "b", "copy", "prepare", Undo{})
	s3 := f.Begin("apply", "c", "copy", "prepare", Undo{})
	s4 := f.Begin("rollback", "a", "delete", "prepare", Undo{})
	if s1 != 1 || s2 != 2 || s3 != 3 || s4 != 4 {
		t.Fatalf("seqs = %d %d %d %d", s1, s2, s3, s4)
	}
	f.End(s1, Done, Result{Copied: 1})
	f.End(s3, Done, Result{})
	f.End(s4, Failed, Result{Error: "boom"})
	f.End(99, Done, Result{}) // no such entry: ignored

	e := f.Entry(s1)
	if e == nil || e.Status != Done || e.Result.Copied != 1 || e.Ended.IsZero() || e.Started.IsZero() || e.Started.Location().String() != "UTC" {
		t.Errorf("Entry(1) = %+v", e)
	}
	if f.Entry(99) != nil || f.Entry(0) != nil {
		t.Errorf("Entry of a missing seq is not nil")
	}
	seqs := func(es []Entry) []int {
		var out []int
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	tests := []struct {
		name string
		got  []Entry
		want []int
	}{
		{"unfinished", f.Unfinished(), []int{2}},
		{"applied apply", f.Applied("apply"), []int{1, 3}},
		{"applied rollback", f.Applied("rollback"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, seqs(tt.got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFileClone(t *testing.T) {
	f := sampleFile(t)
	c := f.Clone()
	if diff := cmp.Diff(f, c); diff != "" {
		t.Fatalf("clone differs:\n%s", diff)
	}
	c.Resources[0].Attrs["ttl"] = "1"
	c.Resources[0].Name = "x"
	c.Journal[0].Undo.Params[6] = '9'
	c.Journal[0].Undo.Keys[0] = "z"
	c.Journal[0].Status = Failed
	if f.Resources[0].Attrs["ttl"] != "300" || f.Resources[0].Name == "x" || string(f.Journal[0].Undo.Params) != `{"ttl":300}` ||
		f.Journal[0].Undo.Keys[0] != "a" || f.Journal[0].Status != Done {
		t.Errorf("changing the clone changed the original")
	}
}
