package main

import (
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/movers/builtin"
	"github.com/rehome/rehome/providers"
	"github.com/rehome/rehome/providers/aws"
	"github.com/rehome/rehome/providers/digitalocean"
	"github.com/rehome/rehome/providers/hcloud"
	"github.com/rehome/rehome/providers/local"
	"github.com/rehome/rehome/providers/mysql"
	"github.com/rehome/rehome/providers/nats"
	"github.com/rehome/rehome/providers/postgres"
	"github.com/rehome/rehome/providers/rabbitmq"
	"github.com/rehome/rehome/providers/s3"
	"github.com/rehome/rehome/providers/sqlite"
)

// newRegistry lists the providers this build knows.
func newRegistry() *providers.Registry {
	return providers.NewRegistry(
		local.Factory(),
		aws.Factory(),
		hcloud.Factory(),
		digitalocean.Factory(),
		s3.Factory(),
		rabbitmq.Factory(),
		nats.Factory(),
		postgres.Factory(),
		sqlite.Factory(),
		mysql.Factory(),
	)
}

// newKinds lists the kinds of move this build knows.
func newKinds() *movers.Registry { return builtin.Registry() }
