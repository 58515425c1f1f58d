environment "aws" { # ERROR: Missing required argument
  region = "eu-central-1"
}
