environment "a" {
  provider = "aws"
  region   = "eu-central-1"
}

move "dns" "zones" { # ERROR: Missing required argument
  from = environment.a
}
