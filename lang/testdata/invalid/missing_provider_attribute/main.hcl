environment "aws" { # ERROR: Missing required argument
  provider = "aws"
}
