package lang

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// SensitiveMark is the cty mark on values of sensitive variables, and so on
// everything derived from them: val.HasMark(lang.SensitiveMark).
const SensitiveMark = "sensitive"

// EnvVarPrefix prefixes the environment variables that set input
// variables: REHOME_VAR_region sets var.region.
const EnvVarPrefix = "REHOME_VAR_"

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "sensitive"},
		{Name: "description"},
	},
}

// varDecl is what the loader keeps about a variable while resolving it.
type varDecl struct {
	defaults *typeexpr.Defaults
	// literal: values from the environment and -var are taken as strings
	// rather than parsed as HCL (type string, or no type given).
	literal bool
}

// declareVariable decodes a variable block.
func (l *loader) declareVariable(b *hcl.Block) {
	name := b.Labels[0]
	if !l.checkIdentifier(b, 0, "variable") {
		return
	}
	if prev, dup := l.cfg.Variables[name]; dup {
		l.diags = append(l.diags, errorf(ptr(b.DefRange), "Duplicate variable declaration",
			"A variable named %q was already declared at %s. Variable names must be unique.",
			name, describeRange(prev.DeclRange)))
		return
	}
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
	decl := &varDecl{literal: true}
	content, diags := b.Body.Content(variableSchema)
	l.diags = append(l.diags, diags...)

	if a, ok := content.Attributes["description"]; ok {
		l.diags = append(l.diags, gohcl.DecodeExpression(a.Expr, nil, &v.Description)...)
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		l.diags = append(l.diags, gohcl.DecodeExpression(a.Expr, nil, &v.Sensitive)...)
	}
	if a, ok := content.Attributes["type"]; ok {
		ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.Type, decl.defaults = ty, defaults
			decl.literal = ty == cty.String
		}
	}
	if a, ok := content.Attributes["default"]; ok {
		val, diags := a.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if v.Sensitive {
			l.addSecret(val)
		}
		if diags.HasErrors() {
			v.Value, v.Source = cty.UnknownVal(v.Type), "default"
		} else {
			l.assign(v, decl, val, "its default", "default", ptr(a.Expr.Range()))
			v.Default = v.Value
		}
	}
	l.cfg.Variables[name] = v
	l.decls[name] = decl
}

// resolveVariables applies, in increasing precedence, REHOME_VAR_name,
// the *.auto.rehomevars files, the -var-file files and the -var options,
// then checks that every variable has a value and marks sensitive ones.
func (l *loader) resolveVariables() {
	for _, name := range sortedKeys(l.cfg.Variables) {
		envName := EnvVarPrefix + name
		if raw, ok := l.getenv(envName); ok {
			l.setFromString(l.cfg.Variables[name], raw, "the environment variable "+envName, envName)
		}
	}
	for _, name := range l.autoVarNames {
		if f := l.parseFile(filepath.Join(l.dir, name), name, "variables file"); f != nil {
			l.setFromFile(f, name)
		}
	}
	for _, path := range l.opts.VarFiles {
		if f := l.parseFile(path, path, "variables file"); f != nil {
			l.setFromFile(f, path)
		}
	}
	for i, arg := range l.opts.Vars {
		l.setFromArg(i, arg)
	}

	for _, name := range sortedKeys(l.cfg.Variables) {
		v := l.cfg.Variables[name]
		if v.Value == cty.NilVal {
			l.diags = append(l.diags, errorf(ptr(v.DeclRange), "No value for required variable",
				"The variable %q has no default and no value was given. Set it with -var=\"%s=...\", in a *%s file, or with the environment variable %s%s.",
				name, name, autoVarsSuffix, EnvVarPrefix, name))
			v.Value = cty.UnknownVal(v.Type)
		}
		if v.Sensitive {
			v.Value = v.Value.Mark(SensitiveMark)
		}
	}
}

// setFromFile applies the attributes of a variables file.
func (l *loader) setFromFile(f *hcl.File, source string) {
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttributes(attrs) {
		v, ok := l.cfg.Variables[a.Name]
		if !ok {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value for undeclared variable",
				Detail: fmt.Sprintf("%s sets %q, but the configuration declares no variable of that name, so the value is ignored.%s",
					source, a.Name, didYouMean(a.Name, sortedKeys(l.cfg.Variables))),
				Subject: ptr(a.NameRange),
			})
			continue
		}
		val, diags := a.Expr.Value(nil)
		if v.Sensitive {
			l.addSecret(val)
		}
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			v.Value, v.Source = cty.UnknownVal(v.Type), source
			continue
		}
		subject := ptr(a.Expr.Range())
		if v.Sensitive {
			// The value's own source line would show the secret.
			subject = ptr(v.DeclRange)
		}
		l.assign(v, l.decls[a.Name], val, source, source, subject)
	}
}

