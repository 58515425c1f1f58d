package lang

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns the functions available in expressions. env and file
// close over the lookup function and the configuration directory, so there
// is no shared state between loads.
func functions(dir string, getenv func(string) (string, bool)) map[string]function.Function {
	fns := map[string]function.Function{
		// rehome's own.
		"env":  envFunc(getenv),
		"file": fileFunc(dir),

		// Strings.
		"upper":      stdlib.UpperFunc,
		"lower":      stdlib.LowerFunc,
		"title":      stdlib.TitleFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"replace":    replaceFunc,
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"format":     stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc,
		"join":       stdlib.JoinFunc,
		"split":      stdlib.SplitFunc,
		"substr":     stdlib.SubstrFunc,
		"strrev":     stdlib.ReverseFunc,
		"chomp":      stdlib.ChompFunc,
		"indent":     stdlib.IndentFunc,

		// Collections.
		"concat":          stdlib.ConcatFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"keys":            stdlib.KeysFunc,
		"values":          stdlib.ValuesFunc,
		"length":          lengthFunc,
		"lookup":          stdlib.LookupFunc,
		"merge":           stdlib.MergeFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"zipmap":          stdlib.ZipmapFunc,
		"setunion":        stdlib.SetUnionFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setsubtract":     stdlib.SetSubtractFunc,

		// Conversions and encodings.
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tostring":   stdlib.MakeToFunc(cty.String),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"tobool":     stdlib.MakeToFunc(cty.Bool),
		"jsonencode": stdlib.JSONEncodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"csvdecode":  stdlib.CSVDecodeFunc,

		// Numbers.
		"min":      stdlib.MinFunc,
		"max":      stdlib.MaxFunc,
		"abs":      stdlib.AbsoluteFunc,
		"ceil":     stdlib.CeilFunc,
		"floor":    stdlib.FloorFunc,
		"parseint": stdlib.ParseIntFunc,
	}
	for name, fn := range fns {
		fns[name] = sensitiveSafe(fn)
	}
	// try and can take unevaluated expressions, which a wrapper would
	// evaluate; their own errors are the errors of their arguments.
	fns["try"], fns["can"] = tryfunc.TryFunc, tryfunc.CanFunc
	return fns
}

// sensitiveSafe wraps fn so that an error it returns for a sensitive
// argument never reaches a diagnostic: functions such as parseint and
// tobool quote their argument in errors, and a derived value (upper of a
// secret) cannot be redacted by searching for the secret. The result
// carries every mark found anywhere in the arguments.
func sensitiveSafe(fn function.Function) function.Function {
	params := fn.Params()
	for i := range params {
		params[i].AllowMarked = true
	}
	var varParam *function.Parameter
	if vp := fn.VarParam(); vp != nil {
		cp := *vp
		cp.AllowMarked = true
		varParam = &cp
	}
	// unmark strips args of their marks, deeply, and returns the marks.
	unmark := func(args []cty.Value) ([]cty.Value, cty.ValueMarks) {
		out := make([]cty.Value, len(args))
		marks := make(cty.ValueMarks)
		for i, a := range args {
			var pvm []cty.PathValueMarks
			out[i], pvm = a.UnmarkDeepWithPaths()
			for _, pm := range pvm {
				for m := range pm.Marks {
					marks[m] = struct{}{}
				}
			}
		}
		return out, marks
	}
	hide := func(err error, marks cty.ValueMarks) error {
		if err == nil || len(marks) == 0 {
			return err
		}
		const msg = "the value is derived from a sensitive variable, so the reason is not shown"
		if argErr, ok := err.(function.ArgError); ok {
			return function.NewArgErrorf(argErr.Index, msg)
		}
		return errors.New(msg)
	}
	return function.New(&function.Spec{
		Description: fn.Description(),
		Params:      params,
		VarParam:    varParam,
		Type: func(args []cty.Value) (cty.Type, error) {
			plain, marks := unmark(args)
			ty, err := fn.ReturnTypeForValues(plain)
			return ty, hide(err, marks)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			plain, marks := unmark(args)
			ret, err := fn.Call(plain)
			if err != nil {
				return cty.NilVal, hide(err, marks)
			}
			return ret.WithMarks(marks), nil
		},
	})
}

// envFunc is env(name) or env(name, default): the value of an environment
// variable, looked up with getenv. Unset without a default is an error
// naming the variable; a set but empty variable is returned as "".
func envFunc(getenv func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable, or the default if it is unset.",
		Params: []function.Parameter{
			{Name: "name", Type: cty.String},
		},
		VarParam: &function.Parameter{Name: "default", Type: cty.String},
		Type:     function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a name and at most one default")
			}
			name := args[0].AsString()
			if name == "" {
				return cty.NilVal, function.NewArgErrorf(0, "the environment variable name must not be empty")
			}
			if v, ok := getenv(name); ok {
				return cty.StringVal(v), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return cty.NilVal, fmt.Errorf("the environment variable %s is not set and no default was given; set it, or write env(%q, \"default\")", name, name)
		},
	})
}

// fileFunc is file(path): the contents of a UTF-8 text file, with relative
// paths resolved against the configuration directory.
func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads the contents of a UTF-8 file; relative paths resolve against the configuration directory.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				if os.IsNotExist(err) {
					return cty.NilVal, function.NewArgErrorf(0, "no file exists at %s", p)
				}
				return cty.NilVal, function.NewArgErrorf(0, "cannot read %s: %s", p, err)
			}
			if !utf8.Valid(b) {
				return cty.NilVal, function.NewArgErrorf(0, "%s is not valid UTF-8 text", p)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// replaceFunc is replace(str, substr, replacement). As in Terraform, a
// substr wrapped in slashes ("/[0-9]+/") is a regular expression.
var replaceFunc = function.New(&function.Spec{
	Description: "Replaces each occurrence of substr in str; a substr in slashes is a regular expression.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sub := args[1].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			return stdlib.RegexReplace(args[0], cty.StringVal(sub[1:len(sub)-1]), args[2])
		}
		return stdlib.Replace(args[0], args[1], args[2])
	},
})

// lengthFunc is length(v) for strings (in characters), collections, tuples
// and objects; go-cty's LengthFunc handles only collections.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of characters in a string or of elements in a collection.",
	Params: []function.Parameter{
		{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty == cty.DynamicPseudoType, ty.IsCollectionType(), ty.IsTupleType(), ty.IsObjectType():
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "argument must be a string, a collection, a tuple or an object, not %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		ty := v.Type()
		switch {
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number), nil
		case v.IsNull():
			return cty.NilVal, function.NewArgErrorf(0, "argument must not be null")
		case ty == cty.String:
			return stdlib.Strlen(v)
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
		}
		return v.Length(), nil
	},
})
