package lang

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/cost"
)

// Cost is the cost block: how the plan's cost report is priced.
//
//	cost {
//	  usage_file = "usage.hcl"   # requests, queries, transfer per resource
//	  currency   = "EUR"         # USD (default) or EUR
//	}
type Cost struct {
	// UsageFile is absolute ("" when not set).
	UsageFile string
	Currency  string
	DeclRange hcl.Range
	// UsageRange locates usage_file's value, for problems found reading it.
	UsageRange hcl.Range
}

var costSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "usage_file"}, {Name: "currency"}},
}

func (l *loader) decodeCost(blocks []*hcl.Block) {
	// Usage blocks are package cost's; checking them here lets validate
	// report a wrong type or key with its range.
	l.diags = append(l.diags, (&cost.Usage{}).AddBlocks(l.cfg.Usage)...)
	b := l.onlyBlock(blocks, "cost")
	if b == nil {
		return
	}
	c := &Cost{DeclRange: b.DefRange}
	l.cfg.Cost = c
	content, diags := b.Body.Content(costSchema)
	l.diags = append(l.diags, diags...)
	if a, ok := content.Attributes["usage_file"]; ok {
		if v, ok := l.evalAs(a, cty.String); ok && !v.IsNull() {
			c.UsageFile, c.UsageRange = l.resolvePath(v.AsString()), a.Expr.Range()
			if _, err := os.Stat(c.UsageFile); err != nil {
				l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Usage file not found",
					"The cost block's usage_file %q cannot be read: %v.", v.AsString(), err))
			} else if inDir := filepath.Dir(c.UsageFile) == l.dir && strings.HasSuffix(c.UsageFile, configSuffix); !inDir {
				// (A *.hcl file here is configuration, its usage blocks checked above.)
				_, diags := cost.LoadUsage(c.UsageFile)
				l.diags = append(l.diags, diags...)
			}
		}
	}
	if a, ok := content.Attributes["currency"]; ok {
		if v, ok := l.evalAs(a, cty.String); ok && !v.IsNull() {
			switch s := v.AsString(); s {
			case "USD", "EUR":
				c.Currency = s
			default:
				l.diags = append(l.diags, errorf(ptr(a.Expr.Range()), "Invalid currency",
					"The cost report is in USD or EUR, not %q.", s))
			}
		}
	}
}

// onlyBlock returns the first of blocks of a type that may appear once,
// reporting the others; nil when there are none.
func (l *loader) onlyBlock(blocks []*hcl.Block, typ string) *hcl.Block {
	if len(blocks) == 0 {
		return nil
	}
	for _, dup := range blocks[1:] {
		l.diags = append(l.diags, errorf(ptr(dup.DefRange), "Duplicate "+typ+" block",
			"A configuration has at most one %s block; the first is at %s.", typ, describeRange(blocks[0].DefRange)))
	}
	return blocks[0]
}
