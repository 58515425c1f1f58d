// Package hcloud is the `hcloud` provider: one Hetzner Cloud project and
// location.
//
//	environment "hetzner" {
//	  provider = "hcloud"
//	  token    = env("HCLOUD_TOKEN")     # the default, too
//	  location = "fsn1"
//	  object_storage {
//	    endpoint   = "https://fsn1.your-objectstorage.com"   # the default for the location
//	    access_key = env("HETZNER_S3_ACCESS_KEY")
//	    secret_key = env("HETZNER_S3_SECRET_KEY")
//	  }
//	}
//
// Object Storage is S3 (Hetzner's Cloud API does not manage it; keys are
// made in the Console), reached with aws-sdk-go-v2 through package s3,
// virtual-host addressed, sending checksums only where S3 requires them
// (Hetzner refuses the SDK's default aws-chunked uploads). Its capability
// table follows Hetzner's list of supported actions: no website hosting,
// no bucket tags, no default encryption, one storage class. Conditional
// writes are not relied on: a create-only-if-absent asks first.
//
// The Cloud API client (hcloud-go v2.52.0) serves the services other
// kinds use (DNS, discovery of servers and volumes).
//
// Limits: the identity is the location and endpoint (the API tells no
// project id); bucket names are unique per location, so that is where a
// bucket is.
package hcloud
