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
// Limits: Spaces answers 503 SlowDown under load; set the storage move's
// requests_per_second and bandwidth to stay under it.
package digitalocean
