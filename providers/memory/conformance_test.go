package memory_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/rehome/rehome/providers/memory"
	"github.com/rehome/rehome/providers/providertest"
)

// TestConformance runs the provider conformance suite against one store,
// each environment in a space of its own.
func TestConformance(t *testing.T) {
	store := memory.NewStore()
	var n atomic.Int64
	providertest.Run(t, providertest.Opt{
		Factory: store.Factory(),
		NewEnv: func(t *testing.T) cty.Value {
			return cty.ObjectVal(map[string]cty.Value{
				"name": cty.StringVal(fmt.Sprintf("conformance-%d", n.Add(1))),
			})
		},
	})
}