// setFromArg applies the i'th -var option, "name=value".
func (l *loader) setFromArg(i int, arg string) {
	name, raw, ok := strings.Cut(arg, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		// The argument is not echoed: it may be a secret typed wrongly.
		l.diags = append(l.diags, errorf(nil, "Invalid -var option",
			"The %s -var option is not of the form -var=\"NAME=VALUE\", for example -var=\"region=eu-central-1\".",
			ordinal(i+1)))
		return
	}
	v, declared := l.cfg.Variables[name]
	if !declared {
		l.diags = append(l.diags, errorf(nil, "Value for undeclared variable",
			"A variable named %q was set with -var, but the configuration declares no variable of that name.%s To use the value, add a variable %q block.",
			name, didYouMean(name, sortedKeys(l.cfg.Variables)), name))
		return
	}
	l.setFromString(v, raw, "-var", "-var")
}

// setFromString applies a value given as a string (an environment variable
// or -var). It is taken literally for string and untyped variables and
// parsed as an HCL expression otherwise, as Terraform does with TF_VAR_.
func (l *loader) setFromString(v *Variable, raw, source, shortSource string) {
	decl := l.decls[v.Name]
	if v.Sensitive {
		l.addSecret(cty.StringVal(raw))
	}
	if decl.literal {
		l.assign(v, decl, cty.StringVal(raw), source, shortSource, ptr(v.DeclRange))
		return
	}
	// A number or a bool is read as one, with a message in those terms.
	want := ""
	switch {
	case v.Type.Equals(cty.Number):
		want = "a number"
	case v.Type.Equals(cty.Bool):
		want = "true or false"
	}
	if want != "" {
		t := strings.TrimSpace(raw)
		var val cty.Value
		var err error
		if v.Type.Equals(cty.Number) {
			val, err = cty.ParseNumberVal(t)
		} else if t == "true" || t == "false" {
			val = cty.BoolVal(t == "true")
		} else {
			err = errors.New("not a bool")
		}
		if err == nil {
			l.assign(v, decl, val, source, shortSource, ptr(v.DeclRange))
			return
		}
		v.Value, v.Source = cty.UnknownVal(v.Type), shortSource
		got := fmt.Sprintf(", got %q", raw)
		if v.Sensitive {
			got = " (the value is not shown: the variable is sensitive)"
		}
		l.diags = append(l.diags, errorf(ptr(v.DeclRange), "Invalid value for variable",
			"%s: %s is required%s (from %s).", v.Name, want, got, source))
		return
	}
	filename := fmt.Sprintf("<value for var.%s>", v.Name)
	expr, diags := hclsyntax.ParseExpression([]byte(raw), filename, hcl.InitialPos)
	if !diags.HasErrors() {
		val, valDiags := expr.Value(nil)
		diags = append(diags, valDiags...)
		if !diags.HasErrors() {
			l.assign(v, decl, val, source, shortSource, ptr(v.DeclRange))
			return
		}
	}
	v.Value, v.Source = cty.UnknownVal(v.Type), shortSource
	// HCL's messages may quote parts of the value: not for sensitive ones.
	why := " (details are not shown for sensitive variables)"
	if !v.Sensitive {
		d := diags.Errs()[0].(*hcl.Diagnostic)
		why = ": " + strings.TrimSuffix(d.Summary+"; "+d.Detail, ".")
	}
	l.diags = append(l.diags, errorf(ptr(v.DeclRange), "Invalid value for variable",
		"The value for variable %q from %s is not a valid HCL expression for its type %s%s. A string value must be quoted when the type is not string.",
		v.Name, source, typeexpr.TypeString(v.Type), why))
}

// assign applies the type's optional-attribute defaults to val, converts it
// to the variable's type and makes it the variable's value, from source
// (shortSource for Variable.Source). On a type mismatch it reports a
// diagnostic at subject and leaves the value unknown, so that nothing
// downstream reports the same problem again.
func (l *loader) assign(v *Variable, decl *varDecl, val cty.Value, source, shortSource string, subject *hcl.Range) {
	if decl != nil && decl.defaults != nil {
		val = decl.defaults.Apply(val)
	}
	v.Source = shortSource
	conv, err := convert.Convert(val, v.Type)
	if err == nil {
		v.Value = conv
		return
	}
	v.Value = cty.UnknownVal(v.Type)
	detail := fmt.Sprintf("The value for variable %q from %s is not compatible with its type constraint %s: %s.",
		v.Name, source, typeexpr.TypeString(v.Type), err)
	if v.Sensitive {
		detail = fmt.Sprintf("The value for the sensitive variable %q from %s is not compatible with its type constraint %s (the value is not shown).",
			v.Name, source, typeexpr.TypeString(v.Type))
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for variable",
		Detail:   detail,
		Subject:  subject,
	})
}

// variablesObject is the value of `var` in expressions.
func (l *loader) variablesObject() cty.Value {
	vals := make(map[string]cty.Value, len(l.cfg.Variables))
	for name, v := range l.cfg.Variables {
		vals[name] = v.Value
	}
	return cty.ObjectVal(vals)
}

// sortedAttributes returns attrs in source order.
func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int {
		if a.Range.Filename != b.Range.Filename {
			return strings.Compare(a.Range.Filename, b.Range.Filename)
		}
		return a.Range.Start.Byte - b.Range.Start.Byte
	})
	return out
}

// ordinal renders 1 as "1st", 2 as "2nd" and so on.
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
