# The rehome quickstart: move a small "legacy" environment (a folder holding
# buckets, a DNS zone file, a dotenv of secrets and a SQLite shop database) to
# a new one under out/, offline, with the local and sqlite providers. Run from
# the repository root:
#
#   go run ./cmd/rehome -chdir=examples/quickstart apply -auto-approve
#
# The state goes to examples/quickstart/.rehome/state and the destination to
# examples/quickstart/out/: both are git-ignored.

migration "quickstart" {
  description = "Quickstart: legacy folder environment to a new one, offline"
}

variable "destination" {
  description = "Where the new environment is written, relative to this folder."
  type        = string
  default     = "out/new-env"
}

environment "legacy" {
  provider = "local"
  path     = "legacy"
}

environment "new" {
  provider    = "local"
  path        = var.destination
  nameservers = ["ns1.new-dns.example.net.", "ns2.new-dns.example.net."]

  # DEMO key pair (see demo-age.key): secrets are written age-encrypted.
  age_recipients    = ["age1kyuzarhxp5eky8plr2ydyj7grwm3m0esu034mgcvrj9el602yu8s4tnh5w"]
  age_identity_file = "demo-age.key"
}

# The legacy shop database (legacy/databases/shop.db, made from shop.sql).
environment "legacy_db" {
  provider = "sqlite"
  path     = "legacy/databases/shop.db"
}

# Its new home: a SQLite file in the new environment's folder.
environment "new_db" {
  provider = "sqlite"
  path     = "${var.destination}/shop.db"
}

move "storage" "assets" {
  from    = environment.legacy
  to      = environment.new
  include = ["shop-*"]
  rename  = { "shop-media" = "shop-media-2026" }
  verify  = "checksum"
}

move "dns" "zones" {
  from  = environment.legacy
  to    = environment.new
  zones = ["shop.example.com"]
}

move "secrets" "app" {
  from = environment.legacy
  to   = environment.new
}

move "database" "shop" {
  from         = environment.legacy_db
  to           = environment.new_db
  on_bad_value = "null" # a value with no exact form becomes NULL, and is counted
}

audit {
  scan = ["app"]
}
