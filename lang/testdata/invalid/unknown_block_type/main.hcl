resource "aws_s3_bucket" "b" {} # ERROR: Unsupported block type

environment "src" {
  provider = "local"
  path     = "/srv"
}
