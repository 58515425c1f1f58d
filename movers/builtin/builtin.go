package builtin

import (
	"github.com/rehome/rehome/movers"
	"github.com/rehome/rehome/movers/database"
	"github.com/rehome/rehome/movers/dns"
	"github.com/rehome/rehome/movers/queue"
	"github.com/rehome/rehome/movers/secrets"
	"github.com/rehome/rehome/movers/storage"
)

// Registry returns the registry of every built-in kind, in display order.
func Registry() *movers.Registry {
	return movers.NewRegistry(
		storage.New(),
		dns.New(),
		secrets.New(),
		queue.New(),
		database.New(),
	)
}
