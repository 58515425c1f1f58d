variable "prefix" { default = "shop" }

locals {
  # Defined before what it uses: locals resolve in dependency order.
  bucket_glob = "${local.name}-*"
  name        = "${var.prefix}-${local.env}"
}

locals {
  env   = "prod"
  path  = "/srv/${local.name}"
  zones = [for z in ["a", "b"] : "${z}.${local.name}.example.com"]
}

environment "src" {
  provider = "local"
  path     = local.path
}

environment "dst" {
  provider = "aws"
  region   = "eu-central-1"
}

move "storage" "assets" {
  from    = environment.src
  to      = environment.dst
  include = [local.bucket_glob]
}
