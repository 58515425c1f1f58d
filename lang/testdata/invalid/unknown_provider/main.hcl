environment "aws" {
  provider = "amazon" # ERROR: Unknown provider
  region   = "eu-central-1"
}

environment "do" {
  provider = "digitalocean" # ERROR: Unknown provider
}

move "storage" "s" {
  from = environment.aws
  to   = environment.do
}
