locals {
  a = local.b # ERROR: Circular reference between local values
  b = "${local.c}-x"
  c = upper(local.a)
  d = local.d # ERROR: Circular reference between local values
  e = local.a
}
