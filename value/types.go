package value

import (
	"fmt"
	"math"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// maxTypeChain is the longest chain of typedefs, qualifiers and array
// dimensions that the type helpers follow. Real C types stay far below it,
// so a longer chain means a cycle in damaged debug information.
const maxTypeChain = 256

// stripTypedefs returns the type under any typedefs and qualifiers.
func stripTypedefs(t godwarf.Type) (godwarf.Type, error) {
	for range maxTypeChain {
		switch tt := t.(type) {
		case *godwarf.TypedefType:
			t = tt.Type
		case *godwarf.QualType:
			t = tt.Type
		case nil:
			return nil, fmt.Errorf("type is missing (nil) in the debug information")
		default:
			return t, nil
		}
	}
	return nil, fmt.Errorf("typedef chain of %s is longer than %d links; the debug information has a cycle", describeType(t), maxTypeChain)
}

// sizeOf computes the size of t in bytes. It does not trust the sizes that
// godwarf caches for arrays and typedefs of arrays: godwarf leaves them at
// -1 when the compiler wrote no DW_AT_byte_size (gcc never does for arrays),
// and gives inner dimensions of a multi-dimensional array no size at all.
func sizeOf(t godwarf.Type, ptrSize int64) (int64, error) {
	return sizeOfChain(t, ptrSize, 0)
}

func sizeOfChain(t godwarf.Type, ptrSize int64, chain int) (int64, error) {
	if chain > maxTypeChain {
		return 0, fmt.Errorf("type %s nests deeper than %d levels; the debug information has a cycle", describeType(t), maxTypeChain)
	}
	switch tt := t.(type) {
	case nil:
		return 0, fmt.Errorf("type is missing (nil) in the debug information")
	case *godwarf.TypedefType:
		return sizeOfChain(tt.Type, ptrSize, chain+1)
	case *godwarf.QualType:
		return sizeOfChain(tt.Type, ptrSize, chain+1)
	case *godwarf.ArrayType:
		return arraySize(tt, ptrSize, chain)
	case *godwarf.PtrType:
		if tt.ByteSize > 0 {
			return tt.ByteSize, nil
		}
		return ptrSize, nil
	case *godwarf.StructType:
		if tt.Incomplete {
			return 0, fmt.Errorf("%s is only declared, not defined, in the debug information", describeType(t))
		}
		if tt.ByteSize == 0 {
			return 0, nil // GNU C allows empty structs
		}
	case *godwarf.FuncType:
		return 0, fmt.Errorf("function type %s has no size; only pointers to functions can be decoded", describeType(t))
	case *godwarf.VoidType:
		return 0, fmt.Errorf("type void has no size")
	}
	size := t.Common().ByteSize
	if size <= 0 {
		return 0, fmt.Errorf("type %s has no byte size in the debug information", describeType(t))
	}
	return size, nil
}

func arraySize(at *godwarf.ArrayType, ptrSize int64, chain int) (int64, error) {
	if at.Count < 0 {
		return 0, fmt.Errorf("array type %s has no length (an incomplete array such as x[])", describeType(at))
	}
	stride, err := arrayStride(at, ptrSize, chain)
	if err != nil {
		return 0, err
	}
	if stride > 0 && at.Count > math.MaxInt64/stride {
		return 0, fmt.Errorf("array type %s of %d elements of %d bytes overflows 64 bits", describeType(at), at.Count, stride)
	}
	return at.Count * stride, nil
}

// arrayStride computes the distance in bytes between array elements. It
// takes the element size, and an explicit DW_AT_byte_stride only when it is
// larger: godwarf sets the outer dimension of a multi-dimensional array to
// the stride of the innermost element type, which is too small.
func arrayStride(at *godwarf.ArrayType, ptrSize int64, chain int) (int64, error) {
	elemSize, err := sizeOfChain(at.Type, ptrSize, chain+1)
	if err != nil {
		return 0, err
	}
	if at.StrideBitSize > 0 && at.StrideBitSize%8 == 0 && at.StrideBitSize/8 > elemSize {
		return at.StrideBitSize / 8, nil
	}
	return elemSize, nil
}

// isCharType reports whether t, after typedefs and qualifiers, is char,
// signed char or unsigned char, and whether it is signed.
func isCharType(t godwarf.Type) (isChar, signed bool) {
	base, err := stripTypedefs(t)
	if err != nil {
		return false, false
	}
	switch bt := base.(type) {
	case *godwarf.CharType:
		return bt.ByteSize == 1, true
	case *godwarf.UcharType:
		return bt.ByteSize == 1, false
	}
	return false, false
}

// isSignedEnum reports whether an enum's values are signed. godwarf keeps
// neither the enum's underlying type nor its encoding, so this follows the
// rule gcc, clang and gdb share for C: the underlying type is signed when at
// least one enumerator is negative.
func isSignedEnum(et *godwarf.EnumType) bool {
	for _, ev := range et.Val {
		if ev != nil && ev.Val < 0 {
			return true
		}
	}
	return false
}

// describeType names t for error messages, falling back to godwarf's
// spelling when the C spelling cannot be built.
func describeType(t godwarf.Type) string {
	if t == nil {
		return "<nil type>"
	}
	name := symbols.TypeName(t)
	if name == "" {
		return t.String()
	}
	return name
}
