package views

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rehome/rehome/planner"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./cmd/rehome/views/ -update` to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); rerun with -update if the change is intended:\n%s", path, diff)
	}
}

var testPlans = []struct {
	name string
	plan func() *planner.Plan
}{
	{"first", firstPlan},
	{"nochanges", noChangesPlan},
	{"overwrite", overwritePlan},
	{"empty", emptyPlan},
}

func TestPlanGolden(t *testing.T) {
	for _, tc := range testPlans {
		t.Run(tc.name, func(t *testing.T) {
			renders := []struct {
				suffix string
				render func(*bytes.Buffer, *planner.Plan) error
			}{
				{"human", func(b *bytes.Buffer, p *planner.Plan) error { return RenderPlanHuman(b, p, HumanOptions{}) }},
				{"color", func(b *bytes.Buffer, p *planner.Plan) error { return RenderPlanHuman(b, p, HumanOptions{Color: true}) }},
				{"md", func(b *bytes.Buffer, p *planner.Plan) error { return RenderPlanMarkdown(b, p) }},
				{"json", func(b *bytes.Buffer, p *planner.Plan) error { return RenderPlanJSON(b, p) }},
			}
			for _, r := range renders {
				t.Run(r.suffix, func(t *testing.T) {
					p := tc.plan()
					var b bytes.Buffer
					if err := r.render(&b, p); err != nil {
						t.Fatal(err)
					}
					golden(t, "plan_"+tc.name+"."+r.suffix+".golden", b.Bytes())
					if diff := cmp.Diff(tc.plan(), p); diff != "" {
						t.Errorf("rendering changed the plan (-before +after):\n%s", diff)
					}
					// Same input, same bytes.
					var again bytes.Buffer
					if err := r.render(&again, tc.plan()); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b.Bytes(), again.Bytes()) {
						t.Error("two renderings of the same plan differ")
					}
					if r.suffix != "color" && bytes.Contains(b.Bytes(), []byte("\x1b[")) {
						t.Error("ANSI escape in an uncoloured rendering")
					}
				})
			}
		})
	}
}

func TestPlanJSON(t *testing.T) {
	t.Run("nil lists are []", func(t *testing.T) {
		p := emptyPlan()
		p.Actions = []planner.Action{{Address: "a", Action: planner.ActCreate, Phase: planner.PhasePrepare}}
		var b bytes.Buffer
		if err := RenderPlanJSON(&b, p); err != nil {
			t.Fatal(err)
		}
		if p.Actions[0].DependsOn != nil || p.Audit != nil || p.Cost.Items != nil {
			t.Error("RenderPlanJSON filled in the caller's plan")
		}
		var doc map[string]any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"actions", "audit", "environments"} {
			if _, ok := doc[k].([]any); !ok {
				t.Errorf("%s = %#v, want a list", k, doc[k])
			}
		}
		if _, ok := doc["cost"].(map[string]any)["items"].([]any); !ok {
			t.Errorf("cost.items is not a list: %s", b.String())
		}
		if _, ok := doc["actions"].([]any)[0].(map[string]any)["depends_on"].([]any); !ok {
			t.Errorf("depends_on is not a list: %s", b.String())
		}
		if !bytes.HasSuffix(b.Bytes(), []byte("}\n")) || !bytes.HasPrefix(b.Bytes(), []byte("{\n  \"format_version\"")) {
			t.Errorf("want 2-space indent and a trailing newline:\n%s", b.String())
		}
	})
	t.Run("round trip", func(t *testing.T) {
		for _, tc := range testPlans {
			var b bytes.Buffer
			if err := RenderPlanJSON(&b, tc.plan()); err != nil {
				t.Fatal(err)
			}
			var got planner.Plan
			dec := json.NewDecoder(&b)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.plan(), &got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: JSON does not decode to the plan (-want +got):\n%s", tc.name, diff)
			}
		}
	})
}

