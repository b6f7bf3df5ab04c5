package symbols

import (
	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Resolve follows typedefs and qualifiers down to the type they name.
func Resolve(t godwarf.Type) godwarf.Type {
	for range maxTypeDepth {
		switch tt := t.(type) {
		case *godwarf.TypedefType:
			t = tt.Type
		case *godwarf.QualType:
			t = tt.Type
		default:
			return t
		}
	}
	return t
}

// Member finds the member called name in struct or union type t, looking
// through typedefs and qualifiers. It also finds members of anonymous
// struct and union members, because C lets code name them directly, and
// counts their ByteOffset from the start of t. The result is a copy, so
// callers may change it.
func Member(t godwarf.Type, name string) (godwarf.StructField, bool) {
	return member(t, name, 0)
}

func member(t godwarf.Type, name string, depth int) (godwarf.StructField, bool) {
	st, ok := Resolve(t).(*godwarf.StructType)
	if !ok || depth > maxTypeDepth {
		return godwarf.StructField{}, false
	}
	for _, f := range st.Field {
		if f.Name == name {
			return *f, true
		}
	}
	for _, f := range st.Field {
		if f.Name != "" {
			continue
		}
		if inner, ok := member(f.Type, name, depth+1); ok {
			inner.ByteOffset += f.ByteOffset
			return inner, true
		}
	}
	return godwarf.StructField{}, false
}

// BitfieldLocation returns where bitfield f lies: the field's lowest bit is
// bit bitOff (0 = least significant) of the byte at byteOff from the start
// of the struct, and the field is bitSize bits wide. This holds on the
// little-endian machines Open accepts, whichever DWARF form the compiler
// used. For a member that is not a bitfield it returns f.ByteOffset, 0, 0.
//
// To read the value, load ceil((bitOff+bitSize)/8) bytes at byteOff as a
// little-endian integer, shift it right by bitOff and keep the low bitSize
// bits. For a signed type, then sign-extend from bit bitSize-1. For example, in
//
//	struct flags {
//		unsigned int a : 3;   // bits 0-2 of the struct
//		unsigned int b : 7;   // bits 3-9
//		int          c : 5;   // bits 10-14
//		unsigned int d : 17;  // bits 15-31
//	};
//
// member c gives (1, 2, 5), so c is p[1]>>2 & 0x1f sign-extended from bit
// 4, and member d gives (1, 7, 17), so d is the 3 bytes p[1:4] read as a
// little-endian integer, shifted right by 7 and masked with 0x1ffff.
func BitfieldLocation(f godwarf.StructField) (byteOff, bitOff, bitSize int64) {
	if f.BitSize == 0 {
		return f.ByteOffset, 0, 0
	}
	return f.ByteOffset, f.BitOffset, f.BitSize
}

// IsSigned reports whether values of t are signed integers: int types,
// signed char (and plain char where the ABI makes it signed), and enums
// with a negative enumerator. Like gdb, it treats an enum whose
// enumerators are all non-negative as unsigned.
func IsSigned(t godwarf.Type) bool {
	switch tt := Resolve(t).(type) {
	case *godwarf.IntType, *godwarf.CharType:
		return true
	case *godwarf.EnumType:
		for _, v := range tt.Val {
			if v.Val < 0 {
				return true
			}
		}
	}
	return false
}
