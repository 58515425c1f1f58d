migration "shop" {
  description      = "Shop: AWS eu-central-1 to Hetzner fsn1"
  required_version = ">= 0.1"
  state { path = ".rehome/state" }
}

variable "region" { default = "eu-central-1" }

environment "aws" {
  provider  = "aws"
  region    = var.region
  endpoints = { s3 = "http://127.0.0.1:9000" }
}

environment "hetzner" {
  provider = "hcloud"
  token    = env("HCLOUD_TOKEN")
  location = "fsn1"
  object_storage { endpoint = "https://fsn1.your-objectstorage.com" }
}

environment "orders_mysql" {
  provider = "mysql"
  url      = env("ORDERS_MYSQL_URL")
}

environment "orders_pg" {
  provider = "postgres"
  url      = env("ORDERS_PG_URL")
}

move "storage" "assets" {
  from    = environment.aws
  to      = environment.hetzner
  include = ["shop-*"]
  rename  = { "shop-assets" = "shop-assets-fsn1" }
  verify  = "checksum"
}

move "dns" "zones" {
  from        = environment.aws
  to          = environment.hetzner
  zones       = ["Shop.Example.com."]
  cutover_ttl = 60
  acknowledge = ["dns.unsupported_type"]
}

move "database" "orders" {
  from      = environment.orders_mysql
  to        = environment.orders_pg
  databases = ["orders"]
  overwrite = true
}

audit { scan = ["../app"] }
