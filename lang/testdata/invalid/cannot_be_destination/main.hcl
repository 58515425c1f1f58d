environment "pg" {
  provider = "postgres"
  url      = "postgres://localhost/orders"
}

environment "aws" {
  provider = "aws"
  region   = "eu-central-1"
}

move "database" "orders" {
  from = environment.pg
  to   = environment.aws # ERROR: Provider cannot be a destination for database
}
