environment "hetzner" {
  provider = "hcloud"
  token    = env("REHOME_TEST_UNSET") # ERROR: Error in function call
}
