package symbols

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// TypeName returns the C spelling of t as gdb's whatis prints it, for
// example "int", "unsigned long", "struct vnet *", "char [16]",
// "int (*)[4]", "void (*)(int)", "struct listed *[4]", "char * const" or
// "struct {...}" for an anonymous struct. Typedefs print as their name.
// Integer base types print in gdb's canonical order ("unsigned long" for
// gcc's "long unsigned int"); other base types print as DWARF names them.
// A nil type prints as "void".
func TypeName(t godwarf.Type) string {
	base, decl := spell(t, "", 0, 0)
	if decl == "" {
		return base
	}
	return base + " " + decl
}

// Qualifier bits, in the order gdb prints them.
const (
	qualConst = 1 << iota
	qualVolatile
	qualRestrict
	qualAtomic
)

var qualWords = []string{"const", "volatile", "restrict", "_Atomic"}

// spell splits t into a base type name and an abstract declarator, built
// from the outermost type inward: for int (*)[4] the pointer yields "*",
// the array wraps it as "(*)[4]" and the base is "int". quals are
// qualifiers that an enclosing array passes to its elements.
func spell(t godwarf.Type, decl string, quals, depth int) (string, string) {
	if depth > maxTypeDepth {
		return "...", decl
	}
	// Damaged DWARF can make a qualifier its own target, so the chain is
	// bounded like every other type reference.
	for n := 0; ; n++ {
		q, ok := t.(*godwarf.QualType)
		if !ok {
			break
		}
		if n > maxTypeDepth {
			return "...", decl
		}
		quals |= qualBit(q.Qual)
		t = q.Type
	}

	switch tt := t.(type) {
	case *godwarf.PtrType:
		star := "*"
		if quals != 0 {
			star += " " + qualString(quals)
			// gdb writes "char * const[6]" but "char * const *".
			if decl != "" && decl[0] != '[' {
				star += " "
			}
		}
		return spell(tt.Type, star+decl, 0, depth+1)
	case *godwarf.ArrayType:
		n := ""
		if tt.Count >= 0 {
			n = strconv.FormatInt(tt.Count, 10)
		}
		return spell(tt.Type, wrapPointer(decl)+"["+n+"]", quals, depth+1)
	case *godwarf.FuncType:
		return spell(tt.ReturnType, wrapPointer(decl)+paramList(tt, depth), 0, depth+1)
	}
	base := baseName(t)
	if quals != 0 {
		base = qualString(quals) + " " + base
	}
	return base, decl
}

// wrapPointer parenthesizes a pointer declarator before an array or
// parameter suffix binds to it: "*" becomes "(*)" in int (*)[4].
func wrapPointer(decl string) string {
	if strings.HasPrefix(decl, "*") {
		return "(" + decl + ")"
	}
	return decl
}

func paramList(f *godwarf.FuncType, depth int) string {
	if len(f.ParamType) == 0 {
		// DW_AT_prototyped, stored as ReflectKind, separates f(void) from f().
		if f.ReflectKind == reflect.Func {
			return "(void)"
		}
		return "()"
	}
	names := make([]string, len(f.ParamType))
	for i, p := range f.ParamType {
		if _, ok := p.(*godwarf.DotDotDotType); ok {
			names[i] = "..."
			continue
		}
		base, decl := spell(p, "", 0, depth+1)
		names[i] = strings.TrimSpace(base + " " + decl)
	}
	return "(" + strings.Join(names, ", ") + ")"
}

func qualBit(q string) int {
	for i, w := range qualWords {
		if q == w {
			return 1 << i
		}
	}
	return 0
}

func qualString(quals int) string {
	var words []string
	for i, w := range qualWords {
		if quals&(1<<i) != 0 {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// baseName names a type that is not a pointer, array, function or
// qualifier.
func baseName(t godwarf.Type) string {
	switch tt := t.(type) {
	case nil, *godwarf.VoidType:
		return "void"
	case *godwarf.StructType:
		if tt.StructName == "" {
			return tt.Kind + " {...}"
		}
		return tt.Kind + " " + tt.StructName
	case *godwarf.EnumType:
		if tt.EnumName == "" {
			return "enum {...}"
		}
		return "enum " + tt.EnumName
	case *godwarf.TypedefType:
		return tt.Name
	case *godwarf.UnsupportedType:
		if tt.Name != "" {
			return tt.Name
		}
		return "<unsupported " + tt.Tag.String() + ">"
	}
	return canonicalBaseName(t.Common().Name)
}

// canonicalBaseName rewrites a C integer type name into gdb's canonical
// word order: gcc's "long unsigned int" becomes "unsigned long", "short
// int" becomes "short", "signed" becomes "int". Names with any other word
// (such as "double" or "_Bool") come back unchanged.
func canonicalBaseName(name string) string {
	var unsigned, signed, char bool
	longs, shorts := 0, 0
	words := strings.Fields(name)
	for _, w := range words {
		switch w {
		case "unsigned":
			unsigned = true
		case "signed":
			signed = true
		case "char":
			char = true
		case "long":
			longs++
		case "short":
			shorts++
		case "int":
		default:
			return name
		}
	}
	switch {
	case len(words) == 0:
		return name
	case char && unsigned:
		return "unsigned char"
	case char && signed:
		return "signed char"
	case char:
		return "char"
	}
	out := ""
	if unsigned {
		out = "unsigned "
	}
	switch {
	case shorts > 0:
		return out + "short"
	case longs == 1:
		return out + "long"
	case longs > 1:
		return out + "long long"
	}
	return out + "int"
}
