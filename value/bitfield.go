package value

import (
	"bytes"
	"fmt"
	"math/big"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// decodeBitfield decodes bit-field member f of st, which starts off bytes
// into d.buf, rel bytes into the value being listed, and is size bytes long.
func (d *decoder) decodeBitfield(st *godwarf.StructType, f *godwarf.StructField, off, rel, size int64, depth int) Field {
	v := &Value{Kind: Invalid, Type: f.Type, TypeName: d.typeName(f.Type)}
	field := Field{Name: f.Name, Value: v, ByteOffset: rel + f.ByteOffset, BitSize: f.BitSize}
	if !d.spend() {
		v.Err = d.budgetError(off + f.ByteOffset)
		return field
	}
	base, err := stripTypedefs(f.Type)
	if err != nil {
		v.Err = fmt.Errorf("bit-field %s of %s: %w: %v", f.Name, describeType(st), ErrInvalidType, err)
		return field
	}
	v.Kind = kindOf(base)
	v.Size, _ = d.sizeOf(f.Type)

	if !d.little {
		// NOTE: symbols.BitfieldLocation counts bits on little-endian
		// storage only, and symbols.Open accepts only little-endian kernels.
		v.Err = fmt.Errorf("bit-field %s of %s: %w: bit-fields are decoded only for little-endian targets",
			f.Name, describeType(st), ErrUnsupportedType)
		return field
	}
	byteOff, bitOff, bitSize := symbols.BitfieldLocation(*f)
	if bitOff < 0 || bitSize <= 0 || bitSize > 8*max(v.Size, 1) {
		v.Err = fmt.Errorf("bit-field %s of %s: %w: no valid location (byte %d, bit %d, %d bits)",
			f.Name, describeType(st), ErrInvalidType, byteOff, bitOff, bitSize)
		return field
	}
	byteOff += bitOff / 8
	bitOff %= 8
	field.ByteOffset, field.BitOffset, field.BitSize = rel+byteOff, bitOff, bitSize

	storage := (bitOff + bitSize + 7) / 8
	if byteOff < 0 || byteOff > size-storage {
		v.Err = fmt.Errorf("bit-field %s of %s: %w: bits %d..%d past byte %d lie outside the %d bytes of the %s",
			f.Name, describeType(st), ErrInvalidType, bitOff, bitOff+bitSize-1, byteOff, size, st.Kind)
		return field
	}
	p, err := d.bytes(off+byteOff, storage, d.typeName(st)+"."+f.Name)
	if err != nil {
		v.Err = err
		return field
	}
	d.setBitfieldValue(v, base, extractBits(p, uint(bitOff), uint(bitSize)), uint(bitSize))
	return field
}

// setBitfieldValue stores raw, the unsigned bits of a bit-field of width
// bits, in v according to the field's base type.
func (d *decoder) setBitfieldValue(v *Value, base godwarf.Type, raw *big.Int, width uint) {
	switch bt := base.(type) {
	case *godwarf.IntType, *godwarf.CharType:
		v.Int = signExtendBig(raw, width, true)
	case *godwarf.UintType, *godwarf.UcharType:
		v.Int = raw
	case *godwarf.BoolType:
		v.Int = raw
		v.Bool = raw.Sign() != 0
	case *godwarf.EnumType:
		v.Int = signExtendBig(raw, width, isSignedEnum(bt))
		setEnumerator(v, bt)
	default:
		v.Err = fmt.Errorf("bit-field of type %s: %w: only integer, bool and enum bit-fields are decoded",
			v.TypeName, ErrUnsupportedType)
	}
}

// extractBits returns width bits of the little-endian bytes p, starting
// bitOff bits above the lowest bit of p[0].
func extractBits(p []byte, bitOff, width uint) *big.Int {
	if len(p) <= 8 {
		var u uint64
		for i, c := range p {
			u |= uint64(c) << (8 * i)
		}
		return intFromBits(u>>bitOff, width, false)
	}
	digits := bytes.Clone(p)
	reverse(digits)
	n := new(big.Int).SetBytes(digits)
	n.Rsh(n, bitOff)
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), width), big.NewInt(1))
	return n.And(n, mask)
}
