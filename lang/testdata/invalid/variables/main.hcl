variable "count" {
  type    = number
  default = "many" # ERROR: Invalid value for variable
}

variable "token" { # ERROR: No value for required variable
  sensitive = true
}

variable "bad name" { # ERROR: Invalid variable name
}

variable "count" { # ERROR: Duplicate variable declaration
}
