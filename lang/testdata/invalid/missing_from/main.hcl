environment "a" {
  provider = "aws"
  region   = "eu-central-1"
}

environment "b" {
  provider = "hcloud"
}

move "storage" "assets" { # ERROR: Missing required argument
  to = environment.b
}
