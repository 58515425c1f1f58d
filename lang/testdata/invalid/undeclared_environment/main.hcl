environment "aws" {
  provider = "aws"
  region   = "eu-central-1"
}

environment "hetzner" {
  provider = "hcloud"
}

move "storage" "assets" {
  from = environment.aws
  to   = environment.hetznr # ERROR: Unknown environment
}

move "storage" "logs" {
  from = "aws" # ERROR: Invalid environment reference
  to   = environment.hetzner
}
