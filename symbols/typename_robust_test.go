package symbols

import (
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// TestTypeCyclesEnd builds the type cycles that damaged DWARF can give:
// a const qualifier of itself and an array of itself. Naming and sizing
// them must end. FuzzPatchedKernel found the qualifier cycle, which made
// TypeName loop forever.
func TestTypeCyclesEnd(t *testing.T) {
	q := &godwarf.QualType{Qual: "const"}
	q.Type = q
	if got := TypeName(q); got != "..." {
		t.Errorf("TypeName(const cycle) = %q, want ...", got)
	}
	if got := Sizeof(q); got != 0 {
		t.Errorf("Sizeof(const cycle) = %d, want 0", got)
	}

	a := &godwarf.ArrayType{Count: 2}
	a.Type = a
	if got := Sizeof(a); got != 0 {
		t.Errorf("Sizeof(array cycle) = %d, want 0", got)
	}
	if got := TypeName(a); got == "" {
		t.Error("TypeName(array cycle) is empty")
	}
}

// TestSizeofNestedArrays checks that the bounded walk still multiplies
// nested array lengths: int [3][4] with 4-byte ints is 48 bytes, as C's
// sizeof gives.
func TestSizeofNestedArrays(t *testing.T) {
	i := &godwarf.IntType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: 4, Name: "int"}}}
	inner := &godwarf.ArrayType{Count: 4, Type: i}
	outer := &godwarf.ArrayType{Count: 3, Type: inner}
	if got := Sizeof(outer); got != 48 {
		t.Errorf("Sizeof(int [3][4]) = %d, want 48", got)
	}
}
