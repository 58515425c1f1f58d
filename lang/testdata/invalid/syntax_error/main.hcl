environment "src" {
  provider = "local"
  path     = "/srv" "x" # ERROR: Missing newline after argument
}
