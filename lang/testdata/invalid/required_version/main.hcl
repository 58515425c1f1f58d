migration "shop" {
  required_version = ">= 2.0" # ERROR: Unsupported rehome version
}
