package value

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// Sentinel errors that [Value.Err] wraps. Test for them with errors.Is.
var (
	// ErrMissingBytes means the value extends past the end of the bytes
	// given to Decode. Read more bytes, or check the size of the read.
	ErrMissingBytes = errors.New("value extends past the end of the bytes given")
	// ErrUnsupportedType means the type cannot be decoded: a function,
	// void, an incomplete struct, a complex or long double number, or a
	// DWARF type that C does not use.
	ErrUnsupportedType = errors.New("unsupported type")
	// ErrInvalidType means the debug information describes an impossible
	// type: a member outside its struct, a cycle, a missing size.
	ErrInvalidType = errors.New("invalid type in the debug information")
	// ErrTooManyValues means the type describes far more members and
	// elements than its bytes can hold, for example a large array of empty
	// structs or unions nested in unions, and decoding stopped.
	ErrTooManyValues = errors.New("too many members and elements for the bytes given")
)

// Decode stops after valuesPerByte values per byte of input, plus
// minValueBudget. Each value takes at least one byte except bit-fields (at
// most 8 per byte), empty structs and the overlapping members of unions.
const (
	valuesPerByte  = 16
	minValueBudget = 4096
)

type decoder struct {
	buf     []byte
	order   binary.ByteOrder
	little  bool // order is little-endian
	ptrSize int64
	lim     Limits
	active  map[godwarf.Type]bool // structs and arrays being decoded, to stop type cycles
	budget  int                   // values left to decode before ErrTooManyValues

	// Caches, because arrays decode the same element type many times. The
	// maps start nil, and the first name and size are kept outside them,
	// because most kernel variables are a single scalar and the map
	// allocations took most of the time of decoding one.
	firstType     godwarf.Type
	firstName     string
	firstSizeType godwarf.Type
	firstSize     sizeResult
	names         map[godwarf.Type]string
	sizes         map[godwarf.Type]sizeResult
}

type sizeResult struct {
	size int64
	err  error
}

// typeName spells t in C, as symbols.TypeName does.
func (d *decoder) typeName(t godwarf.Type) string {
	if t == d.firstType {
		return d.firstName
	}
	if name, ok := d.names[t]; ok {
		return name
	}
	name := symbols.TypeName(t)
	if d.firstType == nil {
		d.firstType, d.firstName = t, name
		return name
	}
	if d.names == nil {
		d.names = make(map[godwarf.Type]string)
	}
	d.names[t] = name
	return name
}

// sizeOf computes the size of t in bytes, as the function sizeOf does.
func (d *decoder) sizeOf(t godwarf.Type) (int64, error) {
	if t == d.firstSizeType {
		return d.firstSize.size, d.firstSize.err
	}
	if r, ok := d.sizes[t]; ok {
		return r.size, r.err
	}
	size, err := sizeOf(t, d.ptrSize)
	if d.firstSizeType == nil {
		d.firstSizeType, d.firstSize = t, sizeResult{size, err}
		return size, err
	}
	if d.sizes == nil {
		d.sizes = make(map[godwarf.Type]sizeResult)
	}
	d.sizes[t] = sizeResult{size, err}
	return size, err
}

// decode decodes the value of type t that starts off bytes into d.buf.
func (d *decoder) decode(t godwarf.Type, off int64, depth int) *Value {
	v := &Value{Type: t, Kind: Invalid}
	if t == nil {
		v.Err = fmt.Errorf("value at byte offset %d: %w: type is missing (nil)", off, ErrInvalidType)
		return v
	}
	v.TypeName = d.typeName(t)
	if !d.spend() {
		v.Err = d.budgetError(off)
		return v
	}
	base, err := stripTypedefs(t)
	if err != nil {
		v.Err = fmt.Errorf("%s at byte offset %d: %w: %v", v.TypeName, off, ErrInvalidType, err)
		return v
	}
	v.Kind = kindOf(base)
	size, err := d.sizeOf(t)
	if err != nil {
		v.Err = fmt.Errorf("%s at byte offset %d: %w: %v", v.TypeName, off, sizeErrorKind(base), err)
		return v
	}
	v.Size = size

	switch bt := base.(type) {
	case *godwarf.StructType:
		if d.enterComposite(v, bt, off, depth) {
			d.decodeStruct(v, bt, off, depth)
			delete(d.active, bt)
		}
	case *godwarf.ArrayType:
		if v.Kind == String {
			d.decodeChars(v, bt, off)
			return v
		}
		if d.enterComposite(v, bt, off, depth) {
			d.decodeArray(v, bt, off, depth)
			delete(d.active, bt)
		}
	default:
		p, err := d.bytes(off, size, v.TypeName)
		if err != nil {
			v.Err = err
			return v
		}
		d.decodeScalar(v, base, p)
	}
	return v
}

