package audit

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rehome/rehome/providers"
)

// Status is what the move does with a source resource.
type Status string

const (
	// Moved: a move block covers it.
	Moved Status = "moved"
	// LeftBehind: it stays at the source; the destination has an
	// equivalent a move (or a person) could use.
	LeftBehind Status = "left_behind"
	// NoEquivalent: the destination platform has no such service; the
	// item names the self-managed or alternative target.
	NoEquivalent Status = "no_equivalent"
)

// Item is one classified source resource.
type Item struct {
	Address  string            `json:"address"` // env.TYPE["NAME"]
	Env      string            `json:"env"`
	Provider string            `json:"provider"`
	Type     string            `json:"type"`
	Name     string            `json:"name"`
	ID       string            `json:"id,omitempty"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Status   Status            `json:"status"`
	// MovedBy is the action (or move) that moves it.
	MovedBy string `json:"moved_by,omitempty"`
	// Destination is the platform compared with (hcloud, digitalocean,
	// aws, self-hosted).
	Destination string `json:"destination,omitempty"`
	// Equivalent names the destination's counterpart (a server type, a
	// service), or for NoEquivalent the alternative target.
	Equivalent string `json:"equivalent,omitempty"`
	// EquivalentClass is the destination size picked for compute (cx32).
	EquivalentClass string `json:"equivalent_class,omitempty"`
	// Note adds what a reader must know (an architecture change).
	Note string `json:"note,omitempty"`
	// Prices from the plan's cost report, in Currency, per month: the
	// resource at the source, and what the cost report priced at the
	// destination (PricedAs). Nil: not priced, or a price is unknown.
	Monthly           *float64 `json:"monthly,omitempty"`
	EquivalentMonthly *float64 `json:"equivalent_monthly,omitempty"`
	PricedAs          string   `json:"priced_as,omitempty"`
	Currency          string   `json:"currency,omitempty"`
}

// Size is one server, droplet or instance size.
type Size struct {
	Class     string `json:"class"`
	VCPUs     int    `json:"vcpus"`
	MemoryMiB int    `json:"memory_mib"`
	Arch      string `json:"arch"`
	Dedicated bool   `json:"dedicated,omitempty"`
}

// Service is the destination's counterpart of a resource type: an
// equivalent, or (none) an alternative.
type Service struct {
	Equivalent  string `json:"equivalent,omitempty"`
	Alternative string `json:"alternative,omitempty"`
}

// Platform is one destination platform's sizes and services.
type Platform struct {
	Title     string             `json:"title"`
	Source    string             `json:"source"`
	Instances []Size             `json:"instances"`
	Services  map[string]Service `json:"services"`
}

// Equivalents is the table of destination counterparts.
type Equivalents struct {
	AsOf      string              `json:"as_of"`
	Platforms map[string]Platform `json:"platforms"`
}

//go:embed equivalents.json
var equivalentsJSON []byte

// BuiltinEquivalents returns the embedded table.
func BuiltinEquivalents() (*Equivalents, error) {
	var e Equivalents
	if err := json.Unmarshal(equivalentsJSON, &e); err != nil {
		return nil, fmt.Errorf("audit: equivalents.json (built in): %w", err)
	}
	return &e, nil
}

// Platform maps a destination provider to the platform of the table:
// the clouds are themselves; everything else (local, s3, postgres, mysql,
// sqlite, rabbitmq, nats, ...) is self-hosted.
func PlatformOf(provider string) string {
	switch provider {
	case "aws", "hcloud", "digitalocean":
		return provider
	}
	return "self-hosted"
}

// Nearest returns the smallest size of the platform with at least the
// vCPUs and memory asked for, on the same architecture when one is
// (at equal size, the one listed first in the table); note says what differs (another
// architecture, less than asked when nothing is big enough).
func (p Platform) Nearest(vcpus, memMiB int, arch string) (s Size, note string, ok bool) {
	if len(p.Instances) == 0 {
		return Size{}, "", false
	}
	pick := func(sameArch bool) (Size, bool) {
		best, found := Size{}, false
		for _, c := range p.Instances {
			if sameArch && arch != "" && c.Arch != arch {
				continue
			}
			if c.VCPUs < vcpus || c.MemoryMiB < memMiB {
				continue
			}
			if !found || less(c, best) {
				best, found = c, true
			}
		}
		return best, found
	}
	if s, ok := pick(true); ok {
		return s, "", true
	}
	if s, ok := pick(false); ok {
		return s, fmt.Sprintf("no %s size at %s: the workload moves to %s (rebuild images and binaries)", arch, p.Title, s.Arch), true
	}
	// Nothing is big enough: the largest, said so.
	best := p.Instances[0]
	for _, c := range p.Instances[1:] {
		if c.VCPUs*1<<20+c.MemoryMiB > best.VCPUs*1<<20+best.MemoryMiB {
			best = c
		}
	}
	return best, fmt.Sprintf("no size at %s has %d vCPUs and %s: the largest is shown; split the workload", p.Title, vcpus, mib(memMiB)), true
}

// less orders sizes by a cost proxy: a vCPU weighs as 2 GiB of memory,
// a dedicated one three times as much.
func less(a, b Size) bool {
	wa, wb := weight(a), weight(b)
	if wa != wb {
		return wa < wb
	}
	return false // equal: the table's order decides (cheaper lines first)
}

func weight(s Size) float64 {
	v := float64(s.VCPUs) * 2048
	if s.Dedicated {
		v *= 3
	}
	return v + float64(s.MemoryMiB)
}

func mib(m int) string {
	if m%1024 == 0 {
		return fmt.Sprintf("%d GiB", m/1024)
	}
	return fmt.Sprintf("%.1f GiB", float64(m)/1024)
}

// Describe formats a size: "cx32 (4 vCPU, 8 GiB, x86_64)".
func (s Size) Describe() string {
	d := ""
	if s.Dedicated {
		d = ", dedicated"
	}
	return fmt.Sprintf("%s (%d vCPU, %s, %s%s)", s.Class, s.VCPUs, mib(s.MemoryMiB), s.Arch, d)
}

// Source is one source environment's inventory and where its moves go.
type Source struct {
	Inventory *providers.Inventory
	// Destination is the provider its resources would go to (the
	// destination of its moves), "" when it has none.
	Destination string
}

// Coverage says which source resources moves cover.
type Coverage interface {
	// MovedBy returns the address of the action or move covering r, "".
	MovedBy(r providers.Resource) string
}

// Classify classifies every resource of the sources, in inventory order.
func Classify(srcs []Source, cov Coverage, eq *Equivalents) []Item {
	var out []Item
	for _, s := range srcs {
		if s.Inventory == nil {
			continue
		}
		platform := PlatformOf(s.Destination)
		pl := eq.Platforms[platform]
		for _, r := range s.Inventory.Resources {
			it := Item{Address: Address(r), Env: r.Env, Provider: r.Provider, Type: r.Type, Name: r.Name, ID: r.ID,
				Attrs: r.Attrs, Destination: platform}
			if it.Env == "" {
				it.Env = s.Inventory.Env
				it.Address = Address(providers.Resource{Env: it.Env, Type: r.Type, Name: r.Name})
			}
			if it.Provider == "" {
				it.Provider = s.Inventory.Provider
			}
			if by := cov.MovedBy(r); by != "" {
				it.Status, it.MovedBy = Moved, by
				out = append(out, it)
				continue
			}
			svc, known := pl.Services[r.Type]
			switch {
			case !known:
				it.Status, it.Equivalent = NoEquivalent, "no counterpart known to rehome: look for one by hand"
			case svc.Equivalent == "":
				it.Status, it.Equivalent = NoEquivalent, svc.Alternative
			default:
				it.Status, it.Equivalent = LeftBehind, svc.Equivalent
			}
			if r.Type == providers.TypeInstance && it.Status == LeftBehind {
				vcpus, mem := atoi(r.Attrs[providers.AttrVCPUs]), atoi(r.Attrs[providers.AttrMemoryMiB])
				if size, note, ok := pl.Nearest(vcpus, mem, r.Attrs[providers.AttrArch]); ok && (vcpus > 0 || mem > 0) {
					it.EquivalentClass, it.Note = size.Class, note
					it.Equivalent = fmt.Sprintf("%s %s", svc.Equivalent, size.Describe())
				}
			}
			if r.Kind != "" && it.Status == LeftBehind {
				it.Note = fmt.Sprintf("no move block covers it; a %s move could move it", r.Kind)
			}
			out = append(out, it)
		}
	}
	return out
}

func atoi(s string) int {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		return 0
	}
	return int(math.Ceil(f))
}

// Address names a discovered resource: env.TYPE["NAME"].
func Address(r providers.Resource) string {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	return fmt.Sprintf("%s.%s[%q]", r.Env, r.Type, name)
}

// Counts tallies items by status.
func Counts(items []Item) map[Status]int {
	c := map[Status]int{Moved: 0, LeftBehind: 0, NoEquivalent: 0}
	for _, it := range items {
		c[it.Status]++
	}
	return c
}

// SortItems orders items: no equivalent first, then left behind, then
// moved; within a status by address.
func SortItems(items []Item) {
	rank := map[Status]int{NoEquivalent: 0, LeftBehind: 1, Moved: 2}
	sort.SliceStable(items, func(i, j int) bool {
		if rank[items[i].Status] != rank[items[j].Status] {
			return rank[items[i].Status] < rank[items[j].Status]
		}
		return items[i].Address < items[j].Address
	})
}
