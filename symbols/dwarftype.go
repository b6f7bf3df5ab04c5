package symbols

import (
	"debug/dwarf"
	"fmt"
	"math"
	"reflect"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// maxTypeDepth caps how deeply type references may nest while one type is
// built. A pointer to a struct whose member is an array of typedefs is four
// levels, so only a corrupt file comes near the cap.
const maxTypeDepth = 1000

// DW_ATE base type encodings (DWARF 5 section 5.1, table 5.1).
const (
	encAddress      = 0x01
	encBoolean      = 0x02
	encComplexFloat = 0x03
	encFloat        = 0x04
	encSigned       = 0x05
	encSignedChar   = 0x06
	encUnsigned     = 0x07
	encUnsignedChar = 0x08
	encUTF          = 0x10
)

// DWARF expression opcodes seen in DW_AT_data_member_location.
const (
	opConstu     = 0x10 // DW_OP_constu
	opPlus       = 0x22 // DW_OP_plus
	opPlusUconst = 0x23 // DW_OP_plus_uconst
)

// typeAt returns the type whose DIE is at off, building it and every type
// it refers to on first use. Built types are cached for the Table's life.
// The caller holds t.dwarfMu.
func (t *Table) typeAt(off dwarf.Offset) (godwarf.Type, error) {
	b := &typeBuilder{at: t.readerAt, cache: t.types}
	typ, err := b.build(off)
	if err != nil {
		// Types built during this call may point at the one that failed.
		for _, o := range b.added {
			delete(t.types, o)
		}
		return nil, fmt.Errorf("read DWARF type in %s: %w", t.DebugPath(), err)
	}
	return typ, nil
}

// A typeBuilder converts DIEs to godwarf types. Every type goes into the
// cache before the types it refers to are built, so cycles through pointers
// end at the cached entry.
type typeBuilder struct {
	at    func(dwarf.Offset) (dieReader, error) // a reader positioned at a DIE
	cache map[dwarf.Offset]godwarf.Type
	added []dwarf.Offset
	depth int
}

// A die is one DIE with its direct children and its unit's address size.
type die struct {
	*dwarf.Entry
	kids     []*dwarf.Entry
	addrSize int
}

func (b *typeBuilder) read(off dwarf.Offset) (die, error) {
	r, err := b.at(off)
	if err != nil {
		return die{}, err
	}
	e, err := r.Next()
	if err != nil {
		return die{}, err
	}
	if e == nil || e.Offset != off {
		return die{}, fmt.Errorf("no DWARF entry starts at offset %#x", off)
	}
	d := die{Entry: e, addrSize: r.AddressSize()}

	// Collect the direct children, reading grandchildren in order rather
	// than with SkipChildren (see buildIndex for why).
	depth := 0
	for e.Children {
		k, err := r.Next()
		if err != nil {
			return die{}, err
		}
		if k == nil {
			return die{}, fmt.Errorf("children of DIE %#x run past the end of the DWARF", off)
		}
		if k.Tag == 0 {
			if depth == 0 {
				break
			}
			depth--
			continue
		}
		if depth == 0 {
			d.kids = append(d.kids, k)
		}
		if k.Children {
			depth++
		}
	}
	return d, nil
}

func (b *typeBuilder) remember(off dwarf.Offset, typ godwarf.Type) {
	b.cache[off] = typ
	b.added = append(b.added, off)
}

// build is kept as one switch over DWARF tags so every tag this package
// understands is listed in one place.
func (b *typeBuilder) build(off dwarf.Offset) (godwarf.Type, error) {
	if typ, ok := b.cache[off]; ok {
		return typ, nil
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxTypeDepth {
		return nil, fmt.Errorf("type references nest deeper than %d at DIE %#x", maxTypeDepth, off)
	}
	d, err := b.read(off)
	if err != nil {
		return nil, err
	}
	name, _ := d.Val(dwarf.AttrName).(string)
	size, hasSize := d.Val(dwarf.AttrByteSize).(int64)
	common := godwarf.CommonType{Name: name, ByteSize: size, Offset: off}

	switch d.Tag {
	case dwarf.TagBaseType:
		return b.baseType(d, common)
	case dwarf.TagPointerType:
		if !hasSize {
			common.ByteSize = int64(d.addrSize)
		}
		t := &godwarf.PtrType{CommonType: common}
		b.remember(off, t)
		t.Type, err = b.typeAttr(d.Entry)
		return t, err
	case dwarf.TagConstType, dwarf.TagVolatileType, dwarf.TagRestrictType, dwarf.TagAtomicType:
		t := &godwarf.QualType{CommonType: common, Qual: qualifier(d.Tag)}
		b.remember(off, t)
		if t.Type, err = b.typeAttr(d.Entry); err != nil {
			return nil, err
		}
		t.ByteSize = Sizeof(t.Type)
		return t, nil
	case dwarf.TagTypedef:
		t := &godwarf.TypedefType{CommonType: common}
		b.remember(off, t)
		if t.Type, err = b.typeAttr(d.Entry); err != nil {
			return nil, err
		}
		t.ByteSize = Sizeof(t.Type)
		return t, nil
	case dwarf.TagStructType, dwarf.TagUnionType, dwarf.TagClassType:
		return b.structType(d, common)
	case dwarf.TagEnumerationType:
		return b.enumType(d, common)
	case dwarf.TagArrayType:
		return b.arrayType(d, common)
	case dwarf.TagSubroutineType:
		return b.funcType(d, common)
	case dwarf.TagUnspecifiedType:
		t := &godwarf.UnspecifiedType{BasicType: godwarf.BasicType{CommonType: common}}
		b.remember(off, t)
		return t, nil
	}
	t := &godwarf.UnsupportedType{CommonType: common, Tag: d.Tag}
	b.remember(off, t)
	return t, nil
}

// typeAttr builds the type that e's DW_AT_type names; no DW_AT_type means
// void.
func (b *typeBuilder) typeAttr(e *dwarf.Entry) (godwarf.Type, error) {
	switch v := e.Val(dwarf.AttrType).(type) {
	case nil:
		return &godwarf.VoidType{CommonType: godwarf.CommonType{Name: "void"}}, nil
	case dwarf.Offset:
		return b.build(v)
	default:
		return nil, fmt.Errorf("DIE %#x: DW_AT_type refers to a type unit (%T), which is not supported",
			e.Offset, v)
	}
}

func qualifier(tag dwarf.Tag) string {
	switch tag {
	case dwarf.TagConstType:
		return "const"
	case dwarf.TagVolatileType:
		return "volatile"
	case dwarf.TagRestrictType:
		return "restrict"
	}
	return "_Atomic"
}

func (b *typeBuilder) baseType(d die, common godwarf.CommonType) (godwarf.Type, error) {
	enc, _ := d.Val(dwarf.AttrEncoding).(int64)
	basic := godwarf.BasicType{CommonType: common}
	basic.BitSize, _ = d.Val(dwarf.AttrBitSize).(int64)
	if bo, ok := d.Val(dwarf.AttrDataBitOffset).(int64); ok {
		basic.BitOffset = bo
	} else {
		basic.BitOffset, _ = d.Val(dwarf.AttrBitOffset).(int64)
	}

	var t godwarf.Type
	switch enc {
	case encAddress:
		t = &godwarf.AddrType{BasicType: basic}
	case encBoolean:
		t = &godwarf.BoolType{BasicType: basic}
	case encComplexFloat:
		t = &godwarf.ComplexType{BasicType: basic}
	case encFloat:
		t = &godwarf.FloatType{BasicType: basic}
	case encSigned:
		t = &godwarf.IntType{BasicType: basic}
	case encSignedChar:
		t = &godwarf.CharType{BasicType: basic}
	case encUnsigned, encUTF:
		t = &godwarf.UintType{BasicType: basic}
	case encUnsignedChar:
		t = &godwarf.UcharType{BasicType: basic}
	default:
		t = &godwarf.UnsupportedType{CommonType: common, Tag: d.Tag}
	}
	b.remember(d.Offset, t)
	return t, nil
}

func (b *typeBuilder) structType(d die, common godwarf.CommonType) (godwarf.Type, error) {
	t := &godwarf.StructType{CommonType: common, StructName: common.Name, Kind: "struct"}
	switch d.Tag {
	case dwarf.TagUnionType:
		t.Kind = "union"
	case dwarf.TagClassType:
		t.Kind = "class"
	}
	t.Incomplete, _ = d.Val(dwarf.AttrDeclaration).(bool)
	b.remember(d.Offset, t)

	for _, k := range d.kids {
		if k.Tag != dwarf.TagMember {
			continue
		}
		f, err := b.member(k)
		if err != nil {
			return nil, err
		}
		t.Field = append(t.Field, f)
	}
	return t, nil
}

// member builds one struct member, storing bitfield positions in the
// convention of the package doc whatever DWARF form the compiler chose.
func (b *typeBuilder) member(k *dwarf.Entry) (*godwarf.StructField, error) {
	name, _ := k.Val(dwarf.AttrName).(string)
	ft, err := b.typeAttr(k)
	if err != nil {
		return nil, err
	}
	loc, err := memberLocation(k)
	if err != nil {
		return nil, err
	}
	f := &godwarf.StructField{Name: name, Type: ft, ByteOffset: loc, ByteSize: Sizeof(ft)}
	bitSize, _ := k.Val(dwarf.AttrBitSize).(int64)
	if bitSize <= 0 {
		return f, nil
	}

	// DWARF 4 and later: DW_AT_data_bit_offset counts bits from the start of
	// the struct. DWARF 2 and 3: DW_AT_bit_offset counts from the most
	// significant bit of a storage unit of DW_AT_byte_size bytes at
	// DW_AT_data_member_location, so on little-endian the field's lowest bit
	// is storage bits - bit_offset - bit_size above the unit's lowest bit.
	bitPos := loc * 8
	if dbo, ok := k.Val(dwarf.AttrDataBitOffset).(int64); ok {
		bitPos = dbo
	} else if bo, ok := k.Val(dwarf.AttrBitOffset).(int64); ok {
		storage, ok := k.Val(dwarf.AttrByteSize).(int64)
		if !ok {
			storage = Sizeof(ft)
		}
		bitPos = loc*8 + storage*8 - bo - bitSize
	}
	if bitPos < 0 {
		return nil, fmt.Errorf("bitfield %q at DIE %#x starts at negative bit %d", name, k.Offset, bitPos)
	}
	f.ByteOffset, f.BitOffset, f.BitSize = bitPos/8, bitPos%8, bitSize
	f.ByteSize = (f.BitOffset + bitSize + 7) / 8
	return f, nil
}

// memberLocation decodes DW_AT_data_member_location: a constant, or the
// expression forms DWARF 2 producers wrote. Union members often omit it.
func memberLocation(k *dwarf.Entry) (int64, error) {
	switch v := k.Val(dwarf.AttrDataMemberLoc).(type) {
	case nil:
		return 0, nil
	case int64:
		return v, nil
	case []byte:
		if len(v) == 0 {
			return 0, nil
		}
		if off, ok := constantOffset(v); ok {
			return off, nil
		}
	}
	return 0, fmt.Errorf("member DIE %#x: unsupported DW_AT_data_member_location %v",
		k.Offset, k.Val(dwarf.AttrDataMemberLoc))
}

// constantOffset decodes the member offset expressions "DW_OP_plus_uconst N"
// and "DW_OP_constu N [DW_OP_plus]" that DWARF 2 producers wrote. gcc 12 and
// clang 14 write a plain constant instead.
func constantOffset(expr []byte) (int64, bool) {
	n, used := uleb128(expr[1:])
	if used == 0 || n > math.MaxInt64 {
		return 0, false
	}
	rest := expr[1+used:]
	switch {
	case expr[0] == opPlusUconst && len(rest) == 0:
		return int64(n), true
	case expr[0] == opConstu && (len(rest) == 0 || len(rest) == 1 && rest[0] == opPlus):
		return int64(n), true
	}
	return 0, false
}

func (b *typeBuilder) enumType(d die, common godwarf.CommonType) (godwarf.Type, error) {
	t := &godwarf.EnumType{CommonType: common, EnumName: common.Name}
	b.remember(d.Offset, t)
	for _, k := range d.kids {
		if k.Tag != dwarf.TagEnumerator {
			continue
		}
		name, _ := k.Val(dwarf.AttrName).(string)
		val, _ := k.Val(dwarf.AttrConstValue).(int64)
		t.Val = append(t.Val, &godwarf.EnumValue{Name: name, Val: val})
	}
	if _, ok := d.Val(dwarf.AttrByteSize).(int64); !ok {
		under, err := b.typeAttr(d.Entry)
		if err != nil {
			return nil, err
		}
		t.ByteSize = Sizeof(under)
	}
	return t, nil
}

// arrayType builds a possibly multi-dimensional array. For int m[3][5]
// DWARF has one array DIE with two subranges, and the result is an
// ArrayType of Count 3 whose element is an ArrayType of Count 5. The inner
// array's Offset is its subrange DIE's offset, so every type in the chain
// has a distinct offset.
func (b *typeBuilder) arrayType(d die, common godwarf.CommonType) (godwarf.Type, error) {
	outer := &godwarf.ArrayType{CommonType: common}
	b.remember(d.Offset, outer)
	elem, err := b.typeAttr(d.Entry)
	if err != nil {
		return nil, err
	}

	type dim struct {
		count int64
		off   dwarf.Offset
	}
	var dims []dim
	for _, k := range d.kids {
		switch k.Tag {
		case dwarf.TagSubrangeType:
			dims = append(dims, dim{subrangeCount(k), k.Offset})
		case dwarf.TagEnumerationType:
			return nil, fmt.Errorf("array DIE %#x: arrays indexed by an enumeration are not supported", d.Offset)
		}
	}
	if len(dims) == 0 {
		dims = []dim{{-1, d.Offset}}
	}

	stride, _ := d.Val(dwarf.AttrStride).(int64)
	stride *= 8
	if bits, ok := d.Val(dwarf.AttrStrideSize).(int64); ok {
		stride = bits
	}
	for i := len(dims) - 1; i >= 1; i-- {
		inner := &godwarf.ArrayType{CommonType: godwarf.CommonType{Offset: dims[i].off}}
		if err := setArray(inner, elem, dims[i].count, stride); err != nil {
			return nil, fmt.Errorf("array DIE %#x: %w", d.Offset, err)
		}
		elem, stride = inner, 0
	}
	explicit := outer.ByteSize
	if err := setArray(outer, elem, dims[0].count, stride); err != nil {
		return nil, fmt.Errorf("array DIE %#x: %w", d.Offset, err)
	}
	if explicit > 0 {
		outer.ByteSize = explicit
	}
	return outer, nil
}

// setArray fills in an array of count elements of elem. A zero stride
// means the elements are packed at the element size.
func setArray(a *godwarf.ArrayType, elem godwarf.Type, count, strideBits int64) error {
	esize := Sizeof(elem)
	if strideBits <= 0 {
		strideBits = esize * 8
	}
	a.Type, a.Count, a.StrideBitSize, a.ByteSize = elem, count, strideBits, 0
	if count <= 0 {
		return nil
	}
	if strideBits/8 > 0 && count > math.MaxInt64/(strideBits/8) {
		return fmt.Errorf("%d elements of %d bytes overflow a 64-bit size", count, strideBits/8)
	}
	a.ByteSize = count * strideBits / 8
	return nil
}

// subrangeCount returns a dimension's element count, or -1 when unknown (a
// flexible array member or a variable-length array). clang 14 writes
// DW_AT_count, and gcc 12 writes DW_AT_upper_bound, or DW_AT_count 0 for
// [0]. An upper bound of -1 with lower bound 0 also means length 0.
func subrangeCount(k *dwarf.Entry) int64 {
	if c, ok := k.Val(dwarf.AttrCount).(int64); ok {
		if c < 0 {
			return -1
		}
		return c
	}
	ub, ok := k.Val(dwarf.AttrUpperBound).(int64)
	if !ok {
		return -1
	}
	lb, _ := k.Val(dwarf.AttrLowerBound).(int64)
	if ub == -1 && lb == 0 {
		return 0
	}
	if ub < lb || ub-lb == math.MaxInt64 {
		return -1
	}
	return ub - lb + 1
}

func (b *typeBuilder) funcType(d die, common godwarf.CommonType) (godwarf.Type, error) {
	if common.ByteSize == 0 {
		common.ByteSize = 1 // sizeof a function in GNU C
	}
	if p, _ := d.Val(dwarf.AttrPrototyped).(bool); p {
		common.ReflectKind = reflect.Func
	}
	t := &godwarf.FuncType{CommonType: common}
	b.remember(d.Offset, t)
	var err error
	if t.ReturnType, err = b.typeAttr(d.Entry); err != nil {
		return nil, err
	}
	for _, k := range d.kids {
		switch k.Tag {
		case dwarf.TagFormalParameter:
			pt, err := b.typeAttr(k)
			if err != nil {
				return nil, err
			}
			t.ParamType = append(t.ParamType, pt)
		case dwarf.TagUnspecifiedParameters:
			t.ParamType = append(t.ParamType, &godwarf.DotDotDotType{})
		}
	}
	return t, nil
}

// Sizeof returns the size in bytes of a value of type t, as C's sizeof
// does: typedefs and qualifiers are followed, an array of unknown length
// (Count -1) has size 0, and void has size 0. Unlike godwarf's Size method
// it never returns a negative number.
func Sizeof(t godwarf.Type) int64 {
	// count multiplies the lengths of the arrays passed on the way down, so
	// that nested arrays share the one bound on the walk, which damaged
	// DWARF could otherwise make endless.
	count := int64(1)
	for range maxTypeDepth {
		switch tt := t.(type) {
		case nil, *godwarf.VoidType:
			return 0
		case *godwarf.TypedefType:
			t = tt.Type
		case *godwarf.QualType:
			t = tt.Type
		case *godwarf.ArrayType:
			if tt.Count < 0 {
				return 0
			}
			if tt.ByteSize > 0 {
				return count * tt.ByteSize
			}
			if tt.Count == 0 {
				return 0
			}
			count *= tt.Count
			t = tt.Type
		default:
			return count * max(t.Common().ByteSize, 0)
		}
	}
	return 0
}