// spend takes one value from the budget and reports whether there was one.
func (d *decoder) spend() bool {
	if d.budget <= 0 {
		return false
	}
	d.budget--
	return true
}

func (d *decoder) budgetError(off int64) error {
	limit := valuesPerByte*len(d.buf) + minValueBudget
	return fmt.Errorf("value at byte offset %d: %w: stopped after %d values from %d bytes", off, ErrTooManyValues, limit, len(d.buf))
}

// sizeErrorKind classifies a sizeOf failure: types that have no size in C
// are unsupported, anything else is damaged debug information.
func sizeErrorKind(base godwarf.Type) error {
	switch bt := base.(type) {
	case *godwarf.FuncType, *godwarf.VoidType:
		return ErrUnsupportedType
	case *godwarf.StructType:
		if bt.Incomplete {
			return ErrUnsupportedType
		}
	}
	return ErrInvalidType
}

func kindOf(base godwarf.Type) Kind {
	switch bt := base.(type) {
	case *godwarf.IntType, *godwarf.CharType:
		return Int
	case *godwarf.UintType, *godwarf.UcharType:
		return Uint
	case *godwarf.BoolType:
		return Bool
	case *godwarf.EnumType:
		return Enum
	case *godwarf.PtrType:
		if pointee, err := stripTypedefs(bt.Type); err == nil {
			if _, ok := pointee.(*godwarf.FuncType); ok {
				return FuncPointer
			}
		}
		return Pointer
	case *godwarf.AddrType:
		return Pointer
	case *godwarf.StructType:
		if bt.Kind == "union" {
			return Union
		}
		return Struct
	case *godwarf.ArrayType:
		if isChar, _ := isCharType(bt.Type); isChar {
			return String
		}
		return Array
	case *godwarf.FloatType:
		return Float
	case *godwarf.VoidType:
		return Void
	}
	return Invalid
}

// enterComposite checks the depth limit and type cycles before a struct,
// union or array t is decoded, and reports whether to decode it. If it
// returns true, t is marked active and the caller must delete it from
// d.active afterwards. Bytes that do not cover the whole value set v.Err,
// but members and elements that fit are still decoded.
func (d *decoder) enterComposite(v *Value, t godwarf.Type, off int64, depth int) bool {
	if depth > d.lim.MaxDepth {
		v.Truncated = true
		return false
	}
	if d.active[t] {
		v.Err = fmt.Errorf("%s at byte offset %d: %w: the type contains itself", v.TypeName, off, ErrInvalidType)
		return false
	}
	if _, err := d.bytes(off, v.Size, v.TypeName); err != nil {
		v.Err = err
	}
	d.setActive(t)
	return true
}

// setActive marks t as being decoded.
func (d *decoder) setActive(t godwarf.Type) {
	if d.active == nil {
		d.active = make(map[godwarf.Type]bool)
	}
	d.active[t] = true
}

// bytes returns the size bytes at off, or an error wrapping
// ErrMissingBytes that names the value.
func (d *decoder) bytes(off, size int64, name string) ([]byte, error) {
	avail := int64(len(d.buf)) - off
	if off < 0 || avail < size {
		return nil, fmt.Errorf("%s at byte offset %d needs %d bytes, only %d available: %w",
			name, off, size, max(avail, 0), ErrMissingBytes)
	}
	return d.buf[off : off+size], nil
}

// decodeStruct lists the members of a struct or union that starts off bytes
// into d.buf.
func (d *decoder) decodeStruct(v *Value, st *godwarf.StructType, off int64, depth int) {
	v.Fields = make([]Field, 0, len(st.Field))
	d.appendMembers(v, st, off, 0, v.Size, depth)
}

// appendMembers appends the members of st to v.Fields. The struct st
// starts off bytes into d.buf and rel bytes into v. It is v's own type, or
// an anonymous member of it that is being merged into v.
func (d *decoder) appendMembers(v *Value, st *godwarf.StructType, off, rel, size int64, depth int) {
	for _, f := range st.Field {
		if f == nil {
			continue
		}
		if f.Name == "" {
			d.appendAnonymous(v, st, f, off, rel, size, depth)
			continue
		}
		if f.BitSize > 0 {
			v.Fields = append(v.Fields, d.decodeBitfield(st, f, off, rel, size, depth+1))
			continue
		}
		field := Field{Name: f.Name, ByteOffset: rel + f.ByteOffset}
		field.Value = d.decodeMember(st, f, off, size, depth+1)
		v.Fields = append(v.Fields, field)
	}
}

