package main

import (
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/nats"
	"github.com/rehome/rehome/providers/rabbitmq"
)

// newRegistry lists the providers this build knows.
func newRegistry() *providers.Registry {
	return providers.NewRegistry(
		local.Factory(),
		rabbitmq.Factory(),
		nats.Factory(),
	)
}

// newKinds lists the kinds of move this build knows.
func newKinds() *movers.Registry { return builtin.Registry() }