func TestPlanHumanDetails(t *testing.T) {
	render := func(p *planner.Plan) string {
		var b bytes.Buffer
		if err := RenderPlanHuman(&b, p, HumanOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	t.Run("blockers come first", func(t *testing.T) {
		out := render(firstPlan())
		open := strings.Index(out, "storage.object-lock.shop-media")
		ack := strings.Index(out, "secrets.binary-value.legacy-cert")
		warn := strings.Index(out, "dns.alias.apex")
		prep := strings.Index(out, "Prepare phase")
		if !(open >= 0 && open < ack && ack < warn && warn < prep) {
			t.Errorf("want open blocker, acknowledged blocker, warning, then actions; got offsets %d %d %d %d", open, ack, warn, prep)
		}
	})
	t.Run("no-ops counted, not listed", func(t *testing.T) {
		out := render(firstPlan())
		if strings.Contains(out, `bucket["shop-logs"]`) || !strings.Contains(out, "1 unchanged") {
			t.Errorf("want the no-op summarised as 1 unchanged:\n%s", out)
		}
	})
	t.Run("only no-ops are listed", func(t *testing.T) {
		out := render(noChangesPlan())
		if !strings.Contains(out, `= move.storage.assets.bucket["shop-assets"]  (unchanged)`) {
			t.Errorf("want the no-ops listed:\n%s", out)
		}
		if !strings.Contains(out, "No changes. The destination matches the source. 2 cutover steps pending") {
			t.Errorf("want the no-changes line with pending cutover:\n%s", out)
		}
	})
	t.Run("items over ten are cut", func(t *testing.T) {
		out := render(firstPlan())
		if strings.Contains(out, "old A") || !strings.Contains(out, "_acme-challenge TXT and 4 more") {
			t.Errorf("want 10 items and 'and 4 more':\n%s", out)
		}
	})
	t.Run("summary line", func(t *testing.T) {
		out := render(firstPlan())
		want := "Plan: 3 to create, 4 to copy (49,417 objects, 12.4 GiB, 14 records, 3 secrets), 1 to verify, 1 TTL to lower, 0 to remove; 2 cutover steps pending; 1 blocker, 1 warning.\n"
		if !strings.HasSuffix(out, want) {
			t.Errorf("last line:\n got %q\nwant %q", out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:], want)
		}
	})
	t.Run("removals are counted with deletions", func(t *testing.T) {
		p := firstPlan()
		for i := range p.Actions {
			if p.Actions[i].Action == planner.ActCopy && p.Actions[i].Phase == planner.PhasePrepare {
				p.Actions[i].Estimate.Removals = 2
				break
			}
		}
		if out := render(p); !strings.Contains(out, "2 to remove (items rehome copied earlier, gone from the source)") {
			t.Errorf("summary does not show the removals:\n%s", out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:])
		}
	})
}

func TestMarkdownDetails(t *testing.T) {
	var b bytes.Buffer
	if err := RenderPlanMarkdown(&b, firstPlan()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`load balancer \| converted to A records`, // pipe escaped in a table cell
		"(compliance mode);<br>hetzner",           // line break kept inside the cell
		"step 1 (`move.storage.assets.bucket[\"shop-assets\"]`)",
		"Unchanged (1): `move.storage.assets.bucket[\"shop-logs\"]`.",
		"11. **Switch**",
		"1. Step 11, `move.dns.zones.delegation[\"shop.example.com\"]`: set the registrar's NS back",
		"`rehome finalize`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every row of a table has as many cells as its header.
	cells := func(line string) int { return strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") }
	want := 0
	for i, line := range strings.Split(out, "\n") {
		switch {
		case !strings.HasPrefix(line, "|"):
			want = 0
		case want == 0:
			want = cells(line)
		case cells(line) != want:
			t.Errorf("line %d has %d cell separators, its header %d: %q", i+1, cells(line), want, line)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"}, {1, "1 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{3355443, "3.2 MiB"}, {1048575, "1.0 MiB"}, {1<<30 - 1, "1.0 GiB"}, {13314398618, "12.4 GiB"},
		{5 << 40, "5.0 TiB"}, {-2048, "-2.0 KiB"}, {1<<63 - 1, "8.0 EiB"}, {-1 << 63, "-8.0 EiB"},
	} {
		if got := HumanBytes(tc.in); got != tc.want {
			t.Errorf("HumanBytes(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHumanCount(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0"}, {12, "12"}, {999, "999"}, {1000, "1,000"}, {1204, "1,204"}, {123456, "123,456"},
		{1234567, "1,234,567"}, {-1204, "-1,204"}, {-100, "-100"}, {-1 << 63, "-9,223,372,036,854,775,808"},
	} {
		if got := HumanCount(tc.in); got != tc.want {
			t.Errorf("HumanCount(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
