environment "aws" {
  provider = "aws"
  region   = "eu-central-1"
  regoin   = "eu-west-1" # ERROR: Unsupported argument
}

environment "hetzner" {
  provider = "hcloud"
  object_storage {
    endpoint = "https://fsn1.your-objectstorage.com"
    bucket   = "x" # ERROR: Unsupported argument
  }
  dns { } # ERROR: Unsupported block type
}
