environment "src" {
  provider = "local"
  path     = "/srv/src"
}

environment "dst" {
  provider = "local"
  path     = "./dst"
}

move "secrets" "all" {
  from = environment.src
  to   = environment.dst
}

move "queue" "jobs" {
  from    = environment.src
  to      = environment.dst
  include = ["jobs-*"]
  exclude = ["jobs-tmp-?"]
}
