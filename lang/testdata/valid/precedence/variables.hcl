variable "a" {
  type    = string
  default = "default"
}

variable "b" {
  type    = number
  default = 1
}

variable "c" {
  type    = list(string)
  default = []
}

variable "d" {
  default = "default"
}

variable "e" {
  type = object({
    name = string
    size = optional(number, 10)
  })
  default = { name = "default" }
}
