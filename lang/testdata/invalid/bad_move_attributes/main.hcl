environment "aws" {
  provider = "aws"
  region   = "eu-central-1"
}

environment "hetzner" {
  provider = "hcloud"
}

move "storage" "assets" {
  from    = environment.aws
  to      = environment.hetzner
  include = ["ok-*", "bad-[a"] # ERROR: Invalid glob pattern
  verify  = "md5" # ERROR: Invalid verify value
  zones   = ["x.com"] # ERROR: Unsupported argument
}

move "dns" "zones" {
  from        = environment.aws
  to          = environment.hetzner
  cutover_ttl = -5 # ERROR: Invalid cutover_ttl
}

move "dns" "more" {
  from        = environment.aws
  to          = environment.aws # ERROR: Same source and destination
  cutover_ttl = 1.5 # ERROR: Invalid cutover_ttl
}

move "dns" "zones" { # ERROR: Duplicate move block
  from = environment.aws
  to   = environment.hetzner
}