// decodeMember decodes a member that is not a bit-field, after checking
// that the debug information places it inside its struct.
func (d *decoder) decodeMember(st *godwarf.StructType, f *godwarf.StructField, off, size int64, depth int) *Value {
	memberSize, err := d.sizeOf(f.Type)
	if err == nil && (f.ByteOffset < 0 || f.ByteOffset > size-memberSize) {
		v := &Value{Kind: Invalid, Type: f.Type, TypeName: d.typeName(f.Type), Size: memberSize}
		v.Err = fmt.Errorf("member %s of %s: %w: %d bytes at offset %d do not fit in the %d bytes of the %s",
			f.Name, describeType(st), ErrInvalidType, memberSize, f.ByteOffset, size, st.Kind)
		return v
	}
	return d.decode(f.Type, off+f.ByteOffset, depth)
}

// appendAnonymous merges the members of an anonymous struct or union member
// into v, as C lets code name them directly. Unnamed bit-fields and other
// unnamed members are padding and are left out, as gdb does.
func (d *decoder) appendAnonymous(v *Value, st *godwarf.StructType, f *godwarf.StructField, off, rel, size int64, depth int) {
	if f.BitSize > 0 {
		return
	}
	base, err := stripTypedefs(f.Type)
	if err != nil {
		return
	}
	inner, ok := base.(*godwarf.StructType)
	if !ok {
		return
	}
	innerSize, err := d.sizeOf(inner)
	if err != nil || f.ByteOffset < 0 || f.ByteOffset > size-innerSize {
		bad := &Value{Kind: Invalid, Type: f.Type, TypeName: d.typeName(f.Type)}
		bad.Err = fmt.Errorf("anonymous %s member of %s at offset %d: %w: it does not fit in the %d bytes of the %s",
			inner.Kind, describeType(st), f.ByteOffset, ErrInvalidType, size, st.Kind)
		v.Fields = append(v.Fields, Field{Name: "", Value: bad, ByteOffset: rel + f.ByteOffset})
		return
	}
	if d.active[inner] {
		return
	}
	d.setActive(inner)
	d.appendMembers(v, inner, off+f.ByteOffset, rel+f.ByteOffset, innerSize, depth)
	delete(d.active, inner)
}

// decodeArray decodes the elements of a non-char array, stopping at
// Limits.MaxArray and at the first element that extends past the bytes.
func (d *decoder) decodeArray(v *Value, at *godwarf.ArrayType, off int64, depth int) {
	stride, err := arrayStride(at, d.ptrSize, 0)
	if err != nil {
		v.Err = fmt.Errorf("%s at byte offset %d: %w: %v", v.TypeName, off, ErrInvalidType, err)
		return
	}
	n := at.Count
	if n > int64(d.lim.MaxArray) {
		n = int64(d.lim.MaxArray)
		v.Truncated = true
	}
	v.Elems = make([]*Value, 0, min(n, int64(len(d.buf))/max(stride, 1)+1))
	for i := range n {
		elemOff := off + i*stride
		elem := d.decode(at.Type, elemOff, depth+1)
		v.Elems = append(v.Elems, elem)
		if elemOff+stride > int64(len(d.buf)) {
			break
		}
	}
}

// decodeChars decodes a char array into StrBytes, and into Str when the
// array holds a NUL-padded printable ASCII string.
func (d *decoder) decodeChars(v *Value, at *godwarf.ArrayType, off int64) {
	_, v.signedChars = isCharType(at.Type)
	p, err := d.bytes(off, at.Count, v.TypeName)
	if err != nil {
		v.Err = err
		return
	}
	keep := min(len(p), d.lim.MaxString)
	v.StrBytes = bytes.Clone(p[:keep])
	v.Truncated = len(p) > keep

	nul := bytes.IndexByte(p, 0)
	if nul < 0 {
		nul = len(p)
	}
	if !isPrintableASCII(p[:nul]) || !isAllZero(p[nul:]) {
		return
	}
	v.Text = true
	text := p[:nul]
	v.Truncated = len(text) > d.lim.MaxString
	if v.Truncated {
		text = text[:d.lim.MaxString]
	}
	v.Str = string(text)
}

