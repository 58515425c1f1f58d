environment "src" {
  provider = "local"
  path     = var.a
}
