package main

import (
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
)

// newRegistry lists the providers this build knows.
func newRegistry() *providers.Registry {
	return providers.NewRegistry(
		local.Factory(),
	)
}