func isPrintableASCII(p []byte) bool {
	for _, c := range p {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func isAllZero(p []byte) bool {
	for _, c := range p {
		if c != 0 {
			return false
		}
	}
	return true
}

// decodeScalar decodes p, which holds exactly v.Size bytes, as a value of
// the base type of v.
func (d *decoder) decodeScalar(v *Value, base godwarf.Type, p []byte) {
	switch bt := base.(type) {
	case *godwarf.IntType, *godwarf.CharType:
		v.Int = readInt(p, d.little, true)
	case *godwarf.UintType, *godwarf.UcharType:
		v.Int = readInt(p, d.little, false)
	case *godwarf.BoolType:
		v.Int = readInt(p, d.little, false)
		v.Bool = v.Int.Sign() != 0
	case *godwarf.EnumType:
		v.Int = readInt(p, d.little, isSignedEnum(bt))
		setEnumerator(v, bt)
	case *godwarf.PtrType, *godwarf.AddrType:
		d.decodePointer(v, p)
	case *godwarf.FloatType:
		d.decodeFloat(v, p)
	default:
		v.Err = fmt.Errorf("%s: %w: no decoder for DWARF type %T", v.TypeName, ErrUnsupportedType, base)
	}
}

func (d *decoder) decodePointer(v *Value, p []byte) {
	switch len(p) {
	case 4:
		v.Ptr = uint64(d.order.Uint32(p))
	case 8:
		v.Ptr = d.order.Uint64(p)
	default:
		v.Err = fmt.Errorf("%s: %w: pointer of %d bytes (only 4 and 8 are decoded)", v.TypeName, ErrUnsupportedType, len(p))
	}
}

func (d *decoder) decodeFloat(v *Value, p []byte) {
	switch len(p) {
	case 4:
		v.Float = float64(math.Float32frombits(d.order.Uint32(p)))
	case 8:
		v.Float = math.Float64frombits(d.order.Uint64(p))
	default:
		// long double is x87 extended precision on amd64 and i386 but IEEE
		// quad precision on arm64 and riscv, and the type alone does not say which.
		v.Err = fmt.Errorf("%s: %w: floating-point type of %d bytes (only 4 and 8 are decoded)", v.TypeName, ErrUnsupportedType, len(p))
	}
}

// readInt reads p as an integer of len(p) bytes, little-endian or
// big-endian.
func readInt(p []byte, little, signed bool) *big.Int {
	if len(p) <= 8 {
		var u uint64
		for i := range p {
			shift := 8 * i
			if !little {
				shift = 8 * (len(p) - 1 - i)
			}
			u |= uint64(p[i]) << shift
		}
		return intFromBits(u, uint(8*len(p)), signed)
	}

	// Wider than 64 bits (__int128): assemble big-endian digits.
	digits := bytes.Clone(p)
	if little {
		reverse(digits)
	}
	n := new(big.Int).SetBytes(digits)
	return signExtendBig(n, uint(8*len(p)), signed)
}

// intFromBits returns the low width bits of u as an integer, sign-extended
// from bit width-1 when signed is set.
func intFromBits(u uint64, width uint, signed bool) *big.Int {
	if width < 64 {
		u &= 1<<width - 1
	}
	if signed && width > 0 && u&(1<<(width-1)) != 0 {
		if width < 64 {
			u |= ^uint64(0) << width
		}
		return big.NewInt(int64(u))
	}
	return new(big.Int).SetUint64(u)
}

// signExtendBig subtracts 2^width from n when signed is set and bit
// width-1 of n is set.
func signExtendBig(n *big.Int, width uint, signed bool) *big.Int {
	if signed && width > 0 && n.Bit(int(width-1)) == 1 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), width))
	}
	return n
}

func reverse(p []byte) {
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
}

func isLittleEndian(order binary.ByteOrder) bool {
	return order.Uint16([]byte{1, 0}) == 1
}

// setEnumerator names v.Int with the enumerator of the same value. Values
// compare modulo 2^(8*size), because godwarf stores every enumerator as an
// int64 whatever the signedness of the enum.
func setEnumerator(v *Value, et *godwarf.EnumType) {
	modulus := new(big.Int).Lsh(big.NewInt(1), uint(8*v.Size))
	want := new(big.Int).Mod(v.Int, modulus)
	for _, ev := range et.Val {
		if ev == nil {
			continue
		}
		got := new(big.Int).Mod(big.NewInt(ev.Val), modulus)
		if got.Cmp(want) == 0 {
			v.Enumerator = ev.Name
			v.HasEnumerator = true
			return
		}
	}
}
