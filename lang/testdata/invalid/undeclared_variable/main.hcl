variable "region" { default = "eu-central-1" }

locals {
  prefix = "shop-${var.regin}" # ERROR: Reference to undeclared input variable
  other  = local.nope # ERROR: Reference to undeclared local value
  env    = environment.aws # ERROR: Invalid reference
}

environment "aws" {
  provider = "aws"
  region   = var.zone # ERROR: Reference to undeclared input variable
}
