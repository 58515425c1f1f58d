// Package deps pins the module's dependencies while packages are being built.
// It is removed once every dependency is imported by real code.
package deps

import (
	_ "filippo.io/age"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/hashicorp/go-version"
	_ "github.com/hashicorp/hcl/v2"
	_ "github.com/hashicorp/hcl/v2/ext/typeexpr"
	_ "github.com/hashicorp/hcl/v2/gohcl"
	_ "github.com/hashicorp/hcl/v2/hcldec"
	_ "github.com/hashicorp/hcl/v2/hclsyntax"
	_ "github.com/hashicorp/hcl/v2/hclwrite"
	_ "github.com/joho/godotenv"
	_ "github.com/miekg/dns"
	_ "github.com/pmezard/go-difflib/difflib"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/zclconf/go-cty/cty"
	_ "github.com/zclconf/go-cty/cty/function/stdlib"
	_ "github.com/zclconf/go-cty/cty/json"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/term"
)
