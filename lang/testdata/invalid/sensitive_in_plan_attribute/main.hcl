variable "secret_prefix" {
  default   = "hidden-*"
  sensitive = true
}

environment "a" {
  provider = "local"
  path     = "a"
}

environment "b" {
  provider = "local"
  path     = "b"
}

move "storage" "s" {
  from    = environment.a
  to      = environment.b
  include = [var.secret_prefix] # ERROR: Sensitive value not allowed
}
