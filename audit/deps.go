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
// public address it equals (case-insensitively, ignoring a trailing dot
// and Route 53's "dualstack." prefix), or whose name ends an ARN of its
// service (arn:aws:sqs:...:orders is the queue "orders"),
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
			k := strings.TrimPrefix(norm(ref), "dualstack.") // Route 53 aliases to ELB
			targets := index[k]
			if len(targets) == 0 && strings.HasPrefix(k, "arn:") {
				// An ARN of a resource discovered under its name
				// (arn:aws:sqs:REGION:ACCOUNT:NAME).
				name := k[strings.LastIndexAny(k, ":/")+1:]
				for _, t := range index[name] {
					if arnService(k) == t.r.Type {
						targets = append(targets, t)
					}
				}
			}
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

// arnService is the resource type an ARN's service names ("" for others).
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	switch parts[2] {
	case "sqs":
		return providers.TypeQueue
	case "s3":
		return providers.TypeBucket
	case "secretsmanager":
		return providers.TypeSecret
	case "lambda":
		return providers.TypeFunction
	}
	return ""
}
