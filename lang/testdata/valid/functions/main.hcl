locals {
  with_default = env("REHOME_TEST_UNSET", "fallback")
  from_env     = env("REHOME_TEST_SET")
  recipients   = split("\n", trimspace(file("recipients.txt")))
  joined       = join(",", [upper("a"), lower("B"), title("c")])
  n            = length("héllo") + length([1, 2]) + max(1, 5) + parseint("ff", 16)
  replaced     = replace("a-b-c", "/-/", "_")
  merged       = merge({ a = 1 }, { b = 2 })
  json         = jsonencode({ k = "v" })
  strs         = tolist(toset(["x", "x", "y"]))
  fmtd         = format("%s-%03d", "id", 7)
  maybe        = try(local.merged.c, "none")
}

environment "src" {
  provider       = "local"
  path           = "/srv/${local.from_env}"
  age_recipients = local.recipients
}

environment "dst" {
  provider = "hcloud"
  token    = env("HCLOUD_TOKEN", "t0k3n-default")
  location = lower("FSN1")
}
