environment "aws" { # ERROR: Duplicate environment
  provider = "aws"
}

environment "files" {
  provider = "lokal" # ERROR: Unknown provider
}

move "storage" "a" { # ERROR: Missing required argument
  from = environment.aws
}

move "dns" "b" {
  from   = environment.ghost # ERROR: Unknown environment
  to     = environment.aws
  verify = "size" # ERROR: Unsupported argument
}

audit {
  scan = ["../app", 42, var.nope] # ERROR: Reference to undeclared input variable
}

bogus {} # ERROR: Unsupported block type
