// Package digitalocean is the `digitalocean` provider: one DigitalOcean
// account and region.
//
//	environment "do" {
//	  provider = "digitalocean"
//	  token    = env("DIGITALOCEAN_TOKEN")    # the default, too
//	  region   = "fra1"
//	  spaces {
//	    endpoint   = "https://fra1.digitaloceanspaces.com"   # the default for the region
//	    access_key = env("SPACES_ACCESS_KEY_ID")
//	    secret_key = env("SPACES_SECRET_ACCESS_KEY")
//	  }
//	  database {                  # a database destination (database.go)
//	    name    = "shop-db"
//	    version = "15"            # 13 to 17
//	    size    = "db-s-1vcpu-1gb"
//	    nodes   = 1
//	  }
//	}
//
// Spaces is S3, reached with aws-sdk-go-v2 through package s3; the
// capability table follows DigitalOcean's S3 compatibility list (website
// hosting and lifecycle expiration, no bucket default encryption, no
// object lock; object tags are not relied on). The API client (godo)
// tells which account the token belongs to, which is the environment's
// identity with the region, and serves the services other kinds use.
// Conditional writes are not relied on: a create-only-if-absent asks
// first.
//
// With a database block the environment is a database destination
// (providers.DatabaseServer and the DatabaseStore family): the managed
// PostgreSQL cluster of that name, found through the account's cluster
// listing, created (Databases.Create) when absent and polled with backoff
// until online; its database is the postgres provider's, opened on the
// connection URI the API gives, whose password is redacted from every
// error. Until the cluster is online the destination reads as a new one:
// an empty public schema. DeleteServer deletes only the cluster of the
// configured name. Full-scope discovery lists every managed database
// cluster (engine, version, size, nodes, host; never credentials).
//
// Limits: Spaces answers 503 SlowDown under load; set the storage move's
// requests_per_second and bandwidth to stay under it. A database
// destination is PostgreSQL only (engine "pg"); sizes are checked by
// their shape, not against the region's offer (the API refuses an
// unavailable one at create, 422); the cluster is reached on its public
// connection (no VPC, trusted sources or connection pools are set up),
// and waiting for it gives up after 30 minutes.
package digitalocean
