migration "shop" {
  required_version = ">= 9.0" # ERROR: Unsupported rehome version
}

environment "aws" {
  provider = "aws"
  region   = "eu-central-1"
  regoin   = "x" # ERROR: Unsupported argument
}
