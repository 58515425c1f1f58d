package providers

import (
	"sort"
)

// Inventory is what discovery found in one environment, normalised so the
// planner, the audit and the cost report read every provider alike.
type Inventory struct {
	Env       string     `json:"env"`
	Provider  string     `json:"provider"`
	Resources []Resource `json:"resources"`
}

// Resource is one discovered resource. Movable resources have a Kind among
// the movers registry; others (instances, volumes, load balancers) have an empty Kind
// and are listed for the audit and the cost report.
type Resource struct {
	Env      string `json:"env"`
	Provider string `json:"provider"`
	Kind     Kind   `json:"kind,omitempty"`
	// Type is the provider-neutral resource type: bucket, zone, secret,
	// database, queue, instance, volume, load_balancer, ...
	Type string `json:"type"`
	// ID is the provider's identifier (ARN, numeric id, path).
	ID   string `json:"id"`
	Name string `json:"name"`
	// Attrs are descriptive, non-secret attributes (region, engine, class).
	Attrs map[string]string `json:"attrs,omitempty"`
	Usage Usage             `json:"usage"`
	// References name other resources or hosts this one depends on
	// (a CNAME target, an endpoint), for the audit.
	References []string `json:"references,omitempty"`
}

// Usage is the size of a resource, for estimates and cost.
type Usage struct {
	Objects int64 `json:"objects,omitempty"`
	Bytes   int64 `json:"bytes,omitempty"`
	Records int64 `json:"records,omitempty"`
	Rows    int64 `json:"rows,omitempty"`
	// Messages counts a queue's messages (visible, in flight, delayed).
	Messages int64 `json:"messages,omitempty"`
	// Unmeasured: discovery did not measure the size (Bytes; with a
	// shallow discovery, Objects too). A move that diffs the resource
	// fills in what it measured.
	Unmeasured bool `json:"unmeasured,omitempty"`
}

// Sort orders resources by kind, type and name, the canonical order for
// comparisons and output.
func (inv *Inventory) Sort() {
	sort.SliceStable(inv.Resources, func(i, j int) bool {
		a, b := inv.Resources[i], inv.Resources[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Name < b.Name
	})
}

// Find returns the resource of the given type and name.
func (inv *Inventory) Find(typ, name string) (Resource, bool) {
	for _, r := range inv.Resources {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// SetUsage sets the usage of the resource of the given type and name, as
// a move measured it.
func (inv *Inventory) SetUsage(typ, name string, u Usage) {
	for i, r := range inv.Resources {
		if r.Type == typ && r.Name == name {
			inv.Resources[i].Usage = u
		}
	}
}

// SetAttr sets an attribute of the resource of the given type and name.
func (inv *Inventory) SetAttr(typ, name, key, value string) {
	for i, r := range inv.Resources {
		if r.Type == typ && r.Name == name {
			if r.Attrs == nil {
				inv.Resources[i].Attrs = map[string]string{}
			}
			inv.Resources[i].Attrs[key] = value
		}
	}
}

// OfKind returns the resources of kind k.
func (inv *Inventory) OfKind(k Kind) []Resource {
	var out []Resource
	for _, r := range inv.Resources {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}
