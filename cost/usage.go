package cost

import (
	"fmt"
	"os"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Usage is what the usage file says about resources the APIs cannot
// measure: monthly requests, queries, transfer. Blocks name a resource
// type and name ("*" for every resource of the type):
//
//	usage "bucket" "shop-assets" {
//	  get_requests = 2000000   # a month
//	  put_requests = 50000
//	  egress_gb    = 120
//	}
//	usage "zone" "*" { queries = 1000000 }
type Usage struct {
	File   string
	values map[[2]string]map[string]float64
}

// UsageKeys are the keys each resource type's pricing reads.
var UsageKeys = map[string][]string{
	"bucket":           {"get_requests", "put_requests", "egress_gb"},
	"zone":             {"queries"},
	"queue":            {"requests"},
	"secret":           {"api_calls"},
	"parameter":        {"api_calls"},
	"instance":         {"egress_gb"},
	"load_balancer":    {"lcu", "processed_gb"},
	"function":         {"requests", "gb_seconds"},
	"cdn_distribution": {"egress_gb", "requests"},
}

// Get returns a usage value for the resource, falling back to the type's
// "*" block.
func (u *Usage) Get(typ, name, key string) (float64, bool) {
	if u == nil {
		return 0, false
	}
	for _, n := range []string{name, "*"} {
		if v, ok := u.values[[2]string{typ, n}][key]; ok {
			return v, true
		}
	}
	return 0, false
}

// Set records a usage value (tests, and callers building usage in code).
func (u *Usage) Set(typ, name, key string, v float64) {
	if u.values == nil {
		u.values = map[[2]string]map[string]float64{}
	}
	k := [2]string{typ, name}
	if u.values[k] == nil {
		u.values[k] = map[string]float64{}
	}
	u.values[k][key] = v
}

// LoadUsage reads a usage file; problems are diagnostics with ranges.
func LoadUsage(path string) (*Usage, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the usage file", Detail: fmt.Sprintf("%s: %v", path, err)}}
	}
	return ParseUsage(src, path)
}

var usageSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "usage", LabelNames: []string{"type", "name"}}}}

// ParseUsage parses usage file source.
func ParseUsage(src []byte, filename string) (*Usage, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := f.Body.Content(usageSchema)
	diags = append(diags, d...)
	u := &Usage{File: filename}
	return u, append(diags, u.AddBlocks(content.Blocks)...)
}

// AddBlocks decodes usage blocks (from a usage file, or the
// configuration's own usage blocks) into u.
func (u *Usage) AddBlocks(blocks []*hcl.Block) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, b := range blocks {
		typ, name := b.Labels[0], b.Labels[1]
		keys, known := UsageKeys[typ]
		if !known {
			var types []string
			for t := range UsageKeys {
				types = append(types, t)
			}
			sort.Strings(types)
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown resource type in usage",
				Detail: fmt.Sprintf("%q has no usage-based prices; types with usage: %v", typ, types), Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		attrs, d := b.Body.JustAttributes()
		diags = append(diags, d...)
		for k, a := range attrs {
			if !contains(keys, k) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown usage key",
					Detail: fmt.Sprintf("usage of a %s takes %v, not %q", typ, keys, k), Subject: a.NameRange.Ptr()})
				continue
			}
			v, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Usage must be a number",
					Detail: fmt.Sprintf("%s of %s %q must be a number (a month's amount)", k, typ, name), Subject: a.Expr.Range().Ptr()})
				continue
			}
			fv, _ := v.AsBigFloat().Float64()
			if fv < 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Usage cannot be negative",
					Detail: fmt.Sprintf("%s of %s %q is %v", k, typ, name, fv), Subject: a.Expr.Range().Ptr()})
				continue
			}
			u.Set(typ, name, k, fv)
		}
	}
	return diags
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
