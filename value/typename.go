package value

import (
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// typeName spells a type in C as gdb's whatis prints it.
//
// TODO: switch to symbols.TypeName once package symbols provides it, so the
// whole program spells types one way.
var typeName = cTypeName

// cTypeName spells t in C, for example "int", "const char *", "char [16]",
// "int (*)(int)" or "struct point *[2]". Typedefs keep their name and
// anonymous aggregates are spelled "struct {...}", as gdb does.
func cTypeName(t godwarf.Type) string {
	return spellType(t, "", 0)
}

// spellType spells t around the declarator decl, which holds what C writes
// to the right of the base type ("*", "[4]", "(*)(int)").
func spellType(t godwarf.Type, decl string, chain int) string {
	if chain > maxTypeChain {
		return joinDeclarator("<cyclic type>", decl)
	}
	switch tt := t.(type) {
	case nil:
		return joinDeclarator("<unknown type>", decl)
	case *godwarf.QualType:
		return spellQualified(tt, decl, chain)
	case *godwarf.PtrType:
		return spellType(tt.Type, pointerDeclarator(tt.Type, "*"+decl), chain+1)
	case *godwarf.ArrayType:
		return spellType(tt.Type, decl+"["+strconv.FormatInt(max(tt.Count, 0), 10)+"]", chain+1)
	case *godwarf.FuncType:
		return spellType(tt.ReturnType, decl+spellParams(tt, chain), chain+1)
	case *godwarf.StructType:
		if tt.StructName == "" {
			return joinDeclarator(tt.Kind+" {...}", decl)
		}
		return joinDeclarator(tt.Kind+" "+tt.StructName, decl)
	case *godwarf.EnumType:
		if tt.EnumName == "" {
			return joinDeclarator("enum {...}", decl)
		}
		return joinDeclarator("enum "+tt.EnumName, decl)
	case *godwarf.VoidType:
		return joinDeclarator("void", decl)
	case *godwarf.DotDotDotType:
		return "..."
	}
	name := t.Common().Name
	if name == "" {
		name = t.String()
	}
	if _, isTypedef := t.(*godwarf.TypedefType); !isTypedef {
		name = canonicalBaseName(name)
	}
	return joinDeclarator(name, decl)
}

// canonicalBaseName spells an integer base type the way gdb does, which
// rewrites the compiler's name: gcc's "long unsigned int" becomes
// "unsigned long", "short int" becomes "short". gdb 13.1 also writes
// clang's "unsigned __int128" as "unsigned int __int128" but keeps gcc's
// "__int128 unsigned"; those two spellings are taken as observed.
func canonicalBaseName(name string) string {
	if name == "unsigned __int128" {
		return "unsigned int __int128"
	}
	var unsigned, signed, char, short bool
	longs := 0
	for _, w := range strings.Fields(name) {
		switch w {
		case "unsigned":
			unsigned = true
		case "signed":
			signed = true
		case "char":
			char = true
		case "short":
			short = true
		case "long":
			longs++
		case "int":
		default:
			return name // not made of C integer keywords only
		}
	}
	var words []string
	switch {
	case unsigned:
		words = append(words, "unsigned")
	case signed && char:
		words = append(words, "signed")
	}
	switch {
	case char:
		words = append(words, "char")
	case short:
		words = append(words, "short")
	case longs == 1:
		words = append(words, "long")
	case longs >= 2:
		words = append(words, "long", "long")
	default:
		words = append(words, "int")
	}
	return strings.Join(words, " ")
}

// spellQualified writes qualifiers of a pointer after its star ("int *
// const") and other qualifiers before the base type ("const int"), always
// in the order const, volatile, restrict. Qualifiers of an array apply to
// its elements, as in C, so they are written once before the element type.
func spellQualified(q *godwarf.QualType, decl string, chain int) string {
	quals, inner := collectQualifiers(q, chain)
	switch it := inner.(type) {
	case *godwarf.PtrType:
		star := "* " + quals.String()
		if decl != "" {
			star += " " + decl
		}
		return spellType(it.Type, pointerDeclarator(it.Type, star), chain+1)
	case *godwarf.ArrayType:
		elem, dims := arrayElement(it, chain)
		elemQuals, elemBase := collectQualifiers(elem, chain)
		quals |= elemQuals
		return quals.String() + " " + spellType(elemBase, decl+dims, chain+1)
	}
	return quals.String() + " " + spellType(inner, decl, chain+1)
}

// A qualifierSet is a set of C type qualifiers.
type qualifierSet uint8

const (
	qualConst qualifierSet = 1 << iota
	qualVolatile
	qualRestrict
)

// String writes the qualifiers in the order gdb uses.
func (q qualifierSet) String() string {
	var words []string
	for _, w := range []struct {
		bit  qualifierSet
		word string
	}{{qualConst, "const"}, {qualVolatile, "volatile"}, {qualRestrict, "restrict"}} {
		if q&w.bit != 0 {
			words = append(words, w.word)
		}
	}
	return strings.Join(words, " ")
}

// collectQualifiers returns the qualifiers at the top of t and the type
// under them.
func collectQualifiers(t godwarf.Type, chain int) (qualifierSet, godwarf.Type) {
	var quals qualifierSet
	for ; chain <= maxTypeChain; chain++ {
		q, ok := t.(*godwarf.QualType)
		if !ok {
			break
		}
		switch q.Qual {
		case "const":
			quals |= qualConst
		case "volatile":
			quals |= qualVolatile
		case "restrict":
			quals |= qualRestrict
		}
		t = q.Type
	}
	return quals, t
}

// arrayElement returns the element type under all dimensions of at and the
// dimensions spelled in C, such as "[2][3]".
func arrayElement(at *godwarf.ArrayType, chain int) (godwarf.Type, string) {
	var dims strings.Builder
	var elem godwarf.Type = at
	for ; chain <= maxTypeChain; chain++ {
		a, ok := elem.(*godwarf.ArrayType)
		if !ok {
			break
		}
		dims.WriteString("[" + strconv.FormatInt(max(a.Count, 0), 10) + "]")
		elem = a.Type
	}
	return elem, dims.String()
}

// pointerDeclarator wraps a pointer declarator in parentheses when the
// pointee is an array or a function, as in "int (*)[4]".
func pointerDeclarator(pointee godwarf.Type, decl string) string {
	switch pointee.(type) {
	case *godwarf.ArrayType, *godwarf.FuncType:
		return "(" + decl + ")"
	}
	return decl
}

func spellParams(ft *godwarf.FuncType, chain int) string {
	if len(ft.ParamType) == 0 {
		return "(void)"
	}
	params := make([]string, len(ft.ParamType))
	for i, p := range ft.ParamType {
		params[i] = spellType(p, "", chain+1)
	}
	return "(" + strings.Join(params, ", ") + ")"
}

func joinDeclarator(base, decl string) string {
	if decl == "" {
		return base
	}
	return base + " " + decl
}
