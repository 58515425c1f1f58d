environment "a" {
  provider = "aws"
  region   = "eu-central-1"
}

environment "b" {
  provider = "hcloud"
}

move "bucket" "assets" { # ERROR: Unknown move kind
  from = environment.a
  to   = environment.b
}
