environment "files" {
  provider = "local"
  path     = "/srv"
}

environment "aws" {
  provider = "aws"
  region   = "eu-central-1"
}

move "dns" "zones" {
  from = environment.files # ERROR: Provider cannot be a source for dns
  to   = environment.aws
}
