package audit

import (
	"sort"
	"strings"

	"github.com/rehome/rehome/providers"
)

// Dependency is one discovered resource referring to another: a zone's
// record naming a load balancer's host, a function triggered by a queue,
// an instance in a security group.
type Dependency struct {
	From string `json:"from"` // the address of the resource that refers
	To   string `json:"to"`   // the address of the resource referred to
	// Ref is the reference as discovery reported it (a host, an ARN).
	Ref string `json:"ref"`
}

// Dependencies relates the resources of the inventories through their
// References: a reference matches a resource whose name, id, endpoint or
// public address it equals (case-insensitively, ignoring a trailing dot),
// or, for a host, one it is a subdomain of when the resource is a bucket
// (bucket.s3.amazonaws.com). References matching nothing are left out.
func Dependencies(invs []*providers.Inventory) []Dependency {
	type entry struct {
		addr string
		r    providers.Resource
	}
	index := map[string][]entry{}
	norm := func(s string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".") }
	add := func(k string, e entry) {
		if k = norm(k); k != "" {
			index[k] = append(index[k], e)
		}
	}
	var all []entry
	for _, inv := range invs {
		if inv == nil {
			continue
		}
		for _, r := range inv.Resources {
			if r.Env == "" {
				r.Env = inv.Env
			}
			e := entry{Address(r), r}
			all = append(all, e)
			add(r.ID, e)
			add(r.Attrs[providers.AttrEndpoint], e)
			add(r.Attrs[providers.AttrPublicIP], e)
			switch r.Type {
			case providers.TypeBucket, providers.TypeQueue, providers.TypeSecret, providers.TypeRole,
				providers.TypeFirewall, providers.TypeFunction, providers.TypeZone:
				add(r.Name, e)
			}
		}
	}
	seen := map[string]bool{}
	var out []Dependency
	for _, e := range all {
		for _, ref := range e.r.References {
			k := norm(ref)
			targets := index[k]
			if len(targets) == 0 {
				// bucket.s3.region.amazonaws.com, bucket.fsn1.your-objectstorage.com
				if i := strings.Index(k, ".s3"); i > 0 {
					for _, t := range index[k[:i]] {
						if t.r.Type == providers.TypeBucket {
							targets = append(targets, t)
						}
					}
				}
			}
			for _, t := range targets {
				if t.addr == e.addr {
					continue
				}
				key := e.addr + "\x00" + t.addr
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, Dependency{From: e.addr, To: t.addr, Ref: ref})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}
